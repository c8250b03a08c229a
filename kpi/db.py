"""Database access: one engine per URL, short-lived connections, DuckDB's one-writer rule.

DuckDB lets one process hold a database file open for writing, and while it does no other
process can open it. So every unit of work opens a connection, does its work and closes it
(``NullPool``), and a lock conflict is retried for a bounded time. Callers that want to tell
the user "a load is in progress" pass ``on_wait``.
"""

from __future__ import annotations

import contextlib
import random
import time
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from kpi import config
from kpi.schema import metadata, units


class DatabaseBusy(RuntimeError):
    """The database stayed locked by another process for longer than we wait."""

    def __init__(self, waited: float):
        super().__init__(
            f"Cơ sở dữ liệu đang bận (một lần tải dữ liệu khác đang chạy) sau {waited:.0f} giây chờ. "
            "Vui lòng thử lại sau ít phút."
        )


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened."""


LOCK_WAIT_SECONDS = 120.0


def _resolve_duckdb_path(url: str) -> str:
    """Make a relative DuckDB path relative to the project root and create its folder."""
    u = make_url(url)
    db = u.database
    if db and db != ":memory:" and not db.startswith(":"):
        p = Path(db)
        if not p.is_absolute():
            p = config.ROOT / p
        p.parent.mkdir(parents=True, exist_ok=True)
        u = u.set(database=str(p))
    return u.render_as_string(hide_password=False)


def duckdb_file(url: str) -> Path | None:
    """The file a DuckDB URL names (relative paths from the project root); None for an
    in-memory database or another engine."""
    if not url.startswith("duckdb"):
        return None
    db = make_url(url).database
    if not db or db == ":memory:" or db.startswith(":"):
        return None
    path = Path(db)
    return path if path.is_absolute() else config.ROOT / path


def is_duckdb(engine_or_url) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("duckdb")


@lru_cache(maxsize=16)
def get_engine(url: str | None = None) -> sa.Engine:
    """The engine for ``url`` (or the configured one). Connections are never pooled."""
    url = config.db_url(url)
    if url.startswith("duckdb"):
        url = _resolve_duckdb_path(url)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    else:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine, "connect", _postgres_session)
    return engine


def file_engine(path, *, read_only: bool = False) -> sa.Engine:
    """An engine on a DuckDB file outside the configuration (a backup copy), never pooled;
    ``read_only`` opens it without taking the writer's lock."""
    args = {"read_only": True} if read_only else {}
    return sa.create_engine(f"duckdb:///{path}", poolclass=sa.pool.NullPool, connect_args=args)


def _postgres_session(dbapi_conn, _record) -> None:
    """Our aggregates are short: PostgreSQL's JIT compilation cost more than it saved
    (1.2 s of a 2.3 s all-units-year snapshot at 1M dossiers, bench/RESULTS.md)."""
    with dbapi_conn.cursor() as cur:
        cur.execute("SET jit = off")
    dbapi_conn.commit()


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "database is locked" in text
        or "different configuration" in text
    )


@contextlib.contextmanager
def connect(
    engine: sa.Engine,
    *,
    write: bool = False,
    on_wait: Callable[[float], None] | None = None,
    max_wait: float = LOCK_WAIT_SECONDS,
) -> Iterator[sa.Connection]:
    """Open a connection for one unit of work; ``write=True`` wraps it in a transaction.

    A DuckDB lock held by another process is retried with backoff for up to ``max_wait``
    seconds; ``on_wait(seconds_waited)`` is called while waiting.
    """
    start = time.monotonic()
    delay = 0.05
    while True:
        try:
            conn = engine.connect()
            break
        except sa.exc.OperationalError as exc:
            if not _is_lock_conflict(exc):
                raise DatabaseUnavailable(_unavailable_message(engine, exc)) from exc
        except sa.exc.DBAPIError as exc:
            if not _is_lock_conflict(exc):
                raise DatabaseUnavailable(_unavailable_message(engine, exc)) from exc
        except Exception as exc:  # duckdb raises its own IOException on some paths
            if not _is_lock_conflict(exc):
                raise
        waited = time.monotonic() - start
        if waited >= max_wait:
            raise DatabaseBusy(waited)
        if on_wait:
            on_wait(waited)
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 1.6, 1.0)
    try:
        if write:
            with conn.begin():
                yield conn
        else:
            yield conn
    finally:
        conn.close()


def _unavailable_message(engine: sa.Engine, exc: BaseException) -> str:
    where = engine.url.render_as_string(hide_password=True)
    return (
        f"Không kết nối được cơ sở dữ liệu ({where}). Kiểm tra địa chỉ CCHC_DB_URL / --db "
        f"và máy chủ cơ sở dữ liệu. Chi tiết: {str(exc).splitlines()[0]}"
    )


COMPACT_AFTER_MIGRATION = "cchc_compact_after_migration"


def init_db(engine: sa.Engine, on_wait: Callable[[float], None] | None = None) -> None:
    """Bring the database to the current schema (idempotent).

    An empty database gets every table and is stamped at the newest migration; a database
    of an earlier release is upgraded by its migrations (kpi/migrations/versions/). A
    migration that removed personal data sets ``conn.info[COMPACT_AFTER_MIGRATION]``: on
    DuckDB the file is then rewritten (``compact_duckdb``), because DuckDB leaves the bytes
    of removed values in its free blocks."""
    from kpi import migrate

    compact = False
    with connect(engine, write=True, on_wait=on_wait) as conn:
        inspector = sa.inspect(conn)
        if inspector.has_table(migrate.VERSION_TABLE):
            if not migrate.at_head(conn):  # current: no Alembic start-up
                migrate.upgrade(conn)
        elif inspector.has_table("dossiers"):
            # Created before migrations were introduced: that is the baseline schema.
            migrate.stamp(conn, migrate.BASELINE)
            migrate.upgrade(conn)
        else:
            # A new database: every table from the metadata (no check per table when it holds
            # none at all), stamped at the newest revision.
            empty = not inspector.get_table_names() and not inspector.get_sequence_names()
            metadata.create_all(conn, checkfirst=not empty)
            migrate.stamp_new(conn, migrate.head_revision())
        compact = bool(conn.info.pop(COMPACT_AFTER_MIGRATION, False))
    if compact and is_duckdb(engine):
        compact_duckdb(engine, on_wait=on_wait)


def compact_duckdb(engine: sa.Engine, on_wait: Callable[[float], None] | None = None) -> Path | None:
    """Rewrite a DuckDB database file into a fresh one holding only its live data.

    DuckDB marks the blocks of updated or deleted rows free but never overwrites them, so a
    value removed from every table can still be read from the file's bytes (DuckDB's manual,
    "Reclaiming space": compact by ``COPY FROM DATABASE``). While holding the file open — the
    writer's lock, so no other process is inside it — the data is copied into a new file next
    to it, which then replaces the old one atomically. Returns the file, or None when the
    engine is not a DuckDB file."""
    import os

    path = duckdb_file(engine.url.render_as_string(hide_password=False))
    if path is None or not path.exists():
        return None
    fresh = path.with_name(path.name + ".compact")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with connect(engine, on_wait=on_wait) as conn:
        raw = conn.connection.driver_connection  # outside SQLAlchemy's implicit transaction
        raw.execute("CHECKPOINT")
        name = raw.execute("SELECT current_database()").fetchone()[0]
        quoted = str(fresh).replace("'", "''")
        raw.execute(f"ATTACH '{quoted}' AS cchc_compact")
        try:
            raw.execute(f'COPY FROM DATABASE "{name}" TO cchc_compact')
        finally:
            raw.execute("DETACH cchc_compact")
        with open(fresh, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(fresh, path)
    return path


def normalize_unit_name(name: str) -> str:
    """One spelling per unit: NFC, single spaces (an NFD "Xã" is the same unit)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def get_or_create_unit(conn: sa.Connection, name: str) -> int:
    name = normalize_unit_name(name)
    row = conn.execute(sa.select(units.c.id).where(units.c.name == name)).first()
    if row:
        return row[0]
    return conn.execute(
        sa.insert(units).values(name=name, created_at=config.now()).returning(units.c.id)
    ).scalar_one()


def find_unit(conn: sa.Connection, name: str) -> int | None:
    name = normalize_unit_name(name)
    return conn.execute(sa.select(units.c.id).where(units.c.name == name)).scalar()


def list_units(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(units.c.name).order_by(units.c.name)).scalars())
