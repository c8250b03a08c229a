"""The layouts of exports.md through the loader into the database (DuckDB and PostgreSQL):
the tracking book, each summary layout, status suffixes, merged field cells — stored values
and the KPIs they give (kpi.queries.snapshot), exact numbers. And no personal data anywhere:
names, phone and ID numbers planted under English, accent-free and free-text headers are
found in no table and not in the DuckDB file's bytes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from ingest.load import load_parsed, rejected_rows_of, sha256_of
from ingest.service import load as load_file
from ingest.reader import parse_file
from kpi.definitions import Choice
from kpi import db as kdb
from kpi import queries as Q
from kpi.schema import dossiers, summaries
from tests import layouts as L
from tests.filemakers import xlsx

UNIT = "Xã Lộc Tân"
TODAY = dt.date(2026, 4, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", TODAY.isoformat())


def _load(engine, path, **kw):
    """One file through the loader (the command line and the upload page load the same way)."""
    return load_file(engine, path, unit=kw.pop("unit", UNIT), **kw)


def ratio(snap, key):
    k = snap.kpi(key)
    return (k.numerator, k.denominator) if k.value is not None else None


def stored_dossiers(engine, *cols):
    with kdb.connect(engine) as conn:
        q = sa.select(*[dossiers.c[c] for c in cols]).order_by(dossiers.c.dossier_code)
        return [tuple(r) for r in conn.execute(q).all()]


def stored_summaries(engine):
    cols = ["field", "received_total", "received_online", "received_direct", "carried_over", "early", "on_time",
            "late", "pending_in_time", "pending_overdue"]
    with kdb.connect(engine) as conn:
        return [tuple(r) for r in conn.execute(sa.select(*[summaries.c[c] for c in cols])).all()]


# --- the tracking book -----------------------------------------------------------------------
def test_tracking_book_loads_with_statuses_from_its_dates(engine, tmp_path):
    rows, merges = L.tracking_book(3)
    r = _load(engine, L.write("xlsx", tmp_path / "so-theo-doi", rows, merges))
    assert (r.kind, r.rows_read, r.inserted, r.rejected) == ("dossiers", 4, 4, 0)
    assert r.as_of == dt.date(2026, 3, 31)
    D = dt.datetime
    assert stored_dossiers(engine, "dossier_code", "received_at", "due_at", "finished_at", "returned_at",
                           "status", "handling_unit") == [
        ("TB-001", D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 3), D(2026, 3, 3), 10, "UBND xã Lộc Tân"),
        ("TB-002", D(2026, 3, 5), D(2026, 3, 5), None, None, 4, "UBND xã Lộc Tân"),
        ("TB-003", D(2026, 3, 10), D(2026, 3, 12), D(2026, 3, 13), None, 10, "UBND xã Lộc Tân"),
        ("TB-004", D(2026, 3, 16), D(2026, 3, 20), None, D(2026, 3, 18), 10, "UBND xã Lộc Tân"),
    ]
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    # TB-001 on time, TB-004 early (returned before its due day), TB-003 late, TB-002 pending overdue.
    assert ratio(snap, "on_time_rate") == (2, 4)
    assert ratio(Q.snapshot(engine, UNIT, "2026-03", Choice.of(on_time="resolved"), today=TODAY), "on_time_rate") == (2, 3)
    assert (snap.counts["early"], snap.counts["on_time"], snap.counts["late"], snap.counts["pending_overdue"]) == (
        1, 1, 1, 1)
    assert ratio(snap, "online_submission_rate") is None  # the book has no channel column


# --- summaries -------------------------------------------------------------------------------
SUMMARY_CASES = {
    # layout: (766 on time, resolved on time, online submission, stored rows)
    "summary_third_row": ((200, 215), (184, 193), (105, 200), [
        ("Chứng thực", 60, 20, 40, 0, 50, 8, 0, 2, 0), ("Hộ tịch", 130, 80, 40, 10, 70, 45, 5, 8, 2),
        ("Đất đai", 25, 5, 15, 5, 5, 6, 4, 6, 4)]),
    "summary_system15": ((371, 400), (349, 367), None, [
        ("Chứng thực", 210, None, None, 10, 180, 20, 5, 5, 0), ("Hộ tịch", 150, None, None, 30, 100, 35, 5, 8, 2),
        ("Đất đai", 40, None, None, 15, 4, 10, 8, 9, 9)]),
    "summary_carried_split": ((327, 350), (290, 307), None, [
        ("Chứng thực", 150, None, None, 3, 140, 5, 0, 5, 0), ("Hộ tịch", 140, None, None, 20, 80, 35, 5, 18, 2),
        ("Đất đai", 60, None, None, 30, 10, 20, 12, 14, 4)]),
    "summary_portal": ((1653, 1700), (1563, 1597), (720, 1570), [
        ("Chứng thực", 900, 300, 560, 40, 860, 15, 5, 20, 0), ("Hộ tịch", 700, 400, 250, 50, 600, 40, 10, 45, 5),
        ("Đất đai", 100, 20, 40, 40, 30, 18, 19, 25, 8)]),
}


@pytest.mark.parametrize("layout", list(SUMMARY_CASES))
def test_summary_layouts_give_the_right_kpis(engine, tmp_path, layout):
    on_time, resolved, online, rows = SUMMARY_CASES[layout]
    r = _load(engine, L.write("xlsx", tmp_path / layout, *getattr(L, layout)()))
    assert (r.kind, r.rows_read, r.inserted, r.rejected) == ("summary", 3, 3, 0)
    assert sorted(stored_summaries(engine)) == sorted(rows)  # the total row is not stored
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert snap.source == "summary"
    assert ratio(snap, "on_time_rate") == on_time
    assert ratio(Q.snapshot(engine, UNIT, "2026-03", Choice.of(on_time="resolved"), today=TODAY), "on_time_rate") == resolved
    assert ratio(snap, "online_submission_rate") == online


def test_summary_by_unit_loads_the_chosen_units_row(engine, tmp_path):
    rows, merges = L.summary_by_unit()
    path = L.write("xlsx", tmp_path / "don-vi", rows, merges)
    parsed = parse_file(path, unit="Xã Lộc An", today=TODAY)
    r = load_parsed(engine, parsed, file_name=path.name, sha256=sha256_of(path.read_bytes()), unit="Xã Lộc An")
    assert (r.rows_read, r.inserted) == (1, 1)
    assert stored_summaries(engine) == [("Tất cả lĩnh vực", 60, 20, 40, 0, 50, 8, 0, 2, 0)]
    snap = Q.snapshot(engine, "Xã Lộc An", "2026-03", today=TODAY)
    assert ratio(snap, "on_time_rate") == (60, 60)
    assert ratio(snap, "online_submission_rate") == (20, 60)


# --- dossier lists: status suffixes, merged field cells ----------------------------------------
def test_status_suffixes_and_merged_fields_stored(engine, tmp_path):
    rows = [["DANH SÁCH HỒ SƠ"], ["Từ ngày 01/03/2026 đến ngày 31/03/2026"],
            ["Mã hồ sơ", "Lĩnh vực", "Ngày tiếp nhận", "Hạn xử lý", "Ngày kết thúc xử lý", "Trạng thái", "Kênh thực hiện"],
            ["K1", "Hộ tịch", "02/03/2026 8:07:00 SA", "20260305170000", "04/03/2026 3:00:00 CH",
             "Đã trả kết quả - Trước hạn", "Trực tuyến"],
            ["K2", None, "03/03/2026", "05/03/2026", "06/03/2026", "Hoàn thành (trễ hạn)", "Trực tiếp"],
            ["K3", None, "04/03/2026", "06/03/2026", None, "Đang xử lý - Quá hạn", "Trực tuyến"],
            ["K4", "Chứng thực", "05/03/2026", "05/03/2026", "05/03/2026", "Hoàn thành - Đúng hạn", "BCCI"],
            ["K5", None, "06/03/2026", "30/04/2026", None, "Đã rút", "Trực tuyến"]]
    path = xlsx(tmp_path / "trang-thai.xlsx", rows, {"Sheet1": ["B4:B6", "B7:B8"]})
    r = _load(engine, path)
    assert (r.rows_read, r.inserted, r.rejected) == (5, 5, 0)
    D = dt.datetime
    assert stored_dossiers(engine, "dossier_code", "field", "received_at", "due_at", "finished_at", "status",
                           "channel") == [
        ("K1", "Hộ tịch", D(2026, 3, 2, 8, 7), D(2026, 3, 5, 17, 0), D(2026, 3, 4, 15, 0), 10, 2),
        ("K2", "Hộ tịch", D(2026, 3, 3), D(2026, 3, 5), D(2026, 3, 6), 9, 1),
        ("K3", "Hộ tịch", D(2026, 3, 4), D(2026, 3, 6), None, 4, 2),
        ("K4", "Chứng thực", D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 5), 9, 3),
        ("K5", "Chứng thực", D(2026, 3, 6), D(2026, 4, 30), None, 7, 2),
    ]
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    # K1 early, K4 on time, K2 late, K3 pending overdue; K5 withdrawn is left out.
    assert ratio(snap, "on_time_rate") == (2, 4)
    assert snap.counts["withdrawn"] == 1
    assert ratio(snap, "online_submission_rate") == (3, 5)  # withdrawn dossiers were received
    with kdb.connect(engine) as conn:
        by_field = dict(conn.execute(sa.select(dossiers.c.field, sa.func.count()).group_by(dossiers.c.field)).all())
    assert by_field == {"Hộ tịch": 3, "Chứng thực": 2}


def test_unknown_status_mapped_by_hand_loads(engine, tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"],
            ["W1", "02/03/2026", "05/03/2026", "Chờ ký duyệt - Quá hạn"], ["W2", "02/03/2026", "05/03/2026", "Đang xử lý"]]
    path = xlsx(tmp_path / "w.xlsx", rows)
    parsed = parse_file(path, today=TODAY, value_overrides={"status": {"Chờ ký duyệt": 4}})
    assert parsed.rejects == []
    load_parsed(engine, parsed, file_name=path.name, sha256=sha256_of(path.read_bytes()), unit=UNIT)
    assert stored_dossiers(engine, "dossier_code", "status") == [("W1", 4), ("W2", 4)]


# --- no personal data anywhere -------------------------------------------------------------------
PLANTED = {
    "Full name": "Nguyễn Văn Tèo", "Applicant": "Trần Thị Hoa Mai", "Phone": "0912000111",
    "Mobile": "0987000222", "Email": "teo.nguyen@example.vn", "Address": "12 Lê Lợi, Phường Bến Thành",
    "Citizen ID": "079123456789", "ID number": "B9876543", "Ho va ten": "Le Van Batrieu",
    "So dien thoai": "0903000333", "Dia chi chu ho so": "So 5 Nguyen Trai", "CCCD": "001234567890",
    "Người liên hệ": "Phạm Văn Liên Hệ", "Contact": "Đỗ Thị Liên Lạc",
    "Trích yếu": "Xin cấp lại giấy khai sinh cho Hoàng Văn Trích, liên hệ 0934000444",
    "Ghi chú": "Gọi anh Vương Đình Ghi 0945000555", "Nội dung": "Bà Lý Thị Nội phản ánh 0956000666",
}


def _needles(i: int) -> list[str]:
    return [f"{v} #{i}" for v in PLANTED.values()]


def test_no_personal_data_in_any_table_or_the_database_file(db_url, tmp_path):
    engine = kdb.get_engine(db_url)
    header = ["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Kênh thực hiện", *PLANTED]
    rows = [header]
    for i in range(1, 9):
        received = "02/03/2026" if i % 3 else "35/03/2026"  # every third row is invalid
        status = "Đang xử lý" if i != 4 else "Không rõ"
        rows.append([f"PD-{i}", received, "10/03/2026", status, "Trực tuyến", *_needles(i)])
    path = xlsx(tmp_path / "ho-so.xlsx", rows)
    r = load_file(engine, path, unit=UNIT, allow_rejects=True)
    assert (r.inserted, r.rejected) == (5, 3)
    # What rejected rows keep: the columns the product reads, by the file's headers.
    kept = rejected_rows_of(engine, r.batch_id)
    assert [json.loads(x) for x in kept["raw"]] == [
        {"Mã hồ sơ": "PD-3", "Ngày tiếp nhận": "35/03/2026", "Ngày hẹn trả": "10/03/2026", "Trạng thái": "Đang xử lý",
         "Kênh thực hiện": "Trực tuyến"},
        {"Mã hồ sơ": "PD-4", "Ngày tiếp nhận": "02/03/2026", "Ngày hẹn trả": "10/03/2026", "Trạng thái": "Không rõ",
         "Kênh thực hiện": "Trực tuyến"},
        {"Mã hồ sơ": "PD-6", "Ngày tiếp nhận": "35/03/2026", "Ngày hẹn trả": "10/03/2026", "Trạng thái": "Đang xử lý",
         "Kênh thực hiện": "Trực tuyến"},
    ]
    needles = [n for i in range(1, 9) for n in _needles(i)]
    fragments = sorted({w for v in PLANTED.values() for w in (v.split(",")[0], v.split()[-1]) if len(w) >= 8})
    found = []
    with kdb.connect(engine) as conn:
        tables = conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).scalars().all()
        assert {"dossiers", "dossiers_history", "rejected_rows", "batches", "units"} <= set(tables)
        for name in tables:
            for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"').all():
                text = " ".join(str(v) for v in row)
                found += [(name, n) for n in needles + fragments if n in text]
    assert found == []
    if engine.dialect.name == "duckdb":
        with kdb.connect(engine, write=True) as conn:
            conn.exec_driver_sql("CHECKPOINT")
        kdb.get_engine.cache_clear()
        engine.dispose()
        data = (tmp_path / "test.duckdb").read_bytes()
        for n in needles + fragments:
            for form in {n.encode("utf-8"), n.encode("utf-16-le")}:
                assert form not in data, n
