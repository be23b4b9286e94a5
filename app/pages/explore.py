"""Explore: a region's preset, lever sliders by policy area, key indicators and targets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import planning, share_link, terms
from simulator.errors import ScenarioError, UnknownNameError

tr = state.tr


def _save(scenario) -> None:
    name = st.session_state.get("_save_name", "").strip()
    if not app_logic.valid_name(name):
        st.session_state["save_message"] = ("error", tr("bad_name"))
        return
    state.saved()[name] = scenario
    st.session_state["save_message"] = ("success", tr("saved", name=name))


def _levers(base, specs) -> None:
    lang = state.lang()
    with st.sidebar:
        st.slider(
            tr("policy_year"),
            base.start_year + 1,
            base.end_year,
            help=tr("policy_year_help"),
            key=state.kept(state.POLICY_YEAR, state.DEFAULT_POLICY_YEAR),
            on_change=state.store,
            args=(state.POLICY_YEAR,),
        )
        st.subheader(tr("levers"))
        for group, entries in app_logic.levers_by_group(state.model()).items():
            with st.expander(app_logic.group_label(group, lang), expanded=True):
                for entry in entries:
                    _lever(entry, specs[entry.name], lang)
        _timing(base, specs, lang)
        st.button(tr("reset"), on_click=state.reset_levers, args=(specs,), key="_reset")


def _lever(entry, spec, lang) -> None:
    """Draw a lever's slider over its whole valid range and a number entry kept in step."""
    unit = terms.lever_unit(entry, lang)
    help_text = (
        f"{app_logic.entry_help(entry, lang)}  \n{tr('valid_range')}:"
        f" {terms.range_label(entry, lang)} · {tr('preset_value')}:"
        f" {app_logic.fmt_number(spec.shown(spec.value))} {unit}"
    )
    slider_key, number_key = state.lever_widgets(spec)
    bounds = spec.bounds()
    label = f"{app_logic.entry_label(entry, lang)} [{unit}]"
    st.slider(label, **bounds, help=help_text, key=slider_key,
              on_change=state.store_lever, args=(slider_key, spec))
    st.number_input(f"{label} · {tr('exact_value')}", **bounds,
                    key=number_key,
                    label_visibility="collapsed", on_change=state.store_lever,
                    args=(number_key, spec))


def _timing(base, specs, lang) -> None:
    """Draw per lever its own start year (blank: the policy year) and its ramp [years]."""
    entries = catalogue.levers(state.model()).values()
    timed = bool(state.lever_timing(specs, base.start_year + 1))
    with st.expander(tr("lever_timing"), expanded=False):
        st.caption(tr("lever_timing_note"))
        # the 2 x 8 entries only on request (or when a lever has its own timing): drawn on
        # every rerun otherwise, a slider move would send them to the browser each time
        shown = st.toggle(tr("show_lever_timing"), key=state.kept("show_timing", False),
                          on_change=state.store, args=("show_timing",), disabled=timed)
        if not (shown or timed):
            return
        for entry in entries:
            left, right = st.columns(2)
            key = state.kept(state.start_key(entry.name), None)
            left.number_input(f"{app_logic.entry_label(entry, lang)} · {tr('start_year')}",
                              min_value=base.start_year + 1, max_value=base.end_year, step=1,
                              value=None, placeholder=tr("follows_policy_year"), key=key,
                              on_change=state.store, args=(state.start_key(entry.name),))
            key = state.kept(state.ramp_key(entry.name), 0)
            right.number_input(tr("ramp_years"), min_value=0, max_value=share_link.MAX_RAMP,
                               step=1, key=key,
                               on_change=state.store, args=(state.ramp_key(entry.name),))


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    lang = state.lang()
    st.title(tr("page_explore"))
    specs = None
    try:
        base = state.base_scenario()
        specs = app_logic.slider_specs(base, state.model())
        values = state.lever_values(base, specs)  # resets the sliders when the preset changed
        year = state.policy_year(base)
        timing = state.lever_timing(specs, year)
        scenario = state.slider_scenario(base, values, year, timing)
        frame, bands, draws = state.run_band(scenario, base)  # the run and its band: one batch
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        if specs is not None:  # the sliders stay, to put a bad value right
            _levers(base, specs)
        return
    st.caption(f"{app_logic.region_label(scenario.region, lang)} · {scenario.name}")
    observed, _ = state.documented(scenario.region)
    # the sliders move levers, never targets: the preset's targets are the slider scenario's
    targets = state.targets(base)  # with the user's target edits
    target_points = app_logic.targets_frame(targets)
    open_targets, past_targets = planning.split_targets(
        targets, state.last_data_year(scenario.region)
    )
    # the latest start of a lever with its own start year counts too
    latest_start = max([year, *(start for start, _ in timing.values())])
    missed = planning.targets_before_policy(open_targets, latest_start)
    if missed:
        years = sorted({t.year for t in missed})
        st.warning(tr("policy_after_targets", year=latest_start, years=", ".join(map(str, years)),
                      latest=years[0]))
    accuracy = st.empty()  # filled last: the check costs a run at half the time step

    entries = catalogue.indicators(state.model())
    latest = planning.latest_actuals(state.actuals(scenario.region))
    baseline = state.baseline(scenario)
    baseline_frame = None if baseline is None else state.run(baseline)[0]
    headline_years = planning.headline_years(open_targets, scenario.end_year)
    if st.session_state.get("headline_years") != headline_years:  # new targets: their year first
        st.session_state["headline_years"] = headline_years
        st.session_state["_headline_year"] = headline_years[0]
    end = st.selectbox(tr("headline_year"), headline_years, key="_headline_year")
    st.caption(tr("headline_note", year=end, reference=tr("the_baseline")))
    columns = st.columns(4)
    for i, name in enumerate(catalogue.KEY_INDICATORS):  # the headline first, then the sidebar
        entry = entries[name]
        value = frame.at[end, name]
        reference = value if baseline_frame is None else baseline_frame.at[end, name]
        columns[i % 4].metric(  # short label, unit beside the number: nothing is cut off
            f"{app_logic.entry_label(entry, lang)} {end}",
            f"{app_logic.fmt_number(value)} {entry.unit}",
            delta=f"{value - reference:+.3g}" if value != reference else None,
        )
        if name in latest:
            year_seen, seen, holdout = latest[name]
            columns[i % 4].caption(tr("latest_caption", value=app_logic.fmt_number(seen),
                                      year=year_seen, kind=tr("holdout_kind") if holdout else ""))

    _levers(base, specs)  # drawn after the headline cards: they reach the browser sooner
    if baseline is not None:
        _fiscal_cost(scenario, baseline, year, end, frame)

    runs = {}  # the preset, then the planner's scenario (last: drawn over the others)
    if scenario.name != base.name and (baseline is None or base.name != baseline.name):
        runs[tr("preset_value")] = state.run(base)[0]
    runs[scenario.name] = frame
    # the baseline is drawn first, behind the scenario's band and lines
    behind = baseline_frame if baseline is not None and baseline.name != scenario.name else None
    st.subheader(tr("key_indicators"))
    chart_columns = st.columns(2)
    points = widgets.point_layers(observed, target_points,
                                  planning.holdout_points(state.actuals(scenario.region)))
    for i, name in enumerate(catalogue.KEY_INDICATORS):
        chart = widgets.indicator_chart(runs, name, observed, target_points, points=points,
                                        band=bands.get(name), baseline=behind)
        widgets.draw_chart(chart_columns[i % 2], chart)

    st.caption(tr("chart_legend"))
    if draws.problem:
        st.caption(tr("band_missing"))
    else:
        st.caption(tr("explore_band_note", n=len(draws.draws),
                      source=terms.draws_source(draws.source, lang)))
    st.subheader(tr("scorecard"))
    _scorecard(frame, open_targets, latest, any_targets=bool(targets))
    links = st.columns(2)  # which lever matters most; the cheapest mix (once its page exists)
    links[0].page_link("app/pages/analysis.py", label=tr("analysis_link"))
    if Path(__file__).with_name("goal_seek.py").is_file():
        links[1].page_link("app/pages/goal_seek.py", label=tr("goal_seek_link"))
    if past_targets:
        with st.expander(tr("past_targets"), expanded=False):
            widgets.past_targets(past_targets, scenario.region)

    if st.session_state.get("save_name_of") != scenario.name:  # the name follows the scenario
        st.session_state["save_name_of"] = st.session_state["_save_name"] = scenario.name
    _save_form(scenario)

    link = state.link_params(base)  # the address bar always reopens this scenario
    if st.query_params.to_dict() != link:
        st.query_params.from_dict(link)

    try:
        advice = state.time_step_advice(scenario, frame)
    except (ScenarioError, UnknownNameError, TypeError, ValueError) as error:
        widgets.error_box("run_error", error)
        return
    if advice is not None:
        message = advice.message_zh if lang == "zh" else advice.message_en
        accuracy.warning(tr("time_step_warning", message=message))


@st.fragment
def _save_form(scenario) -> None:
    """Name and save the scenario; a fragment: typing a name reruns only this part."""
    st.text_input(tr("save_as"), key="_save_name")
    st.button(tr("save"), on_click=_save, args=(scenario,), key="_save")
    kind, message = st.session_state.pop("save_message", (None, None))
    if kind == "error":
        st.error(message)
    elif kind == "success":
        st.success(message)


def _fiscal_cost(scenario, baseline, year: int, end: int, frame) -> None:
    """Show the levers' cumulative discounted fiscal cost against the baseline, with its basis."""
    if end < year:
        return
    cost = state.fiscal_cost(scenario, baseline, year, end, frame)
    lang = state.lang()
    levers = catalogue.levers(state.model())
    assumed = "、".join(app_logic.entry_label(levers[n], lang) for n in cost.assumed)
    # a line, not a metric card: the cards are the indicators at the headline year
    st.markdown(f"**{tr('fiscal_cost')} {year}–{end}: "
                f"{tr('fiscal_cost_value', value=f'{cost.total:+,.2f}')}**")
    st.caption(tr("fiscal_cost_basis", first=year, last=end, rate=cost.discount_rate,
                  source=cost.source, assumed=assumed or tr("none")))


def _scorecard(frame, targets, latest, any_targets=True) -> None:
    lang = state.lang()
    if not targets:
        if not any_targets:
            st.info(tr("no_targets"))
        return
    module = app_logic.optional_module("simulator.targets")
    if module is None:
        st.info(tr("scorecard_missing"))
        table = app_logic.targets_frame(targets)
        table["simulated"] = [
            frame.at[t.year, t.indicator] if t.year in frame.index else float("nan")
            for t in targets
        ]
        st.dataframe(table, hide_index=True)
        return
    table = module.track_targets(frame, targets)
    label = "label_zh" if lang == "zh" else "label_en"
    table["met"] = table["met"].map({True: tr("yes"), False: tr("no")})
    table["bound"] = [terms.bound_label(b, lang) for b in table["bound"]]
    table["first_year_reached"] = [tr("never_reached") if pd.isna(y) else str(y)
                                   for y in table["first_year_reached"]]
    table = table.round({"value": 2, "gap": 2, "gap_pct": 1})
    if "source" in table:
        table["source"] = [planning.source_link(s) for s in table["source"]]
    table["latest"] = [planning.latest_label(latest.get(n), app_logic.fmt_number)
                       for n in table["indicator"]]
    # the indicator in the page's language, then the table's other columns in its order
    names = ("indicator", "label_zh", "label_en")
    # the latest documented figure stands beside the target
    order = [c for c in module.TABLE_COLUMNS if c not in names]
    order.insert(order.index("target") + 1 if "target" in order else 0, "latest")
    shown = table[[label, *order]]
    st.dataframe(
        shown.rename(columns={**app_logic.scorecard_headers(tr, label),
                              "latest": tr("latest_actual")}),
        hide_index=True,
        column_config=widgets.target_columns(),
    )


render()
