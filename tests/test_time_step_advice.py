"""Time-step advice: a run that does not converge in its time step names one that does."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import SCENARIOS_DIR

from simulator import time_step_advice as advice_module
from simulator import validation
from simulator.scenario import Scenario, load_scenario
from simulator.time_step_advice import check_time_step, time_step_advice

PLAN = SCENARIOS_DIR / "ningxia-plan.yaml"


def incubator_onset(time_step: float | None = None) -> Scenario:
    """Yibin with no SME births and incubator capacity stepped from 0 to 100,000 in 2034.

    The open Euler case of tests/properties/test_invariants.py (EULER_LIMITS):
    halving DT moves the 2035 high-tech enterprises by 3.42% (1/16), 1.77%
    (1/32) and 0.90% (1/64).
    """
    data = load_scenario(SCENARIOS_DIR / "yibin-baseline.yaml").to_dict()
    data.setdefault("parameters", {})["tech_sme_birth_rate"] = 0.0
    data.setdefault("levers", {})["incubator_capacity"] = {
        "type": "step", "year": 2034, "before": 0.0, "after": 100000.0}
    if time_step is not None:
        data["time_step"] = time_step
    return Scenario.from_dict(data)


def test_a_converged_run_gets_no_advice_and_the_battery_table():
    """The plan converges; the table is validation.dt_convergence's, bit for bit."""
    scenario = load_scenario(PLAN)
    table, advice = check_time_step(scenario)
    assert advice is None
    pd.testing.assert_frame_equal(table, validation.dt_convergence(scenario))
    assert table["relative_change"].max() < advice_module.TOLERANCE


def test_a_run_already_made_saves_one_run(monkeypatch):
    """The app passes its own run as ``coarse``: same table, one run fewer."""
    from simulator.runner import run_scenario

    scenario = incubator_onset()
    expected = check_time_step(scenario, finest=None)
    calls = []
    real = validation.key_indicator_run
    monkeypatch.setattr(validation, "key_indicator_run",
                        lambda sc, dt, *a, **k: calls.append(dt) or real(sc, dt, *a, **k))
    table, advice = check_time_step(scenario, finest=None, coarse=run_scenario(scenario).frame)
    assert calls == [1 / 32]
    pd.testing.assert_frame_equal(table, expected[0])
    assert advice == expected[1]


def test_a_late_onset_names_the_time_step_that_converges():
    advice = time_step_advice(incubator_onset())
    assert advice.indicator == "high_tech_enterprises" and advice.label_zh == "高新技术企业"
    assert advice.change == pytest.approx(0.0342, abs=5e-4)
    assert advice.converged_at == 1 / 64
    # the claim holds when checked on its own: 1/64 converges, 1/32 does not
    passing = validation.dt_convergence(incubator_onset(1 / 64))["relative_change"].max()
    failing = validation.dt_convergence(incubator_onset(1 / 32))["relative_change"].max()
    assert passing < advice_module.TOLERANCE <= failing
    assert "time_step: 0.015625" in advice.message_zh and "高新技术企业" in advice.message_zh
    assert advice.message_en.endswith("it converges at 0.015625: set time_step: 0.015625 in the"
                                      " scenario file")
    assert "3.42% of its largest value (limit 1%)" in advice.message_en


def test_the_search_stops_at_the_finest_time_step():
    advice = time_step_advice(incubator_onset(), finest=1 / 32)
    assert advice.converged_at is None and advice.finest == 1 / 32
    assert advice.message_en.endswith("not converged down to a time step of 0.03125")
    assert advice.message_zh.endswith("直到步长 0.03125 仍未收敛")


def test_without_the_search_one_extra_run_is_made(monkeypatch):
    calls = []
    real = validation.key_indicator_run

    def counted(scenario, time_step, *args, **kwargs):
        calls.append(time_step)
        return real(scenario, time_step, *args, **kwargs)

    monkeypatch.setattr(validation, "key_indicator_run", counted)
    advice = time_step_advice(incubator_onset(), finest=None)
    assert calls == [1 / 16, 1 / 32]
    assert advice.converged_at is None and advice.finest is None
    assert "lower time_step in the scenario file" in advice.message_en


def test_a_non_finite_run_is_named_as_such():
    advice = advice_module.TimeStepAdvice(0.0625, "gdp", "地区生产总值", math.nan, None, 1 / 1024)
    assert advice.message_en == "gdp is not finite in the final year at DT 0.0625 or 0.03125"
    assert advice.message_zh == "地区生产总值在步长 0.0625 或 0.03125 下的最终值不是有限数"


@pytest.mark.parametrize("options, message", [
    ({"tolerance": 0.0}, "tolerance 0.0 must be between 0 and 1"),
    ({"tolerance": math.nan}, "tolerance nan must be between 0 and 1"),
    ({"finest": 2.0}, "finest 2.0 must be a time step in (0, 1] year, or None"),
    ({"finest": -1.0}, "finest -1.0 must be a time step in (0, 1] year, or None"),
])
def test_bad_options_name_the_valid_range(options, message):
    with pytest.raises(ValueError) as raised:
        check_time_step(load_scenario(PLAN), **options)
    assert str(raised.value).startswith(message)
