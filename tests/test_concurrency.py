"""DuckDB's one-writer rule: a command-line load succeeds while another process (the
dashboard) keeps reading the same database file, and the reader never fails either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa

from kpi import db as kdb
from kpi.schema import dossiers

ROOT = Path(__file__).resolve().parent.parent

READER = textwrap.dedent(
    """
    import json, sys, time
    import sqlalchemy as sa
    from kpi import db as kdb
    from kpi.schema import dossiers
    engine = kdb.get_engine(sys.argv[1])
    stop_file = sys.argv[2]
    reads, waits, seen = 0, 0, set()
    def on_wait(_):
        global waits
        waits += 1
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with kdb.connect(engine, on_wait=on_wait) as conn:
            seen.add(conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one())
        reads += 1
        import os
        if os.path.exists(stop_file) and reads > 5:
            break
        time.sleep(0.01)
    print(json.dumps({"reads": reads, "waits": waits, "seen": sorted(seen)}))
    """
)


def write_csv(path: Path, n: int) -> None:
    lines = ["Mã hồ sơ;Tên thủ tục;Lĩnh vực;Ngày tiếp nhận;Ngày hẹn trả;Trạng thái"]
    for i in range(n):
        lines.append(f"HS-{i:06d};Chứng thực bản sao từ bản chính;Chứng thực;0{1 + i % 9}/03/2026 08:00;1{i % 9}/03/2026;Đã trả kết quả")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_cli_load_while_dashboard_reads(duck_url, tmp_path):
    csv = tmp_path / "ho-so.csv"
    write_csv(csv, 20000)
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CCHC_TODAY": "2026-11-27"}
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, duck_url, str(stop)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.5)  # the reader is up and hammering the file
        load = subprocess.run(
            [sys.executable, "-m", "ingest", "--db", duck_url, "--unit", "Xã Lộc Tân", str(csv)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )
        assert load.returncode == 0, load.stderr
        assert "thêm mới 20.000" in load.stdout
    finally:
        stop.write_text("1")
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["reads"] > 5
    # The reader saw the database before and after the load, never a half-loaded file.
    assert set(stats["seen"]) <= {0, 20000}
    assert 20000 in stats["seen"]
    with kdb.connect(kdb.get_engine(duck_url)) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == 20000
