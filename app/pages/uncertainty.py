"""Uncertainty: 5–95% bands from the calibration ensemble, probability of meeting each target."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import planning, terms
from simulator.errors import ScenarioError, UnknownNameError
from simulator.runner import band_frame
from simulator.scenario import Scenario

tr = state.tr


@st.cache_data(show_spinner=False, max_entries=16)
def _ensemble(
    key: str, n: int, seed: int, assumed: bool, _scenario: Scenario
) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    """Return years, indicator arrays ``(n, years)`` and notes of an ensemble (cached by key)."""
    ensemble = app_logic.optional_module("simulator.ensemble")
    result = ensemble.run_ensemble(_scenario, n, seed=seed, engine=app_logic.fastest_engine(),
                                   draw_assumed=assumed or None)
    years, values = app_logic.ensemble_arrays(result)
    return years, values, [f"{result.source}", *result.notes]


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    lang = state.lang()
    st.title(tr("page_uncertainty"))
    if app_logic.optional_module("simulator.ensemble") is None:
        st.info(tr("ensemble_missing"))
        return
    columns = st.columns(2)
    n = columns[0].select_slider(
        tr("ensemble_size"), [50, 100, 200, 500, 1000], value=200, key="_ens_n"
    )
    seed = int(columns[1].number_input(tr("seed"), 0, 2**31 - 1, 20260101, key="_ens_seed"))
    assumed = st.checkbox(tr("draw_assumed"), value=False, key="_ens_assumed",
                          help=tr("draw_assumed_help"))
    try:
        _, scenario = state.scenarios()
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    try:
        with st.spinner(tr("run_ensemble")):
            years, values, notes = _ensemble(scenario.to_yaml(), n, seed, assumed, scenario)
    except (
        ScenarioError,
        ValueError,
    ) as error:  # e.g. nothing uncertain to draw: a note, not a failure
        st.warning(state.error_text(error))
        return
    except Exception as error:  # noqa: BLE001 - shown in the page, never as a traceback
        widgets.error_box("run_error", error)
        return
    widgets.ran_scenario(scenario)
    if lang == "en":  # the ensemble's notes are English; the zh page names the draws' source
        for note in notes:
            st.caption(note)
    else:
        st.caption(tr("draws_source", source=terms.draws_source(notes[0], lang)))
    st.caption(tr("band_note"))
    observed, _ = state.documented(scenario.region)
    targets = state.targets(scenario)  # with the user's target edits
    open_targets, past = planning.split_targets(targets, state.last_data_year(scenario.region))

    baseline = state.baseline(scenario)  # drawn behind the band (not when it is the scenario)
    behind = (None if baseline is None or baseline.name == scenario.name
              else state.run(baseline)[0])
    points = widgets.point_layers(observed, app_logic.targets_frame(targets),
                                  planning.holdout_points(state.actuals(scenario.region)))
    chart_columns = st.columns(2)
    for i, name in enumerate(n for n in catalogue.KEY_INDICATORS if n in values):
        band = band_frame(years, values[name])
        series = pd.DataFrame({"year": years, "series": tr("median"), "value": band["median"]})
        chart = widgets.indicator_chart(series, name, None, None, band=band, points=points,
                                        baseline=behind)
        widgets.draw_chart(chart_columns[i % 2], chart)

    st.subheader(tr("probability"))
    module = app_logic.optional_module("simulator.targets")
    if not targets:
        st.info(tr("no_targets"))
    elif module is None:
        st.info(tr("scorecard_missing"))
    elif open_targets:
        table = module.track_ensemble(years, values, open_targets)
        label = "label_zh" if lang == "zh" else "label_en"
        table["p_met"] = (100 * table["p_met"]).round(1)
        table["bound"] = [terms.bound_label(b, lang) for b in table["bound"]]
        table["first_year_reached_q50"] = [
            tr("never_reached") if pd.isna(y) else str(y) for y in table["first_year_reached_q50"]
        ]
        st.dataframe(
            table[
                [
                    label,
                    "unit",
                    "year",
                    "bound",
                    "target",
                    "p_met",
                    "value_q05",
                    "value_q50",
                    "value_q95",
                    "first_year_reached_q50",
                ]
            ].rename(columns=app_logic.scorecard_headers(tr, label)),
            hide_index=True,
        )
    if past:
        st.subheader(tr("past_targets"))
        widgets.past_targets(past, scenario.region)


render()
