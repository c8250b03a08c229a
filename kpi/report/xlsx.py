"""The snapshot's data tables as an Excel workbook (xlsxwriter).

One sheet per table: "Chỉ tiêu" (every plan target), "Số liệu hồ sơ" (counts), "Xu hướng"
(the monthly trend, when given) and "Thông tin" (unit, period, definitions, notes). Numbers are
stored as numbers — rates as fractions shown with "0.0%" — and dates as dates. Every text goes
through one writer that stores it as a string and marks text starting with = + - @ (or a tab,
a carriage return) with Excel's quote prefix, so no cell is ever taken for a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO


from kpi import excel
from kpi import format as fmt
from kpi.format import NO_DATA, nfc

from .common import Report

FORMULA_START = excel.FORMULA_START  # the one rule: kpi/excel.py
PCT = "0.0%"
INT = "#,##0"
PP = '+0.0;-0.0;0.0'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
STATUS_BG = {True: "#DEF0DE", False: "#FADEDE", None: "#EEEEEE"}


class _Book:
    def __init__(self, target):
        self.wb = excel.workbook(target, default_date_format=DATE)
        self._formats: dict = {}

    def fmt(self, **props):
        props = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter", **props}
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def text(self, ws, row: int, col: int, value, **props) -> None:
        """Write text as text; neutralise what a spreadsheet could read as a formula."""
        s = nfc(value)
        if excel.looks_like_formula(s):
            props = {**props, "quote_prefix": True}
        ws.write_string(row, col, s, self.fmt(**props))

    def number(self, ws, row: int, col: int, value, num_format: str, **props) -> None:
        if value is None:
            self.text(ws, row, col, NO_DATA, align="center", **props)
        else:
            ws.write_number(row, col, float(value), self.fmt(num_format=num_format, **props))

    def header(self, ws, row: int, titles) -> None:
        for col, title in enumerate(titles):
            self.text(ws, row, col, title, bold=True, bg_color="#E1E1E1", border=1,
                      text_wrap=True, align="center")
        ws.set_row(row, 30)


def _print_setup(ws, r: Report, landscape: bool = True) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    title = nfc(f"{r.unit} - {r.period_label} - dữ liệu đến ngày {r.as_of_text}").replace("&", "&&")
    ws.set_header(f"&C&\"Times New Roman,Bold\"{title}")
    ws.set_footer("&CTrang &P/&N")


def _kpi_sheet(b: _Book, r: Report) -> None:
    """One row per KPI, in the snapshot's order, named by its Vietnamese label (no code key)."""
    ws = b.wb.add_worksheet("Chỉ tiêu")
    titles = ["TT", "Chỉ số", "Mục kế hoạch", "Chỉ tiêu", "Kết quả", "Tử số",
              "Mẫu số", "Đánh giá", "Kỳ trước", "Thay đổi so với kỳ trước (điểm %)", "Công thức"]
    b.header(ws, 0, titles)
    for i, row in enumerate(r.rows, start=1):
        ws.write_number(i, 0, row.index, b.fmt(align="center", border=1))
        b.text(ws, i, 1, row.label, border=1, text_wrap=True)
        b.text(ws, i, 2, row.section or NO_DATA, border=1, align="center")
        b.number(ws, i, 3, row.target, PCT, border=1)
        b.number(ws, i, 4, row.value, PCT, border=1, bold=True)
        b.number(ws, i, 5, row.numerator, INT, border=1)
        b.number(ws, i, 6, row.denominator, INT, border=1)
        status_bg = STATUS_BG[row.met if row.met in (True, False) else None]
        b.text(ws, i, 7, row.status_text, border=1, bg_color=status_bg, bold=row.met is False)
        b.number(ws, i, 8, row.previous, PCT, border=1)
        b.number(ws, i, 9, None if row.change is None else row.change * 100, PP, border=1)
        b.text(ws, i, 10, row.formula, border=1, text_wrap=True)
    widths = [5, 48, 12, 10, 10, 10, 10, 16, 10, 16, 70]
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)
    ws.freeze_panes(1, 2)
    if r.rows:
        ws.autofilter(0, 0, len(r.rows), len(titles) - 1)
    _print_setup(ws, r)


def _counts_sheet(b: _Book, r: Report) -> None:
    ws = b.wb.add_worksheet("Số liệu hồ sơ")
    b.header(ws, 0, ["Số liệu", "Số hồ sơ"])
    for i, (_key, label, value) in enumerate(r.counts, start=1):
        b.text(ws, i, 0, label, border=1)
        b.number(ws, i, 1, value, INT, border=1)
    ws.set_column(0, 0, 52)
    ws.set_column(1, 1, 12)
    ws.freeze_panes(1, 0)
    _print_setup(ws, r, landscape=False)


def _trend_sheet(b: _Book, r: Report) -> None:
    ws = b.wb.add_worksheet("Xu hướng")
    labels = {row.key: row.label for row in r.rows}
    keys = [k for k, series in r.trend.items() if series]
    months = sorted({m for k in keys for m, _ in r.trend[k]})
    b.header(ws, 0, ["Tháng"] + [labels.get(k, k) for k in keys])
    for i, month in enumerate(months, start=1):
        ws.write_datetime(i, 0, dt.datetime.combine(month, dt.time()),
                          b.fmt(num_format="mm/yyyy", align="center", border=1))
        for j, key in enumerate(keys, start=1):
            value = dict(r.trend[key]).get(month)
            if value is None:
                ws.write_blank(i, j, None, b.fmt(border=1))
            else:
                ws.write_number(i, j, value, b.fmt(num_format=PCT, border=1))
    ws.set_column(0, 0, 10)
    ws.set_column(1, max(len(keys), 1), 22)
    ws.freeze_panes(1, 1)
    if months and keys:
        chart = b.wb.add_chart({"type": "line"})
        for j, key in enumerate(keys, start=1):
            chart.add_series({
                "name": ["Xu hướng", 0, j],
                "categories": ["Xu hướng", 1, 0, len(months), 0],
                "values": ["Xu hướng", 1, j, len(months), j],
                "marker": {"type": "circle", "size": 4},
            })
        chart.set_title({"name": "Xu hướng 12 tháng"})
        chart.set_y_axis({"num_format": "0%", "max": 1})
        chart.set_x_axis({"num_format": "mm/yyyy"})
        chart.show_blanks_as("gap")
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 900, "height": 420})
        ws.insert_chart(len(months) + 3, 0, chart)
    _print_setup(ws, r)


def _info_sheet(b: _Book, r: Report) -> None:
    ws = b.wb.add_worksheet("Thông tin")
    b.header(ws, 0, ["Mục", "Nội dung"])
    date_fmt = b.fmt(num_format=DATE, align="left", border=1)
    rows: list[tuple[str, object]] = [
        ("Báo cáo", "Kết quả thực hiện chỉ tiêu cải cách hành chính"),
        ("Đơn vị", r.unit),
        ("Kỳ báo cáo", r.period_label),
        ("Từ ngày", r.period_start),
        ("Đến ngày", r.period_end),
        ("Dữ liệu đến ngày", r.data_through),
    ]
    if r.coverage_note:  # a partly covered period: which days are missing, near the top
        rows.append(("Dữ liệu còn thiếu", r.coverage_note))
    rows += [
        ("Tổng hợp", r.summary),
        ("Thời điểm tải dữ liệu", r.as_of),
        ("Ngày lập", r.report_date),
    ]
    rows += [("Cách tính", line) for line in r.definition_lines]
    rows += [("Ghi chú", note) for note in r.notes]
    for i, (label, value) in enumerate(rows, start=1):
        b.text(ws, i, 0, label, bold=True, border=1)
        if isinstance(value, dt.datetime):
            ws.write_datetime(i, 1, value, b.fmt(num_format=DATETIME, align="left", border=1))
        elif isinstance(value, dt.date):
            ws.write_datetime(i, 1, dt.datetime.combine(value, dt.time()), date_fmt)
        elif value is None:
            b.text(ws, i, 1, NO_DATA, border=1)
        else:
            b.text(ws, i, 1, value, border=1, text_wrap=True)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 100)
    ws.freeze_panes(1, 0)
    _print_setup(ws, r, landscape=False)


def write(report: Report, target: str | Path | BinaryIO) -> None:
    target = str(target) if isinstance(target, Path) else target
    b = _Book(target)
    b.wb.set_properties({
        "title": nfc(f"Báo cáo kết quả thực hiện chỉ tiêu CCHC - {report.unit} - {report.period_label}"),
        "author": nfc(report.unit),
        "comments": nfc(fmt.official_date(report.place, report.report_date)),
    })
    _kpi_sheet(b, report)
    _counts_sheet(b, report)
    if any(report.trend.values()):
        _trend_sheet(b, report)
    _info_sheet(b, report)
    b.wb.close()
