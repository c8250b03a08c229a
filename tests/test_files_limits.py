"""Limits refused before parsing, each with its own message (access.md "Uploads"): the
upload size of .streamlit/config.toml, 200,000 rows and 200 columns per sheet (found in the
sheet's bytes, without building its grid), and an .xlsx that inflates past 50 times its
size or 1 GB."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from ingest import files
from ingest.model import IngestError
from ingest.reader import parse_file
from tests import hostile as H
from tests.filemakers import csv_bytes, workbook_engines, write, xls, xlsx

TODAY = dt.date(2026, 4, 10)
COLS_TAIL = ("vượt giới hạn 200 cột mỗi trang tính. Hãy xóa các cột thừa ở bên phải bảng (chọn các "
             "cột trống, Xóa cột), lưu lại rồi tải lên lại.")
ROWS_TAIL = ("vượt giới hạn 200.000 dòng mỗi trang tính. Hãy xuất từng kỳ ngắn hơn (ví dụ từng tháng), "
             "hoặc xóa các dòng thừa ở cuối trang tính, rồi tải lên lại.")


@pytest.fixture(params=["calamine", "python"], autouse=True)
def engine(request, monkeypatch):
    """The limits hold whichever workbook reader would read the file."""
    return workbook_engines(request, monkeypatch)


def error_of(path, **kw) -> str:
    with pytest.raises(IngestError) as err:
        parse_file(path, today=TODAY, **kw)
    return str(err.value)


def refused_before_parsing(path, monkeypatch) -> str:
    """The refusal, with every workbook reader replaced by one that fails the test."""
    def boom(*a, **k):
        raise AssertionError("the file reached a reader")

    for reader in ("_calamine_tables", "_xlsx_tables", "_xls_tables", "_csv_table", "_html_tables"):
        monkeypatch.setattr(files, reader, boom)
    return error_of(path)


# --- xlsx: a far cell, a lying dimension, implicit references, wide sheets ----------------------
def test_tiny_workbook_with_a_cell_at_xfd1048576(tmp_path, monkeypatch):
    path = H.far_cell_xlsx(tmp_path / "xa.xlsx")
    assert path.stat().st_size < 3000
    assert refused_before_parsing(path, monkeypatch) == (
        f"Tệp “xa.xlsx”: trang tính “Sheet1” có dữ liệu ở ô XFD1048576 (cột 16.384), {COLS_TAIL}")


def test_far_row_only(tmp_path, monkeypatch):
    path = H.far_cell_xlsx(tmp_path / "dai.xlsx", "A1048576")
    assert refused_before_parsing(path, monkeypatch) == (
        f"Tệp “dai.xlsx”: trang tính “Sheet1” có dữ liệu ở ô A1048576 (dòng 1.048.576), {ROWS_TAIL}")


@pytest.mark.parametrize("ref,refused", [("GR9", False), ("GS9", True), ("A200000", False),
                                         ("A200001", True), ("ZZ5", True), ("AAA5", True)])
def test_limits_are_exact(tmp_path, ref, refused):
    path = H.far_cell_xlsx(tmp_path / "b.xlsx", ref)
    if refused:
        assert f"có dữ liệu ở ô {ref} " in error_of(path)
    else:
        assert parse_file(path, today=TODAY).frame["dossier_code"].tolist() == ["HS-1"]


def test_dimension_that_claims_the_whole_sheet(tmp_path, monkeypatch):
    sheet = H.sheet_xml(H.header_cells() + H.data_cells(2), dimension="A1:XFD1048576")
    assert refused_before_parsing(H.raw_xlsx(tmp_path / "d.xlsx", sheet), monkeypatch) == (
        "Tệp “d.xlsx”: trang tính “Sheet1” ghi kích thước vùng dữ liệu A1:XFD1048576, tức 16.384 cột "
        "(giới hạn 200) và 1.048.576 dòng (giới hạn 200.000), vượt giới hạn mỗi trang tính. Hãy xóa các "
        "dòng, cột thừa ngoài bảng (chọn chúng, Xóa), lưu lại rồi tải lên lại.")


def test_cells_without_references_are_counted(tmp_path, monkeypatch):
    row = '<row r="3">' + "<c><v>1</v></c>" * 250 + "</row>"
    sheet = H.sheet_xml(H.header_cells() + H.data_cells(2) + row)
    assert refused_before_parsing(H.raw_xlsx(tmp_path / "i.xlsx", sheet), monkeypatch) == (
        f"Tệp “i.xlsx”: trang tính “Sheet1” có dữ liệu ở ô GS3 (cột 201), {COLS_TAIL}")


def test_rows_without_references_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 50)
    sheet = H.sheet_xml(H.header_cells() + "<row><c><v>1</v></c></row>" * 60)
    assert refused_before_parsing(H.raw_xlsx(tmp_path / "r.xlsx", sheet), monkeypatch).startswith(
        "Tệp “r.xlsx”: trang tính “Sheet1” có hơn 50 dòng, vượt giới hạn 50 dòng")


def test_namespace_prefix_and_another_sheet_path(tmp_path, monkeypatch):
    body = ('<x:row r="1">' + H.inline("A1", "Mã hồ sơ", "x") + "</x:row>"
            '<x:row r="7"><x:c r="XFD7"><x:v>1</x:v></x:c></x:row>')
    path = H.raw_xlsx(tmp_path / "p.xlsx", H.sheet_xml(body, prefix="x"), name="Dữ liệu",
                      target="/xl/khac/trang.xml")
    assert refused_before_parsing(path, monkeypatch) == (
        f"Tệp “p.xlsx”: trang tính “Dữ liệu” có dữ liệu ở ô XFD7 (cột 16.384), {COLS_TAIL}")


def test_prefixed_sheet_with_a_lying_dimension_or_implicit_references(tmp_path, monkeypatch):
    head = '<x:row r="1">' + H.inline("A1", "Mã hồ sơ", "x") + H.inline("B1", "Ngày tiếp nhận", "x") + "</x:row>"
    lying = H.sheet_xml(head, dimension="A1:B300000", prefix="x")
    assert "ghi kích thước vùng dữ liệu A1:B300000, tức 300.000 dòng" in refused_before_parsing(
        H.raw_xlsx(tmp_path / "d.xlsx", lying), monkeypatch)
    implicit = H.sheet_xml(head + "<x:row>" + "<x:c><x:v>1</x:v></x:c>" * 201 + "</x:row>", prefix="x")
    assert "có dữ liệu ở ô GS2 (cột 201)" in refused_before_parsing(
        H.raw_xlsx(tmp_path / "i.xlsx", implicit), monkeypatch)


def test_a_cell_under_a_foreign_prefix_inside_a_plain_sheet(tmp_path, monkeypatch):
    body = H.header_cells() + '<row r="2" xmlns:y="urn:y"><y:c r="AAB2"><v>1</v></y:c></row>'
    path = H.raw_xlsx(tmp_path / "y.xlsx", H.sheet_xml(body))
    assert "có dữ liệu ở ô AAB2 (cột 704)" in refused_before_parsing(path, monkeypatch)


def test_an_empty_far_row_is_harmless(tmp_path):
    sheet = H.sheet_xml(H.header_cells() + H.data_cells(2) + '<row r="1048576" ht="15" customHeight="1"/>')
    p = parse_file(H.raw_xlsx(tmp_path / "e.xlsx", sheet), today=TODAY)
    assert p.frame["dossier_code"].tolist() == ["HS-1"]


@pytest.fixture(scope="module")
def wide_5mb(tmp_path_factory):
    return H.wide_xlsx(tmp_path_factory.mktemp("wide") / "rong.xlsx", rows=100)


def test_sheet_of_16384_columns(wide_5mb, monkeypatch):
    assert wide_5mb.stat().st_size > 4_000_000
    assert refused_before_parsing(wide_5mb, monkeypatch) == (
        f"Tệp “rong.xlsx”: trang tính “Sheet1” có dữ liệu ở ô GS2 (cột 201), {COLS_TAIL}")


# --- zip bombs ---------------------------------------------------------------------------
def test_zip_bomb_over_50_times_its_size(tmp_path, monkeypatch):
    path = H.zip_bomb_xlsx(tmp_path / "bom.xlsx")
    size = path.stat().st_size
    assert refused_before_parsing(path, monkeypatch) == (
        f"Tệp “bom.xlsx” ({round(size / 1024)} KB) khi giải nén có nội dung tới 8 MB, vượt giới hạn "
        "(gấp 50 lần dung lượng tệp, tối đa 1 GB): tệp không phải một bảng xuất bình thường và bị từ "
        "chối trước khi đọc. Hãy xuất lại tệp từ hệ thống một cửa điện tử, hoặc mở bằng Excel, lưu lại "
        "dạng .xlsx rồi tải lên lại.")


def test_unpacked_size_over_the_absolute_cap(tmp_path, monkeypatch):
    path = xlsx(tmp_path / "ok.xlsx", [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"]])
    assert parse_file(path, today=TODAY).frame["dossier_code"].tolist() == ["HS-1"]
    monkeypatch.setattr(files, "MAX_UNPACKED", 2048)  # the 1 GB cap, scaled down
    assert "khi giải nén có nội dung tới" in refused_before_parsing(path, monkeypatch)


def test_an_ordinary_workbook_is_far_below_the_ratio(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Tên thủ tục"]] + [
        [f"HS-{i}", "02/03/2026", "Đăng ký khai sinh"] for i in range(5000)]
    p = parse_file(xlsx(tmp_path / "n.xlsx", rows), today=TODAY)
    assert len(p.frame) == 5000


# --- xls -----------------------------------------------------------------------------------
def test_xls_with_a_cell_past_column_200(tmp_path, monkeypatch):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"], [None] * 230 + ["x"]]
    path = xls(tmp_path / "cu.xls", rows)
    assert refused_before_parsing(path, monkeypatch) == (
        "Tệp “cu.xls”: trang tính “Sheet1” ghi kích thước vùng dữ liệu A1:HW3, tức 231 cột (giới hạn "
        "200), vượt giới hạn mỗi trang tính. Hãy xóa các dòng, cột thừa ngoài bảng (chọn chúng, Xóa), "
        "lưu lại rồi tải lên lại.")
    # A DIMENSIONS record that lies (says 2 columns): the cell records still tell.
    data = path.read_bytes()
    dim = data.index(b"\x00\x02\x0e\x00")  # record 0x0200, 14 bytes
    forged = data[:dim + 14] + (2).to_bytes(2, "little") + data[dim + 16:]
    assert refused_before_parsing(write(tmp_path / "cu2.xls", forged), monkeypatch) == (
        f"Tệp “cu2.xls”: trang tính “Sheet1” có dữ liệu ở ô HW3 (cột 231), {COLS_TAIL}")


def test_xls_rows_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 40)  # BIFF8 stops at 65,536 rows: the limit scaled down
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"]] + [[f"HS-{i}", "02/03/2026"] for i in range(45)]
    path = xls(tmp_path / "dai.xls", {"Danh sách": rows})
    assert refused_before_parsing(path, monkeypatch).startswith(
        "Tệp “dai.xls”: trang tính “Danh sách” ghi kích thước vùng dữ liệu A1:B46, tức 46 dòng "
        "(giới hạn 40), vượt giới hạn mỗi trang tính.")


def test_xls_within_limits_reads(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"], [None] * 199 + ["x"]]
    assert parse_file(xls(tmp_path / "ok.xls", rows), today=TODAY).frame["dossier_code"].tolist() == ["HS-1"]


# --- CSV and HTML --------------------------------------------------------------------------
def test_csv_row_wider_than_200_columns_in_the_head(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"], ["x"] * 300]
    assert error_of(write(tmp_path / "r.csv", csv_bytes(rows))) == (
        f"Tệp “r.csv”: bảng có dòng 3 gồm 300 cột, {COLS_TAIL}")


def test_csv_row_wider_than_200_columns_far_down(tmp_path):
    rows = ([["Mã hồ sơ", "Ngày tiếp nhận"]] + [[f"HS-{i}", "02/03/2026"] for i in range(100)]
            + [["HS-X", "02/03/2026"] + [""] * 16_382])
    msg = error_of(write(tmp_path / "r.csv", csv_bytes(rows)))
    assert msg.startswith("Tệp “r.csv”: bảng có ") and "16.384 cột" in msg and msg.endswith(COLS_TAIL)


def test_csv_rows_are_bounded_by_the_size_unless_a_csv_row_limit_is_set(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 50)  # the sheet limit, scaled down
    rows = [["Mã hồ sơ", "Ngày tiếp nhận"]] + [[f"HS-{i}", "02/03/2026"] for i in range(80)]
    path = write(tmp_path / "nam.csv", csv_bytes(rows))
    assert len(parse_file(path, today=TODAY).frame) == 80  # a CSV is not a sheet
    monkeypatch.setattr(files, "MAX_CSV_ROWS", 60)
    assert error_of(path) == (
        "Tệp “nam.csv”: bảng có hơn 60 dòng, vượt giới hạn 60 dòng mỗi trang tính. Hãy xuất từng kỳ "
        "ngắn hơn (ví dụ từng tháng), hoặc xóa các dòng thừa ở cuối trang tính, rồi tải lên lại.")


def test_html_table_wider_than_200_columns(tmp_path):
    cells = "".join(f"<td>{i}</td>" for i in range(260))
    page = H.html_table(f"<table><tr><td>Mã hồ sơ</td><td>Ngày tiếp nhận</td></tr><tr>{cells}</tr></table>")
    assert error_of(write(tmp_path / "w.xls", page)) == f"Tệp “w.xls”: bảng có dòng 2 gồm 201 cột, {COLS_TAIL}"


def test_html_table_rows_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 30)
    rows = "".join(f"<tr><td>HS-{i}</td><td>02/03/2026</td></tr>" for i in range(40))
    page = H.html_table(f"<table><tr><td>Mã hồ sơ</td><td>Ngày tiếp nhận</td></tr>{rows}</table>")
    assert error_of(write(tmp_path / "h.xls", page)).startswith("Tệp “h.xls”: bảng có hơn 30 dòng")


# --- upload size ---------------------------------------------------------------------------
def test_upload_size_comes_from_streamlit_config(tmp_path, monkeypatch):
    monkeypatch.delenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", raising=False)
    assert files.max_upload_mb() == 200  # .streamlit/config.toml of the project
    conf = tmp_path / "config.toml"
    conf.write_text("[server]\nmaxUploadSize = 1  # MB\n")
    monkeypatch.setattr(files, "STREAMLIT_CONFIG", conf)
    assert files.max_upload_mb() == 1
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "3")  # Streamlit's own override
    assert files.max_upload_mb() == 3


def test_oversize_file_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "1")
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ghi chú"]] + [
        [f"HS-{i}", "02/03/2026", "x" * 100] for i in range(11_000)]
    data = csv_bytes(rows)
    assert 1 << 20 < len(data) < 2 << 20
    expected = (
        f"Tệp “lon.csv” có dung lượng {files._mb(len(data))} MB, vượt giới hạn 1 MB cho mỗi tệp "
        "(server.maxUploadSize trong .streamlit/config.toml). Hãy xuất từng kỳ ngắn hơn (ví dụ từng "
        "tháng) để mỗi tệp nhỏ hơn 1 MB rồi tải lên từng tệp.")
    assert refused_before_parsing(write(tmp_path / "lon.csv", data), monkeypatch) == expected
    # Bytes and uploaded file objects are held to the same limit.
    assert error_of(data, filename="lon.csv") == expected
    assert error_of(io.BytesIO(data), filename="lon.csv") == expected
    # Under the limit, the file reads.
    monkeypatch.undo()
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "2")
    assert len(parse_file(data, "lon.csv", today=TODAY).frame) == 11_000
