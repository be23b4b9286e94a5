"""The Data page's section for a planner's own figures and target edits (this session only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import state
from simulator import app_logic, catalogue
from simulator.app_logic import terms, user_data
from simulator.errors import ScenarioError, UnknownNameError

tr = state.tr
MESSAGE = "own_data_message"


def _add(kind: str, region: str) -> None:
    """Check the entry of the form ``kind`` and keep it (an ``on_click`` callback)."""
    get = st.session_state.get
    try:
        if kind == state.USER_FIGURES:
            entry = user_data.check_figure(get("_own_fig_indicator"), get("_own_fig_year"),
                                           get("_own_fig_value"), get("_own_fig_source"))
        else:
            entry = user_data.check_target(get("_own_tgt_indicator"), get("_own_tgt_year"),
                                           get("_own_tgt_value"), get("_own_tgt_bound"))
    except (ScenarioError, UnknownNameError, TypeError, ValueError) as error:
        st.session_state[MESSAGE] = ("error", tr("own_data_error", error=state.error_text(error)))
        return
    state.add_user_entry(kind, region, entry)
    st.session_state[MESSAGE] = ("success", tr("own_data_added"))


def _clear(region: str) -> None:
    for kind in (state.USER_FIGURES, state.USER_TARGETS):
        st.session_state.get(kind, {}).pop(region, None)


def draw(region: str) -> None:
    """Draw the forms, the user's entries, and the one message of the last submission."""
    lang = state.lang()
    entries = catalogue.indicators(state.model())
    names = list(entries)
    label = lambda n: app_logic.entry_label(entries[n], lang)  # noqa: E731 - a format_func
    st.subheader(tr("own_data"))
    st.caption(tr("own_data_note"))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('own_figure')}**")
        st.selectbox(tr("indicator"), names, format_func=label, key="_own_fig_indicator")
        st.number_input(tr("year"), value=None, step=1, key="_own_fig_year")
        st.number_input(tr("value"), value=None, key="_own_fig_value")
        st.text_input(tr("source"), key="_own_fig_source")
        st.button(tr("own_add"), on_click=_add, args=(state.USER_FIGURES, region),
                  key="_own_fig_add")
    with right:
        st.markdown(f"**{tr('own_target')}**")
        st.selectbox(tr("indicator"), names, format_func=label, key="_own_tgt_indicator")
        st.number_input(tr("year"), value=None, step=1, key="_own_tgt_year")
        st.number_input(tr("target"), value=None, key="_own_tgt_value")
        st.selectbox(tr("bound"), user_data.BOUNDS,
                     format_func=lambda b: terms.bound_label(b, lang), key="_own_tgt_bound")
        st.button(tr("own_add"), on_click=_add, args=(state.USER_TARGETS, region),
                  key="_own_tgt_add")
    kind, message = st.session_state.pop(MESSAGE, (None, None))
    if kind == "error":
        st.error(message)
    elif kind == "success":
        st.success(message)
    figures = state.user_entries(state.USER_FIGURES, region)
    targets = state.user_entries(state.USER_TARGETS, region)
    if not figures and not targets:
        return
    rows = [{tr("kind"): tr("own_figure"), tr("indicator"): label(f["indicator"]),
             tr("year"): f["year"], tr("value"): f["value"], tr("bound"): "—",
             tr("source"): f["source"]} for f in figures]
    rows += [{tr("kind"): tr("own_target"), tr("indicator"): label(t.indicator),
              tr("year"): t.year, tr("value"): t.value,
              tr("bound"): terms.bound_label(t.bound, lang), tr("source"): "—"} for t in targets]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.button(tr("own_clear"), on_click=_clear, args=(region,), key="_own_clear")
