"""Reader: ratings, procedures, feedback and the summary report (Biểu số 06/VPCP/KSTT)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from ingest.model import IngestError
from ingest.reader import parse_file
from tests.filemakers import workbook_engines, FOOTER, csv_bytes, write, xls, xlsx

TODAY = dt.date(2026, 4, 10)


@pytest.fixture(params=["calamine", "python"], autouse=True)
def engine(request, monkeypatch):
    """Every workbook test runs on both workbook readers."""
    return workbook_engines(request, monkeypatch)
T = pd.Timestamp


def rows_of(p, *cols):
    return [tuple(None if pd.isna(v) else v for v in r) for r in p.frame[list(cols)].itertuples(index=False)]


def h(text):
    return "#" + hashlib.sha256(text.encode()).hexdigest()[:20]


# --- ratings ---------------------------------------------------------------------------
def test_ratings_text_labels_keys_and_duplicates(tmp_path):
    rows = [["KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG"], ["Tháng 03 năm 2026"],
            ["STT", "Mã hồ sơ", "Người đánh giá", "Ngày đánh giá", "Mức độ hài lòng"],
            [1, "H1", "Nguyễn A", "05/03/2026 10:00", "Rất hài lòng"],
            [2, None, "Lê B", "06/03/2026", "Hài lòng"],
            [3, None, "Lê C", "06/03/2026", "Hài lòng"],
            [4, "H4", "Đỗ D", "07/03/2026", "Bình thường"],
            [5, None, "Vũ E", "07/03/2026", "không  hài lòng"],
            [6, "H6", "Hà F", "08/03/2026", "Rất không hài lòng"],
            [7, "H7", "Mai G", "08/03/2026", "tuyệt"],
            [8, "H1", "Lý H", "05/03/2026 15:00", "Hài lòng"]]
    p = parse_file(xlsx(tmp_path / "r.xlsx", rows), today=TODAY)
    assert p.kind == "ratings"
    assert p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.as_of == dt.date(2026, 3, 31)
    assert p.dropped_personal == ["Người đánh giá"]
    assert p.columns == ["dossier_code", "rated_at", "rating_label", "satisfied", "negative"]
    assert list(p.frame.columns) == ["rating_key"] + p.columns + ["source_row"]
    assert rows_of(p, "rating_key", "dossier_code", "rated_at", "rating_label", "satisfied", "negative", "source_row") == [
        (h("2026-03-06T00:00:00|Hài lòng|0"), None, T("2026-03-06"), "Hài lòng", True, False, 5),
        (h("2026-03-06T00:00:00|Hài lòng|1"), None, T("2026-03-06"), "Hài lòng", True, False, 6),
        ("H4|2026-03-07", "H4", T("2026-03-07"), "Bình thường", False, False, 7),
        (h("2026-03-07T00:00:00|không hài lòng|0"), None, T("2026-03-07"), "không hài lòng", False, True, 8),
        ("H6|2026-03-08", "H6", T("2026-03-08"), "Rất không hài lòng", False, True, 9),
        ("H1|2026-03-05", "H1", T("2026-03-05 15:00"), "Hài lòng", True, False, 11),
    ]
    assert [(r.row_number, r.column) for r in p.rejects] == [(10, "Mức độ hài lòng")]
    # Only the columns the product reads (exports.md): no STT, no personal "Người đánh giá".
    assert p.rejects[0].raw == {"Mã hồ sơ": "H7", "Ngày đánh giá": "08/03/2026", "Mức độ hài lòng": "tuyệt"}
    assert p.warnings == ["Có 1 lượt đánh giá (mã hồ sơ và ngày đánh giá) xuất hiện nhiều lần trong tệp; "
                          "dùng dòng xuất hiện sau cùng: H1|2026-03-05 (dòng 4, 11)."]


def test_rating_keys_are_stable_across_reads(tmp_path):
    rows = [["Ngày đánh giá", "Đánh giá"], ["01/03/2026", "Hài lòng"], ["01/03/2026", "Hài lòng"]]
    a = parse_file(xlsx(tmp_path / "a.xlsx", rows), today=TODAY)
    b = parse_file(write(tmp_path / "b.csv", csv_bytes(rows)), today=TODAY)
    assert a.frame["rating_key"].tolist() == b.frame["rating_key"].tolist()
    assert a.frame["rating_key"].nunique() == 2


def test_numeric_ratings_one_to_five_and_like(tmp_path):
    rows = [["Ngày đánh giá", "Đánh giá"], ["01/03/2026", 5], ["01/03/2026", 4], ["01/03/2026", 3],
            ["01/03/2026", 2], ["01/03/2026", "1"], ["02/03/2026", "like"], ["02/03/2026", "dislike"],
            ["02/03/2026", "5 sao"], ["02/03/2026", 6]]
    p = parse_file(xlsx(tmp_path / "n.xlsx", rows), today=TODAY)
    assert rows_of(p, "rating_label", "satisfied", "negative") == [
        ("5", True, False), ("4", True, False), ("3", False, False), ("2", False, True), ("1", False, True),
        ("like", True, False), ("dislike", False, True), ("5", True, False)]
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (10, "Đánh giá không đọc được: “6” (cần Rất hài lòng / Hài lòng / Bình thường / Không hài lòng / "
             "Rất không hài lòng, Thích / Không thích hoặc điểm 1–5)")]


def test_numeric_ratings_zero_to_two_when_file_holds_a_zero(tmp_path):
    rows = [["Ngày đánh giá", "Kết quả đánh giá"], ["01/03/2026", 0], ["01/03/2026", 1], ["01/03/2026", 2]]
    p = parse_file(xlsx(tmp_path / "z.xlsx", rows), today=TODAY)
    assert rows_of(p, "rating_label", "satisfied", "negative") == [
        ("0", False, True), ("1", False, False), ("2", True, False)]


def test_rating_after_today_rejected(tmp_path):
    rows = [["Ngày đánh giá", "Đánh giá"], ["01/03/2026", "Hài lòng"], ["11/04/2026", "Hài lòng"]]
    p = parse_file(xlsx(tmp_path / "t.xlsx", rows), today=TODAY)
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (3, "Ngày đánh giá 11/04/2026 sau ngày hôm nay (10/04/2026)")]


# --- procedures ------------------------------------------------------------------------
def test_procedures_catalogue(tmp_path):
    rows = [["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"],
            ["STT", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVC",
             "Đủ điều kiện toàn trình", "Phí, lệ phí", "Thanh toán trực tuyến", "Phi địa giới",
             "Yêu cầu trả kết quả giấy"],
            [1, "1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình", "Có", "Miễn phí", "Không", "x", "Có"],
            [2, "2.000815", "Chứng thực bản sao", "Chứng thực", "Cấp xã", "Một phần", "Không", "2.000 đồng/trang", "Có", "x", "Có"],
            [3, "1.004227", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "Mức 4", "x", None, "x", None, "Không"],
            [4, None, "Khác", "Hộ tịch", "Cấp xã", "Mức 2", None, "Theo quy định", None, None, None],
            [5, "1.000656", "Trùng", "Hộ tịch", "Cấp xã", "DVC cung cấp thông tin", "Không", "Có", "Có", "Không", "Có"],
            [6, "1.000656", "Trùng sau", "Hộ tịch", "Cấp xã", "Mức 3", "Không", "50000", "Có", "Không", "Có"]]
    p = parse_file(xlsx(tmp_path / "p.xlsx", rows), today=TODAY)
    assert p.kind == "procedures"
    assert p.columns == ["procedure_name", "field", "level", "service_level", "full_online_eligible",
                         "full_online", "has_fee", "fee", "online_payment", "boundary_free", "paper_result"]
    assert rows_of(p, "procedure_code", "service_level", "full_online_eligible", "full_online", "has_fee",
                   "fee", "online_payment", "boundary_free", "paper_result", "source_row") == [
        ("1.001193", "Toàn trình", True, True, False, 0, False, True, True, 3),
        ("2.000815", "Một phần", False, False, True, 2000, True, True, True, 4),
        ("1.004227", "Mức 4", True, True, False, 0, True, False, False, 5),
        ("1.000656", "Mức 3", False, False, True, 50000, True, False, True, 8),
    ]
    assert [(r.row_number, r.reason) for r in p.rejects] == [(6, "Thiếu mã thủ tục")]
    assert p.warnings == ["Có 1 mã thủ tục xuất hiện nhiều lần trong tệp; dùng dòng xuất hiện sau cùng: "
                          "1.000656 (dòng 7, 8)."]
    assert p.as_of is None


def test_procedures_has_fee_column_and_explicit_full_online(tmp_path):
    rows = [["Mã TTHC", "Tên TTHC", "Có phí, lệ phí", "Mức phí", "DVC trực tuyến toàn trình", "Mức độ"],
            ["A", "Thủ tục A", "Có", None, "Không", "Toàn trình"],
            ["B", "Thủ tục B", "Không", "20.000", "Có", "Một phần"],
            ["C", "Thủ tục C", None, None, None, None]]
    p = parse_file(xlsx(tmp_path / "p.xlsx", rows), kind="procedures", today=TODAY)
    assert rows_of(p, "procedure_code", "has_fee", "fee", "full_online", "service_level") == [
        ("A", True, 0, False, "Toàn trình"), ("B", True, 20000, True, "Một phần"), ("C", False, 0, False, None)]


# --- feedback --------------------------------------------------------------------------
def test_feedback(tmp_path):
    rows = [["DANH SÁCH PHẢN ÁNH, KIẾN NGHỊ"], ["Quý I năm 2026"],
            ["Mã PAKN", "Mã hồ sơ", "Nội dung", "Người phản ánh", "Ngày tiếp nhận", "Hạn xử lý",
             "Ngày hoàn thành", "Trạng thái", "Đánh giá"],
            ["PA1", "H1", "Chậm trả", "Nguyễn A", "01/03/2026", "20/03/2026", "15/03/2026", "Đã xử lý", "Hài lòng"],
            ["PA2", None, "Thái độ", "Lê B", "05/03/2026", None, None, "Đang xử lý", None],
            ["PA3", None, "Khác", "Lê C", "05/05/2026", None, None, "Đang xử lý", None],
            [None, None, "Khác", "Lê C", "05/03/2026", None, None, "Đang xử lý", None],
            ["PA5", None, "Khác", "Lê C", None, None, None, None, None],
            ["PA6", None, "Khác", "Lê C", "10/03/2026", "09/03/2026", None, None, None]]
    p = parse_file(xlsx(tmp_path / "fb.xlsx", rows), today=TODAY)
    assert p.kind == "feedback"
    assert p.period == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert p.dropped_personal == ["Người phản ánh"]
    assert p.unmapped == ["Nội dung"]
    assert p.columns == ["dossier_code", "received_at", "due_at", "finished_at", "status", "rating"]
    assert rows_of(p, "feedback_code", "dossier_code", "received_at", "due_at", "finished_at", "status", "rating", "source_row") == [
        ("PA1", "H1", T("2026-03-01"), T("2026-03-20"), T("2026-03-15"), "Đã xử lý", "Hài lòng", 4),
        ("PA2", None, T("2026-03-05"), None, None, "Đang xử lý", None, 5),
    ]
    assert [(r.row_number, r.column, r.reason) for r in p.rejects] == [
        (6, "Ngày tiếp nhận", "Ngày tiếp nhận 05/05/2026 sau ngày hôm nay (10/04/2026)"),
        (7, "Mã PAKN", "Thiếu mã phản ánh, kiến nghị"),
        (8, "Ngày tiếp nhận", "Thiếu ngày tiếp nhận"),
        (9, "Hạn xử lý", "Hạn xử lý 09/03/2026 trước ngày tiếp nhận 10/03/2026"),
    ]


# --- summary ---------------------------------------------------------------------------
SUM_TITLE = [["UBND XÃ LỘC TÂN", None, None, None, None, None, None, None, None, None, "Biểu số 06/VPCP/KSTT"], [],
             ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"]]
SUM_H1 = ["STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết", None, None, None,
          "Kết quả giải quyết", None, None, None, "Số hồ sơ đang giải quyết", None, None]
SUM_H2 = [None, None, "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Tổng số",
          "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
SUM_NUMS = [f"({i})" for i in range(1, 14)]
SUM_DATA = [[1, "Hộ tịch", 100, 60, 30, 10, 90, 50, 38, 2, 10, 9, 1],
            [2, "Chứng thực", 50, 0, 50, 0, 50, 50, 0, 0, 0, 0, 0],
            [3, "Đất đai", 20, 5, 15, 0, 15, 5, 5, 5, 5, 4, 1]]
SUM_TOTAL = ["Tổng cộng", None, 170, 65, 95, 10, 155, 105, 43, 7, 15, 13, 2]
SUM_MERGES = ["A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"]
NUMBER_COLS = ["received_total", "received_online", "received_direct", "carried_over", "resolved_total",
               "early", "on_time", "late", "pending_total", "pending_in_time", "pending_overdue"]


def summary_rows(period_line, total=SUM_TOTAL, data=SUM_DATA):
    return SUM_TITLE + [[period_line]] + [SUM_H1, SUM_H2, SUM_NUMS] + data + [total] + FOOTER


@pytest.mark.parametrize("line,period", [
    ("Quý I năm 2026", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
    ("Tháng 01 năm 2026", (dt.date(2026, 1, 1), dt.date(2026, 1, 31))),
    ("Tháng 2/2026", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
    ("(Từ ngày 01/01/2026 đến ngày 31/01/2026)", (dt.date(2026, 1, 1), dt.date(2026, 1, 31))),
    ("Kỳ báo cáo: Quý IV năm 2025 (từ ngày 15/09/2025 đến ngày 14/12/2025)", (dt.date(2025, 9, 15), dt.date(2025, 12, 14))),
    ("6 tháng đầu năm 2026", (dt.date(2026, 1, 1), dt.date(2026, 6, 30))),
    ("Năm 2025", (dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
])
def test_summary_xlsx_period_from_title(tmp_path, line, period):
    p = parse_file(xlsx(tmp_path / "s.xlsx", summary_rows(line), {"Sheet1": SUM_MERGES}), today=TODAY)
    assert p.kind == "summary"
    assert p.period == period
    assert p.as_of == period[1]
    assert p.header_row == 5
    assert p.rows_read == 3
    assert p.rejects == [] and p.warnings == []
    assert p.columns == NUMBER_COLS
    assert list(p.frame.columns) == ["period_start", "period_end", "field"] + NUMBER_COLS + ["source_row"]
    assert p.frame["period_start"].tolist() == [period[0]] * 3
    assert p.frame["period_end"].tolist() == [period[1]] * 3
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực", "Đất đai"]
    assert [list(r) for r in p.frame[NUMBER_COLS].itertuples(index=False)] == [r[2:] for r in SUM_DATA]
    assert p.frame["source_row"].tolist() == [8, 9, 10]
    assert str(p.frame["early"].dtype) == "Int64"
    assert p.mapping["Lĩnh vực, công việc giải quyết theo cấp"] == "field"
    assert p.mapping["Trước hạn"] == "early"
    assert p.mapping["Số hồ sơ đang giải quyết - Quá hạn"] == "pending_overdue"


def test_summary_xls_total_mismatch_warns(tmp_path):
    total = ["Tổng cộng", None, 171, 65, 95, 10, 155, 105, 43, 7, 15, 13, 2]
    merges = [(4, 5, 0, 0), (4, 5, 1, 1), (4, 4, 2, 5), (4, 4, 6, 9), (4, 4, 10, 12)]
    path = xls(tmp_path / "s.xls", {"Biểu 06": summary_rows("Tháng 03 năm 2026", total)}, {"Biểu 06": merges})
    p = parse_file(path, today=TODAY)
    assert p.sheet == "Biểu 06"
    assert p.frame["field"].tolist() == ["Hộ tịch", "Chứng thực", "Đất đai"]
    assert p.warnings == ["Dòng “Tổng cộng” (dòng 11) không khớp với tổng các dòng lĩnh vực: "
                          "(3) Số hồ sơ nhận giải quyết - Tổng số: dòng tổng ghi 171, cộng các lĩnh vực được 170. "
                          "Số liệu được lấy theo từng lĩnh vực."]


def test_summary_period_argument_and_missing_period(tmp_path):
    path = xlsx(tmp_path / "s.xlsx", summary_rows("BÁO CÁO ĐỊNH KỲ"), {"Sheet1": SUM_MERGES})
    with pytest.raises(IngestError) as err:
        parse_file(path, today=TODAY)
    assert str(err.value) == (
        "Không xác định được kỳ báo cáo của Biểu số 06 “s.xlsx”: tiêu đề không ghi “Từ ngày … đến "
        "ngày …”, “Tháng … năm …” hay “Quý … năm …”. Hãy chọn kỳ báo cáo trên trang Tải dữ liệu "
        "(dòng lệnh: --period 2026-01-01..2026-01-31).")
    p = parse_file(path, today=TODAY, period=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert p.period == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert p.as_of == dt.date(2026, 2, 28)
    assert p.frame["period_end"].tolist() == [dt.date(2026, 2, 28)] * 3


def test_summary_title_period_wins_over_argument_with_warning(tmp_path):
    path = xlsx(tmp_path / "s.xlsx", summary_rows("Tháng 01 năm 2026"), {"Sheet1": SUM_MERGES})
    p = parse_file(path, today=TODAY, period=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert p.period == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert p.warnings == ["Kỳ báo cáo ghi trong tiêu đề (01/01/2026 – 31/01/2026) khác kỳ đã chọn; dùng kỳ trong tiêu đề."]


def test_summary_csv_without_merges_bad_number_and_inconsistent_row(tmp_path):
    data = [[1, "Hộ tịch", 100, 60, 30, 10, 90, 50, 38, 2, 10, 9, 1],
            [2, "Chứng thực", "năm mươi", 0, 50, 0, 50, 50, 0, 0, 0, 0, 0],
            [3, "Đất đai", 20, 5, 15, 0, 15, 5, 5, 4, 5, 4, 1]]
    total = ["Tổng cộng", None, 120, 65, 45, 10, 105, 55, 43, 6, 15, 13, 2]
    path = write(tmp_path / "s.csv", csv_bytes(summary_rows("Tháng 03 năm 2026", total, data), sep=";"))
    p = parse_file(path, today=TODAY)
    assert p.frame["field"].tolist() == ["Hộ tịch", "Đất đai"]
    assert [(r.row_number, r.column, r.reason) for r in p.rejects] == [
        (9, "Số hồ sơ nhận giải quyết - Tổng số",
         "Số hồ sơ nhận giải quyết - Tổng số không đọc được: “năm mươi” (cần số nguyên không âm)")]
    assert p.warnings == ["Số liệu trong dòng không cộng khớp (cột (3) = (4)+(5)+(6), (7) = (8)+(9)+(10), "
                          "(11) = (12)+(13)) ở: Đất đai (dòng 10)."]


def test_summary_with_kind_override_and_blank_cells_as_zero(tmp_path):
    data = [[1, "Hộ tịch", 10, 4, 6, None, 8, 8, None, None, 2, 2, None]]
    path = xlsx(tmp_path / "s.xlsx", summary_rows("Tháng 03 năm 2026", total=[], data=data), {"Sheet1": SUM_MERGES})
    p = parse_file(path, kind="summary", today=TODAY)
    assert [list(r) for r in p.frame[NUMBER_COLS].itertuples(index=False)] == [[10, 4, 6, 0, 8, 8, 0, 0, 2, 2, 0]]


def test_catalogue_as_of_from_its_update_line(tmp_path):
    from tests.filemakers import xlsx as make_xlsx

    rows = [
        ["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"],
        ["(Cập nhật đến ngày 20/11/2026)"],
        ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Mức độ DVC", "Có phí, lệ phí"],
        ["1.001193", "Đăng ký khai sinh", "Hộ tịch", "Toàn trình", "Không"],
    ]
    parsed = parse_file(make_xlsx(tmp_path / "danh-muc.xlsx", rows), today=dt.date(2026, 11, 27))
    assert parsed.kind == "procedures"
    assert parsed.as_of == dt.date(2026, 11, 20)
