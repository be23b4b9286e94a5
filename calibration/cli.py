"""Command line of the calibration: ``python -m calibration REGION | --all``.

The same command is ``python -m simulator calibrate``: the simulator's command
line finds this module by name (:data:`simulator.cli.CALIBRATION_CLI`) and
adds its arguments, so the simulator never imports the calibration, which
builds on it. Bad input ends in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from simulator import paths
from simulator.cli import Parser, run_command

#: One line of help for the command (``python -m simulator --help`` lists it).
HELP = "fit a region's profile to its documented outcomes and write a fit report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments to ``parser`` (its own or the simulator's subcommand)."""
    parser.add_argument("region", nargs="?", help="yibin, suining, hechuan, ningxia or chengdu")
    parser.add_argument("--all", action="store_true", help="every region")
    parser.add_argument(
        "--until", type=int,
        help="fit outcomes up to YEAR only (backtest; the profile is not saved)",
    )
    parser.add_argument(
        "--report",
        help="report folder (default: $INNOVATION_DYNAMICS_REPORTS/calibration, else"
        " ~/.local/share/innovation-dynamics/reports/calibration)",
    )
    parser.add_argument("--starts", type=int, default=4, help="optimiser starts (default 4)")
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the start points")
    parser.add_argument(
        "--no-save", action="store_true",
        help="do not overwrite the region's profile (simulator/data/profiles/<region>.yaml)",
    )


def run(args: argparse.Namespace) -> int:
    """Fit the region (or every region), save its profile and write its report; return 0."""
    from calibration.fitting import fit_region
    from calibration.report import write_report
    from simulator.catalogue import REGIONS
    from simulator.data.observations import FIT_END_YEAR
    from simulator.data.profile import save_profile

    if args.all == bool(args.region):
        raise ValueError("give one REGION or --all")
    regions = list(REGIONS) if args.all else [args.region]
    if args.starts < 1:
        raise ValueError(f"--starts must be at least 1 optimiser start, got {args.starts}")
    until = args.until if args.until is not None else FIT_END_YEAR
    for region in regions:
        profile = fit_region(region, until=until, n_starts=args.starts, seed=args.seed)
        if until == FIT_END_YEAR and not args.no_save:
            print(f"wrote {save_profile(profile)}")
        folder = write_report(profile, args.report or paths.reports_root() / "calibration")
        print(f"wrote {folder}/fit.md")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the ``python -m calibration`` argument parser."""
    parser = Parser(prog="python -m calibration", description=HELP[0].upper() + HELP[1:] + ".")
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m calibration``; return the exit code."""
    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
