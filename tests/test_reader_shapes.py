"""Reader: the real-file shapes of exports.md (title block, merged two-row headers, column
numbers, footers, several sheets, xlsx/xls/CSV, date forms, encodings, separators)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest

from ingest.reader import parse_file
from tests.filemakers import workbook_engines, FOOTER, TITLE_DOSSIERS, csv_bytes, write, xls, xlsx

TODAY = dt.date(2026, 4, 10)


@pytest.fixture(params=["calamine", "python"], autouse=True)
def engine(request, monkeypatch):
    """Every workbook test runs on both workbook readers."""
    return workbook_engines(request, monkeypatch)
T = pd.Timestamp


def records(parsed, *cols):
    return [tuple(None if pd.isna(v) else v for v in row) for row in parsed.frame[list(cols)].itertuples(index=False)]


HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục", "Chủ hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả",
          "Ngày kết thúc xử lý", "Trạng thái", "Kênh thực hiện", "Phí, lệ phí", "Số điện thoại"]
ROWS = [
    [1, "H12.01-260303-0001", "Đăng ký khai sinh", "Nguyễn Văn An", dt.datetime(2026, 3, 3, 8, 5),
     dt.date(2026, 3, 5), "05/03/2026 10:00", "Đã trả kết quả", "Trực tuyến", "50.000 đ", "0912345678"],
    [2, "H12.01-260310-0002", "Chứng thực bản sao", "Lê Thị Bình", "10/03/2026", 46093, None,
     "4", "BCCI", None, "0987654321"],
    [3, "H12.01-260320-0003", "Đăng ký kết hôn", "Trần Văn Cường", "2026-03-20", "2026-03-25",
     "24/03/2026 16:30:15", 9, 1, 0, None],
]


def test_title_block_header_found_below_title(tmp_path):
    path = xlsx(tmp_path / "ds.xlsx", {"DanhSach": TITLE_DOSSIERS + [HEADER] + ROWS + FOOTER})
    p = parse_file(path, today=TODAY)
    assert p.kind == "dossiers"
    assert p.sheet == "DanhSach"
    assert p.header_row == 7
    assert p.title == [
        "UBND XÃ LỘC TÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "DANH SÁCH HỒ SƠ", "Từ ngày 01/03/2026 đến ngày 31/03/2026",
    ]
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.as_of == dt.date(2026, 3, 31)
    assert p.rows_read == 3
    assert p.rejects == []
    assert p.warnings == []
    assert p.dropped_personal == ["Chủ hồ sơ", "Số điện thoại"]
    assert p.unmapped == []
    assert p.columns == ["procedure_name", "received_at", "due_at", "finished_at", "status", "channel", "fee"]
    assert list(p.frame.columns) == ["dossier_code"] + p.columns + ["source_row"]
    assert records(p, "dossier_code", "received_at", "due_at", "finished_at", "status", "channel", "fee", "source_row") == [
        ("H12.01-260303-0001", T("2026-03-03 08:05"), T("2026-03-05"), T("2026-03-05 10:00"), 10, 2, 50000, 8),
        ("H12.01-260310-0002", T("2026-03-10"), T("2026-03-12"), None, 4, 3, 0, 9),
        ("H12.01-260320-0003", T("2026-03-20"), T("2026-03-25"), T("2026-03-24 16:30:15"), 9, 1, 0, 10),
    ]
    assert p.frame["procedure_name"].tolist() == ["Đăng ký khai sinh", "Chứng thực bản sao", "Đăng ký kết hôn"]
    assert str(p.frame["received_at"].dtype) == "datetime64[ns]"
    assert str(p.frame["status"].dtype) == "Int64"
    assert p.mapping == {
        "Mã hồ sơ": "dossier_code", "Tên thủ tục": "procedure_name", "Ngày tiếp nhận": "received_at",
        "Ngày hẹn trả": "due_at", "Ngày kết thúc xử lý": "finished_at", "Trạng thái": "status",
        "Kênh thực hiện": "channel", "Phí, lệ phí": "fee",
    }


def test_as_of_is_latest_date_in_rows_without_title(tmp_path):
    path = xlsx(tmp_path / "ds.xlsx", [HEADER] + ROWS)
    p = parse_file(path, today=TODAY)
    assert p.title == []
    assert p.period is None
    assert p.header_row == 1
    assert p.as_of == dt.date(2026, 3, 24)  # latest event in the rows; due dates (25/03) lie ahead
    assert p.frame["source_row"].tolist() == [2, 3, 4]


def test_period_argument_used_when_title_has_none(tmp_path):
    path = xlsx(tmp_path / "ds.xlsx", [HEADER] + ROWS)
    p = parse_file(path, today=TODAY, period=(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.as_of == dt.date(2026, 3, 24)


GROUP = ["STT", "Mã hồ sơ", "Thời gian", None, None, "Trạng thái", "Số hóa", None]
SUB = [None, None, "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", None, "Hồ sơ", "Kết quả"]
TWO_ROW_DATA = [
    [1, "H1", "01/03/2026", "05/03/2026", "04/03/2026", 10, "x", None],
    [2, "H2", "02/03/2026 08:00", "06/03/2026", None, "Đang xử lý", None, "x"],
]


def _check_two_row(p):
    assert p.header_row == 7
    assert p.rows_read == 2
    assert p.rejects == []
    assert p.mapping == {
        "Mã hồ sơ": "dossier_code", "Ngày tiếp nhận": "received_at", "Ngày hẹn trả": "due_at",
        "Ngày kết thúc xử lý": "finished_at", "Trạng thái": "status",
        "Hồ sơ": "inputs_digitized", "Kết quả": "e_result",
    }
    assert records(p, "dossier_code", "received_at", "due_at", "finished_at", "status",
                   "inputs_digitized", "e_result", "source_row") == [
        ("H1", T("2026-03-01"), T("2026-03-05"), T("2026-03-04"), 10, True, False, 10),
        ("H2", T("2026-03-02 08:00"), T("2026-03-06"), None, 4, False, True, 11),
    ]


@pytest.mark.parametrize("numbers", [["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
                                     [1, 2, 3, 4, 5, 6, 7, 8]])
def test_two_row_merged_header_xlsx_with_column_numbers(tmp_path, numbers):
    rows = TITLE_DOSSIERS + [GROUP, SUB, numbers] + TWO_ROW_DATA + FOOTER
    merges = {"Sheet1": ["A1:D1", "A7:A8", "B7:B8", "C7:E7", "F7:F8", "G7:H7"]}
    _check_two_row(parse_file(xlsx(tmp_path / "h.xlsx", rows, merges), today=TODAY))


def test_two_row_merged_header_xls(tmp_path):
    rows = TITLE_DOSSIERS + [GROUP, SUB, [str(i) for i in range(1, 9)]] + TWO_ROW_DATA + FOOTER
    merges = {"Sheet1": [(6, 7, 0, 0), (6, 7, 1, 1), (6, 6, 2, 4), (6, 7, 5, 5), (6, 6, 6, 7)]}
    p = parse_file(xls(tmp_path / "h.xls", rows, merges), today=TODAY)
    _check_two_row(p)
    assert p.title[3] == "DANH SÁCH HỒ SƠ"


def test_two_row_header_csv_without_merges_cp1258_semicolon(tmp_path):
    rows = TITLE_DOSSIERS + [GROUP, SUB, [f"({i})" for i in range(1, 9)]] + TWO_ROW_DATA + FOOTER
    path = write(tmp_path / "h.csv", csv_bytes(rows, sep=";", encoding="cp1258"))
    p = parse_file(path, today=TODAY)
    _check_two_row(p)
    assert p.title[0] == "UBND XÃ LỘC TÂN"
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_group_label_joins_sub_header_to_name_a_column(tmp_path):
    # "Thanh toán" over "Trực tuyến" is paid_online, not the yes/no online channel.
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Thanh toán", None, "Trực tuyến"],
            [None, None, "Trực tuyến", "Số tiền", None],
            ["H1", "01/03/2026", "Có", "20.000", "x"],
            ["H2", "02/03/2026", "Không", "0", ""]]
    merges = {"Sheet1": ["A1:A2", "B1:B2", "C1:D1", "E1:E2"]}
    p = parse_file(xlsx(tmp_path / "g.xlsx", rows, merges), today=TODAY)
    assert p.mapping == {"Mã hồ sơ": "dossier_code", "Ngày tiếp nhận": "received_at",
                         "Thanh toán - Trực tuyến": "paid_online", "Trực tuyến": "channel"}
    assert p.unmapped == ["Số tiền"]
    assert records(p, "dossier_code", "paid_online", "channel") == [("H1", True, 2), ("H2", False, 1)]


def test_footer_rows_are_not_data_and_not_rejected(tmp_path):
    footer = [
        [None, "Tổng cộng", None, None, None, None, None, None, None, "50.000", None],
        [],
        [None, "Người lập biểu", None, None, None, None, "Thủ trưởng đơn vị"],
        [None, "(Ký, ghi rõ họ tên)", None, None, None, None, "(Ký tên, đóng dấu)"],
        [], [],
        [None, "Nguyễn Văn Lập", None, None, None, None, "Trần Thị Duyệt"],
    ]
    rows = [HEADER] + ROWS[:2] + [[]] + ROWS[2:] + footer
    p = parse_file(xlsx(tmp_path / "f.xlsx", rows), today=TODAY)
    assert p.rows_read == 3
    assert p.rejects == []
    assert p.frame["source_row"].tolist() == [2, 3, 5]


def test_heading_and_numbered_empty_rows_skipped(tmp_path):
    rows = [HEADER, ["Lĩnh vực Hộ tịch"], ROWS[0], [None, "Lĩnh vực Chứng thực"], ROWS[1], [4], [5]]
    p = parse_file(xlsx(tmp_path / "f.xlsx", rows), today=TODAY)
    assert p.rows_read == 2
    assert p.rejects == []
    assert p.frame["source_row"].tolist() == [3, 5]


def test_picks_the_sheet_that_holds_the_table(tmp_path):
    sheets = {
        "Hướng dẫn": [["Hướng dẫn sử dụng"], ["Xuất từ hệ thống một cửa điện tử"]],
        "Thống kê": [["Tổng số hồ sơ", 3], ["Trực tuyến", 1]],
        "Dữ liệu": TITLE_DOSSIERS + [HEADER] + ROWS,
    }
    p = parse_file(xlsx(tmp_path / "m.xlsx", sheets), today=TODAY)
    assert p.sheet == "Dữ liệu"
    assert p.header_row == 7
    assert p.frame["dossier_code"].tolist() == [r[1] for r in ROWS]


def test_dates_in_every_form_day_first(tmp_path):
    header = ["Mã hồ sơ", "Ngày tiếp nhận"]
    rows = [header,
            ["D1", dt.datetime(2026, 3, 4, 9, 30)],  # an Excel date-time cell
            ["D2", dt.date(2026, 3, 4)],  # an Excel date cell
            ["D3", 46085],  # an Excel serial number (04/03/2026)
            ["D4", 46085.5],  # serial with a time (12:00)
            ["D5", "03/04/2026"],  # 3 April, never 4 March
            ["D6", "03/04/2026 07:45"],
            ["D7", "03/04/2026 07:45:30"],
            ["D8", "2026-04-03"],
            ["D9", "3/4/2026"],
            ["D10", " 03/04/2026 "],
            ["D11", "2026-04-03 07:45:30"],
            ["D12", "03-04-2026"],
            ["D13", "03.04.2026"],
            ["D14", "03/04/26"],
            ["D15", "2026/04/03"],
            ["D16", "03/04/2026 7:45 PM"],
            ["D17", "07:45 03/04/2026"],
            ["D18", "2026-04-03T07:45:30"],
            ["D19", "2026-04-03T07:45:30+07:00"],
            ["D20", "2026-04-03T00:45:30Z"],
            ["D21", "2026-04-03T07:45:30.123"]]
    p = parse_file(xlsx(tmp_path / "d.xlsx", rows), today=TODAY)
    assert p.rejects == []
    assert p.frame["received_at"].tolist() == [
        T("2026-03-04 09:30"), T("2026-03-04"), T("2026-03-04"), T("2026-03-04 12:00"),
        T("2026-04-03"), T("2026-04-03 07:45"), T("2026-04-03 07:45:30"), T("2026-04-03"),
        T("2026-04-03"), T("2026-04-03"), T("2026-04-03 07:45:30"),
        T("2026-04-03"), T("2026-04-03"), T("2026-04-03"), T("2026-04-03"), T("2026-04-03 19:45"),
        T("2026-04-03 07:45"), T("2026-04-03 07:45:30"), T("2026-04-03 07:45:30"),
        T("2026-04-03 07:45:30"), T("2026-04-03 07:45:30"),
    ]


def test_xls_date_cells_and_serials(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả"],
            ["X1", dt.datetime(2026, 3, 2, 14, 0), 46090],
            ["X2", dt.date(2026, 3, 3), "10/03/2026"]]
    p = parse_file(xls(tmp_path / "d.xls", rows), today=TODAY)
    assert records(p, "dossier_code", "received_at", "due_at") == [
        ("X1", T("2026-03-02 14:00"), T("2026-03-09")),
        ("X2", T("2026-03-03"), T("2026-03-10")),
    ]


CSV_ROWS = [
    ["DANH SÁCH HỒ SƠ"],
    ["Từ ngày 01/03/2026 đến ngày 31/03/2026"],
    ["Mã hồ sơ", "Lĩnh vực", "Ngày tiếp nhận", "Trạng thái", "Phí, lệ phí", "Người nộp hồ sơ"],
    ["C1", "Hộ tịch", "01/03/2026 08:00", "Đã xử lý xong", "50,000", "Phạm Thị Dung"],
    ["C2", "Chứng thực", "02/03/2026", "Chờ bổ sung", "", "Hoàng Văn Em"],
]


def _check_csv(p):
    assert p.kind == "dossiers"
    assert p.header_row == 3
    assert p.title == ["DANH SÁCH HỒ SƠ", "Từ ngày 01/03/2026 đến ngày 31/03/2026"]
    assert p.dropped_personal == ["Người nộp hồ sơ"]
    assert records(p, "dossier_code", "field", "received_at", "status", "fee", "source_row") == [
        ("C1", "Hộ tịch", T("2026-03-01 08:00"), 9, 50000, 4),
        ("C2", "Chứng thực", T("2026-03-02"), 5, 0, 5),
    ]
    assert unicodedata.is_normalized("NFC", p.frame["field"].iloc[0])


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("utf-16", False), ("cp1258", False)])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_encodings_and_separators(tmp_path, encoding, bom, sep):
    path = write(tmp_path / "c.csv", csv_bytes(CSV_ROWS, sep=sep, encoding=encoding, bom=bom))
    _check_csv(parse_file(path, today=TODAY))


def test_csv_bytes_source_and_nfd_text(tmp_path):
    nfd = [[unicodedata.normalize("NFD", str(c)) for c in row] for row in CSV_ROWS]
    data = csv_bytes(nfd, sep=",", encoding="utf-8")
    assert "Mã".encode() not in data  # really decomposed
    p = parse_file(data, "ho-so.csv", today=TODAY)
    _check_csv(p)
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực"]
    assert p.mapping["Mã hồ sơ"] == "dossier_code"


def test_nfd_text_in_xlsx(tmp_path):
    rows = [[unicodedata.normalize("NFD", c) for c in ["Mã hồ sơ", "Ngày tiếp nhận", "Lĩnh vực", "Trạng thái"]],
            ["N1", "01/03/2026", unicodedata.normalize("NFD", "Hộ tịch"), unicodedata.normalize("NFD", "Đang xử lý")]]
    p = parse_file(xlsx(tmp_path / "n.xlsx", rows), today=TODAY)
    assert p.frame["field"].tolist() == ["Hộ tịch"]
    assert p.frame["status"].tolist() == [4]


def test_csv_blank_line_keeps_row_numbers_and_footer(tmp_path):
    rows = CSV_ROWS[:4] + [[]] + CSV_ROWS[4:] + [[], ["Tổng cộng: 2 hồ sơ"], ["Người lập biểu"]]
    p = parse_file(write(tmp_path / "b.csv", csv_bytes(rows)), today=TODAY)
    assert p.rows_read == 2
    assert p.rejects == []
    assert p.frame["source_row"].tolist() == [4, 6]


def test_csv_quoted_newline_in_value(tmp_path):
    rows = [["Mã hồ sơ", "Tên thủ tục", "Ngày tiếp nhận"],
            ["Q1", "Đăng ký\nkhai sinh", "01/03/2026"],
            ["Q2", "Chứng thực", "02/03/2026"]]
    p = parse_file(write(tmp_path / "q.csv", csv_bytes(rows)), today=TODAY)
    assert p.frame["procedure_name"].tolist() == ["Đăng ký khai sinh", "Chứng thực"]
    assert p.frame["source_row"].tolist() == [2, 3]


def test_csv_ragged_rows_are_padded(tmp_path):
    text = "Mã hồ sơ,Ngày tiếp nhận,Trạng thái\nR1,01/03/2026\nR2,02/03/2026,4,extra\n"
    p = parse_file(text.encode(), "r.csv", today=TODAY)
    assert records(p, "dossier_code", "received_at", "status") == [
        ("R1", T("2026-03-01"), None), ("R2", T("2026-03-02"), 4)]


def test_progress_is_reported(tmp_path):
    calls = []
    parse_file(xlsx(tmp_path / "p.xlsx", [HEADER] + ROWS), today=TODAY, progress=calls.append)
    assert calls[0] == 0.0 and calls[-1] == 1.0
    assert calls == sorted(calls)
    assert len(calls) >= 4


def test_procedure_names_that_look_like_footer_words_are_data(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Tên thủ tục", "Lĩnh vực"],
            ["A1", "01/03/2026", "Xác nhận tình trạng hôn nhân", "Hộ tịch"],
            ["A2", "01/03/2026", "Chủ tịch UBND xã cấp giấy phép", "Khác"],
            ["Tổng cộng", None, "2 hồ sơ"],
            [None, None, "Xác nhận của lãnh đạo"]]
    p = parse_file(xlsx(tmp_path / "x.xlsx", rows), today=TODAY)
    assert p.frame["procedure_name"].tolist() == ["Xác nhận tình trạng hôn nhân", "Chủ tịch UBND xã cấp giấy phép"]
    assert p.rows_read == 2
    assert p.rejects == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1258"])
def test_csv_fast_path_and_fallback_agree(tmp_path, monkeypatch, encoding):
    """Excel pads every CSV line to the same width: pyarrow's reader takes it. A ragged
    line sends the file to pandas' reader; both give the same rows and row numbers."""
    import ingest.files

    width = 6
    padded = [row + [""] * (width - len(row)) for row in CSV_ROWS + [[], ["Người lập biểu"]]]
    calls = []
    real = ingest.files._read_csv_arrow
    def spy(*args):
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(ingest.files, "_read_csv_arrow", spy)
    fast = parse_file(write(tmp_path / "fast.csv", csv_bytes(padded, encoding=encoding)), today=TODAY)
    assert calls == [True]
    _check_csv(fast)
    ragged = parse_file(write(tmp_path / "slow.csv", csv_bytes(CSV_ROWS + [[], ["Người lập biểu"]], encoding=encoding)), today=TODAY)
    assert calls == [True, False]
    _check_csv(ragged)
    pd.testing.assert_frame_equal(fast.frame, ragged.frame)


def test_header_merged_down_two_rows_then_column_numbers(tmp_path):
    """Every header cell merged across two rows (no group label), then "(1) (2) …"."""
    from tests.filemakers import xlsx as make_xlsx

    header = ["STT", "Mã hồ sơ", "Tên thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]
    rows = [
        ["DANH SÁCH HỒ SƠ"],
        ["Từ ngày 01/03/2026 đến ngày 31/03/2026"],
        header,
        [None] * len(header),
        [f"({i})" for i in range(1, len(header) + 1)],
        [1, "HS-1", "Đăng ký khai sinh", "02/03/2026", "03/03/2026", "Đã trả kết quả"],
        [2, "HS-2", "Đăng ký khai tử", "04/03/2026", "06/03/2026", "Đang xử lý"],
    ]
    cols = "ABCDEF"
    path = make_xlsx(tmp_path / "gop-hai-dong.xlsx", {"DS": rows}, merges={"DS": [f"{c}3:{c}4" for c in cols]})
    parsed = parse_file(path, today=dt.date(2026, 11, 27))
    assert parsed.rejects == []
    assert list(parsed.frame["dossier_code"]) == ["HS-1", "HS-2"]
    assert list(parsed.frame["source_row"]) == [6, 7]
    assert parsed.header_row == 3
