"""Ensembles of the twin-city circle: each region's uncertain parameters drawn as for one region.

Each region's draws come from :func:`simulator.ensemble.draw_parameters` on its
baseline scenario (its calibration profile), with the region's own seed
(``seed + index``), exactly as that region's single-region ensemble would draw
them; Chongqing's core draws Chengdu's profile (the region it is ``like``)
but keeps its own documented, derived and assumed values fixed. All members run
in one batch-engine call, a ``(N, regions)`` value per drawn constant. Each
member's regions first run alone from their own base years with its draws
(:func:`simulator.twin_city.handoff.start_state`), and hand their state over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.engine.model import load_model
from simulator.engine.timegrid import time_grid
from simulator.ensemble import draw_parameters
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.generate import region_constants
from simulator.twin_city.handoff import paths_on, start_state
from simulator.twin_city.mdl_text import canonical
from simulator.twin_city.regions import REGIONS, START_YEAR, baseline, chongqing_core
from simulator.twin_city.run import STRENGTH_VENSIM, TIME_STEP, lever_inputs, run_batch
from simulator.twin_city.scenario import TwinScenario, load, strengths


def region_draws(n: int, seed: int) -> dict[str, list[dict[str, float]]]:
    """Return per region ``n`` parameter sets (Python names), drawn as for that region alone."""
    fixed = set(chongqing_core()["parameters"])
    out = {}
    for index, region in enumerate(REGIONS):
        draws, _, _ = draw_parameters(baseline(region), n, seed + index)
        if region == "chongqing_core":
            draws = [{k: v for k, v in d.items() if k not in fixed} for d in draws]
        out[region] = draws
    return out


def run_members(n: int, *, seed: int = 20261204, scenario: TwinScenario | None = None,
                measures: bool = True, indicators: tuple[str, ...] = ("high_tech_enterprises",)
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``n`` members of the circle; return the years and per indicator ``(n, years, regions)``.

    The same ``seed`` draws the same parameters with and without the measures,
    so the two runs are paired member by member.
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"an ensemble needs a whole number of members >= 1, got {n!r}")
    scenario = scenario or load()
    core = load_model()
    vensim = {py: info.vensim_name for py, info in core.variables.items()}
    entries = catalogue.indicators(core)
    for name in indicators:
        if name not in entries:
            raise ValueError(f"unknown indicator {name!r} (valid: {sorted(entries)})")
    start = region_constants()
    draws = region_draws(n, seed)
    inputs: dict[str, np.ndarray] = {}
    for name in sorted({k for d in draws.values() for member in d for k in member}):
        column = np.array(start[canonical(vensim[name])], dtype=float)
        values = np.tile(column, (n, 1))
        for i, region in enumerate(REGIONS):
            for m, member in enumerate(draws[region]):
                if name in member:
                    values[m, i] = member[name]
        inputs[vensim[name]] = values
    for name, value in strengths(scenario, with_measures=measures).items():
        path = value.ndim > STRENGTHS[name][0]  # (1, n_grid, ...) rather than a constant
        inputs[STRENGTH_VENSIM[name]] = np.broadcast_to(
            value, (n,) + (value.shape[1:] if path else value.shape))
    grid = time_grid(START_YEAR, scenario.end_year, TIME_STEP)
    for name, path in lever_inputs(grid).items():
        inputs[name] = np.broadcast_to(path, (n,) + path.shape[1:])
    # each member's regions run alone from their base years with its draws, to hand over
    constants, paths = start_state(draws)
    inputs.update(constants)
    inputs.update(paths_on(grid, paths))
    columns = {i: entries[i].vensim_name for i in indicators}
    years, out = run_batch(inputs, list(dict.fromkeys(columns.values())), n,
                           end_year=scenario.end_year)
    return years, {i: out[c] for i, c in columns.items()}


def run_ensemble(n: int, *, seed: int = 20261204, scenario: TwinScenario | None = None,
                 measures: bool = True, indicators: tuple[str, ...] = ("high_tech_enterprises",),
                 quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Run ``n`` members of the circle and return quantiles per region, indicator and year.

    Returns
    -------
    pandas.DataFrame
        Index ``(indicator, region, year)``, one column per quantile.
    """
    years, out = run_members(n, seed=seed, scenario=scenario, measures=measures,
                             indicators=indicators)
    rows = []
    for indicator in indicators:
        q = np.quantile(out[indicator], quantiles, axis=0)  # (quantiles, years, regions)
        for i, region in enumerate(REGIONS):
            for k, year in enumerate(years):
                rows.append({"indicator": indicator, "region": region, "year": int(year),
                             **{f"q{p:g}": q[j, k, i] for j, p in enumerate(quantiles)}})
    return pd.DataFrame(rows).set_index(["indicator", "region", "year"]).sort_index()
