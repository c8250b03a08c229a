"""Entry point of the dashboard: the frame (navigation, shared sidebar) around the pages.

    streamlit run app.py      (or: make run)

The sidebar (unit, period, definitions) is drawn here on every run, so each page reads the
same choice from ``st.session_state`` (keys in ui/common.py).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="CCHC – Theo dõi chỉ tiêu cải cách hành chính",
    page_icon="📊",
    layout="wide",
)

from ui import common  # noqa: E402  (after set_page_config)

pages = [
    # Streamlit serves the default page at the root URL ("/"); the hidden twin below answers
    # at "/tong-quan" too, so links and bookmarks with the page's name work.
    st.Page("pages/overview.py", title="Tổng quan", icon="📊", default=True, url_path="trang-chu"),
    st.Page("pages/overview.py", title="Tổng quan", icon="📊", url_path="tong-quan",
            visibility="hidden"),
    st.Page("pages/detail.py", title="Chi tiết chỉ tiêu", icon="🔎", url_path="chi-tiet"),
    st.Page("pages/upload.py", title="Tải dữ liệu", icon="📤", url_path="tai-du-lieu"),
    st.Page("pages/report.py", title="Báo cáo", icon="🖨️", url_path="bao-cao"),
    st.Page("pages/plan.py", title="Kế hoạch", icon="🗂️", url_path="ke-hoach"),
]
page = st.navigation(pages)
common.sidebar()
page.run()
