"""Coverage (kpi-definitions.md "Coverage"): which days the loaded exports speak for, from the
upload log — on DuckDB and PostgreSQL, through the real loader."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from ingest.load import load_parsed, undo_batch
from ingest.service import load as load_file
from ingest.model import ParsedFile
from kpi import coverage as C
from kpi import db as kdb
from kpi.schema import batches, summaries
from tests import filemakers as fm
from tests.fixtures import insert, make_unit, ts

D = dt.date
UNIT = "Xã Lộc Tân"


def _parsed(rows, as_of, period=None, kind="dossiers"):
    frame = pd.DataFrame(rows)
    for c in ("received_at", "due_at", "finished_at", "rated_at"):
        if c in frame:
            frame[c] = pd.to_datetime(frame[c], format="ISO8601")
    if "status" in frame:
        frame["status"] = frame["status"].astype("Int64")
    frame["source_row"] = range(10, 10 + len(frame))
    cols = [c for c in frame.columns if c not in ("dossier_code", "rating_key", "source_row")]
    return ParsedFile(kind=kind, frame=frame, columns=cols, rows_read=len(frame), as_of=as_of,
                      period=period)


def _load(engine, rows, as_of, period=None, sha=None, kind="dossiers", unit=UNIT):
    p = _parsed(rows, as_of, period, kind)
    sha = sha or f"{kind}-{as_of}-{period}-{unit}"
    return load_parsed(engine, p, file_name=f"{sha}.xlsx", sha256=sha, unit=unit)


def _d(code, received, status=4, **kw):
    return {"dossier_code": code, "received_at": received, "status": status, **kw}


# ------------------------------------------------------------------------------ pure ranges

def test_merge_joins_overlapping_and_touching_ranges():
    assert C.merge([(D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 1, 1), D(2026, 1, 31)),
                    (D(2026, 2, 1), D(2026, 2, 10)), (D(2026, 3, 15), D(2026, 4, 2)),
                    (D(2026, 6, 1), D(2026, 5, 1))]) == [
        (D(2026, 1, 1), D(2026, 2, 10)), (D(2026, 3, 1), D(2026, 4, 2))]


def test_missing_ranges_in_order():
    cov = [(D(2026, 1, 5), D(2026, 1, 10)), (D(2026, 1, 20), D(2026, 1, 25))]
    assert C.missing_ranges(cov, D(2026, 1, 1), D(2026, 1, 31)) == [
        (D(2026, 1, 1), D(2026, 1, 4)), (D(2026, 1, 11), D(2026, 1, 19)),
        (D(2026, 1, 26), D(2026, 1, 31))]
    assert C.missing_ranges(cov, D(2026, 1, 6), D(2026, 1, 9)) == []
    assert C.missing_ranges([], D(2026, 1, 1), D(2026, 1, 2)) == [(D(2026, 1, 1), D(2026, 1, 2))]


# ------------------------------------------------------------------------------ from the log

def test_title_start_or_earliest_received_and_the_union(engine):
    # January: a title period (01/01–31/01) although its first dossier came on 05/01.
    jan = _load(engine, [_d("A", "2026-01-05 08:00"), _d("B", "2025-12-20 08:00")],
                D(2026, 1, 31), (D(2026, 1, 1), D(2026, 1, 31)))
    # March: no title; its rows run from 03/03 (received) to 20/03 (a finish date).
    mar = _load(engine, [_d("C", "2026-03-03 09:00"),
                         _d("D", "2026-03-04 09:00", status=10, finished_at="2026-03-20 10:00")],
                D(2026, 3, 20))
    with kdb.connect(engine) as conn:
        stored = dict(conn.execute(sa.select(batches.c.id, batches.c.covers_from)).all())
    assert stored == {jan.batch_id: D(2026, 1, 1), mar.batch_id: D(2026, 3, 3)}
    assert C.covered_ranges(engine, UNIT) == [(D(2026, 1, 1), D(2026, 1, 31)),
                                              (D(2026, 3, 3), D(2026, 3, 20))]
    assert C.data_through(engine, UNIT) == D(2026, 3, 20)
    q1 = C.period_coverage(engine, UNIT, "2026-Q1")
    assert q1.status == "partial" and q1.provisional and q1.data_through == D(2026, 3, 20)
    assert q1.missing == ((D(2026, 2, 1), D(2026, 3, 2)), (D(2026, 3, 21), D(2026, 3, 31)))
    assert q1.to_json() == {"status": "partial", "missing": [
        {"start": "2026-02-01", "end": "2026-03-02"}, {"start": "2026-03-21", "end": "2026-03-31"}]}
    assert q1.note == ("Số liệu tạm tính: thiếu dữ liệu từ 01/02/2026 đến 02/03/2026 và từ "
                       "21/03/2026 đến 31/03/2026; dữ liệu mới đến ngày 20/03/2026.")
    assert C.period_coverage(engine, UNIT, "2026-01").status == "complete"
    feb = C.period_coverage(engine, UNIT, "2026-02")
    assert (feb.status, feb.missing, feb.dossiers) == ("none", ((D(2026, 2, 1), D(2026, 2, 28)),),
                                                       False)
    assert C.judged_day(feb, D(2026, 2, 1), D(2026, 2, 28)) == D(2026, 1, 31)  # nothing judged
    assert C.judged_day(q1, D(2026, 1, 1), D(2026, 3, 31)) == D(2026, 3, 20)
    # The carried-over December dossier does not make December covered.
    assert C.period_coverage(engine, UNIT, "2025-12").status == "none"


def test_undone_uploads_do_not_count(engine):
    _load(engine, [_d("A", "2026-05-04 08:00")], D(2026, 5, 31), (D(2026, 5, 1), D(2026, 5, 31)))
    june = _load(engine, [_d("B", "2026-06-02 08:00")], D(2026, 6, 30),
                 (D(2026, 6, 1), D(2026, 6, 30)))
    assert C.data_through(engine, UNIT) == D(2026, 6, 30)
    undo_batch(engine, june.batch_id)
    assert C.data_through(engine, UNIT) == D(2026, 5, 31)
    assert C.period_coverage(engine, UNIT, "2026-06").status == "none"
    assert C.month_strip(engine, UNIT, 2026)["dossiers"] == (
        ["none"] * 4 + ["complete"] + ["none"] * 7)


def test_summaries_cover_exactly_their_period(engine):
    uid = make_unit(engine, UNIT)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(summaries), [
            dict(unit_id=uid, period_start=D(2024, 10, 1), period_end=D(2024, 12, 31), field=f,
                 received_online=1, received_direct=1, batch_id=7, created_batch_id=7)
            for f in ("Hộ tịch", "Tổng cộng")])
    q4 = C.period_coverage(engine, UNIT, "2024-Q4")
    assert (q4.status, q4.missing, q4.data_through, q4.dossiers) == ("complete", (), None, False)
    y = C.period_coverage(engine, UNIT, "2024")
    assert y.status == "partial" and y.missing == ((D(2024, 1, 1), D(2024, 9, 30)),)
    assert C.data_through(engine, UNIT) is None
    strip = C.month_strip(engine, UNIT, 2024)
    assert strip["summary"] == ["none"] * 9 + ["complete"] * 3
    assert strip["dossiers"] == ["none"] * 12


def test_units_apart_and_together(engine):
    _load(engine, [_d("A", "2026-01-05 08:00")], D(2026, 1, 31), (D(2026, 1, 1), D(2026, 1, 31)))
    _load(engine, [_d("B", "2026-02-03 08:00")], D(2026, 2, 15), (D(2026, 2, 1), D(2026, 2, 15)),
          unit="Phường Khác")
    assert C.data_through(engine, UNIT) == D(2026, 1, 31)
    assert C.data_through(engine, "Phường Khác") == D(2026, 2, 15)
    assert C.data_through(engine, None) == D(2026, 2, 15)
    assert C.covered_ranges(engine, None) == [(D(2026, 1, 1), D(2026, 2, 15))]
    assert C.data_through(engine, "Xã Không Có") is None
    assert C.period_coverage(engine, "Xã Không Có", "2026-01").status == "none"


def test_month_strip_per_kind_of_file(engine):
    _load(engine, [_d("A", "2026-01-05 08:00")], D(2026, 1, 31), (D(2026, 1, 1), D(2026, 1, 31)))
    _load(engine, [_d("B", "2026-03-02 08:00")], D(2026, 4, 14))  # 02/03–14/04
    _load(engine, [{"rating_key": "r1", "rated_at": "2026-02-10 10:00", "satisfied": True}],
          D(2026, 2, 20), kind="ratings")
    strip = C.month_strip(engine, UNIT, 2026)
    assert list(strip) == list(C.STRIP_KINDS)
    assert strip["dossiers"][:5] == ["complete", "none", "partial", "partial", "none"]
    assert strip["ratings"][:3] == ["none", "partial", "none"]
    assert strip["feedback"] == ["none"] * 12


def test_a_real_file_title_states_the_start(engine, tmp_path):
    head = ["STT", "Mã hồ sơ", "Tên thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]
    rows = [*fm.TITLE_DOSSIERS, head,
            [1, "H-1", "Đăng ký khai sinh", dt.datetime(2026, 3, 9, 8), dt.datetime(2026, 3, 12),
             "Đang xử lý"],
            [2, "H-2", "Đăng ký khai sinh", dt.datetime(2026, 3, 10, 8), dt.datetime(2026, 3, 13),
             "Đang xử lý"]]
    r = load_file(engine, fm.xlsx(tmp_path / "ho-so.xlsx", rows), unit=UNIT)
    assert r.status == "loaded"
    cov = C.period_coverage(engine, UNIT, "2026-03")
    assert (cov.status, cov.data_through) == ("complete", D(2026, 3, 31))


def test_rows_without_an_upload_log_count_as_one_export(engine):
    uid = make_unit(engine, "Xã Thử")
    from kpi.schema import dossiers

    insert(engine, dossiers, uid, [
        dict(dossier_code="X1", received_at=ts("2026-03-02 08:00"), status=4),
        dict(dossier_code="X2", received_at=ts("2026-03-05 08:00"), status=10,
             finished_at=ts("2026-04-03 09:00"))])
    assert C.covered_ranges(engine, "Xã Thử") == [(D(2026, 3, 2), D(2026, 4, 3))]
    assert C.data_through(engine, [uid]) == D(2026, 4, 3)


@pytest.mark.parametrize("kind,frame,period,expected", [
    ("dossiers", pd.DataFrame({"received_at": pd.to_datetime(["2026-03-04", "2026-02-27"])}),
     None, D(2026, 2, 27)),
    ("dossiers", pd.DataFrame({"received_at": pd.to_datetime(["2026-03-04"])}),
     (D(2026, 3, 1), D(2026, 3, 31)), D(2026, 3, 1)),
    ("procedures", pd.DataFrame({"procedure_name": ["x"]}), None, None),
    ("dossiers", pd.DataFrame({"received_at": pd.to_datetime([None])}), None, None),
])
def test_covers_from(kind, frame, period, expected):
    assert C.covers_from(kind, period, frame) == expected
