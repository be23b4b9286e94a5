"""The SD validation battery on one scenario: ``python -m simulator validate SCENARIO``.

Vensim's Reality Check and the usual structural tests (Sterman 2000, Business
Dynamics, ch. 21; Ford, Modeling the Environment, ch. 11) as one report, run on
a planner's own scenario rather than only on the test suite's draws:

- ``signs``: every stock and indicator finite and non-negative;
- ``conservation``: entries - exits = change of the firms in the cultivation
  chain (1e-9 of the chain);
- ``time_step``: halving the time step moves each key indicator by < 1%;
  when it does not, the detail names the time step that converges
  (:mod:`simulator.time_step_advice`);
- ``steady_state``: started at its rest point with the levers held, no stock
  moves (1e-9), where a rest point exists;
- ``reality_checks``: zero new firms, certain renewal, no certification;
- ``extremes``: every lever at its minimum and at its maximum: every stock and
  indicator finite and non-negative.

Each check gives ``ok`` and a one-line detail in Chinese and English
(``detail_zh``, ``detail``); the tables behind them are returned too.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from simulator import catalogue, validation
from simulator.engine.dispatch import check_engine
from simulator.engine.model import LoadedModel, load_model
from simulator.scenario import Scenario
from simulator.time_step_advice import TOLERANCE, check_time_step, worst_change

#: Relative tolerance of conservation and steady state (float rounding only).
RTOL = 1e-9

LABELS = {
    "signs": "非负且有限 / finite and non-negative",
    "conservation": "企业守恒 / firms conserved",
    "time_step": "步长收敛 / time-step convergence",
    "steady_state": "均衡不动 / steady state at rest",
    "reality_checks": "现实检验 / reality checks",
    "extremes": "政策极值 / levers at their extremes",
}


def _verdict(bad: list, passed: tuple[str, str]) -> tuple[bool, tuple[str, str]]:
    """``(ok, (zh, en))``: the ``passed`` details, or the names that failed."""
    names = ", ".join(map(str, bad))
    return not bad, (passed if not bad else (f"未通过：{names}", f"failed: {names}"))


# Each check takes (scenario, model, engine, scenario_run) and returns
# (ok, (detail_zh, detail_en), table); scenario_run() gives the scenario's run
# with every variable, made once for the checks that share it.
def _signs(scenario, model, engine, scenario_run):
    names = sorted({e.vensim_name for e in catalogue.indicators(model).values()}
                   | set(validation.stock_names(model)))
    table = validation.sign_report(scenario_run()[names])
    return *_verdict(list(table.index[~table["ok"]]),
                     ("全部有限且非负", "all finite and non-negative")), table


def _conservation(scenario, model, engine, scenario_run):
    table = validation.conservation_residual(scenario_run())
    worst = float(np.nanmax(np.abs(table["relative"].to_numpy(dtype=float))))
    return worst <= RTOL, (f"最大残差为链上企业数的 {worst:.2g}（限值 {RTOL:g}）",
                           f"largest residual {worst:.2g} of the chain (limit {RTOL:g})"), table


def _time_step(scenario, model, engine, scenario_run):
    table, advice = check_time_step(scenario, engine=engine, model=model)
    if advice is not None:  # names the time step that converges, if one does
        return False, (advice.message_zh, advice.message_en), table
    worst, change = worst_change(table)
    dt, label = scenario.time_step, catalogue.indicators(model)[worst].label_zh
    return True, (
        f"最大变化 {change:.2%}（{label}），步长 {dt:g} 与 {dt / 2:g} 相比（限值 {TOLERANCE:.0%}）",
        f"largest change {change:.2%} ({worst}) at DT {dt:g} vs {dt / 2:g} "
        f"(limit {TOLERANCE:.0%})"), table


def _steady_state(scenario, model, engine, scenario_run):
    try:
        inputs = validation.equilibrium_inputs(scenario, model=model)
    except validation.NoEquilibriumError as error:  # nothing to check, not a failure
        return True, (f"不适用：{error.zh}", f"not applicable: {error}"), pd.DataFrame()
    table = validation.steady_state_report(scenario, inputs, engine=engine, model=model)
    worst = table["relative_drift"].idxmax()
    drift = float(table.loc[worst, "relative_drift"])
    return drift <= RTOL, (f"最大漂移 {drift:.2g}（{worst}；限值 {RTOL:g}）",
                           f"largest drift {drift:.2g} ({worst}; limit {RTOL:g})"), table


def _reality(scenario, model, engine, scenario_run):
    table = validation.reality_checks(scenario, engine=engine, model=model)
    return *_verdict(list(table.index[~table["ok"]]),
                     (f"{len(table)} 项全部通过", f"{len(table)} passed")), table


def _extremes(scenario, model, engine, scenario_run):
    table = validation.extreme_condition_report(model, scenario, engine=engine)
    return *_verdict(table.loc[~table["ok"], "case"].tolist(),
                     (f"{len(table)} 种情形全部通过", f"{len(table)} cases passed")), table


CHECKS = {"signs": _signs, "conservation": _conservation, "time_step": _time_step,
          "steady_state": _steady_state, "reality_checks": _reality, "extremes": _extremes}


def validate_scenario(scenario: Scenario, *, engine: str = "batch",
                      model: LoadedModel | None = None,
                      checks: tuple[str, ...] = tuple(CHECKS)
                      ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Run the battery on ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    engine : {"batch", "pysd"}
    model : LoadedModel, optional
        Defaults to the core model.
    checks : tuple of str
        A subset of :data:`CHECKS`.

    Returns
    -------
    summary : pandas.DataFrame
        Index: check; columns ``check`` (zh / en label), ``ok``, ``detail``
        (English) and ``detail_zh``.
    tables : dict of str to pandas.DataFrame
        The table behind each check.
    """
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise ValueError(f"unknown check(s) {unknown}; valid: {sorted(CHECKS)}")
    check_engine(engine)
    model = model or load_model()
    scenario_run = cache(lambda: validation.run_scenario_frame(scenario, engine=engine,
                                                               model=model))
    rows, tables = {}, {}
    for name in checks:
        ok, (detail_zh, detail), tables[name] = CHECKS[name](scenario, model, engine,
                                                             scenario_run)
        rows[name] = {"check": LABELS[name], "ok": bool(ok), "detail": detail,
                      "detail_zh": detail_zh}
    return pd.DataFrame.from_dict(rows, orient="index"), tables
