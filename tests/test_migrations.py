"""Migrations: running every migration on an empty database gives exactly the schema of
the metadata (so `create_all` + stamp for new databases is equivalent), and init_db
upgrades a database stamped at an older revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kpi import db as kdb
from kpi import migrate
from kpi.schema import metadata


def _empty(db_url):
    """Drop what the fixture created, leaving an empty database."""
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE alembic_version"))
    return engine


def test_migrations_build_the_metadata_schema(db_url):
    engine = _empty(db_url)
    with kdb.connect(engine, write=True) as conn:
        migrate.upgrade(conn)
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        rows = conn.execute(
            sa.text(
                "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name <> 'alembic_version'"
            )
        ).all()
        if conn.dialect.name == "postgresql":  # full comparison (types, indexes) where reflection works
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            assert diff == []
    migrated = {(t, c, n == "YES") for t, c, n in rows}
    expected = {(t.name, c.name, bool(c.nullable)) for t in metadata.sorted_tables for c in t.columns}
    assert migrated == expected


def test_new_database_is_stamped_and_init_is_idempotent(db_url):
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    kdb.init_db(engine)  # nothing to do the second time
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_database_without_version_table_is_adopted(db_url):
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
    kdb.init_db(engine)
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
