"""A scenario and its band in one batch (#20 speed): ``runner.run_with_band``, ``runner.band_frame``
and the draws of ``simulator.app_logic.bands``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator import app_logic, catalogue
from simulator.app_logic import bands
from simulator.engine.model import load_model
from simulator.ensemble import run_ensemble
from simulator.runner import band_frame, run_scenario, run_with_band
from simulator.scenario import Scenario


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def moved(model) -> Scenario:
    plan = app_logic.load_preset("suining", "plan", model)
    return plan.with_levers({"incubator_capacity": 1850.0}, 2024, model)


def test_the_scenario_in_a_batch_with_its_draws_is_the_scenario_run_alone(moved, model):
    draws = bands.scenario_draws(moved, n=40, seed=7)
    assert len(draws.draws) == 40 and not draws.problem
    frame, band = run_with_band(moved, draws.draws, model=model)
    alone = run_scenario(moved, model=model).frame
    pd.testing.assert_frame_equal(frame, alone, check_exact=True)
    assert set(band) == set(catalogue.KEY_INDICATORS)


def test_the_band_is_the_ensembles_band_with_the_same_seed(moved, model):
    draws = bands.scenario_draws(moved, n=40, seed=7)
    _, band = run_with_band(moved, draws.draws, model=model)
    ensemble = run_ensemble(moved, 40, seed=7)
    for name in catalogue.KEY_INDICATORS:
        expected = band_frame(ensemble.years, ensemble.values[name])
        pd.testing.assert_frame_equal(band[name], expected, check_exact=True)
        assert (band[name]["high"] > band[name]["low"]).any(), name  # a band, not a line


def test_nothing_uncertain_is_no_band_and_says_why(model):
    bare = Scenario(name="bare", start_year=2018, end_year=2030)
    draws = bands.scenario_draws(bare)
    assert draws.draws == () and "nothing uncertain" in draws.problem
    frame, band = run_with_band(bare, draws.draws, model=model)
    assert band == {} and list(frame.index)[-1] == 2030


def test_band_frame_fast_path_gives_nanquantiles_numbers():
    runs = np.random.default_rng(3).lognormal(size=(200, 18))
    fast = band_frame(range(18), runs)
    q = np.nanquantile(runs, [0.05, 0.5, 0.95], axis=0)
    assert np.array_equal(fast["low"], q[0]) and np.array_equal(fast["high"], q[2])
    runs[5, 3] = np.nan  # a failed member: the NaN-aware path, the member left out
    slow = band_frame(range(18), runs)
    assert np.isfinite(slow["median"]).all()
    assert slow["median"][3] == np.quantile(np.delete(runs[:, 3], 5), 0.5)


def test_band_frame_known_quantiles():
    """Band frame known quantiles."""
    runs = np.arange(101, dtype=float)[:, None] * np.ones((1, 2))
    band = band_frame([2030, 2031], runs)
    assert band["low"].tolist() == [5.0, 5.0] and band["median"].tolist() == [50.0, 50.0]
    assert band["high"].tolist() == [95.0, 95.0]
    with pytest.raises(ValueError, match="runs must have shape"):
        band_frame([2030], runs)
