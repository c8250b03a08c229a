"""Shared fixtures: a fresh database per test, on DuckDB and (when configured) PostgreSQL.

``db_url`` is parametrised over the engines: always DuckDB (a file in tmp_path), and
PostgreSQL when ``CCHC_TEST_PG_URL`` is set, each test in a schema of its own. In CI
(``CI=true``) the PostgreSQL variant must run: a missing URL or server fails the test.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from kpi import db as kdb

PG_URL = os.environ.get("CCHC_TEST_PG_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_or_skip(available: bool, reason: str) -> None:
    """Skip on a developer machine without the dependency; fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this dependency is required)")
    pytest.skip(reason)


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["duckdb", "postgresql"])
def db_url(request, tmp_path):
    """A SQLAlchemy URL of an empty, initialised database."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'test.duckdb'}"
        kdb.init_db(kdb.get_engine(url))
        yield url
        kdb.get_engine.cache_clear()
        return
    require_or_skip(bool(PG_URL), "PostgreSQL tests need CCHC_TEST_PG_URL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        require_or_skip(False, f"PostgreSQL at CCHC_TEST_PG_URL is unreachable: {exc}")
    url = _pg_schema_url(schema)
    kdb.init_db(kdb.get_engine(url))
    yield url
    kdb.get_engine.cache_clear()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def duck_url(tmp_path):
    """A DuckDB-only database (for tests of DuckDB-specific behaviour)."""
    url = f"duckdb:///{tmp_path / 'test.duckdb'}"
    kdb.init_db(kdb.get_engine(url))
    yield url
    kdb.get_engine.cache_clear()


@pytest.fixture
def engine(db_url):
    return kdb.get_engine(db_url)


@pytest.fixture
def fixture_url(tmp_path, monkeypatch):
    """The page tests' fixture database (tests/fixtures.py) in a fresh DuckDB file, named by
    CCHC_DB_URL; unit and today pinned."""
    from tests.fixtures import TODAY, UNIT, build_fixture

    url = f"duckdb:///{tmp_path / 'pages.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    kdb.get_engine.cache_clear()
    build_fixture(url)
    yield url
    kdb.get_engine.cache_clear()
