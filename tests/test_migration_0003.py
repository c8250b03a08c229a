"""Migration 0003: rejected rows stored before it keep only the columns the product reads
(no personal data, no free text, no column the reader did not recognise), on DuckDB and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from kpi import db as kdb
from kpi import migrate
from kpi.schema import metadata

OLD_DOSSIER_ROW = {
    "STT": "3", "Mã hồ sơ": "H-3", "Họ tên chủ hồ sơ": "Nguyễn Văn Cũ", "Full name": "Tran Thi Old",
    "Phone": "0912777888", "Ngày tiếp nhận": "35/03/2026", "Người liên hệ": "Lê Văn Liên",
    "Trích yếu": "Cấp bản sao cho ông Hồ Văn Trích 0934777888", "Ghi chú": "gọi 0945777888",
    "Thanh toán - Trực tuyến": "Có", "Trạng thái": "Đang xử lý",
}
OLD_SUMMARY_ROW = {"STT": "2", "Lĩnh vực, công việc giải quyết theo cấp": "Chứng thực",
                   "Số hồ sơ nhận giải quyết - Tổng số": "năm mươi", "Trực tuyến": "0", "Ghi chú": "Bà Lý Thị Ghi"}


def _at_baseline(db_url):
    """An empty database migrated to the first release (0001), as an old install is."""
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
        migrate.upgrade(conn, "0001")
    return engine


PLANTED = ("Nguyễn Văn Cũ", "Tran Thi Old", "0912777888", "Lê Văn Liên", "0934777888", "0945777888",
           "Bà Lý Thị Ghi", "0912777999")


def _plant_old_rows(engine) -> None:
    """Rejected rows as the first release stored them: every cell, personal data included."""
    now = dt.datetime(2026, 4, 1, 9, 0)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.text("INSERT INTO units (name, created_at) VALUES ('Xã Lộc Tân', :t)"), {"t": now})
        unit_id = conn.execute(sa.text("SELECT id FROM units")).scalar_one()
        ids = {}
        for kind in ("dossiers", "summary"):
            conn.execute(sa.text(
                "INSERT INTO batches (unit_id, kind, file_name, sha256, uploaded_at, status) "
                "VALUES (:u, :k, 'f.xlsx', :k, :t, 'loaded')"), {"u": unit_id, "k": kind, "t": now})
            ids[kind] = conn.execute(sa.text("SELECT id FROM batches WHERE kind = :k"), {"k": kind}).scalar_one()
        rows = [(ids["dossiers"], 4, json.dumps(OLD_DOSSIER_ROW, ensure_ascii=False)),
                (ids["summary"], 9, json.dumps(OLD_SUMMARY_ROW, ensure_ascii=False)),
                (ids["dossiers"], 7, "not json"), (ids["dossiers"], 8, None),
                (ids["dossiers"] + 100, 10, json.dumps({"Mã hồ sơ": "X", "Phone": "0912777999"}))]
        for batch_id, row_number, raw in rows:
            conn.execute(sa.text(
                "INSERT INTO rejected_rows (batch_id, row_number, column_name, reason, raw) "
                "VALUES (:b, :n, 'Ngày tiếp nhận', 'lý do', :r)"), {"b": batch_id, "n": row_number, "r": raw})


def test_rejected_rows_are_cleaned(db_url, tmp_path):
    engine = _at_baseline(db_url)
    _plant_old_rows(engine)
    with kdb.connect(engine, write=True) as conn:
        migrate.upgrade(conn)
        assert migrate.current_revision(conn) == migrate.head_revision()
    with kdb.connect(engine) as conn:
        got = {n: r for n, r in conn.execute(sa.text("SELECT row_number, raw FROM rejected_rows")).all()}
    assert json.loads(got[4]) == {"Mã hồ sơ": "H-3", "Ngày tiếp nhận": "35/03/2026",
                                  "Thanh toán - Trực tuyến": "Có", "Trạng thái": "Đang xử lý"}
    assert json.loads(got[9]) == {"Lĩnh vực, công việc giải quyết theo cấp": "Chứng thực",
                                  "Số hồ sơ nhận giải quyết - Tổng số": "năm mươi", "Trực tuyến": "0"}
    assert json.loads(got[7]) == {} and json.loads(got[8]) == {}
    assert json.loads(got[10]) == {}  # a row whose batch is gone keeps nothing
    text = " ".join(got.values())
    for value in PLANTED:
        assert value not in text


def test_duckdb_file_keeps_no_removed_bytes(duck_url):
    """DuckDB leaves the bytes of rewritten values in free blocks; init_db rewrites the file
    after the migration so none of the planted values can be read from it — and every row,
    the schema revision and a later write still work."""
    engine = _at_baseline(duck_url)
    _plant_old_rows(engine)
    with kdb.connect(engine) as conn:
        conn.exec_driver_sql("CHECKPOINT")
    path = kdb.duckdb_file(duck_url)
    before = path.read_bytes()
    assert all(v.encode() in before for v in ("Tran Thi Old", "0912777888"))  # the test can fail
    kdb.init_db(engine)
    with kdb.connect(engine) as conn:
        conn.exec_driver_sql("CHECKPOINT")
        assert migrate.current_revision(conn) == migrate.head_revision()
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("units", "batches", "rejected_rows")}
    assert counts == {"units": 1, "batches": 2, "rejected_rows": 5}
    data = path.read_bytes()
    for value in PLANTED:
        assert value.encode("utf-8") not in data, value
    assert not path.with_name(path.name + ".compact").exists()
    with kdb.connect(engine, write=True) as conn:  # ids continue after the copy
        unit = kdb.get_or_create_unit(conn, "Xã Mới")
    assert unit == 2
