"""Tests of ``simulator.fiscal_cost``: the readout priced by goal seeking's rule."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import app_logic
from simulator.engine.model import load_model
from simulator.fiscal_cost import fiscal_cost, scenario_cost
from simulator.goal_seek import build_problem, load_costs
from simulator.runner import run_scenario


@pytest.fixture(scope="module")
def suining():
    model = load_model()
    baseline = app_logic.load_preset("suining", "baseline", model)
    return model, baseline, run_scenario(baseline, model=model).frame


def test_the_baseline_costs_nothing_against_itself(suining):
    model, baseline, frame = suining
    cost = fiscal_cost(baseline, frame, baseline, frame, 2024, 2030, model=model)
    assert cost.total == 0 and cost.by_lever == {} and cost.assumed == ()


def test_a_per_unit_lever_costs_its_change_times_the_stated_price_discounted(suining):
    model, baseline, frame = suining
    before = baseline.lever_value("incubator_capacity", 2030, 0.0)
    moved = baseline.with_levers({"incubator_capacity": before + 400}, 2024, model)
    cost = fiscal_cost(moved, run_scenario(moved, model=model).frame, baseline, frame,
                       2024, 2030, model=model)
    book = load_costs()
    price = book.levers["incubator_capacity"].per_unit
    discount = (1 + book.discount_rate) ** -np.arange(0, 7)  # 2024..2030 to 2024
    assert cost.by_lever["incubator_capacity"] == pytest.approx(400 * price * discount.sum())
    assert "incubator_capacity" in cost.assumed
    # the model-costed post-subsidy follows business R&D, which more incubation moves
    assert cost.total == pytest.approx(sum(cost.by_lever.values()))
    assert cost.first_year == 2024 and cost.last_year == 2030 and cost.source == "lever_costs.yaml"


def test_the_readout_prices_a_lever_as_goal_seeking_does(suining):
    """Same rule in one place: the goal-seek cost of the plan's mix is the readout's."""
    model = suining[0]
    plan = app_logic.load_preset("suining", "plan", model)
    levers = ["talent_programme_intake", "incubator_capacity"]
    problem = build_problem(plan, levers=levers, model=model)
    expected = problem.cost(problem.plan_vector()[None, :])[0]
    mine = scenario_cost(plan, run_scenario(plan, model=model).frame, problem.first_year,
                         problem.by_year, problem.costs, model)
    assert expected > 0
    assert mine["talent_programme_intake"] + mine["incubator_capacity"] == pytest.approx(expected)


def test_cost_years_outside_the_run_or_reversed_are_refused(suining):
    model, baseline, frame = suining
    with pytest.raises(ValueError, match="the last is before the first"):
        fiscal_cost(baseline, frame, baseline, frame, 2030, 2024, model=model)
    with pytest.raises(ValueError, match="outside the scenario's run"):
        fiscal_cost(baseline, frame, baseline, frame, 2024, 2099, model=model)
