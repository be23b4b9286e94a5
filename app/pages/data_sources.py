"""Data: documented figures with their sources, and the calibration fit per region."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app import own_data, state, widgets
from simulator import app_logic, catalogue
from simulator.app_logic import planning, terms
from simulator.errors import ScenarioError, UnknownNameError

tr = state.tr


@st.cache_data(show_spinner=False)
def _figures(region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documented figures and hold-out figures of a region."""
    from simulator.data.observations import load_holdout, load_observations

    name = app_logic.REGION_NAMES[region][1]
    data, holdout = load_observations(), load_holdout()
    return data[data["region"] == name], holdout[holdout["region"] == name]


def _indicator_label(name: str, lang: str) -> str:
    """Return an indicator's label; names the model does not report stay as published."""
    entry = catalogue.indicators(state.model()).get(name)
    if entry is None:  # a figure the model does not report: its name from the catalogue
        zh, en = catalogue.documented_indicator_names().get(name, (name, name))
        return app_logic.pick(zh, en, lang)
    return app_logic.entry_label(entry, lang)


def _sources_table(frame: pd.DataFrame) -> None:
    columns = [
        "indicator",
        "year",
        "value",
        "unit",
        "kind",
        "bound",
        "weight",
        "source",
        "source_quote",
    ]
    table = frame[columns].copy()
    lang = state.lang()
    table["kind"] = [terms.kind_label(k, lang) for k in table["kind"]]
    table["bound"] = [terms.bound_label(b, lang) for b in table["bound"]]
    table["indicator"] = [_indicator_label(n, lang) for n in table["indicator"]]
    table["source"] = [planning.source_link(s) for s in table["source"]]
    st.dataframe(
        table.rename(
            columns={
                "indicator": tr("indicator"),
                "year": tr("year"),
                "value": tr("value"),
                "unit": tr("unit"),
                "kind": tr("kind"),
                "bound": tr("bound"),
                "weight": tr("weight"),
                "source_quote": tr("quote"),
            }
        ),
        hide_index=True,
        column_config={"source": st.column_config.LinkColumn(tr("source"))},
    )


#: Columns of a fitted profile's table, each with its header ``profile_<column>``.
PROFILE_COLUMNS = ("parameter", "value", "status", "source", "low", "high", "reason", "min",
                   "max", "space", "fitted", "identified", "prior_mean", "prior_sd",
                   "posterior_sd")


def _check_upload() -> None:
    """Validate a user's observations CSV: the count of its valid rows, or one error box."""
    upload = st.file_uploader(tr("obs_upload"), type=["csv"], key="_obs_upload")
    if upload is None:
        return
    from simulator.data.observations import load_observations_upload

    try:
        rows = load_observations_upload(upload.getvalue(), upload.name)
    except (ValueError, OSError) as error:  # an ObservationError is a ValueError
        widgets.error_box("obs_upload_error", error)
        return
    st.success(tr("obs_upload_ok", name=upload.name, rows=len(rows)))
    _refit(state.region(), upload.getvalue(), rows)


def _refit(region: str, data: bytes, rows: pd.DataFrame) -> None:
    """Refit the region with the uploaded figures (#18.9); the packaged files stay as they are."""
    own = app_logic.optional_module("calibration.own_data")
    if own is None:
        return
    key = f"_own_refit_{region}_{hashlib.sha256(data).hexdigest()}"
    if st.button(tr("own_refit", region=app_logic.region_label(region, state.lang())),
                 key="_own_refit"):
        with st.spinner(tr("own_refit_running")):
            try:
                st.session_state[key] = own.refit_with_own_figures(region, rows, source=data)
            except (ValueError, OSError) as error:
                widgets.error_box("own_refit_error", error)
                return
    refit = st.session_state.get(key)
    if refit is None:
        return
    st.caption(tr("own_refit_note", until=refit.profile.fit_until))
    st.dataframe(refit.parameters.rename(columns={
        "parameter": tr("profile_parameter"), "packaged": tr("own_packaged"),
        "refit": tr("own_refitted"), "refit_sd": tr("own_refit_sd"),
        "identified": tr("profile_identified")}), hide_index=True)
    st.dataframe(refit.points.rename(columns={
        "indicator": tr("indicator"), "year": tr("year"), "value": tr("own_figure_value"),
        "packaged_fit": tr("own_packaged"), "packaged_error_pct": tr("own_packaged_error"),
        "refit": tr("own_refitted"), "refit_error_pct": tr("own_refit_error_pct")}),
        hide_index=True)
    st.download_button(tr("own_refit_download"), own.profile_yaml(refit).encode("utf-8"),
                       file_name=f"{region}-own-profile.yaml", mime="application/x-yaml")


def _profile(region: str) -> None:
    st.subheader(tr("profile"))
    profiles = app_logic.optional_module("simulator.data.profile")
    if profiles is None or not profiles.profile_path(region).is_file():
        st.info(tr("profile_missing", region=region))
        return
    try:
        profile = profiles.load_profile(region)
    except (FileNotFoundError, ValueError, TypeError, KeyError) as error:
        widgets.error_box("run_error", error)
        return
    lang = state.lang()
    rows = [
        {"parameter": terms.parameter_label(name, lang), **entry}
        for name, entry in profile.to_dict().get("parameters", {}).items()
    ]
    headers = {key: tr(f"profile_{key}") for key in PROFILE_COLUMNS}
    table = pd.DataFrame(rows)
    for column in ("status", "space", "fitted", "identified"):  # words, not codes
        if column in table:
            table[column] = [terms.kind_label(k, lang) if isinstance(k, str) else
                             (tr("yes" if k else "no") if isinstance(k, bool) else k)
                             for k in table[column]]
    table = table.astype(object).where(table.notna(), "—").astype(str)  # "—", not "None"
    if lang == "zh" and "reason" in table:  # the profiles' reasons are English text
        table = table.drop(columns=["reason"])
        st.caption(tr("reasons_in_english"))
    st.dataframe(table.rename(columns=headers), hide_index=True)


def _report(region: str) -> None:
    st.subheader(tr("reports"))
    files = app_logic.calibration_report(region)
    if not files:
        st.info(tr("report_missing", region=region))
        return
    if "fit_statistics.csv" in files:
        st.dataframe(pd.read_csv(files["fit_statistics.csv"]).rename(
            columns=terms.fit_headers(state.lang())), hide_index=True)
    if "fit.png" in files:
        st.image(str(files["fit.png"]))
    if "forecast.csv" in files:
        st.caption(tr("forecast"))
        st.dataframe(pd.read_csv(files["forecast.csv"]), hide_index=True)
    if "fit.md" in files:
        with st.expander("fit.md"):
            st.markdown(files["fit.md"].read_text(encoding="utf-8"))


def render() -> None:
    """Draw the page."""
    widgets.sidebar()
    region = state.region()
    st.title(f"{tr('page_data')} · {app_logic.region_label(region, state.lang())}")
    figures, holdout = _figures(region)
    st.subheader(tr("documented"))
    if figures.empty:
        st.info(tr("no_data"))
    else:
        _sources_table(figures)
    if not holdout.empty:
        st.subheader(tr("holdout"))
        _sources_table(holdout)
    _check_upload()

    own_data.draw(region)
    _profile(region)
    _report(region)

    st.subheader(tr("fit"))
    st.caption(tr("fit_note"))
    try:
        base = state.base_scenario()
        frame, _ = state.run(base)
    except (ScenarioError, UnknownNameError, TypeError, ValueError, FileNotFoundError) as error:
        widgets.error_box("run_error", error)
        return
    from simulator.fit_stats import fit_table

    outcomes = figures[figures["kind"] == "outcome"]
    table = fit_table(frame, outcomes, region=app_logic.REGION_NAMES[region][1])
    table["region"] = app_logic.region_label(region, state.lang())
    table["indicator"] = [_indicator_label(n, state.lang()) for n in table["indicator"]]
    st.dataframe(table.rename(columns=terms.fit_headers(state.lang())), hide_index=True)
    fitted = [n for n in catalogue.KEY_INDICATORS if n in set(outcomes["indicator"])]
    if fitted:
        st.image(state.charts_png(base))


render()
