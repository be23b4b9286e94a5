"""Streamlit entry point (routes only; logic lives in ``simulator``)."""

import streamlit as st

from simulator.app_pages import default_page

st.set_page_config(page_title="Innovation Dynamics 区域科技创新情景", layout="wide")
default_page.render()
