"""Tổng quan — for now: what data is loaded for the unit."""

from __future__ import annotations

import streamlit as st

from kpi import format as fmt
from kpi.inventory import data_inventory, dossiers_per_month
from pages.common import current_unit, engine, friendly_errors

KIND_NAMES = {
    "dossiers": "Hồ sơ",
    "ratings": "Đánh giá hài lòng",
    "procedures": "Thủ tục trong danh mục",
    "feedback": "Phản ánh, kiến nghị",
    "summary": "Dòng Biểu số 06",
}

unit = current_unit()
st.title("Tổng quan")
with friendly_errors():
    inv = data_inventory(engine(), unit)
    per_month = dossiers_per_month(engine(), unit) if unit else None

if not inv["kinds"] or not any(inv["kinds"].values()):
    st.info("Chưa có dữ liệu cho đơn vị này. Hãy tải tệp xuất từ hệ thống một cửa ở trang «Tải dữ liệu».")
    st.stop()

st.caption(f"Đơn vị: {unit} · dữ liệu tải lần cuối: {fmt.datetime(inv['last_upload'])}")
cols = st.columns(len(KIND_NAMES))
for col, (kind, label) in zip(cols, KIND_NAMES.items()):
    col.metric(label, fmt.integer(inv["kinds"].get(kind, 0)))
if inv["received_range"]:
    lo, hi = inv["received_range"]
    st.write(f"Hồ sơ tiếp nhận từ {fmt.date(lo)} đến {fmt.date(hi)}.")
if per_month is not None and not per_month.empty:
    table = per_month.assign(
        **{"Tháng": per_month["month"].astype(str) + "/" + per_month["year"].astype(str)}
    )[["Tháng", "dossiers"]].rename(columns={"dossiers": "Số hồ sơ"})
    st.bar_chart(table, x="Tháng", y="Số hồ sơ")
