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


def profile_values(scenario: Scenario) -> dict[str, float]:
    """Parameter values of the scenario's calibration profile (empty without one).

    Raises
    ------
    FileNotFoundError
        If the profile does not exist.
    ValueError
        If the scenario does not start in the profile's base year.
    """
    if not scenario.profile:
        return {}
    from calibration.profiles import load_profile

    profile = load_profile(scenario.profile)
    if profile.base_year != scenario.start_year:
        raise ValueError(
            f"scenario {scenario.name!r} starts in {scenario.start_year} but profile "
            f"{scenario.profile!r} is calibrated from {profile.base_year}: set start_year: {profile.base_year}"
        )
    return profile.values


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
    inputs: dict[str, float | np.ndarray] = dict(profile_values(scenario))
    inputs.update(scenario.parameters)
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


def run_variants(
    scenario: Scenario,
    variants: list[dict[str, object]],
    *,
    model: LoadedModel | None = None,
    engine: str = "pysd",
    indicators: list[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run many variants of one scenario and stack their indicators.

    This is the entry point for sweeps and ensembles: the same call will use
    the vectorised batch engine once it supports the model.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    variants : list of dict
        Per variant, lever or parameter overrides in scenario-file form (a
        number, or a lever path mapping); validated like ``--set``.
    model : LoadedModel, optional
    engine : {"pysd"}
    indicators : list of str, optional
        Defaults to all catalogued indicators.

    Returns
    -------
    years : numpy.ndarray
        Output years (int).
    values : dict of str to numpy.ndarray
        Indicator name to an array of shape ``(len(variants), len(years))``.
    """
    model = model or load_model()
    names = list(indicators) if indicators is not None else list(catalogue.indicators(model))
    stacked: dict[str, list[np.ndarray]] = {name: [] for name in names}
    years = None
    for overrides in variants:
        frame = run_scenario(
            scenario.with_overrides(overrides, model) if overrides else scenario,
            model=model, engine=engine, indicators=names,
        ).frame
        years = frame.index.to_numpy()
        for name in names:
            stacked[name].append(frame[name].to_numpy())
    if years is None:
        years = np.arange(scenario.start_year, scenario.end_year + 1)
    return years, {name: np.array(rows).reshape(len(variants), len(years)) for name, rows in stacked.items()}
