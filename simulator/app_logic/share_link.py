"""A scenario as a link: the app's state in the URL's query string, and back.

分享链接:地区、预设情景、政策起始年与改动过的杠杆写入网址参数。

A preset scenario travels as its region, preset and policy year plus the
levers the planner moved (``?region=suining&preset=plan&year=2024&
incubator_capacity=1200``), and each lever's own timing where the planner
gave one (``incubator_capacity.start=2025&incubator_capacity.ramp=3``):
short, readable, and still valid when a preset file is corrected. An
uploaded scenario, which no preset names, travels whole, as its YAML
compressed and base64-encoded (``?yaml=...``), with the same timing
parameters. A link is checked like an upload: :func:`decode_link` raises
one :class:`~simulator.errors.ScenarioError` naming the problem and the
valid choices.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from simulator.app_logic.scenarios import available_presets, load_preset, slider_specs
from simulator.errors import ScenarioError, did_you_mean
from simulator.scenario import MAX_SCENARIO_BYTES, REGIONS, Scenario, scenario_from_yaml

REGION, PRESET, YEAR, YAML = "region", "preset", "year", "yaml"
#: Suffixes of a lever's own start year and ramp [years] (``incubator_capacity.start``).
START, RAMP = ".start", ".ramp"
#: Longest ramp a link (and the Explore page's entry) accepts [years].
MAX_RAMP = 20
#: Longest ``yaml`` parameter accepted [characters] (browsers keep about 32k in an address).
MAX_LINK_CHARS = 30_000


@dataclass(frozen=True)
class Link:
    """What a link sets: the scenario to start from, the policy year and the moved levers.

    Attributes
    ----------
    region : str
    preset : str
        A preset name, or ``"uploaded"`` for a scenario carried whole.
    year : int or None
        Policy year; None keeps the app's default.
    levers : dict of str to float
        Slider values that differ from the scenario's [lever unit].
    scenario : Scenario
        The validated scenario the levers are set on.
    starts : dict of str to int
        Levers with their own start year [year] (the others follow the policy year).
    ramps : dict of str to int
        Levers with a ramp to their value [years] (the others change at once).
    """

    region: str
    preset: str
    year: int | None
    scenario: Scenario
    levers: dict[str, float] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    ramps: dict[str, int] = field(default_factory=dict)


def _number(value: float) -> str:
    return f"{value:.12g}"


def encode_link(
    scenario: Scenario, preset: str, year: int, values: Mapping[str, float], model=None,
    starts: Mapping[str, int | None] | None = None, ramps: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """Return the query parameters that reopen a scenario.

    Parameters
    ----------
    scenario : Scenario
        The preset (or uploaded) scenario the sliders are set on.
    preset : str
        Its preset name, or ``"uploaded"``.
    year : int
        Policy year [year].
    values : mapping of str to float
        Slider values by lever [lever unit]; only those that differ from the
        scenario's own value are written.
    starts, ramps : mapping of str to int, optional
        Levers' own start years [year] (None: the policy year, not written) and
        ramps [years] (0, at once, is not written).
    """
    specs = slider_specs(scenario, model)
    moved = {n: v for n, v in values.items() if n in specs and v != specs[n].value}
    if preset == "uploaded":
        packed = zlib.compress(scenario.to_yaml().encode("utf-8"), 9)
        params = {YAML: base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")}
    else:
        params = {REGION: str(scenario.region), PRESET: preset}
    params[YEAR] = str(int(year))
    params.update({n: _number(v) for n, v in sorted(moved.items())})
    for name, start in sorted((starts or {}).items()):
        if name in specs and start is not None:
            params[name + START] = str(int(start))
    for name, ramp in sorted((ramps or {}).items()):
        if name in specs and ramp:
            params[name + RAMP] = str(int(ramp))
    return params


def _unpack_yaml(text: str) -> bytes:
    if len(text) > MAX_LINK_CHARS:
        raise ScenarioError(f"link: the scenario parameter is {len(text)} characters long,"
                            f" more than {MAX_LINK_CHARS}")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_SCENARIO_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise ScenarioError(
            f"link: the scenario parameter is not a packed scenario ({error})"
        ) from error
    if len(raw) > MAX_SCENARIO_BYTES or not inflater.eof:
        raise ScenarioError(f"link: the scenario is larger than {MAX_SCENARIO_BYTES} bytes")
    return raw


def _base(params: Mapping[str, str], model) -> tuple[str, str, Scenario]:
    if YAML in params:
        scenario = scenario_from_yaml(_unpack_yaml(params[YAML]), source="link", model=model)
        return str(scenario.region), "uploaded", scenario
    region = params.get(REGION, "")
    if region not in REGIONS:
        raise ScenarioError(f"link: unknown region {region!r}{did_you_mean(region, REGIONS)}"
                            f" (valid: {', '.join(REGIONS)})")
    presets = available_presets(region)
    preset = params.get(PRESET, "baseline")
    if preset not in presets:
        raise ScenarioError(f"link: unknown preset {preset!r} for {region}"
                            f" (valid: {', '.join(presets)})")
    return region, preset, load_preset(region, preset, model)


def decode_link(params: Mapping[str, str], model=None) -> Link | None:
    """Read a link's query parameters; None when it names no scenario.

    Raises
    ------
    ScenarioError
        One line naming the bad parameter and the valid choices: an unknown
        region, preset or lever, a year outside the horizon, a value that is
        not a number or is outside its slider's range, a scenario parameter
        that does not unpack to a valid scenario.
    """
    params = dict(params)
    if not params:
        return None
    region, preset, scenario = _base(params, model)
    specs = slider_specs(scenario, model)
    known = {REGION, PRESET, YEAR, YAML}
    timed = {n + suffix for n in specs for suffix in (START, RAMP)}
    unknown = [k for k in params if k not in known and k not in specs and k not in timed]
    if unknown:
        raise ScenarioError(f"link: unknown parameter {unknown[0]!r}"
                            f"{did_you_mean(unknown[0], [*known, *specs, *timed])}"
                            f" (valid: {', '.join(sorted(known))}, the levers"
                            f" {', '.join(specs)}, each with {START} and {RAMP})")
    year = _year(params[YEAR], YEAR, scenario) if YEAR in params else None
    starts = {k[: -len(START)]: _year(v, k, scenario) for k, v in params.items()
              if k.endswith(START) and k in timed}
    ramps = {}
    for key in (k for k in params if k.endswith(RAMP) and k in timed):
        text = params[key]
        if not text.isdigit() or int(text) > MAX_RAMP:
            raise ScenarioError(f"link: {key}={text!r} must be a whole number of years"
                                f" from 0 to {MAX_RAMP}")
        ramps[key[: -len(RAMP)]] = int(text)
    levers = {}
    for name in (k for k in params if k in specs):
        spec = specs[name]
        try:
            value = float(params[name])
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not spec.low <= value <= spec.high:
            raise ScenarioError(f"link: {name}={params[name]!r} must be a number from"
                                f" {spec.low:g} to {spec.high:g}")
        levers[name] = value
    return Link(region=region, preset=preset, year=year, scenario=scenario, levers=levers,
                starts=starts, ramps=ramps)


def _year(text: str, key: str, scenario: Scenario) -> int:
    """Return a link's year parameter, checked to lie inside the scenario's horizon."""
    if not text.isdigit() or not scenario.start_year < int(text) <= scenario.end_year:
        raise ScenarioError(f"link: {key} {text!r} must be a whole year after"
                            f" {scenario.start_year} and not after {scenario.end_year}")
    return int(text)
