"""Time the NumPy path and the fused kernel on N core-model scenarios, in one process.

Usage::

    .venv/bin/python benchmarks/fused_vs_numpy_once.py [N] [numpy|fused ...]

A quick check for kernel work (``make bench`` is the full comparison): the same
draws and chunking as benchmarks/bench_batch_engine.py, each kernel run once in the
order given (default ``numpy fused``), printing runs/s, wall and CPU seconds and the
load average, then the largest relative difference between the first two kernels'
final values. ``NUMBA_NUM_THREADS=1`` times the fused kernel on one thread.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch_engine import CORE_MODEL, draw_scenarios, key_columns, run_streamed  # noqa: E402

from simulator.engine.batch import compile_model  # noqa: E402


def main(argv: list) -> None:
    """Run the kernels named in ``argv[1:]`` on ``argv[0]`` scenarios (default 10,000)."""
    n = int(argv[0]) if argv else 10000
    kernels = argv[1:] or ["numpy", "fused"]
    warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
    model = compile_model(CORE_MODEL)
    columns = key_columns(CORE_MODEL)
    start = time.perf_counter()
    model.run(kernel="fused", return_columns=columns)
    print(f"fused kernel: {model.last_kernel[1]} in {time.perf_counter() - start:.1f} s")
    params = draw_scenarios(model, n)
    finals = []
    for kernel in kernels:
        cpu = time.process_time()
        seconds, final = run_streamed(model, params, n, 10000, columns, kernel)
        finals.append(final)
        print(f"{kernel}: {n / seconds:,.0f} runs/s, wall {seconds:.2f} s, CPU "
              f"{time.process_time() - cpu:.2f} s, load average {os.getloadavg()[0]:.1f}")
    if len(finals) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.abs(finals[1] - finals[0]) / np.abs(finals[0])
        print(f"max rel diff: {float(np.nanmax(ratio[np.isfinite(ratio)])):.2g}")


if __name__ == "__main__":
    main(sys.argv[1:])
