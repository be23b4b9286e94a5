"""Tests of ``simulator.app_logic.analysis``: the tornado and the sweep view, without Streamlit."""

from __future__ import annotations

import doctest
import json

import pytest
from conftest import SCENARIOS_DIR

from simulator import catalogue
from simulator.app_logic import analysis
from simulator.errors import ScenarioError
from simulator.runner import run_scenario
from simulator.scenario import Target, load_scenario

HTE_2025 = Target("high_tech_enterprises", 2025, 300.0)


@pytest.fixture(scope="module")
def suining():
    return load_scenario(SCENARIOS_DIR / "suining-plan.yaml")


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A finished, analysed sweep of the shipped Suining Sobol' spec (160 runs, batch engine)."""
    from simulator.sweep import load_spec, run_sweep
    from simulator.sweep.analysis import analyze_sweep

    out = tmp_path_factory.mktemp("sweep") / "suining"
    with pytest.MonkeyPatch.context() as patch:  # the session's translation cache, as conftest
        patch.setenv("INNOVATION_DYNAMICS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
        run_sweep(load_spec(SCENARIOS_DIR / "sweeps" / "suining-plan-sobol.yaml"), out,
                  workers=1, chunk_size=160, engine="batch", progress=False)
        analyze_sweep(out)
    return out


@pytest.fixture(scope="module")
def bars(suining):
    return analysis.tornado(suining, HTE_2025, 2024)


def test_doctests():
    assert doctest.testmod(analysis).failed == 0


def test_the_tornado_has_every_lever_largest_effect_first(bars):
    assert sorted(bars["lever"]) == sorted(catalogue.levers())
    effects = bars["effect"].abs().tolist()
    assert effects == sorted(effects, reverse=True) and effects[0] > 0
    assert (bars["low"] <= bars["base_value"]).all() and (bars["base_value"] <= bars["high"]).all()
    incubator = bars.set_index("lever").loc["incubator_capacity"]
    assert incubator["at_high"] > incubator["at_base"] > incubator["at_low"], (
        "more incubator places, more high-tech enterprises")


def test_a_tornado_bar_is_the_run_of_the_lever_moved_alone(suining, bars):
    """The one batch call gives what a run of each moved scenario gives."""
    row = bars.set_index("lever").loc["tech_transfer_institutions"]
    moved = suining.with_levers({"tech_transfer_institutions": row["high"]}, 2024)
    frame = run_scenario(moved).frame
    assert frame.at[2025, "high_tech_enterprises"] == pytest.approx(row["at_high"], rel=1e-9)
    base = run_scenario(suining).frame.at[2025, "high_tech_enterprises"]
    assert base == pytest.approx(row["at_base"], rel=1e-9)


def test_a_lever_at_zero_still_swings():
    post = catalogue.levers()["post_subsidy_rate"]
    assert analysis.lever_swing(0.0, post) == (0.0, 0.05)


@pytest.mark.parametrize("year, policy, message", [(2040, 2024, "outside the run"),
                                                   (2025, 2018, "policy year 2018")])
def test_bad_years_are_refused(suining, year, policy, message):
    with pytest.raises(ScenarioError, match=message):
        analysis.tornado(suining, Target("gdp", year, 1.0), policy)


def test_a_folder_that_is_no_sweep_is_refused_in_one_line(tmp_path):
    with pytest.raises(ScenarioError, match="is not a folder"):
        analysis.load_sweep(tmp_path / "absent")
    with pytest.raises(ScenarioError, match="holds no manifest.json"):
        analysis.load_sweep(tmp_path)


def test_a_sweep_folder_is_read_with_its_summary_indices_and_boxes(sweep_folder):
    view = analysis.load_sweep(sweep_folder)
    assert view["manifest"]["name"] == "suining-plan-sobol" and view["method"] == "sobol"
    assert set(view["sensitivity"]["variable"]) == {
        "post_subsidy_rate", "tech_transfer_institutions", "incubator_capacity"}
    assert {"S1", "ST"} <= set(view["sensitivity"]["index"])
    assert not view["prim"].empty and "p_met" in view["targets"].columns


def test_a_sweep_without_its_analysis_names_the_command(sweep_folder, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sweep_folder, copy, ignore=shutil.ignore_patterns("analysis"))
    with pytest.raises(ScenarioError, match="has no analysis yet.*--resume"):
        analysis.load_sweep(copy)
    (copy / "manifest.json").write_text(json.dumps([1]), encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a sweep manifest"):
        analysis.load_sweep(copy)
