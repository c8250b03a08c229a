"""DuckDB: the fact tables' keys checked by the loader, not by a primary-key index

Revision ID: 0008
Revises: 0006
On DuckDB the primary key of dossiers, ratings, procedures, feedback and summaries is an ART
index that DuckDB maintains on every insert and writes at every checkpoint, yet never uses for
the KPIs' scans (zone maps prune them): it was half of the database's time in a 1M-row load
(bench/RESULTS.md, issue 13). The one write path (ingest.load) checks the key in the load's own
transaction instead (``check_unique``). Each table is rebuilt without the index (same columns,
types, order and NOT NULL columns, same rows). PostgreSQL keeps its primary keys: nothing
changes there.

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# table -> key columns (with unit_id), as of this revision
KEYS = {
    "dossiers": ("unit_id", "dossier_code"),
    "ratings": ("unit_id", "rating_key"),
    "procedures": ("unit_id", "procedure_code"),
    "feedback": ("unit_id", "feedback_code"),
    "summaries": ("unit_id", "period_start", "period_end", "field"),
}


def _has_primary_key(conn, table: str) -> bool:
    return bool(conn.exec_driver_sql(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'PRIMARY KEY' "
        "AND schema_name = current_schema()", (table,)).scalar())


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "duckdb":
        return
    for table in KEYS:
        if not _has_primary_key(conn, table):
            continue
        not_null = conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() AND is_nullable = 'NO' ORDER BY ordinal_position",
            (table,)).scalars().all()
        # CREATE TABLE … AS keeps the columns, their types and order and the rows; the NOT NULL
        # constraints are set again (every key column is one).
        conn.exec_driver_sql(f'CREATE TABLE "{table}__rebuilt" AS SELECT * FROM "{table}"')
        for column in dict.fromkeys([*not_null, *KEYS[table]]):
            conn.exec_driver_sql(f'ALTER TABLE "{table}__rebuilt" ALTER COLUMN "{column}" SET NOT NULL')
        conn.exec_driver_sql(f'DROP TABLE "{table}"')
        conn.exec_driver_sql(f'ALTER TABLE "{table}__rebuilt" RENAME TO "{table}"')


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "duckdb":
        return
    for table, keys in KEYS.items():
        if not _has_primary_key(conn, table):
            cols = ", ".join(f'"{c}"' for c in keys)
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD PRIMARY KEY ({cols})')
