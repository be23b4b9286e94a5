"""AppTest checks of the 目标反推 / Goal seeking page (issue #19), on a small, fast problem."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from test_pages import _app  # noqa: E402 - the one way to open the app in a test

from simulator import catalogue  # noqa: E402
from simulator.goal_seek import DEFAULT_SEED  # noqa: E402

PAGE = "app/pages/goal_seek.py"
LEVERS = ["post_subsidy_rate", "government_st_appropriation"]
#: Keys of widgets that belong to a scenario (``_gs_<scenario>_...``).
TARGETS = "_gs_suining-plan_targets"
LOW, HIGH = "_gs_suining-plan_lo_post_subsidy_rate", "_gs_suining-plan_hi_post_subsidy_rate"


def _page() -> AppTest:
    """Suining's plan on the goal seeking page, set to a small problem (2 levers, 20 members)."""
    at = _app()
    at.selectbox(key="_region").set_value("suining").run()
    at.radio(key="_preset").set_value("plan").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    at.multiselect(key="_gs_levers").set_value(LEVERS)
    at.select_slider(key="_gs_n").set_value(20)
    at.number_input(key="_gs_maxiter").set_value(2).run()
    assert not at.exception, at.exception
    return at


def _search(at: AppTest) -> AppTest:
    at.button(key="_gs_run").click().run()
    assert not at.exception, at.exception
    return at


def test_the_page_offers_the_plan_targets_and_the_seed_default():
    at = _page()
    assert at.title[0].value == "目标反推"
    picked = at.multiselect(key=TARGETS).value
    assert sorted(picked) == sorted(f"{name}@2025" for name in (
        "rd_intensity", "high_tech_enterprises", "tech_smes_registered",
        "high_tech_industry_revenue", "tech_contract_turnover"))
    assert at.number_input(key="_gs_seed").value == DEFAULT_SEED
    assert "goal_seek_result" not in at.session_state  # nothing runs before the button
    at.multiselect(key=TARGETS).set_value(["rd_intensity@2025"]).run()
    at.selectbox(key="_region").set_value("yibin").run()  # another plan: its own targets
    assert not at.exception, at.exception
    yibin = at.multiselect(key="_gs_yibin-plan_targets").value
    assert yibin and all(name.endswith("@2022") for name in yibin)


def test_running_shows_the_mix_cost_probabilities_and_chart():
    at = _page()
    at.number_input(key="_gs_suining-plan_value_rd_intensity@2025").set_value(1.0).run()
    _search(at)
    assert not at.error
    result = at.session_state["goal_seek_result"]
    statement = (at.success or at.warning)[0].value
    assert statement == result.statement_zh
    assert at.metric[0].label.startswith("累计贴现财政成本")
    assert at.metric[0].value == f"{result.search.cost:.4g}"
    mix, targets = at.dataframe[0].value, at.dataframe[1].value
    assert list(mix["杠杆"]) == [catalogue.levers()[name].label_zh for name in LEVERS]
    assert {"搜索集合 [%]", "新集合复核 [%]", "起约束作用"} <= set(targets.columns)
    assert len(targets) == 5
    edited = result.table.set_index("indicator").loc["rd_intensity"]
    assert edited["target"] == 1.0 and edited["year"] == 2025, "the edited threshold is sought"
    assert list(targets["新集合复核 [%]"]) == list((100 * result.table["p_recheck"]).round(1))
    assert len(at.get("image")) == 1, "the trade-off chart is drawn"
    # a rerun (language switch) shows the result again without running the model
    at.radio(key="_lang").set_value("en").run()
    assert (at.success or at.warning)[0].value == result.statement_en
    assert at.session_state["goal_seek_result"] is result


def test_send_to_explore_loads_the_mix_like_an_upload():
    at = _search(_page())
    result = at.session_state["goal_seek_result"]
    at.button(key="_gs_send").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "情景探索"
    assert at.session_state["preset"] == "uploaded"
    uploaded = at.session_state["uploaded_scenario"]
    assert uploaded.name == result.scenario.name and uploaded.levers == result.scenario.levers
    assert any(result.scenario.name in c.value for c in at.caption), "Explore names the mix"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda at: at.multiselect(key=TARGETS).set_value(["rd_intensty@2025"]),
         "unknown target 'rd_intensty@2025'"),
        (lambda at: at.multiselect(key=TARGETS).set_value([]), "no target chosen"),
        (lambda at: at.multiselect(key="_gs_levers").set_value(["post_subsidy"]),
         "did you mean 'post_subsidy_rate'"),
        (lambda at: at.number_input(key="_gs_p").set_value(0.0), "must be in (0, 1]"),
        (lambda at: at.number_input(key="_gs_budget").set_value(-1.0), "must not be negative"),
        (lambda at: at.multiselect(key="_gs_levers").set_value([]), "no lever left free"),
        (lambda at: (at.number_input(key=LOW).set_value(0.09),
                     at.number_input(key=HIGH).set_value(0.01)),
         "the lower is above the upper"),
    ],
    ids=["unknown-target", "no-target", "unknown-lever", "p-zero", "negative-budget",
         "no-lever", "empty-bounds"],
)
def test_bad_input_shows_one_error_box_and_no_result(change, message):
    """One box: in English the check's line; in Chinese the same, with no English left."""
    from simulator.app_logic.error_text import untranslated

    at = _page()
    change(at)
    at.run()
    _search(at)
    assert len(at.error) == 1, [e.value for e in at.error]
    assert "\n" not in at.error[0].value and at.error[0].value.startswith("无法反推")
    assert not untranslated(at.error[0].value), at.error[0].value
    at.radio(key="_lang").set_value("en").run()
    _search(at)
    assert len(at.error) == 1, [e.value for e in at.error]
    assert message in at.error[0].value and "\n" not in at.error[0].value
    assert "goal_seek_result" not in at.session_state
