"""Command line: ``python -m simulator COMMAND ...``.

Bad input (a missing file, an unknown name, a non-numeric or out-of-range
value) ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import warnings
from pathlib import Path

from simulator import paths
from simulator.engine.dispatch import ENGINES, INTEGRATIONS
from simulator.errors import ScenarioError, UnknownNameError
from simulator.goal_seek import DEFAULT_SEED

#: The calibration's command-line module: ``python -m simulator calibrate`` hands over
#: to it when the calibration package is installed (the simulator does not import it).
CALIBRATION_CLI = "calibration.cli"
#: Help of a scenario argument: a file or the name of a shipped scenario.
SCENARIO_HELP = "scenario YAML file, or a shipped scenario's name (e.g. yibin-plan)"
#: Exit code for bad input (as argparse uses for usage errors).
EXIT_BAD_INPUT = 2
#: The keys of simulator.battery.CHECKS, listed here so that building the parser
#: does not import pandas and the model code (a test keeps the two equal).
VALIDATION_CHECKS = ("signs", "conservation", "time_step", "steady_state", "reality_checks",
                     "extremes")

# OSError last: a full disk or a vanished folder while writing is one line too.
_USER_ERRORS = (ScenarioError, UnknownNameError, KeyError, TypeError, ValueError,
                FileNotFoundError, IsADirectoryError, PermissionError, OSError)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of usage text."""

    def error(self, message: str) -> None:  # noqa: D102
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see '{self.prog} --help')\n")


def _parse_set(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value.strip()
    return overrides


def _load_scenario(args: argparse.Namespace):
    """Load the scenario, with ``--set`` overrides and ``--time-step`` if the command has them."""
    from simulator.scenario import Scenario, load_scenario

    scenario = load_scenario(paths.find_scenario(args.scenario))
    overrides = _parse_set(getattr(args, "set", None))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if getattr(args, "time_step", None) is not None:  # validated as in a scenario file
        scenario = Scenario.from_dict({**scenario.to_dict(), "time_step": args.time_step})
    return scenario


def _check_time_step(scenario, args: argparse.Namespace, coarse=None) -> dict | None:
    """Halve the time step; warn on stderr if the key indicators move. Returns the record.

    ``coarse``: the run already made at the scenario's time step (key indicators), if any.
    """
    if args.no_time_step_check:
        return None
    import math

    from simulator.engine.dispatch import resolve_engine
    from simulator.engine.model import load_model
    from simulator.time_step_advice import TOLERANCE, check_time_step, worst_change

    model = load_model()
    engine = resolve_engine(args.engine, model, scenario.integration)
    table, advice = check_time_step(scenario, engine=engine, model=model, coarse=coarse)
    indicator, change = worst_change(table)
    if advice is not None:
        print(f"warning: 数值精度：{advice.message_zh}\n"
              f"warning: numerical accuracy: {advice.message_en}", file=sys.stderr)
        if advice.converged_at is not None:
            print(f"warning: 或加 --time-step {advice.converged_at:g} 重新运行 / or rerun with"
                  f" --time-step {advice.converged_at:g}", file=sys.stderr)
    return {"time_step": scenario.time_step, "tolerance": TOLERANCE,
            "converged": advice is None, "worst_indicator": indicator,
            "relative_change": None if math.isnan(change) else change,  # NaN is not JSON
            "converged_at": None if advice is None else advice.converged_at}


def _check_ensemble_options(args: argparse.Namespace) -> None:
    """Refuse ``--ensemble`` without a seed, a negative seed or a size that does not fit."""
    if args.seed is None:
        raise ValueError("--ensemble needs --seed S (every random draw takes an explicit seed)")
    if args.seed < 0:
        raise ValueError(f"--seed must be a whole number >= 0, got {args.seed}")
    from simulator.ensemble import MAX_ENSEMBLE, MAX_IN_MEMORY

    if not 1 <= args.ensemble <= MAX_ENSEMBLE:
        raise ValueError(f"--ensemble must be between 1 and {MAX_ENSEMBLE:,} members (up to"
                         f" {MAX_IN_MEMORY:,} held in memory, more streamed in chunks), got"
                         f" {args.ensemble}")


def _draw_assumed(args: argparse.Namespace) -> bool | None:
    """``--draw-assumed``: True; else None (the scenario's ``uncertainty: assumed:`` decides)."""
    return True if args.draw_assumed else None


def _refuse_draw_assumed_alone(args: argparse.Namespace) -> None:
    if args.draw_assumed:
        raise ValueError("--draw-assumed draws parameters of an ensemble; give --ensemble N"
                         " --seed S too")


def _ensemble_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, metavar="S",
                        help="seed of the ensemble's draws (required with --ensemble)")
    parser.add_argument(
        "--draw-assumed", action="store_true",
        help="with --ensemble: also draw the assumed parameters (policy responses included) from"
             " their ranges in simulator/data/assumed_ranges.yaml (default: as the scenario's"
             " 'uncertainty: assumed:' says, else fixed)",
    )


def _twin_city_file(name: str):
    """Return the path of a twin-city scenario file (couplings/measures, no region), else None."""
    from simulator.yaml_input import read_yaml

    path = paths.find_scenario(name)
    data = read_yaml(path, "scenario file") if Path(path).is_file() else None
    if isinstance(data, dict) and "region" not in data and ({"couplings", "measures"} & set(data)):
        return path
    return None


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.runner import run_scenario

    twin_path = _twin_city_file(args.scenario)
    if twin_path is not None:
        from simulator.twin_city.command import run_command

        if args.ensemble is not None:
            _check_ensemble_options(args)
        return run_command(args, twin_path)
    if args.ensemble is not None:
        return _run_ensemble(args)
    if args.seed is not None:
        raise ValueError("--seed is the seed of --ensemble N draws; give --ensemble too")
    _refuse_draw_assumed_alone(args)
    if args.out:  # before the run, not after it
        from simulator.results import check_output_path

        check_output_path(args.out)
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ValueError(f"--plot '{args.plot}' must end in .png")
    scenario = _load_scenario(args)
    results = run_scenario(scenario, engine=args.engine)
    check = _check_time_step(scenario, args, coarse=results.frame)
    if check is not None:  # written into the results' .meta.json
        results.metadata["time_step_check"] = check
    if args.out:
        results.write(args.out)
        print(f"wrote {args.out} ({len(results.frame)} years x {results.frame.shape[1]}"
              " indicators)")
    else:
        from simulator.catalogue import KEY_INDICATORS

        print(results.frame[list(KEY_INDICATORS)].round(2).to_string())
    if args.plot:
        from simulator.report import plot_results

        plot_results(results, args.plot, title=scenario.title_zh or scenario.name)
        print(f"wrote {args.plot}")
    return 0


def _run_ensemble(args: argparse.Namespace) -> int:
    """``run --ensemble N --seed S``: quantiles per indicator and year, in long form."""
    _check_ensemble_options(args)
    if args.plot:
        raise ValueError("--plot draws one run; with --ensemble, write the quantiles with --out"
                         " FILE.csv and chart those")
    if args.out:  # before the run, not after it
        from simulator.results import check_output_path

        check_output_path(args.out)
    from simulator.catalogue import KEY_INDICATORS
    from simulator.engine.dispatch import resolve_engine
    from simulator.engine.model import load_model
    from simulator.ensemble import QUANTILES
    from simulator.ensemble_stream import summarise_ensemble
    from simulator.runner import provenance

    scenario = _load_scenario(args)
    ensemble = summarise_ensemble(scenario, args.ensemble, args.seed, engine=args.engine,
                                  quantiles=QUANTILES, draw_assumed=_draw_assumed(args))
    for note in ensemble.notes:
        print(note)
    _check_time_step(scenario, args)  # of the scenario's own parameters
    table = ensemble.bands
    if not args.out:
        key = table[table["indicator"].isin(KEY_INDICATORS)]
        wide = key.pivot_table(index=["indicator", "year"], columns="quantile", values="value")
        print(wide.round(2).to_string())
        return 0
    from simulator.results import write_table

    model = load_model()
    meta = provenance(model.path, model.sha256, scenario.to_dict(),
                      resolve_engine(args.engine, model, scenario.integration))
    meta["ensemble"] = {"n": args.ensemble, "seed": args.seed, "source": ensemble.source,
                        "quantiles": list(QUANTILES), "notes": list(ensemble.notes),
                        "streamed": ensemble.streamed,
                        "quantile_rank_error": ensemble.rank_error}
    write_table(args.out, table, meta)
    print(f"wrote {args.out} ({len(table)} rows: year, indicator, quantile, value;"
          f" {args.ensemble} members, seed {args.seed})")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.engine.simulate import simulate_file
    from simulator.results import atomic_write_text, check_output_path

    check_output_path(args.out, suffixes=(".csv",))
    frame = simulate_file(args.model, engine=args.engine, integration=args.integration)
    atomic_write_text(Path(args.out), frame.to_csv())
    print(f"wrote {args.out} ({len(frame)} times x {frame.shape[1]} variables)")
    return 0


def _cmd_catalogue(kind: str):
    def command(args: argparse.Namespace) -> int:
        from simulator import catalogue

        entries = getattr(catalogue, kind)()
        if args.json:
            print(json.dumps([e.to_dict() for e in entries.values()], ensure_ascii=False, indent=1))
            return 0
        for e in entries.values():
            rng = "" if e.min is None and e.max is None else f" [{e.min:g} .. {e.max:g}]"
            default = "" if e.default is None else f" = {e.default:g}"
            print(f"{e.name:36s} {e.unit:10s}{default}{rng}  {e.label_zh} / {e.label_en}")
        return 0

    return command


def _cmd_check(args: argparse.Namespace) -> int:
    from simulator.engine.model import load_model
    from simulator.engine.model_faults import structural_problem
    from simulator.engine.units import check_units

    # parse errors, undefined references, unknown functions and circular definitions
    # first, one line each (#22)
    problem = structural_problem(load_model(args.model).pysd_model)
    if problem:
        raise ValueError(f"model file '{args.model}': {problem}")
    issues = check_units(args.model)
    for issue in issues:
        print(issue.message)
    print(f"{len(issues)} unit inconsistenc{'y' if len(issues) == 1 else 'ies'} in {args.model}")
    return 1 if issues else 0


def _cmd_observations(args: argparse.Namespace) -> int:
    from simulator.data.observations import load_holdout, load_observations

    frame = (load_holdout if args.holdout else load_observations)(args.file)
    print(f"{args.file}: {len(frame)} valid rows, {frame['region'].nunique()} regions,"
          f" {frame['indicator'].nunique()} indicators")
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from simulator.targets import format_table, track_targets

    twin_path = _twin_city_file(args.scenario)
    if twin_path is not None:
        from simulator.twin_city.command import targets_command

        if args.ensemble is not None:
            _check_ensemble_options(args)
        return targets_command(args, twin_path)
    if args.out:  # before the run, not after it
        from simulator.results import check_output_path

        check_output_path(args.out, suffixes=(".csv",))
    scenario = _load_scenario(args)
    if not scenario.targets:
        print(f"scenario {scenario.name!r} has no targets to track (see the comments in"
              f" {args.scenario})")
        return 0
    indicators = sorted({t.indicator for t in scenario.targets})
    if args.ensemble is None:
        _refuse_draw_assumed_alone(args)
        from simulator.runner import run_scenario

        result = run_scenario(scenario, engine=args.engine, indicators=indicators)
        table = track_targets(result.frame, scenario.targets)
    else:
        _check_ensemble_options(args)
        from simulator.ensemble_stream import summarise_ensemble

        ensemble = summarise_ensemble(scenario, args.ensemble, args.seed, engine=args.engine,
                                      indicators=indicators, targets=scenario.targets,
                                      quantiles=(), draw_assumed=_draw_assumed(args))
        for note in ensemble.notes:
            print(note)
        table = ensemble.targets
    _check_time_step(scenario, args)  # of the scenario's own parameters
    print(format_table(table))
    if args.out:
        from simulator.engine.dispatch import resolve_engine
        from simulator.engine.model import load_model
        from simulator.results import write_table
        from simulator.runner import provenance

        model = load_model()
        meta = provenance(model.path, model.sha256, scenario.to_dict(),
                          resolve_engine(args.engine, model, scenario.integration))
        if args.ensemble is not None:
            meta["ensemble"] = {"n": args.ensemble, "seed": args.seed,
                                "source": ensemble.source, "notes": list(ensemble.notes),
                                "streamed": ensemble.streamed,
                                "quantile_rank_error": ensemble.rank_error}
        write_table(args.out, table, meta)
        print(f"wrote {args.out} ({len(table)} targets)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from simulator.sweep.command import run_sweep_command
    from simulator.twin_city.sweep_spec import load_twin_spec

    twin = load_twin_spec(args.spec)  # None unless the spec's base is a twin-city file
    if twin is not None:
        from simulator.twin_city.command import sweep_command

        return sweep_command(args, twin)
    return run_sweep_command(args)


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.battery import CHECKS, validate_scenario
    from simulator.scenario import load_scenario

    scenario = load_scenario(paths.find_scenario(args.scenario))
    summary, _ = validate_scenario(scenario, engine=args.engine,
                                   checks=tuple(args.only or CHECKS))
    for name, row in summary.iterrows():
        print(f"{'PASS' if row['ok'] else 'FAIL'}  {row['check']}: {row['detail_zh']} / "
              f"{row['detail']}")
    failed = int((~summary["ok"]).sum())
    print(f"{len(summary) - failed} passed, {failed} failed ({scenario.name}, {args.scenario})")
    return 1 if failed else 0


def _calibration_cli():
    """Return the calibration's command-line module, or None when it is not installed."""
    try:
        return importlib.import_module(CALIBRATION_CLI)
    except ModuleNotFoundError as error:
        if error.name not in ("calibration", CALIBRATION_CLI):
            raise  # calibration is there but something it needs is missing: say so
        return None


def _calibration_missing(args: argparse.Namespace) -> int:
    raise FileNotFoundError(
        f"the calibrate command needs the calibration package ({CALIBRATION_CLI} is not"
        " installed); install innovation-dynamics with it, or run python -m calibration"
    )


def _cmd_optimise(args: argparse.Namespace) -> int:
    from simulator.goal_seek.problem import parse_bounds
    from simulator.goal_seek.report import format_report, optimise, write_outputs
    from simulator.results import check_output_folder

    if args.out:  # before the search, not after it
        check_output_folder(args.out)
    scenario = _load_scenario(args)

    def split(text):
        return None if text is None else text.split(",")

    def progress(p):
        best = f"cheapest feasible {p.best_cost:.4g} 亿元" if p.feasible else "none feasible yet"
        print(f"\rgeneration {p.generation}/{p.max_generations}, {p.candidates} mixes, {best}",
              end="", file=sys.stderr, flush=True)

    result = optimise(scenario, probability=args.probability, levers=split(args.levers),
                      targets=split(args.targets), budget=args.budget, by_year=args.by,
                      bounds=parse_bounds(args.bound), n=args.ensemble, seed=args.seed,
                      recheck_seed=args.recheck_seed, engine=args.engine, popsize=args.popsize,
                      maxiter=args.maxiter, progress=None if args.quiet else progress,
                      workers=args.workers, start_in_target_year=args.start_in_target_year)
    if not args.quiet:
        print(file=sys.stderr)
    print(format_report(result))
    out = Path(args.out) if args.out else paths.reports_root() / "goal-seek" / scenario.name
    for path in write_outputs(result, out):
        print(f"wrote {path}")
    return 0 if result.feasible else 1


def _time_step_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--time-step", type=float, metavar="DT",
        help="replace the scenario's time step (1/n of a year, e.g. 0.03125)",
    )
    command.add_argument(
        "--no-time-step-check", action="store_true",
        help="skip the check that halving the time step moves no key indicator by 1%% or more (it "
             "costs about two runs; a warning on stderr names a time step that converges)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the ``python -m simulator`` argument parser."""
    parser = Parser(prog="python -m simulator", description="Innovation Dynamics: regional S&T"
                    " policy scenarios (区域科技创新政策情景模拟).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = sub.add_parser("run", help="run a scenario file and print or write its indicators")
    run.add_argument("scenario", help=SCENARIO_HELP)
    run.add_argument(
        "--set", action="append", metavar="NAME=VALUE",
        help="set a lever or parameter to a constant (repeatable)",
    )
    run.add_argument("--out", help="write results to FILE.csv or FILE.parquet")
    run.add_argument("--plot", help="write a chart of the key indicators to FILE.png")
    run.add_argument(
        "--ensemble", type=int, metavar="N",
        help="run N parameter draws and give the 5/25/50/75/95%% quantiles of every indicator"
             " by year (with --out: long form year, indicator, quantile, value)",
    )
    _ensemble_options(run)
    run.add_argument(
        "--engine", default="auto", choices=ENGINES,
        help="simulation engine (default: batch where it supports the model)",
    )
    _time_step_options(run)
    run.set_defaults(func=_cmd_run)

    sim = sub.add_parser(
        "simulate", help="run any Vensim model with its own defaults; write every variable"
    )
    sim.add_argument("model", help="Vensim .mdl file")
    sim.add_argument("--engine", default="auto", choices=ENGINES,
                     help="auto (default): the batch engine where it compiles the model, else PySD")
    sim.add_argument("--integration", default="euler", choices=INTEGRATIONS,
                     help="euler (default, as PySD) or rk4 (Runge-Kutta, batch engine only)")
    sim.add_argument(
        "--out", required=True,
        help="output FILE.csv (Time index, Vensim names as columns)",
    )
    sim.set_defaults(func=_cmd_simulate)

    for kind in ("levers", "indicators", "parameters"):
        cmd = sub.add_parser(kind, help=f"list the catalogue of {kind}")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.set_defaults(func=_cmd_catalogue(kind))

    # A plugin point, not a dependency: the calibration builds on the simulator.
    calibration = _calibration_cli()
    if calibration is None:
        cal = sub.add_parser("calibrate",
                             help="fit a region's profile (needs the calibration package)")
        cal.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        cal.set_defaults(func=_calibration_missing)
    else:
        cal = sub.add_parser("calibrate", help=calibration.HELP)
        calibration.add_arguments(cal)
        cal.set_defaults(func=calibration.run)

    check = sub.add_parser("check", help="check a Vensim model's units for dimensional consistency")
    check.add_argument("model", help="Vensim .mdl file")
    check.set_defaults(func=_cmd_check)

    obs = sub.add_parser("observations", help="check an observations CSV (the columns of"
                         " simulator/data/observations.csv); a bad row is one line naming its line")
    obs.add_argument("file", help="CSV file")
    obs.add_argument("--holdout", action="store_true", help="check it as a hold-out file")
    obs.set_defaults(func=_cmd_observations)

    val = sub.add_parser(
        "validate",
        help="run the SD validation battery (signs, conservation, time step, steady state, reality"
             " checks, lever extremes) on a scenario; exit 1 if any check fails",
    )
    val.add_argument("scenario", help=SCENARIO_HELP)
    val.add_argument(
        "--only", action="append", metavar="CHECK", choices=VALIDATION_CHECKS,
        help="run only this check (repeatable)",
    )
    val.add_argument(
        "--engine", default="batch", choices=ENGINES,
        help="simulation engine (default batch)",
    )
    val.set_defaults(func=_cmd_validate)

    targets = sub.add_parser(
        "targets", help="track a scenario's targets: value, gap, met, first year reached"
    )
    targets.add_argument("scenario", help=SCENARIO_HELP + " with a 'targets' list")
    targets.add_argument(
        "--ensemble", type=int, metavar="N",
        help="run N parameter draws and give the probability of meeting each target",
    )
    _ensemble_options(targets)
    targets.add_argument(
        "--engine", default="auto", choices=ENGINES,
        help="simulation engine (default: batch where it supports the model, else pysd)",
    )
    targets.add_argument("--out", help="write the table to FILE.csv")
    _time_step_options(targets)
    targets.set_defaults(func=_cmd_targets)

    sweep = sub.add_parser(
        "sweep", help="run a sweep spec (design of lever/parameter values) into a results folder"
    )
    sweep.add_argument("spec", help="sweep spec YAML file (see simulator/scenarios/sweeps/)")
    sweep.add_argument(
        "--out", required=True, metavar="DIR",
        help="results folder (Parquet chunks, manifest.json, analysis)",
    )
    sweep.add_argument("--resume", action="store_true", help="finish an interrupted sweep in DIR")
    sweep.add_argument(
        "--engine", default="auto", choices=ENGINES,
        help="simulation engine (default: batch where it supports the model, else pysd)",
    )
    sweep.add_argument(
        "--workers", type=int, metavar="N",
        help="local worker processes (1 = in-process; default: CPU count)",
    )
    sweep.add_argument(
        "--chunk-size", type=int, metavar="K", help="runs per chunk file (default 50)",
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on a Dask distributed cluster at ADDRESS",
    )
    where.add_argument(
        "--dask-local", type=int, metavar="N",
        help="start a local Dask cluster of N workers on 127.0.0.1",
    )
    sweep.set_defaults(func=_cmd_sweep)
    opt = sub.add_parser("optimise", help="goal seeking: the cheapest policy mix that meets the"
                         " scenario's targets with probability p over the calibrated ensemble"
                         " (exit 1 if none does)")
    opt.add_argument("scenario", help="scenario YAML file with a 'targets' list")
    for flag, kind, default, meta, text in (
        ("--probability", float, 0.8, "P", "required probability of each target, in (0, 1]"),
        ("--ensemble", int, 200, "N", "ensemble members"),
        ("--seed", int, DEFAULT_SEED, "S", "seed of the ensemble and the search"),
        ("--recheck-seed", int, None, "S2", "seed of the fresh re-check ensemble (default S+1)"),
        ("--budget", float, None, "亿元", "cap on the cumulative discounted fiscal cost"),
        ("--levers", str, None, "A,B", "levers to search (default: all with a stated cost)"),
        ("--targets", str, None, "A,B@YEAR", "targets to meet (default: the horizon year's)"),
        ("--by", int, None, "YEAR", "reach the targets by YEAR (moves them; cost up to YEAR)"),
        ("--out", str, None, "DIR", "output folder (default: reports root/goal-seek/<name>)"),
        ("--popsize", int, 6, "K", "differential evolution population per variable"),
        ("--maxiter", int, 40, "G", "generations at most"),
        ("--workers", int, 1, "W", "processes to split each population between"),
    ):
        opt.add_argument(flag, type=kind, default=default, metavar=meta,
                         help=text + ("" if default is None else f" (default {default})"))
    opt.add_argument("--bound", action="append", metavar="LEVER=LO:HI", help="search bounds of a"
                     " lever's level (repeatable; default catalogue min to 5x its current value)")
    opt.add_argument("--start-in-target-year", action="store_true", help="let a lever start in"
                     " the target year itself (off: the latest start is the year before, so no"
                     " mix meets a yearly-flow target with a one-year spike)")
    opt.add_argument("--engine", default="auto", choices=ENGINES)
    opt.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    opt.set_defaults(func=_cmd_optimise)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m simulator``; return the exit code."""
    return run_command(build_parser().parse_args(argv))


def _print_warnings(caught: list) -> None:
    """Print the warnings of a successful command as one line (issue #22), each once.

    Deprecation warnings are dropped: they speak to developers of a library (PySD's
    import of chardet.universaldetector), not to the user of this command.
    """
    texts = list(dict.fromkeys(
        " ".join(str(w.message).split()) for w in caught
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))
    ))
    if texts:
        line = " | ".join(texts)
        print(f"warning: {line if len(line) <= 1000 else line[:997] + '...'}", file=sys.stderr)


def _one_line(message: object) -> str:
    """Join a message's lines (a library's multi-line text) into one line."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return " | ".join(lines) if lines else "no message"


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command's ``args.func``; turn bad input into one line on stderr and exit 2."""
    try:
        # Warnings are held back and printed one line each after a success;
        # after a failure the error's one line says all (issue #22).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            code = args.func(args)
        _print_warnings(caught)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # before OSError, which it is
        # the reader closed the pipe early (e.g. ``| head``): stop quietly, as Unix
        # tools do; stdout goes to devnull so that Python's flush at exit cannot fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        print(f"error: {_one_line(message)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ArithmeticError, RuntimeError) as error:  # the last net: named, never a traceback
        # (an overflow or a recursion that no check above foresaw, in a library's code)
        print(f"error: {type(error).__name__}: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError as error:  # an input the bounds let through but this machine cannot hold
        print(f"error: out of memory ({error or 'MemoryError'}); try a smaller design, ensemble"
              " or horizon", file=sys.stderr)
        return EXIT_BAD_INPUT

if __name__ == "__main__":
    sys.exit(main())
