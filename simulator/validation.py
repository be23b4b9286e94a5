"""Reusable checks of the core model: the SD validation battery as functions.

Each check runs the model and returns a table (a :class:`pandas.DataFrame`),
so that the property tests (``tests/properties``), a CLI or a report can use
the same code. The checks follow ``shared/research/model-evidence.md``
section (b) (invariants) and section (c) (numerics: DT halving, mass-balance
residual), in the spirit of Vensim's Reality Check and of Sterman (2000),
*Business Dynamics*, ch. 21 (extreme conditions, integration error).

Runs use the vectorised batch engine (:mod:`simulator.engine.batch`, bit-identical
to PySD on the core model) by default, or PySD with ``engine="pysd"``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from simulator import catalogue
from simulator.levers import LeverPath
from simulator.engine.dispatch import run_cases_quietly
from simulator.engine.model import LoadedModel, load_model, time_grid
from simulator.runner import scenario_inputs
from simulator.scenario import Scenario
from simulator.engine.units_algebra import parse_units


#: Money unit of the core model; every money-valued variable carries it.
MONEY_UNIT = "亿元"
#: 1 亿元 = 10,000 万元 (definition of the units).
WAN_YUAN_PER_YI_YUAN = 1e4

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


class NoEquilibriumError(ValueError):
    """The scenario has no rest point; ``zh`` gives the reason in Chinese."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


# ------------------------------------------------------------------ running
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
            inputs[name] = np.stack([np.broadcast_to(np.asarray(v, float), (grid_len,)) for v in values])
        else:
            inputs[name] = np.asarray(values, dtype=float)
    times, out = run_cases_quietly(
        model, inputs, len(cases), engine=engine, initial_time=initial_time,
        final_time=final_time, time_step=time_step, saveper=saveper, columns=list(columns),
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
        ``initial_time``, ``final_time``, ``time_step``.
    """
    dt = scenario.time_step if time_step is None else time_step
    grid = time_grid(scenario.start_year, scenario.end_year, dt)
    inputs = scenario_inputs(scenario, grid)
    for name, value in (overrides or {}).items():
        inputs[name] = value.over_steps(grid) if isinstance(value, LeverPath) else value
    controls = dict(initial_time=scenario.start_year, final_time=scenario.end_year, time_step=dt)
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


# ------------------------------------------------------------------- checks
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


def money_exponent(unit: str) -> int:
    """Power of 亿元 in a Vensim unit string (``项/(亿元*Year)`` gives -1)."""
    if not unit:
        return 0
    power = dict(parse_units(unit).powers).get(MONEY_UNIT, Fraction(0))
    if power.denominator != 1:
        raise ValueError(f"unit {unit!r} has a fractional power of {MONEY_UNIT}")
    return int(power)


def rescale_money(inputs: dict, factor: float = WAN_YUAN_PER_YI_YUAN,
                  model: LoadedModel | None = None) -> dict:
    """Express every money-valued constant and lever in a smaller money unit.

    Each constant is multiplied by ``factor ** p``, where ``p`` is the power
    of 亿元 in its Vensim unit (so 亿元/Year is multiplied, 项/(亿元*Year)
    divided). Constants missing from ``inputs`` are added at their scaled
    default.
    """
    model = model or load_model()
    out = dict(inputs)
    for name, default in model.constants.items():
        power = money_exponent(model.variables[name].unit)
        if power:
            value = out.get(name, default)
            multiplier = factor**power
            out[name] = (np.asarray(value, float) if np.ndim(value) else value) * multiplier
    return out


# ------------------------------------------------------------- equilibrium
def equilibrium_inputs(scenario: Scenario, overrides: dict | None = None,
                       model: LoadedModel | None = None) -> dict[str, float]:
    """Constant inputs that start the model exactly at rest.

    Starting from the scenario (and overrides), this sets the trends of
    :data:`EQUILIBRIUM_ZEROS` to zero, holds every lever at its base-year
    policy (the levers of the user cost and appropriation at the base-year
    parameters, tech-transfer institutions at the reference, new sci-tech
    loans at the base-year loans), and computes
    the initial stocks at their flow balance:

    - incubated firms at the incubator capacity;
    - tech SMEs, high-tech enterprises and other R&D-active firms from the
      linear balance of the cultivation chain at a loan-supported share
      ``s`` that solves ``s = min(1, supported firms / (SME + HTE))``;
    - innovation platforms at construction / delisting rate;
    - revoked firms barred at revocations x bar (released at the same rate).

    The review pipeline, R&D capital, transferable results, loans and the
    certificate conveyor are then initialised at rest by the model itself.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        As for :func:`scenario_case`.
    model : LoadedModel, optional

    Returns
    -------
    dict
        Python name to a constant value (every lever and the changed
        parameters).

    Raises
    ------
    NoEquilibriumError
        If no equilibrium exists: every certificate renewed without any
        attrition (the HTE stock grows forever), or R&D caps (shares of GDP)
        binding at the start, so that R&D capital, which starts from the
        uncapped initial R&D, is not at rest.
    """
    model = model or load_model()
    inputs, _ = scenario_case(scenario, overrides)
    p = dict(model.constants)
    for name, value in inputs.items():
        p[name] = float(np.asarray(value, float).ravel()[0]) if np.ndim(value) else float(value)
    for name in EQUILIBRIUM_ZEROS:
        p[name] = 0.0
    p["super_deduction_rate"] = p["base_year_super_deduction_rate"]
    p["post_subsidy_rate"] = p["base_year_post_subsidy_rate"]
    p["government_st_appropriation"] = p["base_year_st_appropriation"]
    p["tech_transfer_institutions"] = p["reference_tech_transfer_institutions"]
    # The high-growth share starts from the base-year loans (model: Reference
    # high growth share); a lever away from them would move it.
    p["new_sci_tech_loans"] = p["base_year_new_sci_tech_loans"]
    gdp0 = p["base_year_gdp"]
    government0 = min(p.get("maximum_government_rd_share_of_gdp", math.inf) * gdp0,
                      p["base_year_st_appropriation"] * p["government_rd_share"])
    business0 = min(p.get("maximum_business_rd_share_of_gdp", math.inf) * gdp0,
                    max(0.0, p["initial_rd_expenditure"] - government0))
    if not math.isclose(business0 + government0, p["initial_rd_expenditure"], rel_tol=1e-12):
        raise NoEquilibriumError(
            "no rest point: R&D caps (shares of GDP) bind at the start, so R&D expenditure"
            " starts below the initial R&D that sets R&D capital",
            "无静止点：研发上限（占GDP比例）在起始年即起作用，研发经费低于决定R&D资本存量的初始研发投入")

    incubated = p["incubator_capacity"]
    graduations = p["incubator_graduation_share"] * incubated / p["incubation_time"]
    dt, validity = scenario.time_step, p["hte_certificate_validity"]
    attrition = p["hte_revocation_rate"] + p["hte_exit_rate"]
    survival = (1 - attrition * dt) ** (validity / dt)
    renew = p["hte_reapplication_share"] * p["hte_renewal_pass_rate"]
    if renew * survival >= 1:
        raise NoEquilibriumError(
            "no equilibrium: every certificate is renewed and none leaks, so the number of"
            " high-tech enterprises grows without bound",
            "无均衡点：所有证书均续期且无流失，高新技术企业数无限增长")
    # HTE held per certificate a year, (1 - survival) / attrition, written with
    # expm1/log1p: for an attrition of 1e-244 survival rounds to 1 and the plain
    # form gives 0 instead of the validity.
    held = (-math.expm1(validity / dt * math.log1p(-attrition * dt)) / attrition
            if attrition > 0 else validity)
    per_application = p["first_certification_pass_rate"] / (1 - renew * survival)
    back_to_pool = ((1 - p["first_certification_pass_rate"])
                    + per_application * ((1 - renew) * survival + p["hte_revocation_rate"] * held))
    # The model's outflow guards (SME outflow scale, the cap of pool
    # applications) bind when a rate exceeds 1/DT; the rest point uses the
    # guarded flows, as the model's initial review pipeline does.
    apply_pool = min(p["maximum_application_rate"], p["pool_application_rate"],
                     1 / dt - p["pool_exit_rate"])

    def stocks(share: float) -> tuple[float, float, float]:
        births = p["tech_sme_birth_rate"] * (1 + p["loan_birth_uplift"] * share)
        apply_sme = min(p["maximum_application_rate"],
                        p["hte_application_rate"] * (1 + p["loan_application_uplift"] * share))
        total = (p["tech_sme_exit_rate"] * (1 - p["loan_exit_reduction"] * share)
                 + p["tech_sme_lapse_rate"] + apply_sme)
        scale = min(1.0, 1.0 / (dt * total))  # SME outflow scale at rest
        smes = (graduations + births) / (scale * total)
        lapse, apply = scale * p["tech_sme_lapse_rate"], scale * apply_sme
        pool = smes * (lapse + back_to_pool * apply) / (
            apply_pool * (1 - back_to_pool) + p["pool_exit_rate"])
        htes = per_application * (apply * smes + apply_pool * pool) * held
        return smes, htes, pool

    # Loans at rest are new loans x MAX(Loan term, TIME STEP), as in the model.
    supported = (p["new_sci_tech_loans"] * max(p["loan_term"], dt)
                 / p["average_loan_per_supported_firm"])

    def gap(share: float) -> float:
        smes, htes, _ = stocks(share)
        return share - min(1.0, supported / (smes + htes)) if smes + htes > 0 else share

    if supported == 0:
        share = 0.0
    elif gap(1.0) <= 0:
        share = 1.0
    else:
        share = brentq(gap, 0.0, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps)
    smes, htes, pool = stocks(share)
    # The model empties the certified stock when one step's outflows would leave
    # less than the firm count resolution; at rest those outflows are the
    # certifications, htes / held a year.
    remainder = htes - dt * htes / held
    if htes > 0 and remainder < p["firm_count_resolution"]:
        raise NoEquilibriumError(
            f"no rest point: {htes:.3g} high-tech enterprises at rest leave {remainder:.3g}"
            f" after one time step's outflows, below the firm count resolution"
            f" ({p['firm_count_resolution']:g}), a remainder the model empties",
            f"无静止点：静止时 {htes:.3g} 家高新技术企业经一个步长的流出后剩 {remainder:.3g} 家，"
            f"低于企业计数分辨率（{p['firm_count_resolution']:g}），模型将其清零")

    # Platforms at construction / delisting when that is a valid initial value,
    # else construction set to replace the delistings of the initial platforms.
    platforms = p["initial_innovation_platforms"]
    entry = catalogue.parameters(model)["initial_innovation_platforms"]
    low, high = entry.min, entry.max
    delisting = p["platform_delisting_rate"]
    if delisting > 0 and low <= p["innovation_platform_construction"] / delisting <= high:
        platforms = p["innovation_platform_construction"] / delisting
    else:
        p["innovation_platform_construction"] = delisting * platforms

    out = {name: p[name] for name in catalogue.levers(model)}
    out.update({name: 0.0 for name in EQUILIBRIUM_ZEROS})
    out.update({name: float(np.asarray(v, float).ravel()[0]) if np.ndim(v) else float(v)
                for name, v in inputs.items() if name not in out})
    out.update(initial_incubated_firms=incubated, initial_tech_smes=smes,
               initial_high_tech_enterprises=htes, initial_other_rd_active_firms=pool,
               initial_revoked_firms_barred=p["hte_revocation_rate"] * htes * p["revocation_bar"],
               initial_innovation_platforms=platforms)
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
                          model=model)[0]
    rows = {}
    with np.errstate(all="ignore"):
        for name in stocks:
            values = frame[name].to_numpy(dtype=float)
            change = float(np.max(np.abs(values - values[0])))
            rows[name] = {"initial": values[0], "max_abs_change": change,
                          "relative_drift": change / max(abs(values[0]), 1e-300)}
    return pd.DataFrame.from_dict(rows, orient="index")


# ------------------------------------------------------- extreme conditions
def lever_extremes(model: LoadedModel | None = None) -> list[tuple[str, dict[str, float]]]:
    """Each lever at its minimum and at its maximum, then all together.

    Returns
    -------
    list of (label, overrides)
    """
    entries = catalogue.levers(model or load_model())
    cases = []
    for bound in ("min", "max"):
        for name, entry in entries.items():
            cases.append((f"{name}={bound}", {name: getattr(entry, bound)}))
    for bound in ("min", "max"):
        cases.append((f"all levers={bound}", {n: getattr(e, bound) for n, e in entries.items()}))
    return cases


def extreme_condition_report(
    model: LoadedModel | None = None,
    scenario: Scenario | None = None,
    *,
    engine: str = "batch",
) -> pd.DataFrame:
    """Every indicator finite and non-negative with levers at their bounds.

    Parameters
    ----------
    model : LoadedModel, optional
    scenario : Scenario, optional
        The base case; the model defaults when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per case of :func:`lever_extremes`: ``case``, ``ok``,
        ``bad`` (the indicators and stocks that were non-finite or negative).
    """
    model = model or load_model()
    scenario = scenario or Scenario()
    names = sorted({e.vensim_name for e in catalogue.indicators(model).values()}
                   | set(stock_names(model)))
    cases = lever_extremes(model)
    runs = []
    for _, overrides in cases:
        inputs, controls = scenario_case(scenario, overrides)
        runs.append(inputs)
    frames = simulate_many(runs, columns=names, engine=engine, model=model, **controls)
    rows = []
    for (label, _), frame in zip(cases, frames):
        report = sign_report(frame)
        bad = sorted(report.index[~report["ok"]])
        rows.append({"case": label, "ok": not bad, "bad": ", ".join(bad)})
    return pd.DataFrame(rows)


def reality_checks(scenario: Scenario | None = None, *, engine: str = "batch",
                   model: LoadedModel | None = None) -> pd.DataFrame:
    """Named Reality Check style tests, each with its condition and result.

    - ``zero_new_firms``: incubator capacity 0, no incubated firms, tech SME
      birth rate 0: tech SMEs never rise.
    - ``certain_renewal_no_exit``: first pass rate at its maximum, renewal
      pass rate and reapplication share 1, no exits or revocations:
      high-tech enterprises never fall.
    - ``no_certification``: no applications (so no review pipeline) and no
      renewal: high-tech enterprises are zero from 3 years plus one time
      step after the start.

    Returns
    -------
    pandas.DataFrame
        Index: check; columns ``ok`` and ``detail``.
    """
    model = model or load_model()
    scenario = scenario or Scenario()
    params = catalogue.parameters(model)
    checks = {
        "zero_new_firms": {"incubator_capacity": 0.0, "initial_incubated_firms": 0.0,
                           "tech_sme_birth_rate": 0.0},
        "certain_renewal_no_exit": {
            "first_certification_pass_rate": params["first_certification_pass_rate"].max,
            "hte_renewal_pass_rate": 1.0, "hte_reapplication_share": 1.0,
            "hte_exit_rate": 0.0, "hte_revocation_rate": 0.0},
        "no_certification": {"hte_application_rate": 0.0, "pool_application_rate": 0.0,
                             "hte_reapplication_share": 0.0},
    }
    rows = {}
    for name, overrides in checks.items():
        frame = run_scenario_frame(scenario, overrides, engine=engine, model=model,
                                   columns=["Tech SMEs registered", "High tech enterprises"])
        if name == "zero_new_firms":
            ok, detail = monotone(frame["Tech SMEs registered"], "non-increasing")
        elif name == "certain_renewal_no_exit":
            ok, detail = monotone(frame["High tech enterprises"], "non-decreasing")
        else:
            ok, detail = emptied_after(frame["High tech enterprises"],
                                       scenario.start_year + 3 + scenario.time_step)
        rows[name] = {"ok": ok, "detail": detail}
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


def with_levers(scenario: Scenario, levers: dict[str, LeverPath]) -> Scenario:
    """Return the scenario with some lever paths replaced (not re-validated)."""
    return replace(scenario, levers={**scenario.levers, **levers})
