"""Streamlit pages: widgets and charts only; computation goes through the simulator API."""
