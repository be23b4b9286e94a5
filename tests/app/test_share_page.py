"""AppTest checks of #20's share and cost points: a link reopens a scenario, a bad link is one
error, Explore shows the fiscal cost, the Share page offers the link, brief and workbook."""

from __future__ import annotations

import pytest
from conftest import ROOT

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

TIMEOUT = 120


def _open(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, at.exception
    return at


def _fiscal(at: AppTest) -> str:
    line = next(m.value for m in at.markdown if m.value.startswith("**累计贴现财政成本"))
    return line.split(": ", 1)[1].strip("*")


def test_a_link_reopens_region_preset_year_and_levers():
    at = _open({"region": "suining", "preset": "plan", "year": "2023",
                "incubator_capacity": "900"})
    assert at.sidebar.selectbox(key="_region").value == "suining"
    assert at.sidebar.radio(key="_preset").value == "plan"
    assert at.slider(key="_policy_year").value == 2023
    assert at.slider(key="_lever_incubator_capacity").value == 900
    assert any("suining-plan-custom" in c.value for c in at.caption)
    assert not at.error


def test_explore_writes_the_link_of_what_it_shows():
    at = _open()
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.max).run()
    assert not at.exception
    params = at.query_params
    assert params["region"] == "ningxia" and params["preset"] == "baseline"
    assert float(params["incubator_capacity"]) == slider.max
    again = _open({k: v for k, v in params.items()})  # the written link, opened fresh
    assert again.slider(key="_lever_incubator_capacity").value == slider.max


def test_a_bad_link_is_one_error_and_the_app_runs_on():
    at = _open({"region": "suining", "incubator_capacity": "lots"})
    assert len(at.error) == 1
    assert at.error[0].value.startswith("无法打开分享链接:链接:“incubator_capacity”='lots' 必须是")
    assert at.metric, "the page runs on with the defaults"


def test_explore_shows_the_fiscal_cost_against_the_baseline_with_its_basis():
    at = _open({"region": "suining", "preset": "baseline", "year": "2023"})
    assert _fiscal(at) == "+0.00 亿元"
    slider = at.slider(key="_lever_incubator_capacity")
    slider.set_value(slider.max).run()
    cost = _fiscal(at)
    assert cost.startswith("+") and cost != "+0.00 亿元"
    assert any("按 8% 贴现" in c.value and "孵化器在孵容量" in c.value for c in at.caption)


def test_the_share_page_offers_the_link_the_brief_and_the_workbook():
    at = _open({"region": "suining", "preset": "plan", "year": "2024"})
    at.switch_page("app/pages/share.py").run()
    assert not at.exception, at.exception
    link = next(c.value for c in at.code if "?" in c.value)
    assert "region=suining" in link and "preset=plan" in link and "year=2024" in link
    labels = {b.label for b in at.get("download_button")}
    assert {"下载情景简报 PDF", "下载结果 Excel"} <= labels
    assert at.radio(key="_brief_lang").value == "zh"


def test_a_link_reopens_each_levers_own_timing_round_trip():
    """Explore writes a lever's own start year and ramp into the link; a fresh session opened
    on that link shows the same timing and the same numbers."""
    at = _open({"region": "suining", "preset": "plan", "year": "2024"})
    at.slider(key="_lever_incubator_capacity").set_value(2000).run()
    untimed = [m.value for m in at.metric]
    assert "_start_incubator_capacity" not in [n.key for n in at.number_input]
    at.toggle(key="_show_timing").set_value(True).run()  # the entries are drawn on request
    at.number_input(key="_start_incubator_capacity").set_value(2028).run()
    at.number_input(key="_ramp_incubator_capacity").set_value(4).run()
    assert not at.exception
    timed = [m.value for m in at.metric]
    assert timed != untimed, "the later, ramped start changes the headline numbers"
    params = dict(at.query_params)
    assert params["incubator_capacity.start"] == "2028"
    assert params["incubator_capacity.ramp"] == "4"
    again = _open(params)  # the written link, opened in a fresh session
    assert again.number_input(key="_start_incubator_capacity").value == 2028
    assert again.number_input(key="_ramp_incubator_capacity").value == 4
    assert again.slider(key="_lever_incubator_capacity").value == 2000
    assert [m.value for m in again.metric] == timed
    assert dict(again.query_params) == params
