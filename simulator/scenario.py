"""Scenarios: a region's start, horizon, parameter overrides and lever paths.

A scenario is validated once, when it is built (Mesa's ``_check_model_params``
pattern): unknown names get a "did you mean", out-of-range values get the
valid range and unit, non-finite or wrongly typed values are named. A
scenario file round-trips: ``Scenario.from_dict(s.to_dict()) == s``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from simulator import catalogue
from simulator.engine.dispatch import INTEGRATIONS
from simulator.engine.model import LoadedModel, load_model
from simulator.errors import ScenarioError, did_you_mean, unknown_name
from simulator.levers import (
    LeverPath,
    as_finite_number,
    check_keys,
    check_range,
    parse_path,
    ramp_path,
)
from simulator.uncertainty import parse_uncertainty
from simulator.yaml_input import MAX_YAML_BYTES, parse_yaml, read_yaml

#: Largest scenario file accepted [bytes]; a larger file is refused unread.
MAX_SCENARIO_BYTES = MAX_YAML_BYTES

REGIONS = catalogue.REGIONS  # re-exported: the one list is the catalogue's

#: Smallest time step accepted [year]: 2^-10, about 8.6 hours.
MIN_TIME_STEP = 2.0**-10
#: Years a lever path may name before the start or after the end of the run.
YEAR_MARGIN = 100
_TOP_KEYS = {
    "name", "title_zh", "title_en", "description", "region", "profile",
    "start_year", "end_year", "time_step", "integration", "parameters", "levers", "targets",
    "uncertainty",
}
_TARGET_KEYS = {"indicator", "year", "value", "bound", "source", "note"}
_BOUNDS = ("equal", "at_least", "at_most", "approx")


@dataclass(frozen=True)
class Target:
    """A planned figure: ``indicator`` should reach ``value`` in ``year``."""

    indicator: str
    year: int
    value: float
    bound: str = "at_least"
    source: str = ""

    def to_dict(self) -> dict:
        """Scenario-file form."""
        out = {"indicator": self.indicator, "year": self.year, "value": self.value}
        out["bound"] = self.bound
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Scenario:
    """A runnable scenario of the core model.

    Attributes
    ----------
    name : str
        Short identifier (file stem by convention).
    region : str or None
        One of :data:`REGIONS` in lowercase pinyin, or None for the model defaults.
    start_year, end_year : int
        Simulation horizon [year]; ``start_year`` is the base year whose
        documented figures initialise the stocks.
    time_step : float
        Integration time step [year].
    integration : {"euler", "rk4"}
        Integration method (default Euler, as PySD; RK4 on the batch engine
        only, see :mod:`simulator.engine.batch.codegen`).
    parameters : dict of str to float
        Overrides of model constants that are not levers.
    levers : dict of str to LeverPath
        Lever paths; levers not listed keep their model default.
    targets : tuple of Target
        Planned figures to track.
    profile : str or None
        Calibration profile whose values start the run: a region name (one of
        :data:`simulator.data.profile.REGIONS`) or a profile ``.yaml`` path;
        the name is checked when the scenario is built, the file when it runs.
    uncertainty : dict
        Parameters an ensemble draws and from where (see
        :mod:`simulator.uncertainty`); empty when absent.
    """

    name: str = "default"
    region: str | None = None
    start_year: int = 2017
    end_year: int = 2035
    time_step: float = 0.0625
    integration: str = "euler"
    parameters: dict[str, float] = field(default_factory=dict)
    levers: dict[str, LeverPath] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    profile: str | None = None
    uncertainty: dict = field(default_factory=dict)

    # ----------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: object, model: LoadedModel | None = None) -> "Scenario":
        """Build and validate a scenario from its file form.

        Raises
        ------
        ScenarioError, UnknownNameError, TypeError, ValueError
            With a message naming the bad entry and the valid choices.
        """
        if not isinstance(data, dict):
            raise ScenarioError(
                f"a scenario must be a mapping of keys to values, got {type(data).__name__}"
            )
        check_keys(data, _TOP_KEYS, of="a scenario")
        for key in ("name", "title_zh", "title_en", "description"):
            if key in data and not isinstance(data[key], (str, int, float)):
                raise ScenarioError(
                    f"{key} must be a text, got {type(data[key]).__name__} {data[key]!r}"[:200]
                )
        if not isinstance(data.get("targets") or [], list):
            raise ScenarioError(
                f"targets must be a list of {{indicator, year, value}} mappings, got"
                f" {data['targets']!r}"[:200]
            )
        model = model or load_model()
        lever_entries = catalogue.levers(model)
        param_entries = catalogue.parameters(model)
        region = data.get("region")
        if region is not None and region not in REGIONS:
            raise ScenarioError(
                f"unknown region {region!r}{did_you_mean(str(region), REGIONS)}"
                f" (valid: {list(REGIONS)})"
            )
        profile = _profile_name(data.get("profile"))
        start = _whole_year(
            data.get("start_year", int(model.control["initial_time"])), "start_year"
        )
        end = _whole_year(data.get("end_year", int(model.control["final_time"])), "end_year")
        if end <= start:
            raise ScenarioError(f"end_year {end} must be after start_year {start}")
        time_step = as_finite_number(data.get("time_step", model.control["time_step"]), "time_step")
        if not MIN_TIME_STEP <= time_step <= 1:
            raise ScenarioError(
                f"time_step {time_step:g} is out of range: valid {MIN_TIME_STEP:g} (2^-10) to 1"
                " [year]"
            )
        if abs(1 / time_step - round(1 / time_step)) > 1e-9:
            raise ScenarioError(
                f"time_step {time_step:g} must be 1/n of a year (e.g. 1, 0.5, 0.25, 0.0625) so that"
                " yearly output and the 3-year certificate conveyor fall on the grid"
            )
        integration = data.get("integration", "euler")
        if integration not in INTEGRATIONS:
            raise ScenarioError(
                f"integration {integration!r} is not valid"
                f"{did_you_mean(str(integration), INTEGRATIONS)} (valid: {list(INTEGRATIONS)})"
            )

        parameters = {}
        for name, value in _mapping(data.get("parameters"), "parameters").items():
            if name in lever_entries:
                raise ScenarioError(f"{name!r} is a lever: set it under 'levers', not 'parameters'")
            if name not in param_entries:
                raise unknown_name("parameter", name, param_entries)
            if name == "euler_step_corrections":
                raise ScenarioError(f"{name!r} follows integration (euler: 1, rk4: 0): set"
                                    f" integration: {list(INTEGRATIONS)} instead")
            number = as_finite_number(value, f"parameter {name!r}")
            parameters[name] = check_range(param_entries[name], number)

        levers = {}
        for name, spec in _mapping(data.get("levers"), "levers").items():
            if name not in lever_entries:
                if name in param_entries:
                    raise ScenarioError(
                        f"{name!r} is a parameter: set it under 'parameters', not 'levers'"
                    )
                raise unknown_name("lever", name, lever_entries)
            path = parse_path(name, spec, lever_entries[name].default)
            _check_years(name, path, start, end)
            for value in path.all_values():
                check_range(lever_entries[name], value)
            levers[name] = path

        targets = tuple(_parse_target(t, i, model) for i, t in enumerate(data.get("targets") or []))
        return cls(
            name=str(data.get("name", "scenario")),
            region=region,
            start_year=start,
            end_year=end,
            time_step=time_step,
            integration=integration,
            parameters=parameters,
            levers=levers,
            targets=targets,
            title_zh=str(data.get("title_zh", "")),
            title_en=str(data.get("title_en", "")),
            description=str(data.get("description", "")),
            profile=profile,
            uncertainty=parse_uncertainty(data.get("uncertainty"), param_entries),
        )

    def to_dict(self) -> dict:
        """Return the scenario-file form (round-trips through :meth:`from_dict`)."""
        out = {"name": self.name}
        for key in ("title_zh", "title_en", "description"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.region:
            out["region"] = self.region
        if self.profile:
            out["profile"] = self.profile
        out.update(start_year=self.start_year, end_year=self.end_year, time_step=self.time_step)
        if self.integration != "euler":  # Euler files stay as they were
            out["integration"] = self.integration
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        if self.levers:
            out["levers"] = {name: path.to_dict() for name, path in self.levers.items()}
        if self.targets:
            out["targets"] = [t.to_dict() for t in self.targets]
        if self.uncertainty:
            out["uncertainty"] = {
                "source": self.uncertainty["source"],
                "parameters": {
                    k: (v if isinstance(v, str) else dict(v))
                    for k, v in self.uncertainty["parameters"].items()
                },
            }
            if "assumed" in self.uncertainty:
                out["uncertainty"]["assumed"] = self.uncertainty["assumed"]
        return out

    def to_yaml(self) -> str:
        """YAML text of :meth:`to_dict`.

        Kept on the object after the first call: a scenario does not change once
        built, and the app keys its caches by this text several times a rerun
        (about 4 ms a dump).
        """
        text = self.__dict__.get("_yaml")
        if text is None:
            text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)
            object.__setattr__(self, "_yaml", text)  # frozen: not a field, not compared
        return text

    def with_overrides(
        self, overrides: dict[str, object], model: LoadedModel | None = None
    ) -> "Scenario":
        """Return a copy with levers or parameters set to constants.

        Parameters
        ----------
        overrides : dict
            Lever or parameter names to values (numbers or numeric strings,
            as given by ``--set NAME=VALUE``).
        """
        model = model or load_model()
        data = self.to_dict()
        lever_names = set(catalogue.levers(model))
        known = lever_names | set(catalogue.parameters(model))
        for name, value in overrides.items():
            if name not in known:
                raise unknown_name("lever or parameter", name, known)
            section = "levers" if name in lever_names else "parameters"
            data.setdefault(section, {})[name] = value
        return Scenario.from_dict(data, model)


    def lever_value(self, name: str, year: float, default: float) -> float:
        """Return a lever's value in ``year`` (``default`` when the scenario does not set it)."""
        path = self.levers.get(name)
        return default if path is None else float(path.values_on([year])[0])

    def with_levers(
        self, values: dict[str, float], policy_year: int, model: LoadedModel | None = None,
        timing: dict[str, tuple[int, int]] | None = None,
    ) -> "Scenario":
        """Return the scenario with levers moved to new values from ``policy_year`` on.

        A lever whose value equals this scenario's value at the end year keeps
        its path. A moved lever takes the new value from ``policy_year`` on and
        keeps this scenario's values before it (:func:`simulator.levers.step_path`).

        Parameters
        ----------
        values : dict of str to float
            New values by lever name [lever unit], e.g. the app's sliders.
        policy_year : int
            First year of the new values [year].
        model : LoadedModel, optional
        timing : dict of str to (int, int), optional
            Per lever, (first year, years of the ramp to the new value): a
            lever listed here starts in its own year instead of
            ``policy_year``, and reaches its value linearly over the ramp
            (0: at once; :func:`simulator.levers.ramp_path`).

        Returns
        -------
        Scenario
            ``self`` when no lever moved (it is not validated again), else a
            new validated scenario named with the suffix ``-custom``.

        Raises
        ------
        ScenarioError
            If ``policy_year`` is not inside the horizon, a lever is unknown or
            a value is invalid.
        """
        model = model or load_model()
        if not self.start_year < policy_year <= self.end_year:
            raise ScenarioError(
                f"policy year {policy_year} must be after {self.start_year}"
                f" and not after {self.end_year}"
            )
        entries = catalogue.levers(model)
        data = self.to_dict()
        changed = False
        for name, value in values.items():
            if name not in entries:
                raise ScenarioError(f"unknown lever {name!r}{did_you_mean(name, entries)}")
            default = entries[name].default
            if math.isclose(value, self.lever_value(name, self.end_year, default),
                            rel_tol=1e-9, abs_tol=1e-12):
                continue
            changed = True
            year, ramp = (timing or {}).get(name, (policy_year, 0))
            if not self.start_year < year <= self.end_year or ramp < 0:
                raise ScenarioError(
                    f"lever {name!r}: start year {year} must be after {self.start_year} and not"
                    f" after {self.end_year}, and its ramp ({ramp} years) not negative"
                )
            path = ramp_path(self.levers.get(name), year, ramp, float(value),
                             start_year=self.start_year, default=default)
            data.setdefault("levers", {})[name] = path.to_dict()
        if not changed:
            return self  # already validated: nothing to check again
        if not data["name"].endswith("-custom"):
            data["name"] = f"{data['name']}-custom"
        return Scenario.from_dict(data, model)

def _whole_year(value: object, what: str) -> int:
    problem = f"{what} must be a whole year between 1950 and 2100, got {value!r}"[:200]
    try:
        number = as_finite_number(value, what)
    except (ScenarioError, TypeError, ValueError):
        raise ScenarioError(problem) from None
    if number != int(number) or not 1950 <= number <= 2100:
        raise ScenarioError(problem)
    return int(number)


def _check_years(name: str, path: LeverPath, start: int, end: int) -> None:
    """Refuse a lever path whose years fall outside a window around the run's horizon."""
    low, high = start - YEAR_MARGIN, end + YEAR_MARGIN
    years = {"step": [path.year], "ramp": [path.start_year, path.end_year]}.get(
        path.kind, list(path.yearly or ()))
    for year in years:
        if not low <= year <= high:
            raise ScenarioError(
                f"lever {name!r}: year {year:g} is outside the valid window {low} to {high}"
                f" (the run's {start}-{end}, widened by {YEAR_MARGIN} years)"
            )


def _mapping(value: object, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(
            f"{what!r} must be a mapping of names to values, got {type(value).__name__}"
        )
    for key in value:
        if not isinstance(key, str):
            raise ScenarioError(f"{what!r}: the key {key!r} must be a name (text), e.g."
                                " 'post_subsidy_rate'")
    return value


def _profile_name(value: object) -> str | None:
    """Check a scenario's ``profile:``: a region's calibration profile or a ``.yaml`` path."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ScenarioError(
            "profile must be a region name or a .yaml path,"
            f" got {type(value).__name__} {value!r}"
        )
    from simulator.data.profile import resolve_profile

    try:
        resolve_profile(value)
    except ValueError as error:
        raise ScenarioError(str(error)) from None
    return value


def _parse_target(data: object, index: int, model: LoadedModel) -> Target:
    what = f"target #{index + 1}"
    if not isinstance(data, dict):
        raise ScenarioError(f"{what} must be a mapping with keys {sorted(_TARGET_KEYS)}")
    check_keys(data, _TARGET_KEYS, what)
    indicators = catalogue.indicators(model)
    name = data.get("indicator")
    if name not in indicators:
        raise unknown_name("indicator", str(name), indicators)
    bound = data.get("bound", "at_least")
    if bound not in _BOUNDS:
        raise ScenarioError(f"{what}: bound {bound!r} is not one of {list(_BOUNDS)}")
    return Target(
        indicator=name,
        year=_whole_year(data.get("year"), f"{what} year"),
        value=as_finite_number(data.get("value"), f"{what} value"),
        bound=bound,
        source=str(data.get("source", "")),
    )


def load_scenario(path: str | os.PathLike, model: LoadedModel | None = None) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    YamlFileNotFoundError
        If the file does not exist (a ``FileNotFoundError``).
    ScenarioError
        If it is too large, not valid YAML, or not a valid scenario; the
        message starts with the file name (:mod:`simulator.yaml_input`).
    """
    data = read_yaml(path, "scenario file")
    return _scenario_from_data(data, str(path), model)


def scenario_from_yaml(
    text: str | bytes, source: str = "<text>", model: LoadedModel | None = None
) -> Scenario:
    """Parse YAML text (safe loader) into a validated scenario.

    Parameters
    ----------
    text : str or bytes
        The YAML document (bytes must be UTF-8).
    source : str
        Name used in error messages (file name or "upload").
    """
    return _scenario_from_data(parse_yaml(text, source), source, model)


def _scenario_from_data(data: object, source: str, model: LoadedModel | None) -> Scenario:
    """Validate a parsed scenario document; messages start with ``source``."""
    try:
        scenario = Scenario.from_dict(data, model)
    except (ScenarioError, KeyError, TypeError, ValueError) as error:
        message = error.args[0] if error.args else str(error)
        raise type(error)(f"{source}: {message}") from None
    if scenario.name == "scenario" and source not in ("<text>", "upload"):
        scenario = replace(scenario, name=Path(source).stem)
    return scenario


def save_scenario(scenario: Scenario, path: str | os.PathLike) -> None:
    """Write a scenario as YAML, atomically (a reader never sees half a file)."""
    from simulator.results import atomic_write_text

    atomic_write_text(Path(path), scenario.to_yaml())
