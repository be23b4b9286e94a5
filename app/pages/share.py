"""Save and share: the scenario as YAML (download, upload), results as CSV, charts as PNG."""

from __future__ import annotations

import math

import streamlit as st

from app import state, widgets
from simulator import app_logic
from simulator.errors import ScenarioError, UnknownNameError
from simulator.scenario import MAX_SCENARIO_BYTES, scenario_from_yaml

tr = state.tr


def _load_upload() -> None:
    """``on_change`` of the uploader: validate the file, make it the current scenario."""
    upload = st.session_state.get("_upload")
    if upload is None:
        return
    try:
        scenario = scenario_from_yaml(upload.getvalue(), source=upload.name, model=state.model())
    except (ScenarioError, UnknownNameError, TypeError, ValueError) as error:
        st.session_state["upload_message"] = ("error", tr("upload_error", error=str(error)))
        return
    state.upload(scenario)
    st.session_state["upload_message"] = (
        "success",
        tr(
            "upload_ok",
            name=scenario.name,
            region=app_logic.region_label(scenario.region, state.lang()),
        ),
    )


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    st.title(tr("page_share"))
    st.file_uploader(
        tr("upload_yaml"),
        type=["yaml", "yml"],
        key="_upload",
        on_change=_load_upload,
        # the browser refuses larger files; scenario_from_yaml checks the exact byte limit
        max_upload_size=math.ceil(MAX_SCENARIO_BYTES / 2**20),
    )
    kind, message = st.session_state.pop("upload_message", (None, None))
    if kind == "error":
        st.error(message)
    elif kind == "success":
        st.success(message)

    try:
        _, scenario = state.scenarios()
        frame, units = state.run(scenario)
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    yaml_text = app_logic.scenario_key(scenario)
    st.subheader(f"{tr('current_scenario')}: {scenario.name}")
    columns = st.columns(3)
    columns[0].download_button(
        tr("download_yaml"),
        yaml_text.encode("utf-8"),
        file_name=f"{scenario.name}.yaml",
        mime="application/x-yaml",
        on_click="ignore",
    )
    columns[1].download_button(
        tr("download_csv"),
        app_logic.results_csv(frame, units),
        file_name=f"{scenario.name}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    columns[2].download_button(
        tr("download_png"),
        lambda: state.charts_png(scenario),
        file_name=f"{scenario.name}.png",
        mime="image/png",
        on_click="ignore",
    )
    st.code(yaml_text, language="yaml")

    st.subheader(tr("saved_scenarios"))
    if not state.saved():
        st.caption(tr("none_saved"))
    for name, kept in state.saved().items():
        st.download_button(
            f"{name}.yaml",
            kept.to_yaml().encode("utf-8"),
            file_name=f"{name}.yaml",
            mime="application/x-yaml",
            key=f"_saved_{name}",
            on_click="ignore",
        )


render()
