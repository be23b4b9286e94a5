"""The catalogue of levers, parameters and indicators, with units and labels.

Units, defaults and valid ranges come from the model file (read through
PySD); Chinese and English labels and policy-area groups come from
``catalogue.yaml``. Levers are the policy instruments the seed plans use;
parameters are the model's other constants (calibrated values or documented
assumptions); indicators are the outputs reported under the names of
``shared/data/baselines.csv``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from simulator.engine.model import LoadedModel, load_model
from simulator.yaml_input import read_yaml

_CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class CatalogueEntry:
    """A lever, parameter or indicator.

    Attributes
    ----------
    name : str
        Name used in scenario files and on the command line (PySD Python name
        for levers and parameters; baselines.csv name for indicators).
    vensim_name : str
        Name in the ``.mdl`` file.
    unit : str
        Unit as published (indicators: the unit of baselines.csv, a yearly
        flow in 亿元/Year is written 亿元) or the Vensim unit (levers, parameters).
    vensim_unit : str
        Vensim units of the variable.
    default : float or None
        Default value in the model (``None`` for indicators).
    min, max : float or None
        Valid range (``None`` where the model leaves it open).
    label_zh, label_en : str
        Labels for the app and reports.
    group : str
        Policy area (see ``catalogue.yaml``).
    help_zh, help_en : str
        One-line help.
    source : str
        The model file's comment: the value's source or "assumption: reason".
    """

    name: str
    vensim_name: str
    unit: str
    vensim_unit: str
    default: float | None
    min: float | None
    max: float | None
    label_zh: str
    label_en: str
    group: str
    help_zh: str = ""
    help_en: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)


def _bound(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _constant_entry(name: str, info, default: float, **labels) -> CatalogueEntry:
    """Return a lever or parameter entry: unit, range and source from the model file."""
    return CatalogueEntry(name=name, vensim_name=info.vensim_name, unit=info.unit,
                          vensim_unit=info.unit, default=default, min=_bound(info.minimum),
                          max=_bound(info.maximum), source=info.comment, **labels)


@lru_cache(maxsize=1)
def _labels() -> dict:
    return read_yaml(_CATALOGUE_FILE, "catalogue")


def regions() -> dict[str, dict[str, str]]:
    """Return the plan regions (lowercase pinyin) with their Chinese and English names."""
    return {name: dict(labels) for name, labels in _labels()["regions"].items()}


#: The plan regions in lowercase pinyin, in the catalogue's order: the one list
#: (scenario ``region:``, profiles, calibration specs, the app).
REGIONS: tuple[str, ...] = tuple(regions())


def variable_names_zh() -> dict[str, str]:
    """Return the Chinese names of the model's variables, by Vensim name."""
    return dict(_labels().get("variable_names_zh", {}))


def documented_indicator_names() -> dict[str, tuple[str, str]]:
    """Return (Chinese, English) names of documented figures the model does not report."""
    return {k: (v[0], v[1]) for k, v in _labels().get("documented_indicator_names", {}).items()}


def groups() -> dict[str, dict[str, str]]:
    """Policy-area groups with their Chinese and English labels."""
    return dict(_labels()["groups"])


def levers(model: LoadedModel | None = None) -> dict[str, CatalogueEntry]:
    """Return the policy levers of the core model.

    Parameters
    ----------
    model : LoadedModel, optional
        Defaults to the core model.

    Returns
    -------
    dict of str to CatalogueEntry
    """
    model = model or load_model()
    out = {}
    for name, meta in _labels()["levers"].items():
        out[name] = _constant_entry(
            name, model.variables[name], model.constants[name],
            label_zh=meta["zh"], label_en=meta["en"], group=meta["group"],
            help_zh=meta.get("help_zh", ""), help_en=meta.get("help_en", ""),
        )
    return out


def parameters(model: LoadedModel | None = None) -> dict[str, CatalogueEntry]:
    """Return every model constant that is not a lever.

    Labels are the Vensim names (English); the Chinese label repeats it
    until a translation is added to ``catalogue.yaml``.
    """
    model = model or load_model()
    lever_names = set(_labels()["levers"])
    out = {}
    for name, default in model.constants.items():
        if name in lever_names:
            continue
        info = model.variables[name]
        out[name] = _constant_entry(name, info, default, label_zh=info.vensim_name,
                                    label_en=info.vensim_name, group="parameter")
    return out


def indicators(model: LoadedModel | None = None) -> dict[str, CatalogueEntry]:
    """Return the reported indicators (names and units of baselines.csv)."""
    model = model or load_model()
    by_vensim = {info.vensim_name: info for info in model.variables.values()}
    out = {}
    for name, meta in _labels()["indicators"].items():
        info = by_vensim[meta["vensim"]]
        out[name] = CatalogueEntry(
            name=name,
            vensim_name=info.vensim_name,
            unit=meta["unit"],
            vensim_unit=info.unit,
            default=None,
            min=None,
            max=None,
            label_zh=meta["zh"],
            label_en=meta["en"],
            group=meta["group"],
            source=info.comment,
        )
    return out


#: The indicators every run reports first, in this order (baselines.csv names).
KEY_INDICATORS = (
    "gdp",
    "rd_expenditure",
    "rd_intensity",
    "high_tech_enterprises",
    "tech_smes_registered",
    "high_tech_industry_revenue",
    "tech_contract_turnover",
)
