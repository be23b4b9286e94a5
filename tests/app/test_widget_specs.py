"""Tests of the indicator charts' Vega-Lite specs (plain dicts, ``app.widgets``)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from app.widgets import indicator_spec, records  # noqa: E402


def test_records_are_json_ready_with_nan_as_null():
    frame = pd.DataFrame({"year": [2025, 2026], "value": [1.5, math.nan]})
    rows = records(frame, ["year", "value"])
    assert rows == [{"year": 2025, "value": 1.5}, {"year": 2026, "value": None}]
    assert json.loads(json.dumps(rows, allow_nan=False)) == rows


def test_the_spec_layers_band_runs_and_points_in_order():
    series = pd.DataFrame({"year": [2025, 2030], "series": ["基线", "基线"], "value": [1.0, 2.0]})
    band = pd.DataFrame({"year": [2025, 2030], "low": [0.5, 1.0], "high": [1.5, 3.0]})
    points = pd.DataFrame({"year": [2025], "value": [1.2], "bound": ["at_least"],
                           "kind": ["目标"]})
    spec = indicator_spec(series, title="地区生产总值 [亿元]", unit="亿元", year_title="年份",
                          series_title="情景", band=band,
                          points=[(points, "triangle-up", "#2ca02c")])
    json.dumps(spec, allow_nan=False)  # the browser receives it as JSON
    area, line, marks = spec["layer"]
    assert area["mark"]["type"] == "area" and area["data"]["values"][1]["high"] == 3.0
    assert line["encoding"]["color"]["field"] == "series"
    assert line["encoding"]["y"]["title"] == "亿元"
    assert marks["mark"]["shape"] == "triangle-up" and marks["data"]["values"][0]["kind"] == "目标"
    assert spec["title"] == "地区生产总值 [亿元]" and line["encoding"]["x"]["axis"]["format"] == "d"
    assert len(indicator_spec(series, title="t", unit="u", year_title="y",
                              series_title="s")["layer"]) == 1


def test_the_baseline_is_drawn_first_behind_the_band_and_the_scenario():
    series = pd.DataFrame({"year": [2025, 2030] * 2, "series": ["预设值"] * 2 + ["我的"] * 2,
                           "value": [1.0, 2.0, 1.5, 2.5]})
    behind = pd.DataFrame({"year": [2025, 2030], "series": ["基线情景"] * 2,
                           "value": [0.9, 1.8]})
    band = pd.DataFrame({"year": [2025, 2030], "low": [1.2, 2.0], "high": [1.8, 3.0]})
    spec = indicator_spec(series, title="t", unit="u", year_title="y", series_title="s",
                          band=band, behind=behind)
    base, area, lines = spec["layer"]
    assert [r["series"] for r in base["data"]["values"]] == ["基线情景"] * 2
    assert base["mark"]["strokeDash"] and area["mark"]["type"] == "area"
    scale = lines["encoding"]["color"]["scale"]
    assert scale == base["encoding"]["color"]["scale"], "one colour scale for all lines"
    assert scale["domain"] == ["基线情景", "预设值", "我的"]
    colours = dict(zip(scale["domain"], scale["range"]))
    assert colours["基线情景"] == "#7f7f7f" and colours["我的"] == "#1f77b4"
    assert area["mark"]["color"] == colours["我的"], "the band is the current scenario's"
