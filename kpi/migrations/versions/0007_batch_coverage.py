"""batches remember the first day each upload covers

Revision ID: 0007
Revises: 0003
Coverage (kpi-definitions.md, "Coverage"): an export covers [its title's start date, else its
earliest received date; its as-of date]. ``batches.covers_from`` stores that first day at load
time. Existing uploads are backfilled from their stated period's start, else the earliest
received (dossiers, feedback) or rated (ratings) date of the rows they wrote, including the
versions of those rows a later upload replaced (the history tables).

"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# kind -> (table, the column whose earliest day starts an export without a stated period)
START = {"dossiers": ("dossiers", "received_at"), "ratings": ("ratings", "rated_at"),
         "feedback": ("feedback", "received_at")}


def _day(x):
    if x is None:
        return None
    if isinstance(x, str):
        import datetime as dt

        return dt.date.fromisoformat(x[:10])
    return x.date() if hasattr(x, "date") else x


def backfill(conn: sa.Connection) -> int:
    """Fill ``covers_from`` of the batches without one; returns how many were filled."""
    filled = conn.execute(sa.text(
        "UPDATE batches SET covers_from = period_start "
        "WHERE covers_from IS NULL AND period_start IS NOT NULL")).rowcount or 0
    for kind, (table, col) in START.items():
        firsts = conn.execute(sa.text(
            f"SELECT b, MIN({col}) FROM ("
            f"SELECT batch_id AS b, {col} FROM {table} UNION ALL "
            f"SELECT created_batch_id AS b, {col} FROM {table} UNION ALL "
            f"SELECT batch_id AS b, {col} FROM {table}_history) AS u "
            f"WHERE {col} IS NOT NULL GROUP BY b")).all()
        wanted = set(conn.execute(sa.text(
            "SELECT id FROM batches WHERE covers_from IS NULL AND kind = :k"), {"k": kind}).scalars())
        changes = [{"id": b, "d": _day(first)} for b, first in firsts if b in wanted]
        if changes:
            conn.execute(sa.text("UPDATE batches SET covers_from = :d WHERE id = :id"), changes)
            filled += len(changes)
    return filled


def upgrade() -> None:
    conn = op.get_bind()
    columns = set(conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'batches'")).scalars())
    if "covers_from" not in columns:  # else: adopted at the baseline, created with it
        op.add_column("batches", sa.Column("covers_from", sa.Date(), nullable=True))
    backfill(conn)


def downgrade() -> None:
    op.drop_column("batches", "covers_from")
