"""Checks of a run: signs, conservation, analytic decay, time-step convergence, shapes.

Each check returns a table (a :class:`pandas.DataFrame`) or ``(ok, detail)``,
after ``shared/research/model-evidence.md`` section (b) (invariants) and
section (c) (numerics: DT halving, mass-balance residual).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.engine.model import LoadedModel, load_model
from simulator.scenario import Scenario
from simulator.validation.runs import run_scenario_frame


def sign_report(frame: pd.DataFrame, names: list[str] | None = None, *,
                rtol: float = 1e-12) -> pd.DataFrame:
    """Finiteness and non-negativity of variables over a run.

    Parameters
    ----------
    frame : pandas.DataFrame
        A run (one column per variable).
    names : list of str, optional
        Columns to check; all when omitted.
    rtol : float, default 1e-12
        A value counts as negative below ``-rtol * max|x|`` over the run, so
        that float rounding of a stock emptied exactly (e.g. by the
        certificate conveyor) is not reported.

    Returns
    -------
    pandas.DataFrame
        Index: variable; columns ``finite`` (bool), ``minimum``,
        ``first_bad_time`` (NaN when fine) and ``ok``.
    """
    rows = {}
    for name in names or list(frame.columns):
        values = frame[name].to_numpy(dtype=float)
        finite = np.isfinite(values)
        scale = np.max(np.abs(values[finite]), initial=0.0)
        bad = ~finite | (values < -rtol * max(scale, 1.0))
        rows[name] = {
            "finite": bool(finite.all()),
            "minimum": float(np.min(values[finite], initial=math.inf)),
            "first_bad_time": float(frame.index[np.argmax(bad)]) if bad.any() else math.nan,
            "ok": not bad.any(),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def conservation_residual(frame: pd.DataFrame) -> pd.DataFrame:
    """Mass balance of the firm cultivation chain.

    ``Firms in cultivation chain(t) - Firms in cultivation chain(t0)`` must
    equal ``Cumulative firm entries(t) - Cumulative firm exits(t)``: every
    flow between the chain's stocks debits one stock and credits another.

    Parameters
    ----------
    frame : pandas.DataFrame
        A run with the three columns named above.

    Returns
    -------
    pandas.DataFrame
        Indexed by time: ``chain_change``, ``net_entries``, ``residual``
        [家] and ``relative`` (residual over the largest of the chain, the
        entries and the exits, at least 1 firm).
    """
    chain = frame["Firms in cultivation chain"].to_numpy(dtype=float)
    entries = frame["Cumulative firm entries"].to_numpy(dtype=float)
    exits = frame["Cumulative firm exits"].to_numpy(dtype=float)
    change = chain - chain[0]
    net = entries - exits
    scale = np.maximum.reduce([np.abs(chain), np.abs(chain[0]) + 0 * chain, entries, exits,
                               np.ones_like(chain)])
    return pd.DataFrame(
        {"chain_change": change, "net_entries": net, "residual": change - net,
         "relative": (change - net) / scale},
        index=frame.index,
    )


def rd_capital_decay(k0: float, delta: float, t):
    """R&D capital with zero R&D expenditure, analytically: ``k0 * exp(-delta*t)``.

    The model integrates R&D capital with an exact step factor (``RD capital
    step factor``), so this holds at grid times for any time step.

    Parameters
    ----------
    k0 : float
        Initial R&D capital [亿元].
    delta : float
        Depreciation rate [1/Year].
    t : float or array_like
        Time since the start [Year].
    """
    return k0 * np.exp(-delta * np.asarray(t, dtype=float))


def dt_convergence(
    scenario: Scenario,
    overrides: dict | None = None,
    *,
    indicators: tuple[str, ...] = catalogue.KEY_INDICATORS,
    engine: str = "batch",
    model: LoadedModel | None = None,
) -> pd.DataFrame:
    """Final-year indicators at the scenario's time step and at half of it.

    The change is measured against the indicator's scale, its largest absolute
    value over either run, as Ford (ch. 11) compares whole runs: relative to
    the final value alone a stock that decays over many time constants fails
    although the run is accurate (Euler's relative error grows as k^2 dt t / 2:
    tech SMEs with no new firms fall from 8000 to about 3 by 2035 and differ
    by 12% between DT 0.25 and 0.125, an absolute 0.4 firms, 5e-5 of the scale).

    Returns
    -------
    pandas.DataFrame
        Index: indicator; columns ``dt``, ``half_dt`` (final-year values),
        ``scale`` and ``relative_change`` = ``|half_dt - dt| / scale`` (0 when
        both runs are 0 throughout; NaN when a run is not finite).
    """
    coarse, fine = (key_indicator_run(scenario, dt, overrides, indicators=indicators,
                                      engine=engine, model=model)
                    for dt in (scenario.time_step, scenario.time_step / 2))
    return compare_runs(coarse, fine)


def key_indicator_run(scenario: Scenario, time_step: float, overrides: dict | None = None, *,
                      indicators: tuple[str, ...] = catalogue.KEY_INDICATORS,
                      engine: str = "batch", model: LoadedModel | None = None) -> pd.DataFrame:
    """Yearly values of indicators (Python names as columns) at a given time step."""
    model = model or load_model()
    entries = catalogue.indicators(model)
    columns = [entries[name].vensim_name for name in indicators]
    frame = run_scenario_frame(scenario, overrides, time_step=time_step, saveper=1.0,
                               columns=columns, engine=engine, model=model)
    return frame[columns].set_axis(list(indicators), axis=1)


def compare_runs(coarse: pd.DataFrame, fine: pd.DataFrame) -> pd.DataFrame:
    """Final-year change between two runs of the same indicators (see :func:`dt_convergence`)."""
    rows = {}
    for name in coarse.columns:
        a, b = float(coarse[name].iloc[-1]), float(fine[name].iloc[-1])
        scale = max(float(np.nanmax(np.abs(frame[name].to_numpy(dtype=float))))
                    for frame in (coarse, fine))
        # NaN (a non-finite run) stays NaN, so that no check passes it
        change = abs(b - a) / scale if scale != 0 else abs(b - a)
        rows[name] = {"dt": a, "half_dt": b, "scale": scale, "relative_change": change}
    return pd.DataFrame.from_dict(rows, orient="index")


def monotone(series: pd.Series, direction: str, rtol: float = 1e-9) -> tuple[bool, str]:
    """Whether a time series never moves against ``direction``.

    ``direction`` is ``"non-increasing"`` or ``"non-decreasing"``; a step
    against it up to ``rtol`` times the series' largest value is float noise
    (a stock emptied in one step rounds to about +-1e-12 of its scale).
    Returns ``(ok, detail)`` with the first offending time in ``detail``.
    """
    values = series.to_numpy(dtype=float)
    steps = np.diff(values) * (1 if direction == "non-increasing" else -1)
    tolerance = rtol * max(np.max(np.abs(values)), 1.0)
    bad = ~np.isfinite(values[1:]) | (steps > tolerance)
    if not bad.any():
        return True, f"{direction} over {len(values)} steps"
    i = int(np.argmax(bad))
    return False, (f"{series.name} moved from {values[i]!r} to {values[i + 1]!r}"
                   f" at t={series.index[i + 1]}")


def emptied_after(series: pd.Series, time: float, atol_share: float = 1e-9) -> tuple[bool, str]:
    """Whether a stock is zero (to ``atol_share`` of its start) from ``time`` on."""
    values = series.to_numpy(dtype=float)
    after = series.index.to_numpy() >= time - 1e-9
    tolerance = atol_share * max(abs(values[0]), 1.0)
    left = np.abs(values[after])
    if np.all(left <= tolerance):
        return True, f"zero from t={time}"
    i = int(np.argmax(left > tolerance))
    return False, f"{series.name} = {values[after][i]!r} at t={series.index[after][i]}"
