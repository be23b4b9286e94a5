"""Rolling-origin backtests (#18 point 6): what is scored, and how."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration import backtest
from simulator.data.profile import load_profile, save_profile
from simulator.ensemble import draw_parameters


def test_later_figures_are_after_the_origin_and_include_the_holdout():
    figures = backtest.later_figures("suining", 2020)
    assert (figures["year"] > 2020).all()
    assert set(figures["source"]) == {"observations.csv", "holdout.csv"}
    assert {2023} <= set(figures[figures["source"] == "holdout.csv"]["year"])


def test_an_ensemble_samples_a_profile_file_a_scenario_names(tmp_path):
    """A scenario's ``profile: path.yaml`` is drawn from (it used to find nothing to draw)."""
    path = save_profile(load_profile("suining"), tmp_path / "mine.yaml")
    scenario = backtest._scenario_with("suining", path)
    draws, source, _ = draw_parameters(scenario, 50, 3)
    fitted = load_profile("suining").fitted
    values = pd.DataFrame(draws)[fitted]
    assert source.startswith("profile") and (values.std() > 0).all()


def test_summary_counts_coverage_and_leaves_floors_out_of_the_error():
    scores = pd.DataFrame({
        "origin": [2020, 2020, 2021, 2021], "bound": ["equal", "equal", "equal", "at_least"],
        **{f"{b}_covered_{k}": [True, False, True, True] for b in ("parameters", "predictive")
           for k in (50, 90)},
        **{f"{b}_ape_pct": [10.0, 30.0, 20.0, 99.0] for b in ("parameters", "predictive")},
    })
    table = backtest.summary(scores).set_index("origin")
    assert table.loc[2020, "predictive_cover90_pct"] == 50.0
    assert table.loc[2021, "predictive_cover50_pct"] == 100.0
    assert table.loc[2021, "predictive_median_ape_pct"] == 20.0  # the floor's 99% left out
    assert table.loc["all", "figures"] == 4 and table.loc["all", "parameters_cover90_pct"] == 75.0


def test_one_backtest_scores_each_later_figure_with_nested_bands():
    scores = backtest.backtest_region("suining", 2021, n=60, seed=5)
    assert len(scores) == len(backtest.later_figures("suining", 2021))
    assert (scores["origin"] == 2021).all() and (scores["year"] > 2021).all()
    for band in ("parameters", "predictive"):
        # a wider central band covers whenever a narrower one does
        for narrow, wide in zip(backtest.LEVELS, backtest.LEVELS[1:]):
            n, w = (scores[f"{band}_covered_{round(100 * x)}"] for x in (narrow, wide))
            assert (w | ~n).all()
    assert np.allclose(scores["predictive_ape_pct"],
                       100 * (scores["predictive_median"] / scores["value"] - 1).abs())
    again = backtest.backtest_region("suining", 2021, n=60, seed=5)
    pd.testing.assert_frame_equal(scores, again)  # seeded


@pytest.mark.parametrize("argv, message", [
    (["--n", "5"], "--n must be at least 20"),
    (["--origins", "2022"], "an origin must be in 2015-2021"),
    (["--regions", "lhasa"], "invalid choice: 'lhasa'"),
])
def test_bad_options_are_one_line(argv, message, capsys):
    try:
        code = backtest.main(argv)
    except SystemExit as stop:  # argparse's own errors exit from parse_args
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_holdout_figures_the_model_has_no_indicator_for_are_kept_apart():
    """Documented hold-out figures such as Ningxia's registered contract counts are not
    simulated: coverage and backtests score the others and list these (they used to fail)."""
    from calibration.fitting import holdout_figures
    from simulator import catalogue

    scored, apart = holdout_figures(), holdout_figures(modelled=False)
    assert set(scored["model_indicator"]) <= set(catalogue.indicators())
    assert "tech_contracts_registered" in set(apart["indicator"])
    from simulator.data.observations import load_holdout

    assert len(scored) + len(apart) == len(load_holdout())
    later = backtest.later_figures("ningxia", 2021)
    assert "tech_contracts_registered" not in set(later["indicator"])
