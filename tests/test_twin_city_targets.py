"""The regions' plan targets in the twin-city circle (issue #21): one run and ensembles, CLI."""

import numpy as np
import pandas as pd
import pytest

from simulator.targets import is_met
from simulator.twin_city import scenario as twin
from simulator.twin_city import targets
from simulator.twin_city.ensemble import run_members
from simulator.twin_city.regions import REGIONS


@pytest.fixture(scope="module")
def run():
    return twin.run()


def test_each_region_is_tracked_on_its_own_plan_targets(run):
    table = targets.track_run(run)
    plans = targets.all_targets()
    assert "chongqing_core" not in plans and set(plans) == set(REGIONS) - {"chongqing_core"}
    for region, region_targets in plans.items():
        for label, results in (("without", run.without), ("with", run.with_measures)):
            rows = table[(table["region"] == region) & (table["run"] == label)]
            assert len(rows) == len(region_targets)
            for (_, row), target in zip(rows.iterrows(), region_targets):
                frame = results.frames[region]
                expected = frame.loc[target.year, target.indicator]
                assert row["value"] == pytest.approx(expected, rel=1e-12)
                assert row["met"] == bool(is_met(expected, target.value, target.bound))


def test_the_measures_move_hechuans_high_tech_target_and_not_ningxias(run):
    wide = targets.side_by_side(targets.track_run(run))
    hte = wide[(wide["region"] == "hechuan") & (wide["indicator"] == "high_tech_enterprises")]
    assert (hte["value_with"] > 1.1 * hte["value_without"]).all()  # +19% measured in 2026
    ningxia = wide[wide["region"] == "ningxia"]
    assert (ningxia["value_with"] == ningxia["value_without"]).all()  # no coupling reaches it


def test_target_probabilities_are_shares_of_paired_seeded_members():
    n, seed = 12, 5
    table = targets.track_members(n, seed)
    assert table.equals(targets.track_members(n, seed))
    assert table["p_met"].between(0, 1).all() and (table["n"] == n).all()
    years, out = run_members(n, seed=seed, measures=True, indicators=("high_tech_enterprises",))
    target = next(t for t in targets.region_targets("hechuan")
                  if t.indicator == "high_tech_enterprises")
    values = out["high_tech_enterprises"][:, list(years).index(target.year),
                                          REGIONS.index("hechuan")]
    row = table[(table["region"] == "hechuan") & (table["run"] == "with")
                & (table["indicator"] == "high_tech_enterprises")
                & (table["year"] == target.year)].iloc[0]
    assert row["p_met"] == pytest.approx(is_met(values, target.value, target.bound).mean())
    wide = targets.side_by_side(table)
    ningxia = wide[wide["region"] == "ningxia"]
    assert (ningxia["p_met_with"] == ningxia["p_met_without"]).all()
    assert (wide["p_met_with"] != wide["p_met_without"]).any()  # the measures change some


def test_the_targets_command_takes_the_twin_city_file(tmp_path, capsys):
    from simulator.cli import main

    assert main(["targets", "twin-city"]) == 0
    printed = capsys.readouterr().out
    assert "met_without" in printed and "hechuan" in printed and "chongqing_core" not in printed
    out = tmp_path / "t.csv"
    assert main(["targets", "twin-city", "--ensemble", "4", "--seed", "1", "--out", str(out)]) == 0
    assert "p_met_with" in capsys.readouterr().out
    written = pd.read_csv(out, comment="#")
    assert set(written["run"]) == {"without", "with"} and (written["n"] == 4).all()
    assert np.isfinite(written["p_met"]).all()


@pytest.mark.parametrize("argv, message", [
    (["--ensemble", "3"], "--ensemble needs --seed S"),
    (["--seed", "3"], "give --ensemble too"),
    (["--ensemble", "20000", "--seed", "1"], "at most 10,000 members"),
    (["--draw-assumed"], "--draw-assumed does not apply to it"),
    (["--engine", "pysd"], "--engine pysd does not apply to it"),
])
def test_bad_twin_city_target_options_are_refused_in_one_line(argv, message, capsys):
    from simulator.cli import main

    assert main(["targets", "twin-city", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
