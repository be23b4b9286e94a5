"""Twin-city scenarios: the circle's standing couplings and the plans' collaboration measures.

A file (``scenarios/twin-city.yaml``) lists ``couplings`` (standing strengths,
in force in both runs) and ``measures`` (levers from a year on, each with the
plan sentence it stands for). :func:`run` runs the circle twice, with the
couplings alone and with the measures too, and returns per-region indicators
of both, so that a measure's effect on each region can be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.engine.model import time_grid
from simulator.levers import LeverPath, check_keys
from simulator.paths import scenario_file
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.regions import REGIONS, START_YEAR
from simulator.twin_city.run import END_YEAR, TIME_STEP, TwinResults, run_twin
from simulator.yaml_input import read_yaml

TOP_KEYS = {"name", "title_zh", "title_en", "description", "end_year", "couplings", "measures"}
COUPLING_KEYS = {"strength", "from", "to", "value", "range", "reason", "source"}
MEASURE_KEYS = {"name", "lever", "from", "to", "value", "year", "range", "reason", "source",
                "quote"}
#: Strengths a measure may move (the plans' collaboration levers).
MEASURE_LEVERS = {"joint_platform_construction", "cross_region_contract_subsidy",
                  "collaboration_projects", "sme_relocation_rate", "hte_relocation_rate"}


@dataclass
class TwinScenario:
    """A validated twin-city scenario."""

    name: str
    end_year: int
    couplings: list[dict] = field(default_factory=list)
    measures: list[dict] = field(default_factory=list)
    titles: dict = field(default_factory=dict)


@dataclass
class TwinScenarioRun:
    """The circle without and with the measures."""

    scenario: TwinScenario
    without: TwinResults
    with_measures: TwinResults

    def effects(self, year: int | None = None) -> pd.DataFrame:
        """Return each indicator's relative change from the measures, per region, in ``year``."""
        year = year or self.scenario.end_year
        rows = {}
        for region in REGIONS:
            before = self.without.frames[region].loc[year]
            after = self.with_measures.frames[region].loc[year]
            rows[region] = (after - before) / before.where(before != 0)
        return pd.DataFrame(rows)


def _regions(entry: dict, key: str, what: str) -> list[str]:
    value = entry.get(key, list(REGIONS))
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not value:
        raise ValueError(f"{what}: {key} must be a region or a list of regions, got {value!r}")
    for region in value:
        if region not in REGIONS:
            raise ValueError(f"{what}: unknown region {region!r} in {key} (valid: {list(REGIONS)})")
    return value


def _number(entry: dict, key: str, what: str) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ValueError(f"{what}: {key} must be a number, got {value!r}")
    return float(value)


def _entry(entry: object, what: str, keys: set, kind: str, valid) -> dict:
    """Check one coupling or measure: its keys, what it sets, its value and regions."""
    if not isinstance(entry, dict):
        raise ValueError(f"{what} must be a mapping, got {entry!r}"[:200])
    check_keys(entry, keys, of=what)
    if entry.get(kind) not in valid:
        raise ValueError(f"{what}: unknown {kind} {entry.get(kind)!r} (valid: {sorted(valid)})")
    return {**entry, "value": _number(entry, "value", what),
            "from": _regions(entry, "from", what), "to": _regions(entry, "to", what)}


def parse(data: object) -> TwinScenario:
    """Validate a twin-city scenario's file form; errors are one line naming the entry."""
    if not isinstance(data, dict):
        raise ValueError("a twin-city scenario must be a mapping")
    check_keys(data, TOP_KEYS, of="a twin-city scenario")
    end = int(data.get("end_year", END_YEAR))
    if not START_YEAR < end <= 2100:
        raise ValueError(f"end_year must be after {START_YEAR}, got {end}")
    couplings, measures = [], []
    for i, entry in enumerate(data.get("couplings") or []):
        what = f"couplings[{i}]"
        couplings.append(_entry(entry, what, COUPLING_KEYS, "strength", STRENGTHS))
    for i, entry in enumerate(data.get("measures") or []):
        what = f"measures[{i}] ({entry.get('name', '?') if isinstance(entry, dict) else '?'})"
        measure = _entry(entry, what, MEASURE_KEYS, "lever", MEASURE_LEVERS)
        if not entry.get("quote") or not entry.get("source"):
            raise ValueError(f"{what}: a measure quotes the plan sentence it stands for "
                             "(quote:) and names its source (source:)")
        year = _number(entry, "year", what)
        if not START_YEAR <= year <= end:
            raise ValueError(f"{what}: year must lie in [{START_YEAR}, {end}], got {year}")
        measures.append({**measure, "year": year})
    titles = {k: data[k] for k in ("title_zh", "title_en", "description") if k in data}
    return TwinScenario(name=str(data.get("name", "twin-city")), end_year=end,
                        couplings=couplings, measures=measures, titles=titles)


def load(path: str | os.PathLike | None = None) -> TwinScenario:
    """Read and validate a twin-city scenario file (the shipped ``twin-city.yaml`` by default)."""
    return parse(read_yaml(path or scenario_file("twin-city"), "twin-city scenario file"))


def _place(array: np.ndarray, name: str, entry: dict, values) -> None:
    """Add ``values`` (a number or a path over the grid) where ``entry`` says."""
    rows = [REGIONS.index(r) for r in entry["from"]]
    columns = [REGIONS.index(r) for r in entry["to"]]
    values = np.asarray(values, dtype=float)
    if STRENGTHS[name][0] == 1:  # a per-region lever: the regions it applies to
        for c in columns:
            array[..., c] += values
        return
    for r in rows:
        for c in columns:
            if r != c:  # a region does not trade with itself
                array[..., r, c] += values


def strengths(scenario: TwinScenario, with_measures: bool) -> dict[str, np.ndarray]:
    """Return the coupling inputs: constants, or ``(1, n_grid, ...)`` paths where a measure acts."""
    grid = time_grid(START_YEAR, scenario.end_year, TIME_STEP)
    n = len(REGIONS)
    out: dict[str, np.ndarray] = {}
    measured = {m["lever"] for m in scenario.measures} if with_measures else set()
    for name, (dims, _, _) in STRENGTHS.items():
        shape = (n, n) if dims == 2 else (n,)
        if name in measured:
            out[name] = np.zeros((1, len(grid)) + shape)
        elif any(c["strength"] == name for c in scenario.couplings):
            out[name] = np.zeros(shape)
    for entry in scenario.couplings:
        name = entry["strength"]
        target = out[name]
        _place(target, name, entry, entry["value"])
    if with_measures:
        for entry in scenario.measures:
            path = LeverPath(kind="step", year=entry["year"], before=0.0, after=entry["value"])
            steps = path.over_steps(grid)[None, :]  # (1, n_grid), as array[..., r, c]
            _place(out[entry["lever"]], entry["lever"], entry, steps)
    return out


def run(scenario: TwinScenario | None = None, *, indicators: list[str] | None = None
        ) -> TwinScenarioRun:
    """Run the circle with the standing couplings, without and with the measures."""
    scenario = scenario or load()
    kwargs = dict(indicators=indicators, end_year=scenario.end_year)
    return TwinScenarioRun(
        scenario=scenario,
        without=run_twin(strengths(scenario, False), **kwargs),
        with_measures=run_twin(strengths(scenario, True), **kwargs),
    )
