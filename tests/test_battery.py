"""The validation battery on one scenario (``python -m simulator validate``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import CORE_MODEL, SCENARIOS_DIR

from simulator.battery import CHECKS, validate_scenario
from simulator.cli import VALIDATION_CHECKS, main
from simulator.engine.model import load_model
from simulator.scenario import load_scenario

PLAN = SCENARIOS_DIR / "ningxia-plan.yaml"


def test_plan_scenario_passes_every_check():
    """Ningxia's plan passes all six checks; each has a zh / en label and its table."""
    summary, tables = validate_scenario(load_scenario(PLAN))
    assert list(summary.index) == list(CHECKS) and set(tables) == set(CHECKS)
    assert summary["ok"].all(), summary.to_dict("index")
    assert "/" in summary.loc["signs", "check"]  # zh / en label
    assert len(tables["extremes"]) == 36  # 17 levers at min and max, then all together


def test_a_coarse_time_step_fails_convergence_only():
    """DT 1 moves turnover by about 3% when halved: the time-step check names it."""
    scenario = dataclasses.replace(load_scenario(PLAN), time_step=1.0)
    summary, tables = validate_scenario(scenario, checks=("time_step", "signs"))
    assert not summary.loc["time_step", "ok"] and summary.loc["signs", "ok"]
    assert "tech_contract_turnover" in summary.loc["time_step", "detail"]
    assert "技术合同成交额" in summary.loc["time_step", "detail_zh"]  # the indicator's zh label
    assert tables["time_step"]["relative_change"].max() > 0.01


def test_a_broken_outflow_fails_the_sign_check(tmp_path):
    """Delistings 400 times too large overshoot the platform stock within one step."""
    text = CORE_MODEL.read_text(encoding="utf-8")
    equation = "Platform delisting rate * Innovation platforms * Platform step factor\n"
    assert equation in text
    broken = tmp_path / "broken.mdl"
    broken.write_text(text.replace(equation, equation.rstrip("\n") + " * 400\n"), encoding="utf-8")
    summary, _ = validate_scenario(load_scenario(PLAN), model=load_model(broken),
                                   checks=("signs",))
    assert not summary.loc["signs", "ok"]
    assert "Innovation platforms" in summary.loc["signs", "detail"]


def test_a_non_finite_final_year_fails_the_time_step_check(tmp_path):
    """NaN in the final year is not 'converged': the check fails and names the indicator."""
    text = CORE_MODEL.read_text(encoding="utf-8")
    equation = "* EXP(Productivity growth * (Time - INITIAL TIME))\n"
    assert text.count(equation) == 1
    broken = tmp_path / "broken.mdl"  # LN of a negative number after mid-2034: NaN
    broken.write_text(text.replace(equation, equation.rstrip("\n") + " * LN(2034.5 - Time)\n"),
                      encoding="utf-8")
    summary, tables = validate_scenario(load_scenario(PLAN), model=load_model(broken),
                                        checks=("time_step",))
    assert not summary.loc["time_step", "ok"]
    named = summary.loc["time_step", "detail"].split(" is not finite")[0]
    assert named in ("high_tech_industry_revenue", "rd_expenditure")  # R&D follows revenue
    assert np.isnan(tables["time_step"].loc[named, "relative_change"])
    assert np.isnan(tables["time_step"].loc["high_tech_industry_revenue", "relative_change"])
    assert "不是有限数" in summary.loc["time_step", "detail_zh"]


def test_a_scenario_without_rest_point_skips_the_steady_state_in_both_languages():
    """Every certificate renewed and none leaking: 'not applicable', with the zh reason."""
    scenario = load_scenario(PLAN)
    scenario = dataclasses.replace(scenario, parameters={
        **scenario.parameters, "hte_exit_rate": 0.0, "hte_revocation_rate": 0.0,
        "hte_reapplication_share": 1.0, "hte_renewal_pass_rate": 1.0})
    summary, tables = validate_scenario(scenario, checks=("steady_state",))
    row = summary.loc["steady_state"]
    assert row["ok"] and tables["steady_state"].empty
    assert row["detail"].startswith("not applicable: no equilibrium")
    assert row["detail_zh"].startswith("不适用：无均衡点")
    assert not any("a" <= ch.lower() <= "z" for ch in row["detail_zh"])  # no English inside


def test_unknown_check_and_engine_name_the_valid_choices():
    """A wrong check or engine name is a ValueError listing the valid ones."""
    scenario = load_scenario(PLAN)
    unknown_check = r"unknown check\(s\) \['sign'\]; valid: \['conservation'"
    with pytest.raises(ValueError, match=unknown_check):
        validate_scenario(scenario, checks=("sign",))
    unknown_engine = r"'fast' is not a valid engine. It must be one of \['auto', 'batch', 'pysd'\]"
    with pytest.raises(ValueError, match=unknown_engine):
        validate_scenario(scenario, engine="fast")


def test_cli_exit_codes(tmp_path, capsys):
    """Exit 0 when every check passes, 1 when one fails, 2 for bad input."""
    assert main(["validate", str(PLAN), "--only", "signs", "--only", "conservation"]) == 0
    out = capsys.readouterr().out
    assert "PASS  非负且有限 / finite and non-negative: 全部有限且非负 / all finite" in out
    assert "2 passed, 0 failed" in out
    coarse = tmp_path / "coarse.yaml"
    coarse.write_text(PLAN.read_text(encoding="utf-8").replace("time_step: 0.0625", "time_step: 1"),
                      encoding="utf-8")
    assert main(["validate", str(coarse), "--only", "time_step"]) == 1
    assert "FAIL  步长收敛 / time-step convergence" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    assert "error: scenario file not found" in capsys.readouterr().err


def test_cli_offers_every_check_of_the_battery():
    """The CLI's --only choices are the battery's checks, in the same order."""
    assert VALIDATION_CHECKS == tuple(CHECKS)
