"""The twin-city page's logic: flows, per-region comparison, targets, bands, probabilities.

The bands (90%) and the targets' probabilities come from the calibrated uncertainty.

界面逻辑:成渝双城经济圈页面的区域间流量、分区域比较、各区域目标,以及按校准不确定性
抽样得到的各区域 90% 区间与目标达成概率。
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.app_logic.bands import MEMBERS, SEED
from simulator.runner import band_frame
from simulator.twin_city import targets as twin_targets
from simulator.twin_city.ensemble import run_members
from simulator.twin_city.regions import REGIONS
from simulator.twin_city.scenario import TwinScenario, TwinScenarioRun

#: Node positions of the network chart (x east, y north; roughly the map).
POSITIONS = {
    "chengdu": (0.0, 0.6), "suining": (0.45, 0.55), "hechuan": (0.75, 0.45),
    "chongqing_core": (1.0, 0.3), "yibin": (0.25, 0.0), "ningxia": (0.55, 1.0),
}


def contract_edges(run: TwinScenarioRun, year: int, *, measures: bool = True,
                   minimum: float = 1e-9) -> pd.DataFrame:
    """Return one row per seller-buyer pair with contracts in ``year`` [亿元/Year].

    Columns ``seller``, ``buyer``, ``value``, and the positions ``x``, ``y``,
    ``x2``, ``y2`` of the two ends (for a line chart of the network).
    """
    results = run.with_measures if measures else run.without
    years = list(results.frames[REGIONS[0]].index)
    if year not in years:
        raise ValueError(f"year {year} is not in the run ({years[0]}-{years[-1]})")
    matrix = results.contracts[years.index(year)]
    rows = []
    for i, seller in enumerate(REGIONS):
        for j, buyer in enumerate(REGIONS):
            if matrix[i, j] > minimum:
                (x, y), (x2, y2) = POSITIONS[seller], POSITIONS[buyer]
                rows.append({"seller": seller, "buyer": buyer, "value": float(matrix[i, j]),
                             "x": x, "y": y, "x2": x2, "y2": y2})
    return pd.DataFrame(rows, columns=["seller", "buyer", "value", "x", "y", "x2", "y2"])


def nodes(run: TwinScenarioRun, year: int, indicator: str = "tech_contract_turnover"
          ) -> pd.DataFrame:
    """Return each region's position and its ``indicator`` in ``year`` (with the measures)."""
    return pd.DataFrame([
        {"region": r, "x": POSITIONS[r][0], "y": POSITIONS[r][1],
         "value": float(run.with_measures.frames[r].loc[year, indicator])}
        for r in REGIONS
    ])


def comparison(run: TwinScenarioRun, indicator: str) -> pd.DataFrame:
    """Return ``indicator`` by year and region, without and with the measures (long form)."""
    parts = []
    for label, results in (("without", run.without), ("with", run.with_measures)):
        frame = results.indicator(indicator).rename_axis("year").reset_index()
        long = frame.melt(id_vars="year", var_name="region", value_name="value")
        long["run"] = label
        parts.append(long)
    return pd.concat(parts, ignore_index=True)


def region_targets(region: str) -> list[dict]:
    """Return the targets of ``region``'s plan scenario (none for Chongqing's core)."""
    return [{"indicator": t.indicator, "year": t.year, "value": t.value,
             "bound": t.bound} for t in twin_targets.region_targets(region)]


def targets_table(run: TwinScenarioRun) -> pd.DataFrame:
    """Return each region's plan targets beside the circle's value with and without measures.

    Targets in years the run does not reach are left out; values are NaN when
    the target's indicator is not reported.
    """
    rows = []
    for region in REGIONS:
        for target in region_targets(region):
            frame = run.with_measures.frames[region]
            if target["year"] not in frame.index:
                continue
            name = target["indicator"]
            have = name in frame.columns
            rows.append({
                "region": region, **target,
                "without": float(run.without.frames[region].loc[target["year"], name])
                if have else np.nan,
                "with": float(frame.loc[target["year"], name]) if have else np.nan,
            })
    return pd.DataFrame(rows)


#: Chongqing's core is no plan region of the catalogue: its names here.
_CHONGQING = {"zh": "重庆(主城)", "en": "Chongqing (core)"}


def region_name(region: str, lang: str = "zh") -> str:
    """Return a region's name in ``lang`` ("zh" or "en")."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r} (valid: 'zh', 'en')")
    if region == "chongqing_core":
        return _CHONGQING[lang]
    names = catalogue.regions()
    if region not in names:
        raise ValueError(f"unknown region {region!r} (valid: {list(REGIONS)})")
    return names[region][lang]


@dataclass(frozen=True)
class CircleEnsemble:
    """Members of the circle drawn from each region's calibrated uncertainty, paired runs.

    ``runs`` maps ``"without"``/``"with"`` (the measures) to the years and, per
    indicator, an array ``(members, years, regions)``; the same seed draws the
    same members for both.
    """

    n: int
    seed: int
    runs: dict


def circle_ensemble(n: int = MEMBERS, seed: int = SEED, scenario: TwinScenario | None = None,
                    indicators: tuple[str, ...] | None = None) -> CircleEnsemble:
    """Run ``n`` members of the circle without and with the measures (all indicators by default).

    The members are drawn as each region's own ensemble draws them (its
    calibration profile; :mod:`simulator.twin_city.ensemble`), the number and
    seed of the single-region pages' bands by default.
    """
    indicators = tuple(indicators or catalogue.indicators())
    return CircleEnsemble(n=n, seed=seed, runs={
        label: run_members(n, seed=seed, scenario=scenario, measures=label == "with",
                           indicators=indicators) for label in twin_targets.RUNS})


def region_bands(ensemble: CircleEnsemble, indicator: str, low: float = 0.05,
                 high: float = 0.95, lang: str = "zh") -> pd.DataFrame:
    """Return each region's band of ``indicator`` without and with the measures (long form).

    Columns ``region``, ``name`` (in ``lang``), ``run``, ``year``, ``low``,
    ``median``, ``high`` (the 5% and 95% quantiles by default: a 90% band, as on
    the single-region pages).
    """
    parts = []
    for label, (years, values) in ensemble.runs.items():
        if indicator not in values:
            raise ValueError(f"indicator {indicator!r} is not in the ensemble"
                             f" (valid: {sorted(values)})")
        for i, region in enumerate(REGIONS):
            band = band_frame(years, values[indicator][:, :, i], low, high)
            parts.append(band.assign(region=region, name=region_name(region, lang), run=label))
    return pd.concat(parts, ignore_index=True)[
        ["region", "name", "run", "year", "low", "median", "high"]]


def target_probabilities(ensemble: CircleEnsemble, lang: str = "zh") -> pd.DataFrame:
    """Return one row per region's plan target: its probability without and with the measures.

    Columns ``region`` (the region's name in ``lang``), ``indicator`` (the
    label in ``lang``), ``unit``, ``year``, ``bound``, ``target``,
    ``p_met_without``, ``p_met_with`` [%] and the medians ``value_q50_without``,
    ``value_q50_with``.
    """
    wide = twin_targets.side_by_side(twin_targets.track_values(ensemble.runs))
    wide["region"] = [region_name(r, lang) for r in wide["region"]]
    wide["indicator"] = wide[f"label_{lang}"]
    for label in twin_targets.RUNS:
        wide[f"p_met_{label}"] = (100 * wide[f"p_met_{label}"]).round(1)
    return wide.drop(columns=["label_zh", "label_en"])
