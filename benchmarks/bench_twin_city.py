"""Benchmark the twin-city model (6 regions, subscripted) on the batch engine against PySD.

Usage::

    .venv/bin/python benchmarks/bench_twin_city.py [--sizes 1 100 1000] [--pysd-runs 3]

For each N the script draws N sets of coupling strengths (each channel's
matrix uniform in its range, diagonal 0, seed 20261204), runs them all at
once on the batch engine (levers at their file values, as PySD runs them) and
at most ``--pysd-runs`` of them one by one on PySD, and prints runs per second
for both, their ratio and the largest relative difference on the subset.
Translation and compilation are done before timing. Figures only; nothing is
asserted (the tests check parity: tests/test_twin_city.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.twin_city.coupling import STRENGTHS  # noqa: E402
from simulator.twin_city.regions import REGIONS  # noqa: E402
from simulator.twin_city.run import (  # noqa: E402
    STRENGTH_VENSIM,
    run_batch,
    run_twin,
    twin_model,
)

COLUMN = "High tech enterprises"


def draw(n: int, seed: int = 20261204) -> dict[str, np.ndarray]:
    """Return per strength an ``(n, ...)`` array of random strengths within its range."""
    rng = np.random.default_rng(seed)
    k = len(REGIONS)
    out = {}
    for name, (dims, _, (low, high)) in STRENGTHS.items():
        shape = (n, k, k) if dims == 2 else (n, k)
        values = rng.uniform(low, high, shape)
        if dims == 2:
            values[:, np.arange(k), np.arange(k)] = 0.0
        out[name] = values
    return out


def main(argv: list[str] | None = None) -> None:
    """Print batch and PySD runs per second on the twin-city model for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--pysd-runs", type=int, default=3)
    args = parser.parse_args(argv)
    twin_model().batch_model()  # translate and compile outside the timings
    run_twin(engine="pysd")
    print(f"{'N':>6} {'batch runs/s':>13} {'PySD runs/s':>12} {'ratio':>8} {'max rel diff':>13}")
    for n in args.sizes:
        strengths = draw(n)
        inputs = {STRENGTH_VENSIM[k]: v for k, v in strengths.items()}
        start = time.perf_counter()
        _, out = run_batch(inputs, [COLUMN], n)
        batch_rate = n / (time.perf_counter() - start)
        m = min(n, args.pysd_runs)
        start = time.perf_counter()
        pysd = [run_twin({k: v[i] for k, v in strengths.items()}, engine="pysd",
                         indicators=["high_tech_enterprises"]) for i in range(m)]
        pysd_rate = m / (time.perf_counter() - start)
        diff = max(
            np.max(np.abs(out[COLUMN][i] - ref.indicator("high_tech_enterprises").to_numpy())
                   / np.abs(ref.indicator("high_tech_enterprises").to_numpy()))
            for i, ref in enumerate(pysd)
        )
        print(f"{n:>6} {batch_rate:>13.1f} {pysd_rate:>12.2f} {batch_rate / pysd_rate:>8.0f} "
              f"{diff:>13.1e}", flush=True)


if __name__ == "__main__":
    main()
