"""A minimal page: the default scenario's key indicators."""

from __future__ import annotations

import streamlit as st

from simulator import catalogue
from simulator.runner import run_scenario
from simulator.scenario import Scenario


@st.cache_data(show_spinner=False)
def _default_results():
    return run_scenario(Scenario()).frame


def render() -> None:
    """Draw the page."""
    st.title("Innovation Dynamics · 区域科技创新政策情景模拟")
    frame = _default_results()
    entries = catalogue.indicators()
    columns = st.columns(2)
    for i, name in enumerate(catalogue.KEY_INDICATORS):
        entry = entries[name]
        with columns[i % 2]:
            st.subheader(f"{entry.label_zh} · {entry.label_en} ({entry.unit})")
            st.line_chart(frame[name])
