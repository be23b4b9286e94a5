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
    parser.add_argument(
        "--method", choices=("map", "mcmc"), default="map",
        help="map: the MAP fit and its profile (default); mcmc: sample the posterior with emcee"
        " on the batch engine and write simulator/data/posteriors/<region>.csv beside the profile",
    )
    parser.add_argument("--walkers", type=int, help="mcmc: walkers (even; default 32)")
    parser.add_argument("--steps", type=int, help="mcmc: steps per walker (default 3000)")
    parser.add_argument("--burn", type=int, help="mcmc: steps discarded first (default 1000)")
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the start points")
    parser.add_argument(
        "--observations", metavar="FILE.csv",
        help="your own documented figures (the columns of simulator/data/observations.csv):"
        " refit REGION with them; the profile and report go to --report/<region>-own, the"
        " packaged data and profile are never changed",
    )
    parser.add_argument(
        "--no-save", action="store_true",
        help="do not overwrite the region's profile (simulator/data/profiles/<region>.yaml)",
    )


#: Most optimiser starts a fit takes: each is a local fit of minutes, and the start points
#: are drawn at once (#22).
MAX_STARTS = 1_000


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
    if args.starts > MAX_STARTS:  # 10^9 once tried to allocate 44.7 GiB of start points
        raise ValueError(f"--starts must be at most {MAX_STARTS:,} optimiser starts,"
                         f" got {args.starts:,}")
    until = args.until if args.until is not None else FIT_END_YEAR
    mcmc_options = {"walkers": args.walkers, "steps": args.steps, "burn": args.burn}
    if args.observations is not None and (args.all or args.until is not None):
        raise ValueError("--observations refits one REGION to its figures' last year:"
                         " without --all and --until")
    if args.method == "mcmc":
        if args.observations is not None:
            raise ValueError("--observations applies to --method map only")
        return _run_mcmc(args, regions, until, mcmc_options)
    given = [f"--{k}" for k, v in mcmc_options.items() if v is not None]
    if given:
        raise ValueError(f"{', '.join(given)} apply to --method mcmc only")
    if args.observations is not None:
        return _run_own(args, regions)
    for region in regions:
        profile = fit_region(region, until=until, n_starts=args.starts, seed=args.seed)
        if until == FIT_END_YEAR and not args.no_save:
            print(f"wrote {save_profile(profile)}")
        folder = write_report(profile, args.report or paths.reports_root() / "calibration")
        print(f"wrote {folder}/fit.md")
    return 0


def _run_own(args: argparse.Namespace, regions: list[str]) -> int:
    """Refit one region with the user's own figures; write its profile and report apart."""
    from calibration.own_data import refit_with_own_figures, write_own_report
    from simulator.data.observations import load_user_observations

    user = load_user_observations(args.observations)  # checked before any model run
    refit = refit_with_own_figures(regions[0], user, source=args.observations,
                                   n_starts=args.starts, seed=args.seed)
    folder = write_own_report(refit, args.report or paths.reports_root() / "calibration")
    print(f"wrote {folder}/profile.yaml")
    print(f"wrote {folder}/own-fit.md")
    return 0


def _run_mcmc(args: argparse.Namespace, regions: list[str], until: int, options: dict) -> int:
    """Sample each region's posterior; save its draws and write its MCMC report."""
    from pathlib import Path

    from calibration.mcmc import check_options, report_markdown, sample_posterior, save_posterior
    from simulator.data.observations import FIT_END_YEAR
    from simulator.results import atomic_write_text

    options = {
        "walkers": 32 if options["walkers"] is None else options["walkers"],
        "steps": 3000 if options["steps"] is None else options["steps"],
        "burn": 1000 if options["burn"] is None else options["burn"],
    }
    check_options(**options)  # refuse bad options before any model run
    for region in regions:
        command = (
            f"python -m calibration {region} --method mcmc --walkers {options['walkers']}"
            f" --steps {options['steps']} --burn {options['burn']} --seed {args.seed}"
            + (f" --until {until}" if until != FIT_END_YEAR else "")
        )
        posterior = sample_posterior(region, until=until, seed=args.seed, **options)
        if until == FIT_END_YEAR and not args.no_save:
            print(f"wrote {save_posterior(posterior, command=command)}")
        suffix = "" if until == FIT_END_YEAR else f"-until-{until}"
        folder = Path(args.report or paths.reports_root() / "calibration") / f"{region}{suffix}"
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "mcmc_summary.csv", posterior.summary.to_csv(index=False))
        atomic_write_text(folder / "mcmc.md", report_markdown(posterior, command))
        print(f"wrote {folder}/mcmc.md")
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
