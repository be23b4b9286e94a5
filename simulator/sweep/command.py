"""``python -m simulator sweep``: run a spec, then analyse and print the summary."""

from __future__ import annotations

import argparse
import sys

#: Exit code when a Dask backend was asked for and could not start.
EXIT_DASK_UNAVAILABLE = 3
#: Most result values (runs x indicators x years) the analysis loads at once: 5*10^7 are
#: 400 MB a copy, and it makes a few (a 10^7-run sweep of 7 indicators would be 10 GB).
MAX_ANALYSIS_CELLS = 50_000_000


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run the sweep of ``args.spec`` into ``args.out`` and write its analysis.

    Returns
    -------
    int
        0 on success; :data:`EXIT_DASK_UNAVAILABLE` if Dask could not start.
    """
    from simulator.sweep import DaskUnavailableError, load_spec, run_sweep
    from simulator.sweep.analysis import analyze_sweep, format_summary

    spec = load_spec(args.spec)
    try:
        summary = run_sweep(
            spec,
            args.out,
            resume=args.resume,
            engine=args.engine,
            workers=args.workers,
            chunk_size=args.chunk_size,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
        )
    except DaskUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_DASK_UNAVAILABLE
    print(
        f"sweep {spec.name!r}: {summary['runs']} runs in {summary['chunks']} chunks"
        f" ({summary['chunks_done_before']} already done, {summary['chunks_run']} run on"
        f" {summary['backend']})"
        f" -> {args.out}"
    )
    cells = summary["runs"] * len(spec.indicators) * (spec.base.end_year - spec.base.start_year + 1)
    if cells > MAX_ANALYSIS_CELLS:  # the analysis holds every result at once, several copies
        print(f"analysis skipped: {cells:,} result values are over the {MAX_ANALYSIS_CELLS:,}"
              f" the in-memory analysis holds; the results are complete in {args.out}/chunks/"
              " (one Parquet file per chunk)")
        return 0
    report = analyze_sweep(args.out)
    print(format_summary(report))
    return 0
