"""rejected rows keep only the columns the product reads

Revision ID: 0003
Revises: 0001
Rows rejected under --allow-rejects used to keep every cell of the row, including columns
the reader did not recognise ("Phone", "Full name", "Người liên hệ", "Trích yếu", …) that may
hold citizens' personal data (Nghị định 13/2023/NĐ-CP). Each stored row's raw JSON is
rewritten to keep only the keys that name a canonical column of its batch's kind
(ingest.rejects.keep_read_columns). What is removed is never restored on downgrade.

"""
from __future__ import annotations

import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _cleaned(raw: str | None, kind: str | None) -> str:
    from ingest.rejects import keep_read_columns

    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not kind:
        data = {}
    return json.dumps(keep_read_columns(kind or "", data), ensure_ascii=False, default=str)


def rewrite(conn: sa.Connection) -> int:
    """Rewrite every rejected row's raw values; returns how many rows changed."""
    rows = conn.execute(sa.text(
        "SELECT r.id, r.raw, b.kind FROM rejected_rows r LEFT JOIN batches b ON b.id = r.batch_id"
    )).all()
    changes = [{"id": rid, "raw": new} for rid, raw, kind in rows if (new := _cleaned(raw, kind)) != raw]
    for start in range(0, len(changes), 1000):
        conn.execute(sa.text("UPDATE rejected_rows SET raw = :raw WHERE id = :id"), changes[start:start + 1000])
    return len(changes)


def upgrade() -> None:
    conn = op.get_bind()
    if rewrite(conn):
        # DuckDB keeps the removed bytes in its free blocks: kpi.db.init_db rewrites the file.
        from kpi.db import COMPACT_AFTER_MIGRATION

        conn.info[COMPACT_AFTER_MIGRATION] = True


def downgrade() -> None:
    """Nothing to undo: the removed values are personal data and are not kept anywhere."""
