"""Goal seeking: known answers, no worse than random search, the model path, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import SCENARIOS_DIR

from simulator.cli import main
from simulator.goal_seek.problem import CostBook, Decision, GoalProblem, LeverCost, load_costs
from simulator.goal_seek.search import goal_seek, pareto_front, random_search
from simulator.scenario import Scenario, Target

SUINING = str(SCENARIOS_DIR / "suining-plan.yaml")


def _toy(prices, *, timing=False, probability=0.8, target=10.0, budget=None, high=20.0):
    """A pure-Python problem: outcome y = sum of levels (times years active) + member noise."""
    names = list(prices)
    costs = CostBook({n: LeverCost(n, per_unit=prices[n], timing=timing) for n in names}, 0.05)
    decisions = tuple(Decision(n, 0.0, high, 0.0, 0.0, timing) for n in names)
    return GoalProblem(scenario=Scenario(name="toy", start_year=2020, end_year=2030),
                       decisions=decisions, targets=(Target("y", 2025, target, "at_least"),),
                       probability=probability, first_year=2021, by_year=2025, costs=costs,
                       budget=budget)


def _evaluator(problem, noise, *, weights=None, timed=False):
    weights = np.ones(len(problem.decisions)) if weights is None else np.asarray(weights)

    def evaluate(X):
        levels, starts = problem.decode(X)
        active = (problem.by_year - starts + 1) if timed else np.ones_like(starts)
        y = (np.sqrt(levels * active) * weights).sum(axis=1)
        values = y[:, None] + noise[None, :]
        return {"y": np.repeat(values[:, :, None], len(problem.years), axis=2)}

    return evaluate


def _years_active(problem):
    """Outcome y = level * years active up to the target year (no noise)."""

    def evaluate(X):
        levels, starts = problem.decode(X)
        values = (levels * (problem.by_year - starts + 1))[:, :1]
        return {"y": np.repeat(values[:, :, None], len(problem.years), axis=2)}

    return evaluate


def test_cheapest_mix_of_a_linear_toy_is_known_in_closed_form():
    # y = a + b + noise; a costs 1, b costs 3 a unit-year: the whole requirement goes on a,
    # and it is T - (the ceil(pN)-th largest noise), so that exactly ceil(pN) members meet T.
    problem = _toy({"a": 1.0, "b": 3.0})
    noise = np.random.default_rng(7).normal(0.0, 1.0, 50)
    decisions = problem.decisions

    def evaluate(X):
        levels, _ = problem.decode(X)
        values = levels.sum(axis=1)[:, None] + noise[None, :]
        return {"y": np.repeat(values[:, :, None], len(problem.years), axis=2)}

    need = 10.0 - np.sort(noise)[::-1][problem.members_needed(50) - 1]
    discount = sum(1.05 ** -k for k in range(5))  # 2021-2025, both included
    result = goal_seek(problem, evaluate, seed=3, popsize=15, maxiter=200, tol=1e-8)
    assert result.feasible
    levels, _ = problem.decode(result.x)
    assert levels[0, 0] == pytest.approx(need, rel=1e-2)
    assert levels[0, 1] == pytest.approx(0.0, abs=0.02 * need)
    assert result.cost == pytest.approx(need * discount, rel=1e-2)
    assert result.probability[0] >= 0.8 and len(decisions) == 2


def test_start_year_choice_of_a_toy_is_known_in_closed_form():
    # y = a * years active; cost = a * discounted years active. The requirement R costs
    # R * mean discount of the active years, least when the lever starts in the target year.
    problem = _toy({"a": 1.0}, timing=True, probability=1.0, target=8.0)

    result = goal_seek(problem, _years_active(problem), seed=1, popsize=20, maxiter=200,
                       tol=1e-8)
    levels, starts = problem.decode(result.x)
    assert starts[0, 0] == 2025 and levels[0, 0] == pytest.approx(8.0, rel=1e-2)
    assert result.cost == pytest.approx(8.0 * 1.05 ** -4, rel=1e-2)


def test_default_forbids_a_start_in_the_target_year():
    # The same toy with the latest start the year before the target year (the default of
    # build_problem): two active years, level R / 2, cost R / 2 * (d(2024) + d(2025)).
    from dataclasses import replace

    problem = replace(_toy({"a": 1.0}, timing=True, probability=1.0, target=8.0), last_start=2024)

    result = goal_seek(problem, _years_active(problem), seed=1, popsize=20, maxiter=200,
                       tol=1e-8)
    levels, starts = problem.decode(result.x)
    assert starts[0, 0] == 2024 and levels[0, 0] == pytest.approx(4.0, rel=1e-2)
    assert result.cost == pytest.approx(4.0 * (1.05 ** -3 + 1.05 ** -4), rel=1e-2)


def test_build_problem_stops_start_years_before_the_target_year_unless_asked():
    from simulator.goal_seek.problem import build_problem
    from simulator.scenario import load_scenario

    scenario = load_scenario(SUINING)
    default = build_problem(scenario, levers=["post_subsidy_rate"])
    assert default.latest_start == default.by_year - 1
    assert default.bounds[-1] == (default.first_year, default.by_year - 1)
    allowed = build_problem(scenario, levers=["post_subsidy_rate"], start_in_target_year=True)
    assert allowed.bounds[-1] == (allowed.first_year, allowed.by_year)
    late = np.array([[0.05, allowed.by_year]])
    assert default.decode(late)[1][0, 0] == default.by_year - 1
    assert allowed.decode(late)[1][0, 0] == allowed.by_year


def test_one_seed_default_for_cli_api_and_bench():
    import inspect

    from simulator.cli import build_parser
    from simulator.goal_seek import DEFAULT_SEED
    from simulator.goal_seek.report import optimise

    args = build_parser().parse_args(["optimise", SUINING])
    assert args.seed == DEFAULT_SEED == inspect.signature(optimise).parameters["seed"].default
    assert args.start_in_target_year is False


def test_optimiser_costs_no_more_than_random_search_with_the_same_runs():
    prices = {"a": 1.0, "b": 1.7, "c": 2.5, "d": 0.6}
    problem = _toy(prices, timing=True, target=12.0)
    noise = np.random.default_rng(11).normal(0.0, 0.8, 100)
    weights = [1.0, 1.6, 2.1, 0.5]
    evaluate = _evaluator(problem, noise, weights=weights, timed=True)
    found = goal_seek(problem, evaluate, seed=5, popsize=6, maxiter=30)
    baseline = random_search(problem, evaluate, candidates=found.candidates, seed=5)
    assert found.runs == baseline.runs == found.candidates * 100
    assert found.feasible and baseline.feasible
    assert found.cost <= baseline.cost
    front = pareto_front(problem, found.archive)
    costs = [row["cost"] for row in front if np.isfinite(row["cost"])]
    assert costs == sorted(costs)  # a higher probability never costs less


def test_infeasible_toy_reports_the_smallest_shortfall():
    problem = _toy({"a": 1.0}, target=100.0, high=20.0)
    noise = np.zeros(10)

    def evaluate(X):
        levels, _ = problem.decode(X)
        values = levels[:, :1] + noise[None, :]
        return {"y": np.repeat(values[:, :, None], len(problem.years), axis=2)}

    result = goal_seek(problem, evaluate, seed=2, popsize=10, maxiter=30)
    assert not result.feasible
    assert problem.decode(result.x)[0][0, 0] == pytest.approx(20.0, rel=1e-3)
    assert result.margin[0] == pytest.approx(-0.8, rel=1e-3)  # 20 of 100: 80% short


def test_budget_cap_makes_a_toy_infeasible():
    problem = _toy({"a": 1.0}, budget=1.0)
    evaluate = _evaluator(problem, np.zeros(5))
    result = goal_seek(problem, evaluate, seed=2, popsize=10, maxiter=10)
    assert not result.feasible


def test_cost_file_states_every_lever_and_the_discount_rate():
    book = load_costs()
    assert book.discount_rate == pytest.approx(0.08)
    with open(book.source, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    for name, entry in raw["levers"].items():
        assert entry["status"], name
        if entry["status"].startswith("ASSUMPTION"):
            assert "range" in entry and entry["note"], name


def test_optimise_on_suining_writes_a_runnable_mix(tmp_path, capsys):
    out = tmp_path / "goal"
    code = main(["optimise", SUINING, "--ensemble", "20", "--seed", "4", "--maxiter", "2",
                 "--popsize", "2", "--levers", "government_st_appropriation,post_subsidy_rate",
                 "--probability", "0.5", "--out", str(out), "--quiet"])
    assert code in (0, 1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["model_sha256"]) == 64 and summary["data_sha256"]
    assert summary["versions"]["numpy"] and summary["settings"]["recheck_seed"] == 5
    assert set(summary["levers"]) == {"government_st_appropriation", "post_subsidy_rate"}
    assert (out / "pareto.png").stat().st_size > 1000
    capsys.readouterr()
    assert main(["targets", str(out / "scenario.yaml"), "--ensemble", "20", "--seed", "5",
                 "--no-time-step-check"]) == 0
    rechecked = capsys.readouterr().out
    probabilities = [f"{100 * t['p_recheck']:.0f}%" for t in summary["targets"]]
    for p in probabilities:  # the targets command reproduces the re-check
        assert p in rechecked


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--targets", "rd_intensty"], "did you mean 'rd_intensity'"),
        (["--levers", "post_subsidy"], "did you mean 'post_subsidy_rate'"),
        (["--probability", "0"], "must be in (0, 1]"),
        (["--probability", "1.2"], "must be in (0, 1]"),
        (["--budget", "-1"], "must not be negative"),
        (["--levers", ","], "no lever left free"),
        (["--bound", "post_subsidy_rate=0.1:0.05"], "the lower is above the upper"),
        (["--bound", "post_subsidy_rate=0:9"], "leave its catalogue range"),
        (["--levers", "post_subsidy_rate", "--bound", "post_subsidy_rate=0.02:0.02", "--by",
          "2022"], "leave nothing to search"),
        (["--by", "2021"], "before the first decision year"),
        (["--bound", "post_subsidy_rate"], "expects NAME=LO:HI"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(extra, message, capsys):
    assert main(["optimise", SUINING, "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("error: ")


def test_infeasible_statement_says_by_how_much(tmp_path, capsys):
    code = main(["optimise", SUINING, "--ensemble", "20", "--seed", "4", "--maxiter", "2",
                 "--popsize", "2", "--levers", "talent_programme_intake", "--quiet",
                 "--out", str(tmp_path)])
    assert code == 1
    out = capsys.readouterr().out
    assert "out of reach with the given levers" in out and "short of the" in out
    assert "无法" in out


def test_worker_processes_give_the_same_outcomes():
    from simulator.goal_seek.evaluate import EnsembleEvaluator
    from simulator.goal_seek.problem import build_problem
    from simulator.scenario import load_scenario

    levers = ["post_subsidy_rate", "incubator_capacity"]
    problem = build_problem(load_scenario(SUINING), levers=levers)
    X = np.random.default_rng(0).uniform([0, 0, 2022, 2022], [0.1, 3000, 2025, 2025], (6, 4))
    alone = EnsembleEvaluator(problem, 8, 3)(X)
    with EnsembleEvaluator(problem, 8, 3, workers=2) as shared:
        split = shared(X)
        assert shared.runs == 6 * 8
    for name in alone:
        np.testing.assert_array_equal(alone[name], split[name])


def test_each_plan_is_compared_with_a_random_search_of_the_same_runs():
    from simulator.goal_seek.plans import check_plan, markdown_table, plan_files

    names = [path.name for path in plan_files()]
    assert names == ["chengdu-plan.yaml", "hechuan-plan.yaml", "ningxia-plan.yaml",
                     "suining-plan.yaml", "yibin-plan.yaml"]  # every plan has targets (#17)
    row = check_plan(SCENARIOS_DIR / "suining-plan.yaml", n=10, maxiter=1)
    assert row["model_runs_search"] == row["model_runs_random"] == row["candidates"] * 10
    assert row["targets"] == 6 and row["by_year"] == 2025 and row["levers"] == 8
    for key in ("optimiser_p_min", "optimiser_p_recheck_min", "random_p_recheck_min"):
        assert 0 <= row[key] <= 1
    table = markdown_table(pd.DataFrame([row]))
    assert table.count("\n") == 2 and "suining-plan.yaml | 6 (2025)" in table
