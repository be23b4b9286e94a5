"""A scenario's results as an Excel workbook, with a units row under each header.

结果工作簿(Excel):每张表的表头下一行为单位。

Sheets: the scenario's results and the baseline's by year (indicator
names, then their units, then one row per year), the levers against the
baseline, the targets with their probabilities, and the provenance. Written
with openpyxl (already a dependency, for GET XLS data).
"""

from __future__ import annotations

import io
import json

import pandas as pd

from simulator import catalogue
from simulator.app_logic import terms
from simulator.app_logic.brief import Brief
from simulator.i18n import t


def _sheet(book, title: str, frame: pd.DataFrame, lang: str, units: list[str] | None) -> None:
    """One sheet: the header, the units row (its first cell says "unit"), the rows."""
    sheet = book.create_sheet(title)
    sheet.append([str(c) for c in frame.columns])
    if units is not None:
        sheet.append([t("unit_row", lang), *units[1:]])
    for row in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                      for v in row])
    sheet.freeze_panes = "B3" if units is not None else "B2"


def _results(frame: pd.DataFrame, units: dict[str, str], lang: str):
    entries = catalogue.indicators()
    label = {n: (entries[n].label_zh if lang == "zh" else entries[n].label_en)
             if n in entries else n for n in frame.columns}
    table = frame.reset_index().rename(columns={"year": t("col_year", lang), **label})
    unit_row = ["", *(terms.unit_label(units.get(n, ""), lang) for n in frame.columns)]
    return table, unit_row


def results_workbook(brief: Brief, lang: str = "zh") -> bytes:
    """Return the brief's results as ``.xlsx`` bytes, headers in ``lang``, a units row in each."""
    from openpyxl import Workbook

    t("sheet_results", lang)  # an unknown language fails here
    book = Workbook()
    book.remove(book.active)
    for key, frame in (("sheet_results", brief.frame), ("sheet_baseline", brief.baseline_frame)):
        table, unit_row = _results(frame, brief.units, lang)
        _sheet(book, t(key, lang), table, lang, unit_row)

    label = "label_zh" if lang == "zh" else "label_en"
    levers = brief.levers  # units differ per lever: a column of them, not a row
    _sheet(book, t("sheet_levers", lang), pd.DataFrame({
        t("col_lever", lang): levers[label], t("col_id", lang): levers["lever"],
        t("col_unit", lang): [terms.unit_label(u, lang) for u in levers["unit"]],
        f"{t('col_baseline', lang)} {brief.target_year}": levers["baseline"],
        f"{t('col_scenario', lang)} {brief.target_year}": levers["scenario"],
    }), lang, None)

    score = brief.scorecard
    if len(score):
        targets = pd.DataFrame({
            t("col_indicator", lang): score[label], t("col_year", lang): score["year"],
            t("col_unit", lang): [terms.unit_label(u, lang) for u in score["unit"]],
            t("col_bound", lang): [terms.bound_label(b, lang) for b in score["bound"]],
            t("col_target", lang): score["target"], t("col_value", lang): score["value"],
            t("col_p_met", lang): 100 * score["p_met"], "5%": score["value_q05"],
            "50%": score["value_q50"], "95%": score["value_q95"],
            t("source", lang): score["source"],
        })
        _sheet(book, t("sheet_targets", lang), targets, lang, None)

    about = book.create_sheet(t("sheet_about", lang))
    about.append([t("brief_region", lang), brief.region[0 if lang == "zh" else 1]])
    about.append([t("brief_scenario", lang), brief.scenario.name])
    about.append([t("policy_year", lang), brief.policy_year])
    if brief.cost is not None:
        about.append([f"{t('fiscal_cost', lang)} {brief.cost.first_year}-{brief.cost.last_year}"
                      " [亿元]", round(brief.cost.total, 6)])
    for key, value in brief.provenance.items():
        about.append([key, value if isinstance(value, (int, float, str)) or value is None
                      else json.dumps(value, ensure_ascii=False)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
