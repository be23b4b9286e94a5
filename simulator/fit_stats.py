r"""Summary statistics for the historical fit of a simulation.

Each function takes a simulated and an observed series of equal length
(arrays, lists or pandas Series aligned by position) and returns plain floats.
:func:`fit_table` matches a simulation to the observations by region,
indicator and year and reports every series.

Errors are decomposed with Theil's inequality statistics as Sterman sets them
out [1]_:

.. math::

    MSE = (\bar S - \bar A)^2 + (\sigma_S - \sigma_A)^2 + 2 (1 - r)\,\sigma_S \sigma_A

where :math:`\sigma` are standard deviations with divisor *n* (the identity
holds exactly only with that divisor) and *r* is the correlation of simulated
and actual values. Dividing each term by MSE gives U_M (bias),
U_S (unequal variation) and U_C (unequal covariation), which
sum to 1. Most of the error should fall in U_C; a large U_M
or U_S points to a systematic error [1]_.

References
----------
.. [1] Sterman, J.D. (1984). Appropriate summary statistics for evaluating
   the historical fit of system dynamics models. Dynamica 10(2):51-66
   (volume and pages not verified here). Working paper version: MIT System
   Dynamics Group D-3393 (1983), archives.albany.edu.
.. [2] Theil, H. (1958). Economic Forecasts and Policy. North-Holland,
   pp. 31-42 (inequality coefficient U, the form bounded by 0 and 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fit_table", "mape", "r_squared", "rmspe", "theil_decomposition"]

#: Fewest matched points for MAPE/RMSPE, and for R² and the Theil statistics.
MIN_POINTS_ERROR = 2
MIN_POINTS_THEIL = 3


def _pair(simulated, observed) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(simulated, dtype=float).ravel()
    a = np.asarray(observed, dtype=float).ravel()
    if s.shape != a.shape:
        raise ValueError(f"simulated has {s.size} values but observed has {a.size}; "
                         "they must be the same length.")
    if s.size == 0:
        raise ValueError("simulated and observed are empty; at least one pair is needed.")
    for name, x in (("simulated", s), ("observed", a)):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(f"{name} has non-finite values at positions {bad.tolist()}.")
    return s, a


def _relative_errors(simulated, observed) -> np.ndarray:
    s, a = _pair(simulated, observed)
    zero = np.flatnonzero(a == 0)
    if zero.size:
        raise ValueError(f"observed is zero at positions {zero.tolist()}; percentage errors "
                         "are undefined there.")
    return (s - a) / np.abs(a)


def _percentage_error(simulated, observed, *, squared: bool) -> float:
    """Mean (MAPE) or root-mean-square (RMSPE) of the absolute relative errors [%]."""
    errors = np.abs(_relative_errors(simulated, observed))
    return float(100.0 * (np.sqrt(np.mean(errors**2)) if squared else np.mean(errors)))


def mape(simulated, observed) -> float:
    """Mean absolute percentage error.

    Parameters
    ----------
    simulated, observed : array_like
        Paired values in the same unit, observed non-zero.

    Returns
    -------
    float
        ``100 * mean(|S - A| / |A|)`` [%].

    Examples
    --------
    >>> mape([110.0, 90.0], [100.0, 100.0])
    10.0
    """
    return _percentage_error(simulated, observed, squared=False)


def rmspe(simulated, observed) -> float:
    """Root-mean-square percentage error.

    Parameters
    ----------
    simulated, observed : array_like
        As for :func:`mape`.

    Returns
    -------
    float
        ``100 * sqrt(mean(((S - A) / A)**2))`` [%].

    Examples
    --------
    >>> round(rmspe([110.0, 100.0], [100.0, 100.0]), 6)  # 100 * sqrt((0.01 + 0) / 2)
    7.071068
    """
    return _percentage_error(simulated, observed, squared=True)


def _moments(s: np.ndarray, a: np.ndarray):
    sd_s, sd_a = float(np.std(s)), float(np.std(a))  # divisor n, as in [1]
    if sd_s > 0 and sd_a > 0:
        r = float(np.mean((s - s.mean()) * (a - a.mean())) / (sd_s * sd_a))
        r = min(1.0, max(-1.0, r))
    else:
        r = float("nan")
    return sd_s, sd_a, r


def r_squared(simulated, observed) -> float:
    r"""Squared correlation of simulated and observed values, as reported in [1]_.

    It measures how much of the observed variation the simulation tracks and
    ignores bias: ``S = A + c`` gives 1. Read it together with U_M.

    Parameters
    ----------
    simulated, observed : array_like
        Paired values, at least 2.

    Returns
    -------
    float
        r² [dimensionless], NaN when either series is constant.

    Examples
    --------
    >>> r_squared([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    1.0
    """
    s, a = _pair(simulated, observed)
    if s.size < 2:
        raise ValueError(f"r_squared needs at least 2 pairs, got {s.size}.")
    return _moments(s, a)[2] ** 2


def theil_decomposition(simulated, observed) -> tuple[float, float, float, float]:
    r"""Theil's inequality coefficient and the decomposition of the MSE.

    Parameters
    ----------
    simulated, observed : array_like
        Paired values in the same unit.

    Returns
    -------
    U : float
        ``sqrt(MSE) / (sqrt(mean(S**2)) + sqrt(mean(A**2)))`` [2]_, between 0
        (perfect fit) and 1 [dimensionless].
    UM, US, UC : float
        Shares of the MSE due to bias, unequal variation and unequal
        covariation [1]_ [dimensionless]; they sum to 1. All three are NaN
        when MSE = 0 (perfect fit: there is no error to decompose).

    Examples
    --------
    A constant offset is pure bias:

    >>> U, UM, US, UC = theil_decomposition([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    >>> round(UM, 12), round(US, 12), round(UC, 12)
    (1.0, 0.0, 0.0)
    """
    s, a = _pair(simulated, observed)
    mse = float(np.mean((s - a) ** 2))
    if mse == 0.0:
        return 0.0, float("nan"), float("nan"), float("nan")
    sd_s, sd_a, r = _moments(s, a)
    if np.isnan(r):
        r = 0.0  # a constant series has no covariation; its term is then 2*sd_s*sd_a*1 = 0
    um = (s.mean() - a.mean()) ** 2 / mse
    us = (sd_s - sd_a) ** 2 / mse
    uc = 2.0 * (1.0 - r) * sd_s * sd_a / mse
    u = np.sqrt(mse) / (np.sqrt(np.mean(s**2)) + np.sqrt(np.mean(a**2)))
    return float(u), float(um), float(us), float(uc)


_TABLE_COLUMNS = ["region", "indicator", "unit_model", "n", "mape", "rmspe", "r_squared",
                  "theil_u", "um", "us", "uc"]


def _long_simulation(sim_df: pd.DataFrame, region) -> pd.DataFrame:
    long = _as_long(sim_df, region)
    years = pd.to_numeric(long["year"])
    whole = years == years.round()  # e.g. PySD output at 2014.0, 2014.25, ...: keep 2014.0
    long = long[whole].assign(year=years[whole].round().astype("int64"))
    return long


def _as_long(sim_df: pd.DataFrame, region) -> pd.DataFrame:
    needed = {"region", "indicator", "year", "value"}
    if needed.issubset(sim_df.columns):
        long = sim_df[["region", "indicator", "year", "value"]]
        return long.rename(columns={"value": "simulated"})
    if region is None:
        raise ValueError(
            f"sim_df has columns {list(sim_df.columns)!r}: give either a long frame with "
            f"columns {sorted(needed)!r}, or a wide frame indexed by year with one column "
            "per indicator together with region=...")
    wide = sim_df.copy()
    wide.index = wide.index.rename("year")
    long = wide.reset_index().melt(id_vars="year", var_name="indicator", value_name="value")
    long["region"] = region
    return long.rename(columns={"value": "simulated"})


def fit_table(sim_df: pd.DataFrame, obs_df: pd.DataFrame, *, region=None) -> pd.DataFrame:
    """Fit statistics for every observed series that the simulation covers.

    Observations with weight 0 (superseded or excluded), ``at_least`` floors
    and targets are left out; the statistics are unweighted. Simulated values
    at whole years are matched to observed years; other times are ignored.
    The simulation must be in the model's units (``value_model``).

    Parameters
    ----------
    sim_df : pandas.DataFrame
        Either long, with columns ``region``, ``indicator``, ``year``,
        ``value``; or wide, indexed by year with one column per indicator,
        in which case ``region`` must be given.
    obs_df : pandas.DataFrame
        Output of :func:`simulator.data.observations.load_observations` or
        :func:`~simulator.data.observations.load_holdout`.
    region : str, optional
        Region of a wide ``sim_df``.

    Returns
    -------
    pandas.DataFrame
        One row per (region, indicator) with matched points: ``n``, ``mape``
        and ``rmspe`` [%] where n >= 2, ``r_squared``, ``theil_u``, ``um``,
        ``us``, ``uc`` where n >= 3; NaN otherwise.
    """
    sim = _long_simulation(sim_df, region)
    obs = obs_df[(obs_df["weight"] > 0) & (obs_df["bound"] != "at_least")
                 & obs_df["kind"].isin(["outcome", "context"])]
    merged = obs.merge(sim, on=["region", "indicator", "year"], how="inner")
    dup = merged.duplicated(["region", "indicator", "year"])
    if dup.any():
        reg, ind, year = merged.loc[dup, ["region", "indicator", "year"]].iloc[0]
        first = [str(reg), str(ind), int(year)]
        raise ValueError(f"Several rows for {first!r} after matching; give superseded "
                         "observations weight 0 and simulate one value per year.")
    rows = []
    for (reg, ind), grp in merged.groupby(["region", "indicator"], sort=True):
        s, a, n = grp["simulated"].to_numpy(), grp["value_model"].to_numpy(), len(grp)
        row = dict.fromkeys(_TABLE_COLUMNS, float("nan"))
        row.update(region=reg, indicator=ind, unit_model=grp["unit_model"].iloc[0], n=n)
        if n >= MIN_POINTS_ERROR:
            row.update(mape=mape(s, a), rmspe=rmspe(s, a))
        if n >= MIN_POINTS_THEIL:
            u, um, us, uc = theil_decomposition(s, a)
            row.update(r_squared=r_squared(s, a), theil_u=u, um=um, us=us, uc=uc)
        rows.append(row)
    return pd.DataFrame(rows, columns=_TABLE_COLUMNS).astype({"n": "int64"})
