"""Analysis: which levers move a target most (tornado), and a finished sweep's results."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import analysis, planning, terms
from simulator.errors import ScenarioError, UnknownNameError
from simulator.scenario import Scenario, Target

tr = state.tr


@st.cache_data(show_spinner=False, max_entries=32)
def _tornado(key: str, indicator: str, year: int, policy_year: int, swing: float,
             _scenario: Scenario) -> pd.DataFrame:
    return analysis.tornado(_scenario, Target(indicator, year, 0.0), policy_year,
                            model=state.model(), swing=swing)


def _tornado_section(lang: str) -> None:
    st.subheader(tr("tornado"))
    base, scenario = state.scenarios()
    year = state.policy_year(base)
    open_targets, _ = planning.split_targets(state.targets(base),
                                             state.last_data_year(scenario.region))
    entries = catalogue.indicators(state.model())
    choices = [(t.indicator, t.year) for t in open_targets if t.year <= scenario.end_year]
    if not choices:  # no open target: the key indicators at the end year
        choices = [(n, scenario.end_year) for n in catalogue.KEY_INDICATORS]
    left, right = st.columns([3, 1])
    indicator, target_year = left.selectbox(
        tr("tornado_target"), choices, key="_tornado_target",
        format_func=lambda c: f"{app_logic.entry_label(entries[c[0]], lang)} {c[1]}")
    swing = right.select_slider(tr("tornado_swing"), [10, 25, 50, 100], value=50,
                                key="_tornado_swing")
    widgets.ran_scenario(scenario)
    st.caption(tr("tornado_note", swing=swing, year=year))
    bars = _tornado(scenario.to_yaml(), indicator, target_year, year, swing / 100, scenario)
    levers = catalogue.levers(state.model())
    unit = entries[indicator].unit
    shown = pd.DataFrame({
        tr("lever"): [app_logic.entry_label(levers[n], lang) for n in bars["lever"]],
        "low": bars["at_low"], "high": bars["at_high"], "base": bars["at_base"],
        tr("tornado_low"): [_lever_value(levers[n], v, lang) for n, v in
                            zip(bars["lever"], bars["low"])],
        tr("tornado_high"): [_lever_value(levers[n], v, lang) for n, v in
                             zip(bars["lever"], bars["high"])],
        tr("tornado_effect"): bars["effect"].round(3),
    })
    order = list(shown[tr("lever")])
    y = alt.Y(f"{tr('lever')}:N", sort=order, title=None)
    chart = alt.layer(
        alt.Chart(shown).mark_bar(opacity=0.8).encode(
            y=y, x=alt.X("low:Q", title=f"{app_logic.entry_label(entries[indicator], lang)}"
                                       f" {target_year} [{unit}]", scale=alt.Scale(zero=False)),
            x2="high:Q", tooltip=[tr("lever"), tr("tornado_low"), tr("tornado_high"),
                                  alt.Tooltip(f"{tr('tornado_effect')}:Q", format=",.4g")]),
        alt.Chart(shown).mark_rule(color="black").encode(x="base:Q"),
    ).properties(height=30 * len(shown) + 40)
    st.altair_chart(chart, width="stretch")
    st.dataframe(shown.drop(columns=["low", "high", "base"]), hide_index=True)


def _lever_value(entry, value: float, lang: str) -> str:
    scale = 100.0 if app_logic.is_rate(entry) else 1.0
    return f"{app_logic.fmt_number(value * scale)} {terms.lever_unit(entry, lang)}"


def _sweep_section(lang: str) -> None:
    st.subheader(tr("sweep_results"))
    st.caption(tr("sweep_note"))
    folder = st.text_input(tr("sweep_folder"), key="_sweep_folder").strip()
    if not folder:
        return
    try:
        view = analysis.load_sweep(folder)
    except (ScenarioError, OSError, ValueError) as error:
        widgets.error_box("sweep_error", error)
        return
    manifest = view["manifest"]
    varied = list(manifest.get("spec", {}).get("vary", {}))
    st.markdown(tr("sweep_summary", name=manifest["name"], method=view["method"],
                   runs=manifest["design_size"],
                   varied=", ".join(analysis.variable_label(v, lang) for v in varied)))
    if lang == "en":  # the analysis writes its notes in English
        for note in view["notes"]:
            st.caption(note)
    targets = view["targets"]
    if not targets.empty:
        label = "label_zh" if lang == "zh" else "label_en"
        table = targets.assign(p_met=(100 * targets["p_met"]).round(1),
                               bound=[terms.bound_label(b, lang) for b in targets["bound"]])
        columns = [c for c in (label, "unit", "year", "bound", "target", "p_met", "value_q05",
                               "value_q50", "value_q95") if c in table]
        st.markdown(f"**{tr('sweep_targets')}**")
        st.dataframe(table[columns].rename(columns={
            **app_logic.scorecard_headers(tr, label), "p_met": tr("sweep_share")}),
            hide_index=True)
    pivot = analysis.sensitivity_pivot(view["sensitivity"], lang)
    st.markdown(f"**{tr('sweep_sensitivity', method=view['method'])}**")
    if pivot.empty:
        st.info(tr("sweep_no_indices"))
    else:
        st.dataframe(pivot.rename(columns={"target": tr("target"), "variable": tr("lever")}),
                     hide_index=True)
    prim = view["prim"]
    st.markdown(f"**{tr('sweep_prim')}**")
    boxes = prim[prim["variable"].notna()] if "variable" in prim else prim
    if boxes.empty:
        st.info(tr("sweep_no_boxes"))
        return
    st.dataframe(pd.DataFrame({
        tr("target"): [analysis.target_label(t, lang) for t in boxes["target"]],
        tr("lever"): [analysis.variable_label(v, lang) for v in boxes["variable"]],
        tr("prim_low"): boxes["low"].round(4), tr("prim_high"): boxes["high"].round(4),
        tr("prim_density"): (100 * boxes["density"]).round(1),
        tr("prim_base_density"): (100 * boxes["base_density"]).round(1),
        tr("prim_mass"): (100 * boxes["mass"]).round(1),
    }), hide_index=True)


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    lang = state.lang()
    st.title(tr("page_analysis"))
    try:
        _tornado_section(lang)
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
    _sweep_section(lang)


render()
