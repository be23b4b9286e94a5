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


def test_the_page_draws_without_exception():
    at = _app("twin_city")
    assert not at.exception, at.exception
    assert at.title[0].value == "成渝双城经济圈"
    assert len(at.dataframe) == 2
