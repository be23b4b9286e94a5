"""Goal seeking on each region's plan, checked on a fresh ensemble, against random search.

Usage::

    .venv/bin/python benchmarks/goal_seek_plans.py [--ensemble 100] [--maxiter 15]
        [--workers 2] [--seed DEFAULT_SEED] [--out DIR]

For every ``simulator/scenarios/*-plan.yaml`` with targets
(:func:`simulator.goal_seek.plans.check_plans`): the optimiser's cheapest mix
(all levers with a stated cost, p = 0.8), its lowest probability on the search
ensemble and on a fresh one (seed + 1), and a uniform random search with the
same number of candidates (so the same model runs) on the same ensembles.
Writes ``plans.csv`` and ``plans.md`` (the table of docs/goal-seek.md)
atomically, with the settings; prints the table. Figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import paths  # noqa: E402
from simulator.goal_seek import DEFAULT_SEED  # noqa: E402
from simulator.goal_seek.plans import check_plans, markdown_table  # noqa: E402
from simulator.results import atomic_write_text  # noqa: E402


def main(argv: list | None = None):
    """Run every plan; write and print the table; return it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensemble", type=int, default=100)
    parser.add_argument("--maxiter", type=int, default=15)
    parser.add_argument("--probability", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or paths.reports_root() / "goal-seek" / "plans"
    started = time.perf_counter()
    frame = check_plans(n=args.ensemble, maxiter=args.maxiter, seed=args.seed,
                        probability=args.probability, workers=args.workers,
                        progress=lambda line: print(line, flush=True))
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    settings["wall_s"] = round(time.perf_counter() - started, 1)
    table = markdown_table(frame)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "plans.csv", frame.to_csv(index=False))
    atomic_write_text(out / "plans.md", f"{table}\n\nsettings: {json.dumps(settings)}\n")
    print(table)
    print(f"settings: {json.dumps(settings)}")
    return frame


if __name__ == "__main__":
    main(sys.argv[1:])
