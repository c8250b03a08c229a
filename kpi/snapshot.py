"""The compliance snapshot ("báo cáo kết quả thực hiện chỉ tiêu") as data for the CLI and the
report renderers.

    snap = build(engine, "Xã Lộc Tân", "2026-03")      # kpi.queries.Snapshot
    data = snap.to_json()                              # the cli.md JSON (dict, ordered keys)
    extras = report_extras(engine, snap)               # labels, previous values, trend, notes
    kpi.report.render("pdf", data, "bao-cao.pdf", extras)
"""

from __future__ import annotations

import datetime as dt
import json

from kpi import definitions as D
from kpi import queries as Q


def build(engine, unit, period, on_time: str = "766", satisfaction: str = "766", *,
          today: dt.date | None = None) -> Q.Snapshot:
    """``kpi.queries.snapshot`` (kept here so callers of the snapshot have one import)."""
    return Q.snapshot(engine, unit, period, on_time, satisfaction, today=today)


def to_json(snap: Q.Snapshot) -> dict:
    """The cli.md JSON as a dict (unit, period, as_of, definitions, kpis, counts)."""
    return snap.to_json()


def dumps(data: dict) -> str:
    """JSON text as ``python -m kpi snapshot`` prints it (UTF-8, Vietnamese kept)."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def report_extras(engine, snap: Q.Snapshot, *, today: dt.date | None = None,
                  with_previous: bool = True, with_trend: bool = True) -> dict:
    """What the report renderers (kpi.report) take besides the snapshot dict:
    ``period_label``, ``labels``, ``sections``, ``formulas``, ``previous`` ({key: value of the
    previous period}), ``previous_period_label``, ``trend`` ({key: [(month 'YYYY-MM-01',
    value), …]} for 12 months), ``notes`` (Vietnamese), ``details`` ({key: numerator,
    denominator, unknown, unverifiable, source, definition, target_text, note})."""
    unit = None if snap.unit == Q.ALL_UNITS_LABEL else snap.unit
    on_time, satisfaction = snap.definitions["on_time"], snap.definitions["satisfaction"]
    extras: dict = {
        "period_label": snap.period.label,
        "labels": {k.key: k.label for k in snap.kpis},
        "sections": {k.key: k.section for k in snap.kpis},
        "formulas": {k.key: k.formula for k in snap.kpis},
        "definition_labels": {
            "on_time": D.ON_TIME_DEFINITIONS.get(on_time, on_time),
            "satisfaction": D.SATISFACTION_DEFINITIONS.get(satisfaction, satisfaction),
        },
        "details": {
            k.key: {
                "numerator": k.numerator, "denominator": k.denominator, "unknown": k.unknown,
                "unverifiable": k.unverifiable, "source": k.source, "definition": k.definition,
                "target_text": k.target_text, "note": k.note,
            }
            for k in snap.kpis
        },
    }
    notes = []
    for k in snap.kpis:
        if k.unknown:
            notes.append(f"{k.label}: {k.unknown:,} bản ghi thiếu cột dữ liệu cần thiết, không "
                         "tính vào tử số và mẫu số.".replace(",", "."))
    if snap.source == "summary":
        notes.append("Tỷ lệ giải quyết đúng hạn và tỷ lệ hồ sơ trực tuyến lấy từ báo cáo tổng "
                     "hợp (Biểu số 06/VPCP/KSTT) vì kỳ này chưa có dữ liệu hồ sơ chi tiết.")
    extras["notes"] = notes
    if with_previous:
        prev = Q.snapshot(engine, unit, snap.period.previous(), on_time, satisfaction,
                          today=today)
        extras["previous"] = {k.key: k.value for k in prev.kpis}
        extras["previous_period_label"] = prev.period.label
    if with_trend:
        df = Q.trend(engine, unit, snap.period, on_time, satisfaction, today=today)
        trend: dict = {}
        for row in df.itertuples(index=False):
            trend.setdefault(row.key, []).append((row.month.isoformat(), row.value))
        extras["trend"] = trend
    return extras
