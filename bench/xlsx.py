"""The load of a 100,000-row .xlsx export (issue 13 item 4): ``python -m bench.xlsx [--rows N]
[--runs N]``.

The workbook is ``bench.generate``'s export-shaped dossiers (the CSV benchmark's columns,
dates as text as the systems write them), one sheet, written once with xlsxwriter into
bench/out/. Measured, each as a fresh process, interleaved, medians:

- the bare read: python-calamine (the Rust reader the loader uses first) reading every cell
  of the sheet into Python lists, nothing else — DuckDB reads no .xlsx without its ``excel``
  extension, which is not installed here;
- ``python -m ingest`` of the workbook into an empty DuckDB file.

Wall time, CPU and peak memory of the whole process tree (bench.run's sampler: the parse
runs in the worker), and the CPU pressure of the machine while it ran.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bench.run import OUT, Child, pressure, run_child

UNIT = "Xã Bench"
TODAY = "2026-06-30"

BARE = """
import sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
wb = CalamineWorkbook.from_path(sys.argv[1])
rows = wb.get_sheet_by_index(0).to_python()
print(len(rows), time.perf_counter() - t)
"""


def write_xlsx(path: Path, rows: int) -> Path:
    import xlsxwriter

    from bench.generate import _frame
    import datetime as dt

    frame = _frame(rows, 11, dt.date(2025, 1, 1), 365)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Danh sách hồ sơ")
    ws.write_row(0, 0, ["DANH SÁCH HỒ SƠ TIẾP NHẬN"])
    ws.write_row(2, 0, list(frame.columns))
    for i, rec in enumerate(frame.itertuples(index=False), start=3):
        ws.write_row(i, 0, [v.item() if hasattr(v, "item") else v for v in rec])
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.xlsx", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"dossiers-{a.rows // 1000}k.xlsx"
    if not path.exists():
        write_xlsx(path, a.rows)
    db = OUT / "xlsx-load.duckdb"
    bare: list[Child] = []
    load: list[Child] = []
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB; {pressure()}")
    for _ in range(a.runs):
        bare.append(run_child([sys.executable, "-c", BARE, str(path)]))
        for f in (db, Path(str(db) + ".wal")):
            f.unlink(missing_ok=True)
        load.append(run_child([sys.executable, "-m", "ingest", "--db", f"duckdb:///{db}", "--unit", UNIT,
                               str(path)], env={"CCHC_TODAY": TODAY}))
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    med = statistics.median
    print(f"CLI: {load[-1].stdout.strip()}")
    print(f"after: {pressure()}")
    print("| | wall s (median) | CPU s (tree) | peak RSS MB (tree) | rows/s |")
    print("|---|---|---|---|---|")
    for label, runs in (("calamine bare read (process)", bare), ("`python -m ingest` (process tree)", load)):
        w = med(x.wall for x in runs)
        print(f"| {label} | {w:.2f} | {med(x.tree_cpu for x in runs):.2f} | "
              f"{max(x.tree_rss_mb for x in runs):,.0f} | {a.rows / w:,.0f} |")
    ratio = med(x.wall for x in load) / med(x.wall for x in bare)
    print(f"ratio to the bare read (wall): {ratio:.2f}x; per run: "
          + ", ".join(f"{l.wall / b.wall:.2f}x" for b, l in zip(bare, load)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
