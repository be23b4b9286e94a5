"""A sweep over the twin-city coupling strengths, all runs in one batch-engine call.

The single-region sweep machinery (:mod:`simulator.sweep`) runs variants of one
:class:`~simulator.scenario.Scenario`; the circle's strengths are matrices, not
scenario levers, so this module reuses its designs
(:mod:`simulator.sweep.design`) and stacks the runs along the batch engine's
scenario axis instead. Each swept factor multiplies one strength as the
scenario sets it (standing couplings and measures together).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.engine.model import load_model
from simulator.engine.timegrid import time_grid
from simulator.sweep.design import grid, latin_hypercube
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.regions import REGIONS, START_YEAR
from simulator.twin_city.run import (
    STRENGTH_VENSIM,
    TIME_STEP,
    check_strengths,
    lever_inputs,
    run_batch,
)
from simulator.twin_city.scenario import TwinScenario, load, strengths

DESIGNS = {"latin_hypercube": latin_hypercube, "grid": grid}


def sweep_couplings(
    factors: dict[str, tuple[float, float]],
    n: int,
    *,
    scenario: TwinScenario | None = None,
    method: str = "latin_hypercube",
    seed: int = 20261204,
    indicators: tuple[str, ...] = ("high_tech_enterprises", "tech_contract_turnover"),
    year: int | None = None,
) -> pd.DataFrame:
    """Run the scenario with each strength scaled by a factor from a design.

    Parameters
    ----------
    factors : dict
        Strength name (:data:`STRENGTHS`) -> (low, high) multiplier.
    n : int
        Runs (``latin_hypercube``) or levels per factor (``grid``).
    method : {"latin_hypercube", "grid"}
    seed : int
        Seed of the design.
    indicators : tuple of str
        Catalogued indicators to report, per region, in ``year`` (the end year by default).

    Returns
    -------
    pandas.DataFrame
        One row per run: the factors, then ``indicator[region]``.
    """
    scenario = scenario or load()
    if method not in DESIGNS:
        raise ValueError(f"unknown design {method!r} (valid: {sorted(DESIGNS)})")
    for name, bounds in factors.items():
        if name not in STRENGTHS:
            raise ValueError(f"unknown coupling strength {name!r} (valid: {sorted(STRENGTHS)})")
        if len(bounds) != 2 or not 0 <= bounds[0] <= bounds[1]:
            raise ValueError(f"{name}: factors need 0 <= low <= high, got {bounds!r}")
    names = list(factors)
    problem = {"num_vars": len(names), "names": names, "bounds": [factors[k] for k in names]}
    design = DESIGNS[method](problem, n, seed=seed)
    runs = len(design)
    base = strengths(scenario, with_measures=True)
    missing = set(factors) - set(base)
    if missing:
        raise ValueError(f"the scenario sets no {sorted(missing)}: nothing to scale")
    inputs: dict[str, np.ndarray] = {}
    for name, value in base.items():
        dims = 2 if STRENGTHS[name][0] == 2 else 1
        value = value[None] if value.ndim == dims else value  # (1, ...) or (1, n_grid, ...)
        factor = design[:, names.index(name)] if name in factors else np.ones(runs)
        inputs[name] = factor.reshape((runs,) + (1,) * (value.ndim - 1)) * value
    inputs = {STRENGTH_VENSIM[k]: v for k, v in check_strengths(inputs).items()}
    grid_times = time_grid(START_YEAR, scenario.end_year, TIME_STEP)
    for name, path in lever_inputs(grid_times).items():  # (1, n_grid, regions): one per run
        inputs[name] = np.broadcast_to(path, (runs,) + path.shape[1:])
    entries = catalogue.indicators(load_model())
    columns = [entries[i].vensim_name for i in indicators]
    years, out = run_batch(inputs, columns, runs, end_year=scenario.end_year)
    at = list(years).index(year or scenario.end_year)
    table = pd.DataFrame(design, columns=names)
    for indicator, column in zip(indicators, columns):
        for i, region in enumerate(REGIONS):
            table[f"{indicator}[{region}]"] = out[column][:, at, i]
    return table
