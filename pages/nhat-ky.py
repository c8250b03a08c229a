"""Nhật ký thao tác — the audit log for admins (access.md "Audit"): who did what, when, to
which unit; filters by time, person, kind and unit; the filtered rows as Excel. Read-only:
the log is append-only from the application's side (kpi/audit.py)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kpi import audit
from kpi import config
from kpi import format as fmt
from kpi.dashboard import XLSX_MEDIA_TYPE
from ui import auth, data, nav
from ui.common import engine, friendly_errors

nav.require_frame()
nav.guard("nhat-ky")

ALL = "(Tất cả)"
NO_UNIT = "(Không gắn đơn vị)"
SHOWN = 1000  # rows on screen; the Excel file has every row of the filter

st.title("Nhật ký thao tác")
st.caption("Mọi thay đổi được ghi cùng lúc với thay đổi đó: đăng nhập, đăng xuất, tải dữ liệu "
           "lên, hoàn tác, cập nhật kế hoạch, ghép cột đã nhớ, thư xin lỗi, tài khoản, sao lưu. "
           "Việc làm từ dòng lệnh ghi tên «dòng lệnh».")

today = config.wall_clock().date()
with friendly_errors():
    db = engine()
    people = audit.actors(db)
    unit_names = data.units(config.db_url())

c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
span = c1.date_input("Từ ngày – đến ngày", value=(today - dt.timedelta(days=30), today),
                     format="DD/MM/YYYY", key="audit_range")
who = c2.selectbox("Người thực hiện", [ALL, *people], key="audit_actor")
kinds = list(audit.ACTIONS)
kind = c3.selectbox("Loại thao tác", [ALL, *kinds],
                    format_func=lambda k: k if k == ALL else audit.ACTIONS[k], key="audit_kind")
unit = c4.selectbox("Đơn vị", [ALL, *unit_names], key="audit_unit")

start, end = (span if isinstance(span, (tuple, list)) and len(span) == 2
              else (span[0], span[0]) if isinstance(span, (tuple, list)) and span
              else (None, None))
with friendly_errors():
    frame = audit.query(db, unit=None if unit == ALL else unit,
                        actor=None if who == ALL else who,
                        action=None if kind == ALL else kind,
                        start=start, end=end)

if frame.empty:
    st.info("Không có thao tác nào khớp bộ lọc.", icon="ℹ️")
else:
    more = (f" (đang hiện {fmt.integer(SHOWN)} dòng mới nhất; tệp Excel có đủ)"
            if len(frame) > SHOWN else "")
    st.markdown(f"**{fmt.integer(len(frame))} thao tác**{more}, mới nhất ở trên.")
    st.dataframe(audit.display_frame(frame.head(SHOWN)), hide_index=True, width="stretch",
                 key="audit_table")
    st.download_button("⬇️ Tải nhật ký (Excel)", data=audit.to_xlsx(frame),
                       file_name=audit.file_name(today), mime=XLSX_MEDIA_TYPE,
                       on_click="ignore", key="audit_download")
