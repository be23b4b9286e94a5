"""The goal seeking page's logic without Streamlit (simulator.app_logic.goal_seek)."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import SCENARIOS_DIR

from simulator.app_logic import goal_seek as logic
from simulator.goal_seek.problem import BOUND_MULTIPLE
from simulator.scenario import load_scenario

SUINING = load_scenario(SCENARIOS_DIR / "suining-plan.yaml")
SMALL = {"levers": ["post_subsidy_rate", "government_st_appropriation"], "n": 12, "maxiter": 2,
         "popsize": 2}


def test_targets_are_offered_latest_year_first_with_the_horizon_by_default():
    options = logic.target_options(SUINING)
    assert options[0].endswith("@2025") and len(options) == len(set(options))
    assert set(logic.default_targets(SUINING)) == {o for o in options if o.endswith("@2025")}
    label = logic.target_label(SUINING, "rd_intensity@2025", "zh")
    assert label == "R&D投入强度 2025 达到 1.05 %"


def test_an_edited_target_replaces_the_plans_and_is_met_under_its_new_name():
    request = logic.Request(targets=["rd_intensity@2025"], levers=[],
                            edits={"rd_intensity@2025": (1.5, 2024)})
    scenario, names = logic.edited(SUINING, request)
    assert names == ["rd_intensity@2024"]
    moved = logic.find_target(scenario, "rd_intensity@2024")
    assert moved.value == 1.5 and logic.find_target(scenario, "rd_intensity@2025") is None
    assert len(scenario.targets) == len(SUINING.targets)


def test_default_bounds_are_the_catalogue_min_to_a_multiple_of_the_current_value():
    bounds = logic.lever_bounds(SUINING, ["post_subsidy_rate", "no_such_lever"])
    assert list(bounds) == ["post_subsidy_rate"]
    low, high = bounds["post_subsidy_rate"]
    assert low == 0.0 and high == pytest.approx(BOUND_MULTIPLE * 0.02)


def test_run_reports_progress_and_gives_the_outputs_and_a_valid_scenario():
    seen = []
    request = logic.Request(targets=logic.default_targets(SUINING), probability=0.5, **SMALL)
    result = logic.run(SUINING, request, seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions and fractions == sorted(fractions) and 0 < fractions[-1] <= 1
    assert logic.statement(result, "en") == result.statement_en
    levers = logic.lever_table(result, "en")
    assert list(levers.columns) == ["lever", "unit", "plan", "level", "start"]
    assert (levers["start"] < result.problem.by_year).all()  # no start in the target year
    rows = logic.target_rows(result, "zh")
    assert rows["p_recheck"].between(0, 100).all() and len(rows) == 6  # Suining 2025 (#17)
    names = zipfile.ZipFile(io.BytesIO(logic.outputs_zip(result))).namelist()
    assert sorted(names) == ["pareto.csv", "pareto.png", "scenario.yaml", "summary.json",
                             "targets.csv"]
    assert logic.front_png(result)[:4] == b"\x89PNG"
    sent = logic.explore_scenario(result)
    assert sent.levers == result.scenario.levers and sent.targets == result.scenario.targets


def test_no_target_is_refused_before_any_run():
    with pytest.raises(ValueError, match="no target chosen"):
        logic.run(SUINING, logic.Request(targets=[], levers=["post_subsidy_rate"]))
