"""Twin city: the Chengdu-Chongqing circle's flows between regions and each region's results."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import twin_city as logic
from simulator.twin_city import scenario as twin

tr = state.tr


@st.cache_data(show_spinner=False)
def _run() -> twin.TwinScenarioRun:
    """Run the shipped twin-city scenario, without and with its measures (cached)."""
    return twin.run()


def _network(run: twin.TwinScenarioRun, year: int, measures: bool) -> alt.LayerChart:
    edges = logic.contract_edges(run, year, measures=measures)
    points = logic.nodes(run, year)
    lines = alt.Chart(edges).mark_rule(opacity=0.6).encode(
        x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("value:Q", title=tr("twin_flow")),
        tooltip=["seller", "buyer", alt.Tooltip("value:Q", format=".2f")],
    )
    dots = alt.Chart(points).mark_circle(opacity=0.9).encode(
        x="x:Q", y="y:Q", size=alt.Size("value:Q", title=tr("twin_turnover")),
        tooltip=["region", alt.Tooltip("value:Q", format=".1f")],
    )
    labels = dots.mark_text(dy=-14).encode(text="region")
    return (lines + dots + labels).properties(height=420)


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    st.title(tr("page_twin_city"))
    st.caption(tr("twin_intro"))
    try:
        run = _run()
    except (ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    years = list(run.with_measures.frames["chengdu"].index)
    year = st.select_slider(tr("twin_year"), options=years, value=2030, key="_twin_year")
    measures = st.toggle(tr("twin_with_measures"), value=True, key="_twin_measures")
    st.altair_chart(_network(run, year, measures), use_container_width=True)
    entries = catalogue.indicators(state.model())
    names = list(entries)
    indicator = st.selectbox(
        tr("twin_indicator"), names, index=names.index("high_tech_enterprises"),
        format_func=lambda n: app_logic.entry_label(entries[n], state.lang()), key="_twin_ind",
    )
    chart = alt.Chart(logic.comparison(run, indicator)).mark_line().encode(
        x="year:O", y=alt.Y("value:Q", title=entries[indicator].unit),
        color="run:N", facet=alt.Facet("region:N", columns=3),
    ).resolve_scale(y="independent").properties(width=220, height=160)
    st.altair_chart(chart)
    st.subheader(tr("twin_targets"))
    st.dataframe(logic.targets_table(run), hide_index=True)
    st.subheader(tr("twin_measures"))
    st.dataframe([{k: m.get(k) for k in ("name", "lever", "from", "to", "value", "year",
                                          "quote", "source")} for m in run.scenario.measures],
                 hide_index=True)


render()
