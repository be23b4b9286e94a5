"""The regions of the twin-city circle and the values each one starts from.

A seed region starts from its baseline scenario (``<region>-baseline.yaml``) and
its calibration profile, exactly what :func:`simulator.runner.scenario_inputs`
gives its single-region run; Chongqing's core has no profile and starts from the
stated figures and assumptions of ``chongqing_core.yaml``. All regions share one
clock from :data:`START_YEAR`; a region whose base year is earlier runs alone from
it up to then and hands its state over (:mod:`simulator.twin_city.handoff`).
"""

from __future__ import annotations

from pathlib import Path

from simulator.data.profile import load_profile
from simulator.levers import LeverPath
from simulator.paths import find_scenario
from simulator.scenario import Scenario, load_scenario
from simulator.yaml_input import read_yaml

#: Region elements, in the order of the Region dimension of the generated model.
REGIONS = ("yibin", "hechuan", "suining", "ningxia", "chengdu", "chongqing_core")

#: The circle's common start year: the base year of Chengdu's and Hechuan's profiles,
#: the year before the circle was launched (January 2020). Yibin (2016), Ningxia (2017)
#: and Suining (2018) run alone from their base years to here (twin_city/handoff.py).
START_YEAR = 2019

CHONGQING_FILE = Path(__file__).with_name("chongqing_core.yaml")


def chongqing_core() -> dict:
    """Return the parsed ``chongqing_core.yaml`` (figures, statuses, sources, ranges)."""
    return read_yaml(CHONGQING_FILE)


def baseline(region: str) -> Scenario:
    """Return the region's baseline scenario; Chongqing's core takes the one it is ``like``."""
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r} (valid: {list(REGIONS)})")
    name = chongqing_core()["like"] if region == "chongqing_core" else region
    return load_scenario(find_scenario(f"{name}-baseline"))


def start_values(region: str) -> dict[str, float]:
    """Profile values and scenario parameters of ``region`` (Python names)."""
    scenario = baseline(region)
    values = dict(load_profile(scenario.profile).values)
    if region == "chongqing_core":
        values.update({k: float(e["value"]) for k, e in chongqing_core()["parameters"].items()})
    values.update(scenario.parameters)
    return values


def lever_paths(region: str) -> dict[str, LeverPath]:
    """Return the baseline scenario's lever paths of ``region`` (Python names)."""
    return dict(baseline(region).levers)


def single_region_scenario(region: str, start_year: int = START_YEAR) -> Scenario:
    """Return the region's baseline run alone from ``start_year``: the decoupled reference.

    The profile's values are passed as parameters (a profile refuses a start
    year other than its base year); levers and settings are the baseline's.
    """
    scenario = baseline(region)
    data = scenario.to_dict()
    data.pop("profile", None)
    data.pop("targets", None)
    data["name"] = f"{region}-alone-from-{start_year}"
    data["region"] = None if region == "chongqing_core" else data.get("region")
    if data["region"] is None:
        data.pop("region")
    data["start_year"] = start_year
    data["parameters"] = start_values(region)
    return Scenario.from_dict(data)
