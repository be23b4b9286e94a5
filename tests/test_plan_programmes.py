"""The plan-programme sector of the core model (issue #17 point 4): counts, channels, bounds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS_DIR

from simulator.catalogue import levers, parameters
from simulator.runner import run_scenario
from simulator.scenario import Scenario, load_scenario

PROGRAMME_LEVERS = (
    "key_st_projects_launched", "innovation_team_introduction", "national_platform_approval",
    "agricultural_platform_construction", "pilot_platform_construction",
    "innovation_consortium_formation", "major_st_infrastructure_construction",
    "maker_space_construction", "major_result_conversion_support",
)


def _with(region: str, **settings) -> Scenario:
    base = load_scenario(SCENARIOS_DIR / f"{region}-baseline.yaml")
    data = base.to_dict()
    data["levers"] = {**data.get("levers", {}), **settings}
    return Scenario.from_dict(data)


@pytest.fixture(scope="module")
def suining():
    return run_scenario(_with("suining")).frame


def test_programme_levers_default_to_zero_so_baselines_are_unchanged():
    entries = levers()
    assert all(entries[name].default == 0 for name in PROGRAMME_LEVERS)


def test_project_funds_are_government_rd_at_the_stated_price(suining):
    """100 projects at 0.005亿元 add exactly 0.5亿元 of government R&D in the year they start."""
    price = parameters()["funding_per_key_st_project"].default
    assert price == 0.005  # 5000万元 / 100 projects, seeds/000
    frame = run_scenario(_with("suining", key_st_projects_launched={
        "type": "step", "year": 2022, "before": 0, "after": 100})).frame
    assert frame.at[2022, "key_st_project_funds"] == pytest.approx(0.5, rel=1e-12)
    extra = frame.at[2022, "government_rd"] - suining.at[2022, "government_rd"]
    assert extra == pytest.approx(0.5, rel=1e-9)
    assert frame.at[2021, "government_rd"] == pytest.approx(suining.at[2021, "government_rd"])
    assert frame.at[2025, "key_st_projects_cumulative"] == pytest.approx(300, rel=1e-9)


def test_teams_add_personnel_and_maker_spaces_add_incubated_firms(suining):
    teams = run_scenario(_with("suining", innovation_team_introduction=10)).frame
    assert teams.at[2018, "innovation_teams"] == 0
    assert 0 < teams.at[2025, "innovation_teams"] < 10 * 7  # 7 years of intake, less attrition
    assert (teams["rd_personnel"] >= suining["rd_personnel"] - 1e-9).all()
    assert teams.at[2025, "rd_personnel"] > suining.at[2025, "rd_personnel"]
    spaces = run_scenario(_with("suining", maker_space_construction=2)).frame
    assert spaces.at[2025, "university_maker_spaces"] == pytest.approx(14, rel=1e-9)
    assert spaces.at[2025, "incubated_firms"] > suining.at[2025, "incubated_firms"]


def test_typed_platforms_join_the_innovation_platforms(suining):
    frame = run_scenario(_with("suining", pilot_platform_construction=4,
                               national_platform_approval=1)).frame
    assert frame.at[2022, "pilot_platforms_built"] == 4
    assert frame.at[2022, "national_rd_platforms"] == pytest.approx(4, rel=1e-9)
    assert frame.at[2025, "innovation_platforms"] > suining.at[2025, "innovation_platforms"]


@pytest.mark.parametrize("region", ["yibin", "hechuan", "suining", "ningxia", "chengdu"])
def test_shares_and_subsets_stay_within_their_parents(region):
    """No count exceeds its parent; every share lies in 0-100%."""
    frame = run_scenario(load_scenario(SCENARIOS_DIR / f"{region}-plan.yaml")).frame
    for share in ("share_above_scale_industrial_firms_with_rd",
                  "share_above_scale_firms_with_rd_platform", "share_hte_with_rd_platform"):
        values = frame[share].to_numpy()
        assert np.all((values >= 0) & (values <= 100 + 1e-9)), share
    assert (frame["tech_based_enterprises"] <= frame["firms_in_cultivation_chain"] + 1e-9).all()
    assert (frame["high_tech_enterprises"] <= frame["tech_based_enterprises"] + 1e-9).all()
    loans = frame["tech_firms_new_loans"] / parameters()["average_loan_per_supported_firm"].default
    np.testing.assert_allclose(frame["firms_newly_financed"], loans, rtol=1e-12)


def test_reality_checks_pass_on_the_plan_that_builds_maker_spaces():
    """Zero new firms means no new maker spaces either: Hechuan's plan builds them."""
    from simulator.validation.extreme import reality_checks

    checks = reality_checks(load_scenario(SCENARIOS_DIR / "hechuan-plan.yaml"))
    assert checks["ok"].all(), checks.to_dict("index")
