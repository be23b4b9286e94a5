"""Tests of the Streamlit app through Streamlit's ``AppTest`` (no browser).

Widgets are set by key, as Streamlit's testing guide and llm-examples'
``app_test.py`` do; every page must run with no exception.
"""

from __future__ import annotations

import pytest
from conftest import ROOT

from simulator import catalogue

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = ["explore", "compare", "uncertainty", "analysis", "model_structure", "data_sources",
         "share"]
#: Seconds a script run may take: the first run translates the model into the test cache.
TIMEOUT = 120


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    if page and page != "explore":
        at.switch_page(f"app/pages/{page}.py").run()
    return at


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


@pytest.mark.parametrize("page", PAGES)
def test_each_page_loads_without_exception(page):
    """Each page loads without exception."""
    at = _app(page)
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_explore_shows_every_lever_grouped_with_units():
    """Explore shows every lever grouped with units."""
    at = _app()
    keys = {s.key for s in at.slider}
    assert {f"_lever_{name}" for name in catalogue.levers()} <= keys
    labels = {s.label for s in at.slider}
    assert "孵化器在孵容量 [家]" in labels
    assert [e.label for e in at.sidebar.expander][:2] == ["研发投入与财税", "企业培育"]


def test_moving_a_lever_changes_the_displayed_indicator():
    """Moving a lever changes the displayed indicator."""
    at = _app()
    before = _metric(at, "入库科技型中小企业")
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.max).run()
    assert not at.exception
    after = _metric(at, "入库科技型中小企业")
    assert after != before
    delta = next(m.delta for m in at.metric if m.label.startswith("入库科技型中小企业"))
    assert delta.startswith("+")


def test_reset_returns_the_levers_to_the_preset():
    """Reset returns the levers to the preset."""
    at = _app()
    at.slider(key="_lever_incubator_capacity").set_value(1500.0).run()
    at.button(key="_reset").click().run()
    assert at.slider(key="_lever_incubator_capacity").value == 600.0


def test_language_switch_changes_labels():
    """Language switch changes labels."""
    at = _app()
    assert at.title[0].value == "情景探索"
    assert any(m.label.startswith("高新技术企业") for m in at.metric)
    at.radio(key="_lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Explore"
    assert any(m.label.startswith("High-tech enterprises") for m in at.metric)
    assert "Incubator capacity [家]" in {s.label for s in at.slider}
    at.switch_page("app/pages/compare.py").run()
    assert at.title[0].value == "Compare", "the language holds across pages"


def test_region_switch_reloads_the_preset():
    """Region switch reloads the preset."""
    at = _app()
    gdp_ningxia = _metric(at, "地区生产总值")
    at.selectbox(key="_region").set_value("chengdu").run()
    assert not at.exception
    assert _metric(at, "地区生产总值") != gdp_ningxia


@pytest.mark.parametrize(
    "content, message",
    [
        (b"levers: [unclosed", "not valid YAML at line 1"),
        (b"name: x\nlevers:\n  incubator_capacty: 5\n", "did you mean 'incubator_capacity'"),
        (b"name: x\nlevers:\n  post_subsidy_rate: 9\n", "out of range"),
        (b"\xff\xfe not utf-8", "not UTF-8 text"),
        (b"name: x\n" + b"#" * 1_100_000, "byte limit"),
        (b"- just\n- a list\n", "must be a mapping"),
    ],
)
def test_malformed_upload_shows_an_error_not_a_traceback(content, message):
    """Malformed upload shows an error not a traceback."""
    from test_upload_errors import _english_line

    from simulator.app_logic.error_text import error_line

    at = _app("share")
    at.file_uploader(key="_upload").set_value(("bad.yaml", content, "application/x-yaml")).run()
    assert not at.exception, at.exception
    assert at.error, "an error box is shown"
    english = _english_line("share", content, "bad.yaml")
    assert message in english  # the check's own line, shown in the zh page's words
    assert error_line(english, "zh") in at.error[0].value


def test_upload_loads_the_scenario_and_it_runs():
    """Upload loads the scenario and it runs."""
    text = (
        (ROOT / "simulator" / "scenarios" / "yibin-baseline.yaml")
        .read_bytes()
        .replace(b"name: yibin-baseline", b"name: my-upload")
    )
    at = _app("share")
    at.file_uploader(key="_upload").set_value(("mine.yaml", text, "application/x-yaml")).run()
    assert not at.exception and not at.error
    assert "my-upload" in at.success[0].value
    at.switch_page("app/pages/explore.py").run()
    assert not at.exception
    assert "my-upload" in at.caption[0].value and "宜宾" in at.caption[0].value


def test_saved_scenario_appears_in_the_comparison_table():
    """Saved scenario appears in the comparison table."""
    at = _app()
    at.slider(key="_lever_incubator_capacity").set_value(1200.0).run()
    at.text_input(key="_save_name").set_value("more-incubators").run()
    at.button(key="_save").click().run()
    assert "more-incubators" in at.success[0].value
    at.switch_page("app/pages/compare.py").run()
    assert not at.exception
    at.multiselect(key="_compare_pick").select("more-incubators").run()
    table = at.dataframe[-1].value
    assert any("more-incubators" in str(column) for column in table.columns)


def test_bad_save_name_is_refused_in_the_page():
    """Bad save name is refused in the page."""
    at = _app()
    at.text_input(key="_save_name").set_value("../etc/passwd").run()
    at.button(key="_save").click().run()
    assert not at.exception and "letters, digits" not in at.error[0].value
    assert "只能包含" in at.error[0].value


def test_model_page_lists_loops_and_equations():
    """Model page lists loops and equations."""
    at = _app("model_structure")
    loops = at.dataframe[0].value
    assert list(loops.columns) == ["极性", "长度", "回路"]
    assert len(loops) > 0 and loops["长度"].min() >= 1
    assert set(loops["极性"]) <= {"R", "B", "?", "0"} and {"R", "B"} <= set(loops["极性"])
    variables = at.dataframe[1].value
    assert variables.shape[0] > 100


def test_model_page_runs_the_checks_on_the_current_scenario():
    """The model checks run on request on the slider scenario: six rows, all passed."""
    at = _app("model_structure")
    at.button(key="_run_checks").click().run()
    assert not at.exception and not at.error
    assert "全部 6 项检验通过" in at.success[0].value
    table = at.dataframe[-1].value
    assert table["检验"].tolist()[:2] == ["非负且有限", "企业守恒"]
    assert set(table["结果"]) == {"通过"}
    assert table["说明"].iloc[0] == "全部有限且非负"


def test_model_checks_stay_until_the_scenario_changes():
    """Another widget keeps the checks' result; a new region drops it (it no longer applies)."""
    at = _app("model_structure")
    at.button(key="_run_checks").click().run()
    shown = len(at.dataframe)
    at.slider(key="_model_depth").set_value(2).run()
    assert not at.exception and len(at.dataframe) == shown
    assert "全部 6 项检验通过" in at.success[0].value
    at.selectbox(key="_region").set_value("yibin").run()
    assert not at.exception and not at.success and len(at.dataframe) == shown - 1


def _plan(at: AppTest, region: str) -> AppTest:
    at.selectbox(key="_region").set_value(region).run()
    at.radio(key="_preset").set_value("plan").run()
    assert not at.exception
    return at


def test_plan_scorecard_shows_met_gap_and_first_year():
    """Plan scorecard shows met gap and first year (Suining: 2025, still open)."""
    at = _plan(_app(), "suining")
    table = at.dataframe[0].value
    assert {"是否达成", "差距", "首次达到年份"} <= set(table.columns)
    assert set(table["是否达成"]) <= {"达成", "未达成"} and len(table) >= 3


def test_scorecard_columns_follow_the_targets_table(monkeypatch):
    """The scorecard shows targets.TABLE_COLUMNS in order, the label in the page's language."""
    from simulator import targets

    at = _plan(_app(), "suining")
    shown = list(at.dataframe[0].value.columns)
    # one label, no name, and the latest actual beside the target
    assert shown[0] == "指标" and len(shown) == len(targets.TABLE_COLUMNS) - 1
    assert shown[shown.index("规划目标") + 1] == "最新实际"
    assert shown[-1] == "来源"
    shorter = tuple(c for c in targets.TABLE_COLUMNS if c != "source")
    monkeypatch.setattr(targets, "TABLE_COLUMNS", shorter)
    at = _plan(_app(), "suining")
    assert list(at.dataframe[0].value.columns) == shown[:-1]


def test_uncertainty_gives_probabilities_between_0_and_100():
    """Open targets get probabilities between 0 and 100 (Hechuan's plan: 2026 and 2027).

    Yibin's targets (2020, 2022) are all documented years now: history, no probability.
    """
    at = _plan(_app(), "hechuan")
    at.switch_page("app/pages/uncertainty.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    probabilities = table["达成概率 %"]
    assert len(table) >= 3 and probabilities.between(0, 100).all()
    assert (table["5%"] <= table["50%"]).all() and (table["50%"] <= table["95%"]).all()


def test_uncertainty_can_draw_the_assumed_parameters_and_says_so():
    """Opt-in checkbox (#18 point 5): off by default; on, the caption names the ranges."""
    at = _plan(_app(), "hechuan")
    at.switch_page("app/pages/uncertainty.py").run()
    captions = " ".join(c.value for c in at.caption)
    assert "假设参数的取值范围" not in captions and not at.checkbox(key="_ens_assumed").value
    at.checkbox(key="_ens_assumed").check().run()
    assert not at.exception and not at.error
    assert "假设参数的取值范围" in " ".join(c.value for c in at.caption)
    assert at.dataframe[0].value["达成概率 %"].between(0, 100).all()


def test_data_page_shows_sources_and_the_calibration_report():
    """Data page shows sources and the calibration report."""
    at = _app()
    at.selectbox(key="_region").set_value("yibin").run()
    at.switch_page("app/pages/data_sources.py").run()
    assert not at.exception and not at.error
    sources = at.dataframe[0].value
    assert "source_quote" not in sources.columns and "原文" in sources.columns
    assert sources["原文"].str.len().gt(0).all()
    if (ROOT / "calibration" / "reports" / "yibin" / "fit_statistics.csv").is_file():
        assert len(at.dataframe) >= 4, "profile, report statistics and forecast tables are shown"


def test_chart_png_renders_chinese_without_missing_glyphs():
    """The PNG download draws with matplotlib; a missing CJK glyph warns (warnings fail tests)."""
    from app import state
    from simulator import app_logic

    scenario = app_logic.load_preset("ningxia", "baseline")
    png = state.charts_png(scenario)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_uploaded_scenario_with_a_short_horizon_keeps_the_policy_year_inside_it():
    """An upload starting after the default policy year must not break the year slider."""
    text = b"name: late\nregion: ningxia\nstart_year: 2028\nend_year: 2035\n"
    at = _app("share")
    at.file_uploader(key="_upload").set_value(("late.yaml", text, "application/x-yaml")).run()
    assert not at.exception and not at.error
    at.switch_page("app/pages/explore.py").run()
    assert not at.exception, at.exception
    year = at.slider(key="_policy_year")
    assert year.min == 2029 and year.value == 2029


def test_explore_warns_when_the_scenario_does_not_converge_in_its_time_step():
    """An uploaded late incubator onset (3.42% on halving DT) gets the advice; the preset none."""
    from test_time_step_advice import incubator_onset

    at = _app()
    assert not [w for w in at.warning if "数值精度" in w.value]
    text = incubator_onset().to_yaml().encode("utf-8")
    at.switch_page("app/pages/share.py").run()
    at.file_uploader(key="_upload").set_value(("onset.yaml", text, "application/x-yaml")).run()
    at.switch_page("app/pages/explore.py").run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning if "数值精度" in w.value]
    assert len(warnings) == 1 and "time_step: 0.015625" in warnings[0], warnings
    assert "高新技术企业" in warnings[0] and "保存与分享" in warnings[0]
    at.radio(key="_lang").set_value("en").run()
    warnings = [w.value for w in at.warning if "Numerical accuracy" in w.value]
    assert len(warnings) == 1 and "set time_step: 0.015625" in warnings[0], warnings
