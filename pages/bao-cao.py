"""Báo cáo — two tabs:

- "Báo cáo chỉ tiêu": the compliance snapshot laid out for A4 portrait paper ("báo cáo kết quả
  thực hiện chỉ tiêu"), and the same report as PDF, Word and Excel files;
- "Báo cáo định kỳ": the periodic CCHC report sent upward (reports.md) for the period of the
  sidebar — its narrative parts drafted from the data and edited here (stored per unit, period
  and part, used by every later export, the command line's too), the signer and "Nơi nhận"
  remembered per unit, the DOCX / PDF and the Biểu số 06 (xlsx) downloads. Everything comes
  from ``kpi.report.periodic.periodic_report``, the function ``python -m kpi report`` uses.

The page shows exactly what the files carry: both come from ``kpi.report.assemble.report_input``
and ``kpi.report.build``. The browser's print (Ctrl+P) gives clean pages: the print style below
hides the sidebar, the toolbar and the buttons, keeps every chart and table on one page and
needs no colour (status in symbol and word).
"""

from __future__ import annotations

import streamlit as st

from kpi import dashboard as DB
from kpi import definitions as D
from kpi import format as fmt
from kpi import report_store
from kpi.report import FORMATS, MEDIA_TYPES, build, file_name
from kpi.report import periodic as PR
from ui import auth, charts, common, data, nav, safe

nav.require_frame()
nav.guard("bao-cao")

FORMAT_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)"}

# Static CSS only (no user text goes through unsafe_allow_html).
PRINT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 230mm; }
.st-key-report_paper h1 { font-size: 1.5rem; text-align: center; margin-bottom: 0; }
.st-key-report_paper [data-testid="stTable"] table { font-size: 0.85rem; }
@media print {
  @page { size: A4 portrait; margin: 14mm 12mm 14mm 15mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stBottom"], .st-key-report_tools,
  .st-key-report_title {
    display: none !important;
  }
  [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {
    padding: 0 !important; margin: 0 !important; max-width: 100% !important;
  }
  html { font-size: 11.5px !important; }
  .stApp, body { background: #fff !important; color: #000 !important; }
  [data-testid="stVerticalBlock"] { gap: 0.35rem !important; }
  [data-testid="stCaptionContainer"], .stCaption { color: #000 !important; }
  .stPlotlyChart, [data-testid="stTable"], [data-testid="stElementContainer"],
  .st-key-report_header, .st-key-report_trend, .st-key-report_bullets {
    break-inside: avoid; page-break-inside: avoid;
  }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; box-shadow: none !important; }
  a { color: #000 !important; text-decoration: none !important; }
}
</style>
"""

sel = common.selection()
st.markdown(PRINT_CSS, unsafe_allow_html=True)
with st.container(key="report_title"):
    st.title("Báo cáo")
common.require_data(sel)
tab_snapshot, tab_periodic = st.tabs(["Báo cáo chỉ tiêu", "Báo cáo định kỳ"])

with tab_snapshot:
    with common.friendly_errors():
        snapshot_json, extras = data.report_input(sel)
    report = build(snapshot_json, extras)

    # --- downloads and printing (hidden on paper) ------------------------------------------------
    with st.container(key="report_tools", border=True):
        st.markdown("**Tải báo cáo** · cùng số liệu với trang này · hoặc in trang bằng lệnh In của "
                    "trình duyệt (Ctrl+P), khổ A4 dọc.")
        stored = st.session_state.get("report_files")
        if st.button("Tạo tệp PDF, Word và Excel", key="report_build", type="primary"):
            bar = st.progress(0.0, text="Đang chuẩn bị số liệu…")
            files = {}
            for i, fmt_ in enumerate(FORMATS):
                bar.progress(i / len(FORMATS), text=f"Đang tạo tệp {FORMAT_NAMES[fmt_]}…")
                with common.friendly_errors():
                    files[fmt_] = data.report_file(sel, fmt_)
            bar.progress(1.0, text="Đã tạo xong 3 tệp.")
            stored = st.session_state["report_files"] = (sel, files)
        if stored and stored[0] == sel:
            for col, fmt_ in zip(st.columns(len(FORMATS)), FORMATS):
                col.download_button(f"⬇️ Tải {FORMAT_NAMES[fmt_]}", data=stored[1][fmt_],
                                    file_name=file_name(fmt_, snapshot_json),
                                    mime=MEDIA_TYPES[fmt_], key=f"download_{fmt_}",
                                    on_click="ignore", width="stretch")
        else:
            st.caption("Bấm nút để tạo các tệp cho đơn vị, kỳ và cách tính đang chọn.")

    # --- the paper --------------------------------------------------------------------------------
    with st.container(key="report_paper"):
        with st.container(key="report_header"):
            left, right = st.columns(2)
            left.markdown("  \n".join(f"**{safe.md(line)}**" for line in report.unit_header))
            right.markdown("**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**  \n**Độc lập - Tự do - Hạnh phúc**")
            st.markdown(f"### BÁO CÁO\n**{safe.md(report.title_line)}**")
            st.markdown(
                f"Đơn vị: **{safe.md(report.unit)}** · Kỳ báo cáo: {report.period_range} · "
                f"Dữ liệu đến ngày **{report.as_of_text}**"
            )
            for line in report.definition_lines:
                st.caption(line)
            st.markdown(f"**{report.summary}**")

        st.markdown("#### I. Kết quả thực hiện các chỉ tiêu")
        previous = extras.get("previous_period_label", "kỳ trước")
        st.table({
            "TT": [str(r.index) for r in report.rows],
            "Chỉ tiêu": [r.label for r in report.rows],
            "Mục KH": [r.section for r in report.rows],
            "Chỉ tiêu KH": [r.target_text for r in report.rows],
            "Kết quả": [r.value_text for r in report.rows],
            "Tử số/Mẫu số": [r.ratio_text for r in report.rows],
            "Đánh giá": [f"{r.status_symbol} {r.status_text}" for r in report.rows],
            f"So với {previous}": [r.change_text for r in report.rows],
        }, hide_index=True)

        with st.container(key="report_bullets"):
            st.markdown("#### II. So sánh với chỉ tiêu")
            charts.show(charts.bullets_table(report.rows), "report_bullet_chart")
            st.caption("Thanh đậm: kết quả; vạch đen: chỉ tiêu; nền xám: dưới chỉ tiêu hơn 10 điểm "
                       "%, dưới chỉ tiêu, đạt chỉ tiêu.")

        with st.container(key="report_trend"):
            targets = {r.key: r.target for r in report.rows}
            labels = {r.key: r.short_label for r in report.rows}
            keys = [k for k in D.HEADLINE_KEYS if report.trend.get(k)]
            months = max((len(report.trend[k]) for k in keys), default=0)
            st.markdown(f"#### III. Xu hướng {months} tháng của {len(keys)} chỉ tiêu chính")
            if keys:
                series = [DB.series_from_points(k, report.trend[k], targets.get(k)) for k in keys]
                charts.show(charts.trend_grid(series, [labels[k] for k in keys]),
                            "report_trend_chart")
                st.caption("Đường liền: kết quả từng tháng; đường đứt: chỉ tiêu. Tháng không có dữ "
                           "liệu để trống.")
            else:
                st.caption("Chưa có số liệu xu hướng theo tháng.")

        st.markdown("#### IV. Số liệu hồ sơ trong kỳ")
        st.table({"Nội dung": [label for _, label, _ in report.counts],
                  "Số lượng": [fmt.integer(v) for _, _, v in report.counts]}, hide_index=True)

        st.markdown("#### V. Công thức tính")
        st.markdown("\n".join(f"{r.index}. **{r.label}**: {r.formula}" for r in report.rows))

        st.markdown("#### VI. Ghi chú về dữ liệu còn thiếu")
        if report.notes:
            st.markdown("\n".join(f"- {n}" for n in report.notes))
        else:
            st.markdown("Không có.")



# --- the periodic CCHC report ----------------------------------------------------------------

PERIODIC_FORMATS = {"docx": "Word (DOCX)", "pdf": "PDF"}
_MARKDOWN = set("\\`*_{}[]()#+-.!<>:~|$")


def _plain(text: str) -> str:
    """Text a user typed (a unit's name) shown inside Markdown as the same letters."""
    return "".join("\\" + c if c in _MARKDOWN else c for c in str(text))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, ttl=data.TTL, max_entries=16)
def periodic(sel: data.Selection, version: int) -> PR.PeriodicReport:
    """The periodic report of the selection; ``version`` changes after every save."""
    return PR.periodic_report(data.engine(sel.url), sel.unit, sel.period, sel.choice,
                              today=sel.today)


def _saved(message: str) -> None:
    st.session_state["periodic_version"] = st.session_state.get("periodic_version", 0) + 1
    st.session_state["periodic_message"] = message
    st.session_state.pop("periodic_files", None)
    st.rerun()


def _settings_form(rep: PR.PeriodicReport, version: int) -> None:
    with st.expander("Số văn bản, người ký và nơi nhận", expanded=False):
        st.caption("Người ký và nơi nhận được ghi nhớ cho các báo cáo sau của đơn vị; số văn "
                   "bản là của báo cáo kỳ này (để trống: «Số: …/BC-UBND» để điền tay).")
        k = f"{rep.unit}|{rep.period.code}|{version}"
        number = st.text_input("Số, ký hiệu văn bản", value=rep.doc_number, key=f"p_number|{k}")
        titles = list(dict.fromkeys([rep.signer_title, *PR.SIGNER_TITLES]))
        title = st.selectbox("Thẩm quyền ký", titles, key=f"p_title|{k}",
                             format_func=lambda t: " / ".join(t.splitlines()))
        name = st.text_input("Họ tên người ký", value=rep.signer_name, key=f"p_signer|{k}")
        recipients = st.text_area("Nơi nhận (mỗi dòng một nơi)", value="\n".join(rep.recipients),
                                  key=f"p_recipients|{k}", height=150)
        who = auth.actor() if auth.signed_in() else st.text_input(
            "Người cập nhật", key="periodic_who", placeholder="Họ và tên")
        if st.button("Lưu số văn bản, người ký và nơi nhận", key="periodic_save_settings"):
            try:
                with common.friendly_errors():
                    engine = data.engine(sel.url)
                    report_store.save_settings(engine, rep.unit, {
                        "signer_title": title, "signer_name": name, "recipients": recipients},
                        who)
                    report_store.save(engine, rep.unit, rep.period, {PR.DOC_NUMBER_PART: (
                        "" if number.strip() == PR.DOC_NUMBER.strip() else number)}, who)
            except report_store.ReportTextError as exc:
                st.error(str(exc), icon="❌")
            else:
                _saved("Đã lưu số văn bản, người ký và nơi nhận.")


def _parts_form(rep: PR.PeriodicReport, version: int) -> None:
    st.markdown("##### Nội dung đánh giá (bản nháp viết từ số liệu, sửa được)")
    st.caption("Sửa từng phần rồi bấm «Lưu nội dung». Nội dung đã lưu được dùng cho mọi lần tải "
               "báo cáo kỳ này, cả từ dòng lệnh. Xóa trắng một phần rồi lưu để dùng lại bản nháp.")
    k = f"{rep.unit}|{rep.period.code}|{version}"
    values = {}
    for part in rep.narrative:
        state = "đã sửa" if part.edited else "bản nháp"
        lines = max(3, min(14, len(part.text) // 90 + part.text.count("\n") + 2))
        values[part.key] = st.text_area(f"{part.title} ({state})", value=part.text,
                                        key=f"p_part|{part.key}|{k}", height=24 * lines + 20)
    who = auth.actor() if auth.signed_in() else st.text_input(
        "Người cập nhật", key="periodic_who_parts", placeholder="Họ và tên")
    if st.button("Lưu nội dung", key="periodic_save", type="primary"):
        changed = {}
        for part in rep.narrative:
            new = values[part.key]
            if PR.store.clean(new) != PR.store.clean(part.text):
                changed[part.key] = new
            elif not new.strip() and part.edited:
                changed[part.key] = ""
        try:
            with common.friendly_errors():
                done = report_store.save(data.engine(sel.url), rep.unit, rep.period, changed,
                                         who)
        except report_store.ReportTextError as exc:
            st.error(str(exc), icon="❌")
        else:
            _saved(f"Đã lưu {len(done)} phần nội dung." if done
                   else "Không có thay đổi nào để lưu.")


def _downloads(rep: PR.PeriodicReport) -> None:
    with st.container(border=True):
        st.markdown("**Tải báo cáo định kỳ** · Word để chỉnh sửa và trình ký, PDF cùng nội dung, "
                    "Biểu số 06 (Excel) tính từ danh sách hồ sơ.")
        files = st.session_state.get("periodic_files")
        key = (sel, st.session_state.get("periodic_version", 0))
        if st.button("Tạo tệp Word, PDF và Biểu số 06", key="periodic_build", type="primary"):
            with common.friendly_errors():
                files = {f: PR.render_bytes(f, rep) for f in PERIODIC_FORMATS}
                files["xlsx"] = PR.bieu06_xlsx(rep)
            st.session_state["periodic_files"] = files = (key, files)
        if files and files[0] == key:
            cols = st.columns(3)
            for col, (f, label) in zip(cols, PERIODIC_FORMATS.items()):
                col.download_button(f"⬇️ Tải {label}", data=files[1][f],
                                    file_name=PR.file_name(f, rep), mime=PR.MEDIA_TYPES[f],
                                    key=f"periodic_download_{f}", on_click="ignore",
                                    width="stretch")
            cols[2].download_button("⬇️ Tải Biểu số 06 (XLSX)", data=files[1]["xlsx"],
                                    file_name=PR.bieu06_file_name(rep), mime=XLSX,
                                    key="periodic_download_xlsx", on_click="ignore",
                                    width="stretch")
        else:
            st.caption("Bấm nút để tạo các tệp cho đơn vị, kỳ và cách tính đang chọn.")


with tab_periodic:
    version = st.session_state.get("periodic_version", 0)
    with common.friendly_errors():
        rep = periodic(sel, version)
    st.markdown(f"#### {PR.TITLE}: {safe.md(rep.title_line)}")
    st.caption(f"{safe.md(rep.unit)} · {rep.period.label} · {rep.period_range} · dữ liệu đến ngày "
               f"{fmt.date(rep.data_through) if rep.data_through else fmt.NO_DATA} · "
               f"{rep.coverage_label}. Chọn kỳ ở thanh bên: quý, 6 tháng, năm hoặc kỳ báo cáo "
               "theo Nghị định 09/2019 (từ ngày 15 tháng trước đến ngày 14).")
    if rep.coverage_note:
        st.warning(rep.coverage_note, icon="🕒")
    message = st.session_state.pop("periodic_message", None)
    if message:
        st.success(message, icon="✅")
    _downloads(rep)
    may_edit = auth.can("plan_update", sel.unit)  # report texts: staff and admins of the unit
    if may_edit:
        _settings_form(rep, version)
    st.markdown("##### Các chỉ tiêu: kỳ báo cáo và lũy kế năm")
    st.dataframe({
        "Chỉ tiêu": [t.label for t in rep.targets],
        "Chỉ tiêu KH": [t.target_text for t in rep.targets],
        "Kỳ báo cáo": [t.value_text for t in rep.targets],
        "Tử số/Mẫu số": [t.ratio_text for t in rep.targets],
        "Đánh giá": [t.status_text for t in rep.targets],
        "Lũy kế năm": [t.ytd_value_text for t in rep.targets],
        "Đánh giá lũy kế": [t.ytd_status_text for t in rep.targets],
    }, hide_index=True, key="periodic_targets")
    if rep.ytd_coverage_note:
        st.caption(f"Lũy kế năm: {rep.ytd_coverage_note}")
    st.markdown("##### Tiến độ các nhiệm vụ của kế hoạch")
    if rep.plan_note:
        st.info(rep.plan_note, icon="ℹ️")
    else:
        secs = ([rep.direction] if rep.direction else []) + rep.sections
        st.dataframe({
            "Phần": [s.heading for s in secs],
            "Số nhiệm vụ": [s.total for s in secs],
            "Hoàn thành": [s.done for s in secs],
            "Đang thực hiện": [s.in_progress for s in secs],
            "Chậm tiến độ": [s.delayed for s in secs],
            "Chưa thực hiện": [s.not_started for s in secs],
            "Quá hạn": [s.overdue for s in secs],
        }, hide_index=True, key="periodic_plan")
    if may_edit:
        _parts_form(rep, version)
    else:
        st.markdown("##### Nội dung đánh giá")
        for part in rep.narrative:
            st.markdown(f"**{part.title}**")
            st.text(part.text)
    with st.expander("Phụ lục: Biểu số 06 tính từ danh sách hồ sơ"):
        rows = rep.bieu06.rows + [rep.bieu06.total]
        st.dataframe({"Lĩnh vực": [r.field for r in rows],
                      **{label: [r.values()[i] for r in rows] for i, label in enumerate(
                          ["(3) Tổng số", "(4) Trực tuyến", "(5) Trực tiếp, BCCI",
                           "(6) Từ kỳ trước", "(7) Đã giải quyết", "(8) Trước hạn",
                           "(9) Đúng hạn", "(10) Quá hạn", "(11) Đang giải quyết",
                           "(12) Trong hạn", "(13) Quá hạn"])}},
                     hide_index=True, key="periodic_bieu06")
        for note in rep.bieu06.notes:
            st.caption(note)
