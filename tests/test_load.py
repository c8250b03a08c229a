"""The loader: upsert rules, as-of ordering, counts, rejected rows, undo — on both engines."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from ingest.load import UndoRefused, list_batches, load_parsed, rejected_rows_of, undo_batch
from ingest.model import IngestError, ParsedFile, Reject
from kpi import db as kdb
from kpi.schema import batches, dossiers, dossiers_history

UNIT = "Xã Lộc Tân"


def parsed(rows, columns, as_of, rejects=(), kind="dossiers"):
    frame = pd.DataFrame(rows)
    for c in ("received_at", "due_at", "finished_at"):
        if c in frame:
            frame[c] = pd.to_datetime(frame[c], format="ISO8601")
    if "status" in frame:
        frame["status"] = frame["status"].astype("Int64")
    if "paid_online" in frame:
        frame["paid_online"] = frame["paid_online"].astype("boolean")
    frame["source_row"] = range(10, 10 + len(frame))
    return ParsedFile(
        kind=kind, frame=frame, columns=columns, rows_read=len(frame) + len(rejects),
        rejects=list(rejects), as_of=as_of,
    )


def table_rows(engine, order="dossier_code"):
    with kdb.connect(engine) as conn:
        return [dict(r) for r in conn.execute(sa.select(dossiers).order_by(sa.text(order))).mappings()]


def load(engine, p, sha, **kw):
    return load_parsed(engine, p, file_name=f"{sha}.xlsx", sha256=sha, unit=UNIT, **kw)


MARCH = [
    {"dossier_code": "A1", "received_at": "2026-03-02 08:00", "due_at": "2026-03-05", "status": 4},
    {"dossier_code": "A2", "received_at": "2026-03-03 09:30", "due_at": "2026-03-04", "status": 9},
]


def test_insert_then_update_only_changed_rows(engine):
    r1 = load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    assert (r1.status, r1.inserted, r1.updated, r1.unchanged, r1.rows_read) == ("loaded", 2, 0, 0, 2)
    april = [dict(MARCH[0], status=9, finished_at="2026-04-02"), dict(MARCH[1])]
    r2 = load(engine, parsed(april, ["received_at", "due_at", "status", "finished_at"], dt.date(2026, 4, 30)), "s2")
    assert (r2.inserted, r2.updated, r2.unchanged) == (0, 1, 1)
    rows = table_rows(engine)
    assert [r["status"] for r in rows] == [9, 9]
    assert rows[0]["finished_at"] == dt.datetime(2026, 4, 2)
    assert rows[0]["batch_id"] == r2.batch_id and rows[0]["created_batch_id"] == r1.batch_id
    # The unchanged row is confirmed by the newer file: it learns the newer as-of date.
    assert rows[1]["batch_id"] == r2.batch_id and rows[1]["as_of"] == dt.date(2026, 4, 30)
    assert rows[1]["created_batch_id"] == r1.batch_id


def test_undo_of_a_confirming_upload_restores_the_as_of_date(engine):
    cols = ["received_at", "due_at", "status"]
    load(engine, parsed(MARCH, cols, dt.date(2026, 3, 31)), "e1")
    r2 = load(engine, parsed(MARCH, cols, dt.date(2026, 4, 30)), "e2")  # same values, newer
    assert (r2.updated, r2.unchanged) == (0, 2)
    u = undo_batch(engine, r2.batch_id)
    assert u.restored == 2
    assert {r["as_of"] for r in table_rows(engine)} == {dt.date(2026, 3, 31)}
    # An export as of 31/03 with news is applied again (a tie goes to the later upload).
    r3 = load(engine, parsed([dict(MARCH[1], status=10)], cols, dt.date(2026, 3, 31)), "e3")
    assert (r3.updated, r3.skipped_older) == (1, 0)


def test_same_file_with_rejects_loaded_twice_is_a_duplicate_not_a_refusal(engine):
    bad = [Reject(row_number=9, column="Ngày hẹn trả", reason="Ngày hẹn trả trước ngày tiếp nhận.", raw={})]
    p = parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31), rejects=bad)
    assert load(engine, p, "rj", allow_rejects=True).inserted == 2
    again = load(engine, p, "rj")  # without --allow-rejects: the file is known, nothing to refuse
    assert again.status == "duplicate"


def test_older_export_changes_nothing_and_missing_columns_are_kept(engine):
    load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    older = [dict(MARCH[0], status=5)]
    r = load(engine, parsed(older, ["received_at", "due_at", "status"], dt.date(2026, 3, 15)), "s0")
    assert (r.inserted, r.updated, r.skipped_older) == (0, 0, 1)
    assert table_rows(engine)[0]["status"] == 4
    # A newer file without the due-date column leaves due_at as it was.
    newer = [{"dossier_code": "A1", "received_at": "2026-03-02 08:00", "status": 10}]
    r = load(engine, parsed(newer, ["received_at", "status"], dt.date(2026, 4, 5)), "s3")
    assert (r.updated, r.inserted) == (1, 0)
    row = table_rows(engine)[0]
    assert row["status"] == 10 and row["due_at"] == dt.datetime(2026, 3, 5)


def test_same_as_of_later_upload_wins(engine):
    load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    again = [dict(MARCH[1], status=10)]
    r = load(engine, parsed(again, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s2")
    assert r.updated == 1
    assert table_rows(engine)[1]["status"] == 10


def test_same_file_twice_is_a_duplicate(engine):
    p = parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31))
    first = load(engine, p, "same")
    second = load(engine, p, "same")
    assert second.status == "duplicate" and second.batch_id is None
    assert second.previous_load_at is not None
    assert len(table_rows(engine)) == 2
    assert len(list_batches(engine)) == 1
    assert first.status == "loaded"


def test_rejects_refuse_by_default_and_are_kept_when_allowed(engine):
    bad = [Reject(row_number=12, column="Ngày tiếp nhận", reason="Thiếu ngày tiếp nhận.", raw={"Mã hồ sơ": "A3"})]
    p = parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31), rejects=bad)
    with pytest.raises(IngestError) as err:
        load(engine, p, "r1")
    assert "Dòng 12, cột «Ngày tiếp nhận»: Thiếu ngày tiếp nhận." in str(err.value)
    assert table_rows(engine) == [] and list_batches(engine).empty
    r = load(engine, p, "r1", allow_rejects=True)
    assert (r.inserted, r.rejected) == (2, 1)
    rej = rejected_rows_of(engine, r.batch_id)
    assert rej.iloc[0]["row_number"] == 12 and '"Mã hồ sơ": "A3"' in rej.iloc[0]["raw"]


def test_undo_restores_replaced_rows_and_refuses_when_superseded(engine):
    r1 = load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    april = [dict(MARCH[0], status=9), {"dossier_code": "A9", "received_at": "2026-04-01", "status": 2}]
    r2 = load(engine, parsed(april, ["received_at", "due_at", "status"], dt.date(2026, 4, 30)), "s2")
    assert (r2.inserted, r2.updated) == (1, 1)
    # Undoing the first upload would lose the second's changes: refused, nothing changed.
    with pytest.raises(UndoRefused, match="đã được lần tải sau cập nhật"):
        undo_batch(engine, r1.batch_id)
    assert len(table_rows(engine)) == 3
    u = undo_batch(engine, r2.batch_id)
    assert (u.removed, u.restored) == (1, 1)
    rows = table_rows(engine)
    assert [(r["dossier_code"], r["status"], r["batch_id"]) for r in rows] == [
        ("A1", 4, r1.batch_id), ("A2", 9, r1.batch_id)
    ]
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers_history)).scalar_one() == 0
        assert conn.execute(sa.select(batches.c.status).where(batches.c.id == r2.batch_id)).scalar_one() == "undone"
    with pytest.raises(UndoRefused, match="đã được hoàn tác"):
        undo_batch(engine, r2.batch_id)
    # Now the first upload can go too, and the same file can be loaded again after undo.
    undo_batch(engine, r1.batch_id)
    assert table_rows(engine) == []
    again = load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    assert again.status == "loaded" and again.inserted == 2


def _state(engine):
    with kdb.connect(engine) as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one())


@pytest.mark.parametrize("first", [True, False], ids=["first-load", "upsert"])
def test_a_frame_with_a_key_twice_is_refused_and_writes_nothing(engine, first):
    """The reader keeps one row per code; a frame that breaks that (a bug) must not store two
    rows with one key: PostgreSQL's primary key refuses it, on DuckDB the loader's own check
    (``check_unique``) does — same message, nothing written, on both engines."""
    if not first:
        load(engine, parsed(MARCH, ["received_at", "due_at", "status"], dt.date(2026, 3, 31)), "s1")
    before = _state(engine)
    twice = [MARCH[0], dict(MARCH[0], status=9), {**MARCH[1], "dossier_code": "NEW"},
             {**MARCH[1], "dossier_code": "NEW"}]
    with pytest.raises(IngestError, match="xuất hiện hai lần sau khi đọc"):
        load(engine, parsed(twice, ["received_at", "due_at", "status"], dt.date(2026, 4, 30)), "s2")
    assert _state(engine) == before


def test_check_unique_finds_a_repeated_key_where_the_database_does_not(engine):
    from ingest.load import KeyRepeated, check_unique
    from kpi.schema import keys_enforced

    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        conn.execute(sa.insert(dossiers).values(unit_id=uid, dossier_code="K", batch_id=1, created_batch_id=1))
        check_unique(conn, dossiers, ["dossier_code"], uid)  # one row: fine
    second = dict(unit_id=uid, dossier_code="K", batch_id=2, created_batch_id=2)
    if keys_enforced(engine.dialect.name):  # PostgreSQL: the primary key itself
        with pytest.raises(sa.exc.IntegrityError), kdb.connect(engine, write=True) as conn:
            conn.execute(sa.insert(dossiers).values(**second))
        return
    with pytest.raises(KeyRepeated), kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(dossiers).values(**second))
        check_unique(conn, dossiers, ["dossier_code"], uid)
    assert _state(engine)[0] == 1  # the transaction rolled back
