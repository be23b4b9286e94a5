"""The twin-city page's logic: the flows between regions, a per-region comparison, targets.

界面逻辑:成渝双城经济圈页面的区域间流量、分区域比较与各区域目标。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.paths import scenario_file
from simulator.scenario import load_scenario
from simulator.twin_city.regions import REGIONS
from simulator.twin_city.scenario import TwinScenarioRun

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
    path = scenario_file(f"{region}-plan")
    if not path.is_file():
        return []
    return [{"indicator": t.indicator, "year": t.year, "value": t.value,
             "bound": t.bound} for t in load_scenario(path).targets]


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
