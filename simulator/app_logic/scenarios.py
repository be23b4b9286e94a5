"""Scenarios from the app's widgets: presets, slider ranges, lever paths, labels.

情景与滑块:预设情景、相对于预设值的滑块范围、由滑块值生成情景、中英文标签。
"""

from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from simulator import catalogue, paths
from simulator.catalogue import CatalogueEntry
from simulator.engine.model import LoadedModel, load_model
from simulator.errors import ScenarioError, did_you_mean
from simulator.levers import step_path
from simulator.scenario import REGIONS, Scenario, load_scenario

#: Scenario presets shipped per region, ``simulator/scenarios/<region>-<preset>.yaml``.
SCENARIOS_DIR = paths.SCENARIOS_DIR
PRESETS = ("baseline", "plan")

#: Region names: lowercase pinyin -> (Chinese, English).
REGION_NAMES = {name: (n["zh"], n["en"]) for name, n in catalogue.regions().items()}

#: A slider reaches this many times the preset value (if the valid range allows).
SLIDER_SPAN = 4.0
#: Steps per slider, roughly (the step is rounded to 1, 2 or 5 times a power of ten).
SLIDER_STEPS = 100

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


# ------------------------------------------------------------------ labels
def pick(zh: str, en: str, lang: str) -> str:
    """Return the Chinese or the English text (the other when one is empty)."""
    return (zh or en) if lang == "zh" else (en or zh)


def entry_label(entry: CatalogueEntry, lang: str) -> str:
    """Label of a lever, parameter or indicator in ``lang``."""
    return pick(entry.label_zh, entry.label_en, lang)


def entry_help(entry: CatalogueEntry, lang: str) -> str:
    """One-line help of a lever in ``lang``."""
    return pick(entry.help_zh, entry.help_en, lang)


def group_label(group: str, lang: str) -> str:
    """Label of a policy area (catalogue group); the key itself when unknown."""
    names = catalogue.groups().get(group)
    return pick(names["zh"], names["en"], lang) if names else group


def region_label(region: str | None, lang: str) -> str:
    """Name of a region in ``lang`` (``"—"`` for none)."""
    if not region:
        return "—"
    zh, en = REGION_NAMES.get(region, (region, region))
    return pick(zh, en, lang)


# ----------------------------------------------------------------- presets
def preset_path(region: str, preset: str) -> Path:
    """File of a region's preset scenario (it may not exist yet)."""
    return SCENARIOS_DIR / f"{region}-{preset}.yaml"


def available_presets(region: str) -> list[str]:
    """Presets of :data:`PRESETS` whose file exists for ``region``."""
    return [p for p in PRESETS if preset_path(region, p).is_file()]


def load_preset(region: str, preset: str, model: LoadedModel | None = None) -> Scenario:
    """Load and validate a region's preset scenario.

    Raises
    ------
    ScenarioError
        On an unknown region or preset (with the valid choices).
    FileNotFoundError
        If the preset file does not exist.
    """
    if region not in REGIONS:
        raise ScenarioError(
            f"unknown region {region!r}{did_you_mean(region, REGIONS)} (valid: {list(REGIONS)})"
        )
    if preset not in PRESETS:
        raise ScenarioError(f"unknown preset {preset!r} (valid: {list(PRESETS)})")
    return load_scenario(preset_path(region, preset), model)


def optional_module(name: str):
    """Import a module that another part of the project may not provide yet; None if absent."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            return None
        raise


# ----------------------------------------------------------------- sliders
@dataclass(frozen=True)
class SliderSpec:
    """Range, step and start value of one lever slider [lever unit]."""

    name: str
    low: float
    high: float
    step: float
    value: float


def nice_step(width: float, steps: int = SLIDER_STEPS) -> float:
    """Return a step of 1, 2 or 5 times a power of ten giving about ``steps`` steps over ``width``.

    Examples
    --------
    >>> nice_step(2400.0)
    50.0
    >>> nice_step(0.2)
    0.002
    """
    if not width > 0:
        raise ValueError(f"width must be positive, got {width!r}")
    raw = width / steps
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return float(f"{factor * power:.12g}")
    return float(f"{10 * power:.12g}")  # pragma: no cover - the loop always returns


def slider_spec(entry: CatalogueEntry, preset: float, span: float = SLIDER_SPAN) -> SliderSpec:
    """Slider range of a lever: its valid range clipped to ``0 .. span × preset``.

    Parameters
    ----------
    entry : CatalogueEntry
        The lever (its ``min``/``max`` are the model's valid range).
    preset : float
        The preset scenario's value of the lever [lever unit].
    span : float, default :data:`SLIDER_SPAN`
        Upper end as a multiple of the preset value. Where the preset value
        is 0, the model default is used instead, and where that is 0 too the
        valid maximum (or 1 when the range is open).

    Returns
    -------
    SliderSpec
        Always contains ``preset``; never leaves the valid range.
    """
    valid_low = 0.0 if entry.min is None else entry.min
    valid_high = math.inf if entry.max is None else entry.max
    low = max(valid_low, 0.0) if preset >= 0 else valid_low
    reference = next((v for v in (preset, entry.default) if v is not None and v > 0), None)
    high = (
        min(valid_high, span * reference)
        if reference
        else min(valid_high, 1.0 if math.isinf(valid_high) else valid_high)
    )
    high = max(high, preset)
    if high <= low:
        high = low + 1.0 if math.isinf(valid_high) else valid_high
    step = nice_step(high - low)
    high = min(valid_high, math.ceil((high - low) / step - 1e-9) * step + low)
    return SliderSpec(entry.name, float(low), float(high), step, float(preset))


def lever_value(scenario: Scenario, name: str, year: float, default: float) -> float:
    """Return a lever's value in ``year`` in ``scenario`` (``default`` when not set)."""
    path = scenario.levers.get(name)
    return default if path is None else float(path.values_on([year])[0])


def slider_specs(scenario: Scenario, model: LoadedModel | None = None) -> dict[str, SliderSpec]:
    """Slider of every lever, started at the preset's value in its end year."""
    entries = catalogue.levers(model or load_model())
    return {
        name: slider_spec(entry, lever_value(scenario, name, scenario.end_year, entry.default))
        for name, entry in entries.items()
    }


def levers_by_group(model: LoadedModel | None = None) -> dict[str, list[CatalogueEntry]]:
    """Levers grouped by policy area, in the catalogue's order of groups."""
    out: dict[str, list[CatalogueEntry]] = {}
    entries = catalogue.levers(model or load_model())
    for group in catalogue.groups():
        members = [e for e in entries.values() if e.group == group]
        if members:
            out[group] = members
    return out


def apply_levers(
    base: Scenario,
    values: dict[str, float],
    policy_year: int,
    model: LoadedModel | None = None,
) -> Scenario:
    """Build the scenario a planner set with the sliders.

    A lever whose slider still shows the preset value keeps the preset's path.
    A moved lever takes the slider value from ``policy_year`` on and keeps the
    preset's value before it (:func:`simulator.levers.step_path`).

    Parameters
    ----------
    base : Scenario
        The preset (or uploaded) scenario.
    values : dict of str to float
        Slider values by lever name [lever unit].
    policy_year : int
        First year of the new values.
    model : LoadedModel, optional

    Returns
    -------
    Scenario
        Validated; ``base`` itself when no lever moved (it is not validated
        again), else a new scenario named with the suffix ``-custom``.

    Raises
    ------
    ScenarioError
        If ``policy_year`` is not inside the horizon, or a value is invalid.
    """
    model = model or load_model()
    if not base.start_year < policy_year <= base.end_year:
        raise ScenarioError(
            f"policy year {policy_year} must be after {base.start_year}"
            f" and not after {base.end_year}"
        )
    entries = catalogue.levers(model)
    data = base.to_dict()
    changed = False
    for name, value in values.items():
        if name not in entries:
            raise ScenarioError(f"unknown lever {name!r}{did_you_mean(name, entries)}")
        preset = lever_value(base, name, base.end_year, entries[name].default)
        if math.isclose(value, preset, rel_tol=1e-9, abs_tol=1e-12):
            continue
        changed = True
        path = step_path(base.levers.get(name), policy_year, float(value),
                         start_year=base.start_year, default=entries[name].default)
        data.setdefault("levers", {})[name] = path.to_dict()
    if not changed:
        return base  # already validated: nothing to check again
    if not data["name"].endswith("-custom"):
        data["name"] = f"{data['name']}-custom"
    return Scenario.from_dict(data, model)


def scenario_key(scenario: Scenario) -> str:
    """Cache key of a scenario's results: its YAML text (equal scenarios, equal keys)."""
    return scenario.to_yaml()


def fmt_number(value: float) -> str:
    """Format a number for display: thousands separators, about four significant digits.

    Examples
    --------
    >>> fmt_number(13762.02), fmt_number(2.68931), fmt_number(0.0)
    ('13,762', '2.689', '0')
    """
    if not math.isfinite(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def valid_name(name: str) -> bool:
    """Whether ``name`` may name a saved scenario (letters, digits, ``-``, ``_``)."""
    return bool(_NAME.match(name))
