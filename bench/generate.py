"""Synthetic data for the benchmarks: N dossiers across M units.

Two ways, both seeded:
- ``write_csv``: a dossier export as staff upload it (Vietnamese headers, dd/mm/yyyy dates,
  status names, semicolons), for the load benchmark through ``python -m ingest``;
- ``populate``: rows generated inside the database by one INSERT … SELECT over
  ``generate_series`` (DuckDB and PostgreSQL both have it), for the snapshot benchmarks at
  1M–5M dossiers without going through files.

Row layout of ``populate`` (``layout``): ``"upload"`` (default) stores the rows the way real
uploads arrive — each unit's dossiers together, month after month, as monthly export files of
one commune are loaded one after the other; ``"random"`` interleaves units and dates (row i
belongs to unit i mod M), the worst case for the engines' block pruning (zone maps).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import db as kdb
from kpi.schema import batches, units

FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Người có công", "Kinh doanh hộ cá thể"]
PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", 1),
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", 1),
    ("1.004222", "Đăng ký biến động quyền sử dụng đất", "Đất đai", 10),
    ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15),
    ("1.001776", "Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", 7),
    ("1.002271", "Giải quyết chế độ người có công", "Người có công", 12),
    ("2.000575", "Đăng ký thành lập hộ kinh doanh", "Kinh doanh hộ cá thể", 3),
]
STATUS_NAMES = {2: "Được tiếp nhận", 4: "Đang xử lý", 5: "Yêu cầu bổ sung giấy tờ", 7: "Công dân yêu cầu rút hồ sơ",
                8: "Dừng xử lý", 9: "Đã xử lý xong", 10: "Đã trả kết quả"}
CHANNEL_NAMES = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}


def _frame(n: int, seed: int, start: dt.date, days: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proc = rng.integers(0, len(PROCEDURES), n)
    received = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D") + pd.to_timedelta(
        rng.integers(7 * 60, 17 * 60, n), unit="min"
    )
    duration = np.array([p[3] for p in PROCEDURES])[proc]
    due = received.normalize() + pd.to_timedelta(np.ceil(duration * 1.4), unit="D")
    lateness = rng.choice([-3, -1, 0, 0, 0, 1, 4], n, p=[0.35, 0.25, 0.2, 0.1, 0.07, 0.02, 0.01])
    finished = pd.Series(due + pd.to_timedelta(lateness, unit="D")).clip(lower=pd.Series(received.normalize()))
    status = rng.choice([10, 9, 4, 5, 7, 8], n, p=[0.80, 0.08, 0.06, 0.03, 0.02, 0.01])
    finished = pd.DatetimeIndex(finished.where(np.isin(status, [8, 9, 10]), pd.NaT))
    fee = rng.choice([0, 0, 8000, 50000, 100000], n)
    return pd.DataFrame(
        {
            "Mã hồ sơ": [f"BENCH-{i:08d}" for i in range(n)],
            "Mã thủ tục": [PROCEDURES[p][0] for p in proc],
            "Tên thủ tục": [PROCEDURES[p][1] for p in proc],
            "Lĩnh vực": [PROCEDURES[p][2] for p in proc],
            "Ngày tiếp nhận": received.strftime("%d/%m/%Y %H:%M"),
            "Ngày hẹn trả": due.strftime("%d/%m/%Y"),
            "Ngày kết thúc xử lý": pd.Series(finished.strftime("%d/%m/%Y")).fillna(""),
            "Trạng thái": [STATUS_NAMES[s] for s in status],
            "Kênh thực hiện": [CHANNEL_NAMES[c] for c in rng.choice([1, 2, 3], n, p=[0.4, 0.55, 0.05])],
            "Số lần bổ sung": rng.choice([0, 0, 0, 1, 2], n),
            "Đã số hóa": np.where(rng.random(n) < 0.8, "Có", "Không"),
            "Kết quả điện tử": np.where(rng.random(n) < 0.85, "Có", "Không"),
            "Lệ phí": fee,
            "Thanh toán trực tuyến": np.where((fee > 0) & (rng.random(n) < 0.7), "Có", "Không"),
        }
    )


def write_csv(path: Path, n: int = 1_000_000, seed: int = 7, chunk: int = 250_000) -> Path:
    """An export-shaped CSV of ``n`` dossiers received in 2025 (UTF-8, semicolons)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for i, lo in enumerate(range(0, n, chunk)):
            part = _frame(min(chunk, n - lo), seed + i, dt.date(2025, 1, 1), 365)
            part["Mã hồ sơ"] = [f"BENCH-{lo + j:08d}" for j in range(len(part))]
            part.to_csv(fh, sep=";", index=False, header=(i == 0))
    return path


POPULATE_SQL = """
INSERT INTO dossiers (unit_id, dossier_code, procedure_code, procedure_name, field, handling_unit,
    received_at, due_at, finished_at, returned_at, status, channel, supplement_count,
    inputs_digitized, e_result, data_reused, fee, paid_online, batch_id, created_batch_id, as_of)
SELECT unit_id, code, proc_code, proc_name, field, 'Bộ phận một cửa', received, due,
       CASE WHEN status IN (8, 9, 10) THEN due + (lateness * INTERVAL '1 day') END,
       CASE WHEN status = 10 THEN due + (lateness * INTERVAL '1 day') END,
       status, channel, supplements, r3 < 0.8, r4 < 0.85, r5 < 0.7,
       fee, fee > 0 AND r6 < 0.7, :batch, :batch, DATE '2025-12-31'
FROM (
  SELECT {unit_expr} AS unit_id,
         'B' || CAST(i AS VARCHAR) AS code,
         '1.00' || CAST(p AS VARCHAR) AS proc_code,
         CASE p WHEN 0 THEN 'Đăng ký khai sinh' WHEN 1 THEN 'Chứng thực bản sao từ bản chính'
                WHEN 2 THEN 'Đăng ký biến động quyền sử dụng đất' WHEN 3 THEN 'Cấp giấy phép xây dựng'
                ELSE 'Trợ cấp xã hội hằng tháng' END AS proc_name,
         CASE p WHEN 0 THEN 'Hộ tịch' WHEN 1 THEN 'Chứng thực' WHEN 2 THEN 'Đất đai'
                WHEN 3 THEN 'Xây dựng' ELSE 'Bảo trợ xã hội' END AS field,
         received, received + ((2 + p * 3) * INTERVAL '1 day') AS due,
         CASE WHEN r1 < 0.6 THEN -1 WHEN r1 < 0.97 THEN 0 ELSE 3 END AS lateness,
         CASE WHEN r2 < 0.85 THEN 10 WHEN r2 < 0.90 THEN 9 WHEN r2 < 0.95 THEN 4
              WHEN r2 < 0.97 THEN 5 WHEN r2 < 0.99 THEN 7 ELSE 8 END AS status,
         CASE WHEN r3 < 0.55 THEN 2 WHEN r3 < 0.95 THEN 1 ELSE 3 END AS channel,
         CASE WHEN r4 < 0.9 THEN 0 WHEN r4 < 0.97 THEN 1 ELSE 2 END AS supplements,
         CASE WHEN r5 < 0.5 THEN 0 ELSE 50000 END AS fee,
         r1, r2, r3, r4, r5, r6
  FROM (
    SELECT i, CAST(floor(random() * 5) AS INTEGER) AS p,
           TIMESTAMP '2025-01-01 08:00:00' + (CAST(floor(random() * 365) AS INTEGER) * INTERVAL '1 day') AS received,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6
    FROM generate_series(CAST(:lo AS BIGINT), CAST(:hi AS BIGINT)) AS g(i)
  ) AS base
) AS rows
{order_by}
"""

LAYOUTS = {
    # unit of row i, and the physical order of each chunk
    "upload": ("CAST(1 + floor(CAST((i - 1) * :units AS DOUBLE PRECISION) / :n) AS INTEGER)", "ORDER BY unit_id, received"),
    "random": ("CAST(1 + ((i - 1) % :units) AS INTEGER)", ""),
}


def populate(url: str, n: int, m: int, chunk: int = 1_000_000, layout: str = "upload") -> None:
    """Fill an empty database with ``n`` dossiers of 2025 spread evenly over ``m`` units
    (``Xã Mẫu 001`` … ), then refresh the planner statistics."""
    unit_expr, order_by = LAYOUTS[layout]
    sql = POPULATE_SQL.format(unit_expr=unit_expr, order_by=order_by)
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    with kdb.connect(engine, write=True) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(units)).scalar_one() == 0:
            now = dt.datetime(2026, 1, 2, 8, 0)
            conn.execute(sa.insert(units), [{"name": f"Xã Mẫu {i:03d}", "created_at": now} for i in range(1, m + 1)])
        batch = conn.execute(
            sa.insert(batches).values(unit_id=1, kind="dossiers", file_name="bench", sha256="bench",
                                      as_of=dt.date(2025, 12, 31), uploaded_at=dt.datetime(2026, 1, 2, 8, 0),
                                      status="loaded").returning(batches.c.id)
        ).scalar_one()
    for lo in range(1, n + 1, chunk):
        hi = min(n, lo + chunk - 1)
        with kdb.connect(engine, write=True) as conn:
            # Same seed, same rows on PostgreSQL; DuckDB's parallel random() may still vary
            # a little between runs.
            conn.execute(sa.text("SELECT setseed(:s)"), {"s": 0.5 - lo / (2 * n + 2)})
            conn.execute(sa.text(sql), {"lo": lo, "hi": hi, "units": m, "n": n, "batch": batch})
    finish(engine)


def finish(engine: sa.Engine) -> None:
    """After a bulk fill: PostgreSQL VACUUM ANALYZE (statistics, visibility map), DuckDB
    CHECKPOINT (everything in the file, nothing left in the WAL)."""
    with kdb.connect(engine) as conn:
        if engine.dialect.name == "postgresql":  # VACUUM runs outside any transaction
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM ANALYZE dossiers")
        else:
            conn.exec_driver_sql("CHECKPOINT")


def main() -> None:
    p = argparse.ArgumentParser(description="Benchmark data generator")
    p.add_argument("--csv", type=Path, help="write an export-shaped CSV here")
    p.add_argument("--db", help="populate this database instead")
    p.add_argument("-n", type=int, default=1_000_000)
    p.add_argument("-m", type=int, default=100)
    p.add_argument("--layout", choices=sorted(LAYOUTS), default="upload")
    a = p.parse_args()
    if a.csv:
        write_csv(a.csv, a.n)
    if a.db:
        populate(a.db, a.n, a.m, layout=a.layout)


if __name__ == "__main__":
    main()
