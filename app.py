"""Entry point of the dashboard: the frame (navigation, shared sidebar) around the pages.

    streamlit run app.py      (or: make run)
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="CCHC – Theo dõi chỉ tiêu cải cách hành chính",
    page_icon="📊",
    layout="wide",
)

from pages import common  # noqa: E402  (after set_page_config)

common.sidebar()

pages = [
    st.Page("pages/overview.py", title="Tổng quan", icon="📊", default=True, url_path="tong-quan"),
    st.Page("pages/upload.py", title="Tải dữ liệu", icon="📤", url_path="tai-du-lieu"),
]
st.navigation(pages).run()
