"""A database whose dossier exports stop at 30/06/2026 (issue 10, "Done when"); no tests here.

Unit Xã Lộc Tân; one dossier export per month (title period = the month, as-of = its last
day), January–June 2026 and July–September 2025; today is 01/12/2026.

2026, each month January–June: 10 dossiers received on the 5th, due the 12th, returned on the
10th (on time) or the 14th (late): late Jan 0, Feb 1, Mar 0, Apr 1, May 2, Jun 1. Of the 10, 7
online (channel 2), 4 with a fee, paid online Jan 4, Feb 3, Mar 3, Apr 3, May 3, Jun 2; all
digitized with an e-result. June also has 2 dossiers still being processed (received 20/06,
due 10/07, online, no fee): pending in time as of 30/06, overdue if judged at 31/12.
- Year to date 01/01–30/06 (on-time 766): 55 finished on time + 2 pending in time = 57 / 62.
- Online payment 18/24 = 75%; online submission 44/62; digitization 60/60; satisfaction (766)
  57/62.
- Monthly on-time: Jan 10/10, Feb 9/10, Mar 10/10, Apr 9/10, May 8/10, Jun 11/12.

2025 (no plan for 2025): July 20 dossiers (5 with a fee), August 16 (4), September 12 (3), all
on time, online, paid online, digitized.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import db as kdb
from kpi import schema as S

UNIT = "Xã Lộc Tân"
TODAY = "2026-12-01"
LATE_2026 = {1: 0, 2: 1, 3: 0, 4: 1, 5: 2, 6: 1}
PAID_2026 = {1: 4, 2: 3, 3: 3, 4: 3, 5: 3, 6: 2}
VOLUME_2025 = {7: (20, 5), 8: (16, 4), 9: (12, 3)}


def _row(uid, bid, code, received, due, done, **kw):
    row = dict(unit_id=uid, batch_id=bid, created_batch_id=bid, dossier_code=code,
               procedure_code="1.001193", procedure_name="Đăng ký khai sinh", field="Hộ tịch",
               handling_unit="Bộ phận một cửa", received_at=received, due_at=due,
               finished_at=done, returned_at=done, status=10 if done else 4, channel=2,
               supplement_count=0, inputs_digitized=True, e_result=True, data_reused=True,
               fee=0, paid_online=False, as_of=None)
    row.update(kw)
    return row


def _batch(conn, uid, y, m) -> int:
    last = dt.date(y, m, 28)
    while (last + dt.timedelta(days=1)).month == m:
        last += dt.timedelta(days=1)
    return conn.execute(sa.insert(S.batches).values(
        unit_id=uid, kind="dossiers", file_name=f"ho-so-{y}-{m:02d}.xlsx", sha256=f"hs-{y}-{m}",
        covers_from=dt.date(y, m, 1), period_start=dt.date(y, m, 1), period_end=last,
        as_of=last, uploaded_at=dt.datetime(2026, 12, 1, 22, 53), status="loaded",
    ).returning(S.batches.c.id)).scalar_one()


def build(url: str) -> sa.Engine:
    """Fill the (empty) database at ``url`` as the module doc says."""
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    rows = []
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        for m in range(1, 7):
            bid = _batch(conn, uid, 2026, m)
            for i in range(10):
                late = i < LATE_2026[m]
                fee = i >= 6  # the last four have a fee
                rows.append(_row(
                    uid, bid, f"H26-{m:02d}-{i:02d}", dt.datetime(2026, m, 5, 8),
                    dt.datetime(2026, m, 12), dt.datetime(2026, m, 14 if late else 10, 15),
                    channel=2 if i < 7 else 1, fee=50000 if fee else 0,
                    paid_online=fee and i - 6 < PAID_2026[m]))
            if m == 6:
                for i in (10, 11):
                    rows.append(_row(uid, bid, f"H26-06-{i:02d}", dt.datetime(2026, 6, 20, 9),
                                     dt.datetime(2026, 7, 10), None))
        for m, (count, with_fee) in VOLUME_2025.items():
            bid = _batch(conn, uid, 2025, m)
            for i in range(count):
                fee = i < with_fee
                rows.append(_row(uid, bid, f"H25-{m:02d}-{i:02d}", dt.datetime(2025, m, 3, 8),
                                 dt.datetime(2025, m, 20), dt.datetime(2025, m, 15, 10),
                                 fee=30000 if fee else 0, paid_online=fee))
        conn.execute(sa.insert(S.dossiers), rows)
    return engine
