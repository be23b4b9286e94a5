"""Tests of the scenario brief: its content, the PDF read back as text, the Excel workbook."""

from __future__ import annotations

import io

import pytest

from simulator import app_logic, catalogue
from simulator.app_logic.brief import build_brief
from simulator.app_logic.brief_pdf import brief_pdf
from simulator.app_logic.workbook import results_workbook
from simulator.engine.model import load_model

pypdf = pytest.importorskip("pypdf")
openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def brief():
    model = load_model()
    baseline = app_logic.load_preset("suining", "baseline", model)
    plan = app_logic.load_preset("suining", "plan", model)
    moved = plan.with_levers({"incubator_capacity": 2000.0}, 2023, model)
    return build_brief(moved, baseline, 2023, members=50, seed=7, model=model)


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_brief_gathers_levers_targets_bands_cost_and_provenance(brief):
    assert brief.region == ("遂宁", "Suining") and brief.target_year == 2025
    changed = brief.levers[brief.levers["changed"]].set_index("lever")
    assert changed.at["incubator_capacity", "scenario"] == 2000.0
    assert changed.at["incubator_capacity", "baseline"] != 2000.0
    assert set(brief.scorecard["year"]) == {2025}  # open targets only; past ones apart
    assert brief.scorecard["p_met"].between(0, 1).all() and len(brief.past)
    assert set(brief.bands) == set(catalogue.KEY_INDICATORS)
    assert brief.cost is not None and brief.cost.by_lever["incubator_capacity"] > 0
    assert len(brief.provenance["model_sha256"]) == 64
    assert brief.provenance["ensemble_seed"] == 7 and brief.provenance["ensemble_members"] == 50
    assert any("suining.gov.cn" in s for s in brief.sources)


def test_the_chinese_pdf_reads_back_with_every_part(brief):
    pdf = brief_pdf(brief)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for needle in ("区域科技创新政策情景简报", "地区: 遂宁", brief.scenario.name, "孵化器在孵容量",
                   "累计贴现财政成本", f"{brief.cost.total:+,.2f} 亿元", "目标达成概率",
                   "达成概率 %", "关键指标", "数据来源", "模型版本与来源",
                   brief.provenance["model_sha256"]):
        assert needle in text, needle
    for row in brief.scorecard.itertuples():  # every target with its probability
        assert f"{100 * row.p_met:.0f}" in text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = [img for page in reader.pages for img in page.images]
    assert images, "the key charts are in the brief"


def test_the_english_pdf_is_english(brief):
    text = _text(brief_pdf(brief, "en"))
    assert "Regional S&T policy scenario brief" in text and "Region: Suining" in text
    assert "Fiscal cost" in text and "Probability %" in text and "Incubator" in text
    assert "区域科技创新政策情景简报" not in text


def test_an_unknown_language_is_refused(brief):
    with pytest.raises(ValueError, match="'fr' is not a valid language"):
        brief_pdf(brief, "fr")


def test_the_workbook_has_a_units_row_under_the_headers(brief):
    book = openpyxl.load_workbook(io.BytesIO(results_workbook(brief)))
    assert book.sheetnames == ["结果", "基线", "杠杆", "目标", "说明"]
    sheet = book["结果"]
    header = [c.value for c in sheet[1]]
    units = [c.value for c in sheet[2]]
    entries = catalogue.indicators()
    column = header.index(entries["gdp"].label_zh)
    assert units[0] == "单位" and units[column] == "亿元"
    first = [c.value for c in sheet[3]]
    assert first[0] == brief.frame.index[0]
    assert first[column] == pytest.approx(brief.frame["gdp"].iloc[0])
    assert sheet.max_row == 2 + len(brief.frame)
    english = openpyxl.load_workbook(io.BytesIO(results_workbook(brief, "en")))
    assert english["results"]["A2"].value == "unit"
