"""The fixed cost of every command (issue 9 item 6): ``python -m bench.startup [--runs N]``.

Each command runs as a fresh process on tiny inputs, so what it costs is start-up, not work:

- ``python -c pass``: the interpreter alone (the floor);
- the stack's floor: importing SQLAlchemy and duckdb-engine, an engine, one connection and
  ``SELECT 1`` — what every command that opens the database pays before any of our code;
- ``python -m kpi --help``, ``python -m kpi snapshot --help``, ``python -m ingest --help``;
- ``python -m kpi snapshot`` (JSON) on a database of 10 dossiers;
- ``python -m ingest`` of a 10-row export into an existing (initialised, empty) database.

Every command runs ``--runs`` times (default 7), interleaved; the table shows the fastest and the
median wall time, and the median CPU time (user + kernel, from ``os.wait4``), which contention
from other processes on a shared machine inflates least. The budget is 0,5 s; the verdict reads
the fastest run. Then one run of each under ``python -X importtime`` shows who pays: the
top-level imports by cumulative time (importtime itself adds some overhead).

``--root DIR`` measures another checkout (e.g. ``git worktree add /tmp/before main``) with this
script, for a before/after. Inputs live in bench/out/startup/ (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import OUT, ROOT, pressure

BUDGET = 0.5  # seconds
UNIT = "Xã Bench"
TODAY = "2026-06-30"  # the generated finish dates reach into January 2026
WORK = OUT / "startup"


def _child(cmd: list[str], root: Path, importtime: bool = False) -> tuple[float, float, str]:
    """Run ``cmd`` (its first word is the interpreter) in ``root``; (wall, cpu, stderr)."""
    if importtime:
        cmd = [cmd[0], "-X", "importtime", *cmd[1:]]
    env = {**os.environ, "PYTHONPATH": str(root), "CCHC_TODAY": TODAY}
    env.pop("CCHC_DB_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled modules are cached
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{text[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, text


def prepare(root: Path) -> dict[str, Path]:
    """The 10-row export, an initialised empty database, and one holding the 10 rows."""
    from bench.generate import write_csv

    WORK.mkdir(parents=True, exist_ok=True)
    csv = write_csv(WORK / "tiny.csv", n=10)
    empty, loaded = WORK / "empty.duckdb", WORK / "loaded.duckdb"
    for db in (empty, loaded):
        db.unlink(missing_ok=True)
    py = sys.executable
    _child([py, "-c", "import sys; from kpi import db; db.init_db(db.get_engine(sys.argv[1]))",
            f"duckdb:///{empty}"], root)
    shutil.copyfile(empty, loaded)
    _child([py, "-m", "ingest", "--db", f"duckdb:///{loaded}", "--unit", UNIT, str(csv)], root)
    return {"csv": csv, "empty": empty, "loaded": loaded, "target": WORK / "target.duckdb"}


STACK_FLOOR = ("import sys, sqlalchemy as sa; e = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool); "
               "c = e.connect(); c.exec_driver_sql('SELECT 1').all(); c.close()")


def commands(files: dict[str, Path]) -> list[tuple[str, list[str], Path | None]]:
    """(label, command, database to reset from ``empty`` before each run)."""
    py = sys.executable
    return [
        ("python -c pass (the interpreter)", [py, "-c", "pass"], None),
        # What any command that opens the database pays before our code runs: the stack the
        # project is built on (SQLAlchemy, duckdb-engine with the PostgreSQL dialect it
        # imports, DuckDB), an engine, one connection and one statement.
        ("the stack's floor: SQLAlchemy + DuckDB, connect, SELECT 1",
         [py, "-c", STACK_FLOOR, f"duckdb:///{files['loaded']}"], None),
        ("python -m kpi --help", [py, "-m", "kpi", "--help"], None),
        ("python -m kpi snapshot --help", [py, "-m", "kpi", "snapshot", "--help"], None),
        ("python -m kpi snapshot (10 dossiers, JSON)",
         [py, "-m", "kpi", "snapshot", "--db", f"duckdb:///{files['loaded']}", "--unit", UNIT,
          "--period", "2025"], None),
        ("python -m ingest --help", [py, "-m", "ingest", "--help"], None),
        ("python -m ingest (10 rows, existing database)",
         [py, "-m", "ingest", "--db", f"duckdb:///{files['target']}", "--unit", UNIT,
          str(files["csv"])], files["target"]),
    ]


def who_pays(stderr: str, top: int = 5) -> str:
    """The top-level imports of an ``-X importtime`` run by cumulative time, and their sum."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level
            rows.append((int(cumulative) / 1e6, name.strip()))
    rows.sort(reverse=True)
    total = sum(s for s, _ in rows)
    return f"{total:.2f} s: " + ", ".join(f"{n} {s:.2f}" for s, n in rows[:top])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    a = ap.parse_args(argv)
    root = a.root.resolve()
    files = prepare(root)
    cmds = commands(files)
    print(f"# Start-up of the commands ({root}), {a.runs} runs each")
    print(f"At start: {pressure()}\n")
    walls: dict[str, list[float]] = {c[0]: [] for c in cmds}
    cpus: dict[str, list[float]] = {c[0]: [] for c in cmds}
    for _ in range(a.runs):
        for label, cmd, reset in cmds:
            if reset is not None:
                shutil.copyfile(files["empty"], reset)
            wall, cpu, _ = _child(cmd, root)
            walls[label].append(wall)
            cpus[label].append(cpu)
    print("| command | fastest s | median s | median CPU s | under 0,5 s |")
    print("|---|---|---|---|---|")
    for label, _, _ in cmds:
        best = min(walls[label])
        print(f"| {label} | {best:.3f} | {statistics.median(walls[label]):.3f} | "
              f"{statistics.median(cpus[label]):.3f} | {'yes' if best < BUDGET else 'NO'} |")
    print(f"\nAt end: {pressure()}\n")
    print("Who pays (one run under -X importtime: imports in total, then the largest top-level ones)")
    for label, cmd, reset in cmds[1:]:
        if reset is not None:
            shutil.copyfile(files["empty"], reset)
        print(f"- {label}: {who_pays(_child(cmd, root, importtime=True)[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
