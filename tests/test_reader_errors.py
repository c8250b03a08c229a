"""Reader: whole-file failures raise IngestError with a Vietnamese message (what is wrong
and what to do); row-level validation rules of exports.md."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

from ingest.model import IngestError
from ingest.reader import detect_kind, parse_file
from tests.filemakers import workbook_engines, csv_bytes, encrypt_xlsx, write, xls, xlsx

TODAY = dt.date(2026, 4, 10)


@pytest.fixture(params=["calamine", "python"], autouse=True)
def engine(request, monkeypatch):
    """Every workbook test runs on both workbook readers."""
    return workbook_engines(request, monkeypatch)


def error_of(*args, **kw) -> str:
    with pytest.raises(IngestError) as err:
        parse_file(*args, **kw)
    return str(err.value)


def test_empty_file(tmp_path):
    assert error_of(write(tmp_path / "rong.xlsx", b"")) == (
        "Tệp “rong.xlsx” rỗng (0 byte). Hãy xuất lại tệp từ hệ thống một cửa điện tử rồi tải lên lại.")


def test_empty_workbook(tmp_path):
    assert error_of(xlsx(tmp_path / "trong.xlsx", [])) == (
        "Tệp “trong.xlsx” không có dữ liệu (các trang tính đều trống). Hãy xuất lại tệp từ hệ thống "
        "một cửa điện tử rồi tải lên lại.")


def test_header_without_rows(tmp_path):
    msg = error_of(xlsx(tmp_path / "h.xlsx", [["DANH SÁCH HỒ SƠ"], ["Mã hồ sơ", "Ngày tiếp nhận"], [], ["Người lập biểu"]]))
    assert msg == ("Tệp “h.xlsx” không có dòng dữ liệu nào dưới dòng tiêu đề (dòng 2). Hãy kiểm tra "
                   "lại tệp xuất từ hệ thống rồi tải lên lại.")


def test_no_recognisable_header(tmp_path):
    msg = error_of(write(tmp_path / "x.csv", csv_bytes([["a", "b", "c"], ["1", "2", "3"]])))
    assert msg == (
        "Không tìm thấy dòng tiêu đề cột trong tệp “x.csv” (đã xem 60 dòng đầu). Dòng tiêu đề cần có "
        "tên cột như “Mã hồ sơ”, “Ngày tiếp nhận”, “Trạng thái”. Hãy kiểm tra đúng tệp xuất từ hệ "
        "thống một cửa điện tử, hoặc chọn loại dữ liệu và ghép cột trên trang Tải dữ liệu.")


def test_no_header_lists_sheets(tmp_path):
    msg = error_of(xlsx(tmp_path / "x.xlsx", {"Trang 1": [["a", "b"]], "Trang 2": [["c"]]}))
    assert "(đã xem 60 dòng đầu trên các trang tính: “Trang 1”, “Trang 2”)" in msg


def test_corrupt_workbook(tmp_path):
    good = xlsx(tmp_path / "good.xlsx", [["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "01/03/2026"]])
    data = good.read_bytes()
    msg = error_of(write(tmp_path / "hong.xlsx", data[: len(data) // 2]))
    assert msg.startswith("Tệp “hong.xlsx” bị hỏng hoặc không đúng định dạng bảng tính Excel, không mở được")
    assert msg.endswith("Hãy mở tệp bằng Excel, chọn Lưu thành (.xlsx) rồi tải lên lại, hoặc xuất lại "
                        "tệp từ hệ thống một cửa.")


def test_zip_with_broken_sheet(tmp_path):
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<not really xml")
    assert error_of(path).startswith("Tệp “z.xlsx” bị hỏng hoặc không đúng định dạng bảng tính Excel")


def test_corrupt_xls(tmp_path):
    good = xls(tmp_path / "good.xls", [["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "01/03/2026"]])
    data = good.read_bytes()
    assert error_of(write(tmp_path / "hong.xls", data[:1536])).startswith("Tệp “hong.xls” bị hỏng")


def test_password_protected_workbook(tmp_path):
    plain = xlsx(tmp_path / "plain.xlsx", [["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "01/03/2026"]])
    locked = encrypt_xlsx(plain, tmp_path / "khoa.xlsx")
    assert error_of(locked) == (
        "Tệp “khoa.xlsx” được đặt mật khẩu nên không đọc được. Hãy mở tệp bằng Excel, gỡ mật khẩu "
        "(Tệp › Thông tin › Bảo vệ sổ làm việc › Mã hóa bằng mật khẩu, xóa mật khẩu), lưu lại rồi "
        "tải lên lại.")


# What a file is by its content (PDF, images, Word, ZIP, text under an Excel name, HTML
# tables): tests/test_files_content.py.


def test_every_row_invalid_lists_reasons(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], [None, "01/03/2026"], ["B", None], ["C", "32/01/2026"],
            ["D", "01/05/2026"], ["E", "x"], ["F", "y"], ["G", "z"]]
    assert error_of(xlsx(tmp_path / "bad.xlsx", rows), today=TODAY) == (
        "Không có dòng nào hợp lệ trong tệp “bad.xlsx” (7 dòng đều bị từ chối). Một số lý do: "
        "dòng 2: Thiếu mã hồ sơ; dòng 3: Thiếu ngày tiếp nhận; "
        "dòng 4: Ngày tiếp nhận không đọc được: “32/01/2026” (cần dạng dd/mm/yyyy, ví dụ 05/03/2026); "
        "dòng 5: Ngày tiếp nhận 01/05/2026 sau ngày hôm nay (10/04/2026); "
        "dòng 6: Ngày tiếp nhận không đọc được: “x” (cần dạng dd/mm/yyyy, ví dụ 05/03/2026); "
        "… và 2 dòng khác. Hãy sửa tệp rồi tải lên lại.")


def test_required_column_missing_named_in_vietnamese(tmp_path):
    rows = [["STT", "Mã hồ sơ", "Tên thủ tục", "Trạng thái"], [1, "A", "Khai sinh", 4]]
    assert error_of(xlsx(tmp_path / "thieu.xlsx", rows), today=TODAY) == (
        "Tệp “thieu.xlsx” (Danh sách hồ sơ) thiếu cột bắt buộc “Ngày tiếp nhận”. Các cột tìm thấy: "
        "“STT”, “Mã hồ sơ”, “Tên thủ tục”, “Trạng thái”. Hãy thêm hoặc đổi tên cột trong tệp, hoặc "
        "ghép cột trên trang Tải dữ liệu.")


def test_both_required_columns_missing(tmp_path):
    rows = [["Tên thủ tục", "Trạng thái", "Ngày hẹn trả"], ["Khai sinh", 4, "01/03/2026"]]
    msg = error_of(xlsx(tmp_path / "t.xlsx", rows), kind="dossiers", today=TODAY)
    assert "thiếu cột bắt buộc “Mã hồ sơ” và “Ngày tiếp nhận”." in msg


def test_unknown_kind(tmp_path):
    assert error_of(b"x", "a.csv", kind="hoso") == (
        "Loại dữ liệu “hoso” không hợp lệ. Hãy chọn một trong: dossiers (Danh sách hồ sơ); "
        "ratings (Kết quả đánh giá mức độ hài lòng); procedures (Danh mục thủ tục hành chính); "
        "feedback (Phản ánh, kiến nghị (PAKN)); summary (Biểu số 06/VPCP/KSTT).")


def test_kind_cannot_be_detected(tmp_path):
    path = write(tmp_path / "k.csv", csv_bytes([["Tên thủ tục", "Lĩnh vực", "Ghi chú"], ["Khai sinh", "Hộ tịch", ""]]))
    expected = (
        "Không nhận ra loại dữ liệu của tệp “k.csv” từ các cột: “Tên thủ tục”, “Lĩnh vực”, “Ghi chú”. "
        "Hãy chọn loại dữ liệu (Danh sách hồ sơ, Kết quả đánh giá mức độ hài lòng, Danh mục thủ tục "
        "hành chính, Phản ánh, kiến nghị (PAKN), Biểu số 06/VPCP/KSTT) rồi tải lên lại (dòng lệnh: "
        "--kind dossiers|ratings|procedures|feedback|summary).")
    assert error_of(path) == expected
    with pytest.raises(IngestError) as err:
        detect_kind(path)
    assert str(err.value) == expected
    # Choosing the kind reads it.
    with pytest.raises(IngestError) as err:
        parse_file(path, kind="dossiers", today=TODAY)
    assert "thiếu cột bắt buộc “Mã hồ sơ” và “Ngày tiếp nhận”" in str(err.value)
    p = parse_file(path, kind="procedures", today=TODAY, mapping_overrides={"Tên thủ tục": "procedure_code"})
    assert p.frame["procedure_code"].tolist() == ["Khai sinh"]
    assert p.frame["field"].tolist() == ["Hộ tịch"]


def test_override_to_unknown_column(tmp_path):
    path = write(tmp_path / "o.csv", csv_bytes([["Mã hồ sơ", "Ngày tiếp nhận", "X"], ["A", "01/03/2026", "1"]]))
    assert error_of(path, today=TODAY, mapping_overrides={"X": "rated_at"}) == (
        "Không thể ghép cột vào “rated_at”: loại dữ liệu “Danh sách hồ sơ” không có cột này. Hãy chọn "
        "lại cột đích trên trang Tải dữ liệu.")


def test_missing_path(tmp_path):
    with pytest.raises(IngestError, match="Không tìm thấy tệp “khong-co.xlsx”"):
        parse_file(tmp_path / "khong-co.xlsx")


# --- row validation ----------------------------------------------------------------------
def test_dossier_row_rules(tmp_path):
    rows = [["Mã hồ sơ", "Chủ hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý"],
            ["OK1", "Nguyễn A", "01/03/2026", "05/03/2026", "04/03/2026"],
            [None, "Nguyễn B", "01/03/2026", None, None],
            ["NO-RECV", "Nguyễn C", None, "05/03/2026", None],
            ["BAD-DATE", "Nguyễn D", "31/02/2026", None, None],
            ["DUE-BEFORE", "Nguyễn E", "05/03/2026 08:00", "04/03/2026", None],
            ["DUE-SAME-DAY", "Nguyễn F", "05/03/2026 08:00", "05/03/2026", None],
            ["FUTURE", "Nguyễn G", "11/04/2026", None, None],
            ["FIN-FUTURE", "Nguyễn H", "01/04/2026", None, "12/04/2026 09:00"],
            ["TODAY", "Nguyễn I", "10/04/2026 16:00", None, "10/04/2026 17:00"],
            [None, "Nguyễn K", "xx", "01/01/2026", None]]
    p = parse_file(xlsx(tmp_path / "v.xlsx", rows), today=TODAY)
    assert p.rows_read == 10
    assert p.frame["dossier_code"].tolist() == ["OK1", "DUE-SAME-DAY", "TODAY"]
    assert [(r.row_number, r.column, r.reason) for r in p.rejects] == [
        (3, "Mã hồ sơ", "Thiếu mã hồ sơ"),
        (4, "Ngày tiếp nhận", "Thiếu ngày tiếp nhận"),
        (5, "Ngày tiếp nhận", "Ngày tiếp nhận không đọc được: “31/02/2026” (cần dạng dd/mm/yyyy, ví dụ 05/03/2026)"),
        (6, "Ngày hẹn trả", "Ngày hẹn trả 04/03/2026 trước ngày tiếp nhận 05/03/2026"),
        (8, "Ngày tiếp nhận", "Ngày tiếp nhận 11/04/2026 sau ngày hôm nay (10/04/2026)"),
        (9, "Ngày kết thúc xử lý", "Ngày kết thúc xử lý 12/04/2026 sau ngày hôm nay (10/04/2026)"),
        (11, "Mã hồ sơ", "Thiếu mã hồ sơ; Ngày tiếp nhận không đọc được: “xx” (cần dạng dd/mm/yyyy, ví dụ 05/03/2026)"),
    ]
    assert p.rejects[0].raw == {"Mã hồ sơ": "", "Ngày tiếp nhận": "01/03/2026", "Ngày hẹn trả": "", "Ngày kết thúc xử lý": ""}


def test_today_defaults_to_config(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-03-15")
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "15/03/2026"], ["B", "16/03/2026"]]
    p = parse_file(xlsx(tmp_path / "d.xlsx", rows))
    assert p.frame["dossier_code"].tolist() == ["A"]
    assert p.rejects[0].reason == "Ngày tiếp nhận 16/03/2026 sau ngày hôm nay (15/03/2026)"


def test_duplicate_codes_later_row_wins_with_one_warning(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"],
            ["A", "01/03/2026", 4], ["B", "01/03/2026", 4], ["A", "01/03/2026", 9],
            ["C", "02/03/2026", 2], ["B", "01/03/2026", 10], ["A", "01/03/2026", 10]]
    p = parse_file(xlsx(tmp_path / "d.xlsx", rows), today=TODAY)
    assert [(c, s, r) for c, s, r in p.frame[["dossier_code", "status", "source_row"]].itertuples(index=False)] == [
        ("C", 2, 5), ("B", 10, 6), ("A", 10, 7)]
    assert p.rows_read == 6
    assert p.warnings == ["Có 2 mã hồ sơ xuất hiện nhiều lần trong tệp; dùng dòng xuất hiện sau cùng: "
                          "A (dòng 2, 4, 7); B (dòng 3, 6)."]


def test_unreadable_values_reject_and_keep_valid_rows(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Kênh thực hiện", "Số lần bổ sung"],
            ["A", "01/03/2026", "Trực tuyến", 0], ["B", "01/03/2026", "Fax", 1], ["C", "01/03/2026", 2, -1]]
    p = parse_file(xlsx(tmp_path / "u.xlsx", rows), today=TODAY)
    assert p.frame["dossier_code"].tolist() == ["A"]
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (3, "Kênh thực hiện không đọc được: “Fax” (cần 1, 2, 3 hoặc Trực tiếp / Trực tuyến / Bưu chính công ích)"),
        (4, "Số lần bổ sung không đọc được: “-1” (cần số nguyên không âm)"),
    ]
    assert pd.isna(p.as_of) is False and p.as_of == dt.date(2026, 3, 1)
