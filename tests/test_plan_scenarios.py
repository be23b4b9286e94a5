"""The seed plans as scenarios: they load, round-trip, run and print their target tables.

Also checks what the files claim: each plan starts from its baseline's base,
each target is a documented target row (or a documented derivation), and each
quoted sentence is in the plan's seed document. And the ``uncertainty``
section of the scenario schema: every ``raise`` is exercised.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, SCENARIOS_DIR, require_shared

from simulator.catalogue import indicators
from simulator.cli import main
from simulator.errors import ScenarioError, UnknownNameError
from simulator.runner import run_scenario
from simulator.scenario import REGIONS, Scenario, load_scenario, scenario_from_yaml
from simulator.targets import track_targets

SEEDS = {"yibin": "000", "hechuan": "001", "suining": "002", "ningxia": "003", "chengdu": "004"}
#: baselines.csv indicator names -> model indicator, as the plan files' comments explain.
ALIASES = {
    "tech_smes": "tech_smes_registered",
    "high_tech_enterprises_new_or_recertified": "new_certificates",
    "high_tech_enterprises_new": "high_tech_enterprises_newly_certified",
}


def _plan(region: str) -> Scenario:
    return load_scenario(SCENARIOS_DIR / f"{region}-plan.yaml")


@pytest.mark.parametrize("region", REGIONS)
def test_plan_loads_round_trips_and_keeps_the_baseline_base(region):
    """Plan loads round trips and keeps the baseline base."""
    plan = _plan(region)
    baseline = load_scenario(SCENARIOS_DIR / f"{region}-baseline.yaml")
    assert plan.region == region and plan.name == f"{region}-plan"
    assert Scenario.from_dict(plan.to_dict()) == plan
    assert scenario_from_yaml(plan.to_yaml()) == plan
    assert (plan.start_year, plan.end_year, plan.time_step) == (
        baseline.start_year,
        baseline.end_year,
        baseline.time_step,
    )
    assert plan.parameters == baseline.parameters
    assert set(plan.levers) >= set(baseline.levers)
    assert plan.uncertainty["parameters"], "plan scenarios state their uncertain start values"


@pytest.mark.parametrize("region", REGIONS)
def test_plan_runs_and_prints_its_target_table(region, capsys):
    """Plan runs and prints its target table."""
    path = SCENARIOS_DIR / f"{region}-plan.yaml"
    assert main(["targets", str(path)]) == 0
    printed = capsys.readouterr().out
    plan = _plan(region)
    if not plan.targets:
        assert "has no targets" in printed
        return
    labels = indicators()
    for target in plan.targets:
        entry = labels[target.indicator]
        assert f"{entry.label_zh} / {entry.label_en}" in printed
        assert str(target.year) in printed
    assert "达成" in printed
    table = track_targets(run_scenario(plan).frame, plan.targets)
    assert len(table) == len(plan.targets)
    assert table["value"].notna().all()


def _observations():
    from simulator.data.observations import load_observations

    return load_observations()


def _documented(rows, region, indicator, year, kind):
    hit = rows[
        (rows.region == region)
        & (rows.indicator == indicator)
        & (rows.year == year)
        & (rows.kind == kind)
        & (rows.weight > 0)
    ]
    assert len(hit) == 1, (region, indicator, year, kind)
    return float(hit.value_model.iloc[0])


def test_plan_targets_are_documented_target_rows_or_stated_derivations():
    """Plan targets are documented target rows or stated derivations."""
    rows = _observations()
    targets = rows[rows.kind == "target"]
    # The two derived targets, recomputed from the documented rows their comments cite.
    derived = {
        ("ningxia", "rd_expenditure", 2022): 1.08
        * _documented(rows, "Ningxia", "rd_expenditure", 2021, "outcome"),
        ("hechuan", "rd_intensity", 2026): _documented(
            rows, "Chongqing", "rd_intensity", 2022, "context"
        ),
    }
    for region in REGIONS:
        for target in _plan(region).targets:
            key = (region, target.indicator, target.year)
            if key in derived:
                assert target.value == pytest.approx(derived[key], rel=1e-12)
                continue
            if target.source.startswith("seeds/"):
                continue  # a seed's own figure: held to docs/plans.md by test_plan_inventory.py
            mine = targets[(targets.region.str.lower() == region) & (targets.year == target.year)]
            mine = mine[
                mine.indicator.map(lambda name: ALIASES.get(name, name)) == target.indicator
            ]
            assert len(mine) == 1, f"{key}: no single documented target row"
            assert target.value == float(mine.value_model.iloc[0]), key
            assert target.bound == mine.bound.iloc[0], key


def _comment_text(path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "".join(line.split("#", 1)[1][1:].rstrip() for line in lines if "#" in line)


@pytest.mark.parametrize("region", REGIONS)
def test_quoted_plan_sentences_are_in_the_seed_document(region):
    """Quoted plan sentences are in the seed document."""
    seeds = require_shared("seeds")
    seed_text = next(seeds.glob(f"{SEEDS[region]}_*.txt")).read_text(encoding="utf-8")
    quotes = [
        q
        for q in re.findall(r'"([^"]*)"', _comment_text(SCENARIOS_DIR / f"{region}-plan.yaml"))
        if re.search(r"[\u4e00-\u9fff]", q)
    ]
    assert len(quotes) >= 3, "a plan scenario quotes the plan for its lever settings"
    for quote in quotes:
        for piece in quote.split("……"):
            assert piece in seed_text, f"{region}: not in the seed: {piece!r}"


def test_plan_files_list_the_targets_they_do_not_track():
    """Plan files list the seed targets they do not track (docs/plans.md has the reasons)."""
    from test_plan_inventory import INVENTORY

    for region in REGIONS:
        text = (SCENARIOS_DIR / f"{region}-plan.yaml").read_text(encoding="utf-8")
        untracked = [r for r in INVENTORY if r.region == region and r.indicator is None]
        assert ("# Not tracked" in text) == bool(untracked), region
        assert _plan(region).targets, f"{region}: a plan scenario has targets"
    assert (ROOT / "simulator" / "scenarios" / "chengdu-plan.yaml").is_file()


# ------------------------------------------------------------ uncertainty schema
BASE = "name: u\nregion: ningxia\n"


def _with(section: str) -> Scenario:
    return scenario_from_yaml(BASE + section)


def test_uncertainty_round_trips_in_normal_form():
    """Uncertainty round trips in normal form."""
    scenario = _with(
        "uncertainty:\n  parameters:\n"
        "    initial_tech_smes: {distribution: uniform, min: 250, max: 750}\n"
        "    gdp_growth_rate: {distribution: normal, mean: 0.07, sd: 0.01, min: 0.05}\n"
        "    initial_high_tech_revenue:"
        " {distribution: triangular, min: 400, mode: 800, max: 1200}\n"
        "    tech_sme_birth_rate: profile\n"
    )
    assert scenario.uncertainty["source"] == "auto"
    assert scenario.uncertainty["parameters"]["tech_sme_birth_rate"] == "profile"
    assert scenario.uncertainty["parameters"]["initial_tech_smes"] == {
        "distribution": "uniform",
        "min": 250.0,
        "max": 750.0,
    }
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert scenario_from_yaml(scenario.to_yaml()) == scenario
    assert _with("").uncertainty == {} and "uncertainty" not in _with("").to_dict()


@pytest.mark.parametrize(
    ("section", "error", "match"),
    [
        ("uncertainty: [1]", ScenarioError, "'uncertainty' must be a mapping"),
        (
            "uncertainty: {sourse: auto}",
            ScenarioError,
            "unknown key 'sourse'; did you mean 'source'",
        ),
        (
            "uncertainty: {source: profiles}",
            ScenarioError,
            "source 'profiles' is not one of .*did you mean 'profile'",
        ),
        ("uncertainty: {parameters: [a]}", ScenarioError, "'parameters' must be a mapping"),
        (
            "uncertainty: {parameters: {initial_tech_sme: profile}}",
            UnknownNameError,
            "unknown parameter 'initial_tech_sme'; did you mean 'initial_tech_smes'",
        ),
        (
            "uncertainty: {parameters: {initial_tech_smes: 5}}",
            ScenarioError,
            "must be 'profile' or a mapping",
        ),
        (
            "uncertainty: {parameters: {initial_tech_smes: {distribution: unifrom}}}",
            ScenarioError,
            "distribution 'unifrom' is not one of .*did you mean 'uniform'",
        ),
        (
            "uncertainty:"
            " {parameters: {initial_tech_smes: {distribution: uniform, min: 1, max: 2, mode: 1}}}",
            ScenarioError,
            "unknown key 'mode' for a uniform distribution",
        ),
        (
            "uncertainty: {parameters: {initial_tech_smes: {distribution: uniform, min: 1}}}",
            ScenarioError,
            "a uniform distribution needs 'max'",
        ),
        (
            "uncertainty:"
            " {parameters: {initial_tech_smes: {distribution: uniform, min: 9, max: 2}}}",
            ScenarioError,
            "min 9 must be less than max 2",
        ),
        (
            "uncertainty:"
            " {parameters: {initial_tech_smes:"
            " {distribution: triangular, min: 1, mode: 5, max: 3}}}",
            ScenarioError,
            "mode 5 must lie between min 1 and max 3",
        ),
        (
            "uncertainty:"
            " {parameters: {gdp_growth_rate: {distribution: normal, mean: 0.05, sd: 0}}}",
            ScenarioError,
            "sd must be positive",
        ),
        (
            "uncertainty:"
            " {parameters: {gdp_growth_rate:"
            " {distribution: normal, mean: 0.05, sd: 0.01, min: 0.06}}}",
            ScenarioError,
            "mean 0.05 must lie between min 0.06",
        ),
        (
            "uncertainty:"
            " {parameters: {gdp_growth_rate: {distribution: uniform, min: -5, max: 0.1}}}",
            ValueError,
            r"gdp_growth_rate = -5 is out of range: valid -0.1 to 0.2 \[1/Year\]",
        ),
        (
            "uncertainty:"
            " {parameters: {gdp_growth_rate: {distribution: uniform, min: .nan, max: 0.1}}}",
            ValueError,
            "'min' must be finite",
        ),
        (
            "uncertainty:"
            " {parameters: {gdp_growth_rate: {distribution: uniform, min: low, max: 0.1}}}",
            TypeError,
            "'min' must be a number, got 'low'",
        ),
    ],
)
def test_uncertainty_errors_name_the_problem(section, error, match):
    """Uncertainty errors name the problem."""
    with pytest.raises(error, match=match):
        _with(section)
