"""`python -m ingest` end to end (cli.md): one line per file, exit codes, and bad input that
changes nothing in the database — on DuckDB and PostgreSQL."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest.__main__ import main as ingest_main
from kpi import db as kdb
from kpi.schema import FACT_TABLES, batches, rejected_rows, units
from tests import filemakers as fm

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", "Trạng thái"]
ROWS = [
    [1, "HS-001", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026 08:15", "03/03/2026", "03/03/2026", "Đã trả kết quả"],
    [2, "HS-002", "Chứng thực bản sao từ bản chính", "Chứng thực", "03/03/2026", "03/03/2026", "", "Đang xử lý"],
    [3, "HS-003", "Đăng ký kết hôn", "Hộ tịch", "05/03/2026", "10/03/2026", "12/03/2026", "Đã xử lý xong"],
]


ENV = {"CCHC_TODAY": "2026-11-27", "CCHC_UNIT": "Xã Lộc Tân"}


def run(db_url: str, *args: str, subprocess_: bool = False) -> subprocess.CompletedProcess:
    """Run the command line, in-process (fast) or as a real subprocess."""
    if subprocess_:
        return subprocess.run(
            [sys.executable, "-m", "ingest", "--db", db_url, *args],
            cwd=ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=300,
        )
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = ingest_main(["--db", db_url, *args])
            except SystemExit as exc:
                code = exc.code
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def state(db_url: str) -> dict:
    """Every table's row count plus the dossiers' content: what 'unchanged' is checked on."""
    engine = kdb.get_engine(db_url)
    out = {}
    with kdb.connect(engine) as conn:
        for t in [units, batches, rejected_rows] + [v[0] for v in FACT_TABLES.values()]:
            out[t.name] = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        d = FACT_TABLES["dossiers"][0]
        out["content"] = [tuple(r) for r in conn.execute(sa.select(d).order_by(d.c.dossier_code)).all()]
    return out


@pytest.fixture
def loaded(db_url, tmp_path):
    """A database that already holds one good file."""
    good = fm.xlsx(tmp_path / "ho-so-thang-3.xlsx", fm.TITLE_DOSSIERS + [HEADER] + ROWS + fm.FOOTER)
    r = run(db_url, str(good))
    assert r.returncode == 0, r.stderr
    return db_url, good


def test_one_line_per_file_and_same_file_twice_changes_nothing(loaded, tmp_path):
    db_url, good = loaded
    before = state(db_url)
    assert before["dossiers"] == 3 and before["batches"] == 1
    again = run(db_url, str(good))
    assert again.returncode == 0
    lines = again.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "ho-so-thang-3.xlsx: dossiers" in lines[0] and "đã được nạp lúc" in lines[0]
    assert state(db_url) == before


def test_first_load_line_counts_real_process(db_url, tmp_path):
    good = fm.xlsx(tmp_path / "ho-so.xlsx", fm.TITLE_DOSSIERS + [HEADER] + ROWS + fm.FOOTER)
    r = run(db_url, str(good), subprocess_=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ho-so.xlsx: dossiers (hồ sơ) — đọc 3, thêm mới 3, cập nhật 0, từ chối 0"


def _bad_files(tmp: Path) -> dict[str, Path]:
    good = fm.xlsx(tmp / "plain.xlsx", [HEADER] + ROWS)
    return {
        "empty": fm.write(tmp / "rong.csv", b""),
        "no_header": fm.write(tmp / "ghi-chu.csv", "Báo cáo tháng\nkhông có bảng\n1;2;3\n".encode()),
        "corrupt": fm.write(tmp / "hong.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50),
        "password": fm.encrypt_xlsx(good, tmp / "mat-khau.xlsx"),
        "image": fm.write(tmp / "anh.xlsx", fm.PNG),
        "all_invalid": fm.xlsx(
            tmp / "sai-het.xlsx",
            [HEADER] + [[1, "HS-9", "X", "Hộ tịch", "32/13/2026", "", "", "Đang xử lý"],
                        [2, "", "X", "Hộ tịch", "01/03/2026", "", "", "Đang xử lý"]],
        ),
        "missing_required": fm.xlsx(
            tmp / "thieu-cot.xlsx",
            [["Mã hồ sơ", "Tên thủ tục", "Trạng thái"], ["HS-1", "Đăng ký khai sinh", "Đang xử lý"]],
        ),
        "some_invalid": fm.xlsx(
            tmp / "mot-dong-sai.xlsx",
            [HEADER] + ROWS[:1] + [[9, "HS-009", "X", "Hộ tịch", "05/03/2026", "01/03/2026", "", "Đang xử lý"]],
        ),
    }


EXPECTED_WORDS = {
    "empty": "rỗng",
    "no_header": "tiêu đề",
    "corrupt": "",
    "password": "mật khẩu",
    "image": "",
    "all_invalid": "dòng nào hợp lệ",
    "missing_required": "Ngày tiếp nhận",
    "some_invalid": "Dòng 3",
}


@pytest.mark.parametrize("case", list(EXPECTED_WORDS))
def test_bad_input_exit_1_vietnamese_message_database_unchanged(loaded, tmp_path, case):
    db_url, _ = loaded
    bad = _bad_files(tmp_path)[case]
    before = state(db_url)
    r = run(db_url, str(bad), subprocess_=(case == "image"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "KHÔNG NẠP" in r.stderr and bad.name in r.stderr
    assert EXPECTED_WORDS[case].lower() in r.stderr.lower()
    assert "Traceback" not in r.stderr
    assert state(db_url) == before


def test_missing_column_names_it_and_lists_found_headers(loaded, tmp_path):
    db_url, _ = loaded
    r = run(db_url, str(_bad_files(tmp_path)["missing_required"]))
    assert "Ngày tiếp nhận" in r.stderr
    assert "Mã hồ sơ" in r.stderr and "Tên thủ tục" in r.stderr and "Trạng thái" in r.stderr


def test_allow_rejects_loads_valid_rows_and_keeps_rejected(loaded, tmp_path):
    db_url, _ = loaded
    bad = _bad_files(tmp_path)["some_invalid"]
    r = run(db_url, "--allow-rejects", str(bad))
    assert r.returncode == 0, r.stderr
    assert "từ chối 1" in r.stdout
    after = state(db_url)
    assert after["rejected_rows"] == 1 and after["batches"] == 2


def test_several_files_one_refused(loaded, tmp_path):
    db_url, good = loaded
    files = _bad_files(tmp_path)
    newer = fm.xlsx(
        tmp_path / "ho-so-thang-4.xlsx",
        [HEADER] + [[1, "HS-100", "Đăng ký khai tử", "Hộ tịch", "02/04/2026", "03/04/2026", "", "Đang xử lý"]],
    )
    r = run(db_url, str(files["empty"]), str(newer))
    assert r.returncode == 1
    assert "ho-so-thang-4.xlsx: dossiers (hồ sơ) — đọc 1, thêm mới 1" in r.stdout
    assert state(db_url)["dossiers"] == 4


def test_bad_database_url_is_a_message_not_a_traceback(tmp_path):
    good = fm.xlsx(tmp_path / "ho-so.xlsx", [HEADER] + ROWS)
    r = run("foo://x", str(good))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "địa chỉ cơ sở dữ liệu" in r.stderr


def test_unit_name_in_nfd_is_the_same_unit(db_url, tmp_path):
    import unicodedata

    good = fm.xlsx(tmp_path / "ho-so.xlsx", [HEADER] + ROWS)
    assert run(db_url, "--unit", unicodedata.normalize("NFD", "Xã Lộc Tân"), str(good)).returncode == 0
    with kdb.connect(kdb.get_engine(db_url)) as conn:
        assert conn.execute(sa.select(units.c.name)).scalars().all() == ["Xã Lộc Tân"]
