"""The assumed parameters' ranges and their opt-in draws in ensembles (issue #18 point 5)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator import catalogue
from simulator.assumed import RANGES_FILE, AssumedRange, draw_assumed, load_ranges
from simulator.cli import main
from simulator.data.profile import load_profile
from simulator.ensemble import draw_parameters, run_ensemble
from simulator.errors import ScenarioError
from simulator.paths import POSTERIORS_DIR, SCENARIOS_DIR
from simulator.scenario import Scenario, load_scenario
from simulator.yaml_input import read_yaml

RANGES = load_ranges()
RAW = read_yaml(RANGES_FILE)


def _fitted_anywhere() -> set[str]:
    """Every parameter a profile fits or a posterior file draws."""
    fitted: set[str] = set()
    for region in catalogue.REGIONS:
        fitted |= set(load_profile(region).fitted)
        path = POSTERIORS_DIR / f"{region}.csv"
        if path.is_file():
            columns = pd.read_csv(path, comment="#", nrows=1).columns
            fitted |= {c for c in columns if not c.startswith("sigma:")}
    return fitted


def test_every_entry_is_an_assumed_model_constant_inside_its_valid_range():
    params, levers = catalogue.parameters(), catalogue.levers()
    assert len(RAW["parameters"]) == len(RANGES) >= 40
    for name, spec in RAW["parameters"].items():
        assert name in params and name not in levers, name
        entry = params[name]
        low, high = spec["low"], spec["high"]
        assert low < high, name
        assert entry.min is None or entry.min <= low, (name, entry.min, low)
        assert entry.max is None or high <= entry.max, (name, high, entry.max)
        assert low <= entry.default <= high, (name, entry.default)  # the mode of a triangle
        assert set(spec.get("policy", [])) <= set(levers), name


def test_no_entry_is_fitted_in_any_profile_or_posterior():
    """No double draw: a fitted parameter comes from the profile or posterior only."""
    fitted = _fitted_anywhere()
    assert {"hte_application_rate", "gdp_growth_rate"} <= fitted  # the check sees the fits
    assert not set(RANGES) & fitted
    per_region_starts = set()
    for region in catalogue.REGIONS:
        per_region_starts |= set(load_profile(region).values)
    assert not set(RANGES) & per_region_starts


def test_every_model_constant_is_either_drawn_or_listed_with_why_not():
    """A new constant forces a decision: range it, or say why it is not drawn."""
    not_drawn = [name for names in RAW["not_drawn"].values() for name in names]
    assert len(not_drawn) == len(set(not_drawn))
    assert not set(not_drawn) & set(RANGES)
    assert set(not_drawn) | set(RANGES) == set(catalogue.parameters())


def test_sources_say_where_each_range_comes_from():
    for name, spec in RAW["parameters"].items():
        source = spec["source"]
        if source == "model-evidence.md":
            # the range is model-evidence.md's, as it states it: "default (low–high)"
            numbers = re.search(r"\(([\d.]+)–([\d.]+)\)", spec["stated"])
            assert spec["symbol"] and numbers, name
            assert (float(numbers[1]), float(numbers[2])) == (spec["low"], spec["high"]), name
        else:
            assert re.match(r"(assumption|mdl): \S.{10,}", source), (name, source)


def test_the_policy_response_elasticities_are_drawn():
    policy = {name for name, r in RANGES.items() if r.policy}
    assert {"rd_price_elasticity", "super_deduction_take_up", "loan_birth_uplift",
            "platform_elasticity_of_results", "institution_elasticity_of_conversion"} <= policy


def test_triangular_quantiles_known_answers():
    r = AssumedRange("x", low=1.0, high=3.0, mode=2.0, distribution="triangular", source="s")
    assert r.ppf(np.array([0.0, 0.5, 1.0])).tolist() == pytest.approx([1.0, 2.0, 3.0])
    # P(X <= 1.5) = (0.5)^2 / (2 * 1) = 0.125 for the triangle on [1, 3] with mode 2
    assert r.ppf(np.array([0.125]))[0] == pytest.approx(1.5)
    u = AssumedRange("y", low=-1.0, high=1.0, mode=0.0, distribution="uniform", source="s")
    assert u.ppf(np.array([0.25]))[0] == pytest.approx(-0.5)


@pytest.mark.parametrize("method", ["lhs", "random"])
def test_draws_respect_the_bounds_and_the_seed(method):
    draws = pd.DataFrame(draw_assumed(200, 7, method=method))
    assert sorted(draws.columns) == sorted(RANGES)
    for name, r in RANGES.items():
        assert draws[name].between(r.low, r.high).all(), name
    again = pd.DataFrame(draw_assumed(200, 7, method=method))
    pd.testing.assert_frame_equal(draws, again)  # bit-identical
    other = pd.DataFrame(draw_assumed(200, 8, method=method))
    close = np.isclose(draws.to_numpy(), other.to_numpy())
    assert not close.all(axis=0).any()  # no parameter repeats its draws under another seed
    # Independent draws of 200 x ~50 values: a pair within rtol 1e-5 happens by chance (about
    # 0.5 expected with the ~0.5 mean width of the ranges); more than 3 would mean shared streams.
    assert close.sum() <= 3


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    n = 50
    draws = pd.DataFrame(draw_assumed(n, 3))
    for name, r in RANGES.items():
        width = r.high - r.low
        if r.distribution == "uniform":
            cdf = (draws[name] - r.low) / width
        else:
            cdf = stats.triang.cdf(draws[name], (r.mode - r.low) / width, loc=r.low, scale=width)
        strata = np.floor(np.asarray(cdf) * n + 1e-9).astype(int)
        assert sorted(strata) == list(range(n)), name


def test_random_draws_have_the_triangle_mean():
    draws = pd.DataFrame(draw_assumed(20000, 11, method="random"))
    r = RANGES["rd_price_elasticity"]
    mean = (r.low + r.mode + r.high) / 3  # 1.1
    sd = np.sqrt((r.low**2 + r.mode**2 + r.high**2 - r.low * r.mode - r.low * r.high
                  - r.mode * r.high) / 18)
    assert abs(draws["rd_price_elasticity"].mean() - mean) < 4 * sd / np.sqrt(20000)


def test_skipped_parameters_are_not_drawn():
    draws = draw_assumed(5, 1, skip={"rd_price_elasticity", "loan_term"})
    assert "rd_price_elasticity" not in draws[0] and "loan_term" not in draws[0]
    assert len(draws[0]) == len(RANGES) - 2


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(ValueError, match="method 'sobol' is not one of"):
        draw_assumed(5, 1, method="sobol")
    bad = tmp_path / "ranges.yaml"
    bad.write_text("parameters:\n  rd_price_elasticity: {low: 0.3, high: 9, source: x}\n")
    with pytest.raises(ValueError, match="leaves the model's valid range"):
        load_ranges(bad)
    bad.write_text("parameters:\n  post_subsidy_rate: {low: 0, high: 0.1, source: x}\n")
    with pytest.raises(ValueError, match="is a lever"):
        load_ranges(bad)


# --- ensembles ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ningxia_plan() -> Scenario:
    return load_scenario(SCENARIOS_DIR / "ningxia-plan.yaml")


def test_default_ensembles_are_unchanged(ningxia_plan):
    """Opt-in: the default draws are today's, and drawing the assumed ones leaves them alone."""
    baseline = load_scenario(SCENARIOS_DIR / "yibin-baseline.yaml")
    draws, source, notes = draw_parameters(baseline, 30, 5)
    assert source == "profile" and not any("assumed" in note for note in notes)
    assert draws == load_profile("yibin").sample(30, 5)  # what ensembles drew before
    for scenario in (baseline, ningxia_plan):
        default, source, _ = draw_parameters(scenario, 30, 5)
        off, _, _ = draw_parameters(scenario, 30, 5, draw_assumed=False)
        on, with_assumed, notes = draw_parameters(scenario, 30, 5, draw_assumed=True)
        assert default == off
        assert with_assumed == source + "+assumed"
        assert [{k: d[k] for k in mine} for mine, d in zip(default, on)] == default
        assert set(on[0]) - set(default[0]) == set(RANGES)
        assert any(note.startswith(f"assumed parameters: {len(RANGES)} drawn") for note in notes)


def test_posterior_source_draws_assumed_alongside(ningxia_plan):
    scenario = replace(ningxia_plan, uncertainty={**ningxia_plan.uncertainty,
                                                  "source": "posterior", "assumed": "ranges"})
    draws, source, notes = draw_parameters(scenario, 20, 2)
    assert source == "profile+stated+assumed"
    assert "hte_renewal_pass_rate" in draws[0] and "rd_price_elasticity" in draws[0]
    assert any("MCMC posterior" in note for note in notes)


def test_a_parameter_the_scenario_sets_is_not_drawn(ningxia_plan):
    scenario = replace(ningxia_plan,
                       parameters={**ningxia_plan.parameters, "rd_price_elasticity": 1.5})
    draws, _, notes = draw_parameters(scenario, 10, 1, draw_assumed=True)
    assert "rd_price_elasticity" not in draws[0]
    assert any("not drawn: ['rd_price_elasticity']" in note for note in notes)


def test_drawing_assumed_parameters_widens_the_band(ningxia_plan):
    plain = run_ensemble(ningxia_plan, 60, 4, indicators=["tech_contract_turnover"])
    wide = run_ensemble(ningxia_plan, 60, 4, indicators=["tech_contract_turnover"],
                        draw_assumed=True)
    spread = [np.ptp(e.values["tech_contract_turnover"][:, -1]) for e in (plain, wide)]
    assert spread[1] > 1.5 * spread[0]


def test_the_scenario_section_opts_in_and_round_trips():
    data = load_scenario(SCENARIOS_DIR / "ningxia-plan.yaml").to_dict()
    assert "assumed" not in data["uncertainty"]  # the default form is unchanged
    data["uncertainty"]["assumed"] = "ranges"
    scenario = Scenario.from_dict(data)
    assert scenario.uncertainty["assumed"] == "ranges"
    assert Scenario.from_dict(scenario.to_dict()).uncertainty == scenario.uncertainty
    _, source, _ = draw_parameters(scenario, 5, 1)
    assert source.endswith("+assumed")
    data["uncertainty"]["assumed"] = "range"
    with pytest.raises(ScenarioError, match=r"assumed 'range' is not one of \['none', 'ranges'\]"):
        Scenario.from_dict(data)


def test_cli_says_what_is_drawn(capsys):
    scenario = str(SCENARIOS_DIR / "ningxia-plan.yaml")
    argv = ["targets", scenario, "--ensemble", "20", "--seed", "1", "--no-time-step-check"]
    assert main(argv) == 0
    assert "assumed parameters" not in capsys.readouterr().out
    assert main([*argv, "--draw-assumed"]) == 0
    out = capsys.readouterr().out
    assert f"assumed parameters: {len(RANGES)} drawn from their ranges" in out
    assert main(["targets", scenario, "--draw-assumed"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--draw-assumed" in err and "--ensemble" in err
