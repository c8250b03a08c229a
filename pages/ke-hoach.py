"""Kế hoạch — every activity of the year's CCHC plan, who leads it and how far it is.

A thin page: the plan, the statuses and the counts come from ``kpi.plan.tracker``, the Excel
file from ``kpi.plan.exchange``, the KPI values beside the goals from the KPI snapshot
(``ui.data``), the tables and the chart from ``ui.plan``. Works on its own
(``streamlit run pages/ke-hoach.py``) and inside the app frame (``st.navigation``), which puts the
chosen unit in ``st.session_state["unit"]``.
"""

from __future__ import annotations

import streamlit as st

from kpi import config
from kpi import format as fmt
from kpi import periods as P
from kpi import queries as Q
from kpi.dashboard import XLSX_MEDIA_TYPE
from kpi.plan import exchange
from kpi.plan import tracker
from ui import data
from ui import plan as plan_ui
from ui.common import current_unit, engine, friendly_errors
from ui.uploader import uploader
from ui import auth, nav, safe

nav.require_frame()
nav.guard("ke-hoach")

PLAN_UPLOAD_MB = 10  # a plan's tracking workbook is a few hundred KB


def flash(kind: str, text: str, icon: str) -> None:
    """A message shown once, on the next run (after ``st.rerun``)."""
    st.session_state["plan_flash"] = (kind, text, icon)


# --- frame -------------------------------------------------------------------------------------

st.title("Kế hoạch")
unit = current_unit()
if not unit:
    st.warning("Chưa chọn đơn vị (xã, phường). Chọn đơn vị ở thanh bên hoặc đặt biến CCHC_UNIT.")
    st.stop()
years = tracker.available_years()
if not years:
    st.error("Chưa có kế hoạch CCHC nào trong dữ liệu (thư mục data/plans).")
    st.stop()
default = tracker.default_year()
year = st.selectbox("Năm kế hoạch", years, index=years.index(default), key="plan_year")

with friendly_errors():
    db = engine()
    df = tracker.tracker(db, unit, year)
    try:  # the plan year so far, as every page computes it
        snap = data.snapshot(data.Selection(url=config.db_url(), unit=unit, period=P.year(year),
                                            today=config.today()))
    except Q.UnknownUnit:  # no data loaded for the unit yet: the goals say "Chưa có dữ liệu"
        snap = None
kpis = tracker.kpi_values(snap)

st.caption(
    f"Kế hoạch CCHC năm {year} · Đơn vị: {safe.md(unit)} · Số liệu tính đến ngày {fmt.date(config.today())}"
)
if snap is None:
    st.caption(f"📊 Chưa có dữ liệu hồ sơ của {safe.md(unit)}: các chỉ số bên cạnh mục tiêu hiện «Chưa có "
               "dữ liệu». Tải dữ liệu ở trang «Tải dữ liệu».")
if "plan_flash" in st.session_state:
    kind, text, icon = st.session_state.pop("plan_flash")
    getattr(st, kind)(text, icon=icon)

# --- totals and late activities ------------------------------------------------------------------

totals = tracker.overall(df)
cols = st.columns(6)
cols[0].metric("Số hoạt động", fmt.integer(totals["total"]))
cols[1].metric("✅ Hoàn thành", fmt.integer(totals["done"]))
cols[2].metric("🔵 Đang thực hiện", fmt.integer(totals["in_progress"]))
cols[3].metric("⚪ Chưa thực hiện", fmt.integer(totals["not_started"]))
cols[4].metric("🔴 Chậm tiến độ", fmt.integer(totals["delayed"]))
cols[5].metric(plan_ui.OVERDUE_TEXT, fmt.integer(totals["overdue"]))
st.progress(
    totals["progress"] or 0.0,
    text=f"Tiến độ chung: {fmt.pct(totals['progress'])} hoạt động đã hoàn thành "
    f"({fmt.integer(totals['done'])}/{fmt.integer(totals['total'])})",
)

late = plan_ui.overdue_lines(df)
if late:
    st.warning(
        f"**{fmt.integer(len(late))} hoạt động quá hạn** (đã hết thời gian thực hiện mà chưa hoàn thành):\n\n"
        + "\n".join(f"- {line}" for line in late),
        icon=tracker.OVERDUE_ICON,
    )

# --- filters -------------------------------------------------------------------------------------

f1, f2, f3 = st.columns([3, 3, 2])
leads = f1.multiselect(
    "Đơn vị chủ trì", tracker.lead_unit_names(df), key="plan_filter_lead", placeholder="Tất cả đơn vị"
)
statuses = f2.multiselect(
    "Trạng thái", list(tracker.STATUS_LABELS.values()), key="plan_filter_status",
    placeholder="Tất cả trạng thái",
)  # fmt: skip
overdue_only = f3.checkbox("Chỉ hoạt động quá hạn", key="plan_filter_overdue")
view = tracker.filter_tracker(df, leads, statuses, overdue_only)
if len(view) < len(df):
    st.caption(f"Đang hiện {fmt.integer(len(view))}/{fmt.integer(len(df))} hoạt động theo bộ lọc.")
if view.empty:
    st.info("Không có hoạt động nào khớp bộ lọc. Bỏ bớt điều kiện lọc để xem thêm.")

may_edit = auth.can("plan_update", unit)  # a viewer never sees the editor or the upload
tab_section, tab_lead, tab_edit, tab_excel, tab_history = st.tabs(
    ["Theo phần", "Theo đơn vị chủ trì", "Cập nhật tiến độ" if may_edit else "Tiến độ", "Excel",
     "Lịch sử cập nhật"]
)

# --- by section ----------------------------------------------------------------------------------

with tab_section:
    if not view.empty:
        summary = tracker.summarize(view, "section")
        st.plotly_chart(safe.figure(plan_ui.progress_chart(summary, "Tiến độ theo phần")),
                        key="plan_chart_section")
        st.dataframe(plan_ui.summary_display(summary, "Phần"), hide_index=True)
    for section in tracker.grouped_by_section(view):
        with st.expander(
            f"{section['name']} — hoàn thành {fmt.integer(section['done'])}/{fmt.integer(section['total'])}", expanded=False
        ):
            parent = ""
            for goal in section["goals"]:
                if goal["parent_id"] and goal["parent_id"] != parent:
                    st.markdown(f"**{goal['parent_number']}. {goal['parent']}**")
                    for line in plan_ui.goal_kpi_lines(goal["parent_id"], kpis):
                        st.markdown(line)
                parent = goal["parent_id"]
                st.markdown(f"**Mục tiêu {goal['number']}.** {goal['text']}")
                for line in plan_ui.goal_kpi_lines(goal["id"], kpis):
                    st.markdown(line)
                plan_ui.activity_table(goal["rows"])

# --- by lead unit --------------------------------------------------------------------------------

with tab_lead:
    if not view.empty:
        summary = tracker.summarize(view, "lead")
        st.plotly_chart(safe.figure(plan_ui.progress_chart(summary, "Tiến độ theo đơn vị chủ trì")),
                        key="plan_chart_lead")
        st.dataframe(plan_ui.summary_display(summary, "Đơn vị chủ trì"), hide_index=True)
        st.caption("Hoạt động do hai đơn vị cùng chủ trì được tính cho cả hai đơn vị.")
    for lead, rows in tracker.grouped_by_lead(view):
        done = int((rows["status"] == tracker.DONE).sum())
        with st.expander(f"{lead} — hoàn thành {fmt.integer(done)}/{fmt.integer(len(rows))}", expanded=False):
            plan_ui.activity_table(rows)

# --- editing -------------------------------------------------------------------------------------

with tab_edit:
    if not may_edit:
        st.info("Tài khoản của bạn chỉ được xem kế hoạch; cập nhật tiến độ cần tài khoản Cán bộ "
                "hoặc Quản trị của đơn vị.", icon="🔒")
    else:
        st.write(
            "Sửa cột **Trạng thái**, **Ghi chú tiến độ** (kết quả đã làm) và **Minh chứng** (số văn "
            "bản hoặc đường link), nhập tên người cập nhật rồi bấm «Lưu thay đổi». Mỗi thay đổi được "
            "ghi vào lịch sử. Lưu trước khi đổi bộ lọc."
        )
        if auth.signed_in():  # the account's name is who updated
            who = auth.actor()
        else:
            who = st.text_input("Người cập nhật", key="plan_updated_by", placeholder="Họ và tên")
        base = plan_ui.editor_frame(view)
        edited = st.data_editor(
            base,
            key=plan_ui.editor_key(view, st.session_state.get("plan_editor_version", 0)),
            hide_index=True,
            width="stretch",
            num_rows="fixed",
            disabled=["Mã hoạt động", "Hoạt động", "Chủ trì", "Thời gian", "Cảnh báo"],
            column_config={
                "Trạng thái": st.column_config.SelectboxColumn(
                    "Trạng thái", options=list(tracker.STATUS_LABELS.values()), required=True
                ),
                "Hoạt động": st.column_config.TextColumn("Hoạt động", width="large"),
                "Ghi chú tiến độ": st.column_config.TextColumn("Ghi chú tiến độ", max_chars=2000),
                "Minh chứng": st.column_config.TextColumn(
                    "Minh chứng", help="Số, ký hiệu văn bản hoặc đường link", max_chars=1000
                ),
            },
        )
        if st.button("💾 Lưu thay đổi", key="plan_save", type="primary"):
            changes = plan_ui.editor_changes(base, edited)
            if not changes:
                st.info("Chưa có thay đổi nào để lưu.")
            else:
                changed = None
                with friendly_errors():
                    try:
                        changed = tracker.update_statuses(db, unit, year, changes, who, source="form",
                                                          actor=auth.actor())
                    except tracker.PlanError as exc:
                        st.error(
                            "Chưa lưu được:\n\n" + "\n".join(f"- {safe.md(m)}" for m in exc.messages),
                            icon="❌",
                        )
                if changed is not None:
                    version = st.session_state.get("plan_editor_version", 0) + 1
                    st.session_state["plan_editor_version"] = version
                    flash("success", f"Đã lưu {fmt.integer(len(changed))} thay đổi: {', '.join(changed) or '—'}.", "✅")
                    st.rerun()

# --- Excel ---------------------------------------------------------------------------------------

with tab_excel:
    st.write(
        "Tải bảng theo dõi về, sửa các cột nền vàng (Trạng thái, Ghi chú tiến độ, Minh chứng) rồi "
        "tải lên lại: chỉ những hoạt động có thay đổi được cập nhật. Tệp có lỗi bị từ chối toàn bộ."
    )
    with friendly_errors():
        workbook = exchange.export_excel(db, unit, year)
    st.download_button(
        "📥 Tải bảng theo dõi (Excel)",
        data=workbook,
        file_name=exchange.excel_file_name(unit, year),
        mime=XLSX_MEDIA_TYPE,
        key="plan_download",
    )
    if not may_edit:
        upload = None
    elif auth.signed_in():
        upload_by = auth.actor()
    else:
        upload_by = st.text_input("Người cập nhật", key="plan_upload_by", placeholder="Họ và tên")
    if may_edit:
        upload = uploader("Bảng theo dõi đã cập nhật (.xlsx)", ("XLSX",), key="plan_upload",
                          max_mb=PLAN_UPLOAD_MB)
    if may_edit and st.button("📤 Cập nhật từ tệp", key="plan_import", disabled=upload is None):
        result = None
        with friendly_errors():
            try:
                result = exchange.import_excel(
                    db, unit, year, upload.getvalue(), upload_by, file_name=upload.name,
                    actor=auth.actor(),
                )
            except exchange.PlanImportError as exc:
                st.error(
                    f"Tệp {safe.md(upload.name)} bị từ chối, không có thay đổi nào được ghi:\n\n"
                    + "\n".join(f"- {safe.md(m)}" for m in exc.messages),
                    icon="❌",
                )
        if result is not None:
            flash("success", f"{safe.md(upload.name)}: {result.message()}", "✅")
            st.rerun()

# --- history -------------------------------------------------------------------------------------

with tab_history:
    choice = st.selectbox(
        "Hoạt động",
        ["(Tất cả)", *df["activity_id"]],
        key="plan_history_activity",
    )
    with friendly_errors():
        hist = tracker.history(db, unit, year, None if choice == "(Tất cả)" else choice)
    if hist.empty:
        st.info("Chưa có cập nhật nào.")
    else:
        st.dataframe(plan_ui.history_display(hist), hide_index=True, width="stretch")
