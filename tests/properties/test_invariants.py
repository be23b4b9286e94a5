"""Invariants of the core model for any levers and parameters in their ranges.

Source: ``shared/research/model-evidence.md`` section (b). Every property draws
a region's baseline scenario and moves lever paths (constant, step, ramp,
yearly) and parameters inside their catalogued ranges (``strategies.py``).

Monotone responses (paired runs, every saved year; weak inequality with a
relative tolerance of 1e-9 for float noise only):

More support never lowers the indicators it is meant to raise
    - ``post_subsidy_rate``, ``super_deduction_rate``: business R&D, R&D
      expenditure, R&D intensity, R&D capital;
    - ``government_st_appropriation``: government R&D, R&D expenditure,
      R&D intensity, R&D capital;
    - ``incubator_capacity``: incubated firms, cumulative firm entries,
      cumulative newly certified high-tech enterprises;
    - ``tech_transfer_institutions``: tech-contract turnover;
    - ``talent_programme_intake``: R&D personnel, tech-contract turnover;
    - ``new_sci_tech_loans``: loans outstanding, cumulative newly certified
      high-tech enterprises;
    - ``innovation_platform_construction``: platforms, tech-contract turnover;
    - ``first_certification_pass_rate``, ``hte_renewal_pass_rate``,
      ``hte_reapplication_share``: totals to date of high-tech enterprises
      (certified firm-years), high-tech revenue, R&D expenditure and
      tech-contract turnover; high-growth firm-years to date with the loan
      coverage held (see ``test_high_growth_firms_follow_the_certified_firms``).

A higher depreciation, obsolescence, exit or attrition rate never raises them
    - ``rd_depreciation_rate``: R&D capital, transferable results,
      tech-contract turnover, with loop R1 (revenue to business R&D) cut;
    - ``result_obsolescence_rate``: transferable results, tech-contract turnover;
    - ``tech_sme_exit_rate``: tech SMEs, high-tech enterprises;
    - ``tech_sme_lapse_rate``: tech SMEs;
    - ``hte_exit_rate``, ``hte_revocation_rate``: high-tech enterprises,
      high-tech revenue, R&D expenditure, tech-contract turnover; high-growth
      firms with the loan coverage held;
    - ``platform_delisting_rate``: innovation platforms;
    - ``talent_attrition_rate``: R&D personnel.

Not claimed: the response of tech SMEs to loans and pass rates (both move
SMEs into certification), of high-tech enterprises to the lapse rate (lapsed
SMEs may still apply from the pool), of the tech-SME and high-tech
enterprise stocks to incubator capacity, and of the high-tech enterprise and
high-growth stocks to loans. More incubated firms mean more certified firms,
whose R&D raises the eligibility of the remaining SMEs (they move into
certification sooner); loans raise SME applications, so SMEs are certified
sooner; a fixed loan volume covers a smaller share of a larger chain; and with
little renewal, certificates pulled forward all expire three years later.
Each can put the higher run's stock below the other's in a later year (tech
SMEs by 0.06% in 2027 in the incubator example, high-tech enterprises by 0.11%
in 2025 in the loans example), so the claim is on what the incubators and the
loans supply to date. Nor, with loop R1 closed, the
response to the depreciation rate (see ``HELD``): in an R&D boom a higher
rate can raise R&D capital through revenue. Nor, with the loan coverage free,
the response of high-growth firms to the certification rates: a fixed loan
volume covers more certified firms more thinly (crowding), and the 3-year
high-growth window remembers the lower coverage after extra certificates have
lapsed (a higher renewal pass rate: high-growth firms 0.015% lower in 2025 in
the example, with the certified stock 0.063% higher). Nor the yearly stocks
under the rates that certify or keep firms: certificates they pull forward or
renew expire together three years later (reapplication 1 instead of 0: 0.085%
fewer certified firms in 2025 in ``ECHO``, 13.8 more half a year later).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from strategies import (
    Case,
    baselines,
    case,
    cases,
    lever_entries,
    lever_paths,
    parameter_entries,
    values,
)

from simulator import catalogue, validation
from simulator.engine.model import CONTROL_NAMES, load_model, time_grid
from simulator.levers import LeverPath

ENGINE = "batch"
#: Relative tolerance of the conservation, equilibrium and money-unit checks.
RTOL = 1e-9


def indicator_columns() -> dict[str, str]:
    """Return indicator name to Vensim name."""
    return {name: e.vensim_name for name, e in catalogue.indicators(load_model()).items()}


def checked_columns() -> list[str]:
    """Return every stock and every indicator (Vensim names)."""
    return sorted(set(indicator_columns().values()) | set(validation.stock_names()))


def run(case_: Case, overrides: dict | None = None, *, saveper: float | None = None,
        columns: list[str] | None = None):
    """Run a case (every time step unless ``saveper``) with the batch engine."""
    inputs, controls = case_.run_inputs(overrides)
    return validation.simulate_many([inputs], saveper=saveper, columns=columns, engine=ENGINE,
                                    **controls)[0]


# ------------------------------------------------------- finite, non-negative
#: Found by these properties: divisions by zero start values (fixed in a079ff4
#: by XIDZ/ZIDZ guards); kept as explicit examples.
ZERO_DENOMINATORS = [
    case("ningxia", parameters={"initial_rd_expenditure": 0.0}),
    case("ningxia", parameters={"base_year_gdp": 0.0}),
    case("ningxia", parameters={"initial_high_tech_enterprises": 0.0}),
]


#: Model defect (fixed in 8d0ab22, indices floor at zero): with no certification
#: and no renewal the HTE stock is emptied
#: by the expiry cap to -5.7e-14 (float rounding); Firm count index and RD
#: capital per HTE index then take a negative base to a fractional power: NaN
#: from 2022.75, which spreads through revenue and business R&D to every stock.
HTE_ROUNDING_NAN = case("chengdu", parameters={
    "hte_application_rate": 0.0, "hte_exit_rate": 0.1, "hte_renewal_pass_rate": 0.0,
    "pool_application_rate": 0.0})
#: Not a defect: more reapplication lowers one later year's certified stock
#: (test_reapplication_can_lower_a_later_years_stock).
ECHO = case("chengdu", parameters={
    "hte_application_rate": 0.0, "hte_exit_rate": 0.1, "hte_renewal_pass_rate": 0.0625,
    "initial_other_rd_active_firms": 0.0, "pool_application_rate": 0.3,
    "standard_corporate_tax_rate": 0.0, "tech_sme_birth_rate": 0.0, "tech_sme_lapse_rate": 0.05})
#: Model defect (fixed in 8d0ab22, outflows guarded by TIME STEP): DT = 1 (a time
#: step the scenario validator accepts) exceeds the
#: certification review time, so explicit Euler empties the review pipeline by
#: more than it holds: Applicants under review goes negative.
COARSE_STEP_OVERSHOOT = case("chengdu", parameters={
    "initial_tech_smes": 1000000.0, "pool_application_rate": 0.0}, time_step=1.0)


@example(HTE_ROUNDING_NAN)
@example(ZERO_DENOMINATORS[0])
@example(ZERO_DENOMINATORS[1])
@example(ZERO_DENOMINATORS[2])
@given(cases(time_steps=True))
def test_every_stock_and_indicator_is_finite(case_):
    """No stock or indicator is ever NaN or infinite."""
    frame = run(case_, columns=checked_columns())
    values_ = frame.to_numpy(dtype=float)
    bad = sorted(frame.columns[~np.isfinite(values_).all(axis=0)])
    assert not bad, f"non-finite: {bad}"


@example(COARSE_STEP_OVERSHOOT)
@given(cases(time_steps=True))
def test_every_stock_and_indicator_is_non_negative(case_):
    """No finite stock or indicator goes below zero (beyond float rounding)."""
    check_non_negative(case_)


@example(replace(COARSE_STEP_OVERSHOOT, integration="rk4"))
@example(replace(HTE_ROUNDING_NAN, integration="rk4", time_step=1.0))
@given(cases(time_steps=True).map(lambda case_: replace(case_, integration="rk4")))
def test_drain_guards_keep_every_stock_finite_and_non_negative_under_rk4(case_):
    """The drain guards (outflows capped at stock/TIME STEP) hold under RK4's four stages."""
    frame = run(case_, columns=checked_columns())
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    check_non_negative(case_, frame)


def check_non_negative(case_: Case, frame=None) -> None:
    """No finite stock or indicator of the case's run below -1e-12 of its scale."""
    frame = run(case_, columns=checked_columns()) if frame is None else frame
    values_ = frame.to_numpy(dtype=float)
    scale = np.nanmax(np.where(np.isfinite(values_), np.abs(values_), np.nan), axis=0, initial=1.0)
    negative = np.isfinite(values_) & (values_ < -1e-12 * np.maximum(scale, 1.0))
    bad = {c: float(values_[:, i].min()) for i, c in enumerate(frame.columns)
           if negative[:, i].any()}
    assert not bad, f"negative: {bad}"


# ------------------------------------------------------------ conservation
@example(ZERO_DENOMINATORS[0])
@given(cases(time_steps=True))
def test_firms_are_conserved_through_the_cultivation_chain(case_):
    """Chain(t) - chain(t0) == cumulative entries - cumulative exits, to 1e-9 relative."""
    frame = run(case_, columns=["Firms in cultivation chain", "Cumulative firm entries",
                                "Cumulative firm exits"])
    residual = validation.conservation_residual(frame)
    worst = residual["relative"].abs().max()
    assert worst <= RTOL, residual.loc[residual["relative"].abs().idxmax()].to_dict()


# ------------------------------------------------------ certificate validity
@st.composite
def no_certification_cases(draw):
    """No applications (hence an empty review pipeline) and no renewal."""
    base = draw(cases(time_steps=True))
    no_renewal = draw(st.sampled_from([{"hte_reapplication_share": 0.0},
                                       {"hte_renewal_pass_rate": 0.0}]))
    parameters = {**base.parameters, "hte_application_rate": 0.0, "pool_application_rate": 0.0,
                  **no_renewal}
    return Case(base.region, parameters, base.levers, base.time_step)


@example(HTE_ROUNDING_NAN)
@given(no_certification_cases())
def test_certificates_lapse_within_three_years(case_):
    """With no new certificates and no renewal, no HTE is left after 3 years + DT.

    The initial certificates expire evenly over their remaining validity,
    leaking by revocation and exit on the way: the conveyor is exact, so the
    stock reaches zero at t0 + 3 (float rounding aside) and stays there.
    """
    scenario = case_.scenario()
    frame = run(case_, columns=["High tech enterprises", "Applicants under review"])
    assert np.all(frame["Applicants under review"].to_numpy() == 0)
    ok, detail = validation.emptied_after(frame["High tech enterprises"],
                                          scenario.start_year + 3 + scenario.time_step)
    assert ok, detail


# -------------------------------------------------------- monotone responses
RD = ("business_rd", "rd_expenditure", "rd_intensity", "rd_capital")
CUMULATIVE = "cumulative "
# Turnover is claimed on its total to date: a lever that changes the conversion
# rate (directly, or through absorptive capacity) shifts conversions of the
# results stock in time, so one later year's turnover may move the other way.
CERTIFIED = ("high_tech_enterprises", "high_tech_industry_revenue",
             "rd_expenditure", CUMULATIVE + "tech_contract_turnover")
#: For the rates that certify or keep firms (first pass, renewal, reapplication)
#: the claim is on totals to date (certified firm-years, revenue, R&D): these
#: rates pull certifications forward, and certificates granted together expire
#: together three years later (test_reapplication_can_lower_a_later_years_stock).
CERTIFIED_TO_DATE = tuple(CUMULATIVE + name.removeprefix(CUMULATIVE) for name in CERTIFIED)

#: Found by the monotone properties and fixed in the model (examples kept):
#: - c009ecb: the eligibility effect diluted business R&D over every tracked
#:   firm, and loop R2 had the wrong sign (the 15% rate raised the user cost).
#: - A higher HTE exit or revocation rate raised the certified count: (1) the
#:   analytic emptying of the initial cohorts left a rounding residue (1e-16 of
#:   the stock) that the revenue power law amplified: the certified stock now has
#:   one capped outflow that empties it exactly; (2) revoked firms re-applied at
#:   once and came back with fresh certificates, sooner than they would have as
#:   lapsed firms: they now wait out a bar of three years (Revocation bar).
#: - Found only in the full-suite CI draws of aa6b0e0, both diagnosed since as
#:   real effects, not defects: a higher renewal pass rate lowering high-growth
#:   firms (loan crowding, LOAN_COVERAGE) and a higher depreciation rate raising
#:   R&D capital (loop R1, HELD). ``make test`` now fixes PYTHONHASHSEED so that
#:   CI draws what a local run draws.

#: Held to the lower setting's path in both runs of a pair: cuts loop R1 for the
#: depreciation rate. Revenue follows R&D capital relative to its PIM start K0 =
#: RD0/(g + delta) (model-evidence.md section D), so the base-year revenue stays
#: the documented one for any delta. When R&D outgrows the pre-sample growth g, a
#: higher delta weights the recent, larger R&D more: K/K0, revenue and, through
#: R1, business R&D and R&D capital rise (1.1% in 2030 in the third example; see
#: test_depreciation_can_raise_rd_capital_through_loop_r1). Production-function
#: data do not identify delta (Hall 2007: they imply about 0), so no documented
#: figure says which is right; the claim is made with R1 cut.
HELD = {"rd_depreciation_rate": "Business RD driver"}
#: Held in both runs for the high-growth claim under the certification rates:
#: cuts the crowding of a fixed loan volume (module docstring).
LOAN_COVERAGE = "Loan supported share"


def _pulse(region: str, start: float, end: float, during: float, outside: float) -> np.ndarray:
    scenario = baselines()[region]
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    return np.where((grid >= start) & (grid < end), during, outside)


#: (name, sign, indicators, explicit examples (case, low, high), defect or None)
MONOTONE = [
    ("post_subsidy_rate", +1, RD,
     [(case("chengdu", parameters={"initial_high_tech_enterprises": 1e6,
                                   "standard_corporate_tax_rate": 0.5,
                                   "super_deduction_take_up": 0.95}),
       0.0, _pulse("chengdu", 2019, 2020, 0.2, 0.0))], None),
    ("super_deduction_rate", +1, RD,
     [(case("chengdu", parameters={"initial_high_tech_enterprises": 1e6,
                                   "initial_high_tech_revenue": 0.0,
                                   "standard_corporate_tax_rate": 0.5}),
       _pulse("chengdu", 2019, 2020, 0.0, 0.75), 0.75)], None),
    ("government_st_appropriation", +1, ("government_rd", "rd_expenditure", "rd_intensity",
                                         "rd_capital"), [], None),
    # Claimed on the firms it supplies to date, not on the later stocks (see
    # the module docstring): the example's tech SMEs dip by 0.06% in 2027.
    ("incubator_capacity", +1, ("incubated_firms", "cumulative_firm_entries",
                                CUMULATIVE + "high_tech_enterprises_newly_certified"),
     [(case("chengdu"), 6000.0, 100000.0),
      (case("chengdu"), _pulse("chengdu", 2019, 2020, 0.0, 6000.0), 6000.0)], None),
    # A temporary rise converts the stock of results earlier, so a later year's
    # turnover can be lower (the example): the claim is on the total to date.
    ("tech_transfer_institutions", +1, (CUMULATIVE + "tech_contract_turnover",),
     [(case("chengdu"), 100.0, _pulse("chengdu", 2019, 2020, 5000.0, 100.0))], None),
    ("talent_programme_intake", +1, ("rd_personnel", "tech_contract_turnover"), [], None),
    # Model defect (fixed: the high-growth share starts from Base year new sci
    # tech loans): it started from the lever's own initial target, so more loans
    # raised the base-year high-growth firms and hence the base of the Firm count
    # index, over which the documented base-year revenue was spread. As the
    # growing chain diluted the loan coverage, the index fell 6% (revenue 3%)
    # below the low run's in the suining examples, and through business R&D and
    # the eligibility effect fewer firms were certified: the certified stock by
    # 9e-5 in 2033 (second example) and, with no birth uplift (third),
    # cumulative certifications by 2e-4 in 2024. Claimed on what the loans
    # supply to date, not on the later stocks (module docstring): in the fourth
    # example (no renewal, lapsed firms never re-apply) loans certify 7,470 more
    # firms by 2025 but drain the SME register sooner, and the certificates they
    # pulled forward expire three years later: high-tech enterprises 0.11% lower
    # in 2025, genuinely (a timing effect, not a defect).
    ("new_sci_tech_loans", +1, ("sci_tech_loans_outstanding",
                                CUMULATIVE + "high_tech_enterprises_newly_certified"),
     [(case("chengdu", parameters={"hte_renewal_pass_rate": 0.0, "initial_tech_smes": 1e6}),
       0.0, 60.0),
      (case("suining", parameters={
          "average_loan_per_supported_firm": 1.0, "base_high_growth_share": 0.3,
          "base_year_gdp": 1e6, "tech_sme_birth_rate": 1e5}), 2.0, 2000.0),
      (case("suining", parameters={
          "average_loan_per_supported_firm": 1.0, "base_high_growth_share": 0.3,
          "base_year_gdp": 1e6, "loan_birth_uplift": 0.0, "tech_sme_birth_rate": 1e5}),
       2.0, 2000.0),
      (case("chengdu", parameters={"hte_renewal_pass_rate": 0.0, "initial_tech_smes": 1e6,
                                   "pool_application_rate": 0.0}), 0.0, 2000.0)], None),
    ("innovation_platform_construction", +1, ("innovation_platforms", "tech_contract_turnover"),
     [], None),
    ("first_certification_pass_rate", +1, CERTIFIED_TO_DATE,
     [(case("chengdu", parameters={"revenue_scale_elasticity": 0.2}), 0.6, 0.95),
      (case("chengdu", parameters={"initial_high_tech_enterprises": 0.0,
                                   "initial_other_rd_active_firms": 1e6,
                                   "initial_tech_smes": 1.0}), 0.6, 0.95)],
     None),  # passes since the conversion saturation (6eca902) and cumulative turnover
    ("hte_renewal_pass_rate", +1, CERTIFIED_TO_DATE,
     [(case("chengdu", parameters={"productivity_elasticity_to_rd_capital": 0.5},
            levers={"government_st_appropriation": 5000.0}), 0.8, 1.0),
      (case("chengdu", parameters={"hte_reapplication_share": 0.0078125,
                                   "initial_high_tech_enterprises": 1e6}), 0.0, 1.0)],
     None),  # high-growth firms: test_high_growth_firms_follow_the_certified_firms
    ("hte_reapplication_share", +1, CERTIFIED_TO_DATE,
     [(case("chengdu", parameters={"standard_corporate_tax_rate": 0.5}), 0.85, 1.0),
      (ECHO, 0.0, 1.0),
      (case("chengdu", parameters={"productivity_elasticity_to_rd_capital": 0.5,
                                   "standard_corporate_tax_rate": 0.0}), 0.85, 1.0)],
     None),  # passes since 6eca902 (notch never negative)
    ("rd_depreciation_rate", -1, ("rd_capital", "transferable_results", "tech_contract_turnover"),
     [(case("chengdu", parameters={
         "initial_hte_share_of_business_rd": 0.1, "minimum_rd_user_cost": 0.01,
         "productivity_elasticity_to_rd_capital": 0.5, "rd_price_elasticity": 2.0,
         "standard_corporate_tax_rate": 0.5}, levers={"super_deduction_rate": 2.0}), 0.15, 0.4),
      (case("ningxia", parameters={
          "initial_rd_expenditure": 1e5, "productivity_elasticity_to_rd_capital": 0.5,
          "revenue_scale_elasticity": 1.0, "tech_sme_birth_rate": 1e5, "tech_sme_exit_rate": 0.02,
          "tech_sme_lapse_rate": 0.05}), 0.05, 0.4),
      (case("hechuan", parameters={
          "base_year_gdp": 1e6, "business_rd_adjustment_time": 1.0, "pre_sample_rd_growth": 0.0,
          "productivity_elasticity_to_rd_capital": 0.5, "rd_propensity_growth": 0.15,
          "tech_sme_birth_rate": 1e5}), 0.15, 0.4)],
     None),  # with loop R1 cut (HELD)
    ("result_obsolescence_rate", -1, ("transferable_results", "tech_contract_turnover"), [],
     None),
    ("tech_sme_exit_rate", -1, ("tech_smes_registered", "high_tech_enterprises"),
     [(case("chengdu", parameters={"hte_application_rate": 0.0}), 0.08, 0.2)], None),
    ("tech_sme_lapse_rate", -1, ("tech_smes_registered",),
     [(case("chengdu", parameters={"initial_other_rd_active_firms": 1e6,
                                   "revenue_scale_elasticity": 1.0}), 0.2, 0.5)], None),
    ("hte_exit_rate", -1, CERTIFIED,
     [(case("chengdu", parameters={"tech_sme_birth_rate": 0.0}), 0.03, 0.1),
      (case("chengdu", parameters={"revenue_scale_elasticity": 0.2,
                                   "standard_corporate_tax_rate": 0.0}), 0.03, 0.1)],
     None),
    ("hte_revocation_rate", -1, CERTIFIED,
     [(case("chengdu", parameters={"hte_application_rate": 0.0, "hte_renewal_pass_rate": 0.0,
                                   "pool_application_rate": 1.801733322336626e-190}), 0.01, 0.05),
      (case("chengdu", parameters={"initial_tech_smes": 0.0}), 0.01, 0.05),
      (case("chengdu", parameters={"hte_exit_rate": 0.1, "hte_renewal_pass_rate": 0.0,
                                   "initial_high_tech_enterprises": 1e6, "initial_tech_smes": 0.0,
                                   "rd_eligibility_elasticity": 0.0}), 0.01, 0.05),
      (case("chengdu", parameters={"revenue_scale_elasticity": 0.2,
                                   "standard_corporate_tax_rate": 0.0}), 0.01, 0.05)],
     None),
    ("platform_delisting_rate", -1, ("innovation_platforms",), [], None),
    ("talent_attrition_rate", -1, ("rd_personnel",), [], None),
]


@st.composite
def paired_settings(draw, name: str):
    """Draw a case and two settings of ``name``, the second at least the first everywhere."""
    case_ = draw(cases())
    scenario = case_.scenario()
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    if name in lever_entries():
        low = draw(lever_paths(name, scenario)).values_on(grid)
        other = draw(lever_paths(name, scenario)).values_on(grid)
        return case_, low, np.maximum(low, other)
    entry = parameter_entries()[name]
    low = draw(values(entry.min, entry.max, case_.value(name)))
    high = draw(values(low, entry.max, entry.max))
    return case_, low, high


def resolution(indicator: str) -> float:
    """Smallest difference in ``indicator`` that the model resolves [its unit].

    Below 1e-6 家 the model empties the certified stock (Firm count resolution),
    and XIDZ/ZIDZ take money under 1e-6 Money units of zero tests (1 亿元) as
    zero. A found case: with a pool application rate of 2e-190, certified firms
    of 1e-187 (re-certified and emptied each step) differed by 4e-4 relative.
    """
    unit = catalogue.indicators(load_model())[indicator.removeprefix(CUMULATIVE)].unit
    constants = load_model().constants
    if unit == "家":
        return float(constants["firm_count_resolution"])
    if unit == "亿元":
        return 1e-6 * float(constants["money_unit_of_zero_tests"])
    return 0.0


def check_monotone(name: str, sign: int, indicators: tuple[str, ...], paired,
                   held: str | None = None) -> None:
    """Run both settings in one batch and compare the indicators year by year.

    ``held`` (default ``HELD.get(name)``): a variable set in both runs to its
    path in the run at the lower setting, which cuts the loops through it.
    """
    case_, low, high = paired
    inputs, controls = case_.run_inputs()
    held = held or HELD.get(name)
    if held:
        path = validation.simulate_many([{**inputs, name: low}], columns=[held],
                                        engine=ENGINE, **controls)[0][held]
        inputs[held] = path.to_numpy(dtype=float)
    columns = {i: indicator_columns()[i.removeprefix(CUMULATIVE)] for i in indicators}
    lo, hi = validation.simulate_many([{**inputs, name: low}, {**inputs, name: high}],
                                      columns=sorted(set(columns.values())), engine=ENGINE,
                                      **controls)
    yearly = np.isclose(lo.index % 1.0, 0.0)
    failures = {}
    for indicator, column in columns.items():
        a, b = lo[column].to_numpy(dtype=float), hi[column].to_numpy(dtype=float)
        if indicator.startswith(CUMULATIVE):  # Euler sum of the flow up to each time
            dt = controls["time_step"]
            a, b = (np.concatenate([[0.0], np.cumsum(x[:-1]) * dt]) for x in (a, b))
        a, b = a[yearly], b[yearly]
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            assume(False)  # finiteness: its own property
        floor = resolution(indicator)
        if indicator.startswith(CUMULATIVE):
            floor = floor * (lo.index[yearly].to_numpy() - controls["initial_time"])
        tolerance = RTOL * np.maximum(np.abs(a), np.abs(b)) + floor
        wrong = (b - a) * sign < -tolerance
        if wrong.any():
            i = int(np.argmax(wrong))
            failures[indicator] = (float(lo.index[yearly][i]), float(a[i]), float(b[i]))
    assert not failures, f"{name} {'up' if sign > 0 else 'up (harmful)'}: {failures}"


def _monotone_test(name, sign, indicators, examples, defect):
    @given(paired_settings(name))
    def test(paired):
        check_monotone(name, sign, indicators, paired)

    for explicit in examples:
        test = example(explicit)(test)
    if defect:
        test = pytest.mark.xfail(strict=True, reason=defect)(test)
    kind = "more support never lowers" if sign > 0 else "a higher rate never raises"
    test.__name__ = test.__qualname__ = f"test_monotone_{name}"
    test.__doc__ = f"{name}: {kind} {', '.join(indicators)}."
    return test


for _row in MONOTONE:
    globals()[f"test_monotone_{_row[0]}"] = _monotone_test(*_row)
del _row


@given(st.data())
@pytest.mark.parametrize(("name", "sign"), [
    ("first_certification_pass_rate", +1), ("hte_renewal_pass_rate", +1),
    ("hte_reapplication_share", +1), ("hte_exit_rate", -1), ("hte_revocation_rate", -1)])
def test_high_growth_firms_follow_the_certified_firms(name, sign, data):
    """With the loan coverage held, the certification rates move high-growth firms as
    they move the certified firms (to date for the rates that certify or keep firms)."""
    indicator = (CUMULATIVE if sign > 0 else "") + "high_growth_firms"
    check_monotone(name, sign, (indicator,), data.draw(paired_settings(name)),
                   held=LOAN_COVERAGE)


def test_reapplication_can_lower_a_later_years_stock():
    """Why the certifying rates are claimed on totals to date: the 3-year echo is real.

    ECHO (found by a 2,500-example run of the yearly claim): reapplication 1
    instead of 0 renews about 73 of the initial expiries a year in 2019-22. Those
    certificates expire together in 2022-25, while the firms they kept out of
    the pool would have re-applied at 0.3/yr and been certified later, so in
    2025 the high run has 1.1 fewer certified firms (0.085%); half a year later
    it has 13.8 more. Certified firm-years to date are higher throughout.
    """
    with pytest.raises(AssertionError, match=r"high_tech_enterprises': \(2025\.0"):
        check_monotone("hte_reapplication_share", +1, ("high_tech_enterprises",),
                       (ECHO, 0.0, 1.0))
    check_monotone("hte_reapplication_share", +1, (CUMULATIVE + "high_tech_enterprises",),
                   (ECHO, 0.0, 1.0))


def test_loan_crowding_can_lower_high_growth_firms():
    """Why high-growth firms are claimed with the loan coverage held: crowding is real.

    A higher renewal pass rate (0 to 1) keeps more firms certified; the same
    loans then cover them more thinly, and the 3-year high-growth window keeps
    the lower share after the extra certificates lapse: fewer high-growth firms
    in some year. With the coverage held the claim holds.
    """
    paired = (case("chengdu", parameters={"hte_reapplication_share": 0.0078125,
                                          "initial_high_tech_enterprises": 1e6}), 0.0, 1.0)
    with pytest.raises(AssertionError, match="high_growth_firms"):
        check_monotone("hte_renewal_pass_rate", +1, ("high_growth_firms",), paired)
    check_monotone("hte_renewal_pass_rate", +1, ("high_growth_firms",), paired,
                   held=LOAN_COVERAGE)


def test_depreciation_can_raise_rd_capital_through_loop_r1():
    """Why the depreciation claim is made with R1 cut (``HELD``): the effect is real.

    Hechuan with R&D propensity growth 0.15/yr and no pre-sample growth: R&D
    outgrows g = 0, so delta 0.4 against 0.15 raises K/K0 and revenue, and
    closed-loop R&D capital ends higher; with the business R&D driver held,
    it is lower, as for any given R&D path.
    """
    case_ = case("hechuan", parameters={
        "base_year_gdp": 1e6, "business_rd_adjustment_time": 1.0, "pre_sample_rd_growth": 0.0,
        "productivity_elasticity_to_rd_capital": 0.5, "rd_propensity_growth": 0.15,
        "tech_sme_birth_rate": 1e5})
    inputs, controls = case_.run_inputs()
    columns = ["RD capital", "High tech industry revenue", "Business RD driver"]
    low, high = validation.simulate_many(
        [{**inputs, "rd_depreciation_rate": d} for d in (0.15, 0.4)], columns=columns,
        engine=ENGINE, **controls)
    assert high["High tech industry revenue"].iloc[-1] > low["High tech industry revenue"].iloc[-1]
    assert high["RD capital"].iloc[-1] > low["RD capital"].iloc[-1]
    (held,) = validation.simulate_many(
        [{**inputs, "rd_depreciation_rate": 0.4,
          "Business RD driver": low["Business RD driver"].to_numpy(dtype=float)}],
        columns=columns, engine=ENGINE, **controls)
    assert np.all(held["RD capital"].to_numpy()[1:] < low["RD capital"].to_numpy()[1:])


# ------------------------------------------------------------- steady state
#: With a loan term below DT the loans started off their rest point (model fixed
#: in 6eca902: INITIAL(new loans) * MAX(Loan term, TIME STEP)); the rest-point
#: solver then still used the bare loan term for the loan-supported share (fixed
#: in validation.equilibrium_inputs), so the chain drifted by up to 0.3%.
@example(case("chengdu", parameters={"loan_term": 0.5}, time_step=1.0))
# A rest point of 1e-202 certified firms is below the firm count resolution,
# which the model empties: equilibrium_inputs says there is none.
@example(case("chengdu", parameters={"hte_application_rate": 4.1848489942542826e-206,
                                     "pool_application_rate": 0.0}, time_step=0.25))
# An attrition of 4e-244 rounded the cohort survival to 1, and the solver's
# (1 - survival) / attrition to 0 certified firms (now expm1/log1p).
@example(case("chengdu", parameters={"hte_exit_rate": 4.280157530385998e-244,
                                     "hte_revocation_rate": 0.0}, time_step=0.25))
# Found by a thorough run: a rest point of 1.4e-6 certified firms at DT 1 is
# above the firm count resolution but one step's outflows would leave less, so
# the model empties it; the solver now applies the model's own test.
# An unstable rest point (found when a new parameter shifted the draws): with
# the notch subsidy bringing the user cost to 0.012 against a floor of 0.01, loop
# R2 (certified firms -> lower user cost -> R&D -> eligibility) has a gain above
# 1: a 1e-9 nudge grows 3e5-fold by 2035, and the start's rounding to 7e-9.
@example(case("chengdu", parameters={
    "base_year_super_deduction_rate": 2.0, "hte_exit_rate": 0.0, "hte_profit_to_rd_ratio": 2.375,
    "hte_renewal_pass_rate": 0.0, "high_tech_tax_rate": 0.0546875,
    "initial_hte_share_of_business_rd": 0.95, "minimum_rd_user_cost": 0.01,
    "super_deduction_take_up": 0.59375}, time_step=0.25))
@example(case("hechuan", parameters={"hte_application_rate": 0.0, "hte_exit_rate": 0.1,
                                     "pool_application_rate": 1e-09, "pool_exit_rate": 0.2},
              time_step=1.0))
@given(cases(vary_levers=False, time_steps=True))
def test_equilibrium_start_stays_at_rest(case_):
    """Started at its flow balance with constant levers, no stock moves (1e-9 relative).

    ``validation.equilibrium_inputs`` sets the trends to zero, holds the
    base-year policy and solves the engine's net flows at the start for the
    stocks' initial values (R&D capital then starts at RD/delta). It also
    zeroes the talent intake, without which the model cannot start at rest
    (see ``validation.EQUILIBRIUM_ZEROS``).
    """
    scenario = case_.scenario()
    try:
        inputs = validation.equilibrium_inputs(scenario)
    except validation.NoEquilibriumError:  # no rest point exists (see the message)
        assume(False)
    report = validation.steady_state_report(scenario, inputs, engine=ENGINE)
    drifting = report[~(report["relative_drift"] <= RTOL)]
    if not drifting.empty:
        # An unstable rest point (a reinforcing loop with gain above 1) amplifies
        # the start's rounding: drift is then allowed up to that rounding times
        # the amplification measured from a 1e-9 nudge.
        gain = rest_point_amplification(scenario, inputs)
        drifting = report[~(report["relative_drift"] <= max(RTOL, REST_POINT_ROUNDING * gain))]
    assert drifting.empty, drifting.to_dict("index")


#: Relative accuracy of the solved rest point: the root of the net flows of one
#: Euler step is found to a few ulps of the stocks (drift at most 1.1e-14 on the
#: baselines and the examples above); 1e-13 leaves a factor of 10.
REST_POINT_ROUNDING = 1e-13


def rest_point_amplification(scenario, inputs: dict, nudge: float = 1e-9) -> float:
    """Largest relative departure of any stock from the rest run, per relative nudge.

    The certified firms start ``nudge`` (relative) above their rest point; at a
    stable rest point the departure stays of order the nudge (gain ~1), at an
    unstable one it grows with the dominant loop.
    """
    stocks = [s for s in validation.stock_names() if s not in validation.ACCOUNTING_STOCKS]
    nudged = {**inputs, "initial_high_tech_enterprises":
              inputs["initial_high_tech_enterprises"] * (1 + nudge)}
    rest, moved = validation.simulate_many(
        [inputs, nudged], initial_time=scenario.start_year, final_time=scenario.end_year,
        time_step=scenario.time_step, columns=stocks, engine=ENGINE)
    a, b = rest.to_numpy(dtype=float), moved.to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        departure = np.nanmax(np.abs(b - a) / np.maximum(np.abs(a[0]), 1e-300))
    return float(departure / nudge)


# ----------------------------------------------------- analytic R&D decay
@given(cases(vary_levers=False, time_steps=True))
def test_rd_capital_decays_exponentially_without_rd(case_):
    """With R&D expenditure held at 0, K(t) = K0 exp(-delta t) at every time step.

    The model's step factor (1 - exp(-delta dt)) / (delta dt) makes each Euler
    step the exact solution over the step, so this holds at any time step to
    float rounding (1e-12 relative). Plain Euler would give K0 (1 - delta
    dt)^(t/dt), below it by up to delta^2 dt t / 2 (9% by 2035 at delta 0.4
    and dt 1/16), which failed the time-step check through revenue.
    """
    scenario = case_.scenario()
    frame = run(case_, {"rd_expenditure": 0.0}, columns=["RD capital"])
    k = frame["RD capital"].to_numpy(dtype=float)
    t = frame.index.to_numpy() - scenario.start_year
    delta = float(case_.value("rd_depreciation_rate"))
    np.testing.assert_allclose(k, validation.rd_capital_decay(k[0], delta, t), rtol=1e-12,
                               atol=np.finfo(float).tiny)  # subnormals keep fewer digits


@example(case("chengdu", parameters={"initial_rd_expenditure": 0.0}, time_step=0.25), 5e-324)
@given(cases(vary_levers=False, time_steps=True), st.floats(0.0, 1e4))
def test_rd_capital_converges_to_rd_over_delta(case_, rd):
    """With R&D held at R, K(t) = R/delta + (K0 - R/delta) exp(-delta t) (section (b) 4)."""
    scenario = case_.scenario()
    frame = run(case_, {"rd_expenditure": rd}, columns=["RD capital"])
    k = frame["RD capital"].to_numpy(dtype=float)
    t = frame.index.to_numpy() - scenario.start_year
    delta = float(case_.value("rd_depreciation_rate"))
    rest = rd / delta
    expected = rest + validation.rd_capital_decay(k[0] - rest, delta, t)
    # Below the smallest normal float (subnormals keep few digits) is underflow:
    # R = 5e-324 gives R/delta = 0 in one place and 5e-324 in another.
    atol = max(1e-9 * max(rest, k[0]), np.finfo(float).tiny)
    np.testing.assert_allclose(k, expected, rtol=1e-9, atol=atol)


# ------------------------------------------------------ time-step convergence
#: Model defects (fixed): at DT 0.25, R&D propensity growth 0.15/yr with a
#: results elasticity of 1 made halving DT move turnover by 1.006% (second
#: example); then an eligibility effect of ~50 pushed SME application rates past
#: 1/DT: halving DT moved tech SMEs by 35% (third; fixed: at most one application
#: a year). At DT 0.125, 20%/yr GDP growth (first example): each stock between
#: GDP and turnover lags its growing input by about DT/2, and halving DT moved
#: turnover by 1.1% (fixed: TIME STEP 1/16, 0.25%). At 1/16, no R&D (GDP 0) and
#: a depreciation of 0.4 (seventh): Euler's decay K0 (1 - delta dt)^(t/dt) was 9%
#: below K0 exp(-delta t) by 2035, and halving moved revenue by 1.5% through the
#: R&D capital index (fixed: exact step factors for R&D capital, platforms and
#: programme talents). Incubator capacity ramped from 0 to 100,000 over 2033-35
#: (eighth): levers were sampled at the start of each step, so the ramp entered
#: the stocks DT/2 late, and halving DT moved 2035 tech SMEs by 1.09% (fixed:
#: each step takes the lever at its midpoint, 0.11%).
@example(case("chengdu", levers={"incubator_capacity": {
    "type": "ramp", "start_year": 2033, "end_year": 2035, "from": 0.0, "to": 100000.0}}))
@example(case("chengdu", parameters={"gdp_growth_rate": 0.2,
                                     "initial_innovation_platforms": 100000.0,
                                     "platform_delisting_rate": 0.3}))
@example(case("hechuan", parameters={"rd_capital_elasticity_of_results": 1.0,
                                     "rd_propensity_growth": 0.15}))
@example(case("chengdu", parameters={
    "base_year_st_appropriation": 0.0, "initial_rd_expenditure": 1.0,
    "initial_other_rd_active_firms": 1e6, "productivity_elasticity_to_rd_capital": 0.5,
    "rd_eligibility_elasticity": 1.0}))
@example(case("chengdu", parameters={"productivity_growth": 0.15}))
@example(ZERO_DENOMINATORS[0])
@example(case("chengdu", parameters={"tech_sme_birth_rate": 0.0},
              levers={"incubator_capacity": 0.0}))
@example(case("chengdu", parameters={
    "base_year_gdp": 0.0, "productivity_elasticity_to_rd_capital": 0.5, "productivity_growth": 0.15,
    "rd_depreciation_rate": 0.4, "super_deduction_take_up": 0.95, "talent_attrition_rate": 0.5,
    "tech_sme_birth_rate": 100000.0, "tech_sme_exit_rate": 0.2, "tech_sme_lapse_rate": 0.5,
    "transferable_results_per_rd_capital": 100.0},
    levers={"post_subsidy_rate": 0.0, "talent_programme_intake": 600.0,
            "new_sci_tech_loans": 60.0}))
@given(cases())
def test_halving_the_time_step_changes_key_indicators_by_under_one_percent(case_):
    """Final-year key indicators at DT and DT/2 differ by < 1% of their scale (Ford, ch. 11).

    The scale is the indicator's largest absolute value over the runs, for the
    reason given in :func:`simulator.validation.dt_convergence` (the second
    example is the decaying stock it describes).
    """
    check_time_step_convergence(case_)


def check_time_step_convergence(case_: Case) -> None:
    """Final-year key indicators at DT and DT/2 differ by < 1% of their runs' scale."""
    table = validation.dt_convergence(case_.scenario(), engine=ENGINE)
    too_big = table[~(table["relative_change"] < 0.01)]  # NaN fails too
    assert too_big.empty, too_big.to_dict("index")


#: Open (numerics): scenarios in which a lever step makes an indicator grow
#: fast through a chain of stocks. Euler passes a change on by one stock per
#: step, so each stock lags its growing input by part of a step, and the lag
#: is a large share of the growth when it is fast or when it happens within
#: the last year. All three converge at first order (halving DT halves the
#: change); the first and third pass at DT 1/32, the second only at 1/64.
#: Users are told: ``run``, ``targets``, ``validate`` and the app's Explore page
#: name the time step that converges (simulator.time_step_advice). For the 59
#: draws of search_time_step.py (seed 2) that fail at 1/16 it names 1/32 (50),
#: 1/64 (7), 1/128 (1) and 1/256 (1): no fixed time step closes the class.
#: RK4 (``integration: rk4``, issue #16 point 6) closes all three at the same
#: DT and tolerance: halving 1/16 moves them by 0.002%, 0.000% and 0.000%
#: (1/4: 0.052%, 0.044%, 0.011%); test_rk4_converges_where_euler_lags.
EULER_LIMITS = {
    # found by make test-thorough: platforms start at 1 and 30 a year are built
    # from 2034; with a platform elasticity of 0.5 new results rise 8.4-fold in
    # 2034. Halving DT moves 2035 turnover by 1.28% (1/16), 0.62% (1/32).
    "platform jump": case("chengdu", parameters={
        "initial_innovation_platforms": 1.0, "platform_elasticity_of_results": 0.5},
        levers={"innovation_platform_construction": {
            "type": "step", "year": 2034, "before": 0.0, "after": 30.0}}),
    # shrunk by hand from a search_time_step.py case: no new tech SMEs but from
    # incubators, whose capacity steps from 0 to 100,000 in 2034. The new firms
    # reach the 2035 high-tech enterprises through four stocks (incubated firms, tech SMEs,
    # applicants under review, certified firms); Euler passes a change on by
    # one stock per step, a large share of a one-year onset. Halving DT moves
    # them by 6.33% (1/8), 3.42% (1/16), 1.77% (1/32), 0.90% (1/64).
    "incubator onset": case("yibin", parameters={"tech_sme_birth_rate": 0.0}, levers={
        "incubator_capacity": {"type": "step", "year": 2034, "before": 0.0, "after": 100000.0}}),
    # found by make test-thorough in 80 s: Hechuan's incubator capacity steps
    # from 0 to 100,000 in 2030 (the baseline holds 200); certified
    # firms grow 36-fold, from 242 to 8,808 by 2035 (the baseline reaches 386).
    # Halving DT moves them by 2.09% (1/8), 1.02% (1/16), 0.51% (1/32).
    "incubator growth": case("hechuan", levers={
        "incubator_capacity": {"type": "step", "year": 2030, "before": 0.0, "after": 100000.0}}),
}


@pytest.mark.xfail(strict=True, reason="open (numerics): Euler at DT 1/16 lags an indicator"
                   " that a lever step makes grow fast through a chain of stocks; see EULER_LIMITS")
@pytest.mark.parametrize("name", sorted(EULER_LIMITS))
def test_time_step_does_not_converge_when_a_step_makes_an_indicator_grow_fast(name):
    """Kept apart so that the property above keeps testing every other draw."""
    check_time_step_convergence(EULER_LIMITS[name])


@pytest.mark.parametrize("name", sorted(EULER_LIMITS))
def test_rk4_converges_where_euler_lags(name):
    """The remedy: RK4 passes the same criterion (< 1%) at the same DT 1/16.

    RK4 evaluates each step's flows at its start, middle (twice) and end, so a
    change passes down a chain of stocks within the step instead of one stock
    per step; its error falls 16-fold per halving (tests/test_rk4.py).
    """
    check_time_step_convergence(replace(EULER_LIMITS[name], integration="rk4"))


#: Open (numerics, RK4 only): a drain guard written for Euler caps a stage's
#: outflow at its trial stock over a whole TIME STEP. A trial stock of stages
#: 2-4 is the stock part-way through the step, so when a stock loses more than
#: about half its content in one step the guard fires at those stages though
#: the stock does not run out, and slows the drain. Here (search_time_step.py,
#: 1,000 draws, seed 2: 2 RK4 failures against 10 of Euler's, none shared, the
#: other one alike; shrunk by hand) the million initial certificates expire
#: over 2019-2021 with neither reapplication nor pool applications: in the
#: last step of 2021 the certified stock falls from 25,181 towards 5,600 and
#: the HTE outflow guard (High tech enterprises - TIME STEP * outflows <
#: resolution) fires at stages 2-4, leaving 9,736. Halving DT 1/16 moves 2035
#: turnover by 3.85% (Euler: 0.03%); 1/32 by 1.4%, 1/64 by 2.5e-9. A guard that
#: RK4 leaves alone needs the remaining part of the step, which an equation
#: cannot see; tests/test_rk4.py checks that the guards still keep stocks
#: non-negative.
RK4_LIMITS = {
    "certificates run out": case("chengdu", parameters={
        "initial_high_tech_enterprises": 1e6, "hte_reapplication_share": 0.0,
        "pool_application_rate": 0.0}, integration="rk4"),
}


@pytest.mark.xfail(strict=True, reason="open (numerics): under RK4 an Euler drain guard (stock /"
                   " TIME STEP) fires at part-step trial stocks and slows a fast drain; see"
                   " RK4_LIMITS")
@pytest.mark.parametrize("name", sorted(RK4_LIMITS))
def test_rk4_lags_where_an_euler_drain_guard_fires_inside_the_step(name):
    """Kept apart, as EULER_LIMITS: the guards' stage behaviour is the open RK4 class."""
    check_time_step_convergence(RK4_LIMITS[name])


# ------------------------------------------------------------- determinism
@given(cases(), st.sampled_from(["batch", "pysd"]))
def test_same_inputs_give_bit_identical_outputs(case_, engine):
    """Two runs of the same inputs agree bit for bit (NaN in the same places)."""
    inputs, controls = case_.run_inputs()
    first, second = (validation.simulate_many([inputs], engine=engine, saveper=1.0, **controls)[0]
                     for _ in range(2))
    np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())


# -------------------------------------------------------- money-unit change
#: Model defect (fixed: money is divided by "Money unit of zero tests" before
#: XIDZ/ZIDZ): their 1e-6 zero threshold was absolute, so Initial high tech
#: revenue 1e-9 亿元 was 'zero' but 1e-5 万元 was not.
@example(case("chengdu", parameters={"initial_high_tech_revenue": 1e-9}))
@example(ZERO_DENOMINATORS[0])
@example(HTE_ROUNDING_NAN)
@given(cases())
def test_results_do_not_depend_on_the_money_unit(case_):
    """Money in 万元 instead of 亿元: ratios and counts unchanged, money x 1e4 (1e-9).

    Every constant and lever whose Vensim unit holds 亿元 to the power p is
    multiplied by 1e4^p; every variable then scales by 1e4^p of its own unit.
    """
    model = load_model()
    inputs, controls = case_.run_inputs()
    scaled = validation.rescale_money(inputs, model=model)
    columns = [v.vensim_name for v in model.variables.values()
               if v.py_name not in CONTROL_NAMES]
    base, wan = validation.simulate_many([inputs, scaled], columns=columns, engine=ENGINE,
                                         **controls)
    by_vensim = {v.vensim_name: v for v in model.variables.values()}
    wrong = {}
    for column in columns:
        power = validation.money_exponent(by_vensim[column].unit)
        factor = validation.WAN_YUAN_PER_YI_YUAN**power
        expected = base[column].to_numpy(dtype=float) * factor
        got = wan[column].to_numpy(dtype=float)
        finite = np.isfinite(expected)
        # Values below 1e-300 are float underflow (subnormals keep few digits).
        scale = max(np.max(np.abs(expected[finite]), initial=0.0), 1e-300 / RTOL)
        with np.errstate(invalid="ignore"):
            close = np.isclose(got, expected, rtol=RTOL, atol=RTOL * scale, equal_nan=True)
        if not close.all():  # NaN where the 亿元 run has NaN is unchanged (see finiteness)
            i = int(np.argmax(~close))
            wrong[column] = (float(base.index[i]), float(expected[i]), float(got[i]))
    assert not wrong, wrong


def test_money_unit_change_touches_the_money_constants():
    """The rescaling finds the levers and constants in 亿元 and their powers."""
    model = load_model()
    scaled = validation.rescale_money({}, factor=10.0, model=model)
    assert scaled["government_st_appropriation"] == pytest.approx(200.0)
    assert scaled["transferable_results_per_rd_capital"] == pytest.approx(1.18)
    assert scaled["money_unit_of_zero_tests"] == pytest.approx(10.0)
    assert "initial_tech_smes" not in scaled
    path = LeverPath("step", year=2020, before=1.0, after=2.0).values_on(np.arange(2017, 2024))
    scaled = validation.rescale_money({"new_sci_tech_loans": path}, factor=10.0, model=model)
    assert scaled["new_sci_tech_loans"].tolist() == [10.0] * 3 + [20.0] * 4


@given(st.sampled_from(sorted(baselines())), st.integers(0, 2**32 - 1))
def test_ensembles_are_reproducible_from_their_seed(region, seed):
    """The same scenario, size and seed give the same draws and bit-identical runs."""
    from simulator.ensemble import run_ensemble

    first, second = (run_ensemble(baselines()[region], 4, seed, engine=ENGINE) for _ in range(2))
    pd.testing.assert_frame_equal(first.draws, second.draws, check_exact=True)
    assert first.values.keys() == second.values.keys()
    for name, runs in first.values.items():
        np.testing.assert_array_equal(runs, second.values[name])
