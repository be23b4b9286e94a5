"""Streamlit entry point: routes only (pages in ``app/pages``, logic in ``simulator``)."""

from pathlib import Path

import streamlit as st

PAGES = "app/pages"
#: The goal-seeking page (issue #19) is listed once its file exists.
GOAL_SEEK = f"{PAGES}/goal_seek.py"

st.set_page_config(page_title="Innovation Dynamics 区域科技创新情景", layout="wide")
st.navigation(
    [
        st.Page(f"{PAGES}/explore.py", title="情景探索 Explore", default=True),
        st.Page(f"{PAGES}/compare.py", title="情景比较 Compare"),
        st.Page(f"{PAGES}/uncertainty.py", title="不确定性 Uncertainty"),
        st.Page(f"{PAGES}/analysis.py", title="分析 Analysis"),
        *([st.Page(GOAL_SEEK, title="目标反推 Goal seeking")]
          if (Path(__file__).parent / GOAL_SEEK).is_file() else []),
        st.Page(f"{PAGES}/model_structure.py", title="模型结构 Model"),
        st.Page(f"{PAGES}/data_sources.py", title="数据与校准 Data"),
        st.Page(f"{PAGES}/share.py", title="保存与分享 Save and share"),
    ]
).run()
