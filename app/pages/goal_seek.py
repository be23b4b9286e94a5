"""Goal seeking: the cheapest mix reaching the chosen targets with probability p (widgets only).

The search runs only when the button is pressed; its result lives in
``st.session_state`` so that later reruns (a language switch, a download)
show it again without running the model.
"""

from __future__ import annotations

import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import goal_seek as logic
from simulator.app_logic import terms
from simulator.errors import ScenarioError, UnknownNameError
from simulator.goal_seek import DEFAULT_SEED
from simulator.goal_seek.search import MAXITER

tr = state.tr
#: Session-state key of the last result.
RESULT = "goal_seek_result"


def widget_key(scenario, *parts: str) -> str:
    """Widget key of a scenario's target or bound (another scenario starts from its own)."""
    return "_".join(["_gs", scenario.name, *parts])


def _targets(scenario) -> tuple[list[str], dict]:
    lang = state.lang()
    options = logic.target_options(scenario)
    picked = st.multiselect(
        tr("gs_targets"), options, default=logic.default_targets(scenario),
        format_func=lambda name: logic.target_label(scenario, name, lang),
        accept_new_options=True, help=tr("gs_targets_help"), key=widget_key(scenario, "targets"),
    )
    edits = {}
    with st.expander(tr("gs_edit")):
        for name in picked:
            target = logic.find_target(scenario, name)
            if target is None:
                continue
            left, right = st.columns(2)
            label = logic.target_label(scenario, name, lang)  # the indicator in words, not its code
            value = left.number_input(tr("gs_threshold", name=label), value=float(target.value),
                                      format="%g", key=widget_key(scenario, "value", name))
            year = right.number_input(tr("gs_year", name=label), scenario.start_year + 1,
                                      scenario.end_year, int(target.year),
                                  key=widget_key(scenario, "year", name))
            if (value, year) != (target.value, target.year):
                edits[name] = (float(value), int(year))
    return picked, edits


def _levers(scenario) -> tuple[list[str], dict]:
    lang = state.lang()
    entries = catalogue.levers()
    options = logic.lever_options()
    picked = st.multiselect(
        tr("gs_levers"), options, default=options,
        format_func=lambda n: app_logic.entry_label(entries[n], lang) if n in entries else n,
        accept_new_options=True, help=tr("gs_levers_help"), key="_gs_levers",
    )
    defaults = logic.lever_bounds(scenario, picked)
    bounds = {}
    with st.expander(tr("gs_bounds")):
        for name, (low, high) in defaults.items():
            unit = terms.unit_label(entries[name].unit, lang)  # the model's unit, in words
            label = f"{app_logic.entry_label(entries[name], lang)} [{unit}]"
            left, right = st.columns(2)
            lo = left.number_input(tr("gs_low", name=label), value=low, format="%g",
                                   key=widget_key(scenario, "lo", name))
            hi = right.number_input(tr("gs_high", name=label), value=high, format="%g",
                                    key=widget_key(scenario, "hi", name))
            if (lo, hi) != (low, high):
                bounds[name] = (float(lo), float(hi))
    return picked, bounds


def _request(scenario) -> logic.Request:
    targets, edits = _targets(scenario)
    levers, bounds = _levers(scenario)
    columns = st.columns(4)
    probability = columns[0].number_input(tr("gs_probability"), 0.0, 1.0, 0.8, 0.05,
                                          help=tr("gs_probability_help"), key="_gs_p")
    budget = columns[1].number_input(tr("gs_budget"), value=None, format="%g", key="_gs_budget")
    n = columns[2].select_slider(tr("ensemble_size"), logic.ENSEMBLE_SIZES,
                                 value=logic.DEFAULT_ENSEMBLE, key="_gs_n")
    seed = columns[3].number_input(tr("seed"), 0, 2**31 - 1, DEFAULT_SEED, key="_gs_seed")
    left, right = st.columns(2)
    maxiter = left.number_input(tr("gs_generations"), 1, 200, MAXITER, key="_gs_maxiter")
    late = right.checkbox(tr("gs_start_in_target_year"), help=tr("gs_start_help"),
                          key="_gs_late")
    return logic.Request(targets=targets, levers=levers, probability=float(probability),
                         edits=edits, bounds=bounds, budget=budget, n=int(n), seed=int(seed),
                         maxiter=int(maxiter), start_in_target_year=bool(late))


def _search(scenario, request: logic.Request) -> None:
    bar = st.progress(0.0, text=tr("gs_run"))

    def progress(p) -> None:
        best = (tr("gs_best", cost=f"{p.best_cost:.4g}") if p.feasible else tr("gs_none_yet"))
        bar.progress(p.fraction, text=tr("gs_progress", generation=p.generation,
                                          total=p.max_generations, candidates=p.candidates,
                                          best=best))

    try:
        st.session_state[RESULT] = logic.run(scenario, request, progress)
    except (ScenarioError, UnknownNameError, ValueError, TypeError) as error:
        st.session_state.pop(RESULT, None)
        widgets.error_box("gs_error", error)
    finally:
        bar.empty()


def _send(result) -> None:
    try:
        state.upload(logic.explore_scenario(result, state.model()))
    except (ScenarioError, UnknownNameError, ValueError) as error:
        widgets.error_box("gs_error", error)
        return
    st.switch_page("app/pages/explore.py")


def _show(result) -> None:
    lang = state.lang()
    (st.success if result.feasible else st.warning)(logic.statement(result, lang))
    meta = result.metadata
    columns = st.columns(2)
    columns[0].metric(tr("gs_cost"), f"{result.search.cost:.4g}")
    columns[1].metric(tr("gs_plan_cost"), f"{result.plan_cost:.4g}")
    st.caption(tr("gs_run_note", name=result.problem.scenario.name, n=meta["settings"]["ensemble"],
                  seed=meta["settings"]["seed"], recheck=result.recheck_seed,
                  runs=meta["model_runs"], seconds=meta["elapsed_s"]))
    st.subheader(tr("gs_mix"))
    st.dataframe(logic.lever_table(result, lang).rename(columns={
        "lever": tr("gs_lever"), "unit": tr("unit"), "plan": tr("gs_plan_level"),
        "level": tr("gs_level"), "start": tr("gs_start")}), hide_index=True)
    st.subheader(tr("gs_probabilities"))
    st.dataframe(logic.target_rows(result, lang).rename(columns={
        "indicator": tr("indicator"), "unit": tr("unit"), "year": tr("year"),
        "bound": tr("bound"), "target": tr("target"), "p_required": tr("gs_p_required"),
        "p_met": tr("gs_p_met"), "p_recheck": tr("gs_p_recheck"), "p_plan": tr("gs_p_plan"),
        "value_at_p": tr("gs_value_at_p"), "margin_pct": tr("gs_margin"),
        "binds": tr("gs_binds")}), hide_index=True)
    st.subheader(tr("gs_tradeoff"))
    st.image(logic.front_png(result))
    left, middle, right = st.columns(3)
    left.download_button(tr("gs_download"), logic.outputs_zip(result), "goal-seek.zip",
                         "application/zip", key="_gs_zip")
    middle.download_button(tr("gs_download_yaml"), result.scenario.to_yaml(),
                           f"{result.scenario.name}.yaml", "application/x-yaml", key="_gs_yaml")
    if right.button(tr("gs_send"), key="_gs_send", type="primary"):
        _send(result)


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    st.title(tr("page_goal_seek"))
    st.caption(tr("gs_intro"))
    try:
        _, scenario = state.scenarios()
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    if not scenario.targets:
        st.info(tr("gs_no_targets"))
        return
    widgets.ran_scenario(scenario)
    request = _request(scenario)
    if st.button(tr("gs_run"), key="_gs_run", type="primary"):
        _search(scenario, request)
    result = st.session_state.get(RESULT)
    if result is not None:
        _show(result)


render()
