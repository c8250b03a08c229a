"""Migration 0008: DuckDB's fact tables lose their primary-key index (the loader checks the
key, ingest.load.check_unique) with the same columns, NOT NULL columns and rows; PostgreSQL
keeps its primary keys."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import db as kdb
from kpi import migrate
from kpi.schema import metadata

FACT = ("dossiers", "ratings", "procedures", "feedback", "summaries")


def _primary_keys(conn) -> set[str]:
    rows = conn.execute(sa.text(
        "SELECT table_name FROM information_schema.table_constraints "
        "WHERE constraint_type = 'PRIMARY KEY' AND table_schema = current_schema()")).scalars()
    return set(rows) & set(FACT)


def _columns(conn, table):
    return conn.execute(sa.text(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"),
        {"t": table}).all()


def test_0008_rebuilds_duckdb_fact_tables_without_their_key_index(db_url):
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:  # a database of release 0006
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
        migrate.upgrade(conn, "0006")
        assert _primary_keys(conn) == set(FACT)  # every release before had them
        before = {t: _columns(conn, t) for t in FACT}
        conn.execute(sa.text(
            "INSERT INTO dossiers (unit_id, dossier_code, received_at, status, batch_id, created_batch_id, as_of) "
            "VALUES (1, 'A-1', TIMESTAMP '2026-03-02 08:00:00', 9, 1, 1, DATE '2026-03-31'), "
            "(1, 'A-2', NULL, NULL, 1, 1, NULL)"))
        conn.execute(sa.text(
            "INSERT INTO summaries (unit_id, period_start, period_end, field, received_total, batch_id, "
            "created_batch_id) VALUES (1, DATE '2026-01-01', DATE '2026-03-31', 'Hộ tịch', 12, 2, 2)"))
    kdb.init_db(engine)  # upgrades to head
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        after = {t: _columns(conn, t) for t in FACT}
        assert after == before  # same columns, types, order, NOT NULL
        rows = conn.execute(sa.text(
            "SELECT unit_id, dossier_code, received_at, status, batch_id, created_batch_id, as_of "
            "FROM dossiers ORDER BY dossier_code")).all()
        assert [tuple(r) for r in rows] == [
            (1, "A-1", dt.datetime(2026, 3, 2, 8), 9, 1, 1, dt.date(2026, 3, 31)),
            (1, "A-2", None, None, 1, 1, None)]
        assert conn.execute(sa.text("SELECT field, received_total FROM summaries")).one() == ("Hộ tịch", 12)
        keys = _primary_keys(conn)
    if engine.dialect.name == "duckdb":
        assert keys == set()
        # The key columns stay NOT NULL without the index.
        nullable = {c: n for c, _, n in after["dossiers"]}
        assert nullable["unit_id"] == nullable["dossier_code"] == "NO"
    else:
        assert keys == set(FACT)


def test_a_new_duckdb_database_has_the_same_fact_tables_as_a_migrated_one(db_url):
    """create_all on a new database and 0001 → head agree (columns, NOT NULL, primary keys)."""
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine) as conn:
        new = ({t: _columns(conn, t) for t in FACT}, _primary_keys(conn))
    with kdb.connect(engine, write=True) as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
        migrate.upgrade(conn)
    with kdb.connect(engine) as conn:
        assert ({t: _columns(conn, t) for t in FACT}, _primary_keys(conn)) == new
    assert new[1] == (set() if engine.dialect.name == "duckdb" else set(FACT))
