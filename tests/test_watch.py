"""``python -m ingest --watch DIR [--once]``: every new export loaded once (by content), a
file still being written waits, a bad file is logged and skipped (not retried until it
changes), one log line per file — on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import watch as watch_module
from ingest.__main__ import main as ingest_main
from kpi import db as kdb
from kpi.schema import batches, dossiers
from tests.filemakers import csv_bytes

HEADER = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]


def export(month: int, n: int) -> bytes:
    rows = [[f"HS-{month:02d}-{i:03d}", "Đăng ký khai sinh", "Hộ tịch", f"{1 + i % 20:02d}/{month:02d}/2026",
             f"25/{month:02d}/2026", "Đang xử lý"] for i in range(n)]
    return csv_bytes([HEADER, *rows], sep=";")


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-11-27")
    monkeypatch.setenv("CCHC_UNIT", "Xã Lộc Tân")


def watch(db_url, folder, capsys, *extra) -> tuple[int, list[str]]:
    try:
        code = ingest_main(["--db", db_url, "--watch", str(folder), "--once", "--settle", "0.2", *extra])
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out.splitlines()


def counts(db_url) -> tuple[int, int]:
    with kdb.connect(kdb.get_engine(db_url)) as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one())


def test_watch_once_loads_each_export_once_and_skips_a_bad_file(db_url, tmp_path, env, capsys):
    inbox = tmp_path / "tai-ve"
    inbox.mkdir()
    (inbox / "ho-so-t3.csv").write_bytes(export(3, 4))
    (inbox / "ho-so-t4.csv").write_bytes(export(4, 3))
    shutil.copy(inbox / "ho-so-t3.csv", inbox / "ho-so-t3 (1).csv")  # the same download twice
    (inbox / "bao-cao.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * 300)
    (inbox / "ho-so-t5.csv.crdownload").write_bytes(export(5, 2)[:40])  # a download in progress
    (inbox / "~$ho-so-t3.xlsx").write_bytes(b"lock")
    (inbox / ".an.csv").write_bytes(export(6, 1))

    code, out = watch(db_url, inbox, capsys)
    assert code == 1  # a file was refused in this run
    assert counts(db_url) == (2, 7)
    log = (inbox / "nhat-ky-nap.log").read_text(encoding="utf-8").splitlines()
    assert log == out  # every line printed is in the log, and the reverse
    per_file = {name: [line for line in log if f" {name}: " in line]
                for name in ("ho-so-t3.csv", "ho-so-t4.csv", "ho-so-t3 (1).csv", "bao-cao.pdf")}
    assert all(len(lines) == 1 for lines in per_file.values()), per_file
    assert "đọc 4, thêm mới 4" in per_file["ho-so-t3.csv"][0]
    assert "đọc 3, thêm mới 3" in per_file["ho-so-t4.csv"][0]
    assert "bỏ qua — cùng nội dung với tệp ho-so-t3.csv" in per_file["ho-so-t3 (1).csv"][0]
    assert "KHÔNG NẠP" in per_file["bao-cao.pdf"][0] and "không được thử lại" in per_file["bao-cao.pdf"][0]
    assert not any("crdownload" in line or "~$" in line or ".an.csv" in line for line in log)
    assert log[-1].endswith("nạp 2 tệp, đã nạp trước đó 0, không nạp 1, bỏ qua 1 tệp trùng nội dung.")

    # Run again (the next scheduled run): nothing new, the bad file is not retried.
    code, out = watch(db_url, inbox, capsys)
    assert code == 0
    assert len(out) == 1 and out[0].endswith("nạp 0 tệp, đã nạp trước đó 0, không nạp 0, bỏ qua 0 tệp trùng nội dung.")
    assert counts(db_url) == (2, 7)

    # The bad file replaced by a real export (its content changed): it is read again, loaded.
    (inbox / "bao-cao.pdf").unlink()
    (inbox / "ho-so-t5.csv").write_bytes(export(5, 2))
    (inbox / "ho-so-t6.csv").write_bytes(b"Ma;so\nkhong;phai\n")
    code, out = watch(db_url, inbox, capsys)
    assert code == 1
    assert [line.split(" ", 2)[2].split(":")[0] for line in out[:-1]] == ["ho-so-t5.csv", "ho-so-t6.csv"]
    assert counts(db_url) == (3, 9)
    (inbox / "ho-so-t6.csv").write_bytes(export(6, 1))
    code, out = watch(db_url, inbox, capsys)
    assert code == 0 and "ho-so-t6.csv: dossiers (hồ sơ) — đọc 1, thêm mới 1" in out[0]
    assert counts(db_url) == (4, 10)


def test_watch_waits_for_a_file_still_being_written(db_url, tmp_path, env, capsys):
    """Half a file (its modification time just now) is not read; when the rest arrives its
    size changed, so it waits again; once it stays the same, the whole file is loaded once."""
    inbox = tmp_path / "tai-ve"
    inbox.mkdir()
    data = export(3, 400)
    target = inbox / "ho-so-lon.csv"
    half = data[: len(data) // 2 + 17]  # cut inside a row: read now, it would lose rows
    target.write_bytes(half)
    later = time.time_ns() + 3_600 * 10**9  # "just written", however slow this machine is
    os.utime(target, ns=(later, later))
    w = watch_module.Watcher(kdb.get_engine(db_url), inbox, {"unit": "Xã Lộc Tân"},
                             tmp_path / "nap.log", settle=0.3)
    summary = watch_module.Summary()
    assert w.scan(summary) == [target]  # still being written: nothing read
    with open(target, "ab") as fh:
        fh.write(data[len(half):])
    os.utime(target, ns=(later + 1, later + 1))
    assert w.scan(summary) == [target]  # it grew: the wait starts again
    assert counts(db_url) == (0, 0)
    assert w.scan(summary, wait=30) == []
    assert (summary.loaded, summary.refused) == (1, 0)
    assert counts(db_url) == (1, 400)
    assert w.scan(summary, wait=1) == [] and counts(db_url) == (1, 400)  # once
    log = (tmp_path / "nap.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 1 and "ho-so-lon.csv: dossiers (hồ sơ) — đọc 400, thêm mới 400" in log[0]
    assert (tmp_path / ".nap.log.json").exists() and not (inbox / "nhat-ky-nap.log").exists()


def test_watch_and_files_are_exclusive(db_url, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        ingest_main(["--db", db_url, "--watch", str(tmp_path), str(tmp_path / "a.csv")])
    assert exc.value.code == 2
    assert "--watch" in capsys.readouterr().err
    assert ingest_main(["--db", db_url, "--watch", str(tmp_path / "khong-co"), "--once"]) == 1
    assert "không tìm thấy thư mục" in capsys.readouterr().err


def test_a_log_file_that_cannot_be_written_is_a_message(db_url, tmp_path, capsys):
    code = ingest_main(["--db", db_url, "--watch", str(tmp_path), "--once", "--log",
                        str(tmp_path / "khong-co" / "nap.log")])
    assert code == 1
    assert "không ghi được tệp nhật ký" in capsys.readouterr().err
