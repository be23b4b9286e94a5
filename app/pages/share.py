"""Save and share: the scenario as YAML and as a link, results as CSV/Excel, a PDF brief."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import streamlit as st

from app import state, widgets
from simulator import app_logic
from simulator.errors import ScenarioError, UnknownNameError
from simulator.i18n import LANGUAGES
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
        st.session_state["upload_message"] = ("error",
                                              tr("upload_error", error=state.error_text(error)))
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


def _share(base, scenario) -> None:
    """Offer the link that reopens the scenario, the brief (PDF) and the workbook (Excel)."""
    st.subheader(tr("share_link"))
    page = (st.context.url or "").rstrip("/")
    root = page[: -len("/share")] if page.endswith("/share") else page
    st.code(f"{root}/?{urlencode(state.link_params(base))}", language=None)
    st.caption(tr("share_link_note"))
    baseline = state.baseline(scenario) or base
    year = state.policy_year(base)
    lang = st.radio(tr("brief_language"), list(LANGUAGES), format_func=LANGUAGES.get,
                    horizontal=True, key="_brief_lang")  # Chinese first: the default
    files = (("pdf", "download_pdf", f"{scenario.name}-brief-{lang}.pdf", "application/pdf"),
             ("xlsx", "download_xlsx", f"{scenario.name}-{lang}.xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    for column, (kind, label, name, mime) in zip(st.columns(2), files):
        column.download_button(  # built on the click only: the ensemble behind them takes time
            tr(label),
            lambda kind=kind: state.brief_file(kind, lang, scenario, baseline, year),
            file_name=name, mime=mime, on_click="ignore", key=f"_download_{kind}",
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
        base, scenario = state.scenarios()
        frame, units = state.run(scenario)
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    yaml_text = scenario.to_yaml()
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
    _share(base, scenario)
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
