"""Báo cáo — the compliance snapshot laid out for A4 portrait paper ("báo cáo kết quả thực hiện
chỉ tiêu"), and the same report as PDF, Word and Excel files.

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
from kpi.report import FORMATS, MEDIA_TYPES, build, file_name
from ui import charts, common, data, nav, safe

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
        st.markdown(f"### BÁO CÁO\n**{report.title_line}**")
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
