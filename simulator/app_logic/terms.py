"""Words of the model and the data in the page's language: units, bounds, kinds, fit statistics.

术语翻译:单位、目标约束、变量类型与拟合统计量的中英文名称。
"""

from __future__ import annotations

import re

from simulator import catalogue
from simulator.app_logic.scenarios import fmt_number, is_rate

#: Target bounds (``shared/data/README.md``): key -> (Chinese, English).
BOUNDS = {
    "equal": ("达到", "reach"),
    "at_least": ("不低于", "at least"),
    "at_most": ("不高于", "at most"),
    "approx": ("约", "about"),
}
#: Kinds of model variables (PySD) and of documented figures.
KINDS = {
    "Stateful": ("存量", "stock"),
    "Auxiliary": ("辅助变量", "auxiliary"),
    "Constant": ("常量", "constant"),
    "Data": ("数据", "data"),
    "Lookup": ("表函数", "lookup"),
    "outcome": ("实际", "outcome"),
    "target": ("目标", "target"),
    "context": ("背景", "context"),
    "documented": ("有据", "documented"),
    "fitted": ("拟合", "fitted"),
    "assumed": ("假设", "assumed"),
    "log": ("对数", "log"),
    "linear": ("线性", "linear"),
}
#: Columns of :func:`simulator.fit_stats.fit_table`.
FIT_HEADERS = {
    "region": ("地区", "Region"),
    "indicator": ("指标", "Indicator"),
    "unit_model": ("单位", "Unit"),
    "n": ("数据点数", "Points"),
    "mape": ("平均绝对百分比误差 %", "MAPE %"),
    "rmspe": ("均方根百分比误差 %", "RMSPE %"),
    "r_squared": ("决定系数 R²", "R²"),
    "theil_u": ("泰尔不等系数 U", "Theil's U"),
    "um": ("偏差比例 Uᴹ", "Bias share Uᴹ"),
    "us": ("方差比例 Uˢ", "Variance share Uˢ"),
    "uc": ("协方差比例 Uᶜ", "Covariance share Uᶜ"),
}
_UNIT_WORDS = {"Dmnl": ("无量纲", "dimensionless"), "Year": ("年", "year")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def unit_label(unit: str, lang: str) -> str:
    """Return a Vensim unit in the page's words.

    Examples
    --------
    >>> unit_label("亿元/Year", "zh"), unit_label("Dmnl", "zh"), unit_label("人/Year", "en")
    ('亿元/年', '无量纲', '人/year')
    """
    if not unit:
        return "—"
    return re.sub(r"\b(Dmnl|Year)\b", lambda m: _pick(_UNIT_WORDS[m.group(1)], lang), unit)


def bound_label(bound: str, lang: str) -> str:
    """Return a target bound (``equal``, ``at_least``, ...) in words; unknown keys unchanged."""
    return _pick(BOUNDS[bound], lang) if bound in BOUNDS else bound


def kind_label(kind: str, lang: str) -> str:
    """Return the kind of a variable or a documented figure in words; unknown kinds unchanged."""
    return _pick(KINDS[kind], lang) if kind in KINDS else kind


def fit_headers(lang: str) -> dict[str, str]:
    """Return the fit table's column headers in ``lang``."""
    return {key: _pick(pair, lang) for key, pair in FIT_HEADERS.items()}


def variable_label(vensim_name: str, lang: str) -> str:
    """Return a model variable's name in ``lang`` (``catalogue.yaml``'s Chinese names)."""
    if lang != "zh":
        return vensim_name
    return catalogue.variable_names_zh().get(vensim_name, vensim_name)


def parameter_label(name: str, lang: str) -> str:
    """Return a model parameter's (or lever's) name in ``lang`` from its Python name.

    Examples
    --------
    >>> parameter_label("initial_high_tech_enterprises", "zh")
    '初始高新技术企业'
    """
    entries = {**catalogue.parameters(), **catalogue.levers()}
    entry = entries.get(name)
    if entry is None:
        return name
    if lang == "zh" and name in catalogue.levers():
        return entry.label_zh
    return variable_label(entry.vensim_name, lang)


#: Where an ensemble's parameter draws come from (``Ensemble.source``, joined by ``+``).
DRAW_SOURCES = {
    "profile": ("校准参数文件", "calibration profile"),
    "stated": ("情景中设定的分布", "distributions stated in the scenario"),
    "assumed": ("假设参数的取值范围", "ranges of the assumed parameters"),
}


def draws_source(source: str, lang: str) -> str:
    """Return an ensemble's draw source (``"profile+stated"``) in words.

    Examples
    --------
    >>> draws_source("profile+stated", "zh")
    '校准参数文件 + 情景中设定的分布'
    """
    return " + ".join(_pick(DRAW_SOURCES[p], lang) if p in DRAW_SOURCES else p
                      for p in source.split("+"))


def lever_unit(entry, lang: str) -> str:
    """Return the unit a lever's widgets show: % for a rate, else its unit in words.

    Examples
    --------
    >>> from simulator.catalogue import levers
    >>> rate, loans = levers()["post_subsidy_rate"], levers()["new_sci_tech_loans"]
    >>> lever_unit(rate, "zh"), lever_unit(loans, "zh")
    ('%', '亿元/年')
    """
    return "%" if is_rate(entry) else unit_label(entry.unit, lang)


def range_label(entry, lang: str) -> str:
    """Return a lever's valid range in the widgets' unit (``"0–20 %"``, ``"1–5,000 家"``)."""
    scale = 100.0 if is_rate(entry) else 1.0
    low = "−∞" if entry.min is None else fmt_number(entry.min * scale)
    high = "∞" if entry.max is None else fmt_number(entry.max * scale)
    return f"{low}–{high} {lever_unit(entry, lang)}"
