"""Reusable checks of the core model: the SD validation battery as functions.

Each check runs the model and returns a table (a :class:`pandas.DataFrame`),
so that the property tests (``tests/properties``), a CLI or a report can use
the same code. The checks follow ``shared/research/model-evidence.md``
section (b) (invariants) and section (c) (numerics: DT halving, mass-balance
residual), in the spirit of Vensim's Reality Check and of Sterman (2000),
*Business Dynamics*, ch. 21 (extreme conditions, integration error).

Runs go through :func:`simulator.engine.dispatch.run_cases`: the vectorised
batch engine (bit-identical to PySD on the core model) by default, or PySD
with ``engine="pysd"``. The modules, by concern:

- :mod:`~simulator.validation.runs`: scenario inputs and runs of many cases;
- :mod:`~simulator.validation.checks`: signs, conservation, analytic decay,
  time-step convergence, monotone and emptied series;
- :mod:`~simulator.validation.money`: money units and rescaled inputs;
- :mod:`~simulator.validation.equilibrium`: the rest point, solved
  numerically on the engine, and the drift from it;
- :mod:`~simulator.validation.extreme`: levers at their bounds and named
  Reality Check style tests.
"""

from simulator.validation.checks import (
    compare_runs,
    conservation_residual,
    dt_convergence,
    emptied_after,
    key_indicator_run,
    monotone,
    rd_capital_decay,
    sign_report,
)
from simulator.validation.equilibrium import (
    ACCOUNTING_STOCKS,
    EQUILIBRIUM_ALTERNATIVES,
    EQUILIBRIUM_POLICY,
    EQUILIBRIUM_RTOL,
    EQUILIBRIUM_ZEROS,
    NoEquilibriumError,
    equilibrium_inputs,
    net_flows,
    rest_unknowns,
    steady_state_report,
)
from simulator.validation.extreme import extreme_condition_report, lever_extremes, reality_checks
from simulator.validation.money import (
    MONEY_UNIT,
    WAN_YUAN_PER_YI_YUAN,
    money_exponent,
    rescale_money,
)
from simulator.validation.runs import (
    run_scenario_frame,
    scenario_case,
    simulate_many,
    stock_names,
    with_levers,
)

__all__ = [
    "ACCOUNTING_STOCKS", "EQUILIBRIUM_ALTERNATIVES", "EQUILIBRIUM_POLICY", "EQUILIBRIUM_RTOL",
    "EQUILIBRIUM_ZEROS", "MONEY_UNIT", "WAN_YUAN_PER_YI_YUAN", "NoEquilibriumError",
    "compare_runs", "conservation_residual", "dt_convergence", "emptied_after",
    "equilibrium_inputs", "extreme_condition_report", "key_indicator_run", "lever_extremes",
    "money_exponent", "monotone", "net_flows", "rd_capital_decay", "reality_checks",
    "rescale_money", "rest_unknowns", "run_scenario_frame", "scenario_case", "sign_report",
    "simulate_many", "steady_state_report", "stock_names", "with_levers",
]
