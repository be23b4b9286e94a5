"""AppTest checks of issue #20: the app as a planner needs it (no traps, the latest facts)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from test_pages import _app  # noqa: E402 - the one way to open the app in a test

from simulator import catalogue  # noqa: E402


def _suining_plan(at: AppTest) -> AppTest:
    at.selectbox(key="_region").set_value("suining").run()
    at.radio(key="_preset").set_value("plan").run()
    assert not at.exception, at.exception
    return at


def _simulated(at: AppTest, label: str, year: int) -> float:
    """The scorecard's simulated value of a target (the first table on Explore)."""
    table = at.dataframe[0].value
    row = table[(table["指标"] == label) & (table["年份"] == year)]
    return float(row["模拟"].iloc[0])


def test_the_policy_year_defaults_before_the_plan_targets_and_levers_move_them():
    at = _suining_plan(_app())
    year = at.slider(key="_policy_year")
    assert year.value <= 2025, "the policy year must not come after the 2025 target year"
    assert not [w for w in at.warning if "2025" in w.value]
    before = _simulated(at, "高新技术企业", 2025)
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.value * 3).run()
    assert not at.exception, at.exception
    assert _simulated(at, "高新技术企业", 2025) != before, "a lever moves the 2025 result"


def test_a_target_year_before_the_policy_year_is_warned_about():
    at = _suining_plan(_app())
    at.slider(key="_policy_year").set_value(2026).run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning if "2025" in w.value]
    assert len(warnings) == 1 and "2026" in warnings[0], [w.value for w in at.warning]


def test_past_targets_show_the_documented_outcome_not_a_probability():
    """Issue #20: the 2020 target "R&D ≥ 10亿" got 55.5%; past years are history."""
    at = _suining_plan(_app())
    at.switch_page("app/pages/uncertainty.py").run()
    assert not at.exception and not at.error
    assert any("suining-plan" in c.value for c in at.caption), "the page names its scenario"
    probabilities, history = at.dataframe[0].value, at.dataframe[1].value
    assert set(probabilities["年份"]) == {2025}, "only open targets get a probability"
    assert "达成概率 %" not in history.columns and "实际" in history.columns
    assert set(history["年份"]) == {2020, 2021, 2023}
    hte = history[(history["指标"] == "高新技术企业") & (history["年份"] == 2023)]
    assert hte["实际"].iloc[0] == 209 and hte["是否达成"].iloc[0] == "达成"
    rd = history[(history["指标"] == "R&D经费投入") & (history["年份"] == 2020)]
    assert rd["是否达成"].iloc[0] == "无统计数据"


def test_the_latest_actuals_stand_beside_headlines_and_targets():
    """Issue #20: 2023's 209 HTEs, 570 SMEs and 593亿 revenue appeared only on the Data page."""
    at = _suining_plan(_app())
    captions = [c.value for c in at.caption]
    for figure in ("209", "570", "593"):
        assert any(figure in c and "2023" in c for c in captions), (figure, captions)
    table = at.dataframe[0].value
    revenue = table[(table["指标"] == "高新技术产业营业收入") & (table["年份"] == 2025)]
    assert revenue["最新实际"].iloc[0] == "593 (2023)"


def _upload_suining(at: AppTest) -> AppTest:
    from conftest import SCENARIOS_DIR

    text = (SCENARIOS_DIR / "suining-plan.yaml").read_bytes().replace(
        b"name: suining-plan", b"name: my-suining"
    )
    at.switch_page("app/pages/share.py").run()
    at.file_uploader(key="_upload").set_value(("mine.yaml", text, "application/x-yaml")).run()
    assert not at.exception and not at.error
    at.switch_page("app/pages/explore.py").run()
    assert "my-suining" in at.caption[0].value and "遂宁" in at.caption[0].value
    return at


def test_an_uploaded_scenario_does_not_survive_a_region_change():
    """Issue #20: the sidebar said 宜宾 while Explore showed the uploaded 遂宁 scenario."""
    at = _upload_suining(_app())
    at.selectbox(key="_region").set_value("yibin").run()
    assert not at.exception, at.exception
    assert "宜宾" in at.caption[0].value and "my-suining" not in at.caption[0].value
    assert "uploaded" not in at.radio(key="_preset").options
    at.switch_page("app/pages/compare.py").run()
    assert not at.exception, at.exception
    assert not [o for o in at.multiselect(key="_compare_pick").options if "suining" in o]


def test_saved_scenarios_of_another_region_are_not_compared():
    at = _app()
    at.slider(key="_lever_incubator_capacity").set_value(1200.0).run()
    at.text_input(key="_save_name").set_value("ningxia-more").run()
    at.button(key="_save").click().run()
    at.selectbox(key="_region").set_value("yibin").run()
    at.switch_page("app/pages/compare.py").run()
    assert not at.exception, at.exception
    assert "ningxia-more" not in at.multiselect(key="_compare_pick").options


def test_the_save_as_name_follows_the_current_scenario():
    """Issue #20: it read "ningxia-baseline" while the user worked on Suining."""
    at = _app()
    assert at.text_input(key="_save_name").value == "ningxia-baseline"
    at = _suining_plan(at)
    assert at.text_input(key="_save_name").value == "suining-plan"
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.value * 2).run()
    assert at.text_input(key="_save_name").value == "suining-plan-custom"


def test_headlines_are_at_the_plan_target_year_against_the_baseline():
    """Issue #20: headlines were for 2035, and their deltas against the preset itself."""
    at = _suining_plan(_app())
    year = at.selectbox(key="_headline_year")
    assert year.value == 2025 and list(year.options) == ["2025", "2035"]
    labels = [m.label for m in at.metric]
    assert all(label.endswith(" 2025") for label in labels), labels
    # the plan pays a 2% R&D post-subsidy from 2022 that the baseline does not
    rd = next(m for m in at.metric if m.label.startswith("R&D经费投入"))
    assert rd.delta and rd.delta.startswith("+"), "the delta is against the baseline"
    year.set_value(2035).run()
    assert all(m.label.endswith(" 2035") for m in at.metric)
    at.radio(key="_preset").set_value("baseline").run()
    assert all(m.delta in (None, "") for m in at.metric), "the baseline against itself"


def test_the_scorecard_shows_the_plan_targets_first_and_collapses_the_past_ones():
    """Issue #20: 21 rows mixing the 2025 plan with past work plans, and a literal None."""
    at = _suining_plan(_app())
    plan = at.dataframe[0].value
    assert set(plan["年份"]) == {2025} and len(plan) == 5
    assert not plan.isna().any().any(), "no empty cell shows as None"
    assert (plan["首次达到年份"] != "None").all()
    assert any(e.label.startswith("往年目标") for e in at.expander)
    history = at.dataframe[1].value
    assert set(history["年份"]) == {2020, 2021, 2023} and "实际" in history.columns


#: Identifiers of the code and the model that the zh interface must not show (issue #20.8).
ENGLISH_IDENTIFIERS = ("equal", "at_least", "at_most", "Dmnl", "/Year", "Stateful", "Auxiliary",
                       "mape", "rmspe", "theil_u", "outcome", "profile+stated", "None")


SNAKE_CASE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])")


def _without_paths(text: str) -> str:
    """Drop file paths, addresses and commands (names a user types stay as they are)."""
    return re.sub(r"\S*[/\\]\S*|python -m simulator[^\n。]*", " ", text)


def _visible_text(at: AppTest) -> list[str]:
    """Labels, values, captions and table cells and headers of the page."""
    out = [str(e.value) for kind in ("title", "subheader", "caption", "markdown", "info",
                                     "warning", "error", "success") for e in getattr(at, kind)
           if not str(e.value).startswith("# Fit report")]  # the bilingual fit.md document
    out += [w.label for kind in ("slider", "selectbox", "radio", "metric", "expander",
                                 "number_input", "text_input", "button", "multiselect",
                                 "select_slider", "checkbox", "toggle", "tabs")
            for w in getattr(at, kind)]
    out += [w.help for kind in ("slider", "number_input") for w in getattr(at, kind) if w.help]
    for frame in at.dataframe:
        table = frame.value
        out += [str(c) for c in table.columns]
        out += [str(v) for column in table.columns
                if table[column].dtype == object or pd.api.types.is_string_dtype(table[column])
                for v in table[column]]
    return out


@pytest.mark.parametrize("page", ["explore", "compare", "uncertainty", "analysis",
                                  "model_structure", "data_sources", "share", "goal_seek"])
def test_the_zh_pages_show_no_english_identifiers(page):
    at = _suining_plan(_app())
    if page != "explore":
        at.switch_page(f"app/pages/{page}.py").run()
    assert not at.exception, at.exception
    found = {(word, text[:80]) for text in _visible_text(at) for word in ENGLISH_IDENTIFIERS
             if word in text.split() or (word.startswith("/") and word in text)
             or word in text.replace("[", " ").replace("]", " ").split()}
    # any code name (snake_case: a lever, an indicator, a column) left in the text
    found |= {(m.group(0), text[:80]) for text in _visible_text(at)
              for m in SNAKE_CASE.finditer(_without_paths(text))}
    assert not found, sorted(found)[:20]


def test_sliders_cover_the_catalogue_range_with_a_number_entry_kept_in_step():
    """Issue #20.9: sliders stopped at 4x the preset, had no number entry, showed Dmnl."""
    from simulator import catalogue

    at = _suining_plan(_app())
    post = at.slider(key="_lever_post_subsidy_rate")
    assert post.max == 100 * catalogue.levers()["post_subsidy_rate"].max == 20.0
    assert "[%]" in post.label and post.value == 2.0, "a rate is shown as %"
    number = at.number_input(key="_lever_post_subsidy_rate_n")
    assert number.value == 2.0
    number.set_value(12.5).run()
    assert not at.exception, at.exception
    assert at.slider(key="_lever_post_subsidy_rate").value == 12.5, "the slider follows"
    assert at.session_state["lever_post_subsidy_rate"] == 0.125, "kept in the model's unit"
    at.slider(key="_lever_post_subsidy_rate").set_value(7.0).run()
    assert at.number_input(key="_lever_post_subsidy_rate_n").value == 7.0, "the entry follows"
    institutions = at.slider(key="_lever_tech_transfer_institutions")
    assert institutions.step == 1 and isinstance(institutions.value, int), "whole institutions"
    assert institutions.max == catalogue.levers()["tech_transfer_institutions"].max


def test_a_lever_with_its_own_start_year_after_the_target_is_warned_and_a_ramp_counts():
    at = _suining_plan(_app())
    before = _simulated(at, "高新技术企业", 2025)
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.value * 3).run()
    at_once = _simulated(at, "高新技术企业", 2025)
    at.toggle(key="_show_timing").set_value(True).run()  # the entries are drawn on request
    at.number_input(key="_ramp_incubator_capacity").set_value(4).run()
    assert not at.exception, at.exception
    ramped = _simulated(at, "高新技术企业", 2025)
    assert before < ramped < at_once, "a ramp reaches the new capacity later"
    at.number_input(key="_start_incubator_capacity").set_value(2027).run()
    assert _simulated(at, "高新技术企业", 2025) == before, "a lever starting in 2027 misses 2025"
    assert [w for w in at.warning if "2027" in w.value and "2025" in w.value]
    at.button(key="_reset").click().run()
    assert at.number_input(key="_start_incubator_capacity").value is None
    assert at.number_input(key="_ramp_incubator_capacity").value == 0


def _chart_specs(at: AppTest) -> list[dict]:
    import json

    return [json.loads(e.proto.spec) for e in at.main
            if getattr(e, "type", "") == "vega_lite_chart"]


@pytest.mark.parametrize("page", ["explore", "uncertainty"])
def test_the_baseline_is_drawn_behind_the_current_scenarios_band(page):
    """Every key chart: the baseline's own layer first, then the scenario's band, then lines."""
    at = _suining_plan(_app())
    at.slider(key="_lever_incubator_capacity").set_value(2000).run()
    if page != "explore":
        at.switch_page(f"app/pages/{page}.py").run()
    assert not at.exception, at.exception
    specs = _chart_specs(at)
    assert len(specs) == len(catalogue.KEY_INDICATORS)
    for spec in specs:
        kinds = [layer["mark"]["type"] for layer in spec["layer"]]
        assert kinds[:3] == ["line", "area", "line"], (spec["title"], kinds)
        first = spec["layer"][0]["data"]["values"]
        assert {row["series"] for row in first} == {"基线情景"}, spec["title"]
        band = spec["layer"][1]["data"]["values"]
        assert any(row["high"] > row["low"] for row in band), spec["title"]
        others = {row["series"] for row in spec["layer"][2]["data"]["values"]}
        assert "基线情景" not in others


#: English words the zh Model page may show: product and interface names a planner knows.
ALLOWED_WORDS = {"Vensim", "English", "Language"}


def test_the_zh_model_page_is_in_chinese_nodes_equations_notes_and_checks():
    """No English word on the zh Model page (#20.8): labels, captions, tables, the focused
    variable's equation and note, the diagram's node labels and the checks' details."""
    at = _suining_plan(_app())
    at.switch_page("app/pages/model_structure.py").run()
    at.button(key="_run_checks").click().run()
    assert not at.exception, at.exception
    texts = _visible_text(at) + [str(c.value) for c in at.code]
    graphs = [e.proto.spec for e in at.main if getattr(e, "type", "") == "graphviz_chart"]
    assert graphs, "the causal diagram is drawn"
    texts += [label for spec in graphs for label in re.findall(r'label="([^"]*)"', spec)]
    assert any("依据:" in t for t in texts), "the focused variable's note is in Chinese"
    assert any(" = " in str(c.value) and "积分" in str(c.value) or "高新技术企业" in str(c.value)
               for c in at.code), "the equation names its variables in Chinese"
    # file names and commands are cited as written (a planner types or opens them so)
    cited = re.compile(r"[\w.-]+\.(?:md|csv|yaml|txt)\b|python -m [\w.]+")
    found = {(word, text[:80]) for text in texts
             for word in re.findall(r"[A-Za-z]{3,}", _without_paths(cited.sub(" ", text)))
             if word not in ALLOWED_WORDS}
    assert not found, sorted(found)[:20]
