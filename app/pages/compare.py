"""Compare: baseline, plan and the user's saved scenarios side by side."""

from __future__ import annotations

import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import planning
from simulator.errors import ScenarioError, UnknownNameError
from simulator.scenario import Scenario

tr = state.tr


def _candidates() -> dict[str, Scenario]:
    """Scenario label to scenario: the region's presets, the current scenario, saved scenarios."""
    region = state.region()
    out = {
        f"{tr('preset_' + p)} ({p})": state.preset(region, p)
        for p in app_logic.available_presets(region)
    }
    _, current = state.scenarios()
    out[f"{tr('current')}: {current.name}"] = current
    out.update(state.saved_here())
    return out


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    lang = state.lang()
    st.title(tr("page_compare"))
    region = state.region()
    if "plan" not in app_logic.available_presets(region):
        st.info(tr("plan_missing", region=region))
    try:
        candidates = _candidates()
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    default = [name for name in candidates][:3]
    picked = st.multiselect(
        tr("compare_pick"), list(candidates), default=default, key="_compare_pick"
    )
    if len(picked) < 2:
        st.info(tr("compare_need_two"))
        return
    frames = {}
    try:
        for name in picked:
            frames[name], _ = state.run(candidates[name])
    except (ScenarioError, UnknownNameError, TypeError, ValueError) as error:
        widgets.error_box("run_error", error)
        return

    entries = catalogue.indicators(state.model())
    first = frames[picked[0]]
    targets = app_logic.merge_targets([state.targets(candidates[name]) for name in picked])
    target_years = sorted({t.year for t in targets if t.year in first.index})
    years_all = [int(y) for y in first.index]
    default_years = target_years or [y for y in (2025, 2030, 2035) if y in years_all]
    years = st.multiselect(
        tr("compare_years"), years_all, default=default_years, key="_compare_years"
    )
    names = st.multiselect(
        tr("compare_indicators"),
        list(entries),
        default=list(catalogue.KEY_INDICATORS),
        format_func=lambda n: app_logic.entry_label(entries[n], lang),
        key="_compare_ind",
    )

    observed = state.documented(region)[0]
    columns = st.columns(2)
    for i, name in enumerate(names):
        chart = widgets.indicator_chart(frames, name, observed, app_logic.targets_frame(targets),
                                        holdout=planning.holdout_points(state.actuals(region)))
        widgets.draw_chart(columns[i % 2], chart)

    st.subheader(tr("compare_table"))
    if years and names:
        table = app_logic.comparison_table(frames, names, sorted(years))
        table.insert(1, tr("unit"), [entries[n].unit for n in table["indicator"]])
        table["indicator"] = [app_logic.entry_label(entries[n], lang) for n in table["indicator"]]
        st.dataframe(
            table.rename(columns={"indicator": tr("indicator"), "year": tr("year")}),
            hide_index=True,
        )


render()
