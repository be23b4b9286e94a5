"""The regions' plan targets in the twin-city circle: met or not, how likely, with or without.

"With" and "without" are the collaboration measures of the twin-city scenario.

Each seed region's targets are those of its plan scenario (``<region>-plan.yaml``);
Chongqing's core has none. A target is tracked on the circle's run of that region
(:func:`simulator.targets.track_targets`), or over an ensemble of the circle
(:func:`simulator.targets.track_ensemble`: the share of members meeting it), once
with the standing couplings alone and once with the measures too; the same seed
draws the same members for both, so the two probabilities are paired.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.paths import scenario_file
from simulator.scenario import Target, load_scenario
from simulator.targets import track_ensemble, track_targets
from simulator.twin_city.ensemble import run_members
from simulator.twin_city.regions import REGIONS
from simulator.twin_city.scenario import TwinScenario, TwinScenarioRun, load

#: The two runs of a twin-city scenario, as labelled in the tables.
RUNS = ("without", "with")


def region_targets(region: str) -> list[Target]:
    """Return the targets of ``region``'s plan scenario (none for Chongqing's core)."""
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r} (valid: {list(REGIONS)})")
    path = scenario_file(f"{region}-plan")
    return list(load_scenario(path).targets) if path.is_file() else []


def all_targets() -> dict[str, list[Target]]:
    """Return each region's plan targets, regions without any left out."""
    return {r: t for r in REGIONS if (t := region_targets(r))}


def target_indicators() -> tuple[str, ...]:
    """Return the indicators any region's plan targets, sorted."""
    return tuple(sorted({t.indicator for ts in all_targets().values() for t in ts}))


def _stack(tables: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    parts = [table.assign(region=region, run=run) for (region, run), table in tables.items()]
    frame = pd.concat(parts, ignore_index=True)
    first = ["region", "run"]
    return frame[first + [c for c in frame.columns if c not in first]]


def track_run(run: TwinScenarioRun) -> pd.DataFrame:
    """Tabulate each region's targets on one run of the circle, without and with the measures.

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``run`` (``without``/``with``) and those of
        :data:`simulator.targets.TABLE_COLUMNS`; targets in years outside the
        run have ``value`` NaN and ``met`` False.
    """
    tables = {}
    for region, targets in all_targets().items():
        for label, results in zip(RUNS, (run.without, run.with_measures)):
            tables[region, label] = track_targets(results.frames[region], targets)
    return _stack(tables)


def track_members(n: int, seed: int, scenario: TwinScenario | None = None) -> pd.DataFrame:
    """Tabulate each region's targets over ``n`` members of the circle, without and with measures.

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``run`` and those of
        :data:`simulator.targets.ENSEMBLE_COLUMNS` (``p_met``: the share of
        members meeting the target in its year).
    """
    runs = {label: run_members(n, seed=seed, scenario=scenario or load(),
                               measures=label == "with", indicators=target_indicators())
            for label in RUNS}
    return track_values(runs)


def track_values(runs: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """Tabulate each region's targets over members already run.

    Parameters
    ----------
    runs : dict
        ``"without"``/``"with"`` -> (years, indicator -> ``(n, years, regions)``), as
        :func:`simulator.twin_city.ensemble.run_members` returns; every target
        indicator among them.
    """
    tables = {}
    for region, region_targets_ in all_targets().items():
        i = REGIONS.index(region)
        for label in RUNS:
            years, out = runs[label]
            values = {t.indicator: out[t.indicator][:, :, i] for t in region_targets_}
            tables[region, label] = track_ensemble(years, values, region_targets_)
    return _stack(tables)


def side_by_side(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per target: its figures without and with the measures side by side.

    For a single run the values and ``met``; for an ensemble ``p_met`` and the
    median value.
    """
    shown = ["p_met", "value_q50"] if "p_met" in table else ["value", "met"]
    keys = ["region", "indicator", "label_zh", "label_en", "unit", "year", "bound", "target"]
    without, with_ = (table[table["run"] == label].reset_index(drop=True) for label in RUNS)
    if not without[keys].equals(with_[keys]):  # both runs track the same targets, in order
        raise ValueError("the two runs of the table track different targets")
    wide = without[keys].copy()
    for label, part in zip(RUNS, (without, with_)):
        for column in shown:
            wide[f"{column}_{label}"] = part[column]
    return wide


def format_side_by_side(table: pd.DataFrame) -> str:
    """Plain-text rendering of :func:`side_by_side` (labels in Chinese and English)."""
    shown = side_by_side(table)
    shown.insert(1, "target_of", shown["label_zh"] + " / " + shown["label_en"])
    shown = shown.drop(columns=["indicator", "label_zh", "label_en"])
    for column in [c for c in shown if c.startswith("met_")]:
        shown[column] = shown[column].map({True: "met 达成", False: "missed 未达成"})
    for column in [c for c in shown if c.startswith("p_met_")]:
        shown[column] = (100 * shown[column]).map(lambda p: f"{p:.0f}%")
    return shown.to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep="-")
