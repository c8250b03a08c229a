"""Reader: the layouts of exports.md read by meaning — nested header paths and the official
tracking book, the summary layouts systems print, a Viettel-style two-row header, the
portal's compact dates and the SA/CH times, status suffixes, merged data cells, words the
product does not know, remembered mappings, the guard against a kind forced by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingest.model import IngestError
from ingest.reader import parse_file
from tests import layouts as L
from tests.filemakers import csv_bytes, workbook_engines, write, xls, xlsx

TODAY = dt.date(2026, 4, 10)
T = pd.Timestamp
NUMBERS = ["received_total", "received_online", "received_direct", "carried_over", "resolved_total",
           "early", "on_time", "late", "pending_total", "pending_in_time", "pending_overdue"]


@pytest.fixture(params=["calamine", "python"], autouse=True)
def engine(request, monkeypatch):
    """Every workbook test runs on both workbook readers."""
    return workbook_engines(request, monkeypatch)


def records(parsed, *cols):
    return [tuple(None if pd.isna(v) else v for v in row) for row in parsed.frame[list(cols)].itertuples(index=False)]


def error_of(*args, **kw) -> str:
    with pytest.raises(IngestError) as err:
        parse_file(*args, **kw)
    return str(err.value)


# --- the tracking book ---------------------------------------------------------------------
BOOK_ROWS = [
    # code, received, due, finished, returned, status (none in the file: from the dates)
    ("TB-001", T("2026-03-02"), T("2026-03-03"), T("2026-03-03"), T("2026-03-03"), 10),
    ("TB-002", T("2026-03-05"), T("2026-03-05"), None, None, 4),
    ("TB-003", T("2026-03-10"), T("2026-03-12"), T("2026-03-13"), None, 10),
    ("TB-004", T("2026-03-16"), T("2026-03-20"), None, T("2026-03-18"), 10),
]


@pytest.mark.parametrize("depth,shape", [(3, "xlsx"), (2, "xlsx"), (3, "xls"), (3, "csv"), (2, "csv")])
def test_tracking_book_by_header_paths(tmp_path, depth, shape):
    rows, merges = L.tracking_book(depth)
    p = parse_file(L.write(shape, tmp_path / "so-theo-doi", rows, merges), today=TODAY)
    assert p.kind == "dossiers"
    assert p.header_row == 5
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.mapping == {
        "Mã hồ sơ": "dossier_code", "Tên TTHC": "procedure_name", "Cơ quan chủ trì giải quyết": "handling_unit",
        "Nhận hồ sơ": "received_at", "Hẹn trả kết quả": "due_at",
        "Nhận kết quả từ cơ quan giải quyết - Ngày, tháng, năm": "finished_at",
        "Ngày nhận kết quả": "returned_at",
    }
    assert p.paths["Nhận hồ sơ"] == "Ngày, tháng, năm › Nhận hồ sơ"
    assert p.paths["Ngày nhận kết quả"] == "Trả kết quả › Ngày nhận kết quả"
    # The hand-over date, the signature columns, "Số lượng hồ sơ" and "Ghi chú" carry nothing kept.
    assert p.unmapped == []
    assert p.dropped_personal == ["Họ tên chủ hồ sơ", "Địa chỉ chủ hồ sơ", "Số điện thoại",
                                  "Cá nhân, tổ chức nhận kết quả (Ký tên)"]
    assert p.columns == ["procedure_name", "handling_unit", "received_at", "due_at", "finished_at",
                         "returned_at", "status"]
    assert records(p, "dossier_code", "received_at", "due_at", "finished_at", "returned_at", "status") == BOOK_ROWS
    assert p.frame["handling_unit"].tolist() == ["UBND xã Lộc Tân"] * 4
    assert p.rejects == [] and p.warnings == []
    assert p.unknown_values == {}


def test_tracking_book_header_signature_is_stable_and_names_the_paths(tmp_path):
    rows, merges = L.tracking_book(3)
    a = parse_file(L.write("xlsx", tmp_path / "a", rows, merges), today=TODAY)
    b = parse_file(L.write("csv", tmp_path / "b", rows, merges), today=TODAY)
    c = parse_file(L.write("xlsx", tmp_path / "c", *L.tracking_book(2)), today=TODAY)
    assert a.header_signature == b.header_signature
    assert a.header_signature != c.header_signature
    parts = a.header_signature.split(" | ")
    assert parts[8] == "ngày, tháng, năm › nhận hồ sơ"
    assert parts[11] == "chuyển hồ sơ đến cơ quan giải quyết › ký nhận › bên giao (ký tên)"
    assert len(parts) == 19


def test_a_leaf_means_what_its_group_says(tmp_path):
    # "Ngày nhận" alone is the received date; under "Nhận kết quả" it is the finish date,
    # under "Chuyển hồ sơ" a hand-over date the product does not keep.
    rows = [["Mã hồ sơ", "Ngày nhận", "Nhận kết quả", "Chuyển hồ sơ", "Tiếp nhận", "Hẹn trả"],
            [None, None, "Ngày nhận", "Ngày nhận", "Hình thức", "Ngày"],
            ["A1", "01/03/2026", "04/03/2026", "02/03/2026", "Trực tuyến", "05/03/2026"]]
    merges = {"Sheet1": ["A1:A2", "B1:B2"]}
    p = parse_file(xlsx(tmp_path / "g.xlsx", rows, merges), today=TODAY)
    assert p.mapping == {"Mã hồ sơ": "dossier_code", "Ngày nhận": "received_at",
                         "Nhận kết quả - Ngày nhận": "finished_at", "Hình thức": "channel", "Ngày": "due_at"}
    assert p.unmapped == []
    assert records(p, "received_at", "finished_at", "channel", "due_at", "status") == [
        (T("2026-03-01"), T("2026-03-04"), 2, T("2026-03-05"), 10)]


@pytest.mark.parametrize("path,canon", [
    ("Ngày, tháng, năm › Nhận hồ sơ", "received_at"), ("Ngày, tháng, năm › Hẹn trả kết quả", "due_at"),
    ("Trả kết quả › Ngày nhận kết quả", "returned_at"), ("Ngày › Trả kết quả", "returned_at"),
    ("Nhận kết quả từ cơ quan giải quyết › Ngày", "finished_at"), ("Tiếp nhận › Ngày", "received_at"),
    ("Thời gian › Ngày tiếp nhận", "received_at"), ("Thời gian › Ngày hẹn trả", "due_at"),
    ("Ngày tháng năm › Chuyển hồ sơ đến cơ quan giải quyết", ""), ("Chuyển hồ sơ › Ngày nhận", ""),
    ("Trả kết quả › Ngày hẹn trả", "due_at"), ("Hồ sơ › Ngày nộp", "submitted_at"),
    ("Thanh toán › Trực tuyến", "paid_online"), ("Số hóa › Kết quả", "e_result"),
    ("Ngày nhận", "received_at"), ("Quá trình › Trả kết quả › Ngày", "returned_at"),
    ("Ngày, tháng, năm › Ghi chú", None),
])
def test_header_paths_match_the_whole_path_then_the_leaf(path, canon):
    from ingest.headers import match_column

    assert match_column(path.split(" › "), "dossiers") == canon


@pytest.mark.parametrize("path,role", [
    ("Số hồ sơ nhận giải quyết › Trong đó › Trực tuyến", "online"),
    ("Số hồ sơ nhận giải quyết › Trong đó › Trực tiếp, dịch vụ bưu chính", "direct"),
    ("Số hồ sơ nhận giải quyết › Từ kỳ trước", "carried_over"), ("Số đầu kỳ (3 = 4 + 5)", "received_total"),
    ("Trong đó › Tiếp nhận trong kỳ", "received_new"), ("Số mới tiếp nhận › Qua BCCI", "postal"),
    ("Số mới tiếp nhận › Tổng số", "received_new"), ("Kỳ trước chuyển qua › Trực tuyến", ""),
    ("Số hồ sơ đã giải quyết › Trong đó › Sớm hạn", "early"), ("Đã giải quyết › Trễ hạn", "late"),
    ("Kết quả giải quyết › Tổng số", "resolved_total"), ("Số hồ sơ đang giải quyết › Quá hạn", "pending_overdue"),
    ("Đang giải quyết › Chưa đến hạn", "pending_in_time"), ("Chưa hoàn thành › Trong hạn", "pending_in_time"),
    ("Tổng số trễ hạn", ""), ("Hồ sơ trả lại", ""), ("Hồ sơ rút", ""), ("Tỷ lệ (%) › Đúng hạn", ""),
    ("Đơn vị", "unit"), ("Tên đơn vị", "unit"), ("Lĩnh vực, công việc giải quyết theo cấp", "field"),
    ("STT", "stt"), ("Trong hạn", "pending_in_time"), ("Đúng hạn", "on_time"), ("Ghi chú", ""),
])
def test_summary_columns_named_by_meaning(path, role):
    from ingest.summary import classify

    assert classify(path.split(" › ")) == role


def test_mapping_overrides_by_header_path(tmp_path):
    rows, merges = L.tracking_book(3)
    path = L.write("xlsx", tmp_path / "so", rows, merges)
    p = parse_file(path, today=TODAY, mapping_overrides={
        "Chuyển hồ sơ đến cơ quan giải quyết › Ngày, tháng, năm": "submitted_at",
        "Trả kết quả › Ngày nhận kết quả": ""})
    assert p.mapping["Chuyển hồ sơ đến cơ quan giải quyết - Ngày, tháng, năm"] == "submitted_at"
    assert "Ngày nhận kết quả" not in p.mapping
    assert records(p, "dossier_code", "submitted_at", "status") == [
        ("TB-001", T("2026-03-02"), 10), ("TB-002", None, 4), ("TB-003", T("2026-03-10"), 10),
        ("TB-004", T("2026-03-25"), 4)]


# --- a Viettel-style header whose first data row reads like a header ---------------------
@pytest.mark.parametrize("shape", ["xlsx", "xls", "csv"])
def test_first_data_row_with_header_words_is_data(tmp_path, shape):
    rows, merges = L.viettel()
    p = parse_file(L.write(shape, tmp_path / "viettel", rows, merges), today=TODAY)
    assert p.header_row == 1
    assert p.rows_read == 2
    assert p.mapping == {"Mã hồ sơ": "dossier_code", "Thủ tục hành chính": "procedure_name",
                         "Ngày tiếp nhận": "received_at", "Hạn xử lý": "due_at", "Kênh thực hiện": "channel",
                         "Trạng thái": "status"}
    assert records(p, "dossier_code", "procedure_name", "received_at", "channel", "status") == [
        ("000.00.12.H12-260302-0001", "Hồ sơ đăng ký khai sinh", T("2026-03-02"), 2, 10),
        ("000.00.12.H12-260303-0002", "Chứng thực bản sao", T("2026-03-03"), 1, 4)]


# --- summaries -------------------------------------------------------------------------------
def numbers(p, cols=NUMBERS):
    return [[int(v) for v in r] for r in p.frame[cols].itertuples(index=False)]


@pytest.mark.parametrize("shape", ["xlsx", "xls", "csv"])
def test_summary_third_header_row_and_formula_numbers(tmp_path, shape):
    rows, merges = L.summary_third_row()
    p = parse_file(L.write(shape, tmp_path / "bieu06", rows, merges), today=TODAY)
    assert p.kind == "summary"
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.columns == NUMBERS
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực", "Đất đai"]
    assert numbers(p) == [r[2:] for r in L.THIRD_ROW_DATA]
    assert p.frame["source_row"].tolist() == [9, 10, 11]
    assert p.mapping["Trực tuyến"] == "received_online"
    assert p.mapping["Kết quả giải quyết - Trong đó - Quá hạn"] == "late"
    assert p.rejects == [] and p.warnings == [] and p.unmapped == []
    assert "unit" not in p.frame and p.units == []


@pytest.mark.parametrize("shape", ["xlsx", "csv"])
def test_summary_by_unit_gives_each_row_its_unit(tmp_path, shape):
    rows, merges = L.summary_by_unit()
    p = parse_file(L.write(shape, tmp_path / "don-vi", rows, merges), today=TODAY)
    assert p.kind == "summary"
    assert p.units == ["Xã Lộc Tân", "Xã Lộc An", "Xã Lộc Thành"]
    assert p.frame["unit"].tolist() == p.units
    assert p.frame["field"].tolist() == ["Tất cả lĩnh vực"] * 3
    assert numbers(p) == [r[2:] for r in L.UNIT_ROWS]
    assert p.mapping["Đơn vị"] == "unit"
    assert p.warnings == []  # three units with the same "field" are not duplicates


def test_summary_by_unit_with_a_unit_keeps_its_row_only(tmp_path):
    rows, merges = L.summary_by_unit()
    path = L.write("xlsx", tmp_path / "don-vi", rows, merges)
    p = parse_file(path, today=TODAY, unit="UBND xã Lộc An")
    assert "unit" not in p.frame
    assert p.frame["field"].tolist() == ["Tất cả lĩnh vực"]
    assert numbers(p) == [L.UNIT_ROWS[1][2:]]
    assert p.rows_read == 1
    assert p.units == ["Xã Lộc Tân", "Xã Lộc An", "Xã Lộc Thành"]
    assert p.warnings == ["Bảng có dòng của 3 đơn vị; chỉ nạp dòng của đơn vị “UBND xã Lộc An” (bỏ qua "
                          "“Xã Lộc Tân”, “Xã Lộc Thành”)."]
    assert error_of(path, today=TODAY, unit="Xã Lộc Bắc") == (
        "Báo cáo “don-vi.xlsx” không có dòng của đơn vị “Xã Lộc Bắc”. Các đơn vị trong bảng: “Xã Lộc Tân”, "
        "“Xã Lộc An”, “Xã Lộc Thành”. Hãy chọn đúng đơn vị (dòng lệnh: --unit), hoặc để trống để nạp dòng "
        "của từng đơn vị cho đơn vị đó.")


def test_summary_one_unit_row(tmp_path):
    rows, merges = L.summary_by_unit(data=L.UNIT_ROWS[:1])
    p = parse_file(L.write("xlsx", tmp_path / "mot", rows, merges), today=TODAY, unit="Xã Lộc Tân")
    assert numbers(p) == [L.UNIT_ROWS[0][2:]]
    assert p.units == ["Xã Lộc Tân"]


@pytest.mark.parametrize("shape", ["xlsx", "xls", "csv"])
def test_summary_system_15_columns(tmp_path, shape):
    rows, merges = L.summary_system15()
    p = parse_file(L.write(shape, tmp_path / "he-thong", rows, merges), today=TODAY)
    assert p.kind == "summary"
    # No channel split of the new receipts: no online / direct numbers (online rate unknown).
    have = ["received_total", "carried_over", "resolved_total", "early", "on_time", "late",
            "pending_total", "pending_in_time", "pending_overdue"]
    assert p.columns == have
    assert list(p.frame.columns) == ["period_start", "period_end", "field"] + have + ["source_row"]
    assert numbers(p, have) == [[r[2], r[3], r[5], r[6], r[7], r[8], r[9], r[10], r[11]] for r in L.SYS15_DATA]
    assert p.mapping["Số đầu kỳ (3 = 4 + 5)"] == "received_total"
    assert p.mapping["Tiếp nhận trong kỳ"] == "received_new"
    assert p.mapping["Sớm hạn"] == "early" and p.mapping["Trễ hạn"] == "late"
    assert p.mapping["Chưa đến hạn"] == "pending_in_time" and p.mapping["Quá hạn"] == "pending_overdue"
    for ignored in ("Tổng số trễ hạn", "Hồ sơ trả lại", "Hồ sơ rút"):
        assert ignored not in p.mapping
    assert p.unmapped == []
    assert p.rows_read == 3  # the "Tổng số" row is not a field
    assert p.warnings == [] and p.rejects == []


def test_summary_total_row_tong_so_checks_the_rows(tmp_path):
    rows, merges = L.summary_system15()
    rows[-len(L.SIGNATURES) - 1][6] += 1  # the total row's "Sớm hạn" off by one
    p = parse_file(L.write("xlsx", tmp_path / "he-thong", rows, merges), today=TODAY)
    assert p.frame["early"].tolist() == [100, 180, 4]
    assert p.warnings == ["Dòng “Tổng số” (dòng 11) không khớp với tổng các dòng lĩnh vực: “Sớm hạn”: "
                          "dòng tổng ghi 285, cộng các lĩnh vực được 284. Số liệu được lấy theo từng lĩnh vực."]


def test_summary_rows_that_do_not_add_up_are_named_by_the_files_columns(tmp_path):
    rows, merges = L.summary_system15()
    rows[len(L.SUM_TITLE) + 3][2] = 151  # Hộ tịch: "Số đầu kỳ" 151 ≠ 30 + 120
    p = parse_file(L.write("xlsx", tmp_path / "he-thong", rows, merges), today=TODAY)
    assert p.frame["received_total"].tolist() == [151, 210, 40]
    assert p.warnings == [
        "Dòng “Tổng số” (dòng 11) không khớp với tổng các dòng lĩnh vực: “Số đầu kỳ (3 = 4 + 5)”: dòng tổng "
        "ghi 400, cộng các lĩnh vực được 401. Số liệu được lấy theo từng lĩnh vực.",
        "Số liệu trong dòng không cộng khớp (“Số đầu kỳ (3 = 4 + 5)” = “Kỳ trước chuyển qua” + “Tiếp nhận "
        "trong kỳ”; “Đã giải quyết - Tổng số” = “Sớm hạn” + “Đúng hạn” + “Trễ hạn”; “Đang giải quyết - Tổng "
        "số” = “Chưa đến hạn” + “Quá hạn”) ở: Hộ tịch (dòng 8)."]


@pytest.mark.parametrize("shape", ["xlsx", "csv"])
def test_summary_carried_over_and_new_receipts_split(tmp_path, shape):
    rows, merges = L.summary_carried_split()
    p = parse_file(L.write(shape, tmp_path / "theo-linh-vuc", rows, merges), today=TODAY)
    have = ["received_total", "carried_over", "resolved_total", "early", "on_time", "late",
            "pending_total", "pending_in_time", "pending_overdue"]
    assert p.columns == have
    assert numbers(p, have) == [[r[2], r[3], r[5], r[6], r[7], r[8], r[9], r[10], r[11]] for r in L.CARRIED_DATA]
    assert p.mapping["Số kỳ trước chuyển qua"] == "carried_over"
    assert p.mapping["Số mới tiếp nhận"] == "received_new"
    assert p.rows_read == 3 and p.warnings == []


@pytest.mark.parametrize("shape", ["xlsx", "xls", "csv"])
def test_summary_portal_three_channels_and_carried_over(tmp_path, shape):
    rows, merges = L.summary_portal()
    p = parse_file(L.write(shape, tmp_path / "cong", rows, merges), today=TODAY)
    assert p.columns == NUMBERS
    # Direct = trực tiếp + qua BCCI; carried over is not a new receipt.
    assert numbers(p) == [[r[2], r[3], r[4] + r[5], r[6], *r[7:]] for r in L.PORTAL_DATA]
    assert p.mapping["Số mới tiếp nhận qua BCCI"] == "received_direct"
    assert p.mapping["Số kỳ trước chuyển qua"] == "carried_over"
    assert p.warnings == []


def test_summary_total_on_top_and_group_rows_are_not_counted(tmp_path):
    d = L.THIRD_ROW_DATA
    add = lambda *rs: [sum(r[k] for r in rs) for k in range(2, 13)]  # noqa: E731
    data = [[None, "Tổng cộng", *add(*d)],
            ["I", "Lĩnh vực Tư pháp", *add(d[0], d[1])], ["1", *d[0][1:]], ["2", *d[1][1:]],
            ["II", "Lĩnh vực Đất đai", *add(d[2])], ["3", "Đất đai", *d[2][2:]]]
    rows, merges = L.summary_third_row(data=data, total=False)
    p = parse_file(L.write("xlsx", tmp_path / "nhom", rows, merges), today=TODAY)
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực", "Đất đai"]
    assert numbers(p) == [r[2:] for r in d]
    assert p.warnings == []
    data[0][4] += 1  # the total row on top still checks the rows
    rows, merges = L.summary_third_row(data=data, total=False)
    p = parse_file(L.write("xlsx", tmp_path / "nhom2", rows, merges), today=TODAY)
    assert p.warnings == ["Dòng “Tổng cộng” (dòng 9) không khớp với tổng các dòng lĩnh vực: (5) Trực tiếp, dịch vụ "
                          "bưu chính: dòng tổng ghi 96, cộng các lĩnh vực được 95. Số liệu được lấy theo từng lĩnh vực."]
    # Numbered "1" over "1.1", "1.2": the "1" row is a group.
    data = [["1", "Tư pháp", *add(d[0], d[1])], ["1.1", *d[0][1:]], ["1.2", *d[1][1:]], ["2", *d[2][1:]]]
    rows, merges = L.summary_third_row(data=data)
    p = parse_file(L.write("xlsx", tmp_path / "nhom3", rows, merges), today=TODAY)
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực", "Đất đai"]


def test_summary_refusal_names_columns_found_and_missing(tmp_path):
    rows = [["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ"], ["Tháng 03 năm 2026"],
            ["STT", "Lĩnh vực", "Số đầu kỳ", "Kỳ trước chuyển qua", "Tiếp nhận trong kỳ", "Đã giải quyết",
             "Đang giải quyết", "Hồ sơ trả lại"],
            [1, "Hộ tịch", 30, 10, 20, 25, 5, 0]]
    assert error_of(xlsx(tmp_path / "thieu.xlsx", rows), today=TODAY) == (
        "Báo cáo tổng hợp “thieu.xlsx” thiếu cột “Đúng hạn”, “Quá hạn” nên không tính được tỷ lệ giải quyết "
        "đúng hạn. Các cột tìm thấy (8 cột): “STT”, “Lĩnh vực”, “Số đầu kỳ”, “Kỳ trước chuyển qua”, “Tiếp "
        "nhận trong kỳ”, “Đã giải quyết”, “Đang giải quyết”, “Hồ sơ trả lại”. Hãy dùng bảng có các cột này "
        "(mẫu Biểu số 06/VPCP/KSTT) hoặc ghép cột trên trang Tải dữ liệu.")


# --- dates -----------------------------------------------------------------------------------
def test_portal_compact_dates_and_vietnamese_sa_ch(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả"],
            ["D1", "20260302081500", "20260305170000"],
            ["D2", 20260303140000, 20260306],  # numbers in the cells
            ["D3", "02/03/2026 8:07:00 CH", "05/03/2026 5:00:00 CH"],
            ["D4", "02/03/2026 12:15:00 SA", "05/03/2026 12:00:00 CH"],
            ["D5", "02/03/2026 11:59 SA", "8:07 CH 05/03/2026"],
            ["D6", "20261302000000", None]]
    p = parse_file(xlsx(tmp_path / "d.xlsx", rows), today=TODAY)
    assert records(p, "dossier_code", "received_at", "due_at") == [
        ("D1", T("2026-03-02 08:15"), T("2026-03-05 17:00")),
        ("D2", T("2026-03-03 14:00"), T("2026-03-06")),
        ("D3", T("2026-03-02 20:07"), T("2026-03-05 17:00")),
        ("D4", T("2026-03-02 00:15"), T("2026-03-05 12:00")),
        ("D5", T("2026-03-02 11:59"), T("2026-03-05 20:07")),
    ]
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (7, "Ngày tiếp nhận không đọc được: “20261302000000” (cần dạng dd/mm/yyyy, ví dụ 05/03/2026)")]


# --- statuses and channels --------------------------------------------------------------------
STATUS_CELLS = [
    ("Đang xử lý - Quá hạn", 4), ("Hoàn thành - Đúng hạn", 9), ("Đã trả kết quả (trễ hạn)", 10),
    ("Đã rút", 7), ("Đã trả kết quả - Trước hạn", 10), ("Dang xu ly - qua han", 4), ("Chờ bổ sung", 5),
    ("Chờ trả kết quả", 9), ("Đã tiếp nhận", 2), ("Chờ phê duyệt", 4), ("Chuyển xử lý", 4),
    ("Chờ thanh toán", 6), ("Rút hồ sơ", 7), ("Có kết quả – Sớm hạn", 9), ("Đang giải quyết (trong hạn)", 4),
]


def test_status_labels_with_timeliness_suffixes(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"]]
    rows += [[f"S{i}", "01/03/2026", v] for i, (v, _) in enumerate(STATUS_CELLS)]
    p = parse_file(xlsx(tmp_path / "s.xlsx", rows), today=TODAY)
    assert p.rejects == []
    assert p.frame["status"].tolist() == [c for _, c in STATUS_CELLS]


def test_unknown_status_words_are_listed_not_guessed_then_mapped_by_hand(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái", "Kênh thực hiện"],
            ["U1", "01/03/2026", "Chờ ký duyệt - Quá hạn", "Trực tuyến"],
            ["U2", "01/03/2026", "Chờ ký duyệt", "Zalo"],
            ["U3", "01/03/2026", "Đã trả kết quả", "Trực tiếp"],
            ["U4", "01/03/2026", "Chờ ký duyệt - Đúng hạn", "Zalo"],
            ["U5", "01/03/2026", "Treo", "Qua mạng"]]
    path = xlsx(tmp_path / "u.xlsx", rows)
    p = parse_file(path, today=TODAY)
    assert p.unknown_values == {"status": {"Chờ ký duyệt": 3, "Treo": 1}, "channel": {"Zalo": 2}}
    assert p.frame["dossier_code"].tolist() == ["U3"]
    assert [(r.row_number, r.column, r.reason) for r in p.rejects][:2] == [
        (2, "Trạng thái", "Trạng thái không đọc được: “Chờ ký duyệt - Quá hạn” (cần mã 1–10 hoặc tên trạng "
                          "thái, ví dụ “Đã trả kết quả”)"),
        (3, "Trạng thái", "Trạng thái không đọc được: “Chờ ký duyệt” (cần mã 1–10 hoặc tên trạng thái, ví dụ "
                          "“Đã trả kết quả”); Kênh thực hiện không đọc được: “Zalo” (cần 1, 2, 3 hoặc Trực tiếp "
                          "/ Trực tuyến / Bưu chính công ích)"),
    ]
    mapped = parse_file(path, today=TODAY, value_overrides={
        "status": {"cho ky duyet": 4, "Treo": 8}, "channel": {"ZALO": 2}})
    assert mapped.rejects == [] and mapped.unknown_values == {}
    assert records(mapped, "dossier_code", "status", "channel") == [
        ("U1", 4, 2), ("U2", 4, 2), ("U3", 10, 1), ("U4", 4, 2), ("U5", 8, 2)]
    assert error_of(path, today=TODAY, value_overrides={"status": {"Treo": 11}}) == (
        "Không thể ghép giá trị “Treo” vào trạng thái “11”: cần một mã từ 1 đến 10. Hãy chọn lại trên "
        "trang Tải dữ liệu.")


# --- cells merged down across data rows ---------------------------------------------------
def test_field_merged_down_over_its_rows(tmp_path):
    rows = [["DANH SÁCH HỒ SƠ"], ["Mã hồ sơ", "Lĩnh vực", "Tên thủ tục", "Ngày tiếp nhận"]]
    rows += [[f"M{i:02d}", "Hộ tịch" if i == 1 else ("Chứng thực" if i == 7 else None), f"Thủ tục {i}",
              "02/03/2026"] for i in range(1, 16)]
    rows += [["Tổng cộng: 15 hồ sơ"]]
    merges = {"Sheet1": ["B3:B8", "B9:B15", "A18:D18"]}
    p = parse_file(xlsx(tmp_path / "m.xlsx", rows, merges), today=TODAY)
    assert p.rows_read == 15
    assert p.frame["field"].tolist() == ["Hộ tịch"] * 6 + ["Chứng thực"] * 7 + [None, None]
    assert p.rejects == []


def test_field_merged_down_in_xls(tmp_path):
    rows = [["Mã hồ sơ", "Lĩnh vực", "Ngày tiếp nhận"], ["X1", "Đất đai", "02/03/2026"],
            ["X2", None, "03/03/2026"], ["X3", None, "04/03/2026"], ["X4", "Hộ tịch", "05/03/2026"]]
    p = parse_file(xls(tmp_path / "m.xls", rows, {"Sheet1": [(1, 3, 1, 1)]}), today=TODAY)
    assert p.frame["field"].tolist() == ["Đất đai", "Đất đai", "Đất đai", "Hộ tịch"]


def test_summary_unit_merged_down_over_its_fields(tmp_path):
    h = ["STT", "Đơn vị", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None, None, None, "Kết quả giải quyết", None,
         None, None, "Số hồ sơ đang giải quyết", None, None]
    h2 = [None, None, None, "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Tổng số",
          "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    data = [[1, "Xã Lộc Tân", "Hộ tịch", 10, 6, 4, 0, 10, 5, 5, 0, 0, 0, 0],
            [2, None, "Chứng thực", 20, 0, 20, 0, 20, 20, 0, 0, 0, 0, 0],
            [3, "Xã Lộc An", "Hộ tịch", 8, 8, 0, 0, 7, 7, 0, 0, 1, 1, 0]]
    rows = [["Tháng 03 năm 2026"], h, h2] + data
    merges = {"Sheet1": ["A2:A3", "B2:B3", "C2:C3", "D2:G2", "H2:K2", "L2:N2", "B4:B5"]}
    expected = [("Xã Lộc Tân", "Hộ tịch", 6, 5), ("Xã Lộc Tân", "Chứng thực", 0, 0), ("Xã Lộc An", "Hộ tịch", 8, 0)]
    p = parse_file(xlsx(tmp_path / "u.xlsx", rows, merges), today=TODAY)
    assert records(p, "unit", "field", "received_online", "on_time") == expected
    p = parse_file(write(tmp_path / "u.csv", csv_bytes(rows)), today=TODAY)  # no merges: left blank
    assert records(p, "unit", "field", "received_online", "on_time") == expected
    assert p.units == ["Xã Lộc Tân", "Xã Lộc An"]


# --- a kind chosen by hand against the headers --------------------------------------------
PAKN = [["DANH SÁCH PHẢN ÁNH, KIẾN NGHỊ"],
        ["Mã PAKN", "Mã hồ sơ", "Ngày tiếp nhận", "Hạn xử lý", "Ngày hoàn thành", "Trạng thái"],
        ["PA1", "H1", "01/03/2026", "20/03/2026", "15/03/2026", "Đã giải quyết"],
        ["PA2", "H2", "02/03/2026", "20/03/2026", None, "Đang xử lý"]]


def test_feedback_list_forced_as_dossiers_is_refused(tmp_path):
    path = xlsx(tmp_path / "pakn.xlsx", PAKN)
    assert error_of(path, kind="dossiers", today=TODAY) == (
        "Tệp “pakn.xlsx” có vẻ là Phản ánh, kiến nghị (PAKN), không phải Danh sách hồ sơ: tệp có cột “Mã PAKN” "
        "của Phản ánh, kiến nghị (PAKN) mà Danh sách hồ sơ không có. Nạp theo loại đã chọn sẽ ghi sai dữ liệu. "
        "Hãy chọn loại dữ liệu “Phản ánh, kiến nghị (PAKN)” (dòng lệnh: --kind feedback) hoặc để tự nhận biết.")
    assert parse_file(path, kind="feedback", today=TODAY).frame["feedback_code"].tolist() == ["PA1", "PA2"]
    # Staff who map "Mã PAKN" by hand decide what it is.
    p = parse_file(path, kind="dossiers", today=TODAY, mapping_overrides={"Mã PAKN": "", "Mã hồ sơ": "dossier_code"})
    assert p.frame["dossier_code"].tolist() == ["H1", "H2"]


def test_summary_forced_as_dossiers_and_dossiers_forced_as_summary_are_refused(tmp_path):
    rows, merges = L.summary_portal()
    msg = error_of(L.write("xlsx", tmp_path / "bieu", rows, merges), kind="dossiers", today=TODAY)
    assert msg.startswith("Tệp “bieu.xlsx” có vẻ là Biểu số 06/VPCP/KSTT, không phải Danh sách hồ sơ")
    rows, merges = L.tracking_book(3)
    msg = error_of(L.write("xlsx", tmp_path / "so", rows, merges), kind="summary", today=TODAY)
    assert msg.startswith("Tệp “so.xlsx” có vẻ là Danh sách hồ sơ, không phải Biểu số 06/VPCP/KSTT: tệp có "
                          "cột “Mã hồ sơ”")


def test_kind_forced_on_a_file_that_has_its_columns_is_read(tmp_path):
    # A dossier list that carries each dossier's rating is a ratings file too.
    rows = [["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Kênh thực hiện", "Ngày tiếp nhận", "Trạng thái",
             "Ngày đánh giá", "Mức độ hài lòng"],
            ["H1", "Khai sinh", "Hộ tịch", "Trực tuyến", "01/03/2026", 10, "03/03/2026", "Hài lòng"]]
    assert parse_file(xlsx(tmp_path / "auto.xlsx", rows), today=TODAY).kind == "dossiers"
    p = parse_file(xlsx(tmp_path / "r.xlsx", rows), kind="ratings", today=TODAY)
    assert records(p, "dossier_code", "rating_label", "satisfied") == [("H1", "Hài lòng", True)]


# --- personal data --------------------------------------------------------------------------
def test_english_and_accent_free_personal_headers_dropped_and_rejects_keep_read_columns(tmp_path):
    header = ["Mã hồ sơ", "Full name", "Applicant", "Phone", "Mobile", "Email", "Address", "Citizen ID",
              "ID number", "Ho va ten", "So dien thoai", "Dia chi", "CCCD", "Người liên hệ", "Trích yếu",
              "Ghi chú", "Ngày tiếp nhận", "Trạng thái", "Procedure name"]
    person = ["Nguyễn Văn Tèo", "Tran Thi Hoa", "0912000111", "0987000222", "teo@example.vn", "12 Lê Lợi",
              "079123456789", "B1234567", "Le Van Ba", "0903000333", "So 5 Nguyen Trai", "001234567890",
              "Phạm Văn Liên", "Xin cấp lại, liên hệ 0934000444", "gọi 0945000555"]
    rows = [header, ["P1", *person, "01/03/2026", "Đang xử lý", "Khai sinh"],
            ["P2", *person, "45/03/2026", "Đang xử lý", "Khai tử"]]
    p = parse_file(xlsx(tmp_path / "en.xlsx", rows), today=TODAY)
    assert p.dropped_personal == header[1:14]
    assert p.unmapped == ["Trích yếu", "Procedure name"]
    assert list(p.frame.columns) == ["dossier_code", "received_at", "status", "source_row"]
    assert [r.raw for r in p.rejects] == [{"Mã hồ sơ": "P2", "Ngày tiếp nhận": "45/03/2026", "Trạng thái": "Đang xử lý"}]


def test_csv_tracking_book_without_merges_reads_paths(tmp_path):
    rows, _ = L.tracking_book(3)
    data = csv_bytes(rows, sep=",", encoding="cp1258")
    p = parse_file(write(tmp_path / "so.csv", data), today=TODAY)
    assert records(p, "dossier_code", "received_at", "due_at", "finished_at", "returned_at", "status") == BOOK_ROWS
