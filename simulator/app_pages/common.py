"""What every page shares: cached model and runs, the sidebar, state and charts.

Widgets keep their values across pages with Streamlit's documented pattern
for multipage apps: the value lives under a plain session-state key and is
copied into the widget's own key (``"_" + key``) before the widget is drawn,
and back in its ``on_change`` callback.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from simulator import app_logic, catalogue, report
from simulator.i18n import LANGUAGES, t
from simulator.engine.model import load_model
from simulator.runner import run_scenario
from simulator.scenario import REGIONS, Scenario, scenario_from_yaml
from simulator.time_step_advice import check_time_step

DEFAULT_REGION = "ningxia"
DEFAULT_POLICY_YEAR = 2026  # first year of the 15th Five-Year Plan period (2026-2030)


# ------------------------------------------------------------------ caches
@st.cache_resource(show_spinner=False)
def model():
    """Return the translated core model, shared by all sessions (runs work on a copy)."""
    return load_model()


@st.cache_data(show_spinner=False, max_entries=512)
def run_yaml(yaml_text: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Results of a scenario, cached by its YAML text."""
    results = run_scenario(scenario_from_yaml(yaml_text, model=model()), model=model())
    return results.frame, results.units


@st.cache_data(show_spinner=False, max_entries=512)
def time_step_advice_yaml(yaml_text: str):
    """Time-step advice of a scenario (None when it converges), reusing its cached run."""
    frame, _ = run_yaml(yaml_text)
    scenario = scenario_from_yaml(yaml_text, model=model())
    return check_time_step(scenario, model=model(), coarse=frame)[1]


@st.cache_data(show_spinner=False, max_entries=32)
def preset_yaml(region: str, preset: str) -> str:
    """YAML text of a region's preset scenario (validated)."""
    return app_logic.load_preset(region, preset, model()).to_yaml()


@st.cache_data(show_spinner=False)
def documented(region: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Documented outcomes and targets of a region."""
    return report.documented_points(region)


@st.cache_data(show_spinner=False, max_entries=64)
def charts_png(yaml_text: str) -> bytes:
    """Draw the key indicators with history and targets as PNG (Chinese and English labels)."""
    from simulator.plotting import plot_series

    scenario = scenario_from_yaml(yaml_text, model=model())
    frame, units = run_yaml(yaml_text)
    observed, documented_targets = report.documented_points(scenario.region)
    targets = app_logic.targets_frame(app_logic.all_targets(scenario, documented_targets))
    entries = catalogue.indicators(model())
    names = list(catalogue.KEY_INDICATORS)
    figure = plot_series(
        frame,
        indicators=names,
        units=units,
        observed=observed,
        targets=targets,
        labels={n: (entries[n].label_zh, entries[n].label_en) for n in names},
        title=f"{scenario.title_zh or scenario.name} · {scenario.name}",
    )
    return app_logic.figure_png(figure)


def run(scenario: Scenario) -> tuple[pd.DataFrame, dict[str, str]]:
    """Results frame and units of a scenario (cached by its YAML)."""
    return run_yaml(app_logic.scenario_key(scenario))


# ------------------------------------------------------------------- state
def lang() -> str:
    """Return the chosen language code."""
    return st.session_state.get("lang", "zh")


def tr(key: str, **values) -> str:
    """Interface string in the chosen language."""
    return t(key, lang(), **values)


def kept(key: str, default) -> str:
    """Prepare a widget that keeps its value across pages; return the widget key."""
    if key not in st.session_state:
        st.session_state[key] = default
    st.session_state["_" + key] = st.session_state[key]
    return "_" + key


def store(key: str) -> None:
    """``on_change`` callback: copy a widget's value to its kept key."""
    st.session_state[key] = st.session_state["_" + key]


def sidebar() -> None:
    """Language switch, region and preset (on every page)."""
    with st.sidebar:
        st.radio(
            t("language", lang()),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            horizontal=True,
            key=kept("lang", "zh"),
            on_change=store,
            args=("lang",),
        )
        code = lang()  # bound now: a format_func may be called outside the script run
        st.selectbox(
            tr("region"),
            REGIONS,
            format_func=lambda r: app_logic.region_label(r, code),
            key=kept("region", DEFAULT_REGION),
            on_change=store,
            args=("region",),
        )
        presets = list(app_logic.PRESETS) + (
            ["uploaded"] if "uploaded_yaml" in st.session_state else []
        )
        if st.session_state.get("preset") not in presets:
            st.session_state["preset"] = "baseline"
        st.radio(
            tr("preset"),
            presets,
            format_func=lambda p: t(f"preset_{p}", code),
            horizontal=True,
            key=kept("preset", "baseline"),
            on_change=store,
            args=("preset",),
        )


def base_scenario() -> Scenario:
    """Return the chosen preset (or uploaded) scenario; note when the plan is missing."""
    region = st.session_state.get("region", DEFAULT_REGION)
    preset = st.session_state.get("preset", "baseline")
    if preset == "uploaded" and "uploaded_yaml" in st.session_state:
        return scenario_from_yaml(st.session_state["uploaded_yaml"], model=model())
    if preset not in app_logic.available_presets(region):
        st.info(tr("plan_missing", region=region))
        preset = "baseline"
    return scenario_from_yaml(preset_yaml(region, preset), model=model())


def lever_values(base: Scenario) -> dict[str, float]:
    """Slider values of the levers; reset to the preset's when the preset changes."""
    specs = app_logic.slider_specs(base, model())
    signature = app_logic.scenario_key(base)
    if st.session_state.get("lever_base") != signature:
        st.session_state["lever_base"] = signature
        for name, spec in specs.items():
            st.session_state[f"lever_{name}"] = spec.value
    return {
        name: float(st.session_state.get(f"lever_{name}", spec.value))
        for name, spec in specs.items()
    }


def current_scenario() -> tuple[Scenario, Scenario]:
    """(preset scenario, scenario with the planner's lever values)."""
    base = base_scenario()
    year = int(st.session_state.get("policy_year", DEFAULT_POLICY_YEAR))
    year = min(max(year, base.start_year + 1), base.end_year)
    return base, app_logic.apply_levers(base, lever_values(base), year, model())


def saved() -> dict[str, str]:
    """Return the user's saved scenarios: name to YAML text (this session)."""
    return st.session_state.setdefault("saved", {})


# ------------------------------------------------------------------ charts
def indicator_chart(
    series: pd.DataFrame,
    indicator: str,
    observed: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    band: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Altair chart of one indicator: runs as lines, documented history as points, targets as marks.

    ``series`` has columns ``year``, ``series``, ``value``; ``band`` (optional)
    ``year``, ``low``, ``high``.
    """
    entry = catalogue.indicators(model())[indicator]
    title = f"{app_logic.entry_label(entry, lang())} [{entry.unit}]"
    x = alt.X("year:Q", title=tr("year"), axis=alt.Axis(format="d"))
    layers = []
    if band is not None:
        layers.append(
            alt.Chart(band)
            .mark_area(opacity=0.25)
            .encode(x=x, y=alt.Y("low:Q", title=entry.unit), y2="high:Q")
        )
    layers.append(
        alt.Chart(series)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("value:Q", title=entry.unit),
            color=alt.Color("series:N", title=tr("series")),
            tooltip=["series", "year", alt.Tooltip("value:Q", format=",.4g")],
        )
    )
    for frame, key, shape, colour in (
        (observed, "observed", "circle", "#d62728"),
        (targets, "target", "triangle-up", "#2ca02c"),
    ):
        if frame is None:
            continue
        mine = frame[frame["indicator"] == indicator]
        if "weight" in mine.columns:
            mine = mine[mine["weight"] > 0]
        if mine.empty:
            continue
        value = "value_model" if "value_model" in mine.columns else "value"
        points = pd.DataFrame(
            {
                "year": mine["year"].astype(int),
                "value": mine[value].astype(float),
                "bound": mine["bound"].astype(str),
                "kind": tr(key),
            }
        )
        layers.append(
            alt.Chart(points)
            .mark_point(shape=shape, size=70, filled=True, color=colour)
            .encode(
                x=x,
                y="value:Q",
                tooltip=["kind", "year", "bound", alt.Tooltip("value:Q", format=",.4g")],
            )
        )
    return alt.layer(*layers).properties(title=title, height=240)


def error_box(key: str, error: Exception) -> None:
    """Show an error in the page, one line, no traceback."""
    message = str(error.args[0]) if error.args else str(error)
    st.error(tr(key, error=message))
