"""Benchmark the batch engine's NumPy path and fused kernel against a PySD loop, side by side.

Usage::

    .venv/bin/python benchmarks/bench_batch_engine.py [MODEL.mdl] [--sizes 1 1000 ...]

For each N the script draws N scenarios (a few constants scaled by a uniform
factor in [0.9, 1.1], seed 12345) and runs them all, in chunks of
``--chunk-size``, on the NumPy path and on the fused kernel; of each chunk only
the final saved values of the returned variables are kept, so working memory
is bounded by the chunk, not by N. PySD runs ``--pysd-runs`` scenarios one by
one once; its runs/s and the speed-ups over it are extrapolated from that
per-run time (labelled so). It prints runs per second, speed-ups, the peak
traced memory (tracemalloc, in a second, untimed run; at N above
``--trace-max`` the bound is stated instead), the largest relative difference
between the kernels over all N scenarios, and between the NumPy path and PySD
on the PySD subset. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
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


def run_streamed(model, params: dict, n: int, chunk_size: int, columns, kernel: str):
    """Run N scenarios chunk by chunk, keeping each one's final saved values [s, (N, cols)]."""
    names = columns if columns is not None else model.variables
    final = np.empty((n, len(names)))
    start = time.perf_counter()
    for first in range(0, n, chunk_size):
        last = min(first + chunk_size, n)
        chunk = {k: v[first:last] for k, v in params.items()}
        out = model.run_chunked(chunk, last - first, chunk_size=chunk_size,
                                return_columns=columns, kernel=kernel)
        for j, name in enumerate(names):
            final[first:last, j] = out[name][:, -1]
        del out  # before the next chunk's: one chunk's series alive at a time
    return time.perf_counter() - start, final


def traced_peak(function) -> float:
    """Peak memory traced by tracemalloc while ``function()`` runs [MiB]."""
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def timed(model, params, n, chunk_size, columns, kernel) -> tuple[float, np.ndarray]:
    """Best of 5 for small N (the machine is shared), one run otherwise [s]."""
    best, final = None, None
    for _ in range(5 if n <= 1000 else 1):
        seconds, final = run_streamed(model, params, n, chunk_size, columns, kernel)
        best = seconds if best is None else min(best, seconds)
    return best, final


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


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b| / |b|`` over finite ratios [-]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(a - b) / np.abs(b)
    ratio = ratio[np.isfinite(ratio)]
    return float(ratio.max()) if ratio.size else 0.0


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
    parser.add_argument("--sizes", nargs="+", type=int,
                        default=[1, 1000, 10000, 100000, 1000000])
    parser.add_argument("--pysd-runs", type=int, default=20, help="PySD runs timed (once)")
    parser.add_argument("--chunk-size", type=int, default=10000)
    parser.add_argument("--trace-max", type=int, default=100000,
                        help="largest N whose peak memory is traced (a second run)")
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
        columns = key_columns(args.model)
        returned = "all" if columns is None else len(columns)
        import numba

        print(f"returned variables: {returned}; chunk size {args.chunk_size}; numba "
              f"{numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads; load average "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        start = time.perf_counter()
        model.run(kernel="fused", return_columns=columns)
        print(f"fused kernel: {model.last_kernel[1]} in {time.perf_counter() - start:.1f} s")
        largest = draw_scenarios(model, max(args.sizes))
        runs = min(args.pysd_runs, max(args.sizes))
        pysd_per_run, frames = bench_pysd(args.model, largest, runs)
        head = model.run({k: v[:runs] for k, v in largest.items()}, runs, kernel="numpy")
        pysd_diff = max_relative_difference(head, frames)
        print(f"PySD: {pysd_per_run * 1e3:.1f} ms per run ({runs} runs one by one); NumPy path "
              f"vs PySD on them: max rel diff {pysd_diff:.2g}")
        rows = []
        for n in args.sizes:
            params = {k: v[:n] for k, v in largest.items()}
            row = {"N": n}
            finals = {}
            for kernel in ("numpy", "fused"):
                seconds, finals[kernel] = timed(model, params, n, args.chunk_size, columns,
                                                kernel)
                row[f"{kernel} runs/s"] = n / seconds
                row[f"{kernel} x pysd*"] = n / seconds * pysd_per_run
                row[f"{kernel} peak MiB"] = (traced_peak(lambda kernel=kernel: run_streamed(
                    model, params, n, args.chunk_size, columns, kernel))
                    if n <= args.trace_max else float("nan"))
            row["fused/numpy"] = row["fused runs/s"] / row["numpy runs/s"]
            row["pysd runs/s*"] = 1 / pysd_per_run
            row["fused vs numpy max rel diff"] = relative_difference(finals["fused"],
                                                                     finals["numpy"])
            rows.append(row)
            print(f"N={n:,}: numpy {row['numpy runs/s']:,.0f} runs/s, fused "
                  f"{row['fused runs/s']:,.0f} runs/s", flush=True)
    table = pd.DataFrame(rows).set_index("N")
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 200,
                           "display.max_columns", None):
        print(table)
    print("* PySD extrapolated from its per-run time above (it runs one scenario at a time).")
    print(f"Peak memory is bounded by the chunk ({args.chunk_size:,} scenarios): one chunk's "
          "working arrays, its returned series (chunk x saved times x returned variables x 8 "
          "bytes) and the final values kept (N x returned variables x 8 bytes); NaN: not "
          f"traced above N = {args.trace_max:,} (the same chunk bound).")
    return table


if __name__ == "__main__":
    main()
