"""The compliance snapshot ("báo cáo kết quả thực hiện chỉ tiêu") as data for the CLI and the
report renderers.

    snap = build(engine, "Xã Lộc Tân", "2026-03")      # kpi.queries.Snapshot
    data = snap.to_json()                              # the cli.md JSON (dict, ordered keys)
    # report files: kpi.report.assemble.report_input(...) then kpi.report.render(...)
"""

from __future__ import annotations

import datetime as dt
import json

from kpi import definitions as D
from kpi import queries as Q


def build(engine, unit, period, choice: D.Choice | None = None, *,
          today: dt.date | None = None) -> Q.Snapshot:
    """``kpi.queries.snapshot`` (kept here so callers of the snapshot have one import)."""
    return Q.snapshot(engine, unit, period, choice, today=today)


def to_json(snap: Q.Snapshot) -> dict:
    """The cli.md JSON as a dict (unit, period, as_of, definitions, kpis, counts)."""
    return snap.to_json()


def dumps(data: dict) -> str:
    """JSON text as ``python -m kpi snapshot`` prints it (UTF-8, Vietnamese kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2)
