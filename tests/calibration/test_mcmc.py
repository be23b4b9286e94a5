"""MCMC calibration (calibration/mcmc.py): tiny runs only (seconds)."""

from __future__ import annotations

import numpy as np
import pytest

from calibration import cli
from calibration.mcmc import check_options, sample_posterior, save_posterior

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # arviz's refactor notice


@pytest.fixture(scope="module")
def tiny():
    # Hechuan fits one parameter and has one informative series: the smallest run.
    return sample_posterior("hechuan", walkers=8, steps=30, burn=10, seed=7)


def test_same_seed_same_draws(tiny):
    again = sample_posterior("hechuan", walkers=8, steps=30, burn=10, seed=7)
    np.testing.assert_array_equal(tiny.chain, again.chain)


def test_summary_has_diagnostics_and_series_errors(tiny):
    assert tiny.chain.shape == (20, 8, len(tiny.names))
    assert tiny.names[0] == "gdp_growth_rate"
    assert any(n.startswith("sigma:") for n in tiny.names)
    assert {"r_hat", "ess_bulk", "ess_tail", "at_bound", "identified"} <= set(tiny.summary)
    assert np.isfinite(tiny.log_prob).all()
    assert (tiny.draws().filter(like="sigma:") > 0).all().all()


def test_posterior_file_round_trip(tiny, tmp_path):
    import pandas as pd

    path = save_posterior(tiny, tmp_path / "hechuan.csv", command="test")
    assert path.read_text().startswith("# mcmc posterior: {")
    frame = pd.read_csv(path, comment="#")
    assert list(frame.columns) == tiny.names


@pytest.mark.parametrize(
    ("walkers", "steps", "burn", "match"),
    [(3, 100, 0, "--walkers 3"), (9, 100, 0, "--walkers 9"), (8, 5, 0, "--steps 5"),
     (8, 100, 100, "--burn 100")],
)
def test_bad_options_refused(walkers, steps, burn, match):
    with pytest.raises(ValueError, match=match):
        check_options(walkers, steps, burn)


def test_too_few_walkers_for_the_dimensions():
    with pytest.raises(ValueError, match="even number from 24"):
        check_options(8, 100, 0, ndim=12)


@pytest.mark.parametrize(
    "argv", [["ningxia", "--method", "mcmc", "--walkers", "3"], ["ningxia", "--steps", "100"]]
)
def test_cli_refuses_in_one_line(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def _posterior_scenario():
    from simulator import paths
    from simulator.scenario import Scenario
    from simulator.yaml_input import read_yaml

    data = read_yaml(paths.SCENARIOS_DIR / "hechuan-baseline.yaml", "scenario file")
    data["uncertainty"] = {"source": "posterior"}
    return Scenario.from_dict(data)


def test_ensemble_opts_in_to_the_posterior(tiny, tmp_path, monkeypatch):
    from simulator import paths
    from simulator.ensemble import draw_parameters

    monkeypatch.setattr(paths, "POSTERIORS_DIR", tmp_path)
    save_posterior(tiny, tmp_path / "hechuan.csv")
    draws, _, notes = draw_parameters(_posterior_scenario(), 6, 3)
    kept = set(np.round(tiny.draws()["gdp_growth_rate"], 12))
    assert {round(d["gdp_growth_rate"], 12) for d in draws} <= kept
    assert any("MCMC posterior" in note for note in notes)


def test_ensemble_posterior_missing_file(tmp_path, monkeypatch):
    from simulator import paths
    from simulator.ensemble import draw_parameters
    from simulator.errors import ScenarioError

    monkeypatch.setattr(paths, "POSTERIORS_DIR", tmp_path)
    with pytest.raises(ScenarioError, match="no MCMC posterior for 'hechuan'"):
        draw_parameters(_posterior_scenario(), 2, 1)


@pytest.mark.parametrize(
    ("region", "name"), [("ningxia", "hte_renewal_pass_rate"), ("chengdu", "hte_application_rate")]
)
def test_map_estimates_at_a_bound_are_not_identified(region, name):
    # issue #18: the two parameters at their bounds were reported as identified
    from calibration.report import _bound_note
    from simulator.data.profile import load_profile

    assert _bound_note(load_profile(region), name).startswith("no: at its upper bound")


def test_at_bound():
    from calibration.fitting import Prior, at_bound

    prior = Prior("p", "linear", 0.5, 0.25, 0.0, 1.0)
    assert at_bound(prior, 1.0) and at_bound(prior, 0.0) and not at_bound(prior, 0.5)


def test_coverage_rules_and_bad_n(capsys):
    from calibration import coverage

    assert coverage._covered(1.0, 2.0, 1.5, "equal") and not coverage._covered(1, 2, 3, "equal")
    assert coverage._covered(1.0, 2.0, 0.5, "at_least")  # a floor below the band is met
    assert coverage.main(["--n", "5"]) == 2
    assert "at least 20" in capsys.readouterr().err
