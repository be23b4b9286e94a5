"""Extreme-condition tests, in the style of Vensim's Reality Check, as code.

Each test forces a condition (no new firms; certain renewal and no exits;
levers at their bounds; no R&D) on any region's baseline with any other
levers and parameters in range, and checks the consequence that must follow
(``shared/research/model-evidence.md`` section (b) item 7; Sterman 2000,
ch. 21, extreme-condition test).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from strategies import Case, baselines, case, cases

from simulator import catalogue, validation
from simulator.engine.model import load_model

ENGINE = "batch"


def _forced(base: Case, forced: dict) -> Case:
    return Case(base.region, {**base.parameters, **forced}, base.levers, base.time_step)


def _run(case_: Case, overrides: dict | None = None, columns: list[str] | None = None):
    inputs, controls = case_.run_inputs(overrides)
    return validation.simulate_many([inputs], columns=columns, engine=ENGINE, **controls)[0]


ZERO_NEW_FIRMS = {"initial_incubated_firms": 0.0, "tech_sme_birth_rate": 0.0}


@example(case("chengdu", parameters={"certification_review_time": 0.5,
                                     "hte_renewal_pass_rate": 0.0}, time_step=1.0))
@example(case("chengdu", parameters={  # thorough profile: rounding at an emptied stock
    "average_loan_per_supported_firm": 0.25, "hte_exit_rate": 0.0, "hte_renewal_pass_rate": 0.0,
    "initial_high_tech_enterprises": 15524.0, "initial_other_rd_active_firms": 0.0,
    "loan_application_uplift": 1.0, "loan_term": 2.75, "pool_exit_rate": 0.171875,
    "tech_sme_exit_rate": 0.02, "tech_sme_lapse_rate": 0.25}, time_step=1.0))
@given(cases(time_steps=True))
def test_zero_new_firms_tech_smes_never_rise(base):
    """Incubator capacity 0, no incubated firms, birth rate 0: tech SMEs decline monotonically."""
    case_ = _forced(base, ZERO_NEW_FIRMS)
    # no incubation places: neither the capacity lever nor new maker spaces (#17) add any
    frame = _run(case_, {"incubator_capacity": 0.0, "maker_space_construction": 0.0},
                 ["Tech SMEs registered", "Incubated firms"])
    assert np.all(frame["Incubated firms"].to_numpy() == 0)
    ok, detail = validation.monotone(frame["Tech SMEs registered"], "non-increasing")
    assert ok, detail


def _certain_renewal() -> dict:
    first = catalogue.parameters(load_model())["first_certification_pass_rate"].max
    return {"first_certification_pass_rate": first, "hte_renewal_pass_rate": 1.0,
            "hte_reapplication_share": 1.0, "hte_exit_rate": 0.0, "hte_revocation_rate": 0.0}


@given(cases(time_steps=True))
def test_certain_renewal_and_no_exits_htes_never_fall(base):
    """Pass rates at their maxima and renewal certain, no exit or revocation: HTEs never fall."""
    frame = _run(_forced(base, _certain_renewal()), columns=["High tech enterprises"])
    ok, detail = validation.monotone(frame["High tech enterprises"], "non-decreasing")
    assert ok, detail


@pytest.mark.parametrize("region", sorted(baselines()))
def test_levers_at_their_bounds_keep_indicators_finite_and_non_negative(region):
    """Each lever at its minimum and maximum, one at a time and all together."""
    report = validation.extreme_condition_report(scenario=baselines()[region], engine=ENGINE)
    failed = report[~report["ok"]]
    assert failed.empty, failed.to_dict("records")


@pytest.mark.parametrize("region", sorted(baselines()))
def test_reality_checks_pass_on_every_baseline(region):
    """The named checks of ``validation.reality_checks`` on each region's baseline."""
    table = validation.reality_checks(baselines()[region], engine=ENGINE)
    assert table["ok"].all(), table[~table["ok"]].to_dict("index")


@example(case("ningxia", parameters={"initial_rd_expenditure": 8.0}))
@example(case("chengdu", parameters={"base_year_st_appropriation": 2.225073858507203e-309,
                                     "rd_depreciation_rate": 0.4}))  # subnormal capital
@example(case("chengdu", parameters={"base_year_st_appropriation": 5000.0,
                                     "maximum_government_rd_share_of_gdp": 0.01}))
@given(cases(vary_levers=False, time_steps=True))
def test_zero_rd_makes_rd_capital_decay(base):
    """No R&D from any source: R&D capital follows K0 exp(-delta t) at any time step.

    Government appropriation 0 and initial R&D no more than the base-year
    government R&D, so business R&D starts, and stays, at zero.
    """
    scenario = base.scenario()
    government0 = min(  # base-year government R&D, capped at a share of GDP
        float(base.value("base_year_st_appropriation")) * float(base.value("government_rd_share")),
        float(base.value("maximum_government_rd_share_of_gdp"))
        * float(base.value("base_year_gdp")))
    forced = _forced(base, {"initial_rd_expenditure": min(float(base.value(
        "initial_rd_expenditure")), government0)})
    frame = _run(forced, {"government_st_appropriation": 0.0}, ["RD capital", "RD expenditure"])
    assert np.all(frame["RD expenditure"].to_numpy() == 0)
    k = frame["RD capital"].to_numpy(dtype=float)
    t = frame.index.to_numpy() - scenario.start_year
    expected = validation.rd_capital_decay(k[0], float(base.value("rd_depreciation_rate")), t)
    # below the smallest normal float (subnormals keep fewer digits), absolute
    np.testing.assert_allclose(k, expected, rtol=1e-12, atol=np.finfo(float).tiny)


#: Model defect (fixed in c009ecb/8d0ab22: notch user cost, R&D capped at a share
#: of GDP): with the tax rate, super deduction and price elasticity at the
#: ends of their ranges the user cost hits its floor (0.01, "never binds" says
#: its comment) against a reference of 0.29: desired business R&D x 846, and R&D
#: intensity reaches 1269% of GDP.
USER_COST_FLOOR = case("chengdu", parameters={
    "initial_hte_share_of_business_rd": 0.1, "minimum_rd_user_cost": 0.01,
    "rd_price_elasticity": 2.0, "standard_corporate_tax_rate": 0.5},
    levers={"super_deduction_rate": 2.0})


#: Model defect (fixed: actual business R&D held to the ceiling share of GDP):
#: the ceiling applied to desired R&D only, so with GDP falling 10%/yr and a
#: 10-year adjustment the lagging R&D reached 104% of GDP by 2035 (found by a
#: thorough run).
FALLING_GDP = case("ningxia", parameters={
    "business_rd_adjustment_time": 10.0, "gdp_growth_rate": -0.1, "initial_rd_expenditure": 1e5,
    "maximum_business_rd_share_of_gdp": 0.3, "maximum_government_rd_share_of_gdp": 0.2,
    "pre_sample_rd_growth": 0.3, "rd_propensity_fade_time": 40.0, "rd_propensity_growth": 0.15},
    levers={"government_st_appropriation": 5000.0})


@example(USER_COST_FLOOR)
@example(FALLING_GDP)
@given(cases())
def test_rd_intensity_stays_below_100_percent(base):
    """R&D expenditure never exceeds GDP (model-evidence.md (b) 7: intensity < 1)."""
    frame = _run(base, columns=["RD intensity"])
    assert frame["RD intensity"].max() < 100, frame["RD intensity"].idxmax()
