"""The model's rest point, found numerically on the engine, and the drift from it.

:func:`equilibrium_inputs` holds the trends at zero and the levers at their
base-year policy, then chooses the stocks' initial values so that every net
flow is zero at the start. The net flows are the model's own: one Euler step
of the engine (:func:`simulator.engine.dispatch.run_cases`) gives
``(S(t0 + dt) - S(t0)) / dt`` for every stock, and
:func:`scipy.optimize.least_squares` finds the initial values that make them
zero. Nothing of the model's flow balance is written out here, so a changed
equation in the ``.mdl`` changes the rest point with it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from simulator import catalogue
from simulator.engine.dispatch import run_cases_quietly
from simulator.engine.model import LoadedModel, load_model
from simulator.scenario import Scenario
from simulator.validation.runs import scenario_case, simulate_many, stock_names

#: Accounting stocks that grow by design (they integrate entries and exits).
ACCOUNTING_STOCKS = ("Cumulative firm entries", "Cumulative firm exits")

#: Parameters an exact equilibrium needs set to zero, with the reason.
EQUILIBRIUM_ZEROS = {
    "gdp_growth_rate": "GDP is exogenous exponential growth",
    "rd_propensity_growth": "desired business R&D has an exponential trend",
    "productivity_growth": "revenue per HTE has an exponential trend",
    "pre_sample_rd_growth": "R&D capital starts at RD0/(g + delta); at rest it must be RD0/delta",
    "talent_programme_intake": (
        "Programme talents starts at 0 (talents recruited since the start), so any intake"
        " makes it grow"
    ),
}

#: Levers held at the base-year policy at rest: lever to the parameter it takes.
#: The model calibrates business R&D, the high-growth share and the results to
#: these parameters; a lever away from them moves the model from the start.
EQUILIBRIUM_POLICY = {
    "super_deduction_rate": "base_year_super_deduction_rate",
    "post_subsidy_rate": "base_year_post_subsidy_rate",
    "government_st_appropriation": "base_year_st_appropriation",
    "tech_transfer_institutions": "reference_tech_transfer_institutions",
    "new_sci_tech_loans": "base_year_new_sci_tech_loans",
}

#: An initial value whose rest value would leave its catalogued range (or that
#: has none) is held, and the input named here is solved for instead.
EQUILIBRIUM_ALTERNATIVES = {"initial_innovation_platforms": "innovation_platform_construction"}

#: Largest relative drift of a stock at the solved rest point (float rounding).
EQUILIBRIUM_RTOL = 1e-9

#: Roots within this share of the unknowns' scale of zero are zero: a stock at
#: rest at zero (no inflow) is only at rest exactly there.
ZERO_SNAP = 1e-12


class NoEquilibriumError(ValueError):
    """The scenario has no rest point; ``zh`` gives the reason in Chinese."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


def rest_unknowns(model: LoadedModel | None = None) -> list[str]:
    """Return the constants that alone set a stock's initial value (Python names, sorted).

    These are what :func:`equilibrium_inputs` solves for. Stocks that start
    from an expression (R&D capital at RD0/delta, the review pipeline at its
    inflow times the review time) start at rest by the model's own equations.
    """
    model = model or load_model()
    deps = model.dependencies
    out = set()
    for stock in stock_names(model):
        for stateful in deps.get(model.py_name(stock), {}):
            initial = deps.get(stateful, {}).get("initial", {}) if stateful.startswith("_") else {}
            if len(initial) == 1 and next(iter(initial)) in model.constants:
                out.add(next(iter(initial)))
    return sorted(out)


def _scalar(value) -> float:
    return float(np.asarray(value, float).ravel()[0]) if np.ndim(value) else float(value)


def _run(model, inputs: dict, unknowns: list[str], x: np.ndarray, scenario: Scenario,
         steps: int, stocks: list[str], engine: str) -> dict[str, np.ndarray]:
    """Run ``steps`` time steps for each row of ``x``; return each stock's (n, steps + 1) path."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    cases = {**inputs, **{name: x[:, j] for j, name in enumerate(unknowns)}}
    dt = scenario.time_step
    _, out = run_cases_quietly(model, cases, len(x), engine=engine,
                               initial_time=scenario.start_year,
                               final_time=scenario.start_year + steps * dt, time_step=dt,
                               saveper=dt, columns=stocks)
    return out


def net_flows(model, inputs: dict, unknowns: list[str], x: np.ndarray, scenario: Scenario,
              *, stocks: list[str] | None = None, engine: str = "auto") -> np.ndarray:
    """Return the stocks' net flows at the start, ``(S(t0 + dt) - S(t0)) / dt``, per row of ``x``.

    Parameters
    ----------
    model : LoadedModel
    inputs : dict
        Constant inputs by Python name.
    unknowns : list of str
        Inputs set from the columns of ``x``.
    x : numpy.ndarray
        Shape ``(n, len(unknowns))`` or ``(len(unknowns),)``.
    scenario : Scenario
        Start year and time step.
    stocks : list of str, optional
        Vensim names; every stock but the accounting ones when omitted.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, len(stocks))`` [stock unit / year].
    """
    stocks = stocks or [s for s in stock_names(model) if s not in ACCOUNTING_STOCKS]
    paths = _run(model, inputs, unknowns, x, scenario, 1, stocks, engine)
    return np.stack([(paths[s][:, 1] - paths[s][:, 0]) / scenario.time_step for s in stocks],
                    axis=1)


def _delay_horizon(model, p: dict, scenario: Scenario) -> float:
    """Return the longest delay time among the delay stocks (their output moves only after it).

    A fixed delay's output stays at its initial value for the whole delay,
    whatever its input: one step does not show whether it is at rest. The
    delay times are the constants in the time unit that the delay reads;
    without one, the scenario's horizon.
    """
    deps = model.dependencies
    horizon = 0.0
    for stock in stock_names(model):
        for stateful in deps.get(model.py_name(stock), {}):
            if not stateful.startswith(("_delay", "_delayfixed", "_delayn")):
                continue
            names = {**deps[stateful].get("initial", {}), **deps[stateful].get("step", {})}
            times = [p[n] for n in names if n in p and model.variables[n].unit.lower() == "year"]
            if not times:
                return scenario.end_year - scenario.start_year
            horizon = max(horizon, *times)
    return horizon


def _solve(model, p: dict, unknowns: list[str], scenario: Scenario, engine: str
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return the root of the net flows in ``unknowns``, started at ``p``, and the flows there."""
    x0 = np.array([p[name] for name in unknowns], dtype=float)
    scale = np.maximum(np.abs(x0), 1.0)
    cache: dict[bytes, np.ndarray] = {}

    def residuals(x):
        key = x.tobytes()
        if key not in cache:
            cache[key] = net_flows(model, p, unknowns, x, scenario, engine=engine)[0]
        return cache[key]

    def jacobian(x):
        # one run of the point and one case per unknown (forward differences)
        h = 1e-7 * np.maximum(np.abs(x), scale)
        rows = net_flows(model, p, unknowns, np.vstack([x, x + np.diag(h)]), scenario,
                         engine=engine)
        return ((rows[1:] - rows[0]) / h[:, None]).T

    eps = np.finfo(float).eps
    with np.errstate(all="ignore"):
        fit = least_squares(residuals, x0, jac=jacobian, method="lm", x_scale="jac",
                            ftol=eps, xtol=eps, gtol=eps, max_nfev=60)
    x = fit.x.copy()
    # a stock whose rest value is zero is at rest only at exactly zero
    tiny = np.abs(x) <= ZERO_SNAP * max(float(np.max(np.abs(x), initial=0.0)), 1.0)
    if tiny.any():
        snapped = np.where(tiny, 0.0, x)
        if np.max(np.abs(residuals(snapped))) <= np.max(np.abs(residuals(x))):
            x = snapped
    return x, residuals(x)


def _drift(model, p: dict, unknowns: list[str], x: np.ndarray, scenario: Scenario,
           engine: str) -> tuple[str, float]:
    """Return the stock that drifts most (relative) over the longest delay, and its drift."""
    stocks = [s for s in stock_names(model) if s not in ACCOUNTING_STOCKS]
    horizon = min(_delay_horizon(model, p, scenario), scenario.end_year - scenario.start_year)
    steps = max(1, int(math.ceil(horizon / scenario.time_step - 1e-9)) + 1)
    paths = _run(model, p, unknowns, x, scenario, steps, stocks, engine)
    worst, drift = "", 0.0
    with np.errstate(all="ignore"):
        for name in stocks:
            values = paths[name][0]
            change = float(np.max(np.abs(values - values[0]))) / max(abs(values[0]), 1e-300)
            if not change <= drift:  # NaN counts as the worst
                worst, drift = name, change
    return worst, drift


def _no_equilibrium(model, flows: np.ndarray, worst: str, drift: float,
                    scenario: Scenario) -> NoEquilibriumError:
    """Return the error for a scenario without rest point, naming the stock that moves."""
    stocks = [s for s in stock_names(model) if s not in ACCOUNTING_STOCKS]
    moving = int(np.nanargmax(np.abs(flows))) if np.isfinite(flows).any() else 0
    if not np.all(np.abs(flows) < 1e-6):  # no root: a net flow stays away from zero
        why = (f"no initial stock values bring every net flow to zero; at the closest,"
               f" {stocks[moving]} changes by {flows[moving]:.3g} a year")
    else:  # the net flows vanish but a fixed delay's output moves later
        why = (f"the net flows are zero at the start, but {worst} drifts by {drift:.3g} of its"
               f" initial value within the longest delay")
    return NoEquilibriumError(
        f"no equilibrium: {why}",
        "无均衡点：任何初始存量都不能使全部存量保持静止，模型无法从静止状态起步")


def equilibrium_inputs(scenario: Scenario, overrides: dict | None = None,
                       model: LoadedModel | None = None, *,
                       engine: str = "auto") -> dict[str, float]:
    """Return constant inputs that start the model exactly at rest.

    Starting from the scenario (and overrides), this sets the trends of
    :data:`EQUILIBRIUM_ZEROS` to zero, holds every lever at its first value
    and the levers of :data:`EQUILIBRIUM_POLICY` at their base-year policy,
    and solves for the initial values of :func:`rest_unknowns` that make the
    net flow of every stock zero at the start (:func:`net_flows`, a root found
    by :func:`scipy.optimize.least_squares`). An initial value whose root lies
    outside its catalogued range is held and its input of
    :data:`EQUILIBRIUM_ALTERNATIVES` solved for instead. The rest point is
    then checked over the longest fixed delay (whose output moves only after
    it): no stock may drift by more than :data:`EQUILIBRIUM_RTOL`.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        As for :func:`scenario_case`.
    model : LoadedModel, optional
    engine : {"auto", "batch", "pysd"}
        Runs the net flows.

    Returns
    -------
    dict
        Python name to a constant value (every lever, the changed parameters
        and the solved initial values).

    Raises
    ------
    NoEquilibriumError
        If no initial values bring every stock to rest: e.g. every
        certificate renewed without any attrition (the HTE stock grows for
        ever), R&D caps (shares of GDP) binding at the start (R&D capital
        starts from the uncapped initial R&D), or a rest point of certified
        firms so small that the model empties it (firm count resolution).
    """
    model = model or load_model()
    inputs, _ = scenario_case(scenario, overrides)
    p = dict(model.constants)
    p.update({name: _scalar(value) for name, value in inputs.items()})
    p.update({name: 0.0 for name in EQUILIBRIUM_ZEROS})
    p.update({lever: p[reference] for lever, reference in EQUILIBRIUM_POLICY.items()})
    unknowns = rest_unknowns(model)
    x, flows = _solve(model, p, unknowns, scenario, engine)
    ranges = catalogue.parameters(model)
    swap = [name for name, value in zip(unknowns, x) if name in EQUILIBRIUM_ALTERNATIVES
            and name in ranges and not ranges[name].min <= value <= ranges[name].max]
    worst, drift = ("", 0.0) if swap else _drift(model, p, unknowns, x, scenario, engine)
    if swap or not drift <= EQUILIBRIUM_RTOL:
        # out of range, or no root at all (e.g. nothing delisted): the alternatives
        swapped = [EQUILIBRIUM_ALTERNATIVES.get(n, n) if n in swap or not swap else n
                   for n in unknowns]
        if swapped != unknowns:
            unknowns = swapped
            x, flows = _solve(model, p, unknowns, scenario, engine)
            worst, drift = _drift(model, p, unknowns, x, scenario, engine)
    p.update(zip(unknowns, map(float, x)))
    if not drift <= EQUILIBRIUM_RTOL:
        raise _no_equilibrium(model, flows, worst, drift, scenario)
    out = {name: p[name] for name in catalogue.levers(model)}
    out.update({name: 0.0 for name in EQUILIBRIUM_ZEROS})
    out.update({name: _scalar(v) for name, v in inputs.items() if name not in out})
    out.update({name: p[name] for name in unknowns})
    return out


def steady_state_report(scenario: Scenario, inputs: dict | None = None, *, engine: str = "batch",
                        model: LoadedModel | None = None) -> pd.DataFrame:
    """Drift of every stock over a run started at rest.

    Parameters
    ----------
    scenario : Scenario
        Horizon and time step (its inputs are replaced).
    inputs : dict, optional
        Defaults to :func:`equilibrium_inputs` of the scenario.

    Returns
    -------
    pandas.DataFrame
        Index: stock (accounting stocks excluded); columns ``initial``,
        ``max_abs_change`` and ``relative_drift`` (change over
        ``max(|initial|, 1e-300)``).
    """
    model = model or load_model()
    inputs = equilibrium_inputs(scenario, model=model) if inputs is None else inputs
    stocks = [s for s in stock_names(model) if s not in ACCOUNTING_STOCKS]
    frame = simulate_many([inputs], initial_time=scenario.start_year, final_time=scenario.end_year,
                          time_step=scenario.time_step, columns=stocks, engine=engine,
                          model=model, integration=scenario.integration)[0]
    rows = {}
    with np.errstate(all="ignore"):
        for name in stocks:
            values = frame[name].to_numpy(dtype=float)
            change = float(np.max(np.abs(values - values[0])))
            rows[name] = {"initial": values[0], "max_abs_change": change,
                          "relative_drift": change / max(abs(values[0]), 1e-300)}
    return pd.DataFrame.from_dict(rows, orient="index")
