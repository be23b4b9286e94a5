"""Benchmark goal seeking: wall time and model runs of ``optimise`` on Suining's plan.

Usage::

    .venv/bin/python benchmarks/bench_goal_seek.py [--ensemble 200] [--probability 0.8]
        [--seed DEFAULT_SEED] [--compare]

The issue's case: Suining's plan targets (the five 2025 targets of
``simulator/scenarios/suining-plan.yaml``), all 8 levers (level and start
year: 16 decision variables), p = 0.8, a 200-member ensemble; goal <= 60 s
on 2 cores. The time is that of :func:`simulator.goal_seek.report.optimise`
(ensemble draws, the plan's own mix, the search, the re-check on a fresh
ensemble), not of writing files. ``--compare`` also runs a uniform random
search with the same number of candidates (so the same model runs) on the
same ensemble and prints its cheapest feasible cost beside the optimiser's.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.goal_seek import DEFAULT_SEED  # noqa: E402
from simulator.goal_seek.report import optimise  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "simulator" / "scenarios" / "suining-plan.yaml"


def main(argv: list | None = None) -> dict:
    """Run the benchmark; print and return its record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensemble", type=int, default=200)
    parser.add_argument("--probability", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=2, help="processes (the issue: 2 cores)")
    parser.add_argument("--compare", action="store_true", help="also run a random search")
    args = parser.parse_args(argv)
    scenario = load_scenario(SCENARIO)
    start = time.perf_counter()
    result = optimise(scenario, probability=args.probability, n=args.ensemble, seed=args.seed,
                      workers=args.workers)
    wall = time.perf_counter() - start
    meta = result.metadata
    record = {
        "scenario": scenario.name, "levers": len(result.problem.decisions),
        "variables": len(result.problem.bounds), "ensemble": args.ensemble,
        "probability": args.probability, "workers": args.workers, "wall_s": wall,
        "model_runs": meta["model_runs"],
        "candidates": result.search.candidates, "runs_per_s": meta["model_runs"] / wall,
        "feasible": result.feasible, "cost": result.search.cost,
        "p_met": result.table["p_met"].round(3).tolist(),
        "p_recheck": result.table["p_recheck"].round(3).tolist(),
    }
    print(f"{record['scenario']}: {record['levers']} levers ({record['variables']} variables),"
          f" p = {args.probability}, {args.ensemble} members, {args.workers} workers: {wall:.1f} s,"
          f" {record['model_runs']}"
          f" model runs ({record['candidates']} candidates, {record['runs_per_s']:.0f} runs/s)")
    print(f"cost {result.search.cost:.4g} 亿元, feasible {result.feasible}, p_met"
          f" {record['p_met']}, p_recheck {record['p_recheck']}")
    if args.compare:
        from simulator.goal_seek.plans import random_baseline

        baseline, recheck = random_baseline(result, args.seed, workers=args.workers)
        record["random_cost"] = baseline.cost
        record["random_feasible"] = baseline.feasible
        record["random_p_recheck"] = recheck.round(3).tolist()
        print(f"random search, {baseline.runs} runs: cost {baseline.cost:.4g} 亿元,"
              f" feasible {baseline.feasible}, p_recheck {record['random_p_recheck']}")
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
