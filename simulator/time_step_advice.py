"""Tell whether a scenario's run has converged in its time step, and if not, which one has.

Both engines integrate with Euler's method by default, as Vensim does. Each
stock then lags its input by part of a time step, so results depend on the
time step (DT) at first order (under ``integration: rk4`` at fourth order,
mostly; the check halves DT under the scenario's own method). The usual check (Ford, *Modeling the
Environment*, ch. 11) is to halve DT and see whether the results move. The
model's DT of 1/16 year passes for the plan scenarios (0.09-0.18%). It fails
where a late lever step makes an indicator grow fast through a chain of
stocks: incubator capacity stepped from 0 to 100,000 in 2034 moves the
final-year indicators by 3.4% when DT is halved (README, "Time step"). A
planner who reads that year's value against a target is entitled to know.

:func:`time_step_advice` halves the time step and compares the key
indicators, with the criterion of :func:`simulator.validation.dt_convergence`.
If they move by :data:`TOLERANCE` or more, it keeps halving and reports the
largest time step whose halving passes, down to :data:`FINEST_TIME_STEP`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from simulator import catalogue, validation
from simulator.engine.model import LoadedModel, load_model
from simulator.scenario import Scenario

#: Largest relative change of a key indicator allowed when DT is halved.
TOLERANCE = 0.01
#: Finest time step tried when looking for one that converges [year]; a run
#: at 1/1024 costs 64 runs at the default 1/16.
FINEST_TIME_STEP = 1 / 1024


def worst_change(table: pd.DataFrame) -> tuple[str, float]:
    """Return the indicator that moves most in a :func:`validation.compare_runs` table.

    A non-finite change (NaN) counts as the worst, so that no check passes it.
    """
    changes = table["relative_change"]
    worst = changes.index[changes.isna()][0] if changes.isna().any() else changes.idxmax()
    return worst, float(changes[worst])


@dataclass(frozen=True)
class TimeStepAdvice:
    """A run that is not converged in its time step.

    Attributes
    ----------
    time_step : float
        The scenario's time step [year].
    indicator : str
        The key indicator that moves most when it is halved (Python name).
    label_zh : str
        Its Chinese label.
    change : float
        Its relative change (NaN: a run is not finite).
    converged_at : float or None
        Largest time step, halving from ``time_step``, whose halving moves
        every key indicator by less than the tolerance; None when none does
        down to ``finest``, when a run is not finite, or when not searched.
    finest : float or None
        Finest time step tried [year]; None when the search was skipped.
    tolerance : float
    """

    time_step: float
    indicator: str
    label_zh: str
    change: float
    converged_at: float | None
    finest: float | None
    tolerance: float = TOLERANCE

    @property
    def message_zh(self) -> str:
        """The advice in Chinese."""
        return self._message("zh")

    @property
    def message_en(self) -> str:
        """The advice in English."""
        return self._message("en")

    def _message(self, lang: str) -> str:
        words = _MESSAGES[lang]
        values = {"dt": self.time_step, "half": self.time_step / 2, "change": self.change,
                  "tolerance": self.tolerance, "finest": self.finest, "at": self.converged_at,
                  "name": self.label_zh if lang == "zh" else self.indicator}
        if math.isnan(self.change):
            return words["not_finite"].format(**values)
        ending = ("no_search" if self.finest is None
                  else "not_converged" if self.converged_at is None else "converges")
        return (words["head"] + words[ending]).format(**values)


#: Sentences of the advice; "head" is followed by one of the three endings.
_MESSAGES = {
    "zh": {
        "not_finite": "{name}在步长 {dt:g} 或 {half:g} 下的最终值不是有限数",
        "head": (
            "步长 {dt:g} 减半使{name}末年值的变化达其最大值的 {change:.2%}"
            "（限值 {tolerance:.0%}）"
        ),
        "no_search": "；请减小情景文件中的 time_step（validate 命令可找出收敛的步长）",
        "not_converged": "；直到步长 {finest:g} 仍未收敛",
        "converges": "；步长 {at:g} 时收敛：请在情景文件中设 time_step: {at:g}",
    },
    "en": {
        "not_finite": "{name} is not finite in the final year at DT {dt:g} or {half:g}",
        "head": ("halving the time step {dt:g} moves {name} in the final year by {change:.2%} of"
                 " its largest value (limit {tolerance:.0%})"),
        "no_search": ("; lower time_step in the scenario file (the validate command finds one"
                      " that converges)"),
        "not_converged": "; not converged down to a time step of {finest:g}",
        "converges": "; it converges at {at:g}: set time_step: {at:g} in the scenario file",
    },
}


def check_time_step(
    scenario: Scenario,
    overrides: dict | None = None,
    *,
    tolerance: float = TOLERANCE,
    finest: float | None = FINEST_TIME_STEP,
    engine: str = "batch",
    model: LoadedModel | None = None,
    coarse: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, TimeStepAdvice | None]:
    """Check a scenario's time step by halving it.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        As for :func:`simulator.validation.scenario_case`.
    tolerance : float, default :data:`TOLERANCE`
        Largest relative change allowed (of the indicator's scale, see
        :func:`simulator.validation.dt_convergence`).
    finest : float or None, default :data:`FINEST_TIME_STEP`
        Finest time step tried when looking for one that converges [year];
        None skips the search (one extra run, at half the time step).
    engine : {"batch", "pysd"}
    model : LoadedModel, optional
    coarse : pandas.DataFrame, optional
        The scenario's run at its own time step when already made (yearly
        rows, key indicators by Python name, as :class:`simulator.results.Results`
        has them), to save that run.

    Returns
    -------
    table : pandas.DataFrame
        The scenario's time step against half of it, as
        :func:`simulator.validation.dt_convergence` gives it.
    advice : TimeStepAdvice or None
        None when every key indicator moves by less than ``tolerance``.
    """
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance {tolerance!r} must be between 0 and 1 (a share, e.g. 0.01)")
    if finest is not None and not 0 < finest <= 1:
        raise ValueError(f"finest {finest!r} must be a time step in (0, 1] year, or None")
    model = model or load_model()

    def run(dt: float) -> pd.DataFrame:
        return validation.key_indicator_run(scenario, dt, overrides, engine=engine, model=model)

    dt = scenario.time_step
    if coarse is None:
        coarse = run(dt)
    else:
        coarse = coarse[list(catalogue.KEY_INDICATORS)]
    fine = run(dt / 2)
    table = validation.compare_runs(coarse, fine)
    indicator, change = worst_change(table)
    if change < tolerance:
        return table, None
    converged_at, step = None, dt / 2
    while not math.isnan(change) and finest is not None and step / 2 >= finest:
        finer = run(step / 2)
        if worst_change(validation.compare_runs(fine, finer))[1] < tolerance:
            converged_at = step
            break
        fine, step = finer, step / 2
    label_zh = catalogue.indicators(model)[indicator].label_zh
    return table, TimeStepAdvice(dt, indicator, label_zh, change, converged_at, finest, tolerance)


def time_step_advice(scenario: Scenario, overrides: dict | None = None,
                     **options) -> TimeStepAdvice | None:
    """Return the advice of :func:`check_time_step` alone; None when the run converges."""
    return check_time_step(scenario, overrides, **options)[1]
