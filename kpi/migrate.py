"""Schema migrations (Alembic), usable on DuckDB and PostgreSQL alike.

- A new, empty database gets every table from the metadata and is stamped at the newest
  revision (fast, and identical to running all migrations — a test checks that).
- A database created by an earlier release is upgraded to the newest revision.
So a schema change after the first release is a new file in kpi/migrations/versions/, and
users never have to delete their database.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.postgresql import PostgresqlImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


class DuckDBImpl(PostgresqlImpl):
    """DuckDB speaks PostgreSQL's DDL closely enough for our migrations."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision this release knows (a database stamped with another is newer)."""
    return frozenset(r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: sa.Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(conn), revision)


def stamp(conn: sa.Connection, revision: str = "head") -> None:
    command.stamp(alembic_config(conn), revision)
