"""``python -m simulator sweep``: run a spec, then analyse and print the summary."""

from __future__ import annotations

import argparse
import sys

#: Exit code when a Dask backend was asked for and could not start.
EXIT_DASK_UNAVAILABLE = 3


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
    report = analyze_sweep(args.out)
    print(format_summary(report))
    return 0
