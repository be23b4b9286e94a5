"""Sweep specs: a base scenario, the levers and parameters to vary, and a design.

A spec is a YAML file::

    name: ningxia-plan-lhs
    base: ../ningxia-plan.yaml          # scenario file, relative to this spec
    design: {method: latin_hypercube, n: 32, seed: 20220101}
    vary:
      new_sci_tech_loans: {min: 5, max: 40, year: 2022}   # a lever: step to the drawn value in 2022
      post_subsidy_rate: {min: 0, max: 0.1, year: 2022}
      tech_sme_birth_rate: {min: 75, max: 225}            # a parameter: a constant for the run
    indicators: [rd_expenditure, high_tech_enterprises]   # optional: what to store (default below)
    targets: [...]                      # optional: replaces the base scenario's targets
    chunk_size: 8                       # optional: runs per result file (default 50)

Design methods (:mod:`simulator.sweep.design`): ``grid`` (``levels`` per
variable), ``latin_hypercube``, ``monte_carlo`` (``n`` runs), ``sobol``
(Saltelli's scheme, ``n`` base samples, a power of 2: ``n·(d+2)`` runs) and
``morris`` (``n`` trajectories of ``d+1`` runs, ``num_levels`` grid levels).
Every variable is drawn uniformly between its ``min`` and ``max``, which must
lie in its valid range. A lever with ``year`` steps from its base path's
starting value to the drawn value in that year; without ``year`` it is a
constant for the whole run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from simulator import catalogue
from simulator.errors import ScenarioError, did_you_mean, unknown_name
from simulator.levers import as_finite_number, check_keys, check_range, step_path
from simulator.scenario import Scenario, load_scenario
from simulator.yaml_input import read_yaml

METHODS = ("grid", "latin_hypercube", "monte_carlo", "sobol", "morris")
#: Runs per chunk file when neither the spec nor the command line says.
DEFAULT_CHUNK_SIZE = 50

_TOP_KEYS = {"name", "description", "base", "design", "vary", "indicators", "targets", "chunk_size"}
_DESIGN_KEYS = {
    "grid": {"method", "levels", "seed"},
    "latin_hypercube": {"method", "n", "seed"},
    "monte_carlo": {"method", "n", "seed"},
    "sobol": {"method", "n", "seed"},
    "morris": {"method", "n", "seed", "num_levels"},
}
_VARY_KEYS = {"min", "max", "year"}


@dataclass(frozen=True)
class Variable:
    """A swept lever or parameter, drawn uniformly in ``[low, high]``.

    Attributes
    ----------
    name : str
    kind : {"lever", "parameter"}
    low, high : float
        Range [unit of the lever or parameter].
    year : float or None
        Levers only: the year the drawn value takes effect [year].
    unit : str
    """

    name: str
    kind: str
    low: float
    high: float
    year: float | None = None
    unit: str = ""

    def to_dict(self) -> dict:
        """Spec-file form."""
        out = {"min": self.low, "max": self.high}
        if self.year is not None:
            out["year"] = self.year
        return out


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec.

    Attributes
    ----------
    name : str
    base : Scenario
        The base scenario (with the spec's targets when it gives any).
    method : str
        One of :data:`METHODS`.
    size : int
        ``n`` (or ``levels`` for a grid).
    seed : int
    variables : tuple of Variable
    indicators : tuple of str
    chunk_size : int or None
    num_levels : int
        Morris grid levels.
    source : str
        The spec file.
    """

    name: str
    base: Scenario
    method: str
    size: int
    seed: int
    variables: tuple[Variable, ...]
    indicators: tuple[str, ...]
    chunk_size: int | None = None
    num_levels: int = 4
    source: str = ""
    description: str = field(default="", compare=False)

    def to_dict(self) -> dict:
        """Return the normal form recorded in the manifest (the base scenario in full)."""
        design = {
            "method": self.method,
            ("levels" if self.method == "grid" else "n"): self.size,
            "seed": self.seed,
        }
        if self.method == "morris":
            design["num_levels"] = self.num_levels
        return {
            "name": self.name,
            "base": self.base.to_dict(),
            "design": design,
            "vary": {v.name: v.to_dict() for v in self.variables},
            "indicators": list(self.indicators),
        }

    def problem(self) -> dict:
        """Return the SALib problem: names and bounds of the variables."""
        return {
            "num_vars": len(self.variables),
            "names": [v.name for v in self.variables],
            "bounds": [[v.low, v.high] for v in self.variables],
        }

    def overrides(self, row) -> dict[str, object]:
        """Lever and parameter overrides of one design row (scenario-file form).

        A lever with a ``year`` moves to the drawn value from that year on and
        keeps the base's value before it (:func:`simulator.levers.step_path`).

        Parameters
        ----------
        row : sequence of float
            Values in the order of :attr:`variables`.
        """
        paths = self._step_paths
        out: dict[str, object] = {}
        for variable, value in zip(self.variables, row):
            value = float(value)
            path = paths.get(variable.name)
            if path is None:
                out[variable.name] = value
            elif path["type"] == "step":
                out[variable.name] = {**path, "after": value}
            else:  # yearly: the drawn value is the last one
                values = {**path["values"], int(variable.year): value}
                out[variable.name] = {**path, "values": values}
        return out

    @cached_property
    def _step_paths(self) -> dict[str, dict]:
        """Each stepped lever's :func:`~simulator.levers.step_path` (file form), drawn value 0.

        Worked out once per spec: looking it up for every design row read the
        catalogue (and hashed the model file) three times a run, half the time
        of a 10,000-run batch sweep.
        """
        stepped = [v for v in self.variables if v.kind == "lever" and v.year is not None]
        entries = catalogue.levers() if stepped else {}
        return {
            v.name: step_path(
                self.base.levers.get(v.name), v.year, 0.0,
                start_year=self.base.start_year, default=entries[v.name].default,
            ).to_dict()
            for v in stepped
        }


def _whole(value: object, what: str, minimum: int = 1) -> int:
    number = as_finite_number(value, what)
    if number != int(number) or number < minimum:
        raise ScenarioError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return int(number)


def _parse_variable(name: str, spec: object, base: Scenario) -> Variable:
    levers, params = catalogue.levers(), catalogue.parameters()
    if name in levers:
        kind, entry = "lever", levers[name]
    elif name in params:
        kind, entry = "parameter", params[name]
    else:
        raise unknown_name("lever or parameter", str(name), set(levers) | set(params))
    what = f"vary {name!r}"
    if not isinstance(spec, dict):
        raise ScenarioError(
            f"{what} must be a mapping with 'min' and 'max' (and 'year' for a lever), got {spec!r}"
        )
    check_keys(spec, _VARY_KEYS, what)
    for key in ("min", "max"):
        if key not in spec:
            raise ScenarioError(f"{what} needs {key!r}")
    low = check_range(entry, as_finite_number(spec["min"], f"{what} 'min'"))
    high = check_range(entry, as_finite_number(spec["max"], f"{what} 'max'"))
    if not low < high:
        raise ScenarioError(f"{what}: min {low:g} must be less than max {high:g}")
    year = None
    if "year" in spec:
        if kind != "lever":
            raise ScenarioError(
                f"{what}: 'year' applies to levers only; {name!r} is a parameter (constant for a"
                " run)"
            )
        year = as_finite_number(spec["year"], f"{what} 'year'")
        if not base.start_year < year <= base.end_year:
            raise ScenarioError(
                f"{what}: year {year:g} must lie after {base.start_year} and by {base.end_year}"
            )
    return Variable(name=name, kind=kind, low=low, high=high, year=year, unit=entry.unit)


def _parse_design(data: object) -> tuple[str, int, int, int]:
    if not isinstance(data, dict):
        raise ScenarioError(
            f"'design' must be a mapping with 'method', 'n' (or 'levels') and 'seed', got {data!r}"
        )
    method = data.get("method")
    if method not in METHODS:
        raise ScenarioError(
            f"{method!r} is not a valid design method. It must be one of"
            f" {list(METHODS)}{did_you_mean(str(method), METHODS)}"
        )
    valid = _DESIGN_KEYS[method]
    check_keys(data, valid, "design", of=method)
    if "seed" not in data:
        raise ScenarioError("design needs a 'seed' (every random draw takes an explicit seed)")
    seed = _whole(data["seed"], "design 'seed'", minimum=0)
    size_key = "levels" if method == "grid" else "n"
    if size_key not in data:
        raise ScenarioError(f"a {method} design needs {size_key!r}")
    size = _whole(data[size_key], f"design {size_key!r}", minimum=2 if method == "grid" else 1)
    if method != "grid" and size > MAX_DESIGN_N:
        raise ScenarioError(
            f"design 'n' = {size} is over the bound of {MAX_DESIGN_N:,} runs a design may draw"
            " (the design is held in memory while it is written)"
        )
    if method == "sobol" and size & (size - 1):
        raise ScenarioError(
            "design 'n' of a sobol design must be a power of 2 (Sobol' sequence balance), got"
            f" {size}"
        )
    num_levels = _whole(data.get("num_levels", 4), "design 'num_levels'", minimum=2)
    if num_levels > MAX_MORRIS_LEVELS:  # SALib allocates the levels' grid: 10^12 asked 3.6 TiB
        raise ScenarioError(f"design 'num_levels' must be at most {MAX_MORRIS_LEVELS:,}"
                            f" (Morris uses 4 to 10), got {num_levels:,}")
    return method, size, seed, num_levels


#: Largest design 'n' accepted (issue #22): 10^7 draws; 10^9 would need 7-16 GiB.
MAX_DESIGN_N = 10**7
#: Most grid levels of a Morris design (each trajectory steps between them).
MAX_MORRIS_LEVELS = 1_000


def design_runs(method: str, size: int, d: int) -> int:
    """Return the number of runs of a design.

    ``levels^d`` (grid), ``n(d+2)`` (sobol), ``n(d+1)`` (morris), else ``n``.
    """
    return {"grid": size**d, "sobol": size * (d + 2), "morris": size * (d + 1)}.get(method, size)


def _check_runs(method: str, size: int, d: int) -> None:
    """Refuse, before any allocation, a design of more than MAX_DESIGN_N runs in all."""
    runs = design_runs(method, size, d)
    if runs > MAX_DESIGN_N:
        formula = {"grid": f"{size}^{d}", "sobol": f"{size} x ({d} + 2)",
                   "morris": f"{size} x ({d} + 1)"}.get(method, str(size))
        shown = f"{runs:,}" if runs < 10**15 else f"about 10^{len(str(runs)) - 1}"
        raise ScenarioError(
            f"a {method} design of {formula} = {shown} runs is over the bound of"
            f" {MAX_DESIGN_N:,} runs a design may draw"
        )


def spec_from_dict(
    data: object, *, source: str = "<spec>", base_dir: Path | None = None
) -> SweepSpec:
    """Validate a sweep spec given as a mapping.

    Parameters
    ----------
    data : dict
        The spec (see the module docstring).
    source : str
        Name for messages.
    base_dir : pathlib.Path, optional
        Folder that a relative ``base`` path is read from (the spec's folder).

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError
        Naming the bad entry and the valid choices.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a sweep spec must be a mapping, got {type(data).__name__}")
    check_keys(data, _TOP_KEYS, source)
    if "base" not in data:
        raise ScenarioError(f"{source}: a sweep spec needs 'base', the scenario file to vary")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], (str, int, float)):
            raise ScenarioError(
                f"{source}: {key} must be a text, got {type(data[key]).__name__}"
                f" {data[key]!r}"[:200]
            )
    base_value = data["base"]
    if not isinstance(base_value, (str, dict)):
        raise ScenarioError(
            f"{source}: 'base' must be the path of a scenario file (or a scenario mapping), got"
            f" {type(base_value).__name__} {base_value!r}"[:200]
        )
    if isinstance(base_value, dict):
        base = Scenario.from_dict(base_value)
    else:
        base_path = Path(str(base_value))
        if not base_path.is_absolute() and base_dir is not None:
            base_path = base_dir / base_path
        base = load_scenario(base_path)
    if data.get("targets") is not None:
        base = Scenario.from_dict({**base.to_dict(), "targets": data["targets"]})
    method, size, seed, num_levels = _parse_design(data.get("design"))
    vary = data.get("vary")
    if not isinstance(vary, dict) or not vary:
        raise ScenarioError(
            f"{source}: 'vary' must name at least one lever or parameter with min and max"
        )
    variables = tuple(_parse_variable(str(name), spec, base) for name, spec in vary.items())
    _check_runs(method, size, len(variables))
    entries = catalogue.indicators()
    default = list(
        dict.fromkeys([t.indicator for t in base.targets] + list(catalogue.KEY_INDICATORS))
    )
    indicators = data.get("indicators", default)
    if not isinstance(indicators, list) or not indicators:
        raise ScenarioError(f"{source}: 'indicators' must be a non-empty list of indicator names")
    for name in indicators:
        if name not in entries:
            raise unknown_name("indicator", str(name), entries)
    missing = sorted({t.indicator for t in base.targets} - set(indicators))
    if missing:
        raise ScenarioError(
            f"{source}: 'indicators' must include the target indicators; missing {missing}"
        )
    chunk = data.get("chunk_size")
    return SweepSpec(
        name=str(data.get("name", Path(source).stem)),
        base=base,
        method=method,
        size=size,
        seed=seed,
        variables=variables,
        indicators=tuple(dict.fromkeys(indicators)),
        chunk_size=None if chunk is None else _whole(chunk, "chunk_size"),
        num_levels=num_levels,
        source=source,
        description=str(data.get("description", "")),
    )


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a sweep spec YAML file.

    Raises
    ------
    FileNotFoundError
        If the file (or its base scenario) does not exist (a ``YamlFileNotFoundError``).
    ScenarioError
        If it is too large, not YAML, or not a valid spec; the message names the file.
    """
    path = Path(path)
    data = read_yaml(path, "sweep spec")
    try:
        return spec_from_dict(data, source=str(path), base_dir=path.parent)
    except (ScenarioError, TypeError, ValueError) as error:
        message = str(error)
        raise type(error)(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None
