"""Target tracking (known answers) and ensembles (seeded draws, bands, draw sources)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS_DIR

from simulator import ensemble as ensemble_module
from simulator.cli import main
from simulator.ensemble import draw_parameters, run_ensemble
from simulator.errors import ScenarioError
from simulator.results import read_results
from simulator.scenario import Target, scenario_from_yaml
from simulator.targets import (
    first_year_reached,
    format_table,
    is_met,
    track_ensemble,
    track_targets,
)


# ------------------------------------------------------------------ is_met
@pytest.mark.parametrize(
    ("values", "bound", "expected"),
    [
        # equal: reached less 5% of 100, or exceeded (edges included)
        ([94.9, 95.0, 100.0, 105.0, 105.1], "equal", [False, True, True, True, True]),
        # approx: reached less 10%, or exceeded
        ([89.9, 90.0, 110.0, 110.1], "approx", [False, True, True, True]),
        ([99.99, 100.0, 1e9], "at_least", [False, True, True]),
        ([-1e9, 100.0, 100.01], "at_most", [True, True, False]),
        ([np.nan], "at_least", [False]),
        ([np.nan], "equal", [False]),
    ],
)
def test_is_met_known_answers(values, bound, expected):
    """Is met known answers."""
    assert is_met(values, 100.0, bound).tolist() == expected


def test_is_met_tolerances_are_parameters():
    """Is met tolerances are parameters."""
    assert is_met([92.0], 100.0, "equal", rtol_equal=0.08).tolist() == [True]
    assert is_met([92.0], 100.0, "approx", rtol_approx=0.05).tolist() == [False]
    # A negative target: the band is relative to its magnitude.
    assert is_met([-104.0, -106.0], -100.0, "equal").tolist() == [True, False]
    assert is_met([150.0, 300.0], 150.0, "equal").tolist() == [True, True]  # overshoot is met


def test_is_met_unknown_bound_names_the_choices():
    """Is met unknown bound names the choices."""
    with pytest.raises(
        ValueError, match=r"'above' is not a valid bound. It must be one of \['equal', 'at_least'"
    ):
        is_met([1.0], 1.0, "above")


# ---------------------------------------------------------- one run's table
YEARS = np.arange(2020, 2026)
FRAME = pd.DataFrame(
    {
        "rd_expenditure": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "gdp": [100.0, 99.0, 98.0, 97.0, 96.0, 95.0],
    },
    index=pd.Index(YEARS, name="year"),
)


def test_track_targets_known_answers():
    """Track targets known answers."""
    targets = [
        Target("rd_expenditure", 2023, 35.0, "at_least"),  # 40: met, gap +5 (+14.29%), first 2023
        Target("rd_expenditure", 2022, 35.0, "at_least"),  # 30: missed, gap -5, reached 2023
        Target("rd_expenditure", 2024, 49.0, "equal"),  # 50 within 46.55..51.45: met, first 2024
        Target("rd_expenditure", 2025, 100.0, "at_least"),  # never reached
        Target("gdp", 2021, 97.5, "at_most"),  # 99: missed; first year <= 97.5 is 2023
        Target("gdp", 2030, 90.0, "at_most"),  # outside the run
    ]
    table = track_targets(FRAME, targets)
    assert list(table["value"].iloc[:5]) == [40.0, 30.0, 50.0, 60.0, 99.0]
    assert np.isnan(table["value"].iloc[5])
    assert list(table["met"]) == [True, False, True, False, False, False]
    assert list(table["gap"].iloc[:5]) == [5.0, -5.0, 1.0, -40.0, 1.5]
    assert table["gap_pct"].iloc[0] == pytest.approx(100 * 5 / 35, rel=1e-12)
    assert table["gap_pct"].iloc[3] == pytest.approx(-40.0, rel=1e-12)
    assert table["first_year_reached"].tolist() == [2023, 2023, 2024, pd.NA, 2023, pd.NA]
    assert table["label_zh"].iloc[0] == "R&D经费投入" and table["unit"].iloc[0] == "亿元"


def test_track_targets_unknown_indicator_column():
    """Track targets unknown indicator column."""
    with pytest.raises(
        ScenarioError, match="target indicator 'tech_contract_turnover' is not in the results"
    ):
        track_targets(FRAME, [Target("tech_contract_turnover", 2021, 1.0)])


def test_first_year_reached_per_run():
    """First year reached per run."""
    runs = np.array([[1.0, 2.0, 3.0], [3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    first = first_year_reached(
        np.array([2020, 2021, 2022]), runs, Target("gdp", 2022, 2.0, "at_least")
    )
    assert first[:2].tolist() == [2021.0, 2020.0] and np.isnan(first[2])


def test_track_ensemble_probability_and_quantiles():
    """Track ensemble probability and quantiles."""
    years = np.array([2020, 2021])
    values = {"rd_expenditure": np.array([[5.0, 10.0], [5.0, 20.0], [30.0, 30.0], [5.0, 40.0]])}
    table = track_ensemble(years, values, [Target("rd_expenditure", 2021, 25.0, "at_least")])
    row = table.iloc[0]
    assert row["n"] == 4 and row["p_met"] == 0.5
    assert row["value_q50"] == 25.0  # median of 10, 20, 30, 40
    assert row["value_q05"] == pytest.approx(np.quantile([10, 20, 30, 40], 0.05), rel=1e-12)
    assert row["gap_pct_q50"] == 0.0
    # first years: 2020 (run 3), 2021 (run 4), never, never -> the median (2nd of 4) is 2021
    assert row["first_year_reached_q50"] == 2021
    table = track_ensemble(years, values, [Target("rd_expenditure", 2021, 35.0, "at_least")])
    assert table["p_met"].iloc[0] == 0.25 and table["first_year_reached_q50"].isna().all()


def test_format_table_shows_both_labels_and_status():
    """Format table shows both labels and status."""
    text = format_table(track_targets(FRAME, [Target("rd_expenditure", 2023, 35.0, "at_least")]))
    assert "R&D经费投入 / R&D expenditure" in text and "met 达成" in text


# --------------------------------------------------------------- ensembles
STATED = """
name: stated
region: ningxia
start_year: 2017
end_year: 2025
uncertainty:
  source: stated
  parameters:
    initial_tech_smes: {distribution: uniform, min: 250, max: 750}
    gdp_growth_rate: {distribution: normal, mean: 0.07, sd: 0.01, min: 0.05, max: 0.09}
    tech_sme_birth_rate: {distribution: triangular, min: 75, mode: 150, max: 225}
targets:
  - {indicator: tech_smes_registered, year: 2022, value: 600, bound: at_least}
"""


def test_stated_draws_are_seeded_and_bounded():
    """Stated draws are seeded and bounded."""
    scenario = scenario_from_yaml(STATED)
    draws, source, notes = draw_parameters(scenario, 200, seed=11)
    assert source == "stated" and "source: stated" in notes[0]
    assert draws == draw_parameters(scenario, 200, seed=11)[0]
    assert draws != draw_parameters(scenario, 200, seed=12)[0]
    frame = pd.DataFrame(draws)
    assert frame["initial_tech_smes"].between(250, 750).all()
    assert frame["gdp_growth_rate"].between(0.05, 0.09).all()
    assert frame["tech_sme_birth_rate"].between(75, 225).all()
    # Draws spread over their range (not a constant): 200 uniform draws span most of it.
    assert frame["initial_tech_smes"].max() - frame["initial_tech_smes"].min() > 400


def test_run_ensemble_is_reproducible_and_gives_ordered_bands():
    """Run ensemble is reproducible and gives ordered bands."""
    scenario = scenario_from_yaml(STATED)
    first = run_ensemble(
        scenario, 6, seed=3, engine="pysd", indicators=["tech_smes_registered", "gdp"]
    )
    again = run_ensemble(
        scenario, 6, seed=3, engine="pysd", indicators=["tech_smes_registered", "gdp"]
    )
    assert first.n == 6 and first.values["gdp"].shape == (6, 9)
    np.testing.assert_array_equal(first.values["gdp"], again.values["gdp"])
    bands = first.quantiles()
    assert list(bands.index) == list(range(2017, 2026))
    low, mid, high = (bands["tech_smes_registered"][q] for q in (0.05, 0.5, 0.95))
    assert (low <= mid).all() and (mid <= high).all() and (high > low).any()
    # Different GDP growth draws give different GDP paths after the base year.
    assert np.ptp(first.values["gdp"][:, -1]) > 0
    with pytest.raises(ValueError, match=r"quantile levels must lie in \[0, 1\]"):
        first.quantiles((0.5, 1.5))


def test_nothing_uncertain_is_an_error(monkeypatch):
    """Nothing uncertain is an error."""
    monkeypatch.setattr(ensemble_module, "profile_file", lambda name: None)
    scenario = scenario_from_yaml("name: plain\nregion: ningxia\n")
    with pytest.raises(ScenarioError, match="has nothing uncertain to draw"):
        draw_parameters(scenario, 3, seed=1)
    with pytest.raises(ValueError, match="ensemble size n must be a whole number >= 1, got 0"):
        draw_parameters(scenario, 0, seed=1)
    with pytest.raises(TypeError, match="seed must be a whole number, got None"):
        draw_parameters(scenario, 3, seed=None)


def test_profile_source_without_a_profile_is_an_error(monkeypatch):
    """Profile source without a profile is an error."""
    monkeypatch.setattr(ensemble_module, "profile_file", lambda name: None)
    scenario = scenario_from_yaml(STATED.replace("source: stated", "source: profile"))
    with pytest.raises(
        ScenarioError,
        match="asks for uncertainty source 'profile' but there is no calibration profile",
    ):
        draw_parameters(scenario, 3, seed=1)


class _FakeProfile:
    def sample(self, n, seed):
        rng = np.random.default_rng(seed)
        return [
            {"initial_tech_smes": float(v), "gdp_growth_rate": 0.06}
            for v in rng.uniform(400, 500, n)
        ]


def test_profile_draws_win_and_stated_fill_the_rest(monkeypatch, tmp_path):
    """Profile draws win and stated fill the rest."""
    import simulator.data.profile

    monkeypatch.setattr(
        ensemble_module, "profile_file", lambda name: Path(tmp_path / f"{name}.yaml")
    )
    monkeypatch.setattr(simulator.data.profile, "load_profile", lambda name: _FakeProfile())
    scenario = scenario_from_yaml(STATED.replace("source: stated", "source: auto"))
    draws, source, notes = draw_parameters(scenario, 5, seed=2)
    assert source == "profile+stated"
    assert all(400 <= d["initial_tech_smes"] <= 500 and d["gdp_growth_rate"] == 0.06 for d in draws)
    assert all(75 <= d["tech_sme_birth_rate"] <= 225 for d in draws)
    assert any("calibration profile" in note for note in notes)
    assert any(
        "not the stated distributions: ['gdp_growth_rate', 'initial_tech_smes']" in n for n in notes
    )


def test_unusable_profile_falls_back_to_stated_and_says_so(monkeypatch, tmp_path):
    """Unusable profile falls back to stated and says so."""
    import simulator.data.profile

    def broken(name):
        raise ValueError("malformed profile")

    monkeypatch.setattr(
        ensemble_module, "profile_file", lambda name: Path(tmp_path / f"{name}.yaml")
    )
    monkeypatch.setattr(simulator.data.profile, "load_profile", broken)
    scenario = scenario_from_yaml(STATED.replace("source: stated", "source: auto"))
    draws, source, notes = draw_parameters(scenario, 4, seed=2)
    assert source == "stated" and "could not be sampled (ValueError: malformed profile)" in notes[0]


# -------------------------------------------------------------------- CLI
def test_targets_command_prints_and_writes_the_table(tmp_path, capsys):
    """Targets command prints and writes the table."""
    out = tmp_path / "targets.csv"
    assert (
        main(
            [
                "targets",
                str(SCENARIOS_DIR / "ningxia-plan.yaml"),
                "--out",
                str(out),
                "--engine",
                "pysd",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "技术合同成交额 / Tech-contract turnover" in printed and f"wrote {out}" in printed
    table = read_results(out).frame
    # the plan's 10 tracked seed targets, in the file's order (docs/plans.md, N1-N12)
    assert list(table["indicator"]) == [
        "rd_expenditure",
        "share_above_scale_industrial_firms_with_rd",
        "tech_contract_turnover",
        "key_st_projects",
        "major_results_transferred",
        "tech_enterprises_new",
        "high_tech_enterprises_newly_certified",
        "tech_firms_new_loans",
        "firms_newly_financed",
        "new_innovation_platforms",
    ]
    assert set(table["met"]) <= {True, False}


def test_targets_command_ensemble(tmp_path, capsys):
    """Targets command ensemble."""
    path = tmp_path / "stated.yaml"
    path.write_text(STATED, encoding="utf-8")
    assert main(["targets", str(path), "--ensemble", "4", "--seed", "5", "--engine", "pysd"]) == 0
    printed = capsys.readouterr().out
    assert (
        "distributions stated in the scenario's uncertainty section" in printed
        and "p_met" in printed
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ensemble", "4"], "--ensemble needs --seed S"),
        (["--out", "table.txt"], "must end in .csv"),
    ],
)
def test_targets_command_bad_input(extra, message, capsys):
    """Targets command bad input."""
    assert main(["targets", str(SCENARIOS_DIR / "ningxia-plan.yaml"), *extra]) == 2
    assert message in capsys.readouterr().err
