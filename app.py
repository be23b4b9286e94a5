"""Streamlit entry point: routes only (pages in ``app/pages``, logic in ``simulator``)."""

import streamlit as st

from app import state

PAGES = "app/pages"

st.set_page_config(page_title="Innovation Dynamics 区域科技创新情景", layout="wide")
state.open_link()  # a shared link (?region=...&preset=...) sets the session once
st.navigation(
    [
        st.Page(f"{PAGES}/explore.py", title="情景探索 Explore", default=True),
        st.Page(f"{PAGES}/compare.py", title="情景比较 Compare"),
        st.Page(f"{PAGES}/twin_city.py", title="成渝双城 Twin city"),
        st.Page(f"{PAGES}/uncertainty.py", title="不确定性 Uncertainty"),
        st.Page(f"{PAGES}/analysis.py", title="分析 Analysis"),
        st.Page(f"{PAGES}/goal_seek.py", title="目标反推 Goal seeking"),
        st.Page(f"{PAGES}/model_structure.py", title="模型结构 Model"),
        st.Page(f"{PAGES}/data_sources.py", title="数据与校准 Data"),
        st.Page(f"{PAGES}/share.py", title="保存与分享 Save and share"),
    ]
).run()
