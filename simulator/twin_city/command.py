"""``python -m simulator targets twin-city``: the regions' plan targets in the circle (#21).

Called by :mod:`simulator.cli` when the file is a twin-city scenario
(:func:`simulator.cli._twin_city_file`). Single-region options are refused in
one line naming the valid ones.
"""

from __future__ import annotations

import argparse

#: The largest twin-city ensemble: each member is six regions (the single-region bound / 6).
MAX_TWIN_ENSEMBLE = 10_000


def _refuse(path, args: argparse.Namespace, flags: tuple[str, ...], valid: str) -> None:
    given = [flag for flag in flags
             if getattr(args, flag.lstrip("-").replace("-", "_"), None) not in (None, False)]
    if getattr(args, "engine", "auto") == "pysd":
        given.append("--engine pysd")
    if given:
        raise ValueError(f"{path.name} is a twin-city scenario: {', '.join(given)} does not apply"
                         f" to it (it runs on the batch engine; valid: {valid})")


def targets_command(args: argparse.Namespace, path) -> int:
    """Print (and with ``--out`` write) each region's targets, without and with the measures."""
    _refuse(path, args, ("--draw-assumed", "--time-step"),
            "--ensemble N --seed S, --out FILE.csv")
    if args.ensemble is None and args.seed is not None:
        raise ValueError("--seed is the seed of --ensemble N draws; give --ensemble too")
    if args.ensemble is not None and args.ensemble > MAX_TWIN_ENSEMBLE:
        # seed and lower bound checked by simulator.cli._check_ensemble_options
        raise ValueError(f"--ensemble of a twin-city scenario must be at most"
                         f" {MAX_TWIN_ENSEMBLE:,} members (six regions each), got"
                         f" {args.ensemble:,}")
    if args.out:  # before the run, not after it
        from simulator.results import check_output_path

        check_output_path(args.out, suffixes=(".csv",))
    from simulator.twin_city import scenario as twin
    from simulator.twin_city import targets

    scenario = twin.load(path)
    if args.ensemble is None:
        table = targets.track_run(twin.run(scenario))
        what = "met or not"
    else:
        table = targets.track_members(args.ensemble, args.seed, scenario)
        what = f"probability over {args.ensemble} members (seed {args.seed})"
    print(f"{scenario.name}: each region's plan targets, {what}, without and with the measures"
          " (the regions' own levers at their baseline paths)")
    print(targets.format_side_by_side(table))
    if args.out:
        from simulator.results import file_sha256, write_table
        from simulator.runner import provenance
        from simulator.twin_city.generate import TWIN_MODEL

        meta = provenance(TWIN_MODEL, file_sha256(TWIN_MODEL),
                          {"twin_city_file": str(path), "sha256": file_sha256(path)}, "batch")
        if args.ensemble is not None:
            meta["ensemble"] = {"n": args.ensemble, "seed": args.seed}
        write_table(args.out, table, meta)
        print(f"wrote {args.out} ({len(table)} rows: targets x runs)")
    return 0


def sweep_command(args: argparse.Namespace, spec) -> int:
    """Run a twin-city sweep spec into ``args.out`` (resumable) and print its analysis."""
    from pathlib import Path

    from simulator.twin_city.sweep_run import (
        analyze_twin_sweep,
        format_twin_summary,
        run_twin_sweep,
    )

    _refuse(Path(spec.base_file), args, ("--workers", "--scheduler", "--dask-local"),
            "--out DIR, --resume, --chunk-size K")
    summary = run_twin_sweep(spec, args.out, resume=args.resume, chunk_size=args.chunk_size)
    print(f"sweep {spec.name!r}: {summary['runs']} runs of the circle in {summary['chunks']}"
          f" chunks ({summary['chunks_done_before']} already done, {summary['chunks_run']} run"
          f" {summary['backend']}) -> {args.out}")
    print(format_twin_summary(analyze_twin_sweep(args.out)))
    return 0
