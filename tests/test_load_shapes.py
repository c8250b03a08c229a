"""Every real-file shape of exports.md, through the loader into the database: each shape
loads every valid row exactly once, with the same stored values; loading all the shapes one
after another into one database still holds each dossier once."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
import sqlalchemy as sa

from ingest.service import load as load_file
from kpi import db as kdb
from kpi.schema import dossiers
from tests import filemakers as fm

TODAY = "2026-11-27"
HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả",
          "Ngày kết thúc xử lý", "Trạng thái", "Kênh thực hiện", "Lệ phí", "Đã số hóa", "Chủ hồ sơ"]
ROWS = [
    [1, "HS-001", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026 08:15", "03/03/2026", "03/03/2026",
     "Đã trả kết quả", "Trực tuyến", "0", "Có", "Nguyễn Văn An"],
    [2, "HS-002", "Chứng thực bản sao từ bản chính", "Chứng thực", "03/03/2026", "03/03/2026", "",
     "Đang xử lý", "Trực tiếp", "2.000", "x", "Trần Thị Bình"],
    [3, "HS-003", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", "05/03/2026 14:00:00", "26/03/2026",
     "30/03/2026", "Đã xử lý xong", "Bưu chính công ích", "50.000 đ", "Không", "Lê Văn Cường"],
]
EXPECTED = [
    ("HS-001", "Đăng ký khai sinh", "Hộ tịch", dt.datetime(2026, 3, 2, 8, 15), dt.datetime(2026, 3, 3),
     dt.datetime(2026, 3, 3), 10, 2, 0, True),
    ("HS-002", "Chứng thực bản sao từ bản chính", "Chứng thực", dt.datetime(2026, 3, 3), dt.datetime(2026, 3, 3),
     None, 4, 1, 2000, True),
    ("HS-003", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", dt.datetime(2026, 3, 5, 14, 0),
     dt.datetime(2026, 3, 26), dt.datetime(2026, 3, 30), 9, 3, 50000, False),
]
TITLE = fm.TITLE_DOSSIERS
GROUPED = [  # "Thời gian" over the three dates, other columns merged down two rows
    ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Thời gian", None, None, "Trạng thái", "Kênh thực hiện",
     "Lệ phí", "Đã số hóa", "Chủ hồ sơ"],
    [None, None, None, None, "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", None, None, None, None, None],
]
GROUPED_MERGES = [f"{c}7:{c}8" for c in "ABCDHIJKL"] + ["E7:G7"]
COLNUMS = [[str(i) for i in range(1, 13)]]


def _nfd(rows):
    return [[unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in r] for r in rows]


def _as_cells(rows):
    """Dates as real Excel date cells, amounts as numbers (the other vendors' way)."""
    out = []
    for r in rows:
        r = list(r)
        for i in (4, 5, 6):
            if r[i]:
                parts = r[i].split()
                d = dt.datetime.strptime(parts[0], "%d/%m/%Y")
                if len(parts) > 1:
                    t = dt.datetime.strptime(parts[1][:5], "%H:%M")
                    d = d.replace(hour=t.hour, minute=t.minute)
                r[i] = d
            else:
                r[i] = None
        r[9] = int("".join(ch for ch in r[9] if ch.isdigit()))
        out.append(r)
    return out


def _serials(rows):
    """Dates as Excel serial numbers."""
    base = dt.datetime(1899, 12, 30)
    return [[(v - base).total_seconds() / 86400 if isinstance(v, dt.datetime) else v for v in r]
            for r in _as_cells(rows)]


def make(shape: str, tmp):
    body = [HEADER] + ROWS
    if shape == "xlsx_title_footer":
        return fm.xlsx(tmp / "a.xlsx", TITLE + body + fm.FOOTER)
    if shape == "xlsx_grouped_header_colnums":
        return fm.xlsx(tmp / "b.xlsx", {"DS": TITLE + GROUPED + COLNUMS + ROWS + fm.FOOTER}, merges={"DS": GROUPED_MERGES})
    if shape == "xlsx_several_sheets_date_cells":
        return fm.xlsx(tmp / "c.xlsx", {"Hướng dẫn": [["Cách dùng tệp này"], ["Xem trang 2"]],
                                        "Danh sách": TITLE + [HEADER] + _as_cells(ROWS) + fm.FOOTER})
    if shape == "xlsx_serial_dates":
        return fm.xlsx(tmp / "d.xlsx", [HEADER] + _serials(ROWS))
    if shape == "xls_legacy":
        return fm.xls(tmp / "e.xls", TITLE + [HEADER] + _as_cells(ROWS) + fm.FOOTER)
    if shape == "csv_utf8_bom_semicolon":
        return fm.write(tmp / "f.csv", fm.csv_bytes(body, sep=";", bom=True))
    if shape == "csv_utf16_tab":
        return fm.write(tmp / "g.csv", fm.csv_bytes(body, sep="\t", encoding="utf-16"))
    if shape == "csv_cp1258_comma":
        return fm.write(tmp / "h.csv", fm.csv_bytes(body, sep=",", encoding="cp1258"))
    if shape == "csv_nfd_utf8":
        return fm.write(tmp / "i.csv", fm.csv_bytes(_nfd(body), sep=","))
    raise AssertionError(shape)


SHAPES = ["xlsx_title_footer", "xlsx_grouped_header_colnums", "xlsx_several_sheets_date_cells",
          "xlsx_serial_dates", "xls_legacy", "csv_utf8_bom_semicolon", "csv_utf16_tab",
          "csv_cp1258_comma", "csv_nfd_utf8"]


def stored(engine):
    cols = [dossiers.c[c] for c in ("dossier_code", "procedure_name", "field", "received_at", "due_at",
                                    "finished_at", "status", "channel", "fee", "inputs_digitized")]
    with kdb.connect(engine) as conn:
        return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(dossiers.c.dossier_code)).all()]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", TODAY)


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_loads_every_row_once(duck_url, tmp_path, shape):
    engine = kdb.get_engine(duck_url)
    r = load_file(engine, make(shape, tmp_path), unit="Xã Lộc Tân")
    assert (r.rows_read, r.inserted, r.rejected) == (3, 3, 0)
    assert stored(engine) == EXPECTED


def test_all_shapes_into_one_database(engine, tmp_path):
    results = [load_file(engine, make(s, tmp_path), unit="Xã Lộc Tân") for s in SHAPES]
    assert [r.inserted for r in results] == [3] + [0] * (len(SHAPES) - 1)
    assert all(r.updated == 0 for r in results)
    assert stored(engine) == EXPECTED
