"""A planner's own figures and targets, added in the app for one session.

用户数据:在界面中补充的实际数据与修改的目标,只保存在本次会话中。

A figure is a documented outcome the package does not hold yet (a 2024
bulletin, say): indicator, year, value in the indicator's unit, and its
source. A target edit replaces the target of the same indicator and year, or
adds one. Both are checked here, one line naming the problem, and merged into
the frames and target lists the pages already draw; nothing is written to a
file (the package's data stay as shipped).
"""

from __future__ import annotations

import pandas as pd

from simulator import catalogue
from simulator.errors import ScenarioError, did_you_mean
from simulator.levers import as_finite_number
from simulator.scenario import Target

#: Target bounds a planner may choose (``simulator.targets``).
BOUNDS = ("at_least", "at_most", "equal", "approx")
#: Years a figure or a target may have.
YEARS = (1990, 2100)


def _indicator(name: object) -> str:
    names = catalogue.indicators()
    if name not in names:
        raise ScenarioError(
            f"unknown indicator {name!r}{did_you_mean(str(name), names)} (valid: {sorted(names)})"
        )
    return str(name)


def _year(value: object) -> int:
    number = as_finite_number(value, "year")
    if number != int(number) or not YEARS[0] <= number <= YEARS[1]:
        raise ScenarioError(
            f"year must be a whole year from {YEARS[0]} to {YEARS[1]}, got {value!r}"
        )
    return int(number)


def _value(value: object) -> float:
    number = as_finite_number(value, "value")
    if number < 0:
        raise ScenarioError(f"value must not be negative, got {value!r}")
    return float(number)


def check_figure(indicator: object, year: object, value: object, source: object) -> dict:
    """Check a planner's documented figure; return it as a row of :func:`with_figures`.

    Parameters
    ----------
    indicator : str
        Catalogue indicator name (``"high_tech_enterprises"``).
    year : int
    value : float
        In the indicator's unit (亿元, 家, %), not negative.
    source : str
        Where the figure is published (an address or a document); required.

    Raises
    ------
    ScenarioError
        One line naming the problem and the valid choices.

    Examples
    --------
    >>> check_figure("high_tech_enterprises", 2024, 230, "bulletin 2024")["value"]
    230.0
    """
    text = str(source or "").strip()
    if not text:
        raise ScenarioError("source is required: where the figure is published")
    return {"indicator": _indicator(indicator), "year": _year(year), "value": _value(value),
            "source": text[:300]}


def check_target(indicator: object, year: object, value: object, bound: object) -> Target:
    """Check a planner's target (new, or replacing the one of that indicator and year)."""
    if bound not in BOUNDS:
        raise ScenarioError(f"bound {bound!r} is not one of {list(BOUNDS)}")
    return Target(_indicator(indicator), _year(year), _value(value), str(bound),
                  source="")


def with_figures(observed: pd.DataFrame | None, figures: list[dict],
                 region: str | None) -> pd.DataFrame | None:
    """Return documented outcomes with the planner's figures added (they win a same year).

    ``observed`` has the columns of :func:`simulator.report.documented_points`
    (``indicator``, ``year``, ``value_model``, ``bound``, ``weight``, ...).
    """
    if not figures:
        return observed
    rows = pd.DataFrame({
        "region": region, "indicator": [f["indicator"] for f in figures],
        "year": [f["year"] for f in figures], "value": [f["value"] for f in figures],
        "value_model": [f["value"] for f in figures], "kind": "outcome", "bound": "equal",
        "weight": 1.0, "source": [f["source"] for f in figures],
    })
    if observed is None:
        return rows
    mine = set(zip(rows["indicator"], rows["year"]))
    keep = [(i, int(y)) not in mine for i, y in zip(observed["indicator"], observed["year"])]
    return pd.concat([observed[keep], rows], ignore_index=True)


def with_actuals(actuals: pd.DataFrame, figures: list[dict]) -> pd.DataFrame:
    """Return :func:`planning.actuals_frame` rows with the planner's figures (not hold-out)."""
    if not figures:
        return actuals
    rows = pd.DataFrame({
        "indicator": [f["indicator"] for f in figures], "year": [f["year"] for f in figures],
        "value": [f["value"] for f in figures], "holdout": False,
        "source": [f["source"] for f in figures],
    })
    mine = set(zip(rows["indicator"], rows["year"]))
    keep = [(i, int(y)) not in mine for i, y in zip(actuals["indicator"], actuals["year"])]
    out = pd.concat([actuals[keep], rows], ignore_index=True)
    return out.sort_values(["indicator", "year"], kind="stable").reset_index(drop=True)


def with_targets(targets: list[Target], edits: list[Target]) -> list[Target]:
    """Return targets with the planner's edits: same indicator and year replaced, others added."""
    edited = {(t.indicator, t.year): t for t in edits}
    out = [edited.pop((t.indicator, t.year), t) for t in targets]
    return out + list(edited.values())


def add(entries: list, entry) -> list:
    """Return ``entries`` with ``entry``, replacing one of the same indicator and year."""
    key = _key(entry)
    return [e for e in entries if _key(e) != key] + [entry]


def _key(entry) -> tuple[str, int]:
    if isinstance(entry, Target):
        return entry.indicator, entry.year
    return entry["indicator"], entry["year"]

