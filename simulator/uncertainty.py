"""The ``uncertainty`` section of a scenario: which parameters an ensemble draws.

A scenario file may name model parameters whose values are uncertain, and
say where their draws come from::

    uncertainty:
      source: auto        # auto: the calibration profile when there is one, else the stated
                          # distributions; "profile": the profile only; "stated": never the profile;
                          # "posterior": as "profile", but the fitted parameters from the MCMC
                          # draws (simulator/data/posteriors/<region>.csv) instead of the Laplace
                          # approximation; "pooled": as "posterior", from the pooled fit of all
                          # regions (simulator/data/posteriors/pooled/<region>.csv), where the
                          # behavioural rates a region's data do not pin down come from the others
      parameters:
        initial_tech_smes: {distribution: uniform, min: 250, max: 750}
        gdp_growth_rate: {distribution: normal, mean: 0.0768, sd: 0.01, min: 0.05, max: 0.1}
        initial_high_tech_revenue: {distribution: triangular, min: 400, mode: 800, max: 1200}
        tech_sme_birth_rate: profile      # drawn from the calibration profile only
      assumed: ranges     # opt-in: also draw the assumed parameters of
                          # simulator/data/assumed_ranges.yaml (simulator.assumed); default none

Every distribution is bounded: ``uniform`` and ``triangular`` by their
``min``/``max``; ``normal`` is truncated at ``min``/``max`` when given and
otherwise at the parameter's valid range. All bounds must lie inside that
valid range, so every draw is a valid value.

:func:`parse_uncertainty` validates the section (called by
:meth:`simulator.scenario.Scenario.from_dict`); :func:`draw_stated` draws from
the stated distributions with an explicit seed.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from simulator.assumed import ASSUMED_CHOICES
from simulator.errors import ScenarioError, did_you_mean, unknown_name
from simulator.levers import as_finite_number, check_keys, check_range

DISTRIBUTIONS = ("uniform", "normal", "triangular")
SOURCES = ("auto", "profile", "stated", "posterior", "pooled")
#: The marker for a parameter drawn from the calibration profile.
FROM_PROFILE = "profile"

_KEYS = {"source", "parameters", "assumed"}
_DIST_KEYS = {
    "uniform": ({"min", "max"}, set()),
    "normal": ({"mean", "sd"}, {"min", "max"}),
    "triangular": ({"min", "mode", "max"}, set()),
}


def parse_uncertainty(data: object, parameters: dict) -> dict:
    """Validate a scenario's ``uncertainty`` section and return its normal form.

    Parameters
    ----------
    data : dict or None
        The section as read from YAML.
    parameters : dict of str to CatalogueEntry
        The model's parameters (:func:`simulator.catalogue.parameters`).

    Returns
    -------
    dict
        ``{}`` when absent, else ``{"source": str, "parameters": {name: spec}}``
        where ``spec`` is ``"profile"`` or a mapping with ``distribution``
        and its numbers (floats), plus ``"assumed": "ranges"`` when the
        section asks for the assumed parameters to be drawn.

    Raises
    ------
    ScenarioError
        On an unknown key, source or distribution, a missing number, or
        inconsistent bounds (``min >= max``, mode or mean outside them).
    UnknownNameError
        On an unknown parameter name.
    TypeError, ValueError
        On a value that is not a finite number, or a bound outside the
        parameter's valid range.
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"'uncertainty' must be a mapping with keys {sorted(_KEYS)}, got {type(data).__name__}"
        )
    check_keys(data, _KEYS, "uncertainty")
    source = data.get("source", "auto")
    if source not in SOURCES:
        raise ScenarioError(
            f"uncertainty: source {source!r} is not one of"
            f" {list(SOURCES)}{did_you_mean(str(source), SOURCES)}"
        )
    entries = data.get("parameters") or {}
    if not isinstance(entries, dict):
        raise ScenarioError(
            "uncertainty: 'parameters' must be a mapping of names to distributions, got"
            f" {type(entries).__name__}"
        )
    parsed = {}
    for name, spec in entries.items():
        if name not in parameters:
            raise unknown_name("parameter", str(name), parameters)
        parsed[name] = _parse_spec(name, spec, parameters[name])
    out = {"source": source, "parameters": parsed}
    assumed = data.get("assumed", "none")
    if assumed not in ASSUMED_CHOICES:
        raise ScenarioError(
            f"uncertainty: assumed {assumed!r} is not one of"
            f" {list(ASSUMED_CHOICES)}{did_you_mean(str(assumed), ASSUMED_CHOICES)}"
        )
    if assumed != "none":  # absent from the normal form by default, so old scenarios are unchanged
        out["assumed"] = assumed
    return out


def _parse_spec(name: str, spec: object, entry) -> str | dict:
    what = f"uncertainty of {name!r}"
    if spec == FROM_PROFILE:
        return FROM_PROFILE
    if not isinstance(spec, dict):
        raise ScenarioError(
            f"{what} must be 'profile' or a mapping with 'distribution' (one of"
            f" {list(DISTRIBUTIONS)}), got {spec!r}"
        )
    kind = spec.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise ScenarioError(
            f"{what}: distribution {kind!r} is not one of"
            f" {list(DISTRIBUTIONS)}{did_you_mean(str(kind), DISTRIBUTIONS)}"
        )
    required, optional = _DIST_KEYS[kind]
    valid = required | optional | {"distribution"}
    check_keys(spec, valid, what, of=f"a {kind} distribution")
    out: dict = {"distribution": kind}
    for key in sorted(required | optional):
        if key in spec:
            out[key] = as_finite_number(spec[key], f"{what} {key!r}")
        elif key in required:
            raise ScenarioError(
                f"{what}: a {kind} distribution needs {key!r} (keys: {sorted(required)})"
            )
    for key in ("min", "max", "mode", "mean"):
        if key in out:
            check_range(entry, out[key])
    if "min" in out and "max" in out and not out["min"] < out["max"]:
        raise ScenarioError(f"{what}: min {out['min']:g} must be less than max {out['max']:g}")
    if kind == "triangular" and not out["min"] <= out["mode"] <= out["max"]:
        raise ScenarioError(
            f"{what}: mode {out['mode']:g} must lie between min {out['min']:g} and max"
            f" {out['max']:g}"
        )
    if kind == "normal":
        if out["sd"] <= 0:
            raise ScenarioError(f"{what}: sd must be positive, got {out['sd']:g}")
        low, high = _normal_bounds(out, entry)
        if not low <= out["mean"] <= high:
            raise ScenarioError(
                f"{what}: mean {out['mean']:g} must lie between min {low:g} and max {high:g}"
            )
    return out


def _normal_bounds(spec: dict, entry) -> tuple[float, float]:
    low = spec.get("min", -math.inf if entry.min is None else entry.min)
    high = spec.get("max", math.inf if entry.max is None else entry.max)
    return low, high


def stated_parameters(uncertainty: dict) -> dict[str, dict]:
    """Return the parameters with a stated distribution (not ``"profile"``)."""
    return {k: v for k, v in (uncertainty.get("parameters") or {}).items() if v != FROM_PROFILE}


def draw_stated(uncertainty: dict, n: int, seed: int, parameters: dict) -> list[dict[str, float]]:
    """Draw ``n`` parameter sets from the stated distributions.

    Parameters
    ----------
    uncertainty : dict
        A parsed section (:func:`parse_uncertainty`).
    n : int
        Number of draws.
    seed : int
        Seed of ``numpy.random.default_rng``; parameters are drawn one after
        the other in name order, so a draw depends only on the seed and the
        section.
    parameters : dict of str to CatalogueEntry
        The model's parameters (for the default truncation of ``normal``).

    Returns
    -------
    list of dict
        ``n`` mappings of parameter name to value (empty mappings when no
        distribution is stated).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    draws: list[dict[str, float]] = [{} for _ in range(n)]
    for name, spec in sorted(stated_parameters(uncertainty).items()):
        kind = spec["distribution"]
        if kind == "uniform":
            values = rng.uniform(spec["min"], spec["max"], size=n)
        elif kind == "triangular":
            values = rng.triangular(spec["min"], spec["mode"], spec["max"], size=n)
        else:
            low, high = _normal_bounds(spec, parameters[name])
            a, b = (low - spec["mean"]) / spec["sd"], (high - spec["mean"]) / spec["sd"]
            values = stats.truncnorm.rvs(
                a, b, loc=spec["mean"], scale=spec["sd"], size=n, random_state=rng
            )
        for i in range(n):
            draws[i][name] = float(values[i])
    return draws
