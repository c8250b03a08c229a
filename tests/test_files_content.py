"""A file is judged by its content, not its name (access.md "Uploads", issue 13 item 1):
each kind of wrong file is named for what it is, an HTML table saved as .xls is read with
its spans as merges, a CSV under an Excel name is read as CSV; and the encoding of a text
file is decided on all of its bytes (exports.md)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from ingest import files
from ingest.model import IngestError
from ingest.reader import detect_kind, parse_file
from tests import hostile as H
from tests.filemakers import PNG, csv_bytes, encrypt_xlsx, to_cp1258, write, xlsx

TODAY = dt.date(2026, 4, 10)
DOSSIERS = [["Mã hồ sơ", "Ngày tiếp nhận", "Tên thủ tục"],
            ["HS-1", "02/03/2026", "Đăng ký kết hôn"],
            ["HS-2", "03/03/2026", "Chứng thực chữ ký"]]


def error_of(*args, **kw) -> str:
    with pytest.raises(IngestError) as err:
        parse_file(*args, today=TODAY, **kw)
    return str(err.value)


# --- refused, each named for what it is ---------------------------------------------------
IMAGE_TAIL = ("(ảnh chụp hoặc ảnh quét), không phải bảng tính: số liệu trong ảnh không đọc được. "
              "Hãy tải tệp Excel (.xlsx) hoặc CSV gốc từ hệ thống một cửa điện tử rồi tải lên tệp đó.")


@pytest.mark.parametrize("data,what", [(PNG, "PNG"), (H.JPEG, "JPEG"), (H.GIF, "GIF")])
def test_image_under_an_excel_name(tmp_path, data, what):
    assert error_of(write(tmp_path / "anh.xlsx", data)) == f"Tệp “anh.xlsx” là ảnh {what} {IMAGE_TAIL}"


def test_pdf_is_named_a_pdf(tmp_path):
    assert error_of(write(tmp_path / "bao-cao.xls", H.PDF)) == (
        "Tệp “bao-cao.xls” là tệp PDF, không phải bảng tính: số liệu trong tệp PDF không đọc được. "
        "Hãy tải bản Excel (.xlsx) của danh sách từ hệ thống một cửa điện tử (nút “Xuất Excel”) rồi "
        "tải lên tệp đó.")


def test_word_document(tmp_path):
    assert error_of(H.docx(tmp_path / "danh-sach.xlsx")) == (
        "Tệp “danh-sach.xlsx” là văn bản Word (.docx), không phải bảng tính. Hãy tải tệp Excel (.xlsx) "
        "gốc từ hệ thống một cửa điện tử; nếu chỉ có bảng trong văn bản, hãy chép bảng sang Excel, lưu "
        "thành .xlsx rồi tải lên.")


def test_zip_that_is_not_a_workbook_says_what_it_holds(tmp_path):
    inner = xlsx(tmp_path / "thang-3.xlsx", DOSSIERS).read_bytes()
    path = H.zip_of(tmp_path / "ho-so.xlsx", {"T3/thang-3.xlsx": inner, "thang-4.csv": b"a;b\n"})
    assert error_of(path) == (
        "Tệp “ho-so.xlsx” là tệp nén ZIP, không phải sổ làm việc Excel (bên trong có: “thang-3.xlsx”, "
        "“thang-4.csv”). Hãy giải nén rồi tải lên từng tệp Excel (.xlsx, .xls) hoặc CSV bên trong.")


def test_other_archives_and_binaries(tmp_path):
    assert error_of(write(tmp_path / "a.xlsx", b"Rar!\x1a\x07\x00" + bytes(50))).startswith(
        "Tệp “a.xlsx” là tệp nén RAR, không phải sổ làm việc Excel. Hãy giải nén")
    assert error_of(write(tmp_path / "b.xlsx", bytes(range(256)) * 4)) == (
        "Tệp “b.xlsx” không phải bảng tính hay tệp CSV (có vẻ là tệp nhị phân, không phải văn bản). "
        "Hãy chọn đúng tệp Excel (.xlsx, .xls) hoặc CSV xuất từ hệ thống một cửa điện tử.")


def test_xlsb_and_ods_are_told_to_save_as_xlsx(tmp_path):
    xlsb = H.zip_of(tmp_path / "a.xlsb", {"xl/workbook.bin": b"\x00" * 10, "[Content_Types].xml": b"<Types/>"})
    assert "là sổ làm việc Excel dạng nhị phân (.xlsb), chưa đọc được" in error_of(xlsb)
    ods = H.zip_of(tmp_path / "a.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                        "content.xml": b"<x/>"})
    assert "là bảng tính OpenDocument (.ods)" in error_of(ods)


def test_plain_text_renamed_xlsx_is_not_an_excel_file(tmp_path):
    text = "Kính gửi UBND xã,\nĐây là báo cáo tình hình tháng 3.\nTrân trọng.\n".encode()
    expected = (
        "Tệp “bao-cao.xlsx” không phải tệp Excel: nội dung là văn bản thuần (chữ), không phải bảng "
        "tính, và không có dòng tiêu đề cột nào nhận ra được (như “Mã hồ sơ”, “Ngày tiếp nhận”). Hãy "
        "tải đúng tệp Excel (.xlsx, .xls) hoặc CSV xuất từ hệ thống một cửa điện tử.")
    path = write(tmp_path / "bao-cao.xlsx", text)
    assert error_of(path) == expected
    # Choosing the kind by hand does not lead to another dead end: the same message.
    assert error_of(path, kind="dossiers") == expected
    with pytest.raises(IngestError, match="không phải tệp Excel"):
        detect_kind(path)


def test_csv_under_an_excel_name_is_read_as_csv_with_a_warning(tmp_path):
    path = write(tmp_path / "ho-so.xlsx", csv_bytes(DOSSIERS, sep=";"))
    p = parse_file(path, today=TODAY)
    assert p.frame["dossier_code"].tolist() == ["HS-1", "HS-2"]
    assert p.frame["procedure_name"].tolist() == ["Đăng ký kết hôn", "Chứng thực chữ ký"]
    assert p.warnings == ["Tệp “ho-so.xlsx” thực chất là tệp CSV (văn bản, các cột cách nhau bằng dấu "
                          "chấm phẩy), không phải tệp Excel; đã đọc như tệp CSV."]
    # Under its own name there is nothing to warn about.
    assert parse_file(write(tmp_path / "ho-so.csv", csv_bytes(DOSSIERS, sep=";")), today=TODAY).warnings == []


def test_a_real_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = xlsx(tmp_path / "x.xlsx", DOSSIERS)
    p = parse_file(write(tmp_path / "ho-so.csv", path.read_bytes()), today=TODAY)
    assert p.sheet == "Sheet1" and p.frame["dossier_code"].tolist() == ["HS-1", "HS-2"]


def test_password_protected_workbook_stays_recognised_under_any_name(tmp_path):
    locked = encrypt_xlsx(xlsx(tmp_path / "p.xlsx", DOSSIERS), tmp_path / "khoa.csv")
    assert error_of(locked).startswith("Tệp “khoa.csv” được đặt mật khẩu nên không đọc được.")


# --- HTML tables saved as .xls --------------------------------------------------------------
HTML_ROWS = """<table border="1">
<tr><td colspan="7" align="center"><b>DANH SÁCH HỒ SƠ</b></td></tr>
<tr><td colspan="7">Từ ngày 01/03/2026 đến ngày 31/03/2026</td></tr>
<tr><th rowspan="2">STT</th><th rowspan="2">Mã hồ sơ</th><th rowspan="2">Lĩnh vực</th>
    <th colspan="3">Thời gian</th><th rowspan="2">Trạng thái</th></tr>
<tr><th>Ngày tiếp nhận</th><th>Ngày hẹn trả</th><th>Ngày kết thúc<br>xử lý</th></tr>
<tr><td>1</td><td>HS-001</td><td rowspan="2">Hộ tịch</td><td>02/03/2026 08:15</td>
    <td>03/03/2026</td><td>03/03/2026</td><td>Đã trả kết quả</td></tr>
<tr><td>2</td><td>HS-002</td><td>05/03/2026</td><td>10/03/2026</td><td></td><td>Đang xử lý</td></tr>
<tr><td>3</td><td>HS-003</td><td>Chứng&nbsp;thực</td><td>06/03/2026</td><td>06/03/2026</td>
    <td>06/03/2026</td><td>Đã trả kết quả</td></tr>
<tr><td colspan="3">Tổng cộng: 3 hồ sơ</td></tr>
</table>"""


def test_html_table_saved_as_xls_is_read_with_its_two_row_header(tmp_path):
    path = write(tmp_path / "xuat-excel.xls", H.html_table(HTML_ROWS))
    src = files.open_source(path, None)
    assert files.sniff_format(src) == "html"
    (table,) = files.tables(src, "html")
    assert table.head[2] == ["STT", "Mã hồ sơ", "Lĩnh vực", "Thời gian", None, None, "Trạng thái"]
    assert table.head[3] == [None, None, None, "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", None]
    assert table.merges == [(0, 0, 0, 6), (1, 0, 1, 6), (2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 3, 2),
                            (2, 3, 2, 5), (2, 6, 3, 6), (4, 2, 5, 2), (7, 0, 7, 2)]
    p = parse_file(path, today=TODAY)
    assert p.header_row == 3 and p.period == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p.mapping == {"Mã hồ sơ": "dossier_code", "Lĩnh vực": "field", "Ngày tiếp nhận": "received_at",
                         "Ngày hẹn trả": "due_at", "Ngày kết thúc xử lý": "finished_at", "Trạng thái": "status"}
    f = p.frame
    assert f["dossier_code"].tolist() == ["HS-001", "HS-002", "HS-003"]
    assert f["received_at"].tolist() == [dt.datetime(2026, 3, 2, 8, 15), dt.datetime(2026, 3, 5),
                                         dt.datetime(2026, 3, 6)]
    assert f["status"].tolist() == [10, 4, 10]
    assert f.loc[2, "field"] == "Chứng thực"  # &nbsp; is a space
    assert p.rows_read == 3


def test_html_in_windows_1258_declared_by_meta_and_spans_out_of_range(tmp_path):
    rows = ('<table><tr><td colspan="100000">DANH SÁCH HỒ SƠ</td></tr>'
            '<tr><td>Mã hồ sơ</td><td rowspan="0">Ngày tiếp nhận</td><td>Tên thủ tục</td></tr>'
            '<tr><td>HS-9</td><td>Đăng ký kết hôn</td></tr></table>')
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            f"</head><body>{rows}</body></html>")
    path = write(tmp_path / "web.xls", to_cp1258(page))
    (table,) = files.tables(files.open_source(path, None), "html")
    # colspan clipped to the table's width; rowspan=0 runs to the end of the table.
    assert table.head == [["DANH SÁCH HỒ SƠ", None, None], ["Mã hồ sơ", "Ngày tiếp nhận", "Tên thủ tục"],
                          ["HS-9", None, "Đăng ký kết hôn"]]
    assert table.merges == [(0, 0, 0, 2), (1, 1, 2, 1)]


def test_html_without_a_table(tmp_path):
    page = b"<html><body><p>Phi\xc3\xaan l\xc3\xa0m vi\xe1\xbb\x87c \xc4\x91\xc3\xa3 h\xe1\xba\xbft h\xe1\xba\xa1n</p></body></html>"
    assert error_of(write(tmp_path / "web.xls", page)) == (
        "Tệp “web.xls” là trang web (HTML), không phải tệp Excel, và không có bảng số liệu nào. Hãy "
        "xuất lại danh sách từ hệ thống một cửa điện tử (nút “Xuất Excel”), hoặc mở tệp bằng Excel, lưu "
        "thành .xlsx rồi tải lên lại.")


# --- encoding decided on the whole file ------------------------------------------------------
def _late_vietnamese(ascii_bytes: int = 300 * 1024) -> list[list[str]]:
    """Dossier rows whose first ``ascii_bytes`` are plain ASCII, Vietnamese after."""
    rows = [["Ma ho so", "Ngay tiep nhan", "Ten thu tuc"]]
    i = 0
    while sum(len(",".join(r)) + 2 for r in rows) < ascii_bytes:
        i += 1
        rows.append([f"HS-{i:06d}", "02/03/2026", "Chung thuc ban sao tu ban chinh"])
    rows.append(["HS-LAST-1", "03/03/2026", "Đăng ký kết hôn"])
    rows.append(["HS-LAST-2", "04/03/2026", "Cấp bản sao trích lục hộ tịch"])
    return rows


def test_windows_1258_with_an_ascii_first_300_kb(tmp_path):
    rows = _late_vietnamese()
    data = csv_bytes(rows, encoding="cp1258")
    assert data[:300 * 1024].isascii() and not data.isascii()
    p = parse_file(write(tmp_path / "cp1258.csv", data), today=TODAY)
    assert len(p.frame) == len(rows) - 1
    assert p.frame["procedure_name"].tolist()[-2:] == ["Đăng ký kết hôn", "Cấp bản sao trích lục hộ tịch"]
    assert not p.frame["procedure_name"].str.contains("\ufffd").any()


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("utf-16", False), ("cp1258", False)])
def test_encodings_and_nfd_text(tmp_path, encoding, bom):
    rows = [[unicodedata.normalize("NFD", v) for v in r] for r in DOSSIERS]
    p = parse_file(write(tmp_path / "e.csv", csv_bytes(rows, encoding=encoding, bom=bom)), today=TODAY)
    assert p.mapping["Tên thủ tục"] == "procedure_name"
    assert p.frame["procedure_name"].tolist() == ["Đăng ký kết hôn", "Chứng thực chữ ký"]  # NFC


def test_utf8_file_with_one_broken_row_is_refused_naming_the_row(tmp_path):
    rows = _late_vietnamese(40 * 1024)
    text = csv_bytes(rows)
    broken = text.replace("Cấp bản sao".encode(), "Cấp bản sao".encode("utf-8")[:-1] + b"\xe0", 1)
    line = text[:text.index("Cấp bản sao".encode())].count(b"\n") + 1
    assert error_of(write(tmp_path / "hong.csv", broken)) == (
        f"Tệp “hong.csv” có ký tự không đọc được ở dòng {files._n(line)} (byte 0xE0 không hợp lệ trong "
        "bảng mã UTF-8): tệp không theo một bảng mã ký tự thống nhất, nên không được nạp để không lưu "
        "chữ sai. Hãy mở tệp bằng Excel, kiểm tra dòng đó (hoặc xuất lại tệp từ hệ thống), chọn Lưu "
        "thành “CSV UTF-8” hoặc .xlsx rồi tải lên lại.")


def test_utf16_with_a_broken_tail_is_refused(tmp_path):
    data = csv_bytes(DOSSIERS, encoding="utf-16") + b"\x00"  # an odd byte: half a character
    assert "có ký tự không đọc được ở dòng 4" in error_of(write(tmp_path / "u16.csv", data))
