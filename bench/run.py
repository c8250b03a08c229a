"""The benchmark of issue 3 item 7: ``python -m bench.run [--quick]`` (``make bench``).

Prints, and writes to bench/out/results.{md,json}:
(a) load throughput of ``python -m ingest`` (the real command line, a subprocess) on an
    export-shaped CSV into an empty DuckDB file, beside DuckDB's own
    ``CREATE TABLE t AS SELECT * FROM read_csv(…)`` of the same file, as a ratio; where the
    time of the load goes (stage timers + cProfile); the same load with the proposed loader
    change (bench/loadfix.py), checked to store the same rows;
(b) snapshot latency (``kpi.queries.snapshot``) for one unit-month, one unit-year and all units
    for a year, at 1M and 5M dossiers over 100 units on DuckDB, and at 1M on PostgreSQL:
    cold = the first call in a fresh process, warm = the calls after it; medians;
(c) the all-units-year snapshot computed by a straightforward pandas implementation
    (bench/pandas_snapshot.py), its numbers checked equal to the SQL ones, as a ratio;
(d) peak memory (ru_maxrss) of every measured subprocess, taken with os.wait4 per child.

Every measured part runs in its own subprocess, so peaks and caches are separate. Wall time
and CPU time (user + system, all threads) are both recorded: this machine is shared, and CPU
time is what contention from other processes inflates least. Databases and the CSV live in
bench/out/ (git-ignored); the 5M databases and the PostgreSQL schema are removed at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "bench"
TODAY = "2026-01-02"  # the benchmark year 2025 is over: periods are judged at their end
LOAD_TODAY = "2026-06-30"  # generated finish dates reach into January 2026
UNIT_ONE = "Xã Mẫu 001"
CSV_UNIT = "Xã Bench"
SCENARIOS = [
    ("unit-month", UNIT_ONE, "2025-03"),
    ("unit-year", UNIT_ONE, "2025"),
    ("all-units-year", None, "2025"),
]


# ------------------------------------------------------------------------------ subprocesses


@dataclass
class Child:
    cmd: list[str]
    rc: int
    wall: float
    cpu: float  # user + system seconds, all threads
    sys: float  # system (kernel) seconds: page faults, I/O
    maxrss_mb: float
    stdout: str
    stderr: str
    result: dict = field(default_factory=dict)
    # The whole process tree (the command and its descendants: the parse worker runs in a
    # fork server's child, whose memory and CPU os.wait4 does not report), sampled every
    # 20 ms from /proc: peak of the summed RSS, and the CPU seconds last seen per process.
    tree_rss_mb: float = 0.0
    tree_cpu: float = 0.0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class _TreeSampler:
    """Samples a process and its descendants from /proc until stopped (Linux only)."""

    def __init__(self, pid: int):
        import threading

        self.root, self.peak_kb, self.cpu = pid, 0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat", "rb") as fh:
                        ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/status", "rb") as fh:
                        for line in fh:
                            if line.startswith(b"VmRSS:"):
                                total += int(line.split()[1])
                    with open(f"/proc/{pid}/stat", "rb") as fh:
                        f = fh.read().rsplit(b")", 1)[1].split()
                    self.cpu[pid] = (int(f[11]) + int(f[12])) / _TICK  # utime + stime, own
                except (OSError, IndexError, ValueError):
                    continue
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(0.02)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024, sum(self.cpu.values())


def run_child(cmd: list[str], env: dict | None = None) -> Child:
    """Run a command; its own rusage (os.wait4), so every child's peak memory is its own."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=err)
        sampler = _TreeSampler(p.pid) if os.path.isdir("/proc") else None
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        tree_rss, tree_cpu = sampler.stop() if sampler else (0.0, 0.0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        child = Child(cmd, p.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_stime, ru.ru_maxrss / 1024,
                      out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                      tree_rss_mb=max(tree_rss, ru.ru_maxrss / 1024),
                      tree_cpu=max(tree_cpu, ru.ru_utime + ru.ru_stime))
    if child.rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({child.rc}):\n{child.stderr[-3000:]}")
    return child


def worker(name: str, today: str = TODAY, **kw) -> Child:
    """Run ``bench.run --worker name`` in a subprocess; its last stdout line is JSON."""
    child = run_child([sys.executable, "-m", "bench.run", "--worker", name, json.dumps(kw)],
                      env={"CCHC_TODAY": today})
    child.result = json.loads(child.stdout.strip().splitlines()[-1])
    return child


# ------------------------------------------------------------------------------------ workers
# Each runs inside its own process and prints one JSON line.


def w_duck_read(csv: str, db: str, primary_key: bool = False) -> dict:
    """DuckDB's own CSV read into a table; with ``primary_key``, into a table that has the
    dossiers table's key (unit, dossier code), for context."""
    import duckdb

    Path(db).unlink(missing_ok=True)
    con = duckdb.connect(db)
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    if primary_key:
        con.execute(f"CREATE TABLE t AS SELECT 1 AS unit_id, * FROM read_csv('{csv}') LIMIT 0")
        con.execute('ALTER TABLE t ADD PRIMARY KEY (unit_id, "Mã hồ sơ")')
        con.execute(f"INSERT INTO t SELECT 1, * FROM read_csv('{csv}')")
    else:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    seconds = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return {"seconds": seconds, "rows": rows}


def w_populate(url: str, n: int, m: int, layout: str) -> dict:
    from bench.generate import populate

    t0 = time.perf_counter()
    populate(url, n, m, layout=layout)
    return {"seconds": time.perf_counter() - t0}


def w_snapshot(url: str, unit: str | None, period: str, warm: int) -> dict:
    from kpi import db as kdb
    from kpi import queries as Q

    engine = kdb.get_engine(url)
    today = dt.date.fromisoformat(TODAY)
    times = []
    snap = None
    for _ in range(1 + warm):
        t0 = time.perf_counter()
        snap = Q.snapshot(engine, unit, period, today=today)
        times.append(time.perf_counter() - t0)
    return {"cold": times[0], "warm": times[1:], "snapshot": snap.to_json()}


def w_pandas(url: str, unit: str | None, period: str, fetch: str) -> dict:
    from bench.pandas_snapshot import snapshot_pandas
    from kpi import db as kdb
    from kpi.periods import parse_period

    p = parse_period(period)
    r = snapshot_pandas(kdb.get_engine(url), unit, p.start, p.effective_end(dt.date.fromisoformat(TODAY)), fetch)
    r["ratios"] = {f"{k}|{v}": list(x) for (k, v), x in r["ratios"].items()}
    return r


def w_profile_load(csv: str, db: str, unit: str, prof: str) -> dict:
    """The steps of ``load_file`` one by one, with timers around the reader's and loader's
    parts, under cProfile; returns seconds per stage."""
    t_imp = time.perf_counter()
    import cProfile
    import pstats

    from ingest import files as F
    from ingest import load as L
    from ingest import reader as R
    from ingest import values as X
    from kpi import db as kdb

    imports = time.perf_counter() - t_imp
    stages: dict[str, float] = {}

    def timed(mod, name, stage):
        fn = getattr(mod, name)

        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - t0

        setattr(mod, name, wrapper)

    timed(F, "_read_csv_arrow", "read: CSV tokenising (pyarrow)")
    timed(F, "_finish_csv", "read: trailing blank rows")
    timed(X, "as_text", "read: text clean-up (as_text)")
    timed(R, "_data_rows", "read: data-row / footer detection")
    for n in ("parse_dates", "parse_status", "parse_channel", "parse_count", "parse_bool",
              "parse_amount", "parse_paid_online", "parse_text", "parse_text_arrow"):
        timed(X, n, "read: typed parsing (parse_*)")
    timed(R, "_build_frame", "read: build frame")
    timed(R, "_deduplicate", "read: duplicate check")
    timed(L, "_stage", "db: frame → staging table")
    timed(L, "_upsert", "_upsert")

    R.PARALLEL_ROWS = 10**12  # one thread, so that the stages add up to the reader's time
    Path(db).unlink(missing_ok=True)
    url = f"duckdb:///{db}"
    prof_obj = cProfile.Profile()
    prof_obj.enable()
    t0 = time.perf_counter()
    data = Path(csv).read_bytes()
    sha = L.sha256_of(data)
    t1 = time.perf_counter()
    parsed = R.parse_file(data, Path(csv).name)
    t2 = time.perf_counter()
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    t3 = time.perf_counter()
    L.load_parsed(engine, parsed, file_name=Path(csv).name, sha256=sha, unit=unit)
    t4 = time.perf_counter()
    prof_obj.disable()
    prof_obj.dump_stats(prof)
    with open(prof + ".txt", "w") as fh:
        st = pstats.Stats(prof, stream=fh)
        st.sort_stats("tottime").print_stats(25)
        st.sort_stats("cumulative").print_stats(40)

    read_parts = {k: v for k, v in stages.items() if k.startswith("read:")}
    out = {"start-up: imports": imports, "file bytes + SHA-256": t1 - t0}
    out.update(read_parts)
    out["read: other (header, validation, rejects)"] = (t2 - t1) - sum(read_parts.values())
    out["db: create tables (init_db)"] = t3 - t2
    out["db: frame → staging table"] = stages.get("db: frame → staging table", 0.0)
    out["db: upsert SQL (join, insert … select)"] = stages["_upsert"] - out["db: frame → staging table"]
    out["db: upload log + commit (indexes, checkpoint)"] = (t4 - t3) - stages["_upsert"]
    return {"stages": out, "total": imports + (t4 - t0)}


def w_compare_tables(a: str, b: str) -> dict:
    """Rows of dossiers in one DuckDB file and not the other (both ways), and row counts."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' "
                                      "AND table_name = 'dossiers' ORDER BY column_index").fetchall()]
    sel = ", ".join(f'"{c}"' for c in cols)
    only_a = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM a.dossiers EXCEPT ALL SELECT {sel} FROM b.dossiers)").fetchone()[0]
    only_b = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM b.dossiers EXCEPT ALL SELECT {sel} FROM a.dossiers)").fetchone()[0]
    n = con.execute("SELECT count(*) FROM a.dossiers").fetchone()[0]
    return {"only_a": only_a, "only_b": only_b, "rows": n}


def w_pg(action: str, url: str) -> dict:
    import sqlalchemy as sa

    eng = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with eng.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if action in ("create", "drop"):
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        if action == "create":
            conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        size = None
        if action == "size":
            size = conn.exec_driver_sql(
                f"SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                f"ON n.oid = c.relnamespace WHERE n.nspname = '{PG_SCHEMA}'").scalar()
    return {"version": version, "bytes": int(size) if size is not None else None}


WORKERS = {
    "duck_read": w_duck_read, "populate": w_populate, "snapshot": w_snapshot,
    "pandas": w_pandas, "profile_load": w_profile_load, "compare_tables": w_compare_tables,
    "pg": w_pg,
}


# ------------------------------------------------------------------------------------ helpers


def pressure() -> str:
    """CPU pressure (share of time some runnable task waited for a CPU) and load average."""
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
        avg60 = some.split("avg60=")[1].split()[0]
    except (OSError, IndexError):
        avg60 = "?"
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"CPU pressure avg60 {avg60}%, load {' '.join(load)}"


def machine() -> dict:
    import duckdb
    import numpy
    import pandas
    import pyarrow
    import sqlalchemy

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(int(mem.split()[1]) / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


def med(xs) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


class Report:
    def __init__(self):
        self.lines: list[str] = []
        self.data: dict = {}

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def table(self, header: list[str], rows: list[list]) -> None:
        self("| " + " | ".join(header) + " |")
        self("|" + "|".join("---" for _ in header) + "|")
        for r in rows:
            self("| " + " | ".join(str(x) for x in r) + " |")
        self()


def n_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


# ------------------------------------------------------------------------------------ sections


LOAD_VARIANTS = [
    # (key, label, BENCH_LOADFIX or None for the real CLI)
    ("ingest", "`python -m ingest` (real CLI, as is)", None),
    # The allocator, index and primary-key changes measured in earlier runs are in the code
    # now (no primary key on DuckDB since migration 0008: the loader checks the key). The
    # load with the key, as before, for context and as the reference for the same rows.
    ("with_pk", "+ primary key on DuckDB, as before migration 0008 (context)", "keys_enforced"),
]


def bench_load(rep: Report, rows: int, repeats: int, variants: list) -> None:
    from bench.generate import write_csv

    csv = OUT / f"dossiers-{n_label(rows)}.csv"
    if not csv.exists():
        write_csv(csv, rows)
    size_mb = csv.stat().st_size / 1e6
    rep(f"## (a) Load: {rows:,} dossiers, CSV {size_mb:.0f} MB, into an empty DuckDB file")
    rep(f"_{pressure()}_")
    rep()
    raw_db = OUT / "load-read_csv.duckdb"
    dbs = {k: OUT / f"load-{k}.duckdb" for k, _, _ in variants}
    runs: dict[str, list[Child]] = {"read_csv": [], "read_csv_pk": [], **{k: [] for k, _, _ in variants}}
    for _ in range(repeats):  # interleaved, so contention hits all alike
        runs["read_csv"].append(worker("duck_read", csv=str(csv), db=str(raw_db)))
        runs["read_csv_pk"].append(worker("duck_read", csv=str(csv), db=str(raw_db), primary_key=True))
        for key, _, fix in variants:
            dbs[key].unlink(missing_ok=True)
            Path(str(dbs[key]) + ".wal").unlink(missing_ok=True)
            module = ["ingest"] if fix is None else ["bench.loadfix"]
            runs[key].append(run_child(
                [sys.executable, "-m", *module, "--db", f"duckdb:///{dbs[key]}", "--unit", CSV_UNIT, str(csv)],
                env={"CCHC_TODAY": LOAD_TODAY, "BENCH_LOADFIX": fix or ""}))
    line = runs["ingest"][0].stdout.strip()
    same = {k: worker("compare_tables", a=str(dbs["ingest"]), b=str(dbs[k])).result
            for k, _, fix in variants if fix}
    stmt = med([c.result["seconds"] for c in runs["read_csv"]])
    base_w = med([x.wall for x in runs["read_csv"]])
    base_c = med([x.cpu for x in runs["read_csv"]])
    ratio = {k: (med([x.wall for x in runs[k]]) / base_w, med([x.cpu for x in runs[k]]) / base_c)
             for k in runs}

    def row(label, key, extra):
        cs = runs[key]
        w = med([x.wall for x in cs])
        return [label, fmt_s(w), fmt_s(med([x.cpu for x in cs])), fmt_s(med([x.tree_cpu for x in cs])),
                f"{rows / w:,.0f}", f"{max(x.maxrss_mb for x in cs):,.0f}",
                f"{max(x.tree_rss_mb for x in cs):,.0f}", extra]

    table = [row("DuckDB `read_csv` → table (process)", "read_csv", f"1 (statement alone {fmt_s(stmt)} s)"),
             row("DuckDB `read_csv` → table with primary key (context)", "read_csv_pk",
                 f"{ratio['read_csv_pk'][0]:.2f}x / {ratio['read_csv_pk'][1]:.2f}x")]
    for key, label, fix in variants:
        r = f"{ratio[key][0]:.2f}x / {ratio[key][1]:.2f}x"
        table.append(row(label, key, f"**{r}**" if key == "ingest" else r))
    rep.table(["", "wall s (median)", "CPU s (process)", "CPU s (process tree)", "rows/s (wall)",
               "peak RSS MB (process)", "peak RSS MB (tree, summed)", "ratio to DuckDB, wall / CPU"], table)
    rep(f"Runs: {repeats}, interleaved. CLI output: `{line}`")
    for k, v in same.items():
        rep(f"Variant '{k}' stores the same dossier rows as the real CLI: "
            f"{v['only_a'] == v['only_b'] == 0} ({v['rows']:,} rows, {v['only_a']} + {v['only_b']} differing)")
    rep(f"Goal load ≤ 3x DuckDB's read: {'met' if ratio['ingest'][0] <= 3 else 'MISSED'} "
        f"({ratio['ingest'][0]:.2f}x wall, {ratio['ingest'][1]:.2f}x CPU)")
    rep()

    prof = worker("profile_load", today=LOAD_TODAY, csv=str(csv), db=str(OUT / "load-profile.duckdb"),
                  unit=CSV_UNIT, prof=str(OUT / "ingest.prof"))
    st = prof.result["stages"]
    total = sum(st.values())
    rep(f"Where the load's time goes (the real code, one in-process run under cProfile, {fmt_s(total)} s, "
        f"of which {fmt_s(prof.sys)} s kernel; profile in bench/out/ingest.prof.txt):")
    rep()
    rep.table(["stage", "s", "share"],
              [[k, fmt_s(v), f"{100 * v / total:.0f}%"] for k, v in sorted(st.items(), key=lambda kv: -kv[1])])
    for f in (*dbs.values(), raw_db, OUT / "load-profile.duckdb"):
        f.unlink(missing_ok=True)
    rep.data["load"] = {
        "rows": rows, "csv_mb": size_mb, "stages": st, "same_rows": same,
        "runs": {k: [asdict(x) | {"stdout": "", "stderr": ""} for x in v] for k, v in runs.items()},
        "ratio": ratio, "ratio_wall": ratio["ingest"][0], "ratio_cpu": ratio["ingest"][1],
    }


def bench_snapshots(rep: Report, label: str, url: str, n: int, procs: int, warm: int) -> dict:
    rep(f"### {label}, {n:,} dossiers")
    rep(f"_{pressure()}_")
    rep()
    rows, out = [], {}
    for name, unit, period in SCENARIOS:
        cs = [worker("snapshot", url=url, unit=unit, period=period, warm=warm) for _ in range(procs)]
        cold = [c.result["cold"] for c in cs]
        warms = [t for c in cs for t in c.result["warm"]]
        snap = cs[-1].result["snapshot"]
        ot = next(k for k in snap["kpis"] if k["key"] == "on_time_rate")
        out[name] = {"cold": cold, "warm": warms, "maxrss_mb": max(c.maxrss_mb for c in cs), "snapshot": snap}
        rows.append([name, f"{unit or 'all'} / {period}", fmt_s(med(cold)), fmt_s(med(warms)),
                     fmt_s(min(warms)), f"{max(c.maxrss_mb for c in cs):,.0f}",
                     f"{snap['counts']['received']:,}", f"{ot['numerator']:,}/{ot['denominator']:,}"])
    rep.table(["snapshot", "unit / period", "cold s (median)", "warm s (median)", "warm best", "peak RSS MB",
               "received", "on-time 766"], rows)
    rep(f"{procs} processes × (1 cold + {warm} warm calls) each.")
    rep()
    return out


def bench_pandas(rep: Report, label: str, url: str, sql: dict, runs: int, fetches: tuple) -> dict:
    _, unit, period = SCENARIOS[2]
    sql_warm = med(sql["warm"])
    sql_cold = med(sql["cold"])
    rows, out = [], {}
    for fetch in fetches:
        cs = [worker("pandas", url=url, unit=unit, period=period, fetch=fetch) for _ in range(runs)]
        res = cs[-1].result
        from bench.pandas_snapshot import compare_with

        ratios = {tuple(k.split("|")): tuple(v) for k, v in res["ratios"].items()}
        diffs = compare_with(sql["snapshot"], {"ratios": ratios, "counts": res["counts"]})
        total = med([c.result["seconds"]["total"] for c in cs])
        load = med([c.result["seconds"]["load"] for c in cs])
        comp = med([c.result["seconds"]["compute"] for c in cs])
        out[fetch] = {"total": total, "load": load, "compute": comp, "rows": res["rows_loaded"],
                      "maxrss_mb": max(c.maxrss_mb for c in cs), "equal": not diffs, "diffs": diffs,
                      "ratio_warm": total / sql_warm, "ratio_cold": total / sql_cold}
        rows.append([f"pandas, fetch by {'pandas.read_sql' if fetch == 'read_sql' else 'DuckDB → DataFrame (Arrow)'}",
                     fmt_s(total), fmt_s(load), fmt_s(comp), f"{res['rows_loaded']:,}",
                     f"{max(c.maxrss_mb for c in cs):,.0f}", "yes" if not diffs else "NO: " + "; ".join(diffs[:3]),
                     f"**{total / sql_warm:.1f}x** / {total / sql_cold:.1f}x"])
    rep(f"#### {label}: all-units-year by pandas (SQL warm {fmt_s(sql_warm)} s, cold {fmt_s(sql_cold)} s)")
    rep()
    rep.table(["implementation", "total s", "load s", "compute s", "rows loaded", "peak RSS MB",
               "numbers equal SQL", "SQL faster by (vs warm / cold)"], rows)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat (about a minute)")
    ap.add_argument("--rows", type=int, help="CSV rows for the load benchmark (default 1M; quick 100k)")
    ap.add_argument("--sizes", help="dossier counts for the snapshots, comma-separated (default 1M,5M)")
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--layout", choices=("upload", "random"), default="upload",
                    help="row order of the generated databases (see bench/generate.py)")
    ap.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server (a schema 'bench' is used, then dropped)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--skip-snapshot", action="store_true")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated databases in bench/out")
    ap.add_argument("--worker", nargs=2, metavar=("NAME", "JSON"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        name, kw = a.worker
        print(json.dumps(WORKERS[name](**json.loads(kw)), default=str))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    rows = a.rows or (100_000 if a.quick else 1_000_000)
    sizes = [int(x) for x in a.sizes.split(",")] if a.sizes else (
        [100_000, 500_000] if a.quick else [1_000_000, 5_000_000])
    repeats = 1 if a.quick else 3
    procs, warm = (2, 3) if a.quick else (3, 5)

    rep = Report()
    info = machine()
    rep(f"# Benchmark run {dt.datetime.now():%Y-%m-%d %H:%M} ({'quick' if a.quick else 'full'})")
    rep()
    rep(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gb']} GB RAM, Linux {info['kernel']}; "
        f"Python {info['python']}, DuckDB {info['duckdb']}, pandas {info['pandas']}, pyarrow {info['pyarrow']}, "
        f"NumPy {info['numpy']}, SQLAlchemy {info['sqlalchemy']}")
    rep(f"At start: {pressure()}")
    rep()
    rep.data["machine"] = info
    t_start = time.perf_counter()

    if not a.skip_load:
        variants = LOAD_VARIANTS if not a.quick else [v for v in LOAD_VARIANTS if v[0] == "ingest"]
        bench_load(rep, rows, repeats, variants)

    if not a.skip_snapshot:
        rep(f"## (b) Snapshot latency, {a.units} units, rows laid out '{a.layout}'")
        rep()
        snaps, pandas_res = {}, {}
        for n in sizes:
            db = OUT / f"snap-{n_label(n)}-{a.layout}.duckdb"
            db.unlink(missing_ok=True)
            pop = worker("populate", url=f"duckdb:///{db}", n=n, m=a.units, layout=a.layout)
            label = f"DuckDB {n_label(n)}"
            rep(f"(generated {n:,} dossiers in {fmt_s(pop.wall)} s; file {db.stat().st_size / 1e6:,.0f} MB)")
            snaps[label] = bench_snapshots(rep, label, f"duckdb:///{db}", n, procs, warm)
            fetches = ("read_sql", "arrow")
            if not a.skip_pandas:
                pandas_res[label] = bench_pandas(rep, label, f"duckdb:///{db}", snaps[label]["all-units-year"],
                                                 1 if n > 1_000_000 or a.quick else 2, fetches)
            if not a.keep:
                db.unlink(missing_ok=True)
        if not a.no_pg:
            n = sizes[0]
            sep = "&" if "?" in a.pg_url else "?"
            url = f"{a.pg_url}{sep}options=-csearch_path%3D{PG_SCHEMA}"
            try:
                version = worker("pg", action="create", url=a.pg_url).result["version"]
            except RuntimeError as exc:
                rep(f"PostgreSQL skipped: {str(exc).splitlines()[-1]}")
                version = None
            if version:
                try:
                    pop = worker("populate", url=url, n=n, m=a.units, layout=a.layout)
                    pg_bytes = worker("pg", action="size", url=a.pg_url).result["bytes"]
                    label = f"PostgreSQL {version} {n_label(n)}"
                    rep(f"(generated {n:,} dossiers in {fmt_s(pop.wall)} s; schema {pg_bytes / 1e6:,.0f} MB)")
                    snaps[label] = bench_snapshots(rep, label, url, n, procs, warm)
                    tuned = url + "%20-cjit%3Doff%20-cwork_mem%3D256MB"
                    _, unit, period = SCENARIOS[2]
                    cs = [worker("snapshot", url=tuned, unit=unit, period=period, warm=warm) for _ in range(procs)]
                    tw = med([t for c in cs for t in c.result["warm"]])
                    tc = med([c.result["cold"] for c in cs])
                    same = cs[-1].result["snapshot"]["kpis"] == snaps[label]["all-units-year"]["snapshot"]["kpis"]
                    snaps[label]["all-units-year, jit=off work_mem=256MB"] = {
                        "cold": [c.result["cold"] for c in cs], "warm": [t for c in cs for t in c.result["warm"]]}
                    rep(f"Same all-units-year snapshot with the session settings `jit=off`, `work_mem=256MB` "
                        f"(HashAggregate instead of a sort spilled to disk, no JIT compilation): warm "
                        f"{fmt_s(tw)} s, cold {fmt_s(tc)} s; same KPIs: {same}")
                    rep()
                    if not a.skip_pandas:
                        pandas_res[label] = bench_pandas(rep, label, url, snaps[label]["all-units-year"], 1,
                                                         ("read_sql",))
                finally:
                    if not a.keep:
                        worker("pg", action="drop", url=a.pg_url)
        rep.data["snapshots"] = snaps
        rep.data["pandas"] = pandas_res

        big = f"DuckDB {n_label(sizes[-1])}"
        w = med(snaps[big]["all-units-year"]["warm"])
        c = med(snaps[big]["all-units-year"]["cold"])
        pr = pandas_res[big]["read_sql"]["ratio_warm"] if big in pandas_res else float("nan")
        rep("## Goals")
        rep()
        if "load" in rep.data:
            r = rep.data["load"]
            rep(f"- Load within 3x DuckDB's bare read: {r['ratio_wall']:.2f}x wall, {r['ratio_cpu']:.2f}x CPU "
                f"→ {'met' if r['ratio_wall'] <= 3 else 'missed'}")
        rep(f"- All-units-year snapshot under 1 s at {n_label(sizes[-1])}: warm {fmt_s(w)} s, cold {fmt_s(c)} s "
            f"→ {'met' if w < 1 else 'missed'}")
        if big in pandas_res:
            rep(f"- SQL ≥ 10x faster than pandas at {n_label(sizes[-1])}: {pr:.1f}x (vs warm SQL) "
                f"→ {'met' if pr >= 10 else 'missed'}")
        rep()

    rep(f"At end: {pressure()}; benchmark took {time.perf_counter() - t_start:.0f} s")
    (OUT / "results.md").write_text("\n".join(rep.lines) + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(rep.data, indent=1, default=str, ensure_ascii=False),
                                      encoding="utf-8")
    print(f"\nWritten: {OUT / 'results.md'}, {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
