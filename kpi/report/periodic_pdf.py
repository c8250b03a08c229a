"""The periodic CCHC report (kpi.report.periodic) as an A4 PDF with the same content as the
DOCX (fpdf2, the fonts and blocks of kpi/report/pdf.py): letterhead with the number, place and
date, title and abstract, sections I–V with the plan's progress and the targets, the signature
block with "Nơi nhận", and the Phụ lục (Biểu số 06) on a page of its own.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

from fpdf.enums import XPos, YPos

from kpi import format as fmt
from kpi.format import nfc

from . import pdf as P
from .common import unit_in_sentence

LINE_H = 4.0
PAD = 1.0


def _table(pdf, columns, rows, size=8.5, bold_rows=()) -> None:
    """``columns``: (title, width, align). A row never splits; the header repeats on a new
    page."""
    def draw(cells, style="", fill=None):
        heights = [P._lines_needed(pdf, w - 1, t, size, style) for (_, w, _), t in zip(columns, cells)]
        h = max(heights) * LINE_H + 2 * PAD
        if P._space_left(pdf) < h:
            pdf.add_page()
            if cells is not header:
                draw(header, "B", P.HEAD_FILL)
        x, y = P.MARGIN_L, pdf.get_y()
        pdf.set_draw_color(*P.RULE)
        pdf.set_line_width(0.2)
        for (_, w, align), text, n in zip(columns, cells, heights):
            if fill:
                pdf.set_fill_color(*fill)
                pdf.rect(x, y, w, h, style="DF")
            else:
                pdf.rect(x, y, w, h, style="D")
            pdf.set_font(P.SERIF, style, size)
            pdf.set_xy(x, y + (h - n * LINE_H) / 2)
            pdf.multi_cell(w, LINE_H, nfc(text), align="C" if cells is header else align,
                           new_x=XPos.RIGHT, new_y=YPos.TOP)
            x += w
        pdf.set_xy(P.MARGIN_L, y + h)

    header = [c[0] for c in columns]
    draw(header, "B", P.HEAD_FILL)
    for i, row in enumerate(rows):
        draw([str(c) for c in row], "B" if i in bold_rows else "")
    pdf.ln(2)


def _para(pdf, text: str, size=10.5, style="", indent=0.0) -> None:
    P._ensure(pdf, 6)
    P._text(pdf, text, size=size, style=style, h=size * 0.5, align="J", indent=indent)
    pdf.ln(0.8)


def _paragraphs(pdf, lines) -> None:
    for line in lines:
        _para(pdf, line)


def _heading(pdf, text: str) -> None:
    P._heading(pdf, text, keep_with=14)


def _activities(pdf, sec) -> None:
    rows = [[i, a.text, a.timing or fmt.NO_DATA, a.status_label + (" (quá hạn)" if a.overdue else ""),
             a.note] for i, a in enumerate(sec.activities, start=1)]
    _table(pdf, (("TT", 8, "C"), ("Nhiệm vụ", 85, "L"), ("Thời gian", 30, "L"),
                 ("Tiến độ", 27, "L"), ("Ghi chú", 25, "L")), rows)


def _targets(pdf, r) -> None:
    _para(pdf, f"Kết quả thực hiện các chỉ tiêu của kế hoạch ({r.period.label}; lũy kế "
               f"{fmt.date_range(r.ytd.start, r.ytd.end)}): {r.summary}")
    rows = [[i, t.label, t.target_text, t.value_text, t.ratio_text, t.status_text,
             t.ytd_value_text, t.ytd_ratio_text, t.ytd_status_text]
            for i, t in enumerate(r.targets, start=1)]
    _table(pdf, (("TT", 7, "C"), ("Chỉ tiêu", 46, "L"), ("Chỉ tiêu KH", 13, "C"),
                 ("Kỳ báo cáo", 14, "C"), ("Tử số/ Mẫu số", 20, "C"), ("Đánh giá", 18, "L"),
                 ("Lũy kế năm", 14, "C"), ("Tử số/ Mẫu số", 20, "C"), ("Đánh giá", 18, "L")),
           rows, size=8)
    for line in r.definition_lines:
        _para(pdf, f"- {line}", size=9, style="I")
    if r.ytd_coverage_note:
        _para(pdf, f"Lũy kế năm: {r.ytd_coverage_note}", size=9.5, style="I")
    _para(pdf, "Số liệu hồ sơ (kỳ báo cáo và lũy kế năm):")
    _table(pdf, (("Nội dung", 115, "L"), ("Kỳ báo cáo", 25, "R"), ("Lũy kế năm", 25, "R")),
           [[label, fmt.integer(v), fmt.integer(y)] for _, label, v, y in r.counts], size=9)


def _bieu06(pdf, r) -> None:
    b = r.bieu06
    pdf.add_page()
    P._text(pdf, "PHỤ LỤC", size=12.5, style="B", align="C", h=6)
    P._text(pdf, "BIỂU SỐ 06/VPCP/KSTT: KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", size=11.5,
            style="B", align="C", h=6)
    P._text(pdf, f"({r.period.label}, từ ngày {fmt.date(b.period.start)} đến ngày "
                 f"{fmt.date(b.period.end)})", size=10.5, style="I", align="C", h=5.5)
    pdf.ln(2)
    titles = ["(3) Tổng số", "(4) Trực tuyến", "(5) Trực tiếp, BCCI", "(6) Từ kỳ trước",
              "(7) Đã giải quyết", "(8) Trước hạn", "(9) Đúng hạn", "(10) Quá hạn",
              "(11) Đang giải quyết", "(12) Trong hạn", "(13) Quá hạn"]
    cols = (("STT", 8, "C"), ("Lĩnh vực", 35, "L"), *[(t, 12, "R") for t in titles])
    rows = [[i, row.field, *[fmt.integer(v) for v in row.values()]]
            for i, row in enumerate(b.rows, start=1)]
    rows.append(["", "Tổng cộng", *[fmt.integer(v) for v in b.total.values()]])
    _table(pdf, cols, rows, size=7.5, bold_rows=(len(rows) - 1,))
    for note in b.notes:
        _para(pdf, f"Ghi chú: {note}", size=9.5, style="I")


def write(report, target: str | Path | BinaryIO) -> None:
    r = report
    shim = SimpleNamespace(unit=r.unit, period_label=r.period.label, unit_header=r.unit_header,
                           doc_number=r.doc_number, place=r.place, report_date=r.report_date,
                           recipients=r.recipients, signer_title=r.signer_title,
                           signer_name=r.signer_name)
    pdf = P._new_pdf(shim)
    pdf.set_title(nfc(f"Báo cáo kết quả thực hiện công tác CCHC - {r.unit} - {r.period.label}"))
    pdf.footer_text = nfc(f"Báo cáo kết quả thực hiện công tác CCHC · {r.unit} · {r.period.label}")
    pdf.add_page()
    P._letterhead(pdf, shim)
    P._text(pdf, "BÁO CÁO", size=14, style="B", align="C", h=6.5)
    P._text(pdf, r.title_line, size=12.5, style="B", align="C", h=6)
    P._hrule(pdf, P.MARGIN_L + P.WIDTH / 2, pdf.get_y() + 1, 40)
    pdf.ln(5)
    unit = unit_in_sentence(r.unit)
    window = " (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP)" if r.period.is_window else ""
    _para(pdf, f"Thực hiện Kế hoạch cải cách hành chính năm {r.plan_year} của UBND {unit}, "
               f"UBND {unit} báo cáo kết quả thực hiện công tác cải cách hành chính "
               f"{r.period.words} ({r.period_range}{window}) như sau:")
    through = fmt.date(r.data_through) if r.data_through else fmt.NO_DATA
    _para(pdf, f"Số liệu từ Hệ thống thông tin giải quyết thủ tục hành chính, dữ liệu đến ngày "
               f"{through}.", size=10, style="I")
    if r.coverage_note:
        _para(pdf, r.coverage_note, size=10, style="I")

    _heading(pdf, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    _paragraphs(pdf, r.parts["direction"].paragraphs)
    if r.direction is not None:
        _activities(pdf, r.direction)
    _heading(pdf, "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    if r.plan_note:
        _para(pdf, r.plan_note)
    for sec in r.sections:
        _heading(pdf, sec.heading)
        _para(pdf, sec.progress_text)
        _activities(pdf, sec)
        if sec.tthc:
            _targets(pdf, r)
    if not any(sec.tthc for sec in r.sections):
        _targets(pdf, r)
    for title, paragraphs in r.closing_sections:
        _heading(pdf, title)
        if paragraphs is not None:
            _paragraphs(pdf, paragraphs)
    _para(pdf, f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính "
               f"{r.period.words} của UBND {unit}./.")
    P.signature(pdf, shim)
    _bieu06(pdf, r)
    data = bytes(pdf.output())
    if hasattr(target, "write"):
        target.write(data)
    else:
        Path(target).write_bytes(data)
