"""A scenario brief as a PDF, in Chinese (default) or English.

情景简报 PDF:中文(默认)或英文。

Drawn with reportlab; the text uses reportlab's built-in Adobe CID font
STSong-Light, which every PDF reader has for simplified Chinese, so the
file embeds no font and stays small. The charts are drawn with matplotlib
(Noto Sans CJK from mplfonts, :func:`simulator.plotting.use_cjk_font`).
"""

from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape

import pandas as pd

from simulator import catalogue
from simulator.app_logic import terms
from simulator.app_logic.brief import Brief
from simulator.app_logic.scenarios import fmt_number
from simulator.i18n import t

FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _num(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return fmt_number(float(value))


def chart_png(brief: Brief, lang: str) -> bytes:
    """Key indicators: the scenario's band and median, its run, the baseline, history, targets."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from simulator.plotting import use_cjk_font

    family = use_cjk_font(set_default=False)
    entries = catalogue.indicators()
    names = [n for n in catalogue.KEY_INDICATORS if n in brief.frame.columns]
    rows = math.ceil(len(names) / 2)
    figure = Figure(figsize=(7.2, 2.3 * rows), layout="constrained")
    axes = figure.subplots(rows, 2, squeeze=False).ravel()
    targets = brief.scenario.targets
    for ax, name in zip(axes, names):
        entry = entries[name]
        label = entry.label_zh if lang == "zh" else entry.label_en
        ax.set_title(f"{label} [{terms.unit_label(entry.unit, lang)}]", fontfamily=family,
                     fontsize=8)
        band = brief.bands.get(name)
        if band is not None:
            ax.fill_between(band["year"], band["low"], band["high"], color="C0", alpha=0.2,
                            label=t("legend_band", lang))
            ax.plot(band["year"], band["median"], color="C0", lw=0.8, ls=":",
                    label=t("legend_median", lang))
        ax.plot(brief.frame.index, brief.frame[name], color="C0", label=t("legend_scenario", lang))
        ax.plot(brief.baseline_frame.index, brief.baseline_frame[name], color="0.4", ls="--",
                lw=0.9, label=t("col_baseline", lang))
        if brief.observed is not None:
            seen = brief.observed[(brief.observed["indicator"] == name)
                                  & (brief.observed["weight"] > 0)]
            ax.scatter(seen["year"], seen["value_model"], s=10, color="C3", zorder=3,
                       label=t("legend_observed", lang))
        mine = [x for x in targets if x.indicator == name]
        if mine:
            ax.scatter([x.year for x in mine], [x.value for x in mine], marker="^", s=14,
                       color="C2", zorder=3, label=t("legend_target", lang))
        ax.axvline(brief.policy_year, color="0.7", lw=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.tick_params(labelsize=6)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if names:
        axes[0].legend(prop={"family": family, "size": 5}, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=140)
    return buffer.getvalue()


def _table(rows: list[list[str]], widths: list[float], style):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[Paragraph(escape(str(c)), style) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _lever_rows(brief: Brief, lang: str) -> list[list[str]]:
    label = "label_zh" if lang == "zh" else "label_en"
    rows = [[t(k, lang) for k in ("col_lever", "col_unit", "col_baseline", "col_scenario")]]
    changed = brief.levers[brief.levers["changed"]]
    for row in changed.itertuples(index=False):
        rows.append([getattr(row, label), terms.unit_label(row.unit, lang), _num(row.baseline),
                     _num(row.scenario)])
    return rows


def _scorecard_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    label = "label_zh" if lang == "zh" else "label_en"
    keys = ("col_indicator", "col_year", "col_bound", "col_target", "col_value", "col_p_met",
            "col_q05_q95")
    rows = [[t(k, lang) for k in keys]]
    for row in table.itertuples(index=False):
        rows.append([getattr(row, label), str(row.year), terms.bound_label(row.bound, lang),
                     _num(row.target), _num(row.value), f"{100 * row.p_met:.0f}",
                     f"{_num(row.value_q05)}–{_num(row.value_q95)}"])
    return rows


def _past_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    label = "label_zh" if lang == "zh" else "label_en"
    keys = ("col_indicator", "col_year", "col_bound", "col_target", "col_actual", "col_met")
    rows = [[t(k, lang) for k in keys]]
    for row in table.itertuples(index=False):
        met = t("no_actual", lang) if row.met is None else t("yes" if row.met else "no", lang)
        rows.append([getattr(row, label), str(row.year), terms.bound_label(row.bound, lang),
                     _num(row.target), _num(row.actual), met])
    return rows


def cost_lines(brief: Brief, lang: str) -> list[str]:
    """Return the fiscal cost readout: total, basis, and each lever's share."""
    cost = brief.cost
    if cost is None:
        return []
    levers = catalogue.levers()
    name = (lambda n: levers[n].label_zh) if lang == "zh" else (lambda n: levers[n].label_en)
    assumed = "、".join(name(n) for n in cost.assumed) or t("none", lang)
    lines = [f"{t('fiscal_cost', lang)} {cost.first_year}–{cost.last_year}: "
             + t("fiscal_cost_value", lang, value=f"{cost.total:+,.2f}"),
             t("fiscal_cost_basis", lang, first=cost.first_year, last=cost.last_year,
               rate=cost.discount_rate, source=cost.source, assumed=assumed)]
    lines += [f"· {name(n)}: {v:+,.3f} 亿元" for n, v in cost.by_lever.items()]
    return lines


def brief_pdf(brief: Brief, lang: str = "zh") -> bytes:
    """Return the brief as PDF bytes (A4), in ``lang`` (``"zh"`` or ``"en"``).

    Raises
    ------
    ValueError
        On a language other than zh or en.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

    t("brief_title", lang)  # an unknown language fails here, before any drawing
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=16, spaceBefore=6)
    title_style = ParagraphStyle("title", parent=body, fontSize=16, leading=20)

    def para(text, style=body):
        return Paragraph(escape(text), style)

    scenario = brief.scenario
    title = (scenario.title_zh if lang == "zh" else scenario.title_en) or scenario.name
    width = A4[0] - 30 * mm
    story = [
        para(t("brief_title", lang), title_style),
        para(f"{t('brief_region', lang)}: {brief.region[0 if lang == 'zh' else 1]}"),
        para(f"{t('brief_scenario', lang)}: {title} ({scenario.name})"),
        para(t("brief_years", lang, policy=brief.policy_year, target=brief.target_year)),
        para(t("brief_levers", lang), heading),
    ]
    rows = _lever_rows(brief, lang)
    story.append(_table(rows, [width * f for f in (0.46, 0.18, 0.18, 0.18)], small)
                 if len(rows) > 1 else para(t("brief_no_change", lang)))
    story.append(para(t("brief_cost", lang), heading))
    story += [para(line) for line in cost_lines(brief, lang)]
    story.append(para(t("brief_scorecard", lang, n=brief.provenance["ensemble_members"],
                        seed=brief.provenance["ensemble_seed"]), heading))
    if len(brief.scorecard):
        story.append(_table(_scorecard_rows(brief.scorecard, lang),
                            [width * f for f in (0.28, 0.08, 0.1, 0.12, 0.12, 0.12, 0.18)],
                            small))
    else:
        story.append(para(t("no_targets", lang)))
    if len(brief.past):
        story.append(para(t("brief_past", lang), heading))
        story.append(_table(_past_rows(brief.past, lang),
                            [width * f for f in (0.34, 0.1, 0.12, 0.15, 0.15, 0.14)], small))
    story.append(para(t("brief_charts", lang), heading))
    png = chart_png(brief, lang)
    pixels_wide, pixels_high = ImageReader(io.BytesIO(png)).getSize()
    story.append(Image(io.BytesIO(png), width=width, height=width * pixels_high / pixels_wide))
    story.append(para(t("brief_sources", lang), heading))
    story += [para(f"· {s}", small) for s in brief.sources]
    story.append(para(t("brief_provenance", lang), heading))
    story += [para(f"{k}: {v}", small) for k, v in brief.provenance.items()]
    story.append(Spacer(1, 4 * mm))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=t("brief_title", lang), author="innovation-dynamics")
    document.build(story)
    return buffer.getvalue()
