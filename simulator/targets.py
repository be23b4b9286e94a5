"""Target tracking: is a planned figure met in its year, by how much, and when first reached.

A target (:class:`simulator.scenario.Target`) says that an indicator should
reach a value in a year, with a bound that records how the plan words it
(``shared/data/README.md``):

``at_least``
    突破/超过/以上: met when the value is at least the target.
``at_most``
    met when the value is at most the target.
``equal``
    达到 X: met when the value reaches the target less ``rtol_equal`` (default
    5%) or exceeds it. Every indicator tracked here is one a plan wants more
    of (R&D, firms, revenue, turnover), so "reach X" is a floor with a small
    allowance for statistical noise; overshooting is met, and the signed gap
    shows by how much. The 5% allowance is a judgement (the issue's
    suggestion), not an estimate; pass another ``rtol_equal`` to change it.
``approx``
    约/左右: the same with ``rtol_approx`` (default 10%), twice the allowance
    because the plan itself hedges the figure (a judgement too).

The year a target is *first reached* is the first simulated year (any year
of the run, also before the target year) in which the condition above
holds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.errors import ScenarioError
from simulator.scenario import Target

BOUNDS = ("equal", "at_least", "at_most", "approx")
#: Relative half-width of the ``equal`` band [fraction of the target].
EQUAL_RTOL = 0.05
#: Relative half-width of the ``approx`` band [fraction of the target].
APPROX_RTOL = 0.10

#: Columns that name a target, shared by the single-run and ensemble tables.
_TARGET_COLUMNS = ("indicator", "label_zh", "label_en", "unit", "year", "bound", "target")
TABLE_COLUMNS = (*_TARGET_COLUMNS, "value", "gap", "gap_pct", "met", "first_year_reached", "source")
ENSEMBLE_COLUMNS = (*_TARGET_COLUMNS, "n", "p_met", "value_q05", "value_q50", "value_q95",
                    "gap_pct_q50", "first_year_reached_q50", "source")


def is_met(
    value,
    target: float,
    bound: str,
    *,
    rtol_equal: float = EQUAL_RTOL,
    rtol_approx: float = APPROX_RTOL,
) -> np.ndarray:
    """Whether values meet a target.

    Parameters
    ----------
    value : float or array_like
        Simulated values [unit of the indicator]; NaN never meets a target.
    target : float
        The planned value [unit of the indicator].
    bound : {"equal", "at_least", "at_most", "approx"}
        How the plan words the figure.
    rtol_equal, rtol_approx : float
        Relative half-widths of the ``equal`` and ``approx`` bands [-].

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``value``.

    Examples
    --------
    >>> is_met([94, 96, 106], 100, "equal").tolist()
    [False, True, True]
    >>> is_met([99, 100], 100, "at_least").tolist()
    [False, True]
    """
    value = np.asarray(value, dtype=float)
    if bound == "at_least":
        return value >= target
    if bound == "at_most":
        return value <= target
    if bound in ("equal", "approx"):
        rtol = rtol_equal if bound == "equal" else rtol_approx
        return value >= target - rtol * abs(target)
    raise ValueError(f"{bound!r} is not a valid bound. It must be one of {list(BOUNDS)}")


def first_year_reached(
    years: np.ndarray, values: np.ndarray, target: Target, **tolerances
) -> np.ndarray:
    """First year in which a target's condition holds, per run.

    Parameters
    ----------
    years : numpy.ndarray
        Output years [year], shape ``(n_years,)``.
    values : numpy.ndarray
        The indicator, shape ``(n_years,)`` or ``(n_runs, n_years)``.
    target : Target
    **tolerances
        ``rtol_equal``/``rtol_approx`` as for :func:`is_met`.

    Returns
    -------
    numpy.ndarray of float
        The year [year], or NaN where the target is never reached; shape
        ``()`` or ``(n_runs,)``.
    """
    met = is_met(values, target.value, target.bound, **tolerances)
    years = np.asarray(years, dtype=float)
    first = np.where(met.any(axis=-1), years[np.argmax(met, axis=-1)], np.nan)
    return first


def _label_columns(indicator: str, entries: dict) -> dict:
    entry = entries[indicator]
    return {
        "indicator": indicator,
        "label_zh": entry.label_zh,
        "label_en": entry.label_en,
        "unit": entry.unit,
    }


def _year_index(years: np.ndarray, year: int) -> int | None:
    hits = np.flatnonzero(np.asarray(years) == year)
    return int(hits[0]) if hits.size else None


def track_targets(frame: pd.DataFrame, targets: Iterable[Target], **tolerances) -> pd.DataFrame:
    """Tabulate the targets of one run.

    Parameters
    ----------
    frame : pandas.DataFrame
        Indicators by year (``Results.frame``: index ``year``).
    targets : iterable of Target
    **tolerances
        ``rtol_equal``/``rtol_approx`` as for :func:`is_met`.

    Returns
    -------
    pandas.DataFrame
        One row per target with columns :data:`TABLE_COLUMNS`: the value in
        the target year, ``gap`` = value − target [unit], ``gap_pct`` =
        100 · gap / |target| [%], ``met`` (False when the target year is
        outside the run, with ``value`` NaN), ``first_year_reached`` [year].

    Raises
    ------
    ScenarioError
        If a target's indicator is not a column of ``frame``.
    """
    entries = catalogue.indicators()
    years = frame.index.to_numpy()
    rows = []
    for target in targets:
        if target.indicator not in frame.columns:
            raise ScenarioError(
                f"target indicator {target.indicator!r} is not in the results (columns:"
                f" {list(frame.columns)})"
            )
        series = frame[target.indicator].to_numpy(dtype=float)
        at = _year_index(years, target.year)
        value = series[at] if at is not None else np.nan
        gap = value - target.value
        rows.append(
            {
                **_label_columns(target.indicator, entries),
                "year": target.year,
                "bound": target.bound,
                "target": target.value,
                "value": value,
                "gap": gap,
                "gap_pct": 100 * gap / abs(target.value) if target.value else np.nan,
                "met": bool(is_met(value, target.value, target.bound, **tolerances)),
                "first_year_reached": first_year_reached(
                    years, series, target, **tolerances
                ).item(),
                "source": target.source,
            }
        )
    return _typed(pd.DataFrame(rows, columns=list(TABLE_COLUMNS)), "first_year_reached")


def track_ensemble(
    years: np.ndarray, values: dict[str, np.ndarray], targets: Iterable[Target], **tolerances
) -> pd.DataFrame:
    """Tabulate the targets of an ensemble: the probability of meeting each target.

    Parameters
    ----------
    years : numpy.ndarray
        Output years [year].
    values : dict of str to numpy.ndarray
        Indicator to an array ``(n_runs, n_years)`` (as from
        :func:`simulator.runner.run_variants` or ``Ensemble.values``).
    targets : iterable of Target
    **tolerances
        ``rtol_equal``/``rtol_approx`` as for :func:`is_met`.

    Returns
    -------
    pandas.DataFrame
        One row per target with columns :data:`ENSEMBLE_COLUMNS`: ``p_met``
        is the fraction of runs that meet the target in its year [-];
        quantiles of the value in that year; the median gap [%]; the median
        first year reached (NaN if fewer than half the runs reach it).
    """
    entries = catalogue.indicators()
    rows = []
    for target in targets:
        if target.indicator not in values:
            raise ScenarioError(
                f"target indicator {target.indicator!r} is not in the results ({sorted(values)})"
            )
        runs = np.asarray(values[target.indicator], dtype=float)
        at = _year_index(years, target.year)
        in_year = runs[:, at] if at is not None else np.full(runs.shape[0], np.nan)
        met = is_met(in_year, target.value, target.bound, **tolerances)
        first = first_year_reached(years, runs, target, **tolerances)
        # The median first year: NaN (never) sorts last, so it is NaN when most runs never reach it.
        first_median = np.sort(np.where(np.isnan(first), np.inf, first))[(len(first) - 1) // 2]
        quantiles = np.quantile(in_year, [0.05, 0.5, 0.95]) if at is not None else [np.nan] * 3
        rows.append(ensemble_row(target, entries, len(in_year), float(met.mean()), quantiles,
                                 first_median))
    return ensemble_table(rows)


def ensemble_row(target: Target, entries: dict, n: int, p_met: float, quantiles,
                 first_median: float) -> dict:
    """One row of :func:`track_ensemble`'s table, from its reductions over the runs.

    ``quantiles``: the 5, 50 and 95% quantiles of the value in the target year;
    ``first_median``: the median first year reached (inf: most runs never reach it).
    Streamed ensembles (:mod:`simulator.ensemble_stream`) build the same rows.
    """
    return {
        **_label_columns(target.indicator, entries),
        "year": target.year,
        "bound": target.bound,
        "target": target.value,
        "n": n,
        "p_met": p_met,
        "value_q05": quantiles[0],
        "value_q50": quantiles[1],
        "value_q95": quantiles[2],
        "gap_pct_q50": 100 * (quantiles[1] - target.value) / abs(target.value)
        if target.value
        else np.nan,
        "first_year_reached_q50": first_median if np.isfinite(first_median) else np.nan,
        "source": target.source,
    }


def ensemble_table(rows: list[dict]) -> pd.DataFrame:
    """Return the table of :func:`track_ensemble` from its rows (:func:`ensemble_row`)."""
    return _typed(pd.DataFrame(rows, columns=list(ENSEMBLE_COLUMNS)), "first_year_reached_q50")


def _typed(table: pd.DataFrame, year_column: str) -> pd.DataFrame:
    table[year_column] = pd.array(
        [None if pd.isna(v) else int(v) for v in table[year_column]], dtype="Int64"
    )
    return table


def format_table(table: pd.DataFrame) -> str:
    """Plain-text rendering of a target table (labels in Chinese and English).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`track_targets` or :func:`track_ensemble`.

    Returns
    -------
    str
    """
    shown = table.drop(columns=["source", "indicator"]).copy()
    shown.insert(0, "indicator", table["label_zh"] + " / " + table["label_en"])
    shown = shown.drop(columns=["label_zh", "label_en"])
    if "met" in shown:
        shown["met"] = shown["met"].map({True: "met 达成", False: "missed 未达成"})
    if "p_met" in shown:
        shown["p_met"] = (100 * shown["p_met"]).map(lambda p: f"{p:.0f}%")
    return shown.to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep="-")
