"""Hostile and odd files through the real command line (`python -m ingest`, a subprocess), on
DuckDB and PostgreSQL: each refused with its own message, exit 1, the database unchanged;
the odd files that are tables (an HTML table saved as .xls, a late-Vietnamese Windows-1258
CSV) load with the right values."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from ingest.model import IngestError
from ingest.reader import parse_file
from kpi import db as kdb
from kpi import format as fmt
from kpi.schema import FACT_TABLES
from tests import filemakers as fm
from tests import hostile as H
from tests.test_ingest_cli import ENV, HEADER, ROOT, ROWS, loaded, state  # noqa: F401 (fixture)
from tests.test_files_content import HTML_ROWS, _late_vietnamese


def cli(db_url: str, *paths, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest", "--db", db_url, *map(str, paths)],
        cwd=ROOT, env={**os.environ, **ENV, **(env or {})}, capture_output=True, text=True, timeout=300,
    )


def hostile_files(tmp) -> dict:
    good = fm.xlsx(tmp / "plain.xlsx", [HEADER] + ROWS)
    text = "Kính gửi UBND xã,\nĐây là báo cáo tình hình tháng 3.\n".encode()
    broken = fm.csv_bytes(_late_vietnamese(20 * 1024))
    broken = broken.replace("Cấp bản sao".encode(), b"C\xe0p b\xe1n sao", 1)
    return {
        "far cell": H.far_cell_xlsx(tmp / "o-xa.xlsx"),
        "lying dimension": H.raw_xlsx(tmp / "kich-thuoc.xlsx", H.sheet_xml(
            H.header_cells() + H.data_cells(2), dimension="A1:XFD1048576")),
        "16384 columns": H.wide_xlsx(tmp / "rong.xlsx", rows=100),
        "zip bomb": H.zip_bomb_xlsx(tmp / "bom.xlsx"),
        "xls wide": fm.xls(tmp / "cu.xls", [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"],
                                             [None] * 230 + ["x"]]),
        "pdf": fm.write(tmp / "bao-cao.xlsx", H.PDF),
        "png": fm.write(tmp / "anh.xlsx", fm.PNG),
        "jpeg": fm.write(tmp / "chup.xls", H.JPEG),
        "docx": H.docx(tmp / "van-ban.xlsx"),
        "zip": H.zip_of(tmp / "nen.xlsx", {"thang-3.xlsx": good.read_bytes()}),
        "text as xlsx": fm.write(tmp / "chu.xlsx", text),
        "empty": fm.write(tmp / "rong.xls", b""),
        "password": fm.encrypt_xlsx(good, tmp / "khoa.xlsx"),
        "broken utf-8": fm.write(tmp / "hong-ma.csv", broken),
        "wide csv": fm.write(tmp / "rong.csv", fm.csv_bytes(
            [["Mã hồ sơ", "Ngày tiếp nhận"], ["HS-1", "02/03/2026"], ["x"] * 300])),
        # Over the upload limit the run sets (6 MB; the 16,384-column workbook is under it).
        "oversize": fm.write(tmp / "lon.csv", fm.csv_bytes(
            [["Mã hồ sơ", "Ngày tiếp nhận", "Ghi chú"]]
            + [[f"HS-{i}", "02/03/2026", "x" * 100] for i in range(52_000)])),
    }


LIMIT = {"STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "6"}


def expected_message(path, monkeypatch) -> str:
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", LIMIT["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"])
    with pytest.raises(IngestError) as err:
        parse_file(path, today=dt.date(2026, 11, 27))
    return str(err.value)


def test_each_hostile_file_refused_with_its_own_message_database_unchanged(loaded, tmp_path, monkeypatch):
    loaded, _ = loaded
    files = hostile_files(tmp_path)
    assert files["16384 columns"].stat().st_size < 6 << 20 < files["oversize"].stat().st_size
    expected = {case: expected_message(p, monkeypatch) for case, p in files.items()}
    assert len(set(expected.values())) == len(expected)  # each its own message
    before = state(loaded)
    r = cli(loaded, *files.values(), env=LIMIT)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ""
    for case, path in files.items():
        assert f"{path}: KHÔNG NẠP — {expected[case]}\n{path}: tệp này không làm thay đổi cơ sở dữ liệu." \
            in r.stderr, case
    assert "Traceback" not in r.stderr and "panicked" not in r.stderr
    assert state(loaded) == before
    words = {"far cell": "XFD1048576", "lying dimension": "kích thước vùng dữ liệu A1:XFD1048576",
             "16384 columns": "cột 201", "zip bomb": "khi giải nén", "xls wide": "231 cột",
             "pdf": "là tệp PDF", "png": "là ảnh PNG", "jpeg": "là ảnh JPEG", "docx": "văn bản Word",
             "zip": "tệp nén ZIP", "text as xlsx": "không phải tệp Excel", "empty": "rỗng (0 byte)",
             "password": "mật khẩu", "broken utf-8": "không đọc được ở dòng",
             "wide csv": "gồm 300 cột",
             "oversize": "vượt giới hạn 6 MB cho mỗi tệp (server.maxUploadSize trong .streamlit/config.toml)"}
    for case, word in words.items():
        assert word in expected[case], case


def test_html_as_xls_and_late_vietnamese_cp1258_load(db_url, tmp_path):
    html = fm.write(tmp_path / "xuat-excel.xls", H.html_table(HTML_ROWS))
    rows = _late_vietnamese()
    csv = fm.write(tmp_path / "cp1258.csv", fm.csv_bytes(rows, encoding="cp1258"))
    r = cli(db_url, html, csv)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "xuat-excel.xls: dossiers (hồ sơ) — đọc 3, thêm mới 3, cập nhật 0, từ chối 0"
    assert r.stdout.splitlines()[1].startswith(
        f"cp1258.csv: dossiers (hồ sơ) — đọc {fmt.integer(len(rows) - 1)}, ")
    d = FACT_TABLES["dossiers"][0]
    with kdb.connect(kdb.get_engine(db_url)) as conn:
        got = dict(conn.execute(sa.select(d.c.dossier_code, d.c.procedure_name).where(
            d.c.dossier_code.in_(["HS-LAST-1", "HS-LAST-2"]))).all())
        statuses = dict(conn.execute(sa.select(d.c.dossier_code, d.c.status).where(
            d.c.dossier_code.like("HS-00_"))).all())
        bad = conn.execute(sa.select(sa.func.count()).select_from(d).where(
            d.c.procedure_name.like("%\ufffd%"))).scalar_one()
    assert got == {"HS-LAST-1": "Đăng ký kết hôn", "HS-LAST-2": "Cấp bản sao trích lục hộ tịch"}
    assert statuses == {"HS-001": 10, "HS-002": 4, "HS-003": 10}
    assert bad == 0
