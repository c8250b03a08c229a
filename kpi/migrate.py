"""Schema migrations (Alembic), usable on DuckDB and PostgreSQL alike.

- A new, empty database gets every table from the metadata and is stamped at the newest
  revision (fast, and identical to running all migrations — a test checks that).
- A database created by an earlier release is upgraded to the newest revision.
So a schema change after the first release is a new file in kpi/migrations/versions/, and
users never have to delete their database.

Alembic is imported only when a migration runs: ``head_revision`` reads the revision ids from
the files of kpi/migrations/versions/ and ``at_head`` reads the ``alembic_version`` table with
one SELECT, so opening a database that is already current (every command, every page) costs
no Alembic start-up.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
VERSION_TABLE = "alembic_version"


@lru_cache(maxsize=1)
def _register_duckdb() -> type:
    """Teach Alembic the DuckDB dialect: it speaks PostgreSQL's DDL closely enough for our
    migrations (an Impl subclass registers itself by ``__dialect__``)."""
    from alembic.ddl.postgresql import PostgresqlImpl

    class DuckDBImpl(PostgresqlImpl):
        __dialect__ = "duckdb"
        transactional_ddl = True

    return DuckDBImpl


def alembic_config(connection: sa.Connection | None = None):
    from alembic.config import Config

    _register_duckdb()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _declared(path: Path) -> dict:
    """``revision`` and ``down_revision`` as a revision file assigns them (read, not run)."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(node.value)
    return found


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision id: the one no other revision names as its ``down_revision``. Read
    from the files; with anything but one head, Alembic itself answers (and says what is wrong)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        declared = _declared(path)
        if "revision" not in declared:
            continue
        revisions.add(declared["revision"])
        down = declared.get("down_revision")
        parents.update([down] if isinstance(down, str) else (down or ()))
    heads = revisions - parents
    if len(heads) == 1:
        return heads.pop()
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this release knows (a database stamped with another is newer)."""
    found = (_declared(path) for path in (MIGRATIONS / "versions").glob("*.py"))
    return frozenset(d["revision"] for d in found if "revision" in d)


def at_head(conn: sa.Connection) -> bool:
    """Whether the database (which has the version table) is stamped at ``head_revision``."""
    table = sa.table(VERSION_TABLE, sa.column("version_num"))
    return list(conn.execute(sa.select(table.c.version_num)).scalars()) == [head_revision()]


def current_revision(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    _register_duckdb()
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: sa.Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(conn), revision)


def stamp(conn: sa.Connection, revision: str = "head") -> None:
    from alembic import command

    command.stamp(alembic_config(conn), revision)


def stamp_new(conn: sa.Connection, revision: str) -> None:
    """Stamp a database that has no version table yet, without starting Alembic: its version
    table as Alembic creates it (same name, column and primary key), holding ``revision``.
    Alembic reads and upgrades such a database as one it stamped itself (a test checks)."""
    table = sa.Table(
        VERSION_TABLE, sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    table.create(conn)
    conn.execute(table.insert().values(version_num=revision))
