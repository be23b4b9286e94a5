"""The core model runs through PySD, documents every variable, and keeps its stocks valid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import CORE_MODEL, SCENARIOS_DIR

from simulator import catalogue
from simulator.engine.model import CONTROL_NAMES, load_model, time_grid
from simulator.runner import run_scenario, scenario_inputs
from simulator.scenario import Scenario, load_scenario

REGIONS = catalogue.REGIONS


@pytest.fixture(scope="module")
def model():
    return load_model(CORE_MODEL)


def test_core_model_runs_through_pysd(model):
    frame = model.run({}, initial_time=2017, final_time=2035, time_step=0.25)
    assert list(frame.index)[:2] == [2017.0, 2018.0] and frame.index[-1] == 2035.0
    assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()


def test_every_variable_has_units_and_a_comment(model):
    missing_units = [v.vensim_name for v in model.variables.values() if not v.unit.strip()]
    missing_comment = [v.vensim_name for v in model.variables.values() if not v.comment.strip()]
    assert missing_units == []
    assert missing_comment == []


def test_every_parameter_has_a_valid_range():
    # Without a range a scenario could set any finite value: a revocation bar of 0
    # or a money unit of 0 ran to NaN instead of an out-of-range error.
    unbounded = [e.name for e in catalogue.parameters().values() if e.min is None or e.max is None]
    assert unbounded == []


def test_every_assumed_constant_says_so_or_cites_a_source(model):
    # A constant's comment names its source (a document, a row of the data, the
    # evidence file) or says "assumption"; levers say LEVER.
    markers = ("assumption", "LEVER", ".csv", "model-evidence", "seeds/", "erived", "Ford,", "办法")
    bare = [
        v.vensim_name
        for v in model.variables.values()
        if v.kind == "Constant"
        and v.py_name not in CONTROL_NAMES
        and not any(m in v.comment for m in markers)
    ]
    assert bare == []


@pytest.mark.parametrize("region", REGIONS)
def test_no_stock_goes_negative_in_baselines(model, region):
    scenario = load_scenario(SCENARIOS_DIR / f"{region}-baseline.yaml")
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    inputs = scenario_inputs(scenario, grid)  # profile values, parameters, lever paths
    frame = model.run(
        {k: (pd.Series(v, index=grid) if isinstance(v, np.ndarray) else v)
         for k, v in inputs.items()},
        initial_time=scenario.start_year,
        final_time=scenario.end_year,
        time_step=scenario.time_step,
        saveper=scenario.time_step,
    )
    stocks = [v.vensim_name for v in model.variables.values() if v.kind == "Stateful"]
    values = frame[stocks].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    negative = {name: float(frame[name].min()) for name in stocks if frame[name].min() < -1e-9}
    assert negative == {}


def test_indicators_use_baseline_names_and_units():
    entries = catalogue.indicators()
    expected = {
        "gdp": "亿元",
        "rd_expenditure": "亿元",
        "rd_intensity": "%",
        "high_tech_enterprises": "家",
        "tech_smes_registered": "家",
        "high_tech_industry_revenue": "亿元",
        "tech_contract_turnover": "亿元",
    }
    assert {name: entries[name].unit for name in expected} == expected


def test_firms_are_conserved_in_the_default_run(model):
    frame = model.run({}, initial_time=2017, final_time=2035, time_step=0.25, saveper=0.25)
    chain = frame["Firms in cultivation chain"]
    net_entries = frame["Cumulative firm entries"] - frame["Cumulative firm exits"]
    balance = chain - chain.iloc[0] - net_entries
    assert np.abs(balance).max() <= 1e-9 * chain.abs().max()


def test_certificates_expire_exactly_after_three_years(model):
    # No new certification, no renewal: the initial certificates are all gone
    # three years (plus one step) after the start, and not before.
    params = {"first_certification_pass_rate": 0.2, "hte_reapplication_share": 0.0}
    frame = model.run(
        {**params, "hte_application_rate": 0.0, "pool_application_rate": 0.0},
        initial_time=2017, final_time=2022, time_step=0.25, saveper=0.25,
    )
    hte = frame["High tech enterprises"]
    assert hte.loc[2019.75] > 0
    assert abs(hte.loc[2020.25]) <= 1e-9 * hte.iloc[0]


def test_lever_paths_reach_the_model():
    base = Scenario.from_dict({"start_year": 2017, "end_year": 2030})
    stepped = Scenario.from_dict(
        {"start_year": 2017, "end_year": 2030,
         "levers": {"post_subsidy_rate": {"type": "step", "year": 2022, "after": 0.1}}}
    )
    a = run_scenario(base, indicators=["rd_expenditure", "post_subsidy_paid"]).frame
    b = run_scenario(stepped, indicators=["rd_expenditure", "post_subsidy_paid"]).frame
    assert (a.loc[:2021] == b.loc[:2021]).all().all()
    assert (b.loc[2023:, "rd_expenditure"] > a.loc[2023:, "rd_expenditure"]).all()
    assert b.loc[2022, "post_subsidy_paid"] > 0 and b.loc[2021, "post_subsidy_paid"] == 0


def test_translation_is_cached_by_content_hash(tmp_path, monkeypatch):
    import simulator.engine.model as model_module
    import simulator.engine.translation as translation_module

    calls = []
    original = translation_module._translate_into
    monkeypatch.setattr(
        translation_module, "_translate_into", lambda *a: calls.append(a) or original(*a)
    )
    monkeypatch.setattr(model_module, "_LOADED", {})
    monkeypatch.setenv("INNOVATION_DYNAMICS_CACHE", str(tmp_path))
    first = load_model(CORE_MODEL)
    run_scenario(Scenario(), model=first)
    run_scenario(Scenario(), model=load_model(CORE_MODEL))
    assert load_model(CORE_MODEL) is first and len(calls) == 1
    monkeypatch.setattr(model_module, "_LOADED", {})
    load_model(CORE_MODEL)  # a new process: translation found on disk
    assert len(calls) == 1
