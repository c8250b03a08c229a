"""The hand-made fixture of the work-list tests (no tests here).

Unit Xã Lộc Tân, data through Tuesday 28/04/2026, today Wednesday 29/04/2026. Around it:
Sunday 26/04 Giỗ Tổ Hùng Vương, Monday 27/04 its day off in lieu, Thursday 30/04 and Friday
01/05 holidays (data/holidays.csv). With N = 2:

    code  status  received    due         officer          state (working days left)
    A1    4       10/04       24/04 Fri   Nguyễn Văn An    overdue (−2: 28/04, 29/04)
    A2    2       20/04       28/04 Tue   Trần Thị Bình    overdue (−1)
    A3    4       06/04       20/04 Mon   —                overdue (−6)
    B1    4       22/04       29/04 Wed   Nguyễn Văn An    due_soon (0, due today)
    B2    6       22/04       30/04 hol.  Trần Thị Bình    due_soon (0: 30/04 is a holiday)
    S1    4       22/04       30/04       Trần Thị Bình    due_soon (0), 2 supplement requests
    B3    4       23/04       04/05 Mon   Nguyễn Văn An    due_soon (1)
    B4    4       23/04       05/05 Tue   —                due_soon (2)
    C1    4       23/04       06/05 Wed   Nguyễn Văn An    not listed (3)
    W1    5       01/04       20/04       Trần Thị Bình    waiting_supplement (before overdue)
    N1    4       28/03       —           —                no_due_date (32 days)
    N3    4       29/03       —           Nguyễn Văn An    no_due_date (31 days)
    N2    4       30/03       —           —                not listed (30 days)
    F1    10      01/04       10/04       (finished 09/04: early)
    F2    9       01/04       10/04       (finished 14/04: late)
    F3    10      02/04       10/04       (returned 10/04, no finish date: on time)
    X1    7       01/04       20/04       (withdrawn)
    X2    3       01/04       20/04       (not accepted)
    X3    1       01/04       20/04       (new registration)

April 2026 as of 29/04: early 1, on time 1, late 1, pending in time 5 (B1 B2 B3 B4 C1),
pending overdue 5 (A1 A2 A3 S1 W1); N1 N2 N3 unverifiable.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from kpi import db as kdb
from kpi import schema as S
from tests.fixtures import insert, make_unit

UNIT = "Xã Lộc Tân"
TODAY = dt.date(2026, 4, 29)
DATA_THROUGH = dt.date(2026, 4, 28)
AN, BINH = "Nguyễn Văn An", "Trần Thị Bình"
PROC = ("1.001193", "Đăng ký khai sinh", "Hộ tịch")
PROC2 = ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực")

# code, status, received, due, officer, extra
ROWS = [
    ("A1", 4, "2026-04-10", "2026-04-24", AN, {}),
    ("A2", 2, "2026-04-20", "2026-04-28", BINH, {"handling_unit": "Công chức Tư pháp - Hộ tịch"}),
    ("A3", 4, "2026-04-06", "2026-04-20", None, {}),
    ("B1", 4, "2026-04-22", "2026-04-29", AN, {}),
    ("B2", 6, "2026-04-22", "2026-04-30", BINH, {}),
    ("S1", 4, "2026-04-22", "2026-04-30", BINH, {"supplement_count": 2}),
    ("B3", 4, "2026-04-23", "2026-05-04", AN, {"proc": PROC2}),
    ("B4", 4, "2026-04-23", "2026-05-05", None, {"proc": PROC2}),
    ("C1", 4, "2026-04-23", "2026-05-06", AN, {}),
    ("W1", 5, "2026-04-01", "2026-04-20", BINH, {}),
    ("N1", 4, "2026-03-28", None, None, {}),
    ("N3", 4, "2026-03-29", None, AN, {}),
    ("N2", 4, "2026-03-30", None, None, {}),
    ("F1", 10, "2026-04-01", "2026-04-10", AN, {"finished_at": "2026-04-09 15:00"}),
    ("F2", 9, "2026-04-01", "2026-04-10", AN, {"finished_at": "2026-04-14 10:00"}),
    ("F3", 10, "2026-04-02", "2026-04-10", AN, {"returned_at": "2026-04-10 16:00"}),
    ("X1", 7, "2026-04-01", "2026-04-20", AN, {}),
    ("X2", 3, "2026-04-01", "2026-04-20", AN, {}),
    ("X3", 1, "2026-04-01", "2026-04-20", AN, {}),
]


def _ts(text):
    if text is None:
        return None
    return dt.datetime.fromisoformat(text if " " in text else text + " 08:00")


def dossier_rows() -> list[dict]:
    out = []
    for code, status, received, due, officer, extra in ROWS:
        extra = dict(extra)
        proc_code, proc_name, field = extra.pop("proc", PROC)
        row = dict(
            dossier_code=code, status=status, received_at=_ts(received),
            due_at=_ts(due.replace(" ", "") + " 17:00") if due else None, officer=officer,
            procedure_code=proc_code, procedure_name=proc_name, field=field,
            handling_unit="Bộ phận một cửa", channel=1, supplement_count=0,
            as_of=DATA_THROUGH,
        )
        for k in ("finished_at", "returned_at"):
            if k in extra:
                extra[k] = _ts(extra[k])
        row.update(extra)
        out.append(row)
    return out


def build(engine, unit: str = UNIT) -> int:
    """Fill the (empty, initialised) database of ``engine``; the unit's id."""
    uid = make_unit(engine, unit)
    insert(engine, S.dossiers, uid, dossier_rows())
    return uid


def letters_count(engine) -> int:
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(S.apology_letters)).scalar()


def audit_count(engine) -> int:
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(S.audit_log)).scalar()


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def filled(request, tmp_path_factory):
    """The fixture database built once per test module and engine (DuckDB, and PostgreSQL as
    conftest's ``db_url`` does); the apology letters and audit rows a test wrote are removed
    after it (``clean_letters``)."""
    from tests.conftest import PG_URL, _pg_schema_url, require_or_skip

    if request.param == "duckdb":
        engine = kdb.get_engine(f"duckdb:///{tmp_path_factory.mktemp('wl') / 'wl.duckdb'}")
        kdb.init_db(engine)
        build(engine)
        yield engine
        return
    require_or_skip(bool(PG_URL), "PostgreSQL tests need CCHC_TEST_PG_URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        require_or_skip(False, f"PostgreSQL at CCHC_TEST_PG_URL is unreachable: {exc}")
    engine = kdb.get_engine(_pg_schema_url(schema))
    kdb.init_db(engine)
    build(engine)
    yield engine
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def clean_letters(engine) -> None:
    """Remove what the apology tests wrote (test clean-up only)."""
    with kdb.connect(engine, write=True) as conn:
        conn.execute(S.apology_letters.delete())
        conn.execute(S.audit_log.delete())
