"""The Excel snapshot: open it with openpyxl; numbers stay numbers, formulas never sneak in."""

import datetime as dt

import openpyxl
import pytest

from kpi import definitions as D

from kpi.report import render, sample


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "bao-cao.xlsx"
    snap = sample.snapshot()
    snap["unit"] = '=HYPERLINK("http://evil.example","Xã Lộc Tân")'
    extras = sample.extras()
    extras["notes"] = ["+ ghi chú bắt đầu bằng dấu cộng", "@SUM(A1:A2)", "-1+2"]
    render("xlsx", snap, path, extras)
    return openpyxl.load_workbook(str(path))


def test_a_sheet_per_table(book):
    assert book.sheetnames == ["Chỉ tiêu", "Số liệu hồ sơ", "Xu hướng", "Thông tin"]


def test_kpi_cells_are_numbers_with_percentage_formats(book):
    ws = book["Chỉ tiêu"]
    header = [c.value for c in ws[1]]
    assert header == ["TT", "Chỉ số", "Mục kế hoạch", "Chỉ tiêu", "Kết quả", "Tử số",
                      "Mẫu số", "Đánh giá", "Kỳ trước", "Thay đổi so với kỳ trước (điểm %)",
                      "Công thức"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "C2"
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["Chỉ số"].value == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert row["Kết quả"].data_type == "n"
    assert row["Kết quả"].value == pytest.approx(1203 / 1218, abs=1e-12)
    assert row["Kết quả"].number_format == "0.0%"
    assert row["Chỉ tiêu"].value == 0.98 and row["Chỉ tiêu"].number_format == "0.0%"
    assert row["Tử số"].value == 1203 and row["Mẫu số"].value == 1218
    assert row["Tử số"].number_format == "#,##0"
    assert row["Đánh giá"].value == "Đạt"
    assert row["Kỳ trước"].value == 0.984 and row["Kỳ trước"].number_format == "0.0%"
    assert row["Thay đổi so với kỳ trước (điểm %)"].value == pytest.approx((1203 / 1218 - 0.984) * 100)
    # every KPI of the snapshot, in order, with its raw value
    # no code key on the sheet: each KPI named by its label
    kpis = sample.snapshot()["kpis"]
    for kpi, cells in zip(kpis, ws.iter_rows(min_row=2, max_row=1 + len(kpis))):
        assert cells[1].value == D.KPI_BY_KEY[kpi["key"]].label
        assert not any(c.value == kpi["key"] for c in cells)
        if kpi["value"] is None:
            assert cells[4].value == "—"
        else:
            assert cells[4].value == pytest.approx(kpi["value"], abs=1e-12)
            assert cells[4].number_format == "0.0%"
    assert ws.max_row == 12
    assert ws.column_dimensions["B"].width > 40


def test_counts_and_trend_sheets(book):
    ws = book["Số liệu hồ sơ"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[0] == ["Hồ sơ tiếp nhận (kể cả hồ sơ rút)", 1150]
    assert rows[-1] == ["Hồ sơ không xác định được hạn (không tính)", 2]
    assert ws["B2"].data_type == "n"
    ws = book["Xu hướng"]
    assert [c.value for c in ws[1]][:2] == ["Tháng", "Tỷ lệ hồ sơ giải quyết đúng hạn"]
    assert ws["A2"].value == dt.datetime(2025, 4, 1)
    assert ws["A2"].is_date and ws["A2"].number_format == "mm/yyyy"
    assert ws["B2"].value == 0.962 and ws["B2"].number_format == "0.0%"
    assert ws["A13"].value == dt.datetime(2026, 3, 1)
    assert ws["E10"].value is None  # December 2025 had no online-submission data: a gap
    assert ws.freeze_panes == "B2"
    assert len(ws._charts) == 1


def test_dates_are_dates_and_formula_text_is_neutralised(book):
    ws = book["Thông tin"]
    values = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2)
              for r in range(2, ws.max_row + 1)}
    unit = values["Đơn vị"]
    assert unit.data_type == "s"  # text, not a formula
    assert unit.value == '=HYPERLINK("http://evil.example","Xã Lộc Tân")'
    assert unit.quotePrefix  # Excel's own "this is text" marker
    assert values["Từ ngày"].value == dt.datetime(2026, 3, 1)
    assert values["Từ ngày"].is_date and values["Từ ngày"].number_format == "dd/mm/yyyy"
    assert values["Đến ngày"].value == dt.datetime(2026, 3, 31)
    assert values["Dữ liệu đến ngày"].value == dt.datetime(2026, 3, 31)
    assert values["Dữ liệu đến ngày"].number_format == "dd/mm/yyyy"
    assert values["Thời điểm tải dữ liệu"].value == dt.datetime(2026, 4, 2, 8, 15)
    assert values["Ngày lập"].value == dt.datetime(2026, 4, 3)
    notes = [ws.cell(row=r, column=2) for r in range(2, ws.max_row + 1)
             if ws.cell(row=r, column=1).value == "Ghi chú"]
    texts = [c.value for c in notes]
    assert "+ ghi chú bắt đầu bằng dấu cộng" in texts
    for cell in notes:
        assert cell.data_type == "s"
        assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@"))
    assert sum(c.quotePrefix for c in notes) == 3
    # no cell anywhere holds a formula
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
