"""Sweep specs whose base is a twin-city scenario: the coupling strengths and measures to vary.

A spec reads as a single-region one (:mod:`simulator.sweep.spec`), with a
twin-city file as ``base``::

    name: twin-city-couplings-lhs
    base: ../twin-city.yaml                  # a twin-city scenario (couplings, measures)
    design: {method: latin_hypercube, n: 32, seed: 20261204}
    vary:
      contract_trade_share: {min: 0, max: 2}       # a strength: a factor on every coupling
                                                   # and measure of it in the scenario
      suining_joint_platforms: {min: 0, max: 5}    # a measure, by name: its value
    indicators: [high_tech_enterprises]      # optional: what to store, per region
    regions: [suining, hechuan]              # optional: whose indicators to store (default all)
    chunk_size: 8

The designs are the single-region sweep's (every method of
:data:`simulator.sweep.spec.METHODS`). A measure's value must lie in its
lever's valid range (and in the ``range`` the scenario states for it); a
strength's factor must keep every value it scales in the strength's range.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from simulator import catalogue
from simulator.engine.model import load_model
from simulator.errors import ScenarioError, did_you_mean, unknown_name
from simulator.levers import as_finite_number, check_keys
from simulator.sweep.spec import Variable, _check_runs, _parse_design, _whole
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.regions import REGIONS
from simulator.twin_city.run import check_strengths
from simulator.twin_city.scenario import TwinScenario, parse, strengths
from simulator.twin_city.targets import all_targets
from simulator.yaml_input import read_yaml

_TOP_KEYS = {"name", "description", "base", "design", "vary", "indicators", "regions",
             "chunk_size"}
_VARY_KEYS = {"min", "max"}


@dataclass(frozen=True)
class TwinSweepSpec:
    """A validated twin-city sweep spec.

    It has what :func:`simulator.sweep.design.make_design` reads of a
    :class:`simulator.sweep.spec.SweepSpec`.
    """

    name: str
    scenario: TwinScenario
    base_file: str
    method: str
    size: int
    seed: int
    variables: tuple[Variable, ...]
    indicators: tuple[str, ...]
    regions: tuple[str, ...]
    chunk_size: int | None = None
    num_levels: int = 4
    source: str = ""
    description: str = field(default="", compare=False)

    @property
    def columns(self) -> list[str]:
        """The stored result columns, ``indicator[region]``."""
        return [f"{i}[{r}]" for i in self.indicators for r in self.regions]

    def problem(self) -> dict:
        """Return the SALib problem: names and bounds of the variables."""
        return {"num_vars": len(self.variables), "names": [v.name for v in self.variables],
                "bounds": [[v.low, v.high] for v in self.variables]}

    def to_dict(self) -> dict:
        """Return the normal form recorded in the manifest (the twin-city file in full)."""
        design = {"method": self.method, ("levels" if self.method == "grid" else "n"): self.size,
                  "seed": self.seed}
        if self.method == "morris":
            design["num_levels"] = self.num_levels
        scenario = dataclasses.asdict(self.scenario)
        return {"name": self.name, "kind": "twin-city", "base": scenario,
                "design": design, "vary": {v.name: v.to_dict() for v in self.variables},
                "indicators": list(self.indicators), "regions": list(self.regions)}

    def scenario_for(self, row) -> TwinScenario:
        """Return the scenario of one design row: measures' values set, then strengths scaled."""
        values = dict(zip((v.name for v in self.variables), map(float, row)))
        kinds = {v.name: v.kind for v in self.variables}
        measures = [{**m, "value": values[m["name"]]} if kinds.get(m["name"]) == "measure"
                    else dict(m) for m in self.scenario.measures]
        factor = {k: v for k, v in values.items() if kinds[k] == "strength"}
        couplings = [{**c, "value": c["value"] * factor.get(c["strength"], 1.0)}
                     for c in self.scenario.couplings]
        measures = [{**m, "value": m["value"] * factor.get(m["lever"], 1.0)} for m in measures]
        return dataclasses.replace(self.scenario, couplings=couplings, measures=measures)


def _variable(name: str, entry: object, scenario: TwinScenario) -> Variable:
    measures = {m["name"]: m for m in scenario.measures if m.get("name")}
    used = {c["strength"] for c in scenario.couplings} | {m["lever"] for m in scenario.measures}
    if name in STRENGTHS and name in used:
        kind, unit = "strength", "factor"
    elif name in measures:
        kind, unit = "measure", STRENGTHS[measures[name]["lever"]][1]
    else:
        valid = sorted(used) + sorted(measures)
        raise ScenarioError(f"unknown coupling strength or measure {name!r}"
                            f"{did_you_mean(name, valid)} (valid: the scenario's strengths"
                            f" {sorted(used)} as factors, its measures {sorted(measures)} as"
                            " values)")
    what = f"vary {name!r}"
    if not isinstance(entry, dict):
        raise ScenarioError(f"{what} must be a mapping with 'min' and 'max', got {entry!r}"[:200])
    check_keys(entry, _VARY_KEYS, what)
    for key in ("min", "max"):
        if key not in entry:
            raise ScenarioError(f"{what} needs {key!r}")
    low = as_finite_number(entry["min"], f"{what} 'min'")
    high = as_finite_number(entry["max"], f"{what} 'max'")
    if not 0 <= low < high:
        raise ScenarioError(f"{what}: needs 0 <= min < max, got min {low:g}, max {high:g}")
    if kind == "measure":
        measure = measures[name]
        lo, hi = STRENGTHS[measure["lever"]][2]
        stated = measure.get("range")
        if isinstance(stated, list) and len(stated) == 2:
            lo, hi = max(lo, float(stated[0])), min(hi, float(stated[1]))
        if low < lo or high > hi:
            raise ScenarioError(f"{what}: [{low:g}, {high:g}] must lie in the measure's range"
                                f" [{lo:g}, {hi:g}] {unit}")
    return Variable(name=name, kind=kind, low=low, high=high, unit=unit)


def _names(data: dict, key: str, valid, default) -> tuple[str, ...]:
    value = data.get(key, default)
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"'{key}' must be a non-empty list, got {value!r}"[:200])
    for name in value:
        if name not in valid:
            raise unknown_name(key[:-1], str(name), valid)
    return tuple(dict.fromkeys(value))


def twin_spec_from_dict(data: dict, scenario: TwinScenario, *, base_file: str,
                        source: str = "<spec>") -> TwinSweepSpec:
    """Validate a twin-city sweep spec (``base`` already read into ``scenario``)."""
    check_keys(data, _TOP_KEYS, source)
    method, size, seed, num_levels = _parse_design(data.get("design"))
    vary = data.get("vary")
    if not isinstance(vary, dict) or not vary:
        raise ScenarioError(f"{source}: 'vary' must name at least one coupling strength or"
                            " measure with min and max")
    variables = tuple(_variable(str(k), v, scenario) for k, v in vary.items())
    _check_runs(method, size, len(variables))
    spec = TwinSweepSpec(
        name=str(data.get("name", Path(source).stem)), scenario=scenario, base_file=base_file,
        method=method, size=size, seed=seed, variables=variables,
        indicators=_names(data, "indicators", catalogue.indicators(load_model()),
                          sorted({t.indicator for ts in all_targets().values() for t in ts})),
        regions=_names(data, "regions", REGIONS, list(REGIONS)),
        chunk_size=None if data.get("chunk_size") is None else _whole(data["chunk_size"],
                                                                        "chunk_size"),
        num_levels=num_levels, source=source, description=str(data.get("description", "")))
    corner = spec.scenario_for([v.high for v in variables])  # every value is monotone in a factor
    try:
        check_strengths({k: v for k, v in strengths(corner, with_measures=True).items()})
    except ValueError as error:
        raise ScenarioError(f"{source}: with every variable at its max, {error}") from None
    return spec


def load_twin_spec(path: str | os.PathLike) -> TwinSweepSpec | None:
    """Read a sweep spec whose ``base`` is a twin-city scenario; None when it is not one."""
    path = Path(path)
    data = read_yaml(path, "sweep spec")
    base = data.get("base") if isinstance(data, dict) else None
    if not isinstance(base, str):
        return None
    base_path = Path(base) if Path(base).is_absolute() else path.parent / base
    if not base_path.is_file():
        return None  # the single-region loader names the missing file
    base_data = read_yaml(base_path, "twin-city scenario file")
    if not (isinstance(base_data, dict) and "region" not in base_data
            and {"couplings", "measures"} & set(base_data)):
        return None
    try:
        scenario = parse(base_data)
        return twin_spec_from_dict(data, scenario, base_file=str(base_path), source=str(path))
    except (ScenarioError, TypeError, ValueError) as error:
        message = str(error)
        raise type(error)(message if message.startswith(str(path)) else f"{path}: {message}"
                          ) from None
