"""Two processes on one database: a command-line load (``python -m ingest``) while another
process (the dashboard) keeps reading. The load succeeds, the reader never fails, and a read
requested while the load's write transaction is open sees the database before or after the
load, never half of it.

No sleeping and hoping: the processes tell each other where they are through flag files in a
shared folder. The loader runs ``ingest.__main__.main`` with ``kpi.db.connect`` — the one write
path — wrapped so that each write transaction, its rows written but not committed, creates
``write-open-K`` (holding the row count the transaction sees) and waits for the reader's
``reader-waiting-K``; after the commit it waits for ``reader-done-K``. The reader answers each
``write-open-K`` with a read of its own, started while that transaction is open:
- DuckDB lets one process at a time open the file, so that read waits for the lock (its
  ``on_wait`` creates ``reader-waiting-K``) and, once the loader commits and closes, sees every
  row;
- PostgreSQL lets it through at once, and it sees none of the uncommitted rows.
``load-start`` and ``load-end`` bracket the loader's ``main``, so the reader knows which of its
reads fell strictly inside the load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

from kpi import db as kdb
from kpi.schema import dossiers

ROOT = Path(__file__).resolve().parent.parent
ROWS = 20000

FLAGS = textwrap.dedent(
    """
    import os, time
    from pathlib import Path

    def flag(folder, name, text=""):
        tmp = Path(folder) / (name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, Path(folder) / name)  # appears with its content, all at once

    def wait_for(path, seconds=90):
        deadline = time.monotonic() + seconds
        while not path.exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"gave up waiting for {path.name}")
            time.sleep(0.005)
    """
)

LOADER = FLAGS + textwrap.dedent(
    """
    import contextlib, itertools, sys
    import sqlalchemy as sa
    from kpi import db as kdb
    from kpi.schema import dossiers

    flags, argv = Path(sys.argv[1]), sys.argv[2:]
    real_connect, numbers = kdb.connect, itertools.count(1)

    @contextlib.contextmanager
    def connect(engine, *, write=False, **kw):
        k = None
        with real_connect(engine, write=write, **kw) as conn:
            yield conn
            if write:  # written, not yet committed
                k = next(numbers)
                rows = conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one()
                flag(flags, f"write-open-{k}", str(rows))
                wait_for(flags / f"reader-waiting-{k}")
        if k is not None:  # committed and closed: the reader's read goes through now
            wait_for(flags / f"reader-done-{k}")

    kdb.connect = connect
    flag(flags, "load-start")
    from ingest.__main__ import main
    rc = main(argv)
    flag(flags, "load-end")
    sys.exit(rc)
    """
)

READER = FLAGS + textwrap.dedent(
    """
    import json, sys
    import sqlalchemy as sa
    from kpi import db as kdb
    from kpi.schema import dossiers

    engine, flags = kdb.get_engine(sys.argv[1]), Path(sys.argv[2])
    reads, answered = [], set()

    def unanswered_write():
        names = [p.name for p in flags.glob("write-open-*") if not p.name.endswith(".tmp")]
        return next((n for n in sorted(int(x.rsplit("-", 1)[1]) for x in names)
                     if n not in answered), None)

    deadline = time.monotonic() + 240
    while not (flags / "load-end").exists() and time.monotonic() < deadline:
        started = (flags / "load-start").exists()
        k, waits = unanswered_write(), 0

        def on_wait(_seconds):  # the file is locked: by a write transaction that waits for us?
            global k, waits
            waits += 1
            k = k if k is not None else unanswered_write()
            if k is not None:
                flag(flags, f"reader-waiting-{k}")

        with kdb.connect(engine, on_wait=on_wait) as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one()
        ended = (flags / "load-end").exists()
        if k is not None:
            flag(flags, f"reader-waiting-{k}")  # (no lock to wait for on PostgreSQL)
            flag(flags, f"reader-done-{k}")
            answered.add(k)
        reads.append({"count": count, "waits": waits, "write": k,
                      "uncommitted": int((flags / f"write-open-{k}").read_text()) if k else None,
                      "within": started and not ended})
        if len(reads) == 1:
            flag(flags, "reader-ready")
        time.sleep(0.01)  # pace the reads (not a wait for anything)
    print(json.dumps(reads))
    """
)


def write_csv(path: Path, n: int) -> None:
    lines = ["Mã hồ sơ;Tên thủ tục;Lĩnh vực;Ngày tiếp nhận;Ngày hẹn trả;Trạng thái"]
    for i in range(n):
        lines.append(f"HS-{i:06d};Chứng thực bản sao từ bản chính;Chứng thực;0{1 + i % 9}/03/2026 08:00;1{i % 9}/03/2026;Đã trả kết quả")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _wait_for_flag(path: Path, proc: subprocess.Popen) -> None:
    """Until ``path`` exists (the reader's first read done), or the reader has died."""
    import time

    deadline = time.monotonic() + 90
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the reader never read"
        time.sleep(0.01)


def test_cli_load_while_dashboard_reads(db_url, tmp_path):
    csv = tmp_path / "ho-so.csv"
    write_csv(csv, ROWS)
    flags = tmp_path / "flags"
    flags.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CCHC_TODAY": "2026-11-27"}
    reader = subprocess.Popen([sys.executable, "-c", READER, db_url, str(flags)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_flag(flags / "reader-ready", reader)
        load = subprocess.run(
            [sys.executable, "-c", LOADER, str(flags), "--db", db_url, "--unit", "Xã Lộc Tân",
             str(csv)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert load.returncode == 0, load.stderr
        assert f"thêm mới {ROWS:,}".replace(",", ".") in load.stdout
    finally:
        (flags / "load-end").touch()  # the reader stops even if the load failed
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    reads = json.loads(out.strip().splitlines()[-1])
    # Whatever the reader saw, before, during or after: nothing or everything.
    assert {r["count"] for r in reads} <= {0, ROWS}
    # The read requested while the load's rows were written but not committed…
    during = [r for r in reads if r["uncommitted"] == ROWS]
    assert len(during) == 1, reads
    read = during[0]
    assert read["within"], "that read did not fall inside the load"
    if db_url.startswith("duckdb"):  # …waited for the loader's lock, then saw every row
        assert read["waits"] >= 1 and read["count"] == ROWS
    else:  # …went through at once and saw none of the uncommitted rows
        assert read["waits"] == 0 and read["count"] == 0
    with kdb.connect(kdb.get_engine(db_url)) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == ROWS
