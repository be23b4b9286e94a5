"""The Streamlit app beside ``app.py``: pages, shared widgets and session state.

``pages/`` draws widgets and charts only, ``widgets.py`` holds what several
pages draw (sidebar, indicator chart, error box) and ``state.py`` the
session-state keys and caches. Everything the app computes comes from
:mod:`simulator` (mostly :mod:`simulator.app_logic`), tested without
Streamlit; no module under ``simulator/`` imports Streamlit.
"""
