"""Việc cần làm — the dossiers to act on before they turn late (kpi.worklist): today and the
data's own date at the top (a warning when the data is more than 3 days old), the overdue,
due-soon, waiting-for-supplement and no-due-date dossiers with their procedure, field, handling
unit, officer, dates and working days left; filters; counts per officer; what acting now is
worth for the month's on-time rate; the list as Excel; apology letters for the overdue ones
(kpi.apology: one DOCX, a page each, recorded as issued).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kpi import apology as AP
from kpi import config
from kpi import format as fmt
from kpi import worklist as W
from ui import auth, common, nav, safe
from ui.data import data_changed

nav.require_frame()
nav.guard("viec-can-lam")

S = st.session_state
sel = common.selection()
st.title("Việc cần làm")
common.require_data(sel)
today = config.today()

top = st.container()  # today and data_through first, above the choice of N
within = st.number_input("Sắp đến hạn: còn không quá (ngày làm việc)", min_value=0,
                         max_value=20, value=W.DEFAULT_WITHIN, step=1, key="wl_within")
with common.friendly_errors():
    try:
        wl = W.work_list(common.engine(), sel.unit, today=today, within=int(within),
                         choice=sel.choice)
    except W.TodayBeforeData as exc:
        st.error(str(exc), icon="❌")
        st.stop()

with top:
    c1, c2 = st.columns(2)
    c1.metric("Hôm nay", fmt.date(wl.today))
    c2.metric("Dữ liệu đến ngày", fmt.date(wl.data_through))
    if wl.stale_warning:
        st.warning(wl.stale_warning, icon="⚠️")

totals = wl.totals
for col, state in zip(st.columns(len(W.STATES)), W.STATES):
    col.metric(W.STATE_LABELS[state], fmt.integer(totals[state]))
if wl.effect is not None:
    st.info(wl.effect.message, icon="🎯")

# --- filters -------------------------------------------------------------------------------
def _label(value) -> str:
    return W.NO_OFFICER if value is None else str(value)


def _keep(key: str, options: list) -> list:
    """A multiselect's options, its remembered choice narrowed to them (new data, new N)."""
    if isinstance(S.get(key), list):
        S[key] = [v for v in S[key] if v in options]
    return options


f1, f2, f3, f4 = st.columns(4)
officers = f1.multiselect("Cán bộ xử lý", _keep("wl_officer", wl.options("officer")),
                          format_func=_label,
                          key="wl_officer", placeholder="Tất cả")
units = f2.multiselect("Đơn vị xử lý", _keep("wl_unit", wl.options("handling_unit")),
                       format_func=lambda v: "(Không rõ)" if v is None else str(v),
                       key="wl_unit", placeholder="Tất cả")
fields = f3.multiselect("Lĩnh vực", _keep("wl_field", wl.options("field")),
                        format_func=lambda v: "(Không rõ)" if v is None else str(v),
                        key="wl_field", placeholder="Tất cả")
states = f4.multiselect("Tình trạng", list(W.STATES), format_func=W.STATE_LABELS.get,
                        key="wl_state", placeholder="Tất cả")
view = wl.filtered(officer=officers, handling_unit=units, field=fields, state=states)

# --- the list --------------------------------------------------------------------------------
st.subheader(f"Hồ sơ cần xử lý ({fmt.integer(len(view.items))})")
if not view.items:
    st.success("Không có hồ sơ nào cần xử lý.", icon="✅")
else:
    st.dataframe(
        W.frame(view), hide_index=True, width="stretch", key="worklist_table",
        column_config={
            "Ngày tiếp nhận": st.column_config.DateColumn(format="DD/MM/YYYY"),
            "Ngày hẹn trả": st.column_config.DateColumn(format="DD/MM/YYYY"),
        },
    )
st.download_button("⬇️ Tải danh sách (Excel)", data=lambda: W.to_xlsx(view),
                   file_name=W.file_name(view), mime=W.XLSX_MEDIA_TYPE, on_click="ignore",
                   key="worklist_xlsx")

st.subheader("Theo cán bộ xử lý")
st.dataframe(W.officer_frame(view), hide_index=True, width="stretch", key="officer_table")

# --- apology letters -------------------------------------------------------------------------
st.subheader("Thư xin lỗi và hẹn lại ngày trả kết quả")
overdue = {it.dossier_code: it for it in view.items if it.state == W.OVERDUE}
if not auth.can("apology", sel.unit):  # a viewer drafts no letter
    st.caption("Lập thư xin lỗi cần tài khoản Cán bộ hoặc Quản trị của đơn vị.")
elif not overdue:
    st.caption("Không có hồ sơ quá hạn trong danh sách.")
else:
    def _overdue_label(code: str) -> str:
        it = overdue[code]
        sent = " · đã gửi thư" if it.apology_day else ""
        return f"{code} – quá {-it.working_days_left} ngày làm việc{sent}"

    picked = st.multiselect("Hồ sơ quá hạn cần lập thư (Mẫu số 04, Thông tư 01/2018/TT-VPCP)",
                            _keep("apology_codes", list(overdue)), format_func=_overdue_label,
                            key="apology_codes",
                            placeholder="Chọn một hoặc nhiều hồ sơ")
    new_due = {}
    for code in picked:
        it = overdue[code]
        default = AP.default_new_due(it.received_at, it.due_at, today)
        new_due[code] = st.date_input(
            f"Ngày hẹn trả mới – {safe.md(code)} (hẹn trả cũ {fmt.date(it.due_at)})",
            value=default,
            min_value=today + dt.timedelta(days=1), format="DD/MM/YYYY",
            key=f"apology_new_due_{code}")
    form = st.radio("Mẫu thư", list(AP.FORMS), format_func=lambda f: AP.FORMS[f][0].capitalize()
                    + f" ({AP.FORMS[f][1]})", key="apology_form", horizontal=True)
    st.caption("Tên người nộp hồ sơ để trống để cán bộ viết tay: hệ thống không lưu dữ liệu "
               "cá nhân.")
    if st.button("📝 Lập thư xin lỗi", key="apology_make", disabled=not picked):
        with common.friendly_errors():
            try:
                letters, data = AP.issue(common.engine(), sel.unit, picked,
                                         actor=auth.actor(),
                                         today=today, new_due=new_due, form=form)
            except (AP.ApologyError, W.TodayBeforeData) as exc:
                st.error(safe.md(exc), icon="❌")
                st.stop()
        data_changed()  # letters recorded: the cached lists ("Thư xin lỗi") are stale
        S["apology_file"] = (AP.file_name(letters), data, len(letters))
        S.pop("apology_codes", None)
        st.rerun()

if S.get("apology_file"):
    name, data, count = S["apology_file"]
    st.success(f"Đã lập và ghi nhận {fmt.integer(count)} thư xin lỗi.", icon="✅")
    st.download_button("⬇️ Tải thư xin lỗi (Word)", data=data, file_name=name,
                       mime=AP.DOCX_MEDIA_TYPE, on_click="ignore", key="apology_docx")
