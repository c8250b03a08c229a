"""Ratings and PAKN keep their own sources (kpi-definitions.md, "Coverage"): a period that no
loaded file of the source covers has no value and no verdict, whatever rows carried over from
an earlier file say. DuckDB and PostgreSQL, on tests/yearfixture.py (dossier exports January–
June 2026) plus one PAKN file covering May 2026:

- A received 05/05, due 26/05, finished 10/05: on time;
- B received 20/05, due 15/06, still open: on time at 31/05 (not yet due), overdue at 30/06;
- C received 02/05, due 20/05, finished 30/05: late.
May: (A + B) / 3 = 2/3. June: the dossier exports cover it but the PAKN file does not, so PAKN
on time is "Chưa có dữ liệu" (B alone would have made it 0/1)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi import db as kdb
from kpi import periods as P
from kpi import queries as Q
from kpi import schema as S
from tests import yearfixture as Y

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def pakn_db(db_url):
    engine = Y.build(db_url)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, Y.UNIT)
        bid = conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="feedback", file_name="pakn-2026-05.xlsx", sha256="pakn-2026-05",
            covers_from=dt.date(2026, 5, 1), period_start=dt.date(2026, 5, 1),
            period_end=dt.date(2026, 5, 31), as_of=dt.date(2026, 5, 31),
            uploaded_at=dt.datetime(2026, 12, 1, 22, 53), status="loaded",
        ).returning(S.batches.c.id)).scalar_one()
        rows = [("A", dt.datetime(2026, 5, 5, 8), dt.datetime(2026, 5, 26), dt.datetime(2026, 5, 10, 9)),
                ("B", dt.datetime(2026, 5, 20, 8), dt.datetime(2026, 6, 15), None),
                ("C", dt.datetime(2026, 5, 2, 8), dt.datetime(2026, 5, 20), dt.datetime(2026, 5, 30, 9))]
        conn.execute(sa.insert(S.feedback), [
            dict(unit_id=uid, feedback_code=code, received_at=rec, due_at=due, finished_at=done,
                 status="done" if done else "open", batch_id=bid, created_batch_id=bid)
            for code, rec, due, done in rows])
    return engine


def test_pakn_has_no_verdict_in_a_month_its_file_does_not_cover(pakn_db):
    may = Q.snapshot(pakn_db, Y.UNIT, "2026-05", today=TODAY).kpi("feedback_on_time_rate")
    assert (may.numerator, may.denominator, may.value) == (2, 3, 2 / 3)
    june = Q.snapshot(pakn_db, Y.UNIT, "2026-06", today=TODAY)
    assert june.coverage.complete  # the dossiers speak for June, the PAKN file does not
    v = june.kpi("feedback_on_time_rate")
    assert (v.numerator, v.denominator, v.value, v.met) == (0, 0, None, None)
    assert june.kpi("on_time_rate").value == 11 / 12  # dossier KPIs unaffected
    trend = Q.monthly(pakn_db, Y.UNIT, [P.month(2026, 5), P.month(2026, 6)],
                      keys=["feedback_on_time_rate"], today=TODAY)
    assert list(trend["denominator"]) == [3, 0] and list(trend["met"])[1] is None
    # May to June together: the file covers part of the span, so the PAKN it holds count.
    both = Q.snapshot(pakn_db, Y.UNIT, "2026-05-01..2026-06-30", today=TODAY)
    b = both.kpi("feedback_on_time_rate")
    assert (b.numerator, b.denominator) == (1, 3)  # B overdue at 30/06
