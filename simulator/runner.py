"""Run scenarios of the core model and return their indicators by year.

One entry point per use, whatever the engine (the pvlib layering of
``shared/STYLE.md``): :func:`run_scenario` for one scenario,
:func:`run_variants` for sweeps and ensembles, :func:`run_with_band` for a
scenario with its ensemble's quantile band in one batch (what one slider
move on the Explore page computes). ``engine="auto"`` (the
default) uses the vectorised batch engine (:mod:`simulator.engine.batch`) where it
supports the model and falls back to PySD, the reference, where it does not.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.data.profile import load_profile
from simulator.engine.dispatch import resolve_engine, run_cases
from simulator.engine.model import LoadedModel, load_model, time_grid
from simulator.errors import unknown_name
from simulator.levers import as_finite_number, check_range, parse_path, step_midpoints
from simulator.results import Results, data_version, package_versions
from simulator.scenario import Scenario


def provenance(model_path: Path, model_sha256: str, scenario_dict: dict, engine: str) -> dict:
    """Metadata describing what produced a result: model, scenario, engine, data, versions.

    ``integration`` is the scenario's method (``euler`` when the file names none).
    """
    return {
        "model_file": model_path.name,
        "model_sha256": model_sha256,
        "scenario": scenario_dict,
        "engine": engine,
        "integration": scenario_dict.get("integration", "euler"),
        "data_sha256": data_version(),
        "versions": package_versions(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


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
    profile = load_profile(scenario.profile)
    if profile.base_year != scenario.start_year:
        raise ValueError(
            f"scenario {scenario.name!r} starts in {scenario.start_year} but profile "
            f"{scenario.profile!r} is calibrated from {profile.base_year}:"
            f" set start_year: {profile.base_year}"
        )
    return profile.values


#: The core model's switch of its Euler-exact step corrections (see the .mdl): 0 under RK4.
EULER_SWITCH = "euler_step_corrections"


def scenario_inputs(scenario: Scenario, grid: np.ndarray) -> dict[str, float | np.ndarray]:
    """Profile values, parameter overrides and lever paths, one value per integration step.

    Under ``integration: rk4`` the model's Euler step corrections are switched
    off (:data:`EULER_SWITCH` = 0): they are exact for Euler's discrete-time
    stocks and would make RK4 first-order.

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
        inputs[name] = path.over_steps(grid)
    if scenario.integration == "rk4":
        inputs[EULER_SWITCH] = 0.0
    return inputs


def _indicator_names(model: LoadedModel, indicators: list[str] | None) -> tuple[list[str], dict]:
    entries = catalogue.indicators(model)
    names = list(indicators) if indicators is not None else list(entries)
    for name in names:
        if name not in entries:
            raise unknown_name("indicator", name, entries)
    return names, entries


def _run_arrays(
    model: LoadedModel,
    engine: str,
    inputs: dict[str, float | np.ndarray],
    scenario: Scenario,
    columns: list[str],
    n: int,
    kernel: str = "auto",
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``n`` scenarios; inputs are scalars, (n,) or (n, n_grid) arrays."""
    times, out = run_cases(model, inputs, n, engine=engine, initial_time=scenario.start_year,
                           final_time=scenario.end_year, time_step=scenario.time_step,
                           saveper=1.0, columns=columns, integration=scenario.integration,
                           kernel=kernel)
    return np.rint(times).astype(int), out


def run_scenario(
    scenario: Scenario,
    *,
    model: LoadedModel | None = None,
    engine: str = "auto",
    indicators: list[str] | None = None,
) -> Results:
    """Run a scenario and return yearly indicators with units and provenance.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    model : LoadedModel, optional
        Defaults to the core model (loaded once per process).
    engine : {"auto", "batch", "pysd"}, default "auto"
        ``"auto"`` uses the batch engine where it supports the model.
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
    model = model or load_model()
    used = resolve_engine(engine, model, scenario.integration)
    names, entries = _indicator_names(model, indicators)
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    # Engine inputs: scalars, or (n, n_grid) arrays for time paths (here n = 1).
    inputs = {
        k: (v[None, :] if isinstance(v, np.ndarray) else v)
        for k, v in scenario_inputs(scenario, grid).items()
    }
    columns = [entries[name].vensim_name for name in names]
    years, out = _run_arrays(model, used, inputs, scenario, columns, 1)
    frame = pd.DataFrame(
        {name: out[c][0] for name, c in zip(names, columns)}, index=pd.Index(years, name="year")
    )
    return Results(
        frame=frame,
        units={name: entries[name].unit for name in names},
        metadata=provenance(model.path, model.sha256, scenario.to_dict(), used),
    )


def variant_inputs(
    scenario: Scenario, variants: list[dict[str, object]], grid: np.ndarray, model: LoadedModel
) -> dict[str, float | np.ndarray]:
    """Stack per-variant overrides into engine inputs.

    Each variant maps lever or parameter names to a number or a lever path
    (scenario-file form); names and values are validated as in a scenario
    file. Returns scalars for untouched inputs, ``(N,)`` arrays for varied
    parameters and ``(N, n_grid)`` arrays for levers.
    """
    levers = catalogue.levers(model)
    params = catalogue.parameters(model)
    base = scenario_inputs(scenario, grid)
    n = len(variants)
    varied = sorted({name for v in variants for name in v})
    inputs: dict[str, float | np.ndarray] = {
        k: (np.broadcast_to(v, (n, len(grid))) if isinstance(v, np.ndarray) else v)
        for k, v in base.items()
    }
    midpoints = step_midpoints(grid)
    for name in varied:
        if name in levers:
            default = base.get(name, levers[name].default)
            rows = np.empty((n, len(grid)))
            for i, variant in enumerate(variants):
                if name in variant:
                    path = parse_path(name, variant[name], levers[name].default)
                    for value in path.all_values():
                        check_range(levers[name], value)
                    rows[i] = path.values_on(midpoints)
                else:
                    rows[i] = default if np.ndim(default) else np.full(len(grid), default)
            inputs[name] = rows
        elif name in params:
            fallback = base.get(name, params[name].default)
            column = _plain_column(variants, name, params[name], fallback)
            if column is not None:  # every variant's value a float inside the range
                inputs[name] = column
                continue
            column = np.empty(n)
            for i, variant in enumerate(variants):
                column[i] = (
                    check_range(
                        params[name], as_finite_number(variant[name], f"parameter {name!r}")
                    )
                    if name in variant else fallback
                )
            inputs[name] = column
        else:
            raise unknown_name("lever or parameter", name, set(levers) | set(params))
    return inputs


def _plain_column(variants: list[dict], name: str, entry, fallback) -> np.ndarray | None:
    """Return a parameter's values as an array when all are floats in range, else None.

    The fast path of :func:`variant_inputs` for an ensemble's draws (floats,
    checked at once: a 200-member ensemble checked value by value took 10 ms);
    a variant without the parameter takes ``fallback`` (the scenario's value).
    None sends the values through the one-by-one checks, which name a bad one.
    """
    values = [variant[name] if name in variant else fallback for variant in variants]
    if not all(type(v) is float or isinstance(v, np.floating) for v in values):
        return None
    column = np.asarray(values, dtype=float)
    low = -np.inf if entry.min is None else entry.min
    high = np.inf if entry.max is None else entry.max
    if not (np.isfinite(column).all() and (column >= low).all() and (column <= high).all()):
        return None
    return column


def run_variants(
    scenario: Scenario,
    variants: list[dict[str, object]],
    *,
    model: LoadedModel | None = None,
    engine: str = "auto",
    indicators: list[str] | None = None,
    kernel: str = "auto",
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run many variants of one scenario and stack their indicators.

    The entry point for sweeps, ensembles and calibration: with the batch
    engine all variants are integrated at once along a scenario axis (in
    chunks of 2,000 to bound memory); with PySD one after another. Both give
    the same numbers (to rounding; see ``tests/test_runner.py``).

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    variants : list of dict
        Per variant, lever or parameter overrides: a number, or a lever path
        mapping (validated like a scenario file).
    model : LoadedModel, optional
    engine : {"auto", "batch", "pysd"}
    indicators : list of str, optional
        Defaults to all catalogued indicators.
    kernel : {"auto", "numpy", "fused"}
        The batch engine's kernel (:func:`simulator.engine.dispatch.run_cases`); a streamed
        ensemble fixes it so that its chunks' size cannot change the numbers.

    Returns
    -------
    years : numpy.ndarray
        Output years (int).
    values : dict of str to numpy.ndarray
        Indicator name to an array of shape ``(len(variants), len(years))``.
    """
    model = model or load_model()
    used = resolve_engine(engine, model, scenario.integration)
    names, entries = _indicator_names(model, indicators)
    if not variants:
        raise ValueError(
            "variants is empty: give at least one (an empty dict is the base scenario)"
        )
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    inputs = variant_inputs(scenario, variants, grid, model)
    columns = [entries[name].vensim_name for name in names]
    years, out = _run_arrays(model, used, inputs, scenario, columns, len(variants), kernel)
    return years, {name: out[c] for name, c in zip(names, columns)}


def band_frame(years, runs, low: float = 0.05, high: float = 0.95) -> pd.DataFrame:
    """Quantile band of an ensemble of runs: ``year``, ``low``, ``median``, ``high``.

    Parameters
    ----------
    years : array_like
        Output years [year].
    runs : array_like
        Shape ``(n_runs, n_years)``.
    low, high : float
        Quantiles of the band (default 5% and 95%).
    """
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2 or runs.shape[1] != len(years):
        raise ValueError(f"runs must have shape (n_runs, {len(years)}), got {runs.shape}")
    # np.quantile gives the same numbers as nanquantile on runs without NaN, ten times faster
    # (nanquantile goes year by year); a failed run's NaN takes the slow path
    quantile = np.nanquantile if np.isnan(runs).any() else np.quantile
    q = quantile(runs, [low, 0.5, high], axis=0)
    return pd.DataFrame(
        {"year": np.asarray(years, dtype=int), "low": q[0], "median": q[1], "high": q[2]}
    )


def run_with_band(
    scenario: Scenario,
    draws: Sequence[Mapping[str, float]],
    *,
    model: LoadedModel | None = None,
    engine: str = "auto",
    band_of: tuple[str, ...] = catalogue.KEY_INDICATORS,
    low: float = 0.05,
    high: float = 0.95,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Run a scenario and its ensemble's parameter draws in one batch.

    The batch engine integrates every member of a batch on its own (no member
    reads another), so the scenario, run as member 0, gives the numbers of
    :func:`run_scenario`, and members 1..n those of
    :func:`simulator.ensemble.run_ensemble` with the same draws (tested). A
    batch of n + 1 costs little more than one of n: the engine's time goes in
    its step loop, not in the width of the batch.

    Parameters
    ----------
    scenario : Scenario
    draws : sequence of dict
        Parameter overrides per member (:func:`simulator.ensemble.draw_parameters`);
        without draws only the scenario runs.
    model : LoadedModel, optional
    engine : {"auto", "batch", "pysd"}
    band_of : tuple of str
        Indicators to return bands of.
    low, high : float
        Quantiles of the band.

    Returns
    -------
    frame : pandas.DataFrame
        The scenario's indicators by year (index ``year``), as
        :func:`run_scenario` gives them.
    bands : dict of str to pandas.DataFrame
        Indicator to :func:`band_frame` of the draws' runs; empty without draws.
    """
    years, values = run_variants(scenario, [{}, *draws], model=model, engine=engine)
    frame = pd.DataFrame({name: v[0] for name, v in values.items()},
                         index=pd.Index(np.asarray(years), name="year"))
    if not draws:
        return frame, {}
    return frame, {name: band_frame(years, values[name][1:], low, high)
                   for name in band_of if name in values}
