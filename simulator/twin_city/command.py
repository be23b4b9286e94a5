"""``python -m simulator run|targets|sweep twin-city``: the circle from the command line (#21).

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


def _check_size(args: argparse.Namespace) -> None:
    """Refuse a twin-city ensemble over its bound (seed and lower bound: the CLI's check)."""
    if args.ensemble is None and args.seed is not None:
        raise ValueError("--seed is the seed of --ensemble N draws; give --ensemble too")
    if args.ensemble is not None and args.ensemble > MAX_TWIN_ENSEMBLE:
        raise ValueError(f"--ensemble of a twin-city scenario must be at most"
                         f" {MAX_TWIN_ENSEMBLE:,} members (six regions each), got"
                         f" {args.ensemble:,}")


def _meta(path, args: argparse.Namespace) -> dict:
    from simulator.results import file_sha256
    from simulator.runner import provenance
    from simulator.twin_city.generate import TWIN_MODEL

    meta = provenance(TWIN_MODEL, file_sha256(TWIN_MODEL),
                      {"twin_city_file": str(path), "sha256": file_sha256(path)}, "batch")
    if args.ensemble is not None:
        meta["ensemble"] = {"n": args.ensemble, "seed": args.seed}
    return meta


def run_command(args: argparse.Namespace, path) -> int:
    """``run twin-city.yaml``: the circle without and with the measures, per region.

    With ``--ensemble N --seed S`` each region's key indicators are given as
    5/50/95% quantiles over ``N`` members, drawn as each region's own ensemble
    would draw them; the same seed draws the same members for both runs.
    """
    _refuse(path, args, ("--set", "--plot", "--draw-assumed", "--time-step"),
            "--ensemble N --seed S, --out FILE.csv|.parquet")
    _check_size(args)
    if args.out:  # before the run, not after it
        from simulator.results import check_output_path

        check_output_path(args.out)
    from simulator.twin_city import scenario as twin

    scenario = twin.load(path)
    result = twin.run(scenario) if args.ensemble is None else None  # one run, table and print
    table = (_run_table(result) if result is not None
             else _ensemble_table(scenario, args.ensemble, args.seed))
    if args.out:
        from simulator.results import write_table

        write_table(args.out, table, _meta(path, args))
        print(f"wrote {args.out} ({table['region'].nunique()} regions x"
              f" {table['indicator'].nunique()} indicators x {table['year'].nunique()} years)")
    elif args.ensemble is None:
        _print_effects(scenario, result)
    else:
        end = table[table["year"] == table["year"].max()]
        wide = end.pivot_table(index=["indicator", "region"], columns="quantile",
                               values=["without_measures", "with_measures"])
        print(f"{scenario.name}: 5/50/95% of {args.ensemble} members (seed {args.seed}) in"
              f" {scenario.end_year}, without and with the measures")
        print(wide.round(2).to_string())
    return 0


def _run_table(result):
    import pandas as pd

    rows = []
    for region, frame in result.without.frames.items():
        after = result.with_measures.frames[region]
        for indicator in frame.columns:
            rows.append(pd.DataFrame({"region": region, "year": frame.index,
                                      "indicator": indicator,
                                      "without_measures": frame[indicator].to_numpy(),
                                      "with_measures": after[indicator].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def _ensemble_table(scenario, n: int, seed: int):
    """Long table: region, year, indicator, quantile, without and with the measures."""
    from simulator.catalogue import KEY_INDICATORS, indicators
    from simulator.engine.model import load_model
    from simulator.twin_city.ensemble import run_ensemble

    known = indicators(load_model())
    names = tuple(i for i in KEY_INDICATORS if i in known)
    quantiles = (0.05, 0.5, 0.95)
    runs = {label: run_ensemble(n, seed=seed, scenario=scenario, measures=measures,
                                indicators=names, quantiles=quantiles)
            for label, measures in (("without_measures", False), ("with_measures", True))}
    tables = []
    for label, frame in runs.items():
        long = frame.reset_index().melt(id_vars=["indicator", "region", "year"],
                                        var_name="quantile", value_name=label)
        long["quantile"] = long["quantile"].str[1:].astype(float)
        tables.append(long.set_index(["region", "year", "indicator", "quantile"]))
    return tables[0].join(tables[1]).reset_index()


def _print_effects(scenario, result) -> None:
    from simulator.catalogue import KEY_INDICATORS

    effects = result.effects()
    effects = effects.loc[[i for i in KEY_INDICATORS if i in effects.index]]
    print(f"{scenario.name}: change from the measures in {scenario.end_year} (with / without"
          " - 1)")
    print((100 * effects).round(1).astype(str).add("%").to_string())


def targets_command(args: argparse.Namespace, path) -> int:
    """Print (and with ``--out`` write) each region's targets, without and with the measures."""
    _refuse(path, args, ("--draw-assumed", "--time-step"),
            "--ensemble N --seed S, --out FILE.csv")
    _check_size(args)
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
        from simulator.results import write_table

        write_table(args.out, table, _meta(path, args))
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
