"""Tests of ``simulator.app_logic.planning``: policy year, past and open targets, actuals."""

from __future__ import annotations

import doctest
import math

import pytest
from conftest import SCENARIOS_DIR

from simulator.app_logic import planning
from simulator.scenario import Scenario, Target, load_scenario


@pytest.fixture(scope="module")
def suining_plan() -> Scenario:
    """Suining's plan scenario: targets 2020-2023 from work plans, 2025 from the plan."""
    return load_scenario(SCENARIOS_DIR / "suining-plan.yaml")


@pytest.fixture(scope="module")
def suining_actuals():
    """Suining's documented outcomes, fitting years and hold-out years."""
    return planning.actuals_frame("suining")


def test_doctests_of_planning():
    assert doctest.testmod(planning).failed == 0


def test_actuals_include_the_holdout_year_marked_as_such(suining_actuals):
    # simulator/data/holdout.csv: 2023 valid HTE list 209, registered SMEs 570, revenue 593
    latest = planning.latest_actuals(suining_actuals)
    assert latest["high_tech_enterprises"] == (2023, 209.0, True)
    assert latest["tech_smes_registered"] == (2023, 570.0, True)
    assert latest["high_tech_industry_revenue"] == (2023, 593.0, True)
    assert latest["gdp"] == (2022, 1615.0, False)
    assert planning.last_data_year(suining_actuals) == 2023


def test_the_policy_year_defaults_before_the_plan_target_year(suining_plan, suining_actuals):
    """The trap of issue #20: 2026 came after the 2025 targets, so no lever moved them."""
    year = planning.default_policy_year(suining_plan, planning.last_data_year(suining_actuals))
    assert year == 2024
    open_targets, _ = planning.split_targets(list(suining_plan.targets), 2023)
    assert all(t.year >= year for t in open_targets)
    assert planning.targets_before_policy(open_targets, year) == []
    late = planning.targets_before_policy(open_targets, 2026)
    assert {t.year for t in late} == {2025} and len(late) == 6  # Suining 2025 (#17)


def test_policy_year_stays_inside_the_horizon():
    late = Scenario(name="late", start_year=2028, end_year=2035)
    assert planning.default_policy_year(late, 2023) == 2029
    short = Scenario(name="short", start_year=2017, end_year=2020)
    assert planning.default_policy_year(short, 2023) == 2020
    assert planning.default_policy_year(Scenario(name="none"), None) == 2026


def test_targets_split_at_the_last_documented_year(suining_plan):
    open_targets, past = planning.split_targets(list(suining_plan.targets), 2023)
    assert {t.year for t in open_targets} == {2025}
    assert {t.year for t in past} == {2020, 2021, 2023}
    everything, none = planning.split_targets(list(suining_plan.targets), None)
    assert len(everything) == len(suining_plan.targets) and none == []


def test_past_targets_are_judged_on_the_documented_outcome(suining_plan, suining_actuals):
    _, past = planning.split_targets(list(suining_plan.targets), 2023)
    table = planning.past_targets_table(past, suining_actuals)
    hte = table[(table["indicator"] == "high_tech_enterprises") & (table["year"] == 2023)]
    assert hte["actual"].iloc[0] == 209.0 and hte["met"].iloc[0] is True  # target 185
    revenue = table[(table["indicator"] == "high_tech_industry_revenue") & (table["year"] == 2023)]
    assert revenue["actual"].iloc[0] == 593.0 and revenue["met"].iloc[0] is False  # target 650
    # Suining documents no R&D outcome: the 2020 target has no actual and no verdict
    rd_2020 = table[(table["indicator"] == "rd_expenditure") & (table["year"] == 2020)]
    assert math.isnan(rd_2020["actual"].iloc[0]) and rd_2020["met"].iloc[0] is None
    assert table.loc[table["actual"].isna(), "met"].isna().all()


def test_headline_years_are_the_open_target_years_then_the_end():
    targets = [Target("gdp", 2025, 1.0), Target("gdp", 2030, 1.0), Target("gdp", 2025, 2.0)]
    assert planning.headline_years(targets, 2035) == [2025, 2030, 2035]
    assert planning.headline_years([], 2035) == [2035]
    assert planning.headline_years([Target("gdp", 2035, 1.0)], 2035) == [2035]
