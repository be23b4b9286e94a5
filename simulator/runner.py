"""Run a scenario of the core model and return its indicators by year.

One entry point, :func:`run_scenario`, whatever the engine: PySD (the
reference) now, the vectorised batch engine when it supports the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.model import LoadedModel, load_model, time_grid
from simulator.results import Results, provenance
from simulator.scenario import Scenario

ENGINES = ("pysd",)


def scenario_inputs(scenario: Scenario, grid: np.ndarray) -> dict[str, float | np.ndarray]:
    """Constant overrides and lever paths sampled on the integration grid.

    Parameters
    ----------
    scenario : Scenario
    grid : numpy.ndarray
        Integration times [year].

    Returns
    -------
    dict
        Parameter name to float; lever name to an array of one value per grid time.
    """
    inputs: dict[str, float | np.ndarray] = dict(scenario.parameters)
    for name, path in scenario.levers.items():
        inputs[name] = path.values_on(grid)
    return inputs


def run_scenario(
    scenario: Scenario,
    *,
    model: LoadedModel | None = None,
    engine: str = "pysd",
    indicators: list[str] | None = None,
) -> Results:
    """Run a scenario and return yearly indicators with units and provenance.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    model : LoadedModel, optional
        Defaults to the core model (loaded once per process).
    engine : {"pysd"}
        Simulation engine.
    indicators : list of str, optional
        Indicator names to return; all catalogued indicators by default.

    Returns
    -------
    Results
        ``frame`` indexed by ``year`` (int), one column per indicator.

    Raises
    ------
    ValueError
        On an unknown engine.
    UnknownNameError
        On an unknown indicator.
    """
    if engine not in ENGINES:
        raise ValueError(f"{engine!r} is not a valid engine. It must be one of {list(ENGINES)}")
    model = model or load_model()
    entries = catalogue.indicators(model)
    names = list(indicators) if indicators is not None else list(entries)
    for name in names:
        if name not in entries:
            from simulator.errors import unknown_name

            raise unknown_name("indicator", name, entries)
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    params = {
        name: (pd.Series(value, index=grid) if isinstance(value, np.ndarray) else value)
        for name, value in scenario_inputs(scenario, grid).items()
    }
    raw = model.run(
        params,
        initial_time=scenario.start_year,
        final_time=scenario.end_year,
        time_step=scenario.time_step,
        saveper=1.0,
        return_columns=[entries[name].vensim_name for name in names],
    )
    frame = pd.DataFrame(
        {name: raw[entries[name].vensim_name].to_numpy(dtype=float) for name in names},
        index=pd.Index(np.rint(raw.index.to_numpy()).astype(int), name="year"),
    )
    return Results(
        frame=frame,
        units={name: entries[name].unit for name in names},
        metadata=provenance(model.path, model.sha256, scenario.to_dict(), engine),
    )
