"""The twin-city page and its logic (issue #21): network flows, comparison, targets."""

from __future__ import annotations

import numpy as np
import pytest
from test_pages import _app

from simulator.app_logic import twin_city as logic
from simulator.twin_city import scenario as twin
from simulator.twin_city.regions import REGIONS


@pytest.fixture(scope="module")
def run():
    return twin.run()


def test_network_edges_are_the_contract_matrix(run):
    edges = logic.contract_edges(run, 2030)
    years = list(run.with_measures.frames["chengdu"].index)
    matrix = run.with_measures.contracts[years.index(2030)]
    assert edges["value"].sum() == pytest.approx(matrix.sum())
    assert not (edges["seller"] == edges["buyer"]).any()
    row = edges[(edges.seller == "chengdu") & (edges.buyer == "suining")].iloc[0]
    assert row["value"] == pytest.approx(matrix[REGIONS.index("chengdu"), REGIONS.index("suining")])
    assert (row["x"], row["y"]) == logic.POSITIONS["chengdu"]
    with pytest.raises(ValueError, match="year 1990 is not in the run"):
        logic.contract_edges(run, 1990)


def test_comparison_and_targets(run):
    long = logic.comparison(run, "high_tech_enterprises")
    assert set(long["run"]) == {"without", "with"} and set(long["region"]) == set(REGIONS)
    table = logic.targets_table(run)
    assert "chongqing_core" not in set(table["region"])  # no plan, no targets
    hechuan = table[(table.region == "hechuan") & (table.indicator == "high_tech_enterprises")]
    assert len(hechuan) == 1 and hechuan.iloc[0]["value"] == 250
    assert hechuan.iloc[0]["with"] > hechuan.iloc[0]["without"]
    assert np.isfinite(table[["without", "with"]].to_numpy()).all()


@pytest.fixture(scope="module")
def ensemble():
    return logic.circle_ensemble(40, 7, indicators=None)


def test_region_bands_are_the_quantiles_of_each_regions_members(ensemble):
    from simulator.runner import band_frame

    bands = logic.region_bands(ensemble, "high_tech_enterprises", lang="en")
    assert set(bands["region"]) == set(REGIONS) and set(bands["run"]) == {"without", "with"}
    years, values = ensemble.runs["with"]
    i = REGIONS.index("hechuan")
    mine = bands[(bands.region == "hechuan") & (bands.run == "with")].reset_index(drop=True)
    members = values["high_tech_enterprises"][:, :, i]
    np.testing.assert_allclose(mine["low"], np.quantile(members, 0.05, axis=0))
    np.testing.assert_allclose(mine["high"], np.quantile(members, 0.95, axis=0))
    assert mine["median"].equals(band_frame(years, members)["median"])
    assert (mine["low"] < mine["high"]).all() and set(mine["name"]) == {"Hechuan"}
    assert set(bands[bands.region == "chongqing_core"]["name"]) == {"Chongqing (core)"}
    # Ningxia is reached by no coupling: its band is the same with and without the measures
    ningxia = bands[bands.region == "ningxia"]
    np.testing.assert_array_equal(ningxia[ningxia.run == "with"]["median"].to_numpy(),
                                  ningxia[ningxia.run == "without"]["median"].to_numpy())
    with pytest.raises(ValueError, match="not in the ensemble"):
        logic.region_bands(ensemble, "no_such")


def test_target_probabilities_per_region_in_both_languages(ensemble):
    zh = logic.target_probabilities(ensemble, "zh")
    en = logic.target_probabilities(ensemble, "en")
    assert set(zh["region"]) == {"宜宾", "合川", "遂宁", "宁夏", "成都"}
    assert "High-tech enterprises" in set(en["indicator"])
    assert "高新技术企业" in set(zh["indicator"])
    assert zh[["p_met_without", "p_met_with"]].stack().between(0, 100).all()
    hte = en[(en.region == "Hechuan") & (en.indicator == "High-tech enterprises")].iloc[0]
    assert hte["p_met_with"] > hte["p_met_without"]  # Hechuan's measures bring firms
    years, values = ensemble.runs["with"]
    at = list(years).index(2026)
    share = (values["high_tech_enterprises"][:, at, REGIONS.index("hechuan")] >= 250).mean()
    assert hte["p_met_with"] == pytest.approx(100 * share, abs=0.05)
    with pytest.raises(ValueError, match="unknown language"):
        logic.target_probabilities(ensemble, "fr")


def test_the_page_draws_without_exception():
    at = _app("twin_city")
    assert not at.exception, at.exception
    assert at.title[0].value == "成渝双城经济圈"
    assert len(at.dataframe) == 3  # targets, their probabilities, the measures
    assert any("90%" in s.value for s in at.subheader)
