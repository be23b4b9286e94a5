"""The chart data the shared widgets draw: runs in long form, documented points and targets."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from app import widgets  # noqa: E402
from simulator import app_logic  # noqa: E402
from simulator.scenario import Target  # noqa: E402


def _frames():
    index = pd.Index([2025, 2030], name="year")
    return {
        "base": pd.DataFrame({"gdp": [100.0, 200.0]}, index=index),
        "plan": pd.DataFrame({"gdp": [110.0, 150.0]}, index=index),
    }


def test_long_series_stacks_runs():
    """Long series stacks runs."""
    long = widgets.long_series(_frames(), "gdp")
    assert long.shape == (4, 3) and set(long["series"]) == {"base", "plan"}
    assert long["value"].tolist() == [100.0, 200.0, 110.0, 150.0]
    assert long["year"].tolist() == [2025, 2030, 2025, 2030]


def test_chart_points_keep_one_indicator_with_weight_and_the_model_value():
    documented = pd.DataFrame({
        "indicator": ["gdp", "gdp", "gdp", "rd"],
        "year": [2020.0, 2021.0, 2022.0, 2020.0],
        "value_model": [1.0, 2.0, 3.0, 4.0],
        "value": [10.0, 20.0, 30.0, 40.0],
        "bound": ["equal", "at_least", "equal", "equal"],
        "weight": [1.0, 0.0, 1.0, 1.0],
    })
    points = widgets.chart_points(documented, "gdp", "observed")
    assert points["year"].tolist() == [2020, 2022] and points["value"].tolist() == [1.0, 3.0]
    assert set(points["kind"]) == {"observed"}
    targets = app_logic.targets_frame(
        [Target(indicator="gdp", year=2030, value=5.0, bound="at_least")]
    )
    assert widgets.chart_points(targets, "gdp", "target")["value"].tolist() == [5.0]
    assert widgets.chart_points(targets, "rd", "target") is None
    assert widgets.chart_points(None, "gdp", "target") is None
