"""Goal seeking on each region's plan, against a random search of the same size.

For every ``simulator/scenarios/*-plan.yaml`` with targets: the optimiser's
mix (:func:`simulator.goal_seek.report.optimise`), its probabilities on the
search ensemble and re-checked on a fresh one (seed + 1), and a uniform
random search drawing as many candidates (so as many model runs) on the same
search ensemble, its winner re-checked on the same fresh ensemble.
``benchmarks/goal_seek_plans.py`` runs it and writes the table.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.goal_seek import DEFAULT_SEED
from simulator.goal_seek.evaluate import EnsembleEvaluator
from simulator.goal_seek.report import GoalSeekResult, optimise
from simulator.goal_seek.search import SearchResult, random_search
from simulator.paths import SCENARIOS_DIR
from simulator.scenario import load_scenario


def plan_files(folder: Path = SCENARIOS_DIR) -> list[Path]:
    """Return the plan scenarios that carry targets, by file name."""
    return [path for path in sorted(Path(folder).glob("*-plan.yaml"))
            if load_scenario(path).targets]


def random_baseline(result: GoalSeekResult, seed: int, *, workers: int = 1
                    ) -> tuple[SearchResult, np.ndarray]:
    """Run a random search with the optimiser's number of candidates, on its ensemble.

    Returns
    -------
    search : SearchResult
        The random search's best mix (same ensemble size and seed as the optimiser's).
    recheck : numpy.ndarray
        Its probability of each target on the optimiser's fresh re-check ensemble [-].
    """
    problem, settings = result.problem, result.metadata["settings"]
    n = settings["ensemble"]
    with EnsembleEvaluator(problem, n, settings["seed"], workers=workers) as evaluate:
        found = random_search(problem, evaluate, candidates=result.search.candidates, seed=seed)
    fresh = EnsembleEvaluator(problem, n, result.recheck_seed, model=evaluate.model)
    return found, problem.assess(fresh(found.x[None]))[0][0]


def check_plan(path: Path, *, n: int, maxiter: int, seed: int = DEFAULT_SEED,
               probability: float = 0.8, workers: int = 1) -> dict:
    """Goal seek on one plan and compare it with a random search of the same size.

    Returns
    -------
    dict
        One row: region, targets, levers, model runs, times [s], the optimiser's
        and the random search's cost [亿元], feasibility and lowest probability
        on the search and re-check ensembles, the binding targets.
    """
    scenario = load_scenario(path)
    started = time.perf_counter()
    result = optimise(scenario, probability=probability, n=n, seed=seed, maxiter=maxiter,
                      workers=workers)
    optimised_s = time.perf_counter() - started
    started = time.perf_counter()
    found, recheck = random_baseline(result, seed, workers=workers)
    table = result.table
    return {
        "plan": path.name, "region": scenario.region, "targets": len(table),
        "by_year": result.problem.by_year, "levers": len(result.problem.decisions),
        "ensemble": n, "probability": probability, "candidates": result.search.candidates,
        "model_runs_search": result.search.runs,
        "optimiser_s": round(optimised_s, 1),
        "optimiser_cost": result.search.cost, "optimiser_feasible": result.feasible,
        "optimiser_p_min": float(table["p_met"].min()),
        "optimiser_p_recheck_min": float(table["p_recheck"].min()),
        "optimiser_recheck_feasible": bool((table["p_recheck"] >= probability).all()),
        "plan_cost": result.plan_cost, "plan_p_min": float(np.min(result.plan_probability)),
        "model_runs_random": found.runs, "random_cost": found.cost,
        "random_feasible": found.feasible,
        "random_p_min": float(np.min(found.probability)),
        "random_p_recheck_min": float(np.min(recheck)),
        "random_s": round(time.perf_counter() - started, 1),
        "binds": ",".join(table.loc[table["binds"], "indicator"]),
        "missed": ",".join(table.loc[~table["met"], "indicator"]),
    }


def check_plans(*, n: int, maxiter: int, seed: int = DEFAULT_SEED, probability: float = 0.8,
                workers: int = 1, progress=print) -> pd.DataFrame:
    """:func:`check_plan` on every plan with targets; one row each."""
    rows = []
    for path in plan_files():
        rows.append(check_plan(path, n=n, maxiter=maxiter, seed=seed, probability=probability,
                               workers=workers))
        if progress:
            progress(f"{path.name}: optimiser {rows[-1]['optimiser_cost']:.4g} 亿元,"
                     f" random {rows[-1]['random_cost']:.4g} 亿元")
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    """Format the comparison as a Markdown table (costs in 亿元, probabilities in %)."""

    def pct(value: float) -> str:
        return f"{100 * value:.0f}%"

    def cost(value: float, feasible: bool) -> str:
        return f"{value:.4g}" + ("" if feasible else " (infeasible)")

    lines = ["| plan | targets (year) | optimiser cost | p min (search / re-check) |"
             " random cost | p min (search / re-check) | plan's mix cost, p min | binds |"
             " time opt + random [s] |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        lines.append(
            f"| {r.plan} | {r.targets} ({r.by_year}) |"
            f" {cost(r.optimiser_cost, r.optimiser_feasible)} |"
            f" {pct(r.optimiser_p_min)} / {pct(r.optimiser_p_recheck_min)} |"
            f" {cost(r.random_cost, r.random_feasible)} |"
            f" {pct(r.random_p_min)} / {pct(r.random_p_recheck_min)} |"
            f" {r.plan_cost:.4g}, {pct(r.plan_p_min)} | {r.binds or '-'} |"
            f" {r.optimiser_s:g} + {r.random_s:g} |")
    return "\n".join(lines)
