"""AppTest checks of issue #20.7: the tornado, a sweep's results, the links from Explore."""

from __future__ import annotations

import pytest
from test_analysis import sweep_folder  # noqa: F401 - the fixture, shared

pytest.importorskip("streamlit")
from test_pages import _app  # noqa: E402
from test_planner_pages import _suining_plan  # noqa: E402


def test_explore_links_to_the_analysis_page_and_the_tornado_ranks_the_levers():
    at = _suining_plan(_app())
    links = [link.proto.page for link in at.get("page_link")]
    assert "analysis" in links, links
    at.switch_page("app/pages/analysis.py").run()
    assert not at.exception and not at.error, (at.exception, at.error)
    target = at.selectbox(key="_tornado_target")
    assert target.value == ("rd_intensity", 2025), "the plan's first open target"
    at.selectbox(key="_tornado_target").set_value(("high_tech_enterprises", 2025)).run()
    bars = at.dataframe[0].value
    from conftest import SCENARIOS_DIR

    from simulator import catalogue
    from simulator.app_logic import analysis
    from simulator.scenario import Target, load_scenario

    plan = load_scenario(SCENARIOS_DIR / "suining-plan.yaml")
    expected = analysis.tornado(plan, Target("high_tech_enterprises", 2025, 0.0),
                                at.session_state["policy_year"])
    labels = [catalogue.levers()[n].label_zh for n in expected["lever"]]
    assert list(bars["政策杠杆"]) == labels, "the page shows the logic's ranking"
    effects = bars["影响(高值 − 低值)"].abs().tolist()
    assert effects == sorted(effects, reverse=True) and effects[0] > 0
    assert bars.loc[bars["政策杠杆"] == "研发投入后补助比例", "杠杆低值"].iloc[0] == "1 %"


def test_a_goal_seek_page_is_linked_once_it_exists():
    from pathlib import Path

    from conftest import ROOT

    at = _app()
    present = (Path(ROOT) / "app" / "pages" / "goal_seek.py").is_file()
    links = [link.proto.page for link in at.get("page_link")]
    assert ("goal_seek" in links) == present, links


def test_a_sweep_folder_shows_its_summary_indices_and_prim_boxes(sweep_folder):  # noqa: F811
    at = _app()
    at.switch_page("app/pages/analysis.py").run()
    at.text_input(key="_sweep_folder").set_value(str(sweep_folder)).run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert any("suining-plan-sobol" in m.value and "160" in m.value for m in at.markdown)
    headers = [list(d.value.columns) for d in at.dataframe]
    sensitivity = next(d.value for d in at.dataframe if "ST" in d.value.columns)
    assert "研发投入后补助比例" in set(sensitivity["政策杠杆"]), headers
    prim = next(d.value for d in at.dataframe if "区间内达成率 %" in d.value.columns)
    assert (prim["下限"] <= prim["上限"]).all() and len(prim) >= 1


def test_a_folder_that_is_no_sweep_is_one_error(tmp_path):
    at = _app()
    at.switch_page("app/pages/analysis.py").run()
    at.text_input(key="_sweep_folder").set_value(str(tmp_path)).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "manifest.json" in at.error[0].value
