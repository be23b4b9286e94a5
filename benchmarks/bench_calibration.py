"""Benchmark calibration speed (issue #18 point 8): a region's refit and the pooled fit.

Usage::

    .venv/bin/python benchmarks/bench_calibration.py [--mcmc-steps 300] [--regions ...]

Measured, side by side in one run:

- **MAP refit** of each region (``fit_region``, 4 starts: what ``calibrate REGION`` and the
  app's refit after a user adds a figure run); goal <= 60 s;
- **MCMC stage 1** of each region at ``--walkers`` (32) x ``--mcmc-steps`` steps, timed and
  scaled per step to chains of ``--chain-steps`` (24,000: the published chains,
  ``docs/calibration/mcmc.md``). A log-posterior call costs nearly the same at 32 and 128
  walkers (the batch call's overhead dominates), so ``--walkers 128 --chain-steps 6000``
  times shorter, wider chains; ``docs/calibration/mcmc.md`` says why they are not used yet
  (R-hat up to 1.10 on Yibin);
- **stage 2 of the pooled fit** (``calibration.pooling``, 4 chains x 20,000 iterations) on
  the stored stage-1 draws.

The pooled fit from scratch is the stage-1 chains plus stage 2; the goal is <= 10 minutes
on 2 cores (the stage-1 chains run two at a time). The scaled stage-1 time is an estimate
(labelled so), since the cost of a step does not depend on its position in the chain.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calibration.fitting import fit_region  # noqa: E402
from calibration.mcmc import sample_posterior  # noqa: E402
from calibration.pooled_fit import hyperpriors, load_stage1  # noqa: E402
from calibration.pooling import sample_pooled  # noqa: E402
from simulator.catalogue import REGIONS  # noqa: E402
from simulator.engine.model import load_model  # noqa: E402

PUBLISHED_STEPS = 24_000
CORES = 2


def main(argv: list | None = None) -> dict:
    """Run the benchmark; print and return its record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mcmc-steps", type=int, default=300)
    parser.add_argument("--regions", nargs="+", default=list(REGIONS))
    parser.add_argument("--walkers", type=int, default=32)
    parser.add_argument("--chain-steps", type=int, default=PUBLISHED_STEPS,
                        help="steps of the stage-1 chains the estimate scales to")
    args = parser.parse_args(argv)
    model = load_model()
    record: dict = {"regions": {}}
    steps = args.chain_steps
    print(f"{'region':<10}{'MAP refit s':>12}{'MCMC s/step':>13}{f'{steps} steps s (est.)':>20}")
    for region in args.regions:
        start = time.perf_counter()
        fit_region(region, model=model)
        refit = time.perf_counter() - start
        start = time.perf_counter()
        sample_posterior(region, walkers=args.walkers, steps=args.mcmc_steps, burn=0,
                         model=model)
        per_step = (time.perf_counter() - start) / args.mcmc_steps
        record["regions"][region] = {"map_refit_s": refit, "mcmc_s_per_step": per_step}
        print(f"{region:<10}{refit:>12.1f}{per_step:>13.4f}{per_step * steps:>20.0f}")
    stage1 = [load_stage1(r, model) for r in REGIONS]
    start = time.perf_counter()
    sample_pooled(stage1, hyperpriors(model), iterations=20_000, burn=5_000, chains=4)
    stage2 = time.perf_counter() - start
    chains = sorted((v["mcmc_s_per_step"] * steps for v in record["regions"].values()),
                    reverse=True)
    # two cores: the chains run two at a time, longest first
    lanes = [0.0] * CORES
    for c in chains:
        lanes[lanes.index(min(lanes))] += c
    total = max(lanes) + stage2
    record.update(stage2_s=stage2, pooled_from_scratch_s_estimate=total)
    print(f"pooled stage 2 (4 x 20,000 iterations): {stage2:.1f} s")
    print(f"pooled fit from scratch on {CORES} cores (estimate: stage-1 chains of"
          f" {args.walkers} walkers x {steps} steps + stage 2): {total / 60:.1f} min"
          " (goal <= 10 min)")
    print(f"slowest MAP refit: {max(v['map_refit_s'] for v in record['regions'].values()):.1f} s"
          " (goal <= 60 s)")
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
