"""The measurement model recovers known offsets and third-party factors (issue #18 point 3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from calibration import measurement
from calibration.fitting import Objective, documented_values, fit_region, load_region_spec
from calibration.mcmc import sample_posterior
from calibration.measurement import BREAKS, Break, MeasurementModel
from simulator import catalogue
from simulator.data.observations import load_holdout, load_observations
from simulator.engine.model import load_model

#: Hechuan fits GDP growth only: the cheapest spec to generate synthetic data for.
REGION, GROWTH = "hechuan", 0.06
YEARS = [2019, 2020, 2021, 2022]
#: Known log shift put into the synthetic figures.
TRUE_SHIFT = 0.12


@pytest.fixture(scope="module")
def model_gdp():
    """Hechuan's GDP by year from the model itself at GDP growth 6%."""
    model = load_model()
    spec = load_region_spec(REGION)
    fixed = {name: value for name, (value, _) in documented_values(spec).items()}
    fixed.update({n: float(a["value"]) for n, a in spec.assumed.items() if n not in spec.fit})
    empty = pd.DataFrame(columns=["indicator", "year", "value", "bound", "weight", "line", "note"])
    objective = Objective(spec, 2022, model, fixed, empty)
    objective.columns = {"gdp": catalogue.indicators(model)["gdp"].vensim_name}
    frame = objective.simulate(np.array([GROWTH]))
    return {year: float(frame.at[year, "gdp"]) for year in YEARS}


def synthetic(gdp: dict[int, float], shifted: set[int], weight: float) -> pd.DataFrame:
    """Figures with 0.5% seeded noise; ``shifted`` years are times exp(TRUE_SHIFT)."""
    rng = np.random.default_rng(11)
    return pd.DataFrame([
        {"indicator": "gdp", "year": y,
         "value": gdp[y] * math.exp(TRUE_SHIFT * (y in shifted))
         * (1 + 0.005 * rng.standard_normal()),
         "bound": "equal", "weight": weight if y in shifted else 1.0, "line": k + 1,
         "note": "synthetic"}
        for k, y in enumerate(YEARS)
    ])


def test_third_party_factor_is_recovered_and_matters(model_gdp, monkeypatch):
    data = synthetic(model_gdp, {2021, 2022}, weight=0.3)
    # a wide prior, so that the estimate is the data's (the packaged prior sd is 0.05)
    monkeypatch.setattr(measurement, "THIRD_PARTY_SD", 0.5)
    fit = fit_region(REGION, n_starts=1, observations=data)
    term = fit.fit["measurement"]["bias:gdp:third_party"]
    assert abs(term["estimate"] - TRUE_SHIFT) < term["posterior_sd"]
    growth_sd = math.sqrt(fit.covariance[0][0])
    assert abs(fit.values["gdp_growth_rate"] - GROWTH) < growth_sd
    # without the factor (pinned at 0) the third-party rows bias the growth rate and the
    # figures are fitted worse
    monkeypatch.setattr(measurement, "THIRD_PARTY_SD", 1e-6)
    pinned = fit_region(REGION, n_starts=1, observations=data)
    error = abs(fit.values["gdp_growth_rate"] - GROWTH)
    assert pinned.values["gdp_growth_rate"] - GROWTH > 3 * error
    assert pinned.fit["data_residual_ss"] > 10 * fit.fit["data_residual_ss"]


def _break(value: float, offset: float, sd: float) -> Break:
    return Break("offset:test", REGION, "gdp", 2021, value, offset, sd, "assumption",
                 "test", "test", "test")


def test_stated_offset_is_applied(model_gdp, monkeypatch):
    data = synthetic(model_gdp, {2021}, weight=1.0)
    value = float(data.loc[data["year"] == 2021, "value"].iloc[0])
    monkeypatch.setattr(measurement, "BREAKS", (_break(value, TRUE_SHIFT, 0.0),))
    fit = fit_region(REGION, n_starts=1, observations=data)
    assert fit.fit["measurement"]["offset:test"] == {"stated": TRUE_SHIFT, "source": "test"}
    assert abs(fit.values["gdp_growth_rate"] - GROWTH) < 0.002
    monkeypatch.setattr(measurement, "BREAKS", ())
    ignored = fit_region(REGION, n_starts=1, observations=data)
    assert abs(ignored.values["gdp_growth_rate"] - GROWTH) > 0.005


def test_estimated_offset_is_recovered_by_map_and_mcmc(model_gdp, monkeypatch):
    data = synthetic(model_gdp, {2021}, weight=1.0)
    value = float(data.loc[data["year"] == 2021, "value"].iloc[0])
    monkeypatch.setattr(measurement, "BREAKS", (_break(value, 0.0, 0.5),))
    fit = fit_region(REGION, n_starts=1, observations=data)
    term = fit.fit["measurement"]["offset:test"]
    assert term["posterior_sd"] < 0.5 and abs(term["estimate"] - TRUE_SHIFT) < term["posterior_sd"]
    post = sample_posterior(REGION, walkers=16, steps=600, burn=200, seed=5, observations=data)
    row = post.summary.set_index("name").loc["offset:test"]
    assert abs(row["mean"] - TRUE_SHIFT) < row["sd"]
    assert "offset:test" in post.names and row["sd"] < 0.5


def test_packaged_breaks_are_sourced_and_match_their_figures():
    data = load_observations()
    outcomes = data[data["kind"] == "outcome"]
    for brk in BREAKS:
        assert brk.source and brk.quote and brk.reason, brk.name
        assert brk.status in {"derived", "assumption"}
        assert (brk.sd == 0) == (brk.status == "derived"), brk.name  # an assumption is estimated
        if brk.name.startswith("offset:yibin_hte"):  # a derived row of the spec
            spec = load_region_spec("yibin")
            assert any(d["value"] == brk.value for d in spec.derived)
            continue
        mine = outcomes[(outcomes["region"].str.lower() == brk.region)
                        & (outcomes["indicator"] == brk.indicator) & (outcomes["year"] == brk.year)]
        assert np.isclose(mine["value_model"], brk.value).any(), brk.name
    # the derived offsets recomputed from the sourced figures
    hold = load_holdout()
    chengdu = hold[(hold["region"] == "Chengdu") & (hold["indicator"] == "high_tech_enterprises")]
    assert "1636" in chengdu["source_quote"].iloc[0]
    stock_2022 = float(chengdu["value"].iloc[0]) - 1636
    by_name = {b.name: b for b in BREAKS}
    assert by_name["offset:chengdu_hte_2022_cutoff"].offset == pytest.approx(
        math.log(9856 / stock_2022))
    nx = outcomes[(outcomes["region"] == "Ningxia") & (outcomes["indicator"] == "rd_intensity")
                  & (outcomes["year"] == 2017)]["value"].sort_values().tolist()
    assert by_name["offset:ningxia_gdp_2017_vintage"].offset == pytest.approx(
        math.log(nx[1] / nx[0]))


def test_start_value_is_put_on_the_model_definition():
    value, citation = documented_values(load_region_spec("ningxia"))["base_year_gdp"]
    brk = {b.name: b for b in BREAKS}["offset:ningxia_gdp_2017_vintage"]
    assert value == pytest.approx(3453.93 / math.exp(brk.offset))
    assert "measurement break" in citation


def test_third_party_terms_only_for_documented_low_weight_rows():
    obs = pd.DataFrame({"indicator": ["gdp", "gdp", "x"], "year": [2020, 2021, 2021],
                        "value": [1.0, 2.0, 3.0], "weight": [1.0, 0.3, 0.5],
                        "line": [3, 4, 0]})
    model = MeasurementModel("nowhere", obs)
    assert [t.name for t in model.terms] == ["bias:gdp:third_party"]
    assert model.shift(np.array([[0.2]])).tolist() == [[0.0, 0.2, 0.0]]
