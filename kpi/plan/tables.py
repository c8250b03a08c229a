"""Tables of the plan tracker (defined on ``kpi.schema.metadata``, so ``init_db`` creates them).

- ``plan_status``: the current status of one activity of one plan year for one unit. An
  activity without a row has not been touched yet ("chưa thực hiện").
- ``plan_status_history``: every change ever written, the new values beside the previous
  ones, who made it, when, and how (the page's editor or an uploaded Excel file). Never
  updated or deleted.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi.schema import id_column, metadata


plan_status = sa.Table(
    "plan_status",
    metadata,
    sa.Column("unit_id", sa.Integer, primary_key=True),
    sa.Column("plan_year", sa.Integer, primary_key=True),
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),  # not_started | in_progress | done | delayed
    sa.Column("note", sa.Text),  # progress note (ghi chú tiến độ)
    sa.Column("evidence", sa.Text),  # document number or link (minh chứng)
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

plan_status_history = sa.Table(
    "plan_status_history",
    metadata,
    id_column("plan_status_history"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("plan_year", sa.Integer, nullable=False),
    sa.Column("activity_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("evidence", sa.Text),
    sa.Column("previous_status", sa.Text, nullable=False),
    sa.Column("previous_note", sa.Text),
    sa.Column("previous_evidence", sa.Text),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # form | excel
    sa.Column("file_name", sa.Text),  # the uploaded Excel file, for source = excel
)
sa.Index(
    "ix_plan_status_history_activity",
    plan_status_history.c.unit_id,
    plan_status_history.c.plan_year,
    plan_status_history.c.activity_id,
)

PLAN_TABLES = [plan_status, plan_status_history]
