"""Widgets and charts several pages draw: the sidebar, an indicator chart, an error box."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app import state
from simulator import app_logic, catalogue
from simulator.app_logic import planning, terms
from simulator.i18n import LANGUAGES, t
from simulator.scenario import REGIONS

tr = state.tr


def sidebar() -> None:
    """Draw the language switch, region and preset (on every page)."""
    with st.sidebar:
        st.radio(
            t("language", state.lang()),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            horizontal=True,
            key=state.kept(state.LANG, "zh"),
            on_change=state.store,
            args=(state.LANG,),
        )
        code = state.lang()  # bound now: a format_func may be called outside the script run
        st.selectbox(
            tr("region"),
            REGIONS,
            format_func=lambda r: app_logic.region_label(r, code),
            key=state.kept(state.REGION, state.DEFAULT_REGION),
            on_change=state.change_region,
        )
        presets = state.presets()
        if st.session_state.get(state.PRESET) not in presets:
            st.session_state[state.PRESET] = "baseline"
        st.radio(
            tr("preset"),
            presets,
            format_func=lambda p: t(f"preset_{p}", code),
            horizontal=True,
            key=state.kept(state.PRESET, "baseline"),
            on_change=state.store,
            args=(state.PRESET,),
        )


def long_series(frames: dict[str, pd.DataFrame], indicator: str) -> pd.DataFrame:
    """One indicator of several runs, long form (``year``, ``series``, ``value``) for a chart."""
    parts = [
        pd.DataFrame(
            {"year": frame.index.to_numpy(), "series": name, "value": frame[indicator].to_numpy()}
        )
        for name, frame in frames.items()
    ]
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["year", "series", "value"])
    )


def chart_points(
    frame: pd.DataFrame | None, indicator: str, kind: str
) -> pd.DataFrame | None:
    """Return one indicator's documented points or targets for a chart; None when there are none.

    Parameters
    ----------
    frame : pandas.DataFrame or None
        Rows with ``indicator``, ``year``, ``bound`` and ``value`` or
        ``value_model`` (documented figures, or :func:`targets_frame`); rows
        with ``weight`` 0 are left out.
    indicator : str
    kind : str
        Label of the points (``kind`` column), e.g. "observed" in the page's language.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``year`` (int), ``value`` (float), ``bound`` (str), ``kind``.
    """
    if frame is None:
        return None
    mine = frame[frame["indicator"] == indicator]
    if "weight" in mine.columns:
        mine = mine[mine["weight"] > 0]
    if mine.empty:
        return None
    value = "value_model" if "value_model" in mine.columns else "value"
    return pd.DataFrame(
        {
            "year": mine["year"].astype(int),
            "value": mine[value].astype(float),
            "bound": mine["bound"].astype(str),
            "kind": kind,
        }
    )


# Vega-Lite specs as plain dicts, not Altair: Altair took about 40 ms a chart to build,
# serialise and validate a spec, half of Explore's rerun after a slider move (#20).
#: Height of an indicator chart [px].
HEIGHT = 240


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Rows of ``frame`` as JSON-ready dicts (numbers as float or int, NaN as None)."""
    out = []
    for row in frame[list(columns)].itertuples(index=False):
        item = {}
        for name, value in zip(columns, row):
            if isinstance(value, float) and math.isnan(value):
                value = None
            elif hasattr(value, "item"):
                value = value.item()
            item[name] = value
        out.append(item)
    return out


def _tooltip(*fields: tuple[str, str]) -> list[dict]:
    tips = [{"field": name, "type": kind} for name, kind in fields]
    return [*tips, {"field": "value", "type": "quantitative", "format": ",.4g"}]


def indicator_spec(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    year_title: str,
    series_title: str,
    band: pd.DataFrame | None = None,
    points: Sequence[tuple[pd.DataFrame, str, str]] = (),
) -> dict:
    """Return the Vega-Lite spec of one indicator: runs as lines, points as marks, a band.

    Parameters
    ----------
    series : pandas.DataFrame
        Long form: ``year``, ``series``, ``value``.
    title, unit, year_title, series_title : str
        Chart title, y-axis title (the unit), x-axis and legend titles.
    band : pandas.DataFrame, optional
        ``year``, ``low``, ``high``: an area behind the lines.
    points : sequence of (DataFrame, shape, colour)
        Point layers, each with ``year``, ``value``, ``bound``, ``kind``.
    """
    x = {"field": "year", "type": "quantitative", "title": year_title, "axis": {"format": "d"}}
    layers = []
    if band is not None:
        layers.append({
            "data": {"values": records(band, ["year", "low", "high"])},
            "mark": {"type": "area", "opacity": 0.25},
            "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "title": unit},
                         "y2": {"field": "high"}},
        })
    layers.append({
        "data": {"values": records(series, ["year", "series", "value"])},
        "mark": {"type": "line"},
        "encoding": {
            "x": x, "y": {"field": "value", "type": "quantitative", "title": unit},
            "color": {"field": "series", "type": "nominal", "title": series_title},
            "tooltip": _tooltip(("series", "nominal"), ("year", "quantitative")),
        },
    })
    for frame, shape, colour in points:
        layers.append({
            "data": {"values": records(frame, ["year", "value", "bound", "kind"])},
            "mark": {"type": "point", "shape": shape, "size": 70, "filled": True,
                     "color": colour},
            "encoding": {
                "x": x, "y": {"field": "value", "type": "quantitative"},
                "tooltip": _tooltip(("kind", "nominal"), ("year", "quantitative"),
                                    ("bound", "nominal")),
            },
        })
    return {"title": title, "height": HEIGHT, "layer": layers}


def indicator_chart(
    runs: dict[str, pd.DataFrame] | pd.DataFrame,
    indicator: str,
    observed: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    band: pd.DataFrame | None = None,
    holdout: pd.DataFrame | None = None,
) -> dict:
    """Return the Vega-Lite spec of one indicator: runs as lines, history as points, targets.

    ``runs`` maps a series name to a results frame (index year), or is already
    long form (columns ``year``, ``series``, ``value``); ``band`` (optional)
    has columns ``year``, ``low``, ``high``; ``holdout`` (optional) holds the
    hold-out figures (``planning.holdout_points``), drawn apart from the history.
    Draw it with :func:`draw_chart`.
    """
    series = runs if isinstance(runs, pd.DataFrame) else long_series(runs, indicator)
    entry = catalogue.indicators(state.model())[indicator]
    points = []
    for frame, key, shape, colour in (
        (observed, "observed", "circle", "#d62728"),
        (holdout, "holdout_point", "diamond", "#ff7f0e"),
        (targets, "target", "triangle-up", "#2ca02c"),
    ):
        found = chart_points(frame, indicator, tr(key))
        if found is not None:
            points.append((found, shape, colour))
    return indicator_spec(
        series, title=f"{app_logic.entry_label(entry, state.lang())} [{entry.unit}]",
        unit=entry.unit, year_title=tr("year"), series_title=tr("series"), band=band,
        points=points,
    )


def draw_chart(container, spec: dict) -> None:
    """Draw a chart spec of :func:`indicator_chart` in ``container`` at its full width."""
    container.vega_lite_chart(spec=spec, width="stretch")


def target_columns() -> dict:
    """Column settings of a target table: the indicator wide enough, sources as links."""
    return {
        tr("indicator"): st.column_config.TextColumn(width="medium"),
        tr("source"): st.column_config.LinkColumn(display_text=r"(?:https://)?([^/]+)/.*"),
    }


def past_targets(past: list, region: str | None) -> None:
    """Draw past targets against their documented outcome (met, missed, not documented)."""
    if not past:
        return
    label = "label_zh" if state.lang() == "zh" else "label_en"
    table = planning.past_targets_table(past, state.actuals(region))
    table["met"] = [tr("no_actual") if m is None else tr("yes" if m else "no")
                    for m in table["met"]]
    headers = {**app_logic.scorecard_headers(tr, label), "actual": tr("actual")}
    table["source"] = [planning.source_link(s) for s in table["source"]]
    table["bound"] = [terms.bound_label(b, state.lang()) for b in table["bound"]]
    shown = table[[label, "unit", "year", "bound", "target", "actual", "met", "source"]]
    st.caption(tr("past_targets_note", year=state.last_data_year(region)))
    st.dataframe(shown.rename(columns=headers), hide_index=True,
                 column_config=target_columns())


def ran_scenario(scenario) -> None:
    """Name the scenario a page ran, with its region."""
    name = (scenario.title_zh if state.lang() == "zh" else scenario.title_en) or scenario.name
    if name != scenario.name:
        name = f"{name} · {scenario.name}"
    st.caption(tr("ran_scenario", name=name,
                  region=app_logic.region_label(scenario.region, state.lang())))


def error_box(key: str, error: Exception) -> None:
    """Show an error in the page, one line, no traceback."""
    message = str(error.args[0]) if error.args else str(error)
    st.error(tr(key, error=message))
