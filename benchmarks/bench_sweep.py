"""Benchmark sweep throughput [runs/s] per engine and backend.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--sizes 1000 10000] [--pysd-runs 100] [--workers 2]

For each engine (the batch engine when ``run_variants(engine="batch")``
works, and PySD) and each backend (in-process, a local process pool of
``--workers`` processes, a Dask ``LocalCluster`` of ``--workers`` workers on
127.0.0.1), the script runs a Latin hypercube sweep of the Ningxia plan over
three levers through :func:`simulator.sweep.run_sweep` into a temporary
folder, and prints the wall time and the runs per second. Wall time includes
starting the workers and writing the Parquet chunks.

PySD runs one scenario after another (about 0.1 s each), so 10,000 runs take
minutes per backend. With PySD the script times two sweeps, of ``--pysd-runs``
/ 4 and ``--pysd-runs`` runs, and reports the marginal throughput (runs/s
between the two, so worker start-up is left out) and the start-up time; the
wall time of the full sizes is start-up + size / throughput, marked
"extrapolated". Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.engine.dispatch import ENGINES  # noqa: E402
from simulator.sweep import DaskUnavailableError, run_sweep, spec_from_dict  # noqa: E402

BACKENDS = ("in-process", "processes", "dask")
VARY = {
    "new_sci_tech_loans": {"min": 5, "max": 40, "year": 2022},
    "post_subsidy_rate": {"min": 0, "max": 0.1, "year": 2022},
    "innovation_platform_construction": {"min": 3, "max": 45, "year": 2022},
}


def _spec(n: int):
    return spec_from_dict(
        {
            "name": f"bench-{n}",
            "base": str(ROOT / "simulator" / "scenarios" / "ningxia-plan.yaml"),
            "design": {"method": "latin_hypercube", "n": n, "seed": 1},
            "vary": VARY,
        },
        source="bench_sweep",
    )


def _batch_works() -> str:
    """Empty string if the batch engine runs the plan, else the reason it does not."""
    from simulator.runner import run_variants

    try:
        run_variants(_spec(2).base, [{}], engine="batch", indicators=["gdp"])
    except (ValueError, KeyError, TypeError, NotImplementedError, ImportError) as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _backend_args(backend: str, workers: int) -> dict:
    if backend == "in-process":
        return {"workers": 1}
    if backend == "processes":
        return {"workers": workers}
    return {"dask_local": workers}


def time_sweep(n: int, engine: str, backend: str, workers: int, chunk_size: int) -> float:
    """Wall time of one sweep of ``n`` runs [s]."""
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
        start = time.perf_counter()
        run_sweep(
            _spec(n),
            Path(folder) / "out",
            engine=engine,
            chunk_size=chunk_size,
            progress=False,
            **_backend_args(backend, workers),
        )
        return time.perf_counter() - start


def main(argv: list | None = None) -> list[dict]:
    """Run the benchmark; print and return one record per engine, backend and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--pysd-runs",
        type=int,
        default=200,
        help="runs of the larger PySD sweep (then extrapolated)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    args = parser.parse_args(argv)
    records = []
    why_not = _batch_works()
    engines = [e for e in ENGINES if e != "auto" and not (why_not and e == "batch")]
    if why_not:
        print(f"batch engine skipped: {why_not}")
    print(f"{'engine':6} {'backend':11} {'runs':>7} {'measured':>9} {'wall [s]':>9} {'runs/s':>9}")
    for engine in engines:
        for backend in args.backends:
            chunk = 1000 if engine == "batch" else 25
            try:
                if engine == "batch":
                    timings = [
                        (n, time_sweep(n, engine, backend, args.workers, chunk)) for n in args.sizes
                    ]
                    startup, rate = None, None
                else:
                    small, large = max(args.pysd_runs // 4, 1), args.pysd_runs
                    t_small = time_sweep(small, engine, backend, args.workers, chunk)
                    t_large = time_sweep(large, engine, backend, args.workers, chunk)
                    rate = (large - small) / (t_large - t_small)
                    startup = max(t_small - small / rate, 0.0)
                    timings = [(n, startup + n / rate) for n in args.sizes]
            except DaskUnavailableError as error:
                print(f"{engine:6} {backend:11} skipped: {error}")
                continue
            for n, wall in timings:
                extrapolated = engine != "batch"
                record = {
                    "engine": engine,
                    "backend": backend,
                    "runs": n,
                    "measured_runs": args.pysd_runs if extrapolated else n,
                    "wall_s": wall,
                    "runs_per_s": rate if extrapolated else n / wall,
                    "startup_s": startup,
                    "extrapolated": extrapolated,
                }
                records.append(record)
                note = f"  (extrapolated; start-up {startup:.1f} s)" if extrapolated else ""
                print(
                    f"{engine:6} {backend:11} {n:7d} {record['measured_runs']:9d} {wall:9.1f}"
                    f" {record['runs_per_s']:9.1f}{note}",
                    flush=True,
                )
    return records


if __name__ == "__main__":
    main(sys.argv[1:])
