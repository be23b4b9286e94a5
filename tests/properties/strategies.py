"""Hypothesis strategies: lever paths and parameters around each region's baseline.

Every draw starts from a region's baseline scenario (``simulator/scenarios/<region>-
baseline.yaml``) and moves levers and parameters anywhere inside the ranges
catalogued in the model file (``[min,max]`` of each constant): at either bound,
uniformly inside, or log-uniformly within a factor 10 of the baseline value.
Lever paths take the forms of :mod:`simulator.levers`: constant, step, ramp
and yearly. The first option of every choice is "keep the baseline", so that
hypothesis shrinks a counterexample to the few settings that matter.

A drawn :class:`Case` prints as the call that rebuilds it, ready to paste into
an ``@example``::

    case("ningxia", parameters={"initial_rd_expenditure": 0.0})
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from conftest import SCENARIOS_DIR
from hypothesis import strategies as st

from simulator import catalogue
from simulator.engine.model import load_model
from simulator.levers import LeverPath, parse_path
from simulator.runner import profile_values
from simulator.scenario import Scenario, load_scenario
from simulator.validation import scenario_case

#: Time steps a scenario may use (1/n of a year, see simulator.scenario).
TIME_STEPS = (0.25, 0.125, 0.0625, 0.5, 1.0)


@lru_cache(maxsize=1)
def baselines() -> dict[str, Scenario]:
    """Each region's baseline scenario, by region."""
    out = {}
    for path in sorted(SCENARIOS_DIR.glob("*-baseline.yaml")):
        scenario = load_scenario(path)
        out[scenario.region or path.stem.removesuffix("-baseline")] = scenario
    return out


@lru_cache(maxsize=None)
def base_values(region: str) -> dict[str, float]:
    """Every constant of a region's baseline: model default, calibration profile, scenario."""
    scenario = baselines()[region]
    return {**load_model().constants, **profile_values(scenario), **scenario.parameters}


@lru_cache(maxsize=1)
def lever_entries() -> dict[str, catalogue.CatalogueEntry]:
    """Catalogued levers of the core model."""
    return catalogue.levers(load_model())


@lru_cache(maxsize=1)
def parameter_entries() -> dict[str, catalogue.CatalogueEntry]:
    """Catalogued parameters with a finite range."""
    return {
        name: entry
        for name, entry in catalogue.parameters(load_model()).items()
        if entry.min is not None and entry.max is not None
    }


@dataclass(frozen=True, repr=False)
class Case:
    """A region's baseline with some parameters and lever paths changed.

    Attributes
    ----------
    region : str
    parameters : dict of str to float
        Changed constants (Python names).
    levers : dict of str to LeverPath
        Changed lever paths.
    time_step : float or None
        Replaces the baseline's time step [year].
    integration : {"euler", "rk4"}
        Integration method (the baselines' is Euler).
    """

    region: str
    parameters: dict = field(default_factory=dict)
    levers: dict = field(default_factory=dict)
    time_step: float | None = None
    integration: str = "euler"

    @property
    def baseline(self) -> Scenario:
        """The region's baseline scenario."""
        return baselines()[self.region]

    def scenario(self) -> Scenario:
        """Return the case as a scenario (not re-validated: values are in range by construction)."""
        base = self.baseline
        return replace(
            base,
            parameters={**base.parameters, **self.parameters},
            levers={**base.levers, **self.levers},
            time_step=self.time_step or base.time_step,
            integration=self.integration,
        )

    def value(self, name: str) -> float | LeverPath:
        """Return the current value of a parameter, or the path of a lever."""
        scenario = self.scenario()
        if name in scenario.levers:
            return scenario.levers[name]
        if name in lever_entries():
            return LeverPath("constant", value=lever_entries()[name].default)
        return scenario.parameters.get(name, base_values(self.region)[name])

    def run_inputs(self, overrides: dict | None = None) -> tuple[dict, dict]:
        """Return inputs and controls for :func:`simulator.validation.simulate_many`."""
        return scenario_case(self.scenario(), overrides)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        parts = [repr(self.region)]
        if self.parameters:
            parts.append(f"parameters={self.parameters!r}")
        if self.levers:
            parts.append(f"levers={ {n: p.to_dict() for n, p in self.levers.items()}!r}")
        if self.time_step is not None:
            parts.append(f"time_step={self.time_step!r}")
        if self.integration != "euler":
            parts.append(f"integration={self.integration!r}")
        return f"case({', '.join(parts)})"


def case(region: str, parameters: dict | None = None, levers: dict | None = None,
         time_step: float | None = None, integration: str = "euler") -> Case:
    """Build a :class:`Case`; levers in scenario-file form (number or path mapping)."""
    entries = lever_entries()
    paths = {
        name: spec if isinstance(spec, LeverPath) else parse_path(name, spec, entries[name].default)
        for name, spec in (levers or {}).items()
    }
    return Case(region, dict(parameters or {}), paths, time_step, integration)


@lru_cache(maxsize=4096)
def values(low: float, high: float, base: float | None = None) -> st.SearchStrategy[float]:
    """Draw a number in ``[low, high]``: the baseline, a bound, anywhere, or near the baseline."""
    options = []
    if base is not None and low <= base <= high:
        options.append(st.just(float(base)))
    options += [st.just(float(low)), st.just(float(high))]
    if high > low:
        options.append(st.floats(low, high, allow_nan=False))
        if base is not None and base > 0:
            options.append(
                st.floats(-1.0, 1.0).map(lambda u: float(min(high, max(low, base * 10.0**u))))
            )
    return st.one_of(options)


@st.composite
def lever_paths(draw, name: str, scenario: Scenario) -> LeverPath:
    """Draw a path of one lever inside its range: constant, step, ramp or yearly."""
    entry = lever_entries()[name]
    current = scenario.levers.get(name, LeverPath("constant", value=entry.default))
    base = current.values_on(np.array([float(scenario.start_year)]))[0]
    number = values(entry.min, entry.max, base)
    start, end = scenario.start_year, scenario.end_year
    kind = draw(st.sampled_from(("constant", "step", "ramp", "yearly")))
    if kind == "constant":
        return LeverPath("constant", value=draw(number))
    if kind == "step":
        year = draw(st.integers(start, end))
        return LeverPath("step", year=year, before=draw(number), after=draw(number))
    if kind == "ramp":
        first = draw(st.integers(start, end - 1))
        last = draw(st.integers(first + 1, end))
        return LeverPath("ramp", start_year=first, end_year=last,
                         start_value=draw(number), end_value=draw(number))
    yearly = draw(st.dictionaries(st.integers(start, end), number, min_size=1, max_size=5))
    return LeverPath("yearly", before=draw(number), yearly=dict(sorted(yearly.items())))


@st.composite
def cases(draw, regions: tuple[str, ...] | None = None, *, time_steps: bool = False,
          vary_levers: bool = True, vary_parameters: bool = True) -> Case:
    """Draw a region's baseline with levers and parameters moved within their ranges.

    Parameters
    ----------
    regions : tuple of str, optional
        Regions to draw from; all with a baseline scenario by default.
    time_steps : bool
        Also draw the time step from :data:`TIME_STEPS` (the baseline's first).
    vary_levers, vary_parameters : bool
        Whether to draw lever paths and parameters (else keep the baseline).
    """
    region = draw(st.sampled_from(regions or tuple(baselines())))
    scenario = baselines()[region]
    levers = {}
    if vary_levers:
        for name in lever_entries():
            if draw(st.booleans()):
                levers[name] = draw(lever_paths(name, scenario))
    parameters = {}
    if vary_parameters:
        defaults = base_values(region)
        for name, entry in parameter_entries().items():
            base = defaults[name]
            value = draw(values(entry.min, entry.max, base), label=name)
            if value != base:
                parameters[name] = value
    time_step = None
    if time_steps:
        choice = draw(st.sampled_from(TIME_STEPS))
        time_step = None if math.isclose(choice, scenario.time_step) else choice
    return Case(region, parameters, levers, time_step)


# Load the model, the scenarios and their profiles now: translating a model uses
# the ``random`` module, which hypothesis forbids inside a draw.
for _region in baselines():
    base_values(_region)
parameter_entries()
lever_entries()
