"""``python -m kpi backup`` / ``restore`` (access.md "Backups"): a consistent copy taken under
the writer's lock while another process writes or loads; a restored copy opens with the same
counts, numbers, accounts, audit log and schema revision; a non-empty database is never
overwritten without --force; PostgreSQL points to pg_dump / pg_restore."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import __main__ as cli
from kpi import accounts as A
from kpi import audit, migrate
from kpi import backup as B
from kpi import db as kdb
from kpi import queries as Q
from kpi import schema as S
from tests.test_concurrency import write_csv
from tests.fixtures import insert, make_unit, ts

ROOT = Path(__file__).resolve().parent.parent
UNIT = "Xã Lộc Tân"
ENV = {"PYTHONPATH": str(ROOT), "CCHC_TODAY": "2026-04-02"}


def kpi(*args, env=None, timeout=180):
    e = {**os.environ, **ENV, **(env or {})}
    e.pop("CCHC_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=ROOT, env=e,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def _populate(url: str) -> None:
    engine = kdb.get_engine(url)
    uid = make_unit(engine, UNIT)
    make_unit(engine, "Phường Bắc Hà")
    insert(engine, S.dossiers, uid, [
        dict(dossier_code="A", status=10, received_at=ts("2026-03-02 08:00"),
             due_at=ts("2026-03-10"), finished_at=ts("2026-03-05"), channel=2),
        dict(dossier_code="B", status=10, received_at=ts("2026-03-03 08:00"),
             due_at=ts("2026-03-04"), finished_at=ts("2026-03-09"), channel=1),
        dict(dossier_code="C", status=4, received_at=ts("2026-03-04 08:00"),
             due_at=ts("2026-04-20"), channel=1),
    ])
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="dossiers", file_name="ho-so.xlsx", sha256="ab" * 32,
            uploaded_at=dt.datetime(2026, 4, 1, 8, 0), inserted=3))
        audit.record(conn, "lan", "upload", uid, "Tải lên tệp ho-so.xlsx",
                     {"file_name": "ho-so.xlsx", "sha256": "ab" * 32, "inserted": 3})
    A.add_account(engine, "quantri", "mat-khau-quan-tri", "admin")
    A.add_account(engine, "lan", "mat-khau-can-bo", "staff", [UNIT])
    A.authenticate(engine, "lan", "mat-khau-can-bo")
    A.authenticate(engine, "lan", "sai-mat-khau")


def _state(url: str) -> dict:
    """What a restored copy must give back."""
    engine = kdb.get_engine(url)
    with kdb.connect(engine) as conn:
        counts = B.table_counts(conn)
        revision = migrate.current_revision(conn)
        hashes = dict(conn.execute(sa.select(S.accounts.c.username, S.accounts.c.password_hash)).all())
    log = audit.query(engine)
    snapshot = Q.snapshot(engine, UNIT, "2026-03", today=dt.date(2026, 4, 2)).to_json()
    return {"counts": counts, "revision": revision, "hashes": hashes,
            "accounts": A.list_accounts(engine),
            "log": log.drop(columns=["id"]).to_dict("records"), "snapshot": snapshot}


def test_backup_then_restore_into_an_empty_path(duck_url, tmp_path):
    _populate(duck_url)
    out = tmp_path / "sao-luu-2026-04-02"
    r = kpi("backup", "--db", duck_url, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Đã sao lưu {kdb.duckdb_file(duck_url)} vào {out}: 3 hồ sơ, "
                               "1 lần tải dữ liệu, 2 tài khoản, 6 dòng nhật ký.")
    source = _state(duck_url)
    assert source["log"][0]["action"] == "backup"  # the copy holds its own record
    manifest = json.loads((out / B.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["counts"] == source["counts"]
    assert manifest["alembic_revision"] == migrate.head_revision()
    assert sorted(p.name for p in out.iterdir()) == ["cchc.duckdb", "sao-luu.json"]

    restored_path = tmp_path / "moi" / "cchc.duckdb"
    restored_url = f"duckdb:///{restored_path}"
    r = kpi("restore", str(out), "--db", restored_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Đã khôi phục {restored_path} từ {out} (bản sao lưu lúc ")
    restored = _state(restored_url)
    assert restored["revision"] == source["revision"] == migrate.head_revision()
    assert restored["accounts"] == source["accounts"]
    assert restored["hashes"] == source["hashes"]
    assert restored["snapshot"] == source["snapshot"]
    assert restored["snapshot"]["counts"]["received"] == 3
    # The same log, plus the restore's own record on top.
    assert restored["log"][1:] == source["log"]
    assert restored["log"][0]["action"] == "restore"
    assert restored["log"][0]["actor"] == "dòng lệnh"
    assert restored["counts"] == {**source["counts"], "audit_log": source["counts"]["audit_log"] + 1}
    # The accounts sign in on the restored copy.
    assert isinstance(A.authenticate(kdb.get_engine(restored_url), "lan", "mat-khau-can-bo"),
                      A.Session)


def test_restore_never_overwrites_data_without_force(duck_url, tmp_path):
    _populate(duck_url)
    out = tmp_path / "bk"
    assert B.backup(kdb.get_engine(duck_url), out)["counts"]["dossiers"] == 3
    target_url = f"duckdb:///{tmp_path / 'other.duckdb'}"
    target = kdb.get_engine(target_url)
    kdb.init_db(target)
    # An initialised database without a row is empty: no --force needed.
    assert B.restore(target, out)["counts"]["dossiers"] == 3
    make_unit(target, "Xã Khác")
    with kdb.connect(target) as conn:
        before = B.table_counts(conn)
    r = kpi("restore", str(out), "--db", target_url)
    assert r.returncode == 1
    assert r.stderr.startswith(f"Lỗi: Cơ sở dữ liệu {tmp_path / 'other.duckdb'} đang có dữ liệu (")
    assert "chạy lại với --force" in r.stderr
    with kdb.connect(target) as conn:
        assert B.table_counts(conn) == before
        assert "Xã Khác" in kdb.list_units(conn)
    r = kpi("restore", str(out), "--db", target_url, "--force")
    assert r.returncode == 0, r.stderr
    with kdb.connect(target) as conn:
        assert "Xã Khác" not in kdb.list_units(conn)
        assert conn.execute(sa.select(sa.func.count()).select_from(S.dossiers)).scalar_one() == 3
    assert audit.query(target, action="restore")["details"].iloc[0]["forced"] is True
    # A file that is no database at all is overwritten only with --force too.
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(B.BackupError, match="không đọc được như một cơ sở dữ liệu DuckDB"):
        B.restore(kdb.get_engine(f"duckdb:///{junk}"), out)
    assert junk.read_bytes() == b"not a database" * 100


def test_backup_and_restore_refusals(duck_url, tmp_path):
    engine = kdb.get_engine(duck_url)
    _populate(duck_url)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    r = kpi("backup", "--db", duck_url, "--out", str(busy))
    assert r.returncode == 1
    assert r.stderr.startswith(f"Lỗi: Thư mục {busy} đã có tệp. Chọn một thư mục mới hoặc trống")
    r = kpi("restore", str(busy), "--db", f"duckdb:///{tmp_path / 'n.duckdb'}")
    assert r.returncode == 1
    assert r.stderr.startswith(f"Lỗi: Thư mục {busy} không phải bản sao lưu (thiếu tệp sao-luu.json).")
    good = tmp_path / "good"
    B.backup(engine, good)
    copy = good / B.DB_FILE
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF
    copy.write_bytes(bytes(data))
    fresh = kdb.get_engine(f"duckdb:///{tmp_path / 'n.duckdb'}")
    with pytest.raises(B.BackupError, match="mã SHA-256 không khớp"):
        B.restore(fresh, good)
    assert not (tmp_path / "n.duckdb").exists()
    with pytest.raises(B.BackupError, match="Không tìm thấy thư mục sao lưu"):
        B.restore(engine, tmp_path / "none")
    with pytest.raises(SystemExit) as info:  # --out is required
        cli.main(["backup", "--db", duck_url])
    assert info.value.code == 2


def test_postgresql_points_to_pg_dump(tmp_path):
    url = os.environ.get("CCHC_TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    r = kpi("backup", "--db", url, "--out", str(tmp_path / "b"))
    assert r.returncode == 1
    assert r.stderr.startswith("Lỗi: Cơ sở dữ liệu là PostgreSQL: hãy sao lưu bằng pg_dump")
    assert not (tmp_path / "b").exists()
    r = kpi("restore", str(tmp_path), "--db", url)
    assert r.returncode == 1 and "pg_restore" in r.stderr


HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from kpi import db as kdb
    engine = kdb.get_engine(sys.argv[1])
    with kdb.connect(engine, write=True) as conn:
        kdb.get_or_create_unit(conn, "Phường Đang Ghi")
        print("holding", flush=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
            time.sleep(0.05)
    print("committed", flush=True)
    """
)


def test_backup_waits_for_a_write_in_another_process(duck_url, tmp_path):
    _populate(duck_url)
    env = {**os.environ, **ENV}
    env.pop("CCHC_DB_URL", None)
    release = tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, duck_url, str(release)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        backup = subprocess.Popen(
            [sys.executable, "-m", "kpi", "backup", "--db", duck_url, "--out",
             str(tmp_path / "bk")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8")
        # The backup says it waits for the writer, and waits.
        assert backup.stderr.readline().strip() == (
            "Cơ sở dữ liệu đang bận (một lần tải dữ liệu đang chạy); đang chờ…")
        time.sleep(0.5)
        assert backup.poll() is None
        release.write_text("1")
        out, err = backup.communicate(timeout=120)
    finally:
        release.write_text("1")
        holder.communicate(timeout=120)
    assert holder.returncode == 0
    assert backup.returncode == 0, err
    assert "1 lần tải dữ liệu, 2 tài khoản" in out
    restored_url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    assert kpi("restore", str(tmp_path / "bk"), "--db", restored_url).returncode == 0
    with kdb.connect(kdb.get_engine(restored_url)) as conn:
        assert "Phường Đang Ghi" in kdb.list_units(conn)  # the committed write is in the copy


def test_backup_while_a_load_runs_then_restore(duck_url, tmp_path):
    _populate(duck_url)
    csv = tmp_path / "ho-so-thang-3.csv"
    write_csv(csv, 3000)
    env = {**os.environ, **ENV}
    env.pop("CCHC_DB_URL", None)
    load = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--db", duck_url, "--unit", "Phường Bắc Hà", str(csv)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8")
    try:
        time.sleep(1.0)
        r = kpi("backup", "--db", duck_url, "--out", str(tmp_path / "bk"))
    finally:
        out, err = load.communicate(timeout=300)
    assert load.returncode == 0, err
    assert "thêm mới 3.000" in out
    assert r.returncode == 0, r.stderr
    manifest = json.loads((tmp_path / "bk" / B.MANIFEST).read_text(encoding="utf-8"))
    # Before or after the load, never half of it.
    assert (manifest["counts"]["dossiers"], manifest["counts"]["batches"]) in {(3, 1), (3003, 2)}
    restored_url = f"duckdb:///{tmp_path / 'r.duckdb'}"
    r = kpi("restore", str(tmp_path / "bk"), "--db", restored_url)
    assert r.returncode == 0, r.stderr
    with kdb.connect(kdb.get_engine(restored_url)) as conn:
        counts = B.table_counts(conn)
    assert counts == {**manifest["counts"], "audit_log": manifest["counts"]["audit_log"] + 1}
    # Restored while the source keeps its own data.
    with kdb.connect(kdb.get_engine(duck_url)) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(S.dossiers)).scalar_one() == 3003
