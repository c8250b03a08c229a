"""The snapshot as an editable Word report laid out by Nghị định 30/2020/NĐ-CP.

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 pt (14 for the title,
11 in tables); the unit header on the left and the national motto on the right of a borderless
two-column table, the number/symbol line, place and date, the title, numbered sections, the
signature block with "Nơi nhận"; page numbers at the top centre from page 2.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kpi import format as fmt
from kpi.format import nfc

from .common import Report, unit_in_sentence

FONT = "Times New Roman"
SYMBOL_FONT = "Segoe UI Symbol"
BODY_PT = 13
TABLE_PT = 11
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165

MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"

# KPI table: (title, width mm, alignment)
COLUMNS = (
    ("TT", 9, WD_ALIGN_PARAGRAPH.CENTER),
    ("Chỉ số", 40, WD_ALIGN_PARAGRAPH.LEFT),
    ("Mục KH", 14, WD_ALIGN_PARAGRAPH.CENTER),
    ("Chỉ tiêu", 15, WD_ALIGN_PARAGRAPH.CENTER),
    ("Kết quả", 15, WD_ALIGN_PARAGRAPH.CENTER),
    ("Tử số/ Mẫu số", 23, WD_ALIGN_PARAGRAPH.CENTER),
    ("Đánh giá", 24, WD_ALIGN_PARAGRAPH.LEFT),
    ("So với kỳ trước", 25, WD_ALIGN_PARAGRAPH.CENTER),
)
STATUS_FILL = {True: "DEF0DE", False: "FADEDE", None: "EEEEEE"}
HEAD_FILL = "E1E1E1"


@lru_cache(maxsize=4)
def _advance_widths(bold: bool):
    """Glyph advances of Liberation Serif: the metrics of Times New Roman."""
    from fontTools.ttLib import TTFont

    name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
    font = TTFont(Path(__file__).resolve().parent / "fonts" / name, lazy=True)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    return cmap, hmtx, font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    cmap, hmtx, upm = _advance_widths(bold)
    units = sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else upm // 2 for c in text)
    return units / upm * size_pt * 25.4 / 72


# --------------------------------------------------------------------------- low-level helpers

def set_fonts(rpr_parent, name: str) -> None:
    """One font for every script of a run or style (python-docx sets only the Latin one)."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _run(p, text: str, bold=False, italic=False, size=None, underline=False, font=None):
    run = p.add_run(nfc(text))
    run.bold = bold or None
    run.italic = italic or None
    run.underline = underline or None
    if size:
        run.font.size = Pt(size)
    if font:
        run.font.name = font
        set_fonts(run._r, font)
    return run


def _para(container, text: str = "", align=None, bold=False, italic=False, size=None,
          space_after: float = 0, space_before: float = 0, first_indent_mm: float | None = None):
    p = container.add_paragraph()
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    pf = p.paragraph_format
    pf.space_after = Pt(space_after)
    pf.space_before = Pt(space_before)
    if align is not None:
        p.alignment = align
    if first_indent_mm is not None:
        pf.first_line_indent = Mm(first_indent_mm)
    return p


def _first_para(cell, text: str = "", **kw):
    """The cell's own first paragraph (a new cell has one, empty)."""
    p = cell.paragraphs[0]
    if text:
        _run(p, text, bold=kw.get("bold", False), italic=kw.get("italic", False),
             size=kw.get("size"))
    p.paragraph_format.space_after = Pt(kw.get("space_after", 0))
    p.paragraph_format.space_before = Pt(kw.get("space_before", 0))
    if kw.get("align") is not None:
        p.alignment = kw["align"]
    return p


def _rule(container, width_mm: float, line_mm: float, space_after: float = 0):
    """A short centred horizontal line (the rule under the issuing body and the motto)."""
    p = container.add_paragraph()
    side = max(0.0, (width_mm - line_mm) / 2)
    pf = p.paragraph_format
    pf.left_indent = Mm(side)
    pf.right_indent = Mm(side)
    pf.space_before = Pt(0)
    pf.space_after = Pt(space_after)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    ppr.append(borders)
    return p


def balanced_lines(text: str, size_pt: float, bold: bool, max_mm: float) -> list[str]:
    """``text`` on one line when it fits in ``max_mm``, else on two lines of similar length
    ("TRUNG TÂM PHỤC VỤ / HÀNH CHÍNH CÔNG" rather than a lone last word)."""
    words = text.split()
    if text_width_mm(text, size_pt, bold) <= max_mm or len(words) < 2:
        return [text]
    best = min(
        range(1, len(words)),
        key=lambda i: max(text_width_mm(" ".join(words[:i]), size_pt, bold),
                          text_width_mm(" ".join(words[i:]), size_pt, bold)),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


def _lines_para(container, lines: list[str], first: bool = False, align=None, bold=False,
                size=None):
    """One paragraph holding ``lines`` separated by line breaks (``first``: the cell's own
    first paragraph)."""
    p = _first_para(container, align=align) if first else _para(container, align=align)
    for i, line in enumerate(lines):
        run = _run(p, line, bold=bold, size=size)
        if i < len(lines) - 1:
            run.add_break()
    return p


def _cell_margins(table, mm: float) -> None:
    """Left and right padding of every cell of ``table``."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(mm * 1440 / 25.4)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _widths(table, widths_mm) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(w * 1440 / 25.4)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)


def _page_number_header(section) -> None:
    """Page numbers at the top centre, not on the first page (Nghị định 30/2020)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    for tag, attr in (("w:fldChar", "begin"), ("w:instrText", None), ("w:fldChar", "separate")):
        el = OxmlElement(tag)
        if attr:
            el.set(qn("w:fldCharType"), attr)
        else:
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        run._r.append(el)
    run2 = p.add_run("2")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run2._r.append(end)
    for r in (run, run2):
        r.font.size = Pt(BODY_PT)


# --------------------------------------------------------------------------- document

def _setup(doc, r: Report) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, FONT)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    rpr.append(lang)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(6)
    pf.line_spacing = 1.15
    for name in ("Header", "Footer", "Table Grid"):
        try:
            st = doc.styles[name]
        except KeyError:
            continue
        st.font.name = FONT
        set_fonts(st.element, FONT)

    props = doc.core_properties
    props.title = nfc(f"Báo cáo kết quả thực hiện chỉ tiêu CCHC - {r.unit} - {r.period_label}")
    props.author = nfc(r.unit)
    props.language = "vi-VN"
    props.subject = "Báo cáo kết quả thực hiện chỉ tiêu cải cách hành chính"
    _page_number_header(section)


def _letterhead(doc, r: Report) -> None:
    left_w, right_w = 71.0, TEXT_WIDTH_MM - 71.0
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, 0)
    _widths(table, (left_w, right_w))
    left, right = table.rows[0].cells

    widest = 30.0
    for i, line in enumerate(r.unit_header):
        last = i == len(r.unit_header) - 1
        lines = balanced_lines(line, 12, last, left_w - 2)
        widest = max(text_width_mm(x, 12, last) for x in lines) if last else widest
        _lines_para(left, lines, first=(i == 0), align=WD_ALIGN_PARAGRAPH.CENTER, bold=last,
                    size=12)
    _rule(left, left_w, min(max(widest / 2.5, 18), 35), space_after=6)
    _para(left, r.doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, size=13)

    _first_para(right, MOTTO_1, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=12)
    _para(right, MOTTO_2, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
    _rule(right, right_w, text_width_mm(MOTTO_2, 13, bold=True), space_after=8)
    _para(right, fmt.official_date(r.place, r.report_date), align=WD_ALIGN_PARAGRAPH.CENTER,
          italic=True, size=13)


def _title(doc, r: Report) -> None:
    _para(doc, "BÁO CÁO", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14, space_before=18)
    _para(doc, r.title_line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14)
    _rule(doc, TEXT_WIDTH_MM, 40, space_after=12)


def _body(doc, text: str, **kw):
    kw.setdefault("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
    kw.setdefault("first_indent_mm", 10)
    kw.setdefault("space_after", 6)
    return _para(doc, text, **kw)


def _labelled(doc, label: str, text: str) -> None:
    p = _body(doc, "")
    _run(p, label, bold=True)
    _run(p, text)


def _heading(doc, text: str) -> None:
    p = _body(doc, text, bold=True, space_before=6)
    p.paragraph_format.keep_with_next = True


def _cell_text(cell, text: str, align, bold=False, size=TABLE_PT, symbol: str | None = None):
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    p.paragraph_format.first_line_indent = None
    if symbol:
        _run(p, symbol + " ", bold=bold, size=size, font=SYMBOL_FONT)
    _run(p, text, bold=bold, size=size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _kpi_table(doc, r: Report):
    table = doc.add_table(rows=1 + len(r.rows), cols=len(COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(table, 1.2)
    _widths(table, [c[1] for c in COLUMNS])
    head = table.rows[0]
    _repeat_header(head)
    for cell, (title, _, _) in zip(head.cells, COLUMNS):
        _cell_text(cell, title, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        _shade(cell, HEAD_FILL)
    for tr, row in zip(table.rows[1:], r.rows):
        _cant_split(tr)
        values = [str(row.index), row.label, row.section or "—", row.target_text,
                  row.value_text, row.ratio_text, row.status_text, row.change_text]
        for i, (cell, text, (_, _, align)) in enumerate(zip(tr.cells, values, COLUMNS)):
            if i == 6:
                _cell_text(cell, text, align, bold=row.met is False, symbol=row.status_symbol)
                _shade(cell, STATUS_FILL[row.met if row.met in (True, False) else None])
            else:
                _cell_text(cell, text, align, bold=(i == 4))
    return table


def _counts_table(doc, r: Report):
    table = doc.add_table(rows=1 + len(r.counts), cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, (115, 35))
    _repeat_header(table.rows[0])
    for cell, title in zip(table.rows[0].cells, ("Số liệu", "Số hồ sơ")):
        _cell_text(cell, title, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        _shade(cell, HEAD_FILL)
    for tr, (_, label, value) in zip(table.rows[1:], r.counts):
        _cell_text(tr.cells[0], label, WD_ALIGN_PARAGRAPH.LEFT)
        _cell_text(tr.cells[1], fmt.integer(value), WD_ALIGN_PARAGRAPH.RIGHT)
    return table


def _signature(doc, r: Report) -> None:
    _para(doc, "", space_after=6)
    left_w, right_w = 75.0, TEXT_WIDTH_MM - 75.0
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, 0)
    _widths(table, (left_w, right_w))
    _cant_split(table.rows[0])
    left, right = table.rows[0].cells
    _first_para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in r.recipients:
        _para(left, line, size=11)
    titles = [t for t in r.signer_title.splitlines() if t.strip()] or [""]
    for i, t in enumerate(titles):
        if i == 0:
            _first_para(right, t, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
        else:
            _para(right, t, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
    for _ in range(4):
        _para(right, "", size=13)
    _para(right, r.signer_name, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)


def write(report: Report, target: str | Path | BinaryIO) -> None:
    r = report
    doc = Document()
    _setup(doc, r)
    _letterhead(doc, r)
    _title(doc, r)
    year = r.period_end.year if r.period_end else ""
    unit = unit_in_sentence(r.unit)
    _body(doc, f"Căn cứ Kế hoạch cải cách hành chính năm {year} của UBND {unit} và số liệu trên "
               f"Hệ thống thông tin giải quyết thủ tục hành chính, báo cáo kết quả thực hiện các "
               f"chỉ tiêu cải cách hành chính {fmt.in_sentence(r.period_label)} của {unit} như sau:")

    _heading(doc, "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    _heading(doc, "1. Thông tin chung")
    _labelled(doc, "Đơn vị: ", r.unit)
    _labelled(doc, "Kỳ báo cáo: ", f"{r.period_label}, {r.period_range}.")
    _labelled(doc, "Dữ liệu đến ngày ", f"{r.as_of_text}.")
    if r.coverage_note:  # a partly covered period: which days are missing, before any figure
        _body(doc, r.coverage_note)
    for line in r.definition_lines:
        _body(doc, f"- {line}")

    _heading(doc, "2. Kết quả thực hiện các chỉ tiêu của kế hoạch")
    _body(doc, r.summary)
    _kpi_table(doc, r)
    _para(doc, "Ký hiệu: ✓ Đạt; ✗ Chưa đạt; ○ Chưa có dữ liệu hoặc chưa có chỉ tiêu. Kết quả làm "
               "tròn 1 chữ số thập phân; đánh giá theo số chưa làm tròn; thay đổi so với kỳ trước "
               "tính bằng điểm phần trăm.", italic=True, size=11, space_before=3, space_after=6,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY)

    _heading(doc, "3. Số liệu hồ sơ trong kỳ")
    if r.counts:
        _counts_table(doc, r)
    else:
        _body(doc, "Không có số liệu hồ sơ.")

    _heading(doc, "II. GHI CHÚ VỀ SỐ LIỆU")
    _heading(doc, "1. Công thức tính")
    for row in r.rows:
        if row.formula:
            p = _body(doc, "")
            _run(p, f"- {row.label}: ", bold=True)
            _run(p, f"{row.formula} = {row.ratio_text} = {row.value_text}.")
    _heading(doc, "2. Dữ liệu còn thiếu")
    if r.notes:
        for note in r.notes:
            _body(doc, f"- {note}")
    else:
        _body(doc, "Không có: số liệu đủ cho mọi chỉ số.")

    _body(doc, f"Trên đây là báo cáo kết quả thực hiện chỉ tiêu cải cách hành chính "
               f"{fmt.in_sentence(r.period_label)} của {unit}./.", space_before=6)
    _signature(doc, r)
    doc.save(target)
