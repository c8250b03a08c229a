"""A realistic snapshot (11 KPIs, 12-month trend) to preview and time the report layouts.

Not demo data of the database: the numbers are made up, consistent with each other.
"""

from __future__ import annotations

import copy

from kpi import definitions as D
from kpi import targets as T

YEAR = 2026

# (numerator, denominator, previous period's value) of each KPI, in declaration order.
_VALUES = [
    (1203, 1218, 0.984), (1190, 1218, 0.969), (802, 1102, 0.72), (713, 1150, 0.6),
    (289, 371, 0.76), (1011, 1020, 0.99), (931, 1150, 0.81), (41, 48, 41 / 48), (57, 66, 0.85),
    (92, 127, 0.7), (0, 0, None),
]

# The eleven months before March 2026 of each headline KPI, in declaration order.
_TREND = [
    [0.962, 0.971, 0.968, 0.975, 0.979, 0.981, 0.977, 0.983, 0.985, 0.979, 0.984],
    [0.941, 0.948, 0.951, 0.955, 0.953, 0.96, 0.958, 0.962, 0.966, 0.964, 0.969],
    [0.52, 0.55, 0.58, 0.6, 0.63, 0.65, 0.66, 0.68, 0.7, 0.71, 0.72],
    [0.41, 0.44, 0.46, 0.5, 0.51, 0.53, 0.55, 0.56, None, 0.58, 0.6],
    [0.55, 0.58, 0.6, 0.62, 0.65, 0.66, 0.69, 0.7, 0.72, 0.74, 0.76],
]

_MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def _entry(key: str, num: int, den: int) -> dict:
    target = T.target_for(key, YEAR)
    value = num / den if den else None
    t = target.value if target else None
    met = value >= t if value is not None and t is not None else None
    return {"key": key, "value": value, "numerator": num, "denominator": den, "target": t,
            "met": met}


SNAPSHOT = {
    "unit": "Xã Lộc Tân",
    "period": {"start": "2026-03-01", "end": "2026-03-31"},
    "as_of": "2026-04-02T08:15:00+07:00",
    "data_through": "2026-03-31",
    "definitions": D.Choice().to_json(),
    "kpis": [_entry(key, num, den) for key, (num, den, _) in zip(D.KPI_KEYS, _VALUES)],
    "counts": {"received": 1150, "resolved": 1102, "pending": 116, "pending_overdue": 3,
               "withdrawn": 4, "unverifiable": 2},
}

_LAST = {k["key"]: k["value"] for k in SNAPSHOT["kpis"]}

EXTRAS = {
    "period_label": "Tháng 3/2026",
    "previous": {key: prev for key, (_, _, prev) in zip(D.KPI_KEYS, _VALUES) if prev is not None},
    "trend": {key: [[m, v] for m, v in zip(_MONTHS, [*values, _LAST[key]])]
              for key, values in zip(D.HEADLINE_KEYS, _TREND)},
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
