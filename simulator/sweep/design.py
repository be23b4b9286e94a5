"""Designs: the table of lever and parameter values a sweep runs, generated once from a seed.

One function per method, SALib style: each takes the SALib ``problem``
(``names`` and ``bounds``), a size and a seed, and returns an array of shape
``(runs, variables)``. :func:`make_design` picks one from a spec. The design
is generated in full before any run and only then split into chunks, so
results do not depend on the chunk size, the worker count or the backend.

References
----------
.. [1] McKay, M. D., Beckman, R. J., Conover, W. J. (1979). A comparison of
   three methods for selecting values of input variables in the analysis of
   output from a computer code. Technometrics 21(2):239-245.
   https://doi.org/10.2307/1268522 (Latin hypercube).
.. [2] Saltelli, A. et al. (2010). Variance based sensitivity analysis of
   model output. Computer Physics Communications 181(2):259-270.
   https://doi.org/10.1016/j.cpc.2009.09.018 (Sobol' design).
.. [3] Morris, M. D. (1991). Factorial sampling plans for preliminary
   computational experiments. Technometrics 33(2):161-174.
   https://doi.org/10.1080/00401706.1991.10484804 (elementary effects).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy.stats import qmc


def _scale(unit: np.ndarray, problem: dict) -> np.ndarray:
    bounds = np.asarray(problem["bounds"], dtype=float)
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1]) if len(unit) else unit


def grid(problem: dict, levels: int, *, seed: int | None = None) -> np.ndarray:
    """Full factorial grid with ``levels`` evenly spaced values per variable (bounds included).

    ``seed`` is accepted for a uniform signature and not used (a grid is not random).

    Returns
    -------
    numpy.ndarray
        Shape ``(levels ** d, d)``; the last variable changes fastest.
    """
    axes = [np.linspace(low, high, levels) for low, high in problem["bounds"]]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


def latin_hypercube(problem: dict, n: int, *, seed: int) -> np.ndarray:
    """Latin hypercube of ``n`` runs (``scipy.stats.qmc.LatinHypercube``) [1]_."""
    sampler = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed))
    return _scale(sampler.random(n), problem)


def monte_carlo(problem: dict, n: int, *, seed: int) -> np.ndarray:
    """Independent uniform draws, ``n`` runs (``numpy.random.default_rng(seed)``)."""
    rng = np.random.default_rng(seed)
    return _scale(rng.random((n, problem["num_vars"])), problem)


def sobol(problem: dict, n: int, *, seed: int) -> np.ndarray:
    """Saltelli's design for first-order and total Sobol' indices [2]_, ``n·(d+2)`` runs.

    Uses ``SALib.sample.sobol.sample`` without second-order terms; ``n`` must be
    a power of 2.
    """
    from SALib.sample import sobol as salib_sobol

    return salib_sobol.sample(problem, n, calc_second_order=False, seed=seed)


def morris(problem: dict, n: int, *, seed: int, num_levels: int = 4) -> np.ndarray:
    """Morris trajectories [3]_: ``n`` trajectories of ``d+1`` runs (``SALib.sample.morris``)."""
    from SALib.sample import morris as salib_morris

    return salib_morris.sample(problem, n, num_levels=num_levels, seed=seed)


def make_design(spec) -> pd.DataFrame:
    """Generate the design of a sweep spec: one row per run, one column per variable.

    Parameters
    ----------
    spec : SweepSpec

    Returns
    -------
    pandas.DataFrame
        Index ``run`` (0, 1, ...); columns the variable names [their units].
    """
    problem = spec.problem()
    if spec.method == "grid":
        values = grid(problem, spec.size)
    elif spec.method == "morris":
        values = morris(problem, spec.size, seed=spec.seed, num_levels=spec.num_levels)
    else:
        values = {"latin_hypercube": latin_hypercube, "monte_carlo": monte_carlo, "sobol": sobol}[
            spec.method
        ](problem, spec.size, seed=spec.seed)
    frame = pd.DataFrame(np.asarray(values, dtype=float), columns=problem["names"])
    frame.index = pd.RangeIndex(len(frame), name="run")
    return frame


def design_sha256(design: pd.DataFrame) -> str:
    """SHA-256 of the design's names and values (to check a resumed sweep is the same one)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(design.columns).encode("utf-8"))
    digest.update(np.ascontiguousarray(design.to_numpy(dtype=float)).tobytes())
    return digest.hexdigest()
