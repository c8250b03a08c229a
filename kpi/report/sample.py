"""A realistic snapshot (11 KPIs, 12-month trend) to preview and time the report layouts.

Not demo data of the database: the numbers are made up, consistent with each other.
"""

from __future__ import annotations

import copy

SNAPSHOT = {
    "unit": "Xã Lộc Tân",
    "period": {"start": "2026-03-01", "end": "2026-03-31"},
    "as_of": "2026-04-02T08:15:00+07:00",
    "definitions": {"on_time": "766", "satisfaction": "766"},
    "kpis": [
        {"key": "on_time_rate", "value": 1203 / 1218, "numerator": 1203, "denominator": 1218,
         "target": 0.98, "met": True},
        {"key": "satisfaction_rate", "value": 1190 / 1218, "numerator": 1190, "denominator": 1218,
         "target": 0.95, "met": True},
        {"key": "digitization_rate", "value": 802 / 1102, "numerator": 802, "denominator": 1102,
         "target": 0.8, "met": False},
        {"key": "online_submission_rate", "value": 713 / 1150, "numerator": 713, "denominator": 1150,
         "target": 0.6, "met": True},
        {"key": "online_payment_rate", "value": 289 / 371, "numerator": 289, "denominator": 371,
         "target": 0.8, "met": False},
        {"key": "e_result_rate", "value": 1011 / 1020, "numerator": 1011, "denominator": 1020,
         "target": 1.0, "met": False},
        {"key": "data_reuse_rate", "value": 931 / 1150, "numerator": 931, "denominator": 1150,
         "target": 0.8, "met": True},
        {"key": "online_payment_procedure_rate", "value": 41 / 48, "numerator": 41, "denominator": 48,
         "target": 0.8, "met": True},
        {"key": "full_online_procedure_rate", "value": 57 / 66, "numerator": 57, "denominator": 66,
         "target": 0.9, "met": False},
        {"key": "boundary_free_procedure_rate", "value": 92 / 127, "numerator": 92, "denominator": 127,
         "target": 0.7, "met": True},
        {"key": "feedback_on_time_rate", "value": None, "numerator": 0, "denominator": 0,
         "target": 1.0, "met": None},
    ],
    "counts": {"received": 1150, "resolved": 1102, "pending": 116, "pending_overdue": 3,
               "withdrawn": 4, "unverifiable": 2},
}

_MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]

_TREND = {
    "on_time_rate": [0.962, 0.971, 0.968, 0.975, 0.979, 0.981, 0.977, 0.983, 0.985, 0.979, 0.984,
                     1203 / 1218],
    "satisfaction_rate": [0.941, 0.948, 0.951, 0.955, 0.953, 0.96, 0.958, 0.962, 0.966, 0.964,
                          0.969, 1190 / 1218],
    "digitization_rate": [0.52, 0.55, 0.58, 0.6, 0.63, 0.65, 0.66, 0.68, 0.7, 0.71, 0.72,
                          802 / 1102],
    "online_submission_rate": [0.41, 0.44, 0.46, 0.5, 0.51, 0.53, 0.55, 0.56, None, 0.58, 0.6,
                               713 / 1150],
    "online_payment_rate": [0.55, 0.58, 0.6, 0.62, 0.65, 0.66, 0.69, 0.7, 0.72, 0.74, 0.76,
                            289 / 371],
}

EXTRAS = {
    "period_label": "Tháng 3/2026",
    "previous": {
        "on_time_rate": 0.984, "satisfaction_rate": 0.969, "digitization_rate": 0.72,
        "online_submission_rate": 0.6, "online_payment_rate": 0.76, "e_result_rate": 0.99,
        "data_reuse_rate": 0.81, "online_payment_procedure_rate": 41 / 48,
        "full_online_procedure_rate": 0.85, "boundary_free_procedure_rate": 0.7,
    },
    "trend": {key: [[m, v] for m, v in zip(_MONTHS, vals)] for key, vals in _TREND.items()},
    "notes": [
        "Tháng 12/2025 chưa có danh sách hồ sơ trực tuyến: tỷ lệ hồ sơ trực tuyến tháng đó để "
        "trống.",
    ],
    "unit_header": "UBND XÃ LỘC TÂN\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
    "signer": {"title": "GIÁM ĐỐC", "name": "Nguyễn Thị Hồng Nhung"},
    "report_date": "2026-04-03",
}


def snapshot() -> dict:
    return copy.deepcopy(SNAPSHOT)


def extras() -> dict:
    return copy.deepcopy(EXTRAS)


def main(argv: list[str] | None = None) -> int:
    """``python -m kpi.report.sample OUTDIR``: write the sample in every format, print timings."""
    import sys
    import time
    from pathlib import Path

    from . import FORMATS, render

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else ".")
    out.mkdir(parents=True, exist_ok=True)
    for fmt in FORMATS:
        start = time.perf_counter()
        path = render(fmt, snapshot(), out / f"bao-cao-mau.{fmt}", extras())
        print(f"{fmt}: {time.perf_counter() - start:.2f} s, {path.stat().st_size:,} bytes -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
