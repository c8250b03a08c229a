"""The periodic CCHC report (kpi.report.periodic) as an editable Word document, laid out by
Nghị định 30/2020/NĐ-CP with the helpers of the snapshot's DOCX (kpi/report/docx.py): A4,
margins 20/20/30/15 mm, Times New Roman 13 pt (14 for the title, 10–11 in tables), the issuing
body and the national motto, "Số: …/BC-UBND", place and date, "BÁO CÁO" with its abstract,
sections I–V, the signature block with "Nơi nhận", page numbers from page 2, and the Phụ lục
(Biểu số 06) on a page of its own.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

from kpi import format as fmt
from kpi.format import nfc

from . import docx as W
from .common import unit_in_sentence

LEFT, CENTER, RIGHT = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc, titles, widths, rows, size=10, aligns=None, bold_rows=()):
    table = doc.add_table(rows=1 + len(rows), cols=len(titles))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    W._cell_margins(table, 1.0)
    W._widths(table, widths)
    W._repeat_header(table.rows[0])
    for cell, title in zip(table.rows[0].cells, titles):
        W._cell_text(cell, title, CENTER, bold=True, size=size)
        W._shade(cell, W.HEAD_FILL)
    aligns = aligns or [LEFT] * len(titles)
    for i, (tr, values) in enumerate(zip(table.rows[1:], rows)):
        W._cant_split(tr)
        for cell, value, align in zip(tr.cells, values, aligns):
            W._cell_text(cell, str(value), align, bold=i in bold_rows, size=size)
    return table


def _heading(doc, text: str) -> None:
    W._heading(doc, text)


def _paragraphs(doc, lines) -> None:
    for line in lines:
        W._body(doc, line)


def _note(doc, text: str) -> None:
    W._body(doc, text, italic=True)


def _activities(doc, sec) -> None:
    rows = [[str(i), a.text, a.timing or fmt.NO_DATA,
             a.status_label + (" (quá hạn)" if a.overdue else ""), a.note]
            for i, a in enumerate(sec.activities, start=1)]
    _table(doc, ["TT", "Nhiệm vụ", "Thời gian", "Tiến độ", "Ghi chú"], (9, 78, 28, 25, 25), rows,
           aligns=[CENTER, LEFT, LEFT, LEFT, LEFT])
    W._para(doc, "", space_after=4)


def _targets(doc, r) -> None:
    W._body(doc, f"Kết quả thực hiện các chỉ tiêu của kế hoạch ({r.period.label}; lũy kế "
                 f"{fmt.date_range(r.ytd.start, r.ytd.end)}): {r.summary}")
    rows = [[str(i), t.label, t.target_text, t.value_text, t.ratio_text, t.status_text,
             t.ytd_value_text, t.ytd_ratio_text, t.ytd_status_text]
            for i, t in enumerate(r.targets, start=1)]
    _table(doc, ["TT", "Chỉ tiêu", "Chỉ tiêu KH", "Kỳ báo cáo", "Tử số/ Mẫu số", "Đánh giá",
                 "Lũy kế năm", "Tử số/ Mẫu số", "Đánh giá"],
           (7, 42, 13, 13, 19, 16, 13, 19, 16),
           rows, size=9, aligns=[CENTER, LEFT, CENTER, CENTER, CENTER, LEFT, CENTER, CENTER, LEFT])
    W._para(doc, "", space_after=4)
    for line in r.definition_lines:
        _note(doc, f"- {line}")
    if r.ytd_coverage_note:
        _note(doc, f"Lũy kế năm: {r.ytd_coverage_note}")
    W._body(doc, "Số liệu hồ sơ (kỳ báo cáo và lũy kế năm):")
    _table(doc, ["Nội dung", "Kỳ báo cáo", "Lũy kế năm"], (104, 23, 23),
           [[label, fmt.integer(v), fmt.integer(y)] for _, label, v, y in r.counts], size=10,
           aligns=[LEFT, RIGHT, RIGHT])
    W._para(doc, "", space_after=4)


def _bieu06(doc, r) -> None:
    b = r.bieu06
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    W._para(doc, "PHỤ LỤC", align=CENTER, bold=True, size=13)
    W._para(doc, "BIỂU SỐ 06/VPCP/KSTT: KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", align=CENTER,
            bold=True, size=12)
    W._para(doc, f"({r.period.label}, từ ngày {fmt.date(b.period.start)} đến ngày "
                 f"{fmt.date(b.period.end)})", align=CENTER, italic=True, size=12, space_after=6)
    titles = ["STT", "Lĩnh vực", "(3) Tổng số", "(4) Trực tuyến", "(5) Trực tiếp, BCCI",
              "(6) Từ kỳ trước", "(7) Đã giải quyết", "(8) Trước hạn", "(9) Đúng hạn",
              "(10) Quá hạn", "(11) Đang giải quyết", "(12) Trong hạn", "(13) Quá hạn"]
    rows = [[str(i), row.field, *[fmt.integer(v) for v in row.values()]]
            for i, row in enumerate(b.rows, start=1)]
    rows.append(["", "Tổng cộng", *[fmt.integer(v) for v in b.total.values()]])
    _table(doc, titles, (8, 33) + (11.3,) * 11, rows, size=8,
           aligns=[CENTER, LEFT] + [RIGHT] * 11, bold_rows=(len(rows) - 1,))
    for note in b.notes:
        W._para(doc, f"Ghi chú: {note}", italic=True, size=11, space_before=4)


def write(report, target: str | Path | BinaryIO) -> None:
    r = report
    shim = SimpleNamespace(unit=r.unit, period_label=r.period.label, unit_header=r.unit_header,
                           doc_number=r.doc_number, place=r.place, report_date=r.report_date,
                           recipients=r.recipients, signer_title=r.signer_title,
                           signer_name=r.signer_name)
    doc = Document()
    W._setup(doc, shim)
    props = doc.core_properties
    props.title = nfc(f"Báo cáo kết quả thực hiện công tác CCHC - {r.unit} - {r.period.label}")
    props.subject = "Báo cáo kết quả thực hiện công tác cải cách hành chính"
    W._letterhead(doc, shim)
    W._para(doc, "BÁO CÁO", align=CENTER, bold=True, size=14, space_before=18)
    W._para(doc, r.title_line, align=CENTER, bold=True, size=14)
    W._rule(doc, W.TEXT_WIDTH_MM, 40, space_after=12)

    unit = unit_in_sentence(r.unit)
    window = " (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP)" if r.period.is_window else ""
    W._body(doc, f"Thực hiện Kế hoạch cải cách hành chính năm {r.plan_year} của UBND {unit}, "
                 f"UBND {unit} báo cáo kết quả thực hiện công tác cải cách hành chính "
                 f"{r.period.words} ({r.period_range}{window}) như sau:")
    through = fmt.date(r.data_through) if r.data_through else fmt.NO_DATA
    _note(doc, f"Số liệu từ Hệ thống thông tin giải quyết thủ tục hành chính, dữ liệu đến ngày "
               f"{through}.")
    if r.coverage_note:
        _note(doc, r.coverage_note)

    _heading(doc, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    _paragraphs(doc, r.parts["direction"].paragraphs)
    if r.direction is not None:
        _activities(doc, r.direction)

    _heading(doc, "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    if r.plan_note:
        W._body(doc, r.plan_note)
    for sec in r.sections:
        _heading(doc, sec.heading)
        W._body(doc, sec.progress_text)
        _activities(doc, sec)
        if sec.tthc:
            _targets(doc, r)
    if not any(sec.tthc for sec in r.sections):
        _targets(doc, r)

    for title, paragraphs in r.closing_sections:
        _heading(doc, title)
        if paragraphs is not None:
            _paragraphs(doc, paragraphs)
    W._body(doc, f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính "
                 f"{r.period.words} của UBND {unit}./.", space_before=6)
    W._signature(doc, shim)
    _bieu06(doc, r)
    doc.save(target)
