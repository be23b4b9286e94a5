"""Hold-out coverage of 90% bands, before (profile ensembles) and after (MCMC), issue #18.

``python -m calibration.coverage [--n N] [--seed S] [--out DIR]`` compares, for
every figure of ``simulator/data/holdout.csv`` (2023-24, never fitted):

- **before**: the 5-95% band of the region's baseline ensemble as it is today
  (:func:`simulator.ensemble.run_ensemble`: fitted parameters from the
  profile's Laplace approximation, assumed ones from their stated ranges);
- **after**: the 5-95% band of the posterior predictive: the baseline scenario
  run with the MCMC draws of ``simulator/data/posteriors/<region>.csv``
  (parameters and series errors drawn together), times a log-normal
  observation error with the draw's ``sigma`` of that series. A series that
  has no in-sample figure has no estimated error; its sigma is drawn from the
  half-normal prior (:data:`calibration.mcmc.SIGMA_PRIOR_SCALE`). Assumed
  parameters stay at their profile values, on which the posterior is
  conditional. ``after, no obs. error`` is the same band without that error.

An ``at_least`` figure (a floor) is covered when the band's top reaches it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.assumed_effect import covered as _covered
from calibration.fitting import holdout_figures
from calibration.mcmc import SIGMA_PRIOR_SCALE, posterior_path
from simulator import paths
from simulator.assumed import RANGES_FILE

#: The band compared with the hold-out [-].
BAND = (0.05, 0.95)




def holdout_coverage(
    n: int = 1000, seed: int = 20261204, regions: list[str] | None = None,
    pooled: bool = False,
) -> pd.DataFrame:
    """One row per hold-out figure: the value and the bands before and after.

    Parameters
    ----------
    n : int
        Runs per region and method.
    seed : int
        Seed of the ensemble draws, the posterior resampling and the errors.
    regions : list of str, optional
        Default: every region with a hold-out figure.
    pooled : bool, default False
        "after" from the pooled fit of all regions (``posteriors/pooled/``) instead of
        each region's own MCMC.

    Returns
    -------
    pandas.DataFrame
    """
    from simulator.ensemble import run_ensemble
    from simulator.runner import run_variants
    from simulator.scenario import load_scenario

    hold = holdout_figures()
    if regions is not None:
        hold = hold[hold["region"].isin(regions)]
    rows = []
    for region, figures in hold.groupby("region", sort=True):
        scenario = load_scenario(paths.SCENARIOS_DIR / f"{region}-baseline.yaml")
        indicators = sorted(set(figures["model_indicator"]))
        before = run_ensemble(scenario, n, seed, indicators=indicators)
        path = posterior_path(region)
        draws = pd.read_csv(path.parent / "pooled" / path.name if pooled else path, comment="#")
        rng = np.random.default_rng(seed)
        pick = draws.iloc[rng.integers(0, len(draws), size=n)].reset_index(drop=True)
        params = [c for c in pick.columns if ":" not in c]  # measurement terms are not inputs
        years, values = run_variants(
            scenario, pick[params].to_dict("records"), indicators=indicators
        )
        years = list(np.asarray(years))
        for fig in figures.itertuples():
            name, t = fig.model_indicator, years.index(int(fig.year))
            sim = values[name][:, t]
            column = f"sigma:{name}"
            sigma = (
                pick[column].to_numpy() if column in pick
                else np.abs(rng.normal(0.0, SIGMA_PRIOR_SCALE, size=n))
            )
            predictive = sim * np.exp(sigma * rng.standard_normal(n))
            b = np.quantile(before.values[name][:, list(before.years).index(int(fig.year))], BAND)
            a = np.quantile(predictive, BAND)
            a0 = np.quantile(sim, BAND)
            value = float(fig.value_model)
            rows.append({
                "region": region, "indicator": fig.indicator, "year": int(fig.year),
                "value": value, "bound": fig.bound,
                "before_q05": b[0], "before_q95": b[1],
                "before_covered": _covered(*b, value, fig.bound),
                "after_q05": a[0], "after_q95": a[1],
                "after_covered": _covered(*a, value, fig.bound),
                "after_no_error_q05": a0[0], "after_no_error_q95": a0[1],
                "after_no_error_covered": _covered(*a0, value, fig.bound),
                "sigma_source": "posterior" if column in pick else "prior (no in-sample figure)",
            })
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, command: str, pooled: bool = False) -> str:
    """Write the coverage report (markdown)."""
    after = "pooled posterior of all regions" if pooled else "MCMC posterior"
    lines = [
        "# Hold-out coverage of the 90% bands · 样本外覆盖率", "",
        f"Command: `{command}`", "",
        f"- before (profile ensembles, Laplace): {int(table['before_covered'].sum())} of "
        f"{len(table)} covered",
        f"- after ({after} predictive, estimated observation error): "
        f"{int(table['after_covered'].sum())} of {len(table)} covered",
        f"- after, without the observation error: {int(table['after_no_error_covered'].sum())}"
        f" of {len(table)} covered", "",
        "| region | indicator | year | figure | before 5-95% | after 5-95% | after, no error |"
        " sigma |",
        "|---|---|---|---|---|---|---|---|",
    ]
    mark = {True: "yes", False: "**no**"}
    for r in table.itertuples():
        floor = " (floor)" if r.bound == "at_least" else ""
        lines.append(
            f"| {r.region} | {r.indicator} | {r.year} | {r.value:.4g}{floor} "
            f"| {r.before_q05:.4g}-{r.before_q95:.4g} {mark[r.before_covered]} "
            f"| {r.after_q05:.4g}-{r.after_q95:.4g} {mark[r.after_covered]} "
            f"| {r.after_no_error_q05:.4g}-{r.after_no_error_q95:.4g} "
            f"{mark[r.after_no_error_covered]} | {r.sigma_source} |"
        )
    skipped = holdout_figures(modelled=False)
    if len(skipped):
        lines += ["", "Not scored (documented, but the model has no such indicator): " + "; ".join(
            f"{r.region} {r.indicator} {r.year}" for r in skipped.itertuples()) + "."]
    return "\n".join(lines + ["", __doc__.split("\n\n", 1)[1].strip(), ""])


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _write_assumed(args: argparse.Namespace, out: Path, command: str) -> int:
    """``--draw-assumed``: write the with/without comparison of calibration.assumed_effect."""
    from calibration import assumed_effect
    from simulator.results import atomic_write_text

    tables = assumed_effect.compare(args.n, args.seed, args.regions, args.targets_seed)
    command += f" --draw-assumed --targets-seed {args.targets_seed}"
    provenance = f"model sha256 {_sha(paths.CORE_MODEL)}, ranges sha256 {_sha(RANGES_FILE)}"
    atomic_write_text(out / "holdout-coverage-assumed.csv",
                      tables["coverage"].to_csv(index=False))
    atomic_write_text(out / "holdout-coverage-assumed.md", assumed_effect.markdown(tables, command,
                                                                     provenance))
    print(assumed_effect.summary(tables).to_string(index=False))
    print(f"wrote {out}/holdout-coverage-assumed.md")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Write ``holdout-coverage.md`` and ``.csv``; return the exit code."""
    from simulator.cli import Parser, run_command
    from simulator.results import atomic_write_text

    parser = Parser(prog="python -m calibration.coverage", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="runs per region and method")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--regions", nargs="+", help="default: every region with hold-out figures")
    parser.add_argument("--out", default="docs/calibration", help="report folder")
    parser.add_argument(
        "--draw-assumed", action="store_true",
        help="instead: compare ensembles without and with the assumed parameters drawn"
             " (profile and posterior sources; 50%% and 90%% bands; plan-target probabilities);"
             " writes holdout-coverage-assumed.md and .csv",
    )
    parser.add_argument("--pooled", action="store_true",
                        help="after: the pooled fit's draws (python -m calibration.pooled_fit);"
                             " writes holdout-coverage-pooled.md and .csv")
    parser.add_argument("--targets-seed", type=int, default=1,
                        help="with --draw-assumed: seed of the plan ensembles (default 1)")

    def run(args: argparse.Namespace) -> int:
        if args.n < 20:
            raise ValueError(f"--n {args.n} is too small for a 90% band: give at least 20")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        command = f"python -m calibration.coverage --n {args.n} --seed {args.seed}" + (
            f" --regions {' '.join(args.regions)}" if args.regions else ""
        )
        if args.draw_assumed:
            return _write_assumed(args, out, command)
        table = holdout_coverage(args.n, args.seed, args.regions, pooled=args.pooled)
        name = "holdout-coverage-pooled" if args.pooled else "holdout-coverage"
        command += " --pooled" if args.pooled else ""
        atomic_write_text(out / f"{name}.csv", table.to_csv(index=False))
        atomic_write_text(out / f"{name}.md", markdown(table, command, args.pooled))
        print(f"wrote {out}/{name}.md")
        return 0

    parser.set_defaults(func=run)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
