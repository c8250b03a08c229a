"""The snapshot as an A4 portrait PDF, drawn with fpdf2 (pure Python, no browser).

Fonts: Liberation Serif (Times metrics, every Vietnamese letter) embedded as a subset, with
DejaVu Sans as fallback for the status symbols. All text passes through NFC first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from kpi import definitions as D
from kpi import format as fmt
from kpi.format import NO_DATA, nfc

from .common import Report

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SERIF = "LiberationSerif"
SYMBOLS = "DejaVuSans"

# A4 portrait, millimetres.
PAGE_W = 210.0
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 20.0, 15.0, 15.0, 16.0
WIDTH = PAGE_W - MARGIN_L - MARGIN_R

INK = (0, 0, 0)
GREY_TEXT = (80, 80, 80)
RULE = (120, 120, 120)
HEAD_FILL = (225, 225, 225)
STATUS_FILL = {True: (222, 240, 222), False: (250, 222, 222), None: (238, 238, 238)}
BANDS = ((190, 190, 190), (215, 215, 215), (238, 238, 238))  # poor, near, reached (Few)
BAR = (40, 40, 40)


class _PDF(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-11)
        self.set_font(SERIF, "", 8)
        self.set_text_color(*GREY_TEXT)
        self.cell(WIDTH * 0.75, 5, self.footer_text, align="L")
        self.cell(WIDTH * 0.25, 5, f"Trang {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)


def _new_pdf(report: Report) -> _PDF:
    pdf = _PDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN_L, MARGIN_T, MARGIN_R)
    pdf.set_auto_page_break(True, margin=MARGIN_B)
    pdf.add_font(SERIF, "", FONT_DIR / "LiberationSerif-Regular.ttf")
    pdf.add_font(SERIF, "B", FONT_DIR / "LiberationSerif-Bold.ttf")
    pdf.add_font(SERIF, "I", FONT_DIR / "LiberationSerif-Italic.ttf")
    pdf.add_font(SYMBOLS, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.set_fallback_fonts([SYMBOLS], exact_match=False)
    pdf.set_title(nfc(f"Báo cáo kết quả thực hiện chỉ tiêu CCHC - {report.unit} - {report.period_label}"))
    pdf.set_author(nfc(report.unit))
    pdf.set_creator("CCHC dashboard")
    pdf.set_lang("vi")
    pdf.footer_text = nfc(
        f"Báo cáo kết quả thực hiện chỉ tiêu CCHC · {report.unit} · {report.period_label}"
    )
    pdf.set_font(SERIF, "", 10)
    return pdf


# --------------------------------------------------------------------------- helpers

def _space_left(pdf: FPDF) -> float:
    return pdf.h - MARGIN_B - pdf.get_y()


def _ensure(pdf: FPDF, height: float) -> None:
    """Start a new page unless ``height`` mm still fit: a block is never cut."""
    if _space_left(pdf) < height:
        pdf.add_page()


def _text(pdf: FPDF, text: str, size: float = 10, style: str = "", align: str = "L",
          h: float | None = None, w: float = 0, indent: float = 0) -> None:
    pdf.set_font(SERIF, style, size)
    pdf.set_x(MARGIN_L + indent)
    pdf.multi_cell(w or WIDTH - indent, h or size * 0.47, nfc(text), align=align,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _lines_needed(pdf: FPDF, w: float, text: str, size: float, style: str = "") -> int:
    pdf.set_font(SERIF, style, size)
    lines = pdf.multi_cell(w, 4, nfc(text), dry_run=True, output=MethodReturnValue.LINES)
    return max(1, len(lines))


def _heading(pdf: FPDF, text: str, keep_with: float = 20) -> None:
    _ensure(pdf, 9 + keep_with)
    pdf.ln(3)
    _text(pdf, text, size=11.5, style="B", h=6)
    pdf.ln(1)


def _hrule(pdf: FPDF, cx: float, y: float, length: float) -> None:
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(cx - length / 2, y, cx + length / 2, y)


# --------------------------------------------------------------------------- blocks

def _letterhead(pdf: FPDF, r: Report) -> None:
    left_w, right_w = 80.0, WIDTH - 80.0
    y0 = pdf.get_y()
    # Left: the unit header, the issuing body in bold with a short rule under it.
    pdf.set_xy(MARGIN_L, y0)
    for i, line in enumerate(r.unit_header):
        last = i == len(r.unit_header) - 1
        pdf.set_font(SERIF, "B" if last else "", 10)
        pdf.set_x(MARGIN_L)
        pdf.multi_cell(left_w, 5, nfc(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _hrule(pdf, MARGIN_L + left_w / 2, pdf.get_y() + 0.8, 22)
    doc_number = getattr(r, "doc_number", "")
    if doc_number:  # "Số:      /BC-UBND" under the rule (Nghị định 30/2020)
        pdf.set_xy(MARGIN_L, pdf.get_y() + 2.5)
        pdf.set_font(SERIF, "", 10.5)
        pdf.cell(left_w, 5, nfc(doc_number), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y_left = pdf.get_y() + 2
    # Right: the national motto with its rule.
    pdf.set_xy(MARGIN_L + left_w, y0)
    pdf.set_font(SERIF, "B", 10)
    pdf.cell(right_w, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C",
             new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(SERIF, "B", 11.5)
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.cell(right_w, 5.5, motto, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _hrule(pdf, MARGIN_L + left_w + right_w / 2, pdf.get_y() + 0.6, pdf.get_string_width(motto))
    pdf.set_y(pdf.get_y() + 3)
    pdf.set_x(MARGIN_L + left_w)
    pdf.set_font(SERIF, "I", 10.5)
    pdf.cell(right_w, 5, nfc(fmt.official_date(r.place, r.report_date)), align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(y_left, pdf.get_y()) + 4)


def _title(pdf: FPDF, r: Report) -> None:
    _text(pdf, "BÁO CÁO", size=14, style="B", align="C", h=6.5)
    _text(pdf, "KẾT QUẢ THỰC HIỆN CHỈ TIÊU CẢI CÁCH HÀNH CHÍNH", size=12.5, style="B",
          align="C", h=6)
    _text(pdf, r.period_label, size=11.5, style="B", align="C", h=5.5)
    pdf.ln(3)
    info = [
        ("Đơn vị: ", r.unit),
        ("Kỳ báo cáo: ", f"{r.period_label}, {r.period_range}"),
        ("Dữ liệu đến ngày ", r.as_of_text),
    ]
    for lab, val in info:
        pdf.set_x(MARGIN_L)
        pdf.set_font(SERIF, "B", 10)
        pdf.cell(pdf.get_string_width(nfc(lab)) + 0.5, 5, nfc(lab))
        pdf.set_font(SERIF, "", 10)
        pdf.cell(0, 5, nfc(val), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if r.coverage_note:  # a partly covered period: which days are missing, before any figure
        _text(pdf, r.coverage_note, size=10, style="B", h=5)
    if r.definition_lines:
        pdf.set_font(SERIF, "B", 10)
        pdf.cell(0, 5, "Cách tính được áp dụng:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in r.definition_lines:
            _bullet(pdf, line, size=9.5)


def _bullet(pdf: FPDF, text: str, size: float = 9.5, indent: float = 4) -> None:
    pdf.set_font(SERIF, "", size)
    pdf.set_x(MARGIN_L + indent - 3)
    pdf.cell(3, size * 0.47, "•")
    pdf.multi_cell(WIDTH - indent, size * 0.47, nfc(text), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# The KPI table: columns (title, width, align).
_COLUMNS = (
    ("TT", 8, "C"),
    ("Chỉ số", 52, "L"),
    ("Mục KH", 13, "C"),
    ("Chỉ tiêu", 15, "C"),
    ("Kết quả", 16, "C"),
    ("Tử số/Mẫu số", 24, "C"),
    ("Đánh giá", 25, "L"),
    ("So với kỳ trước", 22, "C"),
)
_LINE_H = 4.2
_PAD = 1.2  # vertical; fpdf2's cell margin pads horizontally


def _row_cells(row) -> list[str]:
    return [
        str(row.index),
        row.label,
        row.section or NO_DATA,
        row.target_text,
        row.value_text,
        row.ratio_text,
        f"{row.status_symbol} {row.status_text}",
        row.change_text,
    ]


def _draw_row(pdf: FPDF, cells: list[str], size: float, style: str = "",
              fills: list | None = None, styles: list | None = None) -> None:
    heights = []
    for (_, w, _), text, st in zip(_COLUMNS, cells, styles or [style] * len(cells)):
        heights.append(_lines_needed(pdf, w, text, size, st))
    h = max(heights) * _LINE_H + 2 * _PAD
    if _space_left(pdf) < h:
        pdf.add_page()
        _table_header(pdf)
    x, y = MARGIN_L, pdf.get_y()
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    for i, ((_, w, align), text) in enumerate(zip(_COLUMNS, cells)):
        fill = fills[i] if fills else None
        if fill:
            pdf.set_fill_color(*fill)
            pdf.rect(x, y, w, h, style="DF")
        else:
            pdf.rect(x, y, w, h, style="D")
        st = styles[i] if styles else style
        pdf.set_font(SERIF, st, size)
        lines = heights[i]
        pdf.set_xy(x, y + (h - lines * _LINE_H) / 2)
        pdf.multi_cell(w, _LINE_H, nfc(text), align=align,
                       new_x=XPos.RIGHT, new_y=YPos.TOP)
        x += w
    pdf.set_xy(MARGIN_L, y + h)


def _table_header(pdf: FPDF) -> None:
    _draw_row(pdf, [c[0] for c in _COLUMNS], 9, "B", fills=[HEAD_FILL] * len(_COLUMNS))


def _kpi_table(pdf: FPDF, r: Report) -> None:
    _table_header(pdf)
    for row in r.rows:
        fills = [None] * len(_COLUMNS)
        fills[6] = STATUS_FILL[row.met if row.met in (True, False) else None]
        styles = [""] * len(_COLUMNS)
        styles[4] = "B"
        styles[6] = "B" if row.met is False else ""
        _draw_row(pdf, _row_cells(row), 9, fills=fills, styles=styles)
    pdf.ln(1.5)
    _text(pdf, f"Tổng hợp: {r.summary}", size=10, style="B", h=5)
    _text(pdf, "Ký hiệu: ✓ Đạt · ✗ Chưa đạt · ○ Chưa có dữ liệu hoặc chưa có chỉ tiêu. "
          "Kết quả làm tròn 1 chữ số thập phân; đánh giá Đạt/Chưa đạt theo số chưa làm tròn. "
          "Thay đổi so với kỳ trước tính bằng điểm phần trăm.", size=8.5, style="I", h=4)


def _bullet_graphs(pdf: FPDF, r: Report) -> None:
    label_w, value_w = 68.0, 26.0
    bar_w = WIDTH - label_w - value_w - 4
    row_h, band_h = 8.0, 4.6
    bx = MARGIN_L + label_w + 2
    _ensure(pdf, min(len(r.rows), 4) * row_h + 12)
    for row in r.rows:
        if _space_left(pdf) < row_h + 8:
            _bullet_axis(pdf, bx, bar_w)
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(SERIF, "", 8.5)
        n = _lines_needed(pdf, label_w, row.label, 8.5)
        pdf.set_xy(MARGIN_L, y + (row_h - min(n, 2) * 3.6) / 2)
        pdf.multi_cell(label_w, 3.6, nfc(row.label), align="R", max_line_height=3.6,
                       new_x=XPos.RIGHT, new_y=YPos.TOP)
        by = y + (row_h - band_h) / 2
        t = row.target
        if t is None:
            pdf.set_fill_color(*BANDS[2])
            pdf.rect(bx, by, bar_w, band_h, style="F")
        else:
            poor = max(0.0, t - 0.2)
            for lo, hi, colour in ((0.0, poor, BANDS[0]), (poor, t, BANDS[1]), (t, 1.0, BANDS[2])):
                if hi > lo:
                    pdf.set_fill_color(*colour)
                    pdf.rect(bx + lo * bar_w, by, (hi - lo) * bar_w, band_h, style="F")
        if row.value is not None:
            v = min(max(row.value, 0.0), 1.0)
            pdf.set_fill_color(*BAR)
            pdf.rect(bx, by + band_h / 3, v * bar_w, band_h / 3, style="F")
        else:
            pdf.set_font(SERIF, "I", 8)
            pdf.set_xy(bx + 2, by)
            pdf.cell(bar_w - 4, band_h, "không có dữ liệu", align="L")
        if t is not None:
            pdf.set_draw_color(*INK)
            pdf.set_line_width(0.6)
            tx = bx + min(t, 1.0) * bar_w
            pdf.line(tx, by - 0.9, tx, by + band_h + 0.9)
        pdf.set_xy(bx + bar_w + 2, y + (row_h - 4) / 2)
        pdf.set_font(SERIF, "B", 8.5)
        mark = f"{row.status_symbol} " if row.value is not None else ""
        pdf.cell(value_w, 4, nfc(f"{mark}{row.value_text} / {row.target_text}"), align="L")
        pdf.set_xy(MARGIN_L, y + row_h)
    _bullet_axis(pdf, bx, bar_w)
    _text(pdf, "Cách đọc: thanh đậm là kết quả, vạch đứng là chỉ tiêu; nền xám đậm: dưới chỉ "
          "tiêu trên 20 điểm %, xám vừa: dưới chỉ tiêu đến 20 điểm %, xám nhạt: đạt chỉ tiêu.",
          size=8.5, style="I", h=4)


def _bullet_axis(pdf: FPDF, bx: float, bar_w: float) -> None:
    y = pdf.get_y() + 0.5
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(bx, y, bx + bar_w, y)
    pdf.set_font(SERIF, "", 7)
    for i in range(0, 11, 2):
        x = bx + bar_w * i / 10
        pdf.line(x, y, x, y + 1)
        pdf.set_xy(x - 6, y + 1)
        pdf.cell(12, 3, f"{i * 10}%", align="C")
    pdf.set_xy(MARGIN_L, y + 5)


def _trend_charts(pdf: FPDF, r: Report) -> None:
    rows = {row.key: row for row in r.rows}
    keys = [k for k in r.trend if r.trend[k]]
    cols, gap = 3, 4.0
    cw = (WIDTH - gap * (cols - 1)) / cols
    ch = 44.0
    for i, key in enumerate(keys):
        col = i % cols
        if col == 0:
            _ensure(pdf, ch + 2)
            y = pdf.get_y()
        row = rows.get(key)
        label = row.short_label if row else key
        target = row.target if row else None
        _trend_chart(pdf, MARGIN_L + col * (cw + gap), y, cw, ch, label, r.trend[key], target)
        if col == cols - 1 or i == len(keys) - 1:
            pdf.set_xy(MARGIN_L, y + ch + 2)
    _text(pdf, "Đường liền: kết quả từng tháng (chấm lớn: tháng cuối); đường đứt: chỉ tiêu. "
          "Tháng không có dữ liệu để trống.", size=8.5, style="I", h=4)


def _trend_chart(pdf: FPDF, x: float, y: float, w: float, h: float, title: str,
                 series: list[tuple[dt.date, float | None]], target: float | None) -> None:
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, w, h, style="D")
    pdf.set_font(SERIF, "B", 8.5)
    pdf.set_xy(x + 1, y + 1)
    last = next((v for _, v in reversed(series) if v is not None), None)
    pdf.cell(w - 2, 4, nfc(title), align="L")
    pdf.set_font(SERIF, "", 7.5)
    pdf.set_xy(x + 1, y + 4.6)
    pdf.cell(w - 2, 3.4, nfc(f"Chỉ tiêu {fmt.target(target)} · tháng cuối {fmt.pct(last)}"),
             align="L")
    # Plot area.
    px, py, pw, ph = x + 11, y + 10, w - 14, h - 19
    values = [v for _, v in series if v is not None]
    lo = min(values + ([target] if target is not None else []), default=0.0)
    lo = max(0.0, (int(lo * 20) - 1) / 20)  # 5-point steps below the lowest value
    hi = 1.0
    if hi - lo < 0.05:
        lo = max(0.0, hi - 0.05)

    def yy(v: float) -> float:
        return py + ph - (v - lo) / (hi - lo) * ph

    pdf.set_font(SERIF, "", 6.5)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.15)
    for v in (lo, (lo + hi) / 2, hi):
        pdf.line(px, yy(v), px + pw, yy(v))
        pdf.set_xy(x + 0.5, yy(v) - 1.5)
        pdf.cell(10, 3, fmt.pct(v, 0 if round(v * 100, 6).is_integer() else 1), align="R")
    n = len(series)
    step = pw / max(n - 1, 1)

    def xx(i: int) -> float:
        return px + i * step if n > 1 else px + pw / 2

    if target is not None and lo <= target <= hi:
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(dash=1.2, gap=0.9)
        pdf.line(px, yy(target), px + pw, yy(target))
        pdf.set_dash_pattern()
    pdf.set_draw_color(*BAR)
    pdf.set_fill_color(*BAR)
    pdf.set_line_width(0.45)
    segment: list[tuple[float, float]] = []
    for i, (_, v) in enumerate(series + [(None, None)]):
        if v is None:
            if len(segment) > 1:
                pdf.polyline(segment)
            segment = []
        else:
            segment.append((xx(i), yy(v)))
    for i, (_, v) in enumerate(series):
        if v is not None:
            pdf.circle(xx(i), yy(v), 0.55, style="F")
    # Month ticks: the month number under each point; the year under the first month and
    # each January, only where its label does not run into the previous one.
    pdf.set_font(SERIF, "", 6)
    pdf.set_text_color(*GREY_TEXT)
    for i, (month, _) in enumerate(series):
        pdf.set_xy(xx(i) - 3, py + ph + 0.6)
        pdf.cell(6, 2.6, str(month.month), align="C")
    for i, x0, text in year_ticks([m for m, _ in series], xx, pdf.get_string_width):
        pdf.set_xy(x0, py + ph + 3.1)
        pdf.cell(pdf.get_string_width(text) + 0.4, 2.6, text, align="L")
    pdf.set_text_color(*INK)
    if series and series[-1][1] is not None:
        pdf.circle(xx(n - 1), yy(series[-1][1]), 0.95, style="F")


def year_ticks(months: list[dt.date], x_of, width_of, gap: float = 1.0):
    """(index, left x, text) of the year labels of a month axis: under each January, and under
    the first month unless a January follows too closely; a label never overlaps the one
    before it (no "20252026"): one that would is left out."""
    out, right = [], None
    marks = [i for i, m in enumerate(months) if m.month == 1]
    candidates = sorted(set(marks) | ({0} if months else set()))
    for i in candidates:
        text = str(months[i].year)
        w = width_of(text)
        x0 = x_of(i) - w / 2
        if i == 0:
            x0 = max(x0, x_of(0) - 1.5)
            nxt = next((j for j in marks if j > 0), None)
            if nxt is not None and x0 + w + gap > x_of(nxt) - width_of(str(months[nxt].year)) / 2:
                continue  # the January's label says it better
        if right is not None and x0 < right + gap:
            continue
        out.append((i, x0, text))
        right = x0 + w
    return out


def _counts(pdf: FPDF, r: Report) -> None:
    lw, vw = 95.0, 30.0
    _ensure(pdf, (len(r.counts) + 1) * 5.5)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(*HEAD_FILL)
    pdf.set_font(SERIF, "B", 9)
    pdf.cell(lw, 5.5, "Số liệu", border=1, fill=True)
    pdf.cell(vw, 5.5, "Số hồ sơ", border=1, fill=True, align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SERIF, "", 9)
    for _, label, value in r.counts:
        pdf.cell(lw, 5.5, nfc(label), border=1)
        pdf.cell(vw, 5.5, fmt.integer(value), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _formulas(pdf: FPDF, r: Report) -> None:
    for row in r.rows:
        if not row.formula:
            continue
        _ensure(pdf, 9)
        pdf.set_font(SERIF, "B", 9)
        pdf.set_x(MARGIN_L)
        pdf.multi_cell(WIDTH, 4.2, nfc(f"{row.index}. {row.label}"), new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_font(SERIF, "", 9)
        pdf.set_x(MARGIN_L + 4)
        pdf.multi_cell(WIDTH - 4, 4.2, nfc(f"{row.formula} = {row.ratio_text} = {row.value_text}"),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _notes(pdf: FPDF, r: Report) -> None:
    if not r.notes:
        _text(pdf, "Không có ghi chú: số liệu đủ cho mọi chỉ số.", size=9.5, h=4.6)
    for note in r.notes:
        _ensure(pdf, 5)
        _bullet(pdf, note, size=9.5)


def _trend_heading(r: Report) -> str:
    keys = [k for k, series in r.trend.items() if series]
    if not keys:
        return "III. XU HƯỚNG THEO THÁNG"
    months = max(len(r.trend[k]) for k in keys)
    tail = " CỦA 5 CHỈ TIÊU CHÍNH" if set(keys) == set(D.HEADLINE_KEYS) else ""
    return f"III. XU HƯỚNG {months} THÁNG{tail}"


def signature(pdf: FPDF, r) -> None:
    """"Nơi nhận:" and its list on the left, the signer's title, room to sign and the name on
    the right (as in the DOCX); the block is never split across pages."""
    titles = [t for t in (getattr(r, "signer_title", "") or "").splitlines() if t.strip()]
    recipients = list(getattr(r, "recipients", []) or [])
    height = max(6 + 4.4 * len(recipients), 6 * len(titles) + 28)
    _ensure(pdf, height + 6)
    pdf.ln(4)
    y0 = pdf.get_y()
    left_w, right_w = 80.0, WIDTH - 80.0
    pdf.set_xy(MARGIN_L, y0)
    pdf.set_font(SERIF, "B", 10.5)
    pdf.cell(left_w, 5, "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SERIF, "", 9.5)
    for line in recipients:
        pdf.set_x(MARGIN_L)
        pdf.multi_cell(left_w, 4.4, nfc(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y_left = pdf.get_y()
    pdf.set_xy(MARGIN_L + left_w, y0)
    pdf.set_font(SERIF, "B", 11)
    for t in titles:
        pdf.set_x(MARGIN_L + left_w)
        pdf.cell(right_w, 5.5, nfc(t), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 20)
    pdf.set_x(MARGIN_L + left_w)
    pdf.cell(right_w, 5.5, nfc(getattr(r, "signer_name", "") or ""), align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(y_left, pdf.get_y()) + 2)


# --------------------------------------------------------------------------- entry point

def write(report: Report, target: str | Path | BinaryIO) -> None:
    pdf = _new_pdf(report)
    pdf.add_page()
    _letterhead(pdf, report)
    _title(pdf, report)
    _heading(pdf, "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", keep_with=30)
    _kpi_table(pdf, report)
    _heading(pdf, "II. SO SÁNH VỚI CHỈ TIÊU (BIỂU ĐỒ THANH)", keep_with=40)
    _bullet_graphs(pdf, report)
    _heading(pdf, _trend_heading(report), keep_with=46)
    if any(report.trend.values()):
        _trend_charts(pdf, report)
    else:
        _text(pdf, "Chưa có số liệu xu hướng theo tháng.", size=9.5, h=4.6)
    _heading(pdf, "IV. SỐ LIỆU HỒ SƠ TRONG KỲ", keep_with=30)
    _counts(pdf, report)
    _heading(pdf, "V. CÔNG THỨC TÍNH", keep_with=10)
    _formulas(pdf, report)
    _heading(pdf, "VI. GHI CHÚ VỀ DỮ LIỆU CÒN THIẾU", keep_with=10)
    _notes(pdf, report)
    signature(pdf, report)
    data = bytes(pdf.output())
    if hasattr(target, "write"):
        target.write(data)
    else:
        Path(target).write_bytes(data)
