"""Helpers shared by the KPI tests (no tests here): inserting fixture rows directly."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import db as kdb
from kpi import schema as S


def ts(text: str) -> dt.datetime:
    """'2026-03-02' or '2026-03-02 17:00' → naive local datetime."""
    return dt.datetime.fromisoformat(text)


def make_unit(engine, name: str) -> int:
    with kdb.connect(engine, write=True) as conn:
        return kdb.get_or_create_unit(conn, name)


def insert(engine, table: sa.Table, unit_id: int, rows: list[dict]) -> None:
    """Insert rows as a loader would (batch_id = created_batch_id = 0)."""
    if not rows:
        return
    cols = {c.name for c in table.columns}
    full = []
    for r in rows:
        row = {c: None for c in cols if c not in ("unit_id", "batch_id", "created_batch_id")}
        row.update(r)
        row.update(unit_id=unit_id, batch_id=0, created_batch_id=0)
        full.append(row)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(table), full)


def clear(engine) -> None:
    with kdb.connect(engine, write=True) as conn:
        for t in (S.dossiers, S.ratings, S.procedures, S.feedback, S.summaries, S.batches):
            conn.execute(t.delete())
