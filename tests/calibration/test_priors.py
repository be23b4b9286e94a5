"""Every prior of the calibration has a source or is a marked assumption with a reason."""

from __future__ import annotations

import pytest

from calibration import priors
from calibration.mcmc import LogPosterior, make_objective
from simulator.catalogue import REGIONS
from simulator.engine.model import load_model


@pytest.fixture(scope="module")
def table():
    return priors.prior_table()


def test_every_prior_is_cited_or_a_marked_assumption(table):
    assert set(table["status"]) <= {"sourced", "derived", "assumption"}
    assert table["source"].str.len().min() > 0
    assert table["reason"].str.len().min() > 0


def test_the_table_covers_every_sampled_dimension(table):
    model = load_model()
    for region in REGIONS:
        objective, documented = make_objective(region, 2022, model)
        dims = LogPosterior(objective, documented).ndim
        assert (table["region"] == region).sum() == dims, region


def test_an_uncited_prior_is_refused(monkeypatch):
    cited = dict(priors.CITED)
    cited.pop("hte_application_rate")
    monkeypatch.setattr(priors, "CITED", cited)
    with pytest.raises(priors.UncitedPrior, match="hte_application_rate.*has no source"):
        priors.prior_table(["ningxia"])


def test_markdown_lists_every_prior(table):
    text = priors.markdown(table)
    for name in table["name"]:
        assert f"| {name} |" in text
