"""The SD validation battery of ``simulator.validation`` on every region's baseline.

Known-answer tests of the check functions first (a check that cannot fail
proves nothing), then the battery itself: integration error (DT halving),
mass balance, equilibrium, and the structural reasons why the model cannot
start at rest with some parameters (``shared/research/model-evidence.md``
section (c), "Numerics"; Sterman 2000, ch. 21).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from strategies import baselines

from simulator import validation

ENGINE = "batch"
REGIONS = sorted(baselines())


# ------------------------------------------------------ known answers first
def test_conservation_residual_known_answer():
    """A chain that gains 5 firms with 7 entries and 2 exits balances; one that leaks does not."""
    frame = pd.DataFrame({"Firms in cultivation chain": [100.0, 103.0, 105.0],
                          "Cumulative firm entries": [0.0, 4.0, 7.0],
                          "Cumulative firm exits": [0.0, 1.0, 2.0]}, index=[0.0, 1.0, 2.0])
    assert validation.conservation_residual(frame)["residual"].tolist() == [0.0, 0.0, 0.0]
    frame.loc[2.0, "Firms in cultivation chain"] = 106.0
    table = validation.conservation_residual(frame)
    assert table["residual"].tolist() == [0.0, 0.0, 1.0]
    assert table["relative"].iloc[-1] == pytest.approx(1 / 106)


def test_sign_report_flags_negative_and_non_finite():
    """Negative beyond rounding, NaN and inf are flagged; rounding noise is not."""
    frame = pd.DataFrame({"ok": [1.0, 0.0, -1e-14], "negative": [1.0, -0.1, 0.0],
                          "nan": [1.0, np.nan, 1.0], "inf": [1.0, np.inf, 1.0]},
                         index=[0.0, 0.25, 0.5])
    report = validation.sign_report(frame)
    assert report["ok"].to_dict() == {"ok": True, "negative": False, "nan": False, "inf": False}
    assert report.loc["negative", "first_bad_time"] == 0.25
    assert not report.loc["nan", "finite"]


def test_monotone_and_emptied_after_known_answers():
    """Direction checks and the emptied-after check on tiny series."""
    falling = pd.Series([3.0, 2.0, 2.0, 1.0], index=[0, 1, 2, 3], name="x")
    assert validation.monotone(falling, "non-increasing")[0]
    ok, detail = validation.monotone(falling, "non-decreasing")
    assert not ok and "t=1" in detail
    assert validation.emptied_after(pd.Series([5.0, 1.0, 0.0, 0.0], index=[0, 1, 2, 3]), 2)[0]
    assert not validation.emptied_after(pd.Series([5.0, 1.0, 0.0, 1e-3], index=[0, 1, 2, 3]), 2)[0]


def test_rd_capital_decay_known_answers():
    """e^-0.4 = 0.67032; a rate of ln 2 halves the stock each year."""
    assert validation.rd_capital_decay(100.0, 0.4, 1.0) == pytest.approx(67.032, abs=1e-3)
    np.testing.assert_allclose(validation.rd_capital_decay(8.0, np.log(2), [0, 1, 2, 3]),
                               [8.0, 4.0, 2.0, 1.0], rtol=1e-12)


@pytest.mark.parametrize(("unit", "power"), [
    ("亿元/Year", 1), ("项/(亿元*Year)", -1), ("亿元/(人*Year)", 1), ("亿元", 1),
    ("家", 0), ("Dmnl", 0), ("", 0),
])
def test_money_exponent(unit, power):
    """The power of 亿元 read from a Vensim unit string."""
    assert validation.money_exponent(unit) == power


def test_stock_names_are_the_integrated_and_delayed_variables():
    """INITIAL values are excluded; the accounting stocks are included."""
    stocks = validation.stock_names()
    assert {"RD capital", "High tech enterprises", "Certificates due to expire",
            "Business RD before ceiling", "Cumulative firm entries"} <= set(stocks)
    assert "Initial applicants under review" not in stocks


def test_engines_agree_on_a_baseline():
    """The battery's two engines give the same run (the batch engine's own tests are stricter)."""
    scenario = baselines()["ningxia"]
    batch = validation.run_scenario_frame(scenario, saveper=1.0, engine="batch")
    pysd = validation.run_scenario_frame(scenario, saveper=1.0, engine="pysd")
    np.testing.assert_allclose(batch[pysd.columns].to_numpy(float), pysd.to_numpy(float),
                               rtol=1e-10, atol=0)
    np.testing.assert_allclose(batch.index.to_numpy(float), pysd.index.to_numpy(float))


def test_unknown_engine_is_refused():
    """A bad engine name gets the valid options."""
    with pytest.raises(ValueError, match="not a valid engine"):
        validation.simulate_many([{}], initial_time=2017, final_time=2018, time_step=0.25,
                                 engine="vensim")


# ------------------------------------------------------------- the battery
@pytest.mark.parametrize("region", REGIONS)
def test_baseline_conserves_firms(region):
    """Mass-balance residual of the cultivation chain below 1e-9 relative at every step."""
    frame = validation.run_scenario_frame(baselines()[region], engine=ENGINE)
    assert validation.conservation_residual(frame)["relative"].abs().max() <= 1e-9


@pytest.mark.parametrize("region", REGIONS)
def test_baseline_time_step_convergence(region):
    """Halving DT moves every key indicator by less than 1% in the final year."""
    table = validation.dt_convergence(baselines()[region], engine=ENGINE)
    assert (table["relative_change"] < 0.01).all(), table.to_dict("index")


@pytest.mark.parametrize("region", REGIONS)
def test_baseline_equilibrium_is_exact(region):
    """At the computed rest point no stock drifts (1e-9 relative)."""
    report = validation.steady_state_report(baselines()[region], engine=ENGINE)
    assert (report["relative_drift"] <= 1e-9).all(), report.to_dict("index")


def test_equilibrium_refuses_a_model_without_rest_point():
    """All certificates renewed and none leaking: the HTE stock grows for ever."""
    with pytest.raises(validation.NoEquilibriumError, match="no equilibrium") as raised:
        validation.equilibrium_inputs(baselines()["ningxia"], {
            "hte_exit_rate": 0.0, "hte_revocation_rate": 0.0,
            "hte_reapplication_share": 1.0, "hte_renewal_pass_rate": 1.0})
    assert raised.value.zh.startswith("无均衡点")


def _drifting(region: str, **changes: float) -> set[str]:
    scenario = baselines()[region]
    inputs = {**validation.equilibrium_inputs(scenario), **changes}
    report = validation.steady_state_report(scenario, inputs, engine=ENGINE)
    return set(report.index[~(report["relative_drift"] <= 1e-9)])


def test_talent_intake_cannot_start_at_rest():
    """Programme talents count recruits since the start (initial 0): by design, not a defect."""
    assert "Programme talents" in _drifting("ningxia", talent_programme_intake=20.0)


#: Fixed in 1c2c667 (the pipeline omitted the loan uplift; the high-growth share
#: started at the base share, not at its target): kept as regression tests.
@pytest.mark.parametrize("region", REGIONS)
def test_review_pipeline_starts_at_rest_with_loans(region):
    """With loans and the loan uplift on applications, the equilibrium holds."""
    assert _drifting(region, loan_application_uplift=0.2) == set()


@pytest.mark.parametrize("region", REGIONS)
def test_high_growth_share_starts_at_rest_with_loans(region):
    """With loans and the loan uplift on high growth, the equilibrium holds."""
    assert _drifting(region, loan_high_growth_uplift=0.5) == set()


def test_coarse_step_rest_point():
    """Chengdu, lapse rate 0.5, DT 1: the guarded flows start at rest (fixed in 8d0ab22)."""
    chengdu = baselines()["chengdu"]
    scenario = replace(chengdu, time_step=1.0,
                       parameters={**chengdu.parameters, "tech_sme_lapse_rate": 0.5})
    report = validation.steady_state_report(scenario, engine=ENGINE)
    assert (report["relative_drift"] <= 1e-9).all(), report.to_dict("index")
