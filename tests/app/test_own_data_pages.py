"""AppTest checks of issue #20.9: a planner's own figures and targets, in this session only."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import ROOT

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from test_pages import _app  # noqa: E402
from test_planner_pages import _suining_plan  # noqa: E402


def _package_digest() -> dict[str, str]:
    """SHA-256 of every file of the package (its data, scenarios and model included)."""
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((ROOT / "simulator").rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _chart_points(at: AppTest, title: str) -> list[dict]:
    """Rows of every layer of the Explore chart whose title starts with ``title``.

    The charts are plain Vega-Lite specs with their data inline (``app/widgets.py``).
    """
    specs = [json.loads(e.proto.spec) for e in at.main
             if getattr(e, "type", "") == "vega_lite_chart"]
    chart = next(spec for spec in specs if str(spec.get("title", "")).startswith(title))
    rows = [row for layer in chart["layer"] for row in layer.get("data", {}).get("values", [])]
    return rows


def _add_figure(at, indicator, year, value, source) -> AppTest:
    at.selectbox(key="_own_fig_indicator").set_value(indicator)
    at.number_input(key="_own_fig_year").set_value(year)
    at.number_input(key="_own_fig_value").set_value(value)
    at.text_input(key="_own_fig_source").set_value(source)
    return at.button(key="_own_fig_add").click().run()


def test_a_figure_and_a_target_edit_reach_the_charts_and_the_scorecard_and_no_file():
    before = _package_digest()
    at = _suining_plan(_app())
    at.switch_page("app/pages/data_sources.py").run()
    _add_figure(at, "high_tech_enterprises", 2024, 250, "遂宁市2024年统计公报")
    assert not at.exception and not at.error, (at.exception, at.error)
    at.selectbox(key="_own_tgt_indicator").set_value("high_tech_enterprises")
    at.number_input(key="_own_tgt_year").set_value(2025)
    at.number_input(key="_own_tgt_value").set_value(400)
    at.selectbox(key="_own_tgt_bound").set_value("at_least")
    at.button(key="_own_tgt_add").click().run()
    assert not at.exception and not at.error
    mine = next(d.value for d in at.dataframe if "遂宁市2024年统计公报" in d.value.to_string())
    assert len(mine) == 2

    at.switch_page("app/pages/explore.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    hte = table[(table["指标"] == "高新技术企业") & (table["年份"] == 2025)]
    assert hte["规划目标"].iloc[0] == 400, "the edited target is on the scorecard"
    assert hte["最新实际"].iloc[0] == "250 (2024)", "the figure is the latest actual"
    points = _chart_points(at, "高新技术企业")
    assert {"year": 2024, "value": 250.0} in [{"year": p.get("year"), "value": p.get("value")}
                                               for p in points], "the figure is on the chart"
    assert any(p.get("year") == 2025 and p.get("value") == 400.0 and p.get("kind") == "规划目标"
               for p in points), "the edited target is on the chart"
    assert _package_digest() == before, "nothing is written into the package"


@pytest.mark.parametrize(
    "value, source, message",
    [(250, "", "source is required"), (-5, "x", "must not be negative")],
)
def test_a_bad_figure_is_one_error_box_and_nothing_is_kept(value, source, message):
    at = _suining_plan(_app())
    at.switch_page("app/pages/data_sources.py").run()
    _add_figure(at, "high_tech_enterprises", 2024, value, source)
    assert not at.exception, at.exception
    from simulator.app_logic import user_data
    from simulator.app_logic.error_text import error_line, untranslated

    with pytest.raises(ValueError) as caught:  # the check's own line (a ScenarioError)
        user_data.check_figure("high_tech_enterprises", 2024, value, source)
    assert message in str(caught.value)
    chinese = error_line(str(caught.value), "zh")
    assert not untranslated(chinese)
    assert len(at.error) == 1 and chinese in at.error[0].value, [e.value for e in at.error]
    kept = at.session_state["user_figures"] if "user_figures" in at.session_state else {}
    assert not kept.get("suining"), "a refused figure is not kept"
