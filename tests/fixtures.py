"""Helpers of the tests (no tests here): rows inserted directly, the small fixture database of the
page tests, and AppTest runs of the whole app.

Rows: ``ts``, ``make_unit``, ``insert`` (as a loader would), ``clear``.

The page fixture (``build_fixture``; ``fixture_url`` in conftest.py names it by CCHC_DB_URL):
unit Xã Lộc Tân, today pinned to 15/04/2026, one upload on 02/04/2026 08:15:
- March 2026: 200 dossiers received and returned in the month — Hộ tịch 100 (none late),
  Chứng thực 60 (1 late), Đất đai 40 (2 late) → on time 197/200 = 98,5%; 130 online (65,0%);
  150 digitized with an e-result (75,0%); 40 with a fee, 30 paid online (75,0%).
- February 2026: 100 dossiers of Hộ tịch, 4 late → 96,0%; and one dossier still being
  processed with no due date (unverifiable in February and March).
- No ratings, no procedure catalogue, no feedback.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import config
from kpi import db as kdb
from kpi import schema as S

def page_database(tmp_path, monkeypatch, name: str, unit: str) -> tuple[sa.Engine, str]:
    """A new DuckDB file that the pages under test open (CCHC_DB_URL, CCHC_UNIT, CCHC_TODAY
    2026-04-15 set, the engine cache cleared), with its tables: ``(engine, url)``. The fixture
    that calls it clears the engine cache again when it ends."""
    url = f"duckdb:///{tmp_path / name}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", unit)
    monkeypatch.setenv("CCHC_TODAY", "2026-04-15")
    kdb.get_engine.cache_clear()
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    return engine, url


# ------------------------------------------------------------------------------------ rows


def ts(text: str) -> dt.datetime:
    """'2026-03-02' or '2026-03-02 17:00' → naive local datetime."""
    return dt.datetime.fromisoformat(text)


def make_unit(engine, name: str) -> int:
    with kdb.connect(engine, write=True) as conn:
        return kdb.get_or_create_unit(conn, name)


def insert(engine, table: sa.Table, unit_id: int, rows: list[dict]) -> None:
    """Insert rows as a loader would (batch_id = created_batch_id = 0)."""
    if not rows:
        return
    cols = {c.name for c in table.columns}
    full = []
    for r in rows:
        row = {c: None for c in cols if c not in ("unit_id", "batch_id", "created_batch_id")}
        row.update(r)
        row.update(unit_id=unit_id, batch_id=0, created_batch_id=0)
        full.append(row)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(table), full)


def clear(engine) -> None:
    with kdb.connect(engine, write=True) as conn:
        for t in (S.dossiers, S.ratings, S.procedures, S.feedback, S.summaries, S.batches):
            conn.execute(t.delete())


# ------------------------------------------------------------------------------ page fixture

UNIT = "Xã Lộc Tân"
TODAY = "2026-04-15"
APP = str(config.ROOT / "app.py")
FIELDS = [("Hộ tịch", "1.001193", "Đăng ký khai sinh", 100, 0),
          ("Chứng thực", "2.000815", "Chứng thực bản sao từ bản chính", 60, 1),
          ("Đất đai", "1.004222", "Đăng ký biến động quyền sử dụng đất", 40, 2)]


def _dossier(uid, bid, code, field, proc, name, received, late, **values):
    due = dt.datetime.combine(received.date(), dt.time()) + dt.timedelta(days=5)
    done = due + dt.timedelta(days=2 if late else -1)
    row = dict(unit_id=uid, dossier_code=code, procedure_code=proc, procedure_name=name,
               field=field, handling_unit="Bộ phận một cửa", received_at=received, due_at=due,
               finished_at=done, returned_at=done, status=10, channel=1, supplement_count=0,
               inputs_digitized=True, e_result=True, data_reused=True, fee=0, paid_online=False,
               batch_id=bid, created_batch_id=bid, as_of=dt.date(2026, 4, 1))
    row.update(values)
    return row


def build_fixture(url: str) -> sa.Engine:
    """Fill the (empty, initialised) database at ``url`` with the fixture above."""
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        bid = conn.execute(
            sa.insert(S.batches).values(
                unit_id=uid, kind="dossiers", file_name="ho-so-2026-03.xlsx", sha256="fixture",
                as_of=dt.date(2026, 4, 1), uploaded_at=dt.datetime(2026, 4, 2, 8, 15),
                status="loaded",
            ).returning(S.batches.c.id)
        ).scalar_one()
        rows, i = [], 0
        for field, proc, name, count, late in FIELDS:
            for j in range(count):
                received = dt.datetime(2026, 3, 2, 8, 0) + dt.timedelta(days=i % 20)
                fee = 50000 if i % 5 == 0 else 0
                rows.append(_dossier(
                    uid, bid, f"HS-03-{i:04d}", field, proc, name, received, j < late,
                    channel=2 if i % 20 < 13 else 1, inputs_digitized=i % 4 != 0,
                    data_reused=i % 4 != 0, fee=fee, paid_online=fee > 0 and i % 20 != 0,
                ))
                i += 1
        for j in range(100):
            received = dt.datetime(2026, 2, 2, 8, 0) + dt.timedelta(days=j % 20)
            rows.append(_dossier(uid, bid, f"HS-02-{j:04d}", "Hộ tịch", "1.001193",
                                 "Đăng ký khai sinh", received, j < 4, channel=2 if j % 2 else 1))
        rows.append(_dossier(uid, bid, "HS-02-9999", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                             dt.datetime(2026, 2, 10, 9, 0), False, status=4, due_at=None,
                             finished_at=None, returned_at=None))
        conn.execute(sa.insert(S.dossiers), rows)
    return engine


def app(page: str | None = None, **state) -> AppTest:
    """The whole app (frame + sidebar) run once, with ``state`` in its session state first
    (``period_type="quarter"``, …); on ``page`` ("pages/chi-tiet.py") if given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]
