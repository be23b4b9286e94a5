"""Scenario validation, lever paths and round-trips."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS_DIR

from simulator.errors import ScenarioError, UnknownNameError
from simulator.levers import parse_path
from simulator.scenario import Scenario, load_scenario, save_scenario, scenario_from_yaml

GRID = 2020 + 0.25 * np.arange(25)  # 2020 .. 2026


def test_constant_step_ramp_and_yearly_paths():
    assert (parse_path("x", 3, 0).values_on(GRID) == 3).all()
    step = parse_path("x", {"type": "step", "year": 2022, "after": 5}, default=1).values_on(GRID)
    assert (step[GRID < 2022] == 1).all() and (step[GRID >= 2022] == 5).all()
    ramp = parse_path(
        "x", {"type": "ramp", "start_year": 2021, "end_year": 2023, "from": 0, "to": 4}, 9
    )
    values = ramp.values_on(GRID)
    assert values[GRID == 2020][0] == 0 and values[GRID == 2022][0] == 2 and values[-1] == 4
    yearly = parse_path(
        "x", {"type": "yearly", "values": {2021: 10, 2023: 30}}, default=7
    ).values_on(GRID)
    assert yearly[GRID == 2020.75][0] == 7
    assert yearly[GRID == 2021][0] == 10 and yearly[GRID == 2022.75][0] == 10
    assert yearly[GRID == 2023][0] == 30 and yearly[-1] == 30


def test_each_step_takes_the_paths_mean_over_the_step():
    """Ramps enter at each step's mean; steps and yearly values keep their whole years."""
    ramp = parse_path(
        "x", {"type": "ramp", "start_year": 2021, "end_year": 2023, "from": 0, "to": 4}, 9
    )
    fine = np.linspace(0.0, 0.25, 1001)
    means = [np.trapezoid(ramp.values_on(t + fine), fine) / 0.25 for t in GRID]
    np.testing.assert_allclose(ramp.over_steps(GRID), means, rtol=1e-12, atol=1e-12)
    assert ramp.over_steps(GRID)[GRID == 2022][0] == pytest.approx(2.25)  # not 2: DT/2 later
    for spec in (
        {"type": "step", "year": 2022, "after": 5},
        {"type": "yearly", "values": {2021: 10, 2023: 30}},
    ):
        path = parse_path("x", spec, default=1)
        np.testing.assert_array_equal(path.over_steps(GRID), path.values_on(GRID))
    assert parse_path("x", 3, 0).over_steps(GRID[:1]).tolist() == [3.0]


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ({"type": "stepp", "year": 2022, "after": 1}, ScenarioError, "did you mean 'step'"),
        ({"type": "step", "year": 2022}, ScenarioError, "needs 'after'"),
        (
            {"type": "step", "yaer": 2022, "after": 1},
            ScenarioError,
            "unknown key 'yaer'.*did you mean 'year'",
        ),
        (
            {"type": "ramp", "start_year": 2025, "end_year": 2022, "to": 1},
            ScenarioError,
            "must be after",
        ),
        ({"type": "yearly", "values": {}}, ScenarioError, "needs 'values'"),
        ({"type": "yearly", "values": {2022.5: 1}}, ScenarioError, "whole years"),
        ("abc", TypeError, "must be a number, got 'abc'"),
        (float("nan"), ValueError, "must be finite"),
        (True, TypeError, "must be a number"),
    ],
)
def test_bad_lever_paths_are_named(spec, error, match):
    with pytest.raises(error, match=match):
        parse_path("incubator_capacity", spec, 0)


@pytest.mark.parametrize(
    "data, error, match",
    [
        (
            {"levers": {"post_subsidy": 0.1}},
            UnknownNameError,
            "unknown lever 'post_subsidy'; did you mean 'post_subsidy_rate'",
        ),
        (
            {"parameters": {"rd_depreciaton_rate": 0.2}},
            UnknownNameError,
            "did you mean 'rd_depreciation_rate'",
        ),
        (
            {"levers": {"post_subsidy_rate": 0.9}},
            ValueError,
            r"post_subsidy_rate = 0.9 is out of range: valid 0 to 0.2 \[Dmnl\]",
        ),
        ({"levers": {"incubator_capacity": -5}}, ValueError, r"valid 0 to 100000 \[家\]"),
        ({"parameters": {"rd_depreciation_rate": float("inf")}}, ValueError, "must be finite"),
        (
            {"parameters": {"rd_depreciation_rate": "high"}},
            TypeError,
            "must be a number, got 'high'",
        ),
        ({"parameters": {"post_subsidy_rate": 0.1}}, ScenarioError, "is a lever"),
        ({"levers": {"rd_depreciation_rate": 0.1}}, ScenarioError, "is a parameter"),
        ({"region": "yibing"}, ScenarioError, "did you mean 'yibin'"),
        (
            {"profile": "ningxa"},
            ScenarioError,
            r"unknown profile 'ningxa'; did you mean 'ningxia'.*\? "
            r"\(valid: \['yibin', 'suining', 'hechuan', 'ningxia', 'chengdu'\] or a .yaml path\)",
        ),
        (
            {"profile": "Chengdu"},
            ScenarioError,
            "unknown profile 'Chengdu'; did you mean 'chengdu'",
        ),
        ({"profile": "beijing"}, ScenarioError, r"unknown profile 'beijing' \(valid: \['yibin'"),
        (
            {"profile": 2017},
            ScenarioError,
            "profile must be a region name or a .yaml path, got int 2017",
        ),
        (
            {"start_yaer": 2018},
            ScenarioError,
            "unknown key 'start_yaer' for a scenario; did you mean 'start_year'",
        ),
        ({"start_year": 2020, "end_year": 2019}, ScenarioError, "must be after start_year"),
        ({"time_step": 0.3}, ScenarioError, "1/n of a year"),
        (
            {"targets": [{"indicator": "gpd", "year": 2025, "value": 1}]},
            UnknownNameError,
            "did you mean 'gdp'",
        ),
        ({"levers": [1, 2]}, ScenarioError, "must be a mapping"),
        ([1, 2], ScenarioError, "must be a mapping"),
    ],
)
def test_bad_scenarios_get_clear_errors(data, error, match):
    with pytest.raises(error, match=match):
        Scenario.from_dict(data)


def test_bad_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nlevers: {post_subsidy_rate: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.yaml: not valid YAML at line \d+"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="not UTF-8"):
        scenario_from_yaml(b"\xff\xfe name", source="upload")
    with pytest.raises(FileNotFoundError, match="scenario file not found: 'nope.yaml'"):
        load_scenario("nope.yaml")


def test_unknown_profile_is_refused_when_the_file_is_loaded(tmp_path):
    """A wrong ``profile:`` fails at load (file name, bad value, choices), not at run time."""
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nregion: ningxia\nprofile: ningxai\n", encoding="utf-8")
    with pytest.raises(
        ScenarioError,
        match=r"s.yaml: unknown profile 'ningxai'; did you mean 'ningxia'\? \(valid: \[",
    ):
        load_scenario(path)


@pytest.mark.parametrize(
    "profile", ["yibin", "suining", "hechuan", "ningxia", "chengdu", "elsewhere/p.yaml", None]
)
def test_valid_profiles_are_kept(profile):
    """Region profiles and profile files (checked when read) are accepted and round-trip."""
    scenario = Scenario.from_dict({"region": "ningxia", "profile": profile})
    assert scenario.profile == profile
    assert Scenario.from_dict(scenario.to_dict()) == scenario


def test_oversized_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 2_000_000)
    with pytest.raises(ScenarioError, match="byte limit"):
        load_scenario(path)


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS_DIR.glob("*-baseline.yaml")), ids=lambda p: p.stem
)
def test_scenario_files_round_trip(path, tmp_path):
    scenario = load_scenario(path)
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    save_scenario(scenario, tmp_path / "copy.yaml")
    assert load_scenario(tmp_path / "copy.yaml") == scenario


def test_overrides_take_levers_and_parameters():
    scenario = load_scenario(SCENARIOS_DIR / "ningxia-baseline.yaml")
    changed = scenario.with_overrides({"post_subsidy_rate": "0.05", "rd_depreciation_rate": "0.2"})
    assert changed.levers["post_subsidy_rate"].value == 0.05
    assert changed.parameters["rd_depreciation_rate"] == 0.2
    with pytest.raises(UnknownNameError, match="did you mean"):
        scenario.with_overrides({"post_subsidy": "0.05"})


def test_step_path_keeps_the_base_before_the_year_and_the_value_from_it():
    from simulator.levers import LeverPath, parse_path, step_path

    unset = step_path(None, 2022, 9.0, start_year=2017, default=5.0)
    assert unset.to_dict() == {"type": "step", "year": 2022, "before": 5.0, "after": 9.0}
    constant = step_path(LeverPath("constant", value=3.0), 2022, 9.0, start_year=2017, default=5.0)
    assert constant.to_dict() == {"type": "step", "year": 2022, "before": 3.0, "after": 9.0}
    late_step = parse_path("a", {"type": "step", "year": 2022, "before": 1, "after": 2}, 0.0)
    assert step_path(late_step, 2022, 9.0, start_year=2017, default=5.0).kind == "step"
    ramp = parse_path(
        "a", {"type": "ramp", "start_year": 2018, "end_year": 2020, "from": 0, "to": 2}, 0.0
    )
    moved = step_path(ramp, 2021, 9.0, start_year=2017, default=5.0)
    assert moved.to_dict() == {
        "type": "yearly",
        "before": 0.0,
        "values": {2017: 0.0, 2018: 0.0, 2019: 1.0, 2020: 2.0, 2021: 9.0},
    }
    times = [2016.5, 2017.0, 2019.0, 2020.99, 2021.0, 2030.0]
    assert list(moved.values_on(times)) == [0.0, 0.0, 1.0, 2.0, 9.0, 9.0]
    with pytest.raises(ScenarioError, match="only a whole year"):
        step_path(ramp, 2021.5, 9.0, start_year=2017, default=5.0)
