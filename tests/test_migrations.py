"""Migrations: running every migration on an empty database gives exactly the schema of
the metadata (so `create_all` + stamp for new databases is equivalent), and init_db
upgrades a database stamped at an older revision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kpi import db as kdb
from kpi import migrate
from kpi.schema import metadata


def _alembic_modules_after_init(url: str) -> str:
    """The Alembic modules a fresh process has imported after ``init_db`` on ``url``."""
    import subprocess
    import sys

    from kpi import config

    code = ("import sys; from kpi import db; db.init_db(db.get_engine(sys.argv[1])); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    r = subprocess.run([sys.executable, "-c", code, url], cwd=config.ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


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



REVISION = '''"""{rev}"""
from typing import Sequence, Union
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
def upgrade() -> None:
    {body}
def downgrade() -> None:
    pass
'''


@pytest.fixture
def versions(tmp_path, monkeypatch):
    """A copy of kpi/migrations/ that migrate reads instead; ``add(rev, down, body)`` writes
    one more revision file into it."""
    import shutil

    root = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", root)

    def add(rev, down, body="pass"):
        (root / "versions" / f"{rev}_x.py").write_text(
            REVISION.format(rev=rev, down=down, body=body), encoding="utf-8")
        migrate.head_revision.cache_clear()

    yield add
    migrate.head_revision.cache_clear()


def _alembic_head():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def test_head_read_from_the_files_is_alembics_head(versions):
    head = migrate.head_revision()
    assert head == _alembic_head()
    versions("t903", "t902")
    versions("t902", head)
    assert migrate.head_revision() == _alembic_head() == "t903"
    versions("t904", head)
    versions("t905", ("t903", "t904"))  # a merge revision names two parents
    assert migrate.head_revision() == _alembic_head() == "t905"


def test_two_heads_are_alembics_error(versions):
    from alembic.util import CommandError

    head = migrate.head_revision()
    versions("t902", head)
    versions("t903", head)
    with pytest.raises(CommandError, match="multiple heads"):
        migrate.head_revision()


def test_a_newer_revision_on_disk_upgrades_the_database(db_url, versions):
    """The database is at today's head, the files name one revision more: init_db runs it."""
    engine = kdb.get_engine(db_url)
    versions("t902", migrate.head_revision(),
             "from alembic import op; op.execute('CREATE TABLE probe (x INTEGER)')")
    with kdb.connect(engine) as conn:
        assert not migrate.at_head(conn)
    kdb.init_db(engine)
    with kdb.connect(engine) as conn:
        assert migrate.at_head(conn) and migrate.current_revision(conn) == "t902"
        assert sa.inspect(conn).has_table("probe")


def test_opening_a_current_database_does_not_start_alembic(duck_url):
    """init_db on a database at head compares the stored id with the files' head: Alembic's
    machinery is never imported (it is most of a command's start-up otherwise)."""
    assert _alembic_modules_after_init(duck_url) == "[]"
def test_0002_drops_unused_duckdb_indexes_and_adds_mapping_tables(db_url):
    """A database of release 0001 (secondary indexes on both engines, no mapping tables) is
    upgraded: its rows stay, DuckDB loses the indexes it never used, PostgreSQL keeps them."""
    engine = _empty(db_url)
    with kdb.connect(engine, write=True) as conn:
        migrate.upgrade(conn, "0001")
        conn.execute(sa.text(
            "INSERT INTO dossiers (unit_id, dossier_code, status, batch_id, created_batch_id) "
            "VALUES (1, 'HS-1', 4, 1, 1)"))
    kdb.init_db(engine)
    with kdb.connect(engine) as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert conn.execute(sa.text("SELECT dossier_code, status FROM dossiers")).all() == [("HS-1", 4)]
        if conn.dialect.name == "duckdb":
            names = set(conn.execute(sa.text(
                "SELECT index_name FROM duckdb_indexes() WHERE schema_name = current_schema()")).scalars())
        else:
            names = set(conn.execute(sa.text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")).scalars())
        inspector = sa.inspect(conn)
        assert inspector.has_table("column_mappings") and inspector.has_table("value_mappings")
    fact_indexes = {"ix_dossiers_batch", "ix_dossiers_received", "ix_ratings_batch",
                    "ix_procedures_batch", "ix_feedback_batch", "ix_summaries_batch"}
    if engine.dialect.name == "duckdb":
        assert names & fact_indexes == set()
        assert "ix_dossiers_history_batch" in names  # history indexes stay on both engines
    else:
        assert fact_indexes <= names


def test_a_new_database_is_stamped_without_alembic_as_alembic_would(db_url, tmp_path):
    """A new database's version table (kpi.migrate.stamp_new) is the one Alembic's own stamp
    makes — same column, type, nullability and primary key — and creating it starts no
    Alembic (most of a first load's start-up otherwise)."""
    def version_table(engine):
        with kdb.connect(engine) as conn:
            cols = conn.execute(sa.text(
                "SELECT column_name, data_type, character_maximum_length, is_nullable "
                "FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'alembic_version' ORDER BY ordinal_position")).all()
            pk = conn.execute(sa.text(
                "SELECT tc.constraint_name, kcu.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
                "AND kcu.table_name = tc.table_name WHERE tc.table_schema = current_schema() "
                "AND tc.table_name = 'alembic_version' AND tc.constraint_type = 'PRIMARY KEY'")).all()
            rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        return [tuple(c) for c in cols], [tuple(p) for p in pk], rows

    ours = version_table(kdb.get_engine(db_url))  # the fixture's database: created by init_db
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
        migrate.stamp(conn, migrate.head_revision())  # Alembic's own
    assert version_table(engine) == ours
    assert ours[2] == [migrate.head_revision()] and ours[1]

    assert _alembic_modules_after_init(f"duckdb:///{tmp_path / 'new.duckdb'}") == "[]"
