"""How many SQL statements a snapshot runs (issue 9 item 6: the fixed cost of a command).

The upload log and the summaries are read once per call (``kpi.coverage.Log``), the EXISTS
probes of the dossier facts are one statement, and so are the row-range probes of the sources
without a logged upload; only the definitions picked are measured (the default satisfaction
rate reads the dossiers, so the ratings aggregate is not run): a unit's snapshot is
``SNAPSHOT_STATEMENTS`` statements. A change that reads something twice again fails here.
The values themselves are the other KPI tests'.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa

from kpi import config
from kpi import definitions as D
from kpi import queries as Q
from kpi import schema as S
from kpi.db import connect
from tests.fixtures import UNIT, build_fixture

# unit, batches, row ranges of ratings + PAKN, summaries, EXISTS probes, then one aggregate
# per source read by the default definitions (dossiers, catalogue, PAKN) and the PAKN
# default due days; the satisfaction rate "ratings" adds the ratings aggregate.
SNAPSHOT_STATEMENTS = 9
TODAY = dt.date(2026, 4, 15)


def _fixture(url):
    """The page fixture, its upload stamped with the first day it covers as a load does
    (``covers_from``; a batch without it is read for its rows' range, one statement more)."""
    engine = build_fixture(url)
    with connect(engine, write=True) as conn:
        conn.execute(sa.update(S.batches).values(covers_from=dt.date(2026, 2, 2)))
    return engine


@contextlib.contextmanager
def statements(engine):
    """The SQL text of every statement ``engine`` runs inside the block."""
    seen: list[str] = []

    def listen(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def test_snapshot_statement_count(db_url):
    engine = _fixture(db_url)
    with statements(engine) as seen:
        snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert len(seen) == SNAPSHOT_STATEMENTS, "\n".join(seen)
    # Each table of the upload log and the summaries is read once.
    assert sum("FROM batches" in s for s in seen) == 1
    assert sum("FROM summaries" in s for s in seen) == 1
    assert sum(s.lstrip().startswith("SELECT EXISTS") for s in seen) == 1
    assert snap.kpi("on_time_rate").denominator == 200
    assert snap.as_of == dt.datetime(2026, 4, 2, 8, 15, tzinfo=config.TZ)


def test_ratings_definition_adds_its_aggregate(db_url):
    engine = _fixture(db_url)
    with statements(engine) as seen:
        Q.snapshot(engine, UNIT, "2026-03", D.Choice.of(satisfaction="ratings"), today=TODAY)
    assert len(seen) == SNAPSHOT_STATEMENTS + 1, "\n".join(seen)
    assert sum("FROM ratings AS r" in s for s in seen) == 1


def test_all_units_snapshot_statement_count(db_url):
    engine = _fixture(db_url)
    with statements(engine) as seen:
        Q.snapshot(engine, None, "2026-03", today=TODAY)
    # No unit to look up; the units are listed once, for the sources without a logged upload.
    assert len(seen) == SNAPSHOT_STATEMENTS, "\n".join(seen)


def test_reads_are_per_call(db_url):
    """Nothing read for one snapshot is kept for the next: an upload in between shows."""
    engine = _fixture(db_url)
    before = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    with connect(engine, write=True) as conn:
        uid = conn.execute(sa.select(S.units.c.id)).scalar_one()
        conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="ratings", file_name="danh-gia.xlsx", sha256="later",
            covers_from=dt.date(2026, 3, 1), as_of=dt.date(2026, 3, 31),
            uploaded_at=dt.datetime(2026, 4, 10, 9, 30), status="loaded"))
    after = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert before.as_of.replace(tzinfo=None) == dt.datetime(2026, 4, 2, 8, 15)
    assert after.as_of.replace(tzinfo=None) == dt.datetime(2026, 4, 10, 9, 30)
