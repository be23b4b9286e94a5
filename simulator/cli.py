"""Command line: ``python -m simulator COMMAND ...``.

Bad input (a missing file, an unknown name, a non-numeric or out-of-range
value) ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.errors import ScenarioError, UnknownNameError

#: Exit code for bad input (as argparse uses for usage errors).
EXIT_BAD_INPUT = 2

_USER_ERRORS = (ScenarioError, UnknownNameError, KeyError, TypeError, ValueError, FileNotFoundError, IsADirectoryError, PermissionError)


class _Parser(argparse.ArgumentParser):
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


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.runner import run_scenario
    from simulator.scenario import load_scenario

    if args.out and Path(args.out).suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"--out '{args.out}' must end in .csv or .parquet")
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ValueError(f"--plot '{args.plot}' must end in .png")
    scenario = load_scenario(args.scenario)
    overrides = _parse_set(args.set)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    results = run_scenario(scenario)
    if args.out:
        results.write(args.out)
        print(f"wrote {args.out} ({len(results.frame)} years x {results.frame.shape[1]} indicators)")
    else:
        from simulator.catalogue import KEY_INDICATORS

        print(results.frame[list(KEY_INDICATORS)].round(2).to_string())
    if args.plot:
        from simulator.report import plot_results

        plot_results(results, args.plot, title=scenario.title_zh or scenario.name)
        print(f"wrote {args.plot}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.results import atomic_write_text
    from simulator.simulate import simulate_file

    if Path(args.out).suffix.lower() != ".csv":
        raise ValueError(f"--out '{args.out}' must end in .csv")
    frame = simulate_file(args.model, engine=args.engine)
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
    from simulator.units import check_units

    issues = check_units(args.model)
    for issue in issues:
        print(issue.message)
    print(f"{len(issues)} unit inconsistenc{'y' if len(issues) == 1 else 'ies'} in {args.model}")
    return 1 if issues else 0


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m simulator`` argument parser."""
    parser = _Parser(prog="python -m simulator", description="Innovation Dynamics: regional S&T policy scenarios (区域科技创新政策情景模拟).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario file and print or write its indicators")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--set", action="append", metavar="NAME=VALUE", help="set a lever or parameter to a constant (repeatable)")
    run.add_argument("--out", help="write results to FILE.csv or FILE.parquet")
    run.add_argument("--plot", help="write a chart of the key indicators to FILE.png")
    run.set_defaults(func=_cmd_run)

    sim = sub.add_parser("simulate", help="run any Vensim model with its own defaults; write every variable")
    sim.add_argument("model", help="Vensim .mdl file")
    sim.add_argument("--engine", default="pysd", choices=["pysd", "batch"])
    sim.add_argument("--out", required=True, help="output FILE.csv (Time index, Vensim names as columns)")
    sim.set_defaults(func=_cmd_simulate)

    for kind in ("levers", "indicators", "parameters"):
        cmd = sub.add_parser(kind, help=f"list the catalogue of {kind}")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.set_defaults(func=_cmd_catalogue(kind))

    check = sub.add_parser("check", help="check a Vensim model's units for dimensional consistency")
    check.add_argument("model", help="Vensim .mdl file")
    check.set_defaults(func=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
