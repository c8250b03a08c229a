"""Chi tiết chỉ tiêu — one KPI in depth: its value and formula with counts, the headroom for the
year and the year in view (kpi.yearview: year to date, required rate, forecast), the monthly
trend against the target with the year's forecast drawn on it, breakdowns (field, procedure, channel, handling
unit) worst first, and the rows behind the shortfall — filtered by field in one click,
sortable, downloadable as Excel.
"""

from __future__ import annotations

import streamlit as st

from kpi import apology as AP
from kpi import dashboard as DB
from kpi import definitions as D
from kpi import format as fmt
from kpi.dashboard import XLSX_MEDIA_TYPE
from ui import charts, common, data, nav, safe

nav.require_frame()
nav.guard("chi-tiet")

UNKNOWN = "__unknown__"  # the "(Không rõ)" group
PAGE_SIZE = 100
BREAKDOWN_TABS = {"field": "Theo lĩnh vực", "procedure": "Theo thủ tục",
                  "channel": "Theo kênh tiếp nhận", "handling_unit": "Theo đơn vị xử lý"}

sel = common.selection()
st.title("Chi tiết chỉ tiêu")
common.require_data(sel)

# The KPI of a link (?kpi=on_time_rate) first; a widget's state ends when its page is left:
# keep the choice under a second key.
linked = common.url_value("kpi", D.KPI_KEYS)
if linked:
    st.session_state["detail_kpi"] = st.session_state["detail_kpi_kept"] = linked
if st.session_state.get("detail_kpi") not in D.KPI_BY_KEY:
    kept = st.session_state.get("detail_kpi_kept")
    st.session_state["detail_kpi"] = kept if kept in D.KPI_BY_KEY else D.KPI_KEYS[0]
key = st.selectbox("Chỉ tiêu", D.KPI_KEYS, format_func=lambda k: D.KPI_BY_KEY[k].label,
                   key="detail_kpi")
st.session_state["detail_kpi_kept"] = key
common.keep_in_url("kpi", key)

with common.friendly_errors():
    snap = data.snapshot(sel)
    prev = data.previous_snapshot(sel)
    trend = data.trend(sel)
common.context_line(sel, snap)
v = snap.kpi(key)
d = DB.kpi_display(v, prev.kpi(key), provisional=snap.provisional)

# --- value, verdict, formula with counts ---------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
c1.metric("Kết quả", d.value_text, help=d.formula)
c2.metric("Chỉ tiêu kế hoạch", d.target_text, help=v.target_text or None)
c3.metric(f"So với {prev.period.label}", d.change_text, help=f"Kỳ trước: {d.previous_text}")
c4.metric(f"Tử số / mẫu số ({d.noun})", d.ratio_text)
st.markdown(f"{common.status_markdown(d)} · {d.label} ({d.section}) · {snap.period.label}")

with st.container(border=True):
    st.markdown("**Công thức**")
    st.markdown(d.formula)
    st.markdown(f"- {d.numerator_label}: **{fmt.integer(d.numerator)}**\n"
                f"- {d.denominator_label}: **{fmt.integer(d.denominator)}**\n"
                f"- Kết quả: {fmt.integer(d.numerator)} / {fmt.integer(d.denominator)} = "
                f"**{d.value_text}**")
    if d.note:
        st.caption(d.note)

year_kpi = None
if not d.state:  # a catalogue KPI is a state at the period end: no year-to-date headroom
    with common.friendly_errors():
        year = data.year_view(sel, (key,))
    year_kpi = year.kpi(key)
    # One volume rule for the year (kpi.yearview): the headroom and the required rate below
    # both take the year's expected volume as last year's months, else the year-to-date pace.
    st.info(f"**Cả năm {year.year}:** {year_kpi.headroom_text}", icon="📈")
    with st.container(border=True, key="year_view"):
        if not year.has_plan:
            st.markdown(f"**{year.sentence}**")
        if year.through is None:
            st.markdown(f"**Năm {year.year}:** chưa có dữ liệu.")
        elif not year.has_plan:
            st.markdown(f"**Năm {year.year}** ({year.scope_text}): lũy kế từ đầu năm "
                        f"**{year_kpi.value_text}** · {year_kpi.forecast.text}.")
        else:
            st.markdown(f"**Năm {year.year}** ({year.scope_text}): lũy kế từ đầu năm "
                        f"**{year_kpi.value_text}** · {year_kpi.verdict_text} · "
                        f"{year_kpi.required_text} · {year_kpi.forecast.text}.")

if d.summary_check:
    with common.friendly_errors():
        check = data.summary_check(sel)
    if check is not None:
        source = "báo cáo tổng hợp" if v.source == "summary" else "danh sách hồ sơ"
        with st.expander(f"Đối chiếu với Biểu số 06/VPCP/KSTT (số liệu chỉ số lấy từ {source})"):
            st.caption("Cột «Danh sách hồ sơ» đếm từ các hồ sơ đã tải; cột «Biểu số 06» lấy từ báo cáo "
                       "tổng hợp của cùng kỳ. Chênh lệch khác 0 cần kiểm tra lại dữ liệu nguồn.")
            st.dataframe(
                check.rename(columns={"label": "Chỉ tiêu đếm", "dossiers": "Danh sách hồ sơ",
                                      "summary": "Biểu số 06", "difference": "Chênh lệch"})
                .drop(columns=["column"]),
                hide_index=True, width="stretch", key="summary_check_table",
            )

# --- trend ---------------------------------------------------------------------------------
st.subheader("Diễn biến 12 tháng")
series = DB.trend_series(trend, key)
fc = year_kpi.forecast if year_kpi is not None else None
if fc is not None and fc.pace is not None and year_kpi.future_months:
    charts.show(charts.trend_forecast_chart(
        series, [fmt.month_label(m) for m in year_kpi.future_months], fc.pace, fc.worst, fc.best,
        fc.value, fc.text, fc.low, fc.high), "detail_trend", interactive=True)
    st.caption("Đường chấm: các tháng còn lại theo nhịp 3 tháng gần nhất; dải xám: giữa tháng "
               "kém nhất và tốt nhất của 6 tháng gần nhất; hình thoi: dự báo cuối năm.")
else:
    charts.show(charts.trend_chart(series), "detail_trend", interactive=True)
with st.expander("Số liệu từng tháng"):
    st.dataframe(series.table(), hide_index=True, width="stretch", key="trend_table")

# --- breakdowns ----------------------------------------------------------------------------
st.subheader("Phân tích theo nhóm (nhóm chưa đạt nhiều nhất ở trên)")
frames = {}
for by, title in zip(BREAKDOWN_TABS, st.tabs(list(BREAKDOWN_TABS.values()))):
    with title:
        try:
            with common.friendly_errors():
                frame = data.breakdown(sel, key, by)
        except ValueError as exc:
            st.caption(f"ℹ️ {exc}")
            continue
        frames[by] = frame
        if not len(frame):
            st.caption("Không có số liệu trong kỳ.")
            continue
        gs = DB.chart_groups(frame)  # the 12 worst and "Khác"
        charts.show(charts.breakdown_bars([g.label for g in gs], [g.value for g in gs],
                                          [g.text for g in gs], v.target),
                    f"bars_{by}", interactive=True)
        st.dataframe(DB.breakdown_table(frame, d.noun), hide_index=True, width="stretch",
                     key=f"table_{by}")

# --- the rows behind the shortfall ---------------------------------------------------------
st.subheader(d.shortfall_title)
by = group = group_label = None
bad = [g for g in DB.groups(frames["field"]) if g.shortfall > 0] if "field" in frames else []
if bad:
    labels = {(UNKNOWN if g.group is None else g.group): g.label for g in bad}
    counts = {(UNKNOWN if g.group is None else g.group): g.shortfall for g in bad}
    if st.session_state.get("detail_field") not in labels:
        st.session_state["detail_field"] = None
    picked = st.pills("Lọc theo lĩnh vực (số chưa đạt, nhiều nhất trước)", list(labels),
                      format_func=lambda o: f"{safe.md(labels[o])} ({fmt.integer(counts[o])})",
                      key="detail_field")
    if picked is not None:
        by, group, group_label = "field", (None if picked == UNKNOWN else picked), labels[picked]

with common.friendly_errors():
    first = data.shortfall(sel, key, by, group, 1, PAGE_SIZE)
pages = first.pages
page = 1
if pages > 1:
    page = st.number_input(f"Trang (1–{pages})", min_value=1, max_value=pages, step=1,
                           key="detail_page")
    page = min(int(page), pages)
with common.friendly_errors():
    part = first if page == 1 else data.shortfall(sel, key, by, group, page, PAGE_SIZE)
if part.total == 0:
    st.success(f"Không có {d.noun} nào chưa đạt trong kỳ.", icon="✅")
else:
    scope = f" thuộc lĩnh vực {safe.md(group_label)}" if group_label else ""
    st.markdown(f"**{fmt.integer(part.total)} {d.noun}{scope}** trong mẫu số nhưng không đạt"
                f" (trang {page}/{pages}, bấm tiêu đề cột để sắp xếp).")
    st.dataframe(AP.with_letters(common.engine(), sel.unit, part.frame, key),  # "Thư xin lỗi"
                 hide_index=True, width="stretch", key="shortfall_table")
    st.download_button(
        "⬇️ Tải danh sách (Excel)",
        data=lambda: data.shortfall_xlsx(sel, key, by, group, group_label),
        file_name=DB.shortfall_file_name(key, sel.period), mime=XLSX_MEDIA_TYPE,
        on_click="ignore", key="shortfall_xlsx",
    )
