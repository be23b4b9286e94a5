"""Time as a planner reads it: the policy year, past and future targets, the latest actuals.

规划时间:政策起始年、已到期与未到期的目标、最新实际数据。

A target whose year is at or before the region's last documented year is
history: it is shown against the documented outcome of that year (met or
missed), not with a simulated value or a probability. Targets after it are
the plan's, still open: they get the simulated value and, on the Uncertainty
page, the probability of meeting them. The policy year (the first year of the
sliders' values) defaults to the first year after the last documented year
and never falls after an open target's year, so that moving a lever changes
the results the plan is judged on.
"""

from __future__ import annotations

import math

import pandas as pd

from simulator import catalogue
from simulator.scenario import Scenario, Target

#: Policy year used when a region has no documented figures: the first year of the
#: 15th Five-Year Plan period (2026-2030).
FALLBACK_POLICY_YEAR = 2026

#: Columns of :func:`actuals_frame`.
ACTUAL_COLUMNS = ("indicator", "year", "value", "holdout", "source")


def actuals_frame(region: str | None) -> pd.DataFrame:
    """Return a region's documented outcomes, fitting years and hold-out years, in model units.

    Parameters
    ----------
    region : str or None
        Lowercase pinyin (``"suining"``); None gives an empty frame.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ACTUAL_COLUMNS`: ``value`` in the model's unit (亿元, 家,
        %), ``holdout`` True for the hold-out rows (``simulator/data/holdout.csv``,
        never fitted). Rows of weight 0 are left out; sorted by indicator and year.
    """
    if not region:
        return pd.DataFrame(columns=list(ACTUAL_COLUMNS))
    from simulator.data.observations import load_holdout, load_observations

    parts = []
    for frame, holdout in ((load_observations(), False), (load_holdout(), True)):
        mine = frame[(frame["region"].str.lower() == region.lower())
                     & (frame["kind"] == "outcome") & (frame["weight"] > 0)]
        parts.append(pd.DataFrame({
            "indicator": mine["indicator"].to_numpy(),
            "year": mine["year"].astype(int).to_numpy(),
            "value": mine["value_model"].astype(float).to_numpy(),
            "holdout": holdout,
            "source": mine["source"].to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["indicator", "year"], kind="stable").reset_index(drop=True)


def last_data_year(actuals: pd.DataFrame) -> int | None:
    """Return the last year with a documented outcome (hold-out years included), or None."""
    return None if actuals.empty else int(actuals["year"].max())


def default_policy_year(scenario: Scenario, last_year: int | None) -> int:
    """Return the policy year a page starts with: after the data, never after an open target.

    Parameters
    ----------
    scenario : Scenario
        The preset or uploaded scenario (its horizon and targets).
    last_year : int or None
        The region's last documented year (:func:`last_data_year`); None uses
        :data:`FALLBACK_POLICY_YEAR`.

    Returns
    -------
    int
        ``last_year + 1``, moved back to the earliest target year after
        ``last_year`` if that comes first, and kept inside the horizon
        (after ``start_year``, not after ``end_year``).

    Examples
    --------
    >>> s = Scenario(name="x", start_year=2018, end_year=2035,
    ...              targets=(Target("gdp", 2025, 1.0),))
    >>> default_policy_year(s, 2023), default_policy_year(s, 2024), default_policy_year(s, None)
    (2024, 2025, 2025)
    """
    year = FALLBACK_POLICY_YEAR if last_year is None else last_year + 1
    ahead = [t.year for t in scenario.targets if last_year is None or t.year > last_year]
    if ahead:
        year = min(year, min(ahead))
    return min(max(year, scenario.start_year + 1), scenario.end_year)


def split_targets(
    targets: list[Target], last_year: int | None
) -> tuple[list[Target], list[Target]]:
    """Split targets into (open, past): past ones have ``year <= last_year``."""
    if last_year is None:
        return list(targets), []
    return ([t for t in targets if t.year > last_year], [t for t in targets if t.year <= last_year])


def targets_before_policy(targets: list[Target], policy_year: int) -> list[Target]:
    """Return the open targets whose year comes before ``policy_year`` (the sliders miss them)."""
    return [t for t in targets if t.year < policy_year]


def actual_in(actuals: pd.DataFrame, indicator: str, year: int) -> float | None:
    """Return the documented outcome of ``indicator`` in ``year`` [model unit], or None."""
    hit = actuals[(actuals["indicator"] == indicator) & (actuals["year"] == year)]
    return None if hit.empty else float(hit["value"].iloc[-1])


def latest_actuals(actuals: pd.DataFrame) -> dict[str, tuple[int, float, bool]]:
    """Return each indicator's latest documented outcome: (year, value, holdout)."""
    out = {}
    for row in actuals.itertuples(index=False):  # sorted by year: the last one wins
        out[row.indicator] = (int(row.year), float(row.value), bool(row.holdout))
    return out


def past_targets_table(past: list[Target], actuals: pd.DataFrame) -> pd.DataFrame:
    """Tabulate past targets against the documented outcome of their year.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator``, ``label_zh``, ``label_en``, ``unit``, ``year``,
        ``bound``, ``target``, ``actual`` (NaN where nothing is documented),
        ``met`` (True, False, or None where nothing is documented) and ``source``.
    """
    from simulator.targets import is_met

    entries = catalogue.indicators()
    # one pass over the outcomes, not one filter a target (the last row of a year wins)
    seen = {(i, int(y)): float(v) for i, y, v in
            zip(actuals["indicator"], actuals["year"], actuals["value"])}
    rows = []
    for target in past:
        entry = entries[target.indicator]
        actual = seen.get((target.indicator, target.year))
        met = None if actual is None else bool(is_met(actual, target.value, target.bound))
        rows.append({
            "indicator": target.indicator, "label_zh": entry.label_zh,
            "label_en": entry.label_en, "unit": entry.unit, "year": target.year,
            "bound": target.bound, "target": target.value,
            "actual": math.nan if actual is None else actual, "met": met,
            "source": target.source,
        })
    columns = ["indicator", "label_zh", "label_en", "unit", "year", "bound", "target",
               "actual", "met", "source"]
    return pd.DataFrame(rows, columns=columns)


def headline_years(open_targets: list[Target], end_year: int) -> list[int]:
    """Years the headline cards may show: the open targets' years, then the end year."""
    return sorted({t.year for t in open_targets if t.year <= end_year}) + (
        [] if any(t.year == end_year for t in open_targets) else [end_year]
    )


def latest_label(latest: tuple[int, float, bool] | None, fmt=None) -> str:
    """Format a latest actual as ``"593 (2023)"`` (``"—"`` when there is none)."""
    if latest is None:
        return "—"
    year, value, _holdout = latest
    return f"{fmt(value) if fmt else f'{value:g}'} ({year})"


def holdout_points(actuals: pd.DataFrame) -> pd.DataFrame:
    """Return the hold-out rows of :func:`actuals_frame` as chart points (``bound`` equal)."""
    rows = actuals[actuals["holdout"]]
    return pd.DataFrame({"indicator": rows["indicator"], "year": rows["year"],
                         "value": rows["value"], "bound": "equal"})


def source_link(source: str) -> str:
    """Return a source as a link: web addresses get ``https://``, files (``seeds/...``) stay.

    Examples
    --------
    >>> source_link("skjj.suining.gov.cn/x.html"), source_link("seeds/002_a.txt")
    ('https://skjj.suining.gov.cn/x.html', 'seeds/002_a.txt')
    """
    if not source or source.startswith(("seeds/", "http://", "https://")):
        return source
    return f"https://{source}"
