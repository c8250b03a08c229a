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
    assert migrate.head_revision() == _alembic_head() == "0001"
    versions("0003", "0002")
    versions("0002", "0001")
    assert migrate.head_revision() == _alembic_head() == "0003"
    versions("0004", "0001")
    versions("0005", ("0003", "0004"))  # a merge revision names two parents
    assert migrate.head_revision() == _alembic_head() == "0005"


def test_two_heads_are_alembics_error(versions):
    from alembic.util import CommandError

    versions("0002", "0001")
    versions("0003", "0001")
    with pytest.raises(CommandError, match="multiple heads"):
        migrate.head_revision()


def test_a_newer_revision_on_disk_upgrades_the_database(db_url, versions):
    """The database says 0001, the files say 0002: init_db runs the upgrade."""
    engine = kdb.get_engine(db_url)
    versions("0002", "0001", "from alembic import op; op.execute('CREATE TABLE probe (x INTEGER)')")
    with kdb.connect(engine) as conn:
        assert not migrate.at_head(conn)
    kdb.init_db(engine)
    with kdb.connect(engine) as conn:
        assert migrate.at_head(conn) and migrate.current_revision(conn) == "0002"
        assert sa.inspect(conn).has_table("probe")


def test_opening_a_current_database_does_not_start_alembic(duck_url):
    """init_db on a database at head compares the stored id with the files' head: Alembic's
    machinery is never imported (it is most of a command's start-up otherwise)."""
    import subprocess
    import sys

    from kpi import config

    code = ("import sys; from kpi import db; db.init_db(db.get_engine(sys.argv[1])); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    r = subprocess.run([sys.executable, "-c", code, duck_url], cwd=config.ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
