"""Benchmark the batch engine against a PySD loop on the same scenarios.

Usage::

    .venv/bin/python benchmarks/bench_batch_engine.py [MODEL.mdl] [--sizes 1 100 1000 10000]

For each N the script draws N scenarios (a few constants scaled by a
uniform factor in [0.9, 1.1], seed 12345), runs them all at once with the
batch engine, and runs a subset of at most ``--pysd-runs`` of them one by
one with PySD (the reference), reporting PySD per run. It prints runs per
second for both, their ratio, the batch engine's peak traced memory
(tracemalloc, measured in a separate run so tracing does not slow the
timed one) and the largest relative difference between the engines on
the subset. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.engine.batch import compile_model  # noqa: E402
from simulator.engine.simulate import run_pysd  # noqa: E402
from simulator.engine.translation import load_pysd_model  # noqa: E402

CORE_MODEL = ROOT / "simulator" / "models" / "regional_innovation.mdl"
SIR_MODEL = ROOT.parent / "shared" / "testmodels" / "SIR" / "SIR.mdl"


def default_model() -> Path:
    """Return the core model if present, else the SIR test model."""
    return CORE_MODEL if CORE_MODEL.is_file() else SIR_MODEL


def draw_scenarios(model, n: int, seed: int = 12345, count: int = 6) -> dict:
    """Scale the first ``count`` non-zero constants by U(0.9, 1.1), one draw per scenario.

    Parameters
    ----------
    model : simulator.engine.batch.BatchModel
        The compiled model.
    n : int
        Number of scenarios.
    seed : int, default 12345
        Seed of :func:`numpy.random.default_rng`.
    count : int, default 6
        Number of constants varied.

    Returns
    -------
    dict
        Vensim name -> array of shape ``(n,)``.
    """
    rng = np.random.default_rng(seed)
    constants = [
        model.program.names[p] for p, kind in model.program.kinds.items() if kind == "constant"
    ]
    defaults = model.run(return_columns=constants)
    chosen = [name for name in constants if defaults[name][0, 0] != 0][:count]
    return {name: defaults[name][0, 0] * rng.uniform(0.9, 1.1, n) for name in chosen}


def bench_batch(model, params: dict, chunk_size: int, columns=None) -> tuple[float, float, dict]:
    """Time one batch run and measure peak traced memory in a second one [s, MiB]."""
    start = time.perf_counter()
    results = model.run_chunked(params, chunk_size=chunk_size, return_columns=columns)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    model.run_chunked(params, chunk_size=chunk_size, return_columns=columns)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, results


def key_columns(path: Path):
    """Return the catalogued indicators for the core model (bounded output), else None (all)."""
    if path.resolve() != CORE_MODEL.resolve():
        return None
    from simulator import catalogue

    return [entry.vensim_name for entry in catalogue.indicators().values()]


def bench_pysd(path: Path, params: dict, runs: int) -> tuple[float, list]:
    """Run the first ``runs`` scenarios one by one with PySD; return seconds per run."""
    model = load_pysd_model(path)
    frames = []
    start = time.perf_counter()
    for row in range(runs):
        scenario = {name: float(values[row]) for name, values in params.items()}
        frames.append(run_pysd(model, params=scenario))
    return (time.perf_counter() - start) / runs, frames


def max_relative_difference(batch: dict, frames: list) -> float:
    """Largest ``|batch - pysd| / |pysd|`` over the compared runs and variables [-]."""
    worst = 0.0
    for row, frame in enumerate(frames):
        for name, column in frame.items():
            if name not in batch:
                continue
            reference = column.to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.abs(batch[name][row] - reference) / np.abs(reference)
            ratio = ratio[np.isfinite(ratio)]
            if ratio.size:
                worst = max(worst, float(ratio.max()))
    return worst


def main(argv: list | None = None) -> pd.DataFrame:
    """Run the benchmark and print one row per N.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    pandas.DataFrame
        The printed table.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=default_model())
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 100, 1000, 10000, 100000])
    parser.add_argument("--pysd-runs", type=int, default=20,
                        help="PySD runs timed per N (subset of the scenarios)")
    parser.add_argument("--chunk-size", type=int, default=10000)
    args = parser.parse_args(argv)

    with warnings.catch_warnings():
        # scaled delay times need not be multiples of TIME STEP; both engines warn alike
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        start = time.perf_counter()
        model = compile_model(args.model)
        compile_seconds = time.perf_counter() - start
        print(f"model: {args.model}  ({len(model.variables)} variables, "
              f"{len(model.output_times())} saved times, {len(model.grid_times())} steps; "
              f"compiled in {compile_seconds:.2f} s)")
        rows = []
        columns = key_columns(args.model)
        returned = "all" if columns is None else len(columns)
        print(f"returned variables: {returned}; chunk size {args.chunk_size}")
        for n in args.sizes:
            params = draw_scenarios(model, n)
            batch_seconds, peak_mib, results = bench_batch(model, params, args.chunk_size, columns)
            # identical whatever the chunk size: rerun the first 5,000 in chunks of 997
            head = min(n, 5000)
            rerun = model.run_chunked({k: v[:head] for k, v in params.items()}, chunk_size=997,
                                      return_columns=columns)
            identical = all(np.array_equal(rerun[k], results[k][:head]) for k in rerun)
            runs = min(n, args.pysd_runs)
            pysd_per_run, frames = bench_pysd(args.model, params, runs)
            rows.append({
                "N": n,
                "batch s": batch_seconds,
                "batch runs/s": n / batch_seconds,
                "pysd s/run": pysd_per_run,
                "pysd runs/s": 1 / pysd_per_run,
                "speed-up": (n / batch_seconds) * pysd_per_run,
                "batch peak MiB": peak_mib,
                "chunk-identical": identical,
                "max rel diff": max_relative_difference(results, frames),
            })
    table = pd.DataFrame(rows).set_index("N")
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 160,
                           "display.max_columns", None):
        print(table)
    print("Peak memory is bounded by the chunk size: the working arrays of one chunk plus the "
          "returned indicator arrays (N x saved times x returned variables x 8 bytes).")
    return table


if __name__ == "__main__":
    main()
