"""Running the model for the checks: inputs of a scenario, many cases at once.

Every run goes through :func:`simulator.engine.dispatch.run_cases` (the
vectorised batch engine by default, PySD with ``engine="pysd"``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from simulator.engine.dispatch import run_cases_quietly
from simulator.engine.model import LoadedModel, load_model, time_grid
from simulator.levers import LeverPath
from simulator.runner import scenario_inputs
from simulator.scenario import Scenario


def stock_names(model: LoadedModel | None = None) -> list[str]:
    """Vensim names of the model's stocks (INTEG, SMOOTH and DELAY outputs).

    ``INITIAL`` values are stateful in PySD but constant after the start;
    they are not included.
    """
    return (model or load_model()).stock_names


def simulate_many(
    cases: list[dict[str, float | np.ndarray]],
    *,
    initial_time: float,
    final_time: float,
    time_step: float,
    saveper: float | None = None,
    columns: list[str] | None = None,
    engine: str = "batch",
    model: LoadedModel | None = None,
    integration: str = "euler",
) -> list[pd.DataFrame]:
    """Run several input sets of one model and horizon.

    Parameters
    ----------
    cases : list of dict
        Per run, Python or Vensim name to a float or to an array with one
        value per grid time (:func:`simulator.engine.model.time_grid`).
    initial_time, final_time, time_step : float
        Control settings [year].
    saveper : float, optional
        Output interval [year]; every time step when omitted.
    columns : list of str, optional
        Vensim names to return; every variable when omitted.
    engine : {"batch", "pysd"}
        The batch engine integrates all cases at once; PySD one by one.
    model : LoadedModel, optional
        Defaults to the core model.
    integration : {"euler", "rk4"}, default "euler"
        Integration method (RK4 on the batch engine only).

    Returns
    -------
    list of pandas.DataFrame
        One frame per case, indexed by time, one column per Vensim name.
        Floating-point warnings are silenced: a non-finite value is a
        result that the checks report, not an error of the run.
    """
    model = model or load_model()
    saveper = time_step if saveper is None else saveper
    if columns is None:
        columns = [v.vensim_name for v in model.variables.values()]
    grid_len = len(time_grid(initial_time, final_time, time_step))
    inputs = {}
    for name in sorted({name for case in cases for name in case}):
        default = model.constants.get(model.py_name(name))
        values = [case.get(name, default) for case in cases]
        if any(np.ndim(v) for v in values):
            inputs[name] = np.stack([np.broadcast_to(np.asarray(v, float), (grid_len,))
                                     for v in values])
        else:
            inputs[name] = np.asarray(values, dtype=float)
    times, out = run_cases_quietly(
        model, inputs, len(cases), engine=engine, initial_time=initial_time,
        final_time=final_time, time_step=time_step, saveper=saveper, columns=list(columns),
        integration=integration,
    )
    index = pd.Index(times, name="Time")
    return [pd.DataFrame({c: out[c][i] for c in columns}, index=index) for i in range(len(cases))]


def scenario_case(
    scenario: Scenario,
    overrides: dict[str, float | np.ndarray | LeverPath] | None = None,
    *,
    time_step: float | None = None,
) -> tuple[dict[str, float | np.ndarray], dict[str, float]]:
    """Return the inputs and controls of a scenario with test overrides.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        Python name to a float, a grid array or a :class:`LeverPath`. Not
        range-checked: checks may leave the catalogued ranges on purpose
        (e.g. money in 万元).
    time_step : float, optional
        Replaces the scenario's time step [year].

    Returns
    -------
    inputs : dict
        As for :func:`simulate_many`.
    controls : dict
        ``initial_time``, ``final_time``, ``time_step``, ``integration``.
    """
    dt = scenario.time_step if time_step is None else time_step
    grid = time_grid(scenario.start_year, scenario.end_year, dt)
    inputs = scenario_inputs(scenario, grid)
    for name, value in (overrides or {}).items():
        inputs[name] = value.over_steps(grid) if isinstance(value, LeverPath) else value
    controls = dict(initial_time=scenario.start_year, final_time=scenario.end_year, time_step=dt,
                    integration=scenario.integration)
    return inputs, controls


def run_scenario_frame(
    scenario: Scenario,
    overrides: dict | None = None,
    *,
    time_step: float | None = None,
    saveper: float | None = None,
    columns: list[str] | None = None,
    engine: str = "batch",
    model: LoadedModel | None = None,
) -> pd.DataFrame:
    """Run one scenario (with overrides) and return every step of every variable.

    See :func:`scenario_case` and :func:`simulate_many` for the arguments.
    """
    inputs, controls = scenario_case(scenario, overrides, time_step=time_step)
    return simulate_many([inputs], saveper=saveper, columns=columns, engine=engine, model=model,
                         **controls)[0]


def with_levers(scenario: Scenario, levers: dict[str, LeverPath]) -> Scenario:
    """Return the scenario with some lever paths replaced (not re-validated)."""
    return replace(scenario, levers={**scenario.levers, **levers})
