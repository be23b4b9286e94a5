"""Backtests from rolling origins (issue #18 point 6): fit to an origin year, forecast the rest.

For each region and origin (2019, 2020, 2021 by default) the region is fitted to its
outcomes up to the origin only (:func:`calibration.fitting.fit_region`, MAP with the
Laplace approximation), and a seeded ensemble of that fit forecasts every later
documented figure: the fitting file's later years up to 2022 and the hold-out file
(2023-24). Two bands are scored:

- **parameters**: the ensemble's draws of the fitted (Laplace) and stated parameters;
- **predictive**: the same runs times a log-normal observation error per series, with
  the series' in-sample root-mean-square log error at the fit as its sd (a plug-in
  estimate; a series with fewer than 2 in-sample points takes the half-normal prior
  scale of the MCMC fits, :data:`calibration.mcmc.SIGMA_PRIOR_SCALE`, 0.2). This is
  the band a forecast should be judged by: an outcome is a measurement, not the
  model's state.

A later figure with a definitional break (:mod:`calibration.measurement`) is compared with
the model's value shifted by the break's offset (an estimated break: its prior centre).

Scores per figure: the absolute percentage error of the median, and whether the 50%
and 90% central bands cover the figure (a floor, ``at_least``, is covered when the
band's top reaches it). Goals of the issue: 90% bands cover >= 85% of the figures,
50% bands 40-60%, median error <= 10%.

``python -m calibration.backtest [--origins 2019 2020 2021] [--n 500] [--seed S] [--out DIR]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.assumed_effect import covered
from calibration.fitting import fit_region, fitting_observations, holdout_figures, load_region_spec
from calibration.mcmc import SIGMA_PRIOR_SCALE
from calibration.measurement import stated_offset
from simulator import paths
from simulator.data.observations import FIT_END_YEAR

#: Origins of the backtests [year]: the last outcome year each fit sees.
ORIGINS = (2019, 2020, 2021)
#: Central band levels scored and drawn in the coverage plot.
LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _scenario_with(region: str, profile_path: Path):
    from simulator.scenario import Scenario
    from simulator.yaml_input import read_yaml

    data = read_yaml(paths.SCENARIOS_DIR / f"{region}-baseline.yaml", "scenario file")
    data["profile"] = str(profile_path)
    return Scenario.from_dict(data)


def later_figures(region: str, origin: int) -> pd.DataFrame:
    """Documented outcomes after ``origin``: the fitting file's (to 2022), then the hold-out's."""
    spec = load_region_spec(region)
    later = fitting_observations(spec, FIT_END_YEAR)
    later = later[(later["year"] > origin) & (later["line"] > 0)]  # documented rows only
    later = later.assign(source="observations.csv")[["indicator", "year", "value", "bound",
                                                     "source"]]
    hold = holdout_figures()
    hold = hold[hold["region"] == region]
    hold = pd.DataFrame({"indicator": hold["model_indicator"],
                         "year": hold["year"].astype(int), "value": hold["value_model"],
                         "bound": hold["bound"], "source": "holdout.csv"})
    return pd.concat([later, hold], ignore_index=True)


def in_sample_sigma(region: str, origin: int, frame: pd.DataFrame) -> dict[str, float]:
    """RMS log error per series at the fit, over its equal/approx points up to ``origin``."""
    spec = load_region_spec(region)
    seen = fitting_observations(spec, origin)
    seen = seen[(seen["bound"] != "at_least") & seen["indicator"].isin(frame.columns)]
    out = {}
    for name, group in seen.groupby("indicator"):
        if len(group) >= 2:
            sim = np.array([frame.at[y, name] for y in group["year"]], dtype=float)
            out[name] = float(np.sqrt(np.mean(np.log(sim / group["value"].to_numpy()) ** 2)))
    return out


def backtest_region(region: str, origin: int, n: int, seed: int) -> pd.DataFrame:
    """Score one region's fit to ``origin`` on every later figure; one row per figure."""
    from simulator.data.profile import save_profile
    from simulator.ensemble import run_ensemble
    from simulator.runner import run_scenario

    figures = later_figures(region, origin)
    profile = fit_region(region, until=origin)
    with tempfile.TemporaryDirectory(prefix="backtest-") as folder:
        path = save_profile(profile, Path(folder) / f"{region}-until-{origin}.yaml")
        scenario = _scenario_with(region, path)
        indicators = sorted(set(figures["indicator"]))
        frame = run_scenario(scenario).frame  # the fit itself (profile values), for sigma
        ensemble = run_ensemble(scenario, n, seed, indicators=indicators)
    sigma = in_sample_sigma(region, origin, frame)
    rng = np.random.default_rng([seed, origin])
    years = list(ensemble.years)
    rows = []
    for fig in figures.itertuples():
        if fig.indicator not in ensemble.values or int(fig.year) not in years:
            continue
        runs = ensemble.values[fig.indicator][:, years.index(int(fig.year))]
        # a figure on another definition (calibration.measurement) is the model's times exp(d)
        runs = runs * np.exp(stated_offset(region, fig.indicator, int(fig.year), fig.value))
        sd = sigma.get(fig.indicator, SIGMA_PRIOR_SCALE)
        predictive = runs * np.exp(sd * rng.standard_normal(len(runs)))
        row = {"region": region, "origin": origin, "indicator": fig.indicator,
               "year": int(fig.year), "value": float(fig.value), "bound": fig.bound,
               "source": fig.source, "sigma": sd,
               "sigma_from": "in-sample" if fig.indicator in sigma else "prior scale"}
        for band, draws in (("parameters", runs), ("predictive", predictive)):
            median = float(np.median(draws))
            row[f"{band}_median"] = median
            row[f"{band}_ape_pct"] = abs(100 * (median / fig.value - 1))
            for level in LEVELS:
                low, high = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2])
                row[f"{band}_covered_{round(100 * level)}"] = covered(low, high, fig.value,
                                                                      fig.bound)
            row[f"{band}_q05"], row[f"{band}_q95"] = np.quantile(draws, [0.05, 0.95])
        rows.append(row)
    return pd.DataFrame(rows)


def in_sample_mape(region: str) -> pd.DataFrame:
    """In-sample MAPE per series of the packaged fit (to 2022): series with >= 2 points."""
    from calibration.fitting import fitting_observations as seen_by
    from calibration.report import series_statistics, simulate_profile
    from simulator.data.profile import load_profile

    profile = load_profile(region)
    frame = simulate_profile(profile)
    points = seen_by(load_region_spec(region), FIT_END_YEAR)
    points = points[points["indicator"].isin(frame.columns)].copy()
    points["sim"] = [float(frame.at[y, i]) for i, y in zip(points["indicator"], points["year"])]
    stats = series_statistics(points)
    return stats[stats["n"] >= 2][["indicator", "n", "mape"]].assign(region=region)


def run_backtests(regions=None, origins=ORIGINS, n: int = 500, seed: int = 20261204):
    """Every region and origin a fit can start from; ``(scores, skipped)`` frames."""
    from simulator.catalogue import REGIONS

    scores, skipped = [], []
    for region in regions or REGIONS:
        base = load_region_spec(region).base_year
        for origin in origins:
            if origin <= base:
                skipped.append({"region": region, "origin": origin,
                                "reason": f"origin is not after the base year {base}"})
                continue
            table = backtest_region(region, origin, n, seed)
            if table.empty:
                skipped.append({"region": region, "origin": origin,
                                "reason": "no later figure of a modelled indicator"})
            scores.append(table)
    return pd.concat(scores, ignore_index=True), pd.DataFrame(skipped)


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per origin and overall: figures, 50% and 90% coverage, median APE, for both bands."""
    rows = []
    for origin, group in [*scores.groupby("origin"), ("all", scores)]:
        row = {"origin": origin, "figures": len(group)}
        for band in ("parameters", "predictive"):
            row[f"{band}_cover50_pct"] = 100 * group[f"{band}_covered_50"].mean()
            row[f"{band}_cover90_pct"] = 100 * group[f"{band}_covered_90"].mean()
            equal = group[group["bound"] != "at_least"]  # a floor has no error to speak of
            row[f"{band}_median_ape_pct"] = float(equal[f"{band}_ape_pct"].median())
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_plot(scores: pd.DataFrame, path: Path) -> None:
    """Nominal against observed coverage of the central bands, both bands, all figures."""
    import matplotlib

    from simulator.plotting import use_cjk_font

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    nominal = [100 * level for level in LEVELS]
    for band, label in (("parameters", "仅参数 parameters only"),
                        ("predictive", "含观测误差 with observation error")):
        seen = [100 * scores[f"{band}_covered_{round(100 * lv)}"].mean() for lv in LEVELS]
        ax.plot(nominal, seen, marker="o", label=label)
    ax.plot([0, 100], [0, 100], color="grey", linestyle="--", label="理想 ideal")
    ax.set_xlabel("名义覆盖率 nominal coverage [%]")
    ax.set_ylabel("实际覆盖率 observed coverage [%]")
    ax.set_title(f"滚动起点回测 rolling-origin backtests ({len(scores)} figures)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(scores, skipped, table, mape, command: str) -> str:
    """Return the backtest report (Markdown)."""
    def pct(x):
        return f"{x:.0f}%"

    lines = ["# Rolling-origin backtests · 滚动起点回测 (issue #18 point 6)", "",
             f"Command: `{command}`", "",
             "Each region fitted to its outcomes up to the origin only, then a seeded ensemble of"
             " that fit scored on every later documented figure (observations.csv to 2022 and"
             " holdout.csv). Bands: *parameters* (the fit's Laplace draws and stated ranges) and"
             " *predictive* (times a log-normal observation error with the series' in-sample RMS"
             f" log error as sd; prior scale {SIGMA_PRIOR_SCALE} where a series has fewer than 2"
             " in-sample points). A figure with a definitional break (calibration.measurement:"
             " a list cut-off, a GDP vintage) is compared with the model times exp(offset)."
             " Goals: 90% bands cover >= 85%, 50% bands 40-60%, median error <= 10%.", "",
             "| origin | figures | 50% band (params) | 90% band (params) | median error (params)"
             " | 50% band (predictive) | 90% band (predictive) | median error (predictive) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.origin} | {r.figures} | {pct(r.parameters_cover50_pct)} |"
                     f" {pct(r.parameters_cover90_pct)} | {r.parameters_median_ape_pct:.1f}% |"
                     f" {pct(r.predictive_cover50_pct)} | {pct(r.predictive_cover90_pct)} |"
                     f" {r.predictive_median_ape_pct:.1f}% |")
    lines += ["", "![coverage](coverage.png)", "", "## Figures", "",
              "| region | origin | indicator | year | figure | median (error) | 90% predictive"
              " | covered 50/90 |", "|---|---|---|---|---|---|---|---|"]
    for r in scores.itertuples():
        floor = " (floor)" if r.bound == "at_least" else ""
        lines.append(
            f"| {r.region} | {r.origin} | {r.indicator} | {r.year} | {r.value:.4g}{floor} |"
            f" {r.predictive_median:.4g} ({r.predictive_ape_pct:.0f}%) |"
            f" {r.predictive_q05:.4g}-{r.predictive_q95:.4g} |"
            f" {'yes' if r.predictive_covered_50 else 'no'}/"
            f"{'yes' if r.predictive_covered_90 else '**no**'} |")
    if len(skipped):
        lines += ["", "Not run: " + "; ".join(f"{s.region} {s.origin} ({s.reason})"
                                              for s in skipped.itertuples()) + "."]
    lines += ["", "## In-sample fit (packaged profiles, outcomes to 2022)", "",
              "| region | series | points | MAPE |", "|---|---|---|---|"]
    for r in mape.itertuples():
        flag = "" if r.mape <= 10 else " **> 10%**"
        lines.append(f"| {r.region} | {r.indicator} | {r.n} | {r.mape:.1f}%{flag} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m calibration.backtest``; return the exit code."""
    from simulator.catalogue import REGIONS
    from simulator.cli import Parser, run_command
    from simulator.results import atomic_write_text

    parser = Parser(prog="python -m calibration.backtest",
                    description="Rolling-origin backtests of the calibration (issue #18).")
    parser.add_argument("--origins", type=int, nargs="+", default=list(ORIGINS))
    parser.add_argument("--regions", nargs="+", choices=list(REGIONS))
    parser.add_argument("--n", type=int, default=500, help="ensemble runs per fit")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--out", default="docs/calibration/backtest")

    def run(args: argparse.Namespace) -> int:
        if args.n < 20:
            raise ValueError(f"--n must be at least 20 runs to score bands, got {args.n}")
        bad = [o for o in args.origins if not 2015 <= o < FIT_END_YEAR]
        if bad:
            raise ValueError(f"--origins {bad}: an origin must be in 2015-{FIT_END_YEAR - 1}")
        command = ("python -m calibration.backtest --origins "
                   + " ".join(map(str, args.origins)) + f" --n {args.n} --seed {args.seed}"
                   + (" --regions " + " ".join(args.regions) if args.regions else ""))
        scores, skipped = run_backtests(args.regions, args.origins, args.n, args.seed)
        mape = pd.concat([in_sample_mape(r) for r in args.regions or REGIONS],
                         ignore_index=True)
        table = summary(scores)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "backtest.csv", scores.to_csv(index=False))
        atomic_write_text(out / "summary.csv", table.to_csv(index=False))
        coverage_plot(scores, out / "coverage.png")
        atomic_write_text(out / "backtest.md", markdown(scores, skipped, table, mape, command))
        print(table.to_string(index=False))
        print(f"wrote {out}/backtest.md")
        return 0

    parser.set_defaults(func=run)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
