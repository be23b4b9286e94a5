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
from simulator.scenario import REGIONS, Scenario, load_scenario

#: Scenario presets shipped per region, ``simulator/scenarios/<region>-<preset>.yaml``.
SCENARIOS_DIR = paths.SCENARIOS_DIR
PRESETS = ("baseline", "plan")

#: Region names: lowercase pinyin -> (Chinese, English).
REGION_NAMES = {name: (n["zh"], n["en"]) for name, n in catalogue.regions().items()}

#: The slider's step is fine enough for this many times the preset value (the
#: range itself is the lever's whole valid range, from the catalogue).
SLIDER_SPAN = 4.0
#: Steps over that span, roughly (the step is rounded to 1, 2 or 5 times a power of ten).
SLIDER_STEPS = 100
#: Units of levers counted in whole numbers (firms, people, institutions), per year or not.
COUNT_UNITS = ("家", "人", "项", "个")

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
    """Range, step and start value of one lever slider, in the lever's model unit.

    ``scale`` turns a model value into the value shown (100 for a rate shown as
    %); the session keeps model values and the widgets show ``scale`` times them.
    ``integer`` marks a count (whole steps).
    """

    name: str
    low: float
    high: float
    step: float
    value: float
    scale: float = 1.0
    integer: bool = False

    def shown(self, value: float) -> float | int:
        """Return a model value as the widget shows it (a rate as %, a count as an int)."""
        shown = float(f"{value * self.scale:.12g}")
        return int(round(shown)) if self.integer else shown

    def bounds(self) -> dict[str, float | int]:
        """Return the widgets' ``min_value``, ``max_value`` and ``step`` in shown units."""
        return {"min_value": self.shown(self.low), "max_value": self.shown(self.high),
                "step": self.shown(self.step)}

    def stored(self, shown: float) -> float:
        """Return a widget's value in the model unit (inverse of :meth:`shown`)."""
        return float(f"{shown / self.scale:.12g}")


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


def is_rate(entry: CatalogueEntry) -> bool:
    """Whether a lever is a rate (a dimensionless share, shown as %)."""
    return entry.unit == "Dmnl"


def is_count(entry: CatalogueEntry) -> bool:
    """Whether a lever counts whole things (家, 人, per year or not)."""
    return entry.unit.split("/")[0] in COUNT_UNITS


def slider_spec(entry: CatalogueEntry, preset: float, span: float = SLIDER_SPAN) -> SliderSpec:
    """Slider of a lever: its whole valid range, a step fine enough near the preset.

    Parameters
    ----------
    entry : CatalogueEntry
        The lever (its ``min``/``max`` are the model's valid range).
    preset : float
        The preset scenario's value of the lever [lever unit].
    span : float, default :data:`SLIDER_SPAN`
        The step gives about :data:`SLIDER_STEPS` steps from the low end to
        ``span`` times the preset value (the model default where the preset is
        0, the valid maximum where both are). An open upper end stops at that
        span (a number entry beside the slider is not bounded by it).

    Returns
    -------
    SliderSpec
        Always contains ``preset``; never leaves the valid range. Counts step
        by whole numbers; rates carry ``scale`` 100 (shown as %).
    """
    valid_low = 0.0 if entry.min is None else entry.min
    valid_high = math.inf if entry.max is None else entry.max
    low = max(valid_low, 0.0) if preset >= 0 else valid_low
    reference = next((v for v in (preset, entry.default) if v is not None and v > 0), None)
    near = span * reference if reference else (1.0 if math.isinf(valid_high) else valid_high)
    near = max(min(near, valid_high), preset)
    if near <= low:
        near = low + 1.0 if math.isinf(valid_high) else valid_high
    step = nice_step(near - low)
    # a count steps by whole numbers, unless the preset itself holds a fraction
    integer = is_count(entry) and all(float(v).is_integer() for v in (low, preset))
    if integer:
        step = max(1.0, step)
    high = valid_high if math.isfinite(valid_high) else (
        math.ceil((near - low) / step - 1e-9) * step + low)
    high = max(high, preset)
    return SliderSpec(entry.name, float(low), float(high), step, float(preset),
                      scale=100.0 if is_rate(entry) else 1.0, integer=integer)


def slider_specs(scenario: Scenario, model: LoadedModel | None = None) -> dict[str, SliderSpec]:
    """Slider of every lever, started at the preset's value in its end year."""
    entries = catalogue.levers(model or load_model())
    return {
        name: slider_spec(entry, scenario.lever_value(name, scenario.end_year, entry.default))
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
