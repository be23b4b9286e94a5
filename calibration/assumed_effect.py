"""What drawing the assumed parameters does to bands and target probabilities (#18 point 5).

``python -m calibration.coverage --draw-assumed --n N --seed S`` compares
ensembles without and with the assumed parameters of
``simulator/data/assumed_ranges.yaml`` drawn (``run_ensemble(...,
draw_assumed=...)``), for the fitted parameters from the profile (Laplace)
and from the MCMC posterior:

- hold-out coverage: for every figure of ``simulator/data/holdout.csv``,
  whether the 25-75% (50%) and 5-95% (90%) bands of the baseline ensemble
  cover it (model output, no observation error: the bands ``run --ensemble``
  writes). A floor (``at_least``) is covered when the band's top reaches it;
- plan targets: the share of the plan scenarios' targets whose probability
  of being met is >= 95% or <= 5% (the default ``targets --ensemble`` source
  is the profile);
- sanity: the 5-95% band and the extreme of R&D intensity [%] in 2025 and
  2035 in the baseline ensembles, to show whether bands become absurd;
- drivers: the drawn parameters whose rank correlation with each checked
  output is largest, to show which ranges widen the bands.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from calibration.fitting import holdout_figures
from simulator import paths

#: Fitted-parameter sources compared (``uncertainty: source:``).
SOURCES = ("profile", "posterior")
#: Years of the R&D-intensity sanity check.
SANITY_YEARS = (2025, 2035)
_LEVELS = (0.05, 0.25, 0.75, 0.95)


def covered(low: float, high: float, value: float, bound: str) -> bool:
    """Whether a band covers a figure; a floor (``at_least``) when the band's top reaches it."""
    return bool(high >= value) if bound == "at_least" else bool(low <= value <= high)


def _ensemble(scenario, source: str, assumed: bool, n: int, seed: int, indicators: list[str]):
    from simulator.ensemble import run_ensemble

    spec = dict(scenario.uncertainty or {"parameters": {}})
    spec["source"] = source
    return run_ensemble(replace(scenario, uncertainty=spec), n, seed, indicators=indicators,
                        draw_assumed=assumed)


def compare(
    n: int, seed: int, regions: list[str] | None = None, targets_seed: int = 1
) -> dict[str, pd.DataFrame]:
    """Run the comparison.

    Returns the tables ``coverage``, ``targets``, ``sanity``, ``notes`` and
    ``drivers``.

    ``seed`` seeds the baseline ensembles (hold-out coverage, sanity),
    ``targets_seed`` the plan ensembles (as ``targets --ensemble N --seed S``).
    """
    from simulator.scenario import load_scenario
    from simulator.targets import track_ensemble

    hold = holdout_figures()
    plan_regions = sorted(p.name.removesuffix("-plan.yaml")
                          for p in paths.SCENARIOS_DIR.glob("*-plan.yaml"))
    if regions is not None:
        hold = hold[hold["region"].isin(regions)]
        plan_regions = [r for r in plan_regions if r in regions]
    rows: dict[str, list[dict]] = {k: [] for k in ("coverage", "targets", "sanity", "notes",
                                                   "drivers")}
    for source in SOURCES:
        for assumed in (False, True):
            for region in plan_regions:
                base = load_scenario(paths.SCENARIOS_DIR / f"{region}-baseline.yaml")
                figures = hold[hold["region"] == region]
                indicators = sorted(set(figures["model_indicator"]) | {"rd_intensity"})
                ens = _ensemble(base, source, assumed, n, seed, indicators)
                tag = {"source": source, "assumed": assumed}
                rows["notes"].append({**tag, "scenario": base.name, "notes": " | ".join(ens.notes)})
                _baseline_rows(rows, tag, region, figures, ens)
                plan = load_scenario(paths.SCENARIOS_DIR / f"{region}-plan.yaml")
                wanted = sorted({t.indicator for t in plan.targets})
                ens = _ensemble(plan, source, assumed, n, targets_seed, wanted)
                table = track_ensemble(ens.years, ens.values, plan.targets)
                rows["targets"] += [{**tag, "scenario": plan.name, "indicator": row.indicator,
                                     "year": int(row.year), "p_met": float(row.p_met)}
                                    for row in table.itertuples()]
    return {name: pd.DataFrame(table) for name, table in rows.items()}


def _baseline_rows(rows: dict, tag: dict, region: str, figures: pd.DataFrame, ens) -> None:
    """Coverage, R&D-intensity and (with assumed draws) driver rows of a baseline ensemble."""
    years = list(np.asarray(ens.years))
    checks = [(fig.model_indicator, int(fig.year)) for fig in figures.itertuples()]
    for fig, (name, year) in zip(figures.itertuples(), checks):
        q = np.quantile(ens.values[name][:, years.index(year)], _LEVELS)
        value = float(fig.value_model)
        rows["coverage"].append({
            **tag, "region": region, "indicator": fig.indicator, "year": year, "value": value,
            "bound": fig.bound, "q05": q[0], "q25": q[1], "q75": q[2], "q95": q[3],
            "covered_50": covered(q[1], q[2], value, fig.bound),
            "covered_90": covered(q[0], q[3], value, fig.bound),
        })
    for year in SANITY_YEARS:
        runs = ens.values["rd_intensity"][:, years.index(year)]
        q05, q50, q95 = np.quantile(runs, (0.05, 0.5, 0.95))
        rows["sanity"].append({**tag, "region": region, "year": year, "q05": q05, "q50": q50,
                               "q95": q95, "min": runs.min(), "max": runs.max()})
    if tag["assumed"] and tag["source"] == SOURCES[0]:
        for name, year in sorted(set(checks)) + [("rd_intensity", SANITY_YEARS[-1])]:
            rows["drivers"].append({"region": region, "indicator": name, "year": year,
                                    "drivers": _drivers(ens, name, years.index(year))})


def _drivers(ens, name: str, column: int, top: int = 3) -> str:
    """Name the drawn parameters most rank-correlated with an output (Spearman rho)."""
    draws = ens.draws.loc[:, ens.draws.nunique() > 1]
    output = pd.Series(ens.values[name][:, column], index=draws.index)
    rho = draws.rank().corrwith(output.rank())
    best = rho.reindex(rho.abs().sort_values(ascending=False).index[:top])
    return ", ".join(f"{k} {v:+.2f}" for k, v in best.items())


def summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (source, assumed): figures covered by the 50%/90% bands, extreme targets."""
    cover = tables["coverage"].groupby(["source", "assumed"], sort=False).agg(
        figures=("value", "size"), covered_50=("covered_50", "sum"),
        covered_90=("covered_90", "sum"))
    p = tables["targets"].assign(extreme=lambda t: (t["p_met"] >= 0.95) | (t["p_met"] <= 0.05))
    extreme = p.groupby(["source", "assumed"], sort=False).agg(
        targets=("p_met", "size"), extreme=("extreme", "sum"))
    return cover.join(extreme).reset_index()


def _section(title: str, columns: list[str], rows: list[str]) -> list[str]:
    return ["", title, "", "| " + " | ".join(columns) + " |",
            "|" + "---|" * len(columns), *rows]


def markdown(tables: dict[str, pd.DataFrame], command: str, provenance: str = "") -> str:
    """Write the comparison report (markdown)."""
    yes = {True: "yes", False: "**no**"}

    def key(r) -> str:
        return f"| {r.source} | {'yes' if r.assumed else 'no'} |"

    lines = ["# Drawing the assumed parameters: hold-out coverage and target probabilities",
             "· 假设参数抽样:样本外覆盖率与目标概率", "",
             f"Command: `{command}`" + (f" ({provenance})" if provenance else "")]
    lines += _section("## Summary · 汇总", [
        "fitted parameters from", "assumed drawn", "50% band covers", "90% band covers",
        "targets with p ≥ 95% or ≤ 5%"], [
        f"{key(r)} {r.covered_50} of {r.figures} ({r.covered_50 / r.figures:.0%}) "
        f"| {r.covered_90} of {r.figures} ({r.covered_90 / r.figures:.0%}) "
        f"| {r.extreme} of {r.targets} |" for r in summary(tables).itertuples()])
    lines += _section("## Hold-out figures · 样本外数据", [
        "source", "assumed", "region", "indicator", "year", "figure", "25-75%", "5-95%"], [
        f"{key(r)} {r.region} | {r.indicator} | {r.year} | {r.value:.4g}"
        f"{' (floor)' if r.bound == 'at_least' else ''} | {r.q25:.4g}-{r.q75:.4g}"
        f" {yes[r.covered_50]} | {r.q05:.4g}-{r.q95:.4g} {yes[r.covered_90]} |"
        for r in tables["coverage"].itertuples()])
    lines += _section("## R&D intensity of the baseline ensembles [%] · R&D投入强度", [
        "source", "assumed", "region", "year", "5%", "50%", "95%", "min", "max"], [
        f"{key(r)} {r.region} | {r.year} | {r.q05:.2f} | {r.q50:.2f} | {r.q95:.2f}"
        f" | {r.min:.2f} | {r.max:.2f} |" for r in tables["sanity"].itertuples()])
    lines += _section(
        "## What widens the bands: the three draws most rank-correlated with each output"
        " (profile source, assumed drawn; Spearman ρ) · 主要不确定性来源",
        ["region", "indicator", "year", "drivers"],
        [f"| {r.region} | {r.indicator} | {r.year} | {r.drivers} |"
         for r in tables["drivers"].itertuples()])
    lines += ["", "## What each ensemble drew · 抽样说明", ""]
    lines += [f"- {r.scenario}, {r.source}, assumed {'yes' if r.assumed else 'no'}: {r.notes}"
              for r in tables["notes"].itertuples()]
    return "\n".join(lines + ["", __doc__.split("\n\n", 1)[1].strip(), ""])
