"""Analyses the app shows: a tornado of the levers' effects on a target, a finished sweep.

分析:各政策杠杆对目标的影响(龙卷风图),以及已完成参数扫描的敏感性与 PRIM 结果。

The tornado moves one lever at a time to its low and its high value (the
scenario's value times ``1 ∓ swing``, inside the lever's valid range) from the
policy year on, all of them in one batch call, and reads the target's
indicator in its year. The sweep view reads a folder written by ``python -m
simulator sweep`` (its manifest and ``analysis/`` tables); it writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simulator import catalogue
from simulator.engine.model import LoadedModel, load_model
from simulator.errors import ScenarioError
from simulator.levers import step_path
from simulator.runner import run_variants
from simulator.scenario import Scenario, Target

#: Default relative swing of each lever around the scenario's value (±50 %).
SWING = 0.5
#: Columns of :func:`tornado`.
TORNADO_COLUMNS = ("lever", "low", "high", "base_value", "at_low", "at_high", "at_base",
                   "effect")


def lever_swing(value: float, entry, swing: float = SWING) -> tuple[float, float]:
    """Return a lever's (low, high) test values: ``value × (1 ∓ swing)`` inside its range.

    A lever at 0 swings to ``swing`` times its model default (or to its valid
    maximum times ``swing`` when the default is 0 too), so that it moves.

    Examples
    --------
    >>> from simulator.catalogue import levers
    >>> lever_swing(0.02, levers()["post_subsidy_rate"])
    (0.01, 0.03)
    """
    low_valid = 0.0 if entry.min is None else entry.min
    high_valid = float("inf") if entry.max is None else entry.max
    centre = value or entry.default or (entry.max or 1.0) * swing
    low = max(low_valid, value - swing * abs(centre)) if value else low_valid
    high = min(high_valid, (value or 0.0) + swing * abs(centre))
    return float(f"{low:.12g}"), float(f"{high:.12g}")


def tornado(
    scenario: Scenario, target: Target, policy_year: int, *, model: LoadedModel | None = None,
    swing: float = SWING, engine: str = "auto",
) -> pd.DataFrame:
    """Return each lever's effect on ``target``'s indicator in its year, largest first.

    Parameters
    ----------
    scenario : Scenario
        The scenario the levers move from (the app's slider scenario).
    target : Target
        Its indicator and year are read; the year must be inside the run.
    policy_year : int
        The levers move from this year on (before it they keep the scenario's path).
    swing : float, default :data:`SWING`
        Relative swing of each lever (:func:`lever_swing`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TORNADO_COLUMNS`: the lever's low, high and scenario
        values [lever unit], the indicator at each [indicator unit], and
        ``effect`` = ``at_high − at_low``; sorted by ``|effect|``, largest first.

    Raises
    ------
    ScenarioError
        If the target's year is outside the run or the policy year outside the horizon.
    """
    model = model or load_model()
    if not scenario.start_year <= target.year <= scenario.end_year:
        raise ScenarioError(
            f"target year {target.year} is outside the run {scenario.start_year}-"
            f"{scenario.end_year}"
        )
    if not scenario.start_year < policy_year <= scenario.end_year:
        raise ScenarioError(
            f"policy year {policy_year} must be after {scenario.start_year} and not after"
            f" {scenario.end_year}"
        )
    entries = catalogue.levers(model)
    variants, rows = [{}], []
    for name, entry in entries.items():
        value = scenario.lever_value(name, scenario.end_year, entry.default)
        low, high = lever_swing(value, entry, swing)
        for moved in (low, high):
            path = step_path(scenario.levers.get(name), policy_year, moved,
                             start_year=scenario.start_year, default=entry.default)
            variants.append({name: path.to_dict()})
        rows.append({"lever": name, "low": low, "high": high, "base_value": value})
    years, values = run_variants(scenario, variants, model=model, engine=engine,
                                 indicators=[target.indicator])
    column = list(years).index(target.year)
    series = values[target.indicator][:, column]
    for i, row in enumerate(rows):
        row.update(at_low=float(series[1 + 2 * i]), at_high=float(series[2 + 2 * i]),
                   at_base=float(series[0]))
        row["effect"] = row["at_high"] - row["at_low"]
    frame = pd.DataFrame(rows, columns=list(TORNADO_COLUMNS))
    order = frame["effect"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def load_sweep(folder: str | Path) -> dict:
    """Read a finished sweep folder's summary, sensitivity indices and PRIM boxes.

    Returns
    -------
    dict
        ``manifest`` (dict), ``targets``, ``sensitivity`` and ``prim``
        (DataFrames from ``analysis/``), ``method`` and ``notes`` (from
        ``analysis/sensitivity.json``).

    Raises
    ------
    ScenarioError
        If the folder does not exist, holds no sweep manifest, or has no
        analysis yet (one line, saying which command writes it).
    """
    from simulator.sweep.analysis import ANALYSIS
    from simulator.sweep.store import read_manifest

    path = Path(str(folder).strip()).expanduser()
    if not path.is_dir():
        raise ScenarioError(f"'{path}' is not a folder: give the --out folder of a sweep")
    manifest = read_manifest(path)
    if manifest is None:
        raise ScenarioError(
            f"'{path}' holds no manifest.json: it is not a folder written by"
            " 'python -m simulator sweep SPEC --out DIR'"
        )
    analysis = path / ANALYSIS
    names = ("targets.csv", "sensitivity.csv", "prim.csv", "sensitivity.json")
    missing = [n for n in names if not (analysis / n).is_file()]
    if missing:
        raise ScenarioError(
            f"'{path}' has no analysis yet ({', '.join(missing)} missing): finish it with"
            f" 'python -m simulator sweep SPEC --out {path} --resume'"
        )

    def table(name: str) -> pd.DataFrame:
        try:
            return pd.read_csv(analysis / name)
        except pd.errors.EmptyDataError:
            return pd.DataFrame()

    try:
        meta = json.loads((analysis / "sensitivity.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        where = analysis / "sensitivity.json"
        raise ScenarioError(f"'{where}' is not readable ({error})") from None
    return {"manifest": manifest, "targets": table("targets.csv"),
            "sensitivity": table("sensitivity.csv"), "prim": table("prim.csv"),
            "method": meta.get("method", manifest.get("method", "")),
            "notes": list(meta.get("notes", []))}


def variable_label(name: str, lang: str) -> str:
    """Return a swept lever's or parameter's label in ``lang`` (the name when uncatalogued)."""
    from simulator.app_logic.scenarios import entry_label

    entries = {**catalogue.parameters(), **catalogue.levers()}
    return entry_label(entries[name], lang) if name in entries else name


def target_label(label: str, lang: str) -> str:
    """Return a sweep's target label (``"rd_intensity@2025"``) as ``"R&D投入强度 2025"``.

    Examples
    --------
    >>> target_label("rd_intensity@2025", "zh"), target_label("gdp@2030", "en")
    ('R&D投入强度 2025', 'GDP 2030')
    """
    from simulator.app_logic.scenarios import entry_label

    indicator, _, year = str(label).partition("@")
    entry = catalogue.indicators().get(indicator)
    return f"{entry_label(entry, lang) if entry else indicator} {year}".strip()


def sensitivity_pivot(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the sensitivity indices one row per (target, variable), one column per index."""
    if frame.empty:
        return frame
    table = frame.assign(target=[target_label(t, lang) for t in frame["target"]],
                         variable=[variable_label(v, lang) for v in frame["variable"]])
    pivot = table.pivot_table(index=["target", "variable"], columns="index", values="value",
                              sort=False)
    pivot.columns.name = None  # not a header of its own
    return pivot.round(3).reset_index()
