"""PRIM: find a box of input ranges in which an outcome (a target met) is likely.

The Patient Rule Induction Method [1]_ peels the box that holds all runs, one
small slice at a time: at each step it tries removing the ``alpha`` share of
the runs still inside at the low or the high end of each variable, and keeps
the peel that leaves the highest share of successes. It stops when no peel
raises that share or the box would hold fewer than ``min_mass`` of the runs.
Of the boxes on this peeling trajectory, :func:`prim_box` returns the one with
the highest density (share of successes inside), the largest such box on ties.

References
----------
.. [1] Friedman, J. H., Fisher, N. I. (1999). Bump hunting in
   high-dimensional data. Statistics and Computing 9(2):123-143.
   https://doi.org/10.1023/A:1008894516817
"""

from __future__ import annotations

import math

import numpy as np


def _peels(x: np.ndarray, inside: np.ndarray, alpha: float):
    """Candidate peels: (variable, side, threshold, new inside mask)."""
    for j in range(x.shape[1]):
        values = np.sort(x[inside, j])
        k = max(1, math.floor(alpha * len(values)))
        if k >= len(values):
            continue
        low = values[k] if values[k] > values[0] else values[values > values[0]].min(initial=np.inf)
        if np.isfinite(low):
            yield j, "low", low, inside & (x[:, j] >= low)
        high = (
            values[-k - 1]
            if values[-k - 1] < values[-1]
            else values[values < values[-1]].max(initial=-np.inf)
        )
        if np.isfinite(high):
            yield j, "high", high, inside & (x[:, j] <= high)


def peel(x, y, *, alpha: float = 0.05, min_mass: float = 0.05) -> list[dict]:
    """Peel a box step by step and return the trajectory.

    Parameters
    ----------
    x : array_like
        Inputs, shape ``(n_runs, n_variables)``.
    y : array_like of bool
        Whether each run succeeded (e.g. met a target).
    alpha : float
        Share of the runs inside removed per peel [-], in (0, 0.5).
    min_mass : float
        Smallest share of all runs a box may hold [-], in (0, 1].

    Returns
    -------
    list of dict
        Per step: ``low`` and ``high`` (arrays of the box edges), ``mass``
        (share of runs inside), ``density`` (share of successes inside) and
        ``coverage`` (share of all successes that are inside).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError(
            f"x must be (n_runs, n_variables) and y (n_runs,), got {x.shape} and {y.shape}"
        )
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie in (0, 0.5), got {alpha!r}")
    if not 0 < min_mass <= 1:
        raise ValueError(f"min_mass must lie in (0, 1], got {min_mass!r}")
    n, total = len(y), max(int(y.sum()), 1)
    low, high = x.min(axis=0), x.max(axis=0)
    inside = np.ones(n, dtype=bool)

    def step() -> dict:
        return {
            "low": low.copy(),
            "high": high.copy(),
            "mass": inside.sum() / n,
            "density": float(y[inside].mean()),
            "coverage": float(y[inside].sum() / total),
        }

    trajectory = [step()]
    while trajectory[-1]["density"] < 1.0:
        best = None
        for j, side, threshold, candidate in _peels(x, inside, alpha):
            if candidate.sum() < min_mass * n or not candidate.any():
                continue
            density = y[candidate].mean()
            if best is None or density > best[0]:
                best = (density, j, side, threshold, candidate)
        if best is None or best[0] <= trajectory[-1]["density"]:
            break
        _, j, side, threshold, inside = best
        if side == "low":
            low[j] = threshold
        else:
            high[j] = threshold
        trajectory.append(step())
    return trajectory


def prim_box(x, y, names: list[str], *, alpha: float = 0.05, min_mass: float = 0.05) -> dict:
    """Return the densest box on the peeling trajectory, with its restricted ranges.

    Parameters
    ----------
    x, y, alpha, min_mass
        As for :func:`peel`.
    names : list of str
        Variable names, in the order of the columns of ``x``.

    Returns
    -------
    dict
        ``ranges``: for each restricted variable, ``[low, high]``;
        ``mass``, ``density``, ``coverage`` of the box; ``base_density`` (the
        share of successes among all runs); ``steps`` (peels taken).
    """
    trajectory = peel(x, y, alpha=alpha, min_mass=min_mass)
    best = max(range(len(trajectory)), key=lambda i: (trajectory[i]["density"], -i))
    box, full = trajectory[best], trajectory[0]
    ranges = {
        name: [float(box["low"][j]), float(box["high"][j])]
        for j, name in enumerate(names)
        if box["low"][j] > full["low"][j] or box["high"][j] < full["high"][j]
    }
    return {
        "ranges": ranges,
        "mass": float(box["mass"]),
        "density": box["density"],
        "coverage": box["coverage"],
        "base_density": full["density"],
        "steps": best,
    }
