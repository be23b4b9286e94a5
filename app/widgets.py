"""Widgets and charts several pages draw: the sidebar, an indicator chart, an error box."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from app import state
from simulator import app_logic
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
    if not frames:
        return pd.DataFrame(columns=["year", "series", "value"])
    # built from arrays: one concat of small frames took 5 ms a chart
    years = [frame.index.to_numpy() for frame in frames.values()]
    return pd.DataFrame({
        "year": np.concatenate(years),
        "series": np.repeat(list(frames), [len(y) for y in years]),
        "value": np.concatenate([frame[indicator].to_numpy() for frame in frames.values()]),
    })


def points_by_indicator(frame: pd.DataFrame | None, kind: str) -> dict[str, pd.DataFrame]:
    """Return documented points or targets for charts, by indicator (one pass over ``frame``).

    Parameters
    ----------
    frame : pandas.DataFrame or None
        Rows with ``indicator``, ``year``, ``bound`` and ``value`` or
        ``value_model`` (documented figures, or :func:`targets_frame`); rows
        with ``weight`` 0 are left out.
    kind : str
        Label of the points (``kind`` column), e.g. "observed" in the page's language.

    Returns
    -------
    dict of str to pandas.DataFrame
        Per indicator with points: columns ``year`` (int), ``value`` (float),
        ``bound`` (str), ``kind``.
    """
    if frame is None or frame.empty:
        return {}
    mine = frame[frame["weight"] > 0] if "weight" in frame.columns else frame
    value = "value_model" if "value_model" in mine.columns else "value"
    table = pd.DataFrame({"indicator": mine["indicator"], "year": mine["year"].astype(int),
                          "value": mine[value].astype(float),
                          "bound": mine["bound"].astype(str), "kind": kind})
    return {name: rows.drop(columns="indicator")
            for name, rows in table.groupby("indicator", sort=False)}


def chart_points(
    frame: pd.DataFrame | None, indicator: str, kind: str
) -> pd.DataFrame | None:
    """Return one indicator's points of :func:`points_by_indicator`; None when there are none."""
    return points_by_indicator(frame, kind).get(indicator)


def point_layers(observed: pd.DataFrame | None, targets: pd.DataFrame | None,
                 holdout: pd.DataFrame | None = None) -> dict[str, list]:
    """Return the point layers of every indicator's chart: history, hold-out years, targets.

    Built once a rerun and passed to :func:`indicator_chart` (``points``): the
    points do not move with a slider.
    """
    out: dict[str, list] = {}
    for frame, key, shape, colour in (
        (observed, "observed", "circle", "#d62728"),
        (holdout, "holdout_point", "diamond", "#ff7f0e"),
        (targets, "target", "triangle-up", "#2ca02c"),
    ):
        for name, found in points_by_indicator(frame, tr(key)).items():
            out.setdefault(name, []).append((found, shape, colour))
    return out


# Vega-Lite specs as plain dicts, not Altair: Altair took about 40 ms a chart to build,
# serialise and validate a spec, half of Explore's rerun after a slider move (#20).
#: Height of an indicator chart [px].
HEIGHT = 240


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Rows of ``frame`` as JSON-ready dicts (numbers as float or int, NaN as None)."""
    values = [frame[name].tolist() for name in columns]  # Python numbers, not NumPy's
    return [{name: None if isinstance(v, float) and math.isnan(v) else v
             for name, v in zip(columns, row)} for row in zip(*values)]


def _tooltip(*fields: tuple[str, str]) -> list[dict]:
    tips = [{"field": name, "type": kind} for name, kind in fields]
    return [*tips, {"field": "value", "type": "quantitative", "format": ",.4g"}]


#: Colours: the baseline grey, the current scenario (the last series) blue, others in turn.
BASELINE_COLOUR, CURRENT_COLOUR = "#7f7f7f", "#1f77b4"
OTHER_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79")


def _colours(names: list[str], behind: str | None) -> dict:
    """Return the series' colour scale: fixed, so a line keeps its colour across reruns."""
    others = [OTHER_COLOURS[i % len(OTHER_COLOURS)] for i in range(max(len(names) - 1, 0))]
    domain = ([behind] if behind is not None else []) + names
    colours = ([BASELINE_COLOUR] if behind is not None else []) + others + [CURRENT_COLOUR]
    return {"domain": domain, "range": colours[: len(domain)]}


def indicator_spec(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    year_title: str,
    series_title: str,
    band: pd.DataFrame | None = None,
    points: Sequence[tuple[pd.DataFrame, str, str]] = (),
    behind: pd.DataFrame | None = None,
) -> dict:
    """Return the Vega-Lite spec of one indicator: runs as lines, points as marks, a band.

    Layers are drawn in order, each over the last: the ``behind`` run (the
    baseline), the band, the runs, the points.

    Parameters
    ----------
    series : pandas.DataFrame
        Long form: ``year``, ``series``, ``value``; the last series is the
        current scenario (drawn blue, over the others).
    title, unit, year_title, series_title : str
        Chart title, y-axis title (the unit), x-axis and legend titles.
    band : pandas.DataFrame, optional
        ``year``, ``low``, ``high``: the current scenario's band, an area behind its line.
    points : sequence of (DataFrame, shape, colour)
        Point layers, each with ``year``, ``value``, ``bound``, ``kind``.
    behind : pandas.DataFrame, optional
        Long form of one run drawn first, under the band: the baseline (grey, dashed).
    """
    x = {"field": "year", "type": "quantitative", "title": year_title, "axis": {"format": "d"}}
    names = list(dict.fromkeys(series["series"]))
    behind_name = None if behind is None or behind.empty else str(behind["series"].iloc[0])
    colour = {"field": "series", "type": "nominal", "title": series_title,
              "scale": _colours(names, behind_name)}
    tooltip = _tooltip(("series", "nominal"), ("year", "quantitative"))
    layers = []
    if behind_name is not None:
        layers.append({
            "data": {"values": records(behind, ["year", "series", "value"])},
            "mark": {"type": "line", "strokeDash": [6, 3], "strokeWidth": 2},
            "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": unit},
                         "color": colour, "tooltip": tooltip},
        })
    if band is not None:
        layers.append({
            "data": {"values": records(band, ["year", "low", "high"])},
            "mark": {"type": "area", "opacity": 0.2, "color": CURRENT_COLOUR},
            "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "title": unit},
                         "y2": {"field": "high"}},
        })
    layers.append({
        "data": {"values": records(series, ["year", "series", "value"])},
        "mark": {"type": "line"},
        "encoding": {
            "x": x, "y": {"field": "value", "type": "quantitative", "title": unit},
            "color": colour, "tooltip": tooltip,
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
    baseline: pd.DataFrame | None = None,
    points: dict[str, list] | None = None,
) -> dict:
    """Return the Vega-Lite spec of one indicator: runs as lines, history as points, targets.

    ``runs`` maps a series name to a results frame (index year), or is already
    long form (columns ``year``, ``series``, ``value``), the current scenario
    last; ``band`` (optional) has columns ``year``, ``low``, ``high``;
    ``holdout`` (optional) holds the hold-out figures
    (``planning.holdout_points``), drawn apart from the history; ``baseline``
    (optional, a results frame) is drawn first, behind the band and the runs;
    ``points`` (optional) are :func:`point_layers` of ``observed``, ``targets``
    and ``holdout``, built once for all charts. Draw it with :func:`draw_chart`.
    """
    series = runs if isinstance(runs, pd.DataFrame) else long_series(runs, indicator)
    behind = (None if baseline is None
              else long_series({tr("the_baseline"): baseline}, indicator))
    entry = state.indicator_entries()[indicator]
    if points is None:
        points = point_layers(observed, targets, holdout)
    return indicator_spec(
        series, title=f"{app_logic.entry_label(entry, state.lang())} [{entry.unit}]",
        unit=entry.unit, year_title=tr("year"), series_title=tr("series"), band=band,
        points=points.get(indicator, []), behind=behind,
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
    st.error(tr(key, error=state.error_text(error)))  # in the page's language
