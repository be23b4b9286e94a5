"""Twin city: the Chengdu-Chongqing circle's flows between regions and each region's results."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app import state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import terms
from simulator.app_logic import twin_city as logic
from simulator.twin_city import scenario as twin

tr = state.tr


@st.cache_data(show_spinner=False)
def _run() -> twin.TwinScenarioRun:
    """Run the shipped twin-city scenario, without and with its measures (cached)."""
    return twin.run()


@st.cache_data(show_spinner=False)
def _ensemble(n: int, seed: int) -> logic.CircleEnsemble:
    """Members of the circle without and with the measures (cached per size and seed)."""
    return logic.circle_ensemble(n, seed)


def _bands_chart(bands, unit: str) -> alt.FacetChart:
    base = alt.Chart(bands).encode(
        x=alt.X("year:O", title=tr("twin_year")),
        color=alt.Color("run_label:N", title=tr("twin_run")))
    area = base.mark_area(opacity=0.25).encode(y=alt.Y("low:Q", title=unit), y2="high:Q")
    line = base.mark_line().encode(y="median:Q")
    return alt.layer(area, line).properties(width=220, height=160).facet(
        facet=alt.Facet("name:N", title=tr("twin_region")), columns=3,
    ).resolve_scale(y="independent")


def _uncertainty(indicator: str, unit: str) -> None:
    """Draw the per-region 90% bands of ``indicator`` and each target's probability."""
    st.subheader(tr("twin_bands"))
    columns = st.columns(2)
    n = columns[0].selectbox(tr("ensemble_size"), [50, 100, 200, 500], index=2, key="_twin_n")
    seed = int(columns[1].number_input(tr("seed"), 0, 2**31 - 1, logic.SEED, key="_twin_seed"))
    with st.spinner(tr("run_ensemble")):
        ensemble = _ensemble(int(n), seed)
    bands = logic.region_bands(ensemble, indicator, lang=state.lang())
    bands["run_label"] = bands["run"].map({"without": tr("twin_without"), "with": tr("twin_with")})
    st.altair_chart(_bands_chart(bands, unit))
    st.caption(tr("twin_band_note", n=n, seed=seed))
    st.subheader(tr("twin_probability"))
    table = logic.target_probabilities(ensemble, state.lang())
    table["bound"] = [terms.bound_label(b, state.lang()) for b in table["bound"]]
    probability = f"{tr('probability')} %"
    st.dataframe(table.rename(columns={
        "region": tr("twin_region"), "indicator": tr("indicator"), "unit": tr("unit"),
        "year": tr("year"), "bound": tr("bound"), "target": tr("target"),
        "p_met_without": f"{probability} ({tr('twin_without')})",
        "p_met_with": f"{probability} ({tr('twin_with')})",
        "value_q50_without": f"50% ({tr('twin_without')})",
        "value_q50_with": f"50% ({tr('twin_with')})",
    }), hide_index=True)


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
    _uncertainty(indicator, entries[indicator].unit)
    st.subheader(tr("twin_measures"))
    st.dataframe([{k: m.get(k) for k in ("name", "lever", "from", "to", "value", "year",
                                          "quote", "source")} for m in run.scenario.measures],
                 hide_index=True)


render()
