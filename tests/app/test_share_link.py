"""Tests of ``simulator.app_logic.share_link``: a scenario as query parameters and back."""

from __future__ import annotations

import base64
import zlib

import pytest
from conftest import SCENARIOS_DIR

from simulator import app_logic
from simulator.app_logic.share_link import decode_link, encode_link
from simulator.engine.model import load_model
from simulator.errors import ScenarioError
from simulator.scenario import scenario_from_yaml


def _packed(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def plan(model):
    return app_logic.load_preset("suining", "plan", model)


def test_a_preset_link_holds_region_preset_year_and_the_moved_levers_only(plan, model):
    specs = app_logic.slider_specs(plan, model)
    values = {n: s.value for n, s in specs.items()}
    values["incubator_capacity"] = specs["incubator_capacity"].high
    params = encode_link(plan, "plan", 2024, values, model)
    assert params == {"region": "suining", "preset": "plan", "year": "2024",
                      "incubator_capacity": f"{specs['incubator_capacity'].high:.12g}"}
    link = decode_link(params, model)
    assert (link.region, link.preset, link.year) == ("suining", "plan", 2024)
    assert link.levers == {"incubator_capacity": specs["incubator_capacity"].high}
    assert link.scenario.to_yaml() == plan.to_yaml()


def test_an_uploaded_scenario_travels_whole(model):
    text = (SCENARIOS_DIR / "suining-plan.yaml").read_text(encoding="utf-8")
    mine = scenario_from_yaml(text.replace("name: suining-plan", "name: my-plan"), model=model)
    params = encode_link(mine, "uploaded", 2023, {}, model)
    assert set(params) == {"yaml", "year"} and len(params["yaml"]) < 4000
    link = decode_link(params, model)
    assert link.preset == "uploaded" and link.scenario.name == "my-plan"
    assert link.scenario.to_yaml() == mine.to_yaml()


def test_no_parameters_is_no_link(model):
    assert decode_link({}, model) is None


@pytest.mark.parametrize("params, message", [
    ({"region": "mars"}, r"unknown region 'mars' \(valid: .*suining"),
    ({"region": "suining", "preset": "dream"}, r"unknown preset 'dream' for suining \(valid:"),
    ({"region": "suining", "incubator_capacty": "5"},
     r"unknown parameter 'incubator_capacty'.*did you mean 'incubator_capacity'"),
    ({"region": "suining", "year": "1990"}, r"year '1990' must be a whole year after 2018"),
    ({"region": "suining", "year": "soon"}, r"year 'soon' must be a whole year"),
    ({"region": "suining", "incubator_capacity": "lots"},
     r"incubator_capacity='lots' must be a number from"),
    ({"region": "suining", "incubator_capacity": "1e12"}, r"must be a number from .* to"),
    ({"region": "suining", "incubator_capacity": "nan"}, r"must be a number from"),
    ({"yaml": "not*base64"}, r"not a packed scenario"),
    ({"yaml": "eJzLKi0usVIoSa0oAQAVbgPm"}, r"link: unknown key 'just' for a scenario"),
    ({"yaml": _packed(b"a" * 3_000_000)}, r"larger than 1000000 bytes"),  # a zip bomb
])
def test_a_bad_link_is_one_line_naming_the_problem(params, message, model):
    with pytest.raises(ScenarioError, match=message) as caught:
        decode_link(params, model)
    assert "\n" not in str(caught.value)


def test_a_link_carries_each_levers_own_start_year_and_ramp(plan, model):
    specs = app_logic.slider_specs(plan, model)
    values = {n: s.value for n, s in specs.items()}
    values["incubator_capacity"] = specs["incubator_capacity"].high
    params = encode_link(plan, "plan", 2024, values, model,
                         starts={"incubator_capacity": 2027, "post_subsidy_rate": None},
                         ramps={"incubator_capacity": 3, "post_subsidy_rate": 0})
    assert params["incubator_capacity.start"] == "2027"
    assert params["incubator_capacity.ramp"] == "3"
    assert not any(k.startswith("post_subsidy_rate") for k in params), "defaults are not written"
    link = decode_link(params, model)
    assert link.starts == {"incubator_capacity": 2027}
    assert link.ramps == {"incubator_capacity": 3}
    # the reopened timing builds the same scenario as the one the link was made of
    timing = {"incubator_capacity": (2027, 3)}
    made = plan.with_levers(values, 2024, model, timing=timing)
    reopened = link.scenario.with_levers({**values, **link.levers}, link.year, model,
                                         timing={n: (link.starts[n], link.ramps[n])
                                                 for n in link.starts})
    assert reopened.to_yaml() == made.to_yaml()
    assert made.to_yaml() != plan.with_levers(values, 2024, model).to_yaml()


@pytest.mark.parametrize("params, message", [
    ({"region": "suining", "incubator_capacity.start": "2010"},
     r"incubator_capacity.start '2010' must be a whole year after 2018"),
    ({"region": "suining", "incubator_capacity.ramp": "-1"},
     r"incubator_capacity.ramp='-1' must be a whole number of years from 0 to 20"),
    ({"region": "suining", "incubator_capacity.ramp": "99"}, r"from 0 to 20"),
    ({"region": "suining", "incubator_capacity.begin": "2025"},
     r"unknown parameter 'incubator_capacity.begin'.*did you mean 'incubator_capacity"),
])
def test_a_bad_timing_parameter_is_one_line(params, message, model):
    with pytest.raises(ScenarioError, match=message) as caught:
        decode_link(params, model)
    assert "\n" not in str(caught.value)
