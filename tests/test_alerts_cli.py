"""``python -m kpi alerts`` and ``python -m kpi apology`` (cli.md "Dossiers to act on") on the
hand-made fixture of tests/worklist_fixture.py, DuckDB and PostgreSQL: formats, exit codes,
Vietnamese messages, nothing recorded on bad input; the README's daily job run as written."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from kpi import __main__ as cli
from kpi import db as kdb
from kpi import worklist as W
from tests import worklist_fixture as F
from tests.worklist_fixture import filled as shared  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def filled(shared, monkeypatch):
    """The URL of the module's fixture database; what a test recorded is removed after it."""
    monkeypatch.delenv("CCHC_DB_URL", raising=False)
    monkeypatch.delenv("CCHC_UNIT", raising=False)
    monkeypatch.setenv("CCHC_TODAY", "2026-04-29")
    yield shared.url.render_as_string(hide_password=False)
    F.clean_letters(shared)


def call(capsys, *args) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_alerts_json(filled, capsys):
    code, out, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT)
    assert code == 0, err
    data = json.loads(out)
    assert data["today"] == "2026-04-29" and data["data_through"] == "2026-04-28"
    assert [d["dossier_code"] for d in data["dossiers"]] == [
        "A3", "A1", "A2", "B1", "B2", "S1", "B3", "B4", "W1", "N1", "N3"]
    assert data["totals"] == {"overdue": 3, "due_soon": 5, "waiting_supplement": 1,
                              "no_due_date": 2}
    code, out, _ = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--within", "3",
                        "--today", "2026-04-29")
    assert json.loads(out)["within"] == 3 and json.loads(out)["totals"]["due_soon"] == 6


def test_alerts_text_for_a_month_with_no_data_gives_no_rate(filled, capsys):
    code, out, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--format", "text",
                          "--today", "2026-05-04")
    assert code == 0, err
    assert ("Tỷ lệ hồ sơ giải quyết đúng hạn tháng 5/2026: Chưa có dữ liệu (dữ liệu đã tải mới "
            "đến ngày 28/04/2026), nên chưa tính được giải quyết kịp các hồ sơ sắp đến hạn sẽ "
            "đưa tỷ lệ tới đâu.") in out.splitlines()
    assert "%" not in out


def test_alerts_text_and_xlsx(filled, capsys, tmp_path):
    code, out, _ = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--format", "text")
    assert code == 0
    wl = W.work_list(kdb.get_engine(filled), F.UNIT, today=F.TODAY)
    assert out == W.digest(wl)
    target = tmp_path / "ds.xlsx"
    code, _, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--format", "xlsx",
                        "--out", str(target))
    assert code == 0 and "Đã ghi danh sách việc cần làm" in err
    ws = openpyxl.load_workbook(target)["Việc cần làm"]
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == [
        "A3", "A1", "A2", "B1", "B2", "S1", "B3", "B4", "W1", "N1", "N3"]


def test_alerts_bad_input(filled, capsys):
    code, out, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT,
                          "--today", "2026-04-27")
    assert code == 1 and out == ""
    assert err == ("Lỗi: Ngày xem danh sách (27/04/2026) trước ngày của dữ liệu (28/04/2026, "
                   "ngày dữ liệu mới nhất đã tải): chọn một ngày từ 28/04/2026 trở đi.\n")
    code, _, err = call(capsys, "alerts", "--db", filled, "--unit", "Xã Không Có")
    assert code == 1 and err.startswith("Lỗi: Không tìm thấy đơn vị “Xã Không Có”.")
    code, _, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--today", "29/04/2026")
    assert code == 2 and "ngày không hợp lệ '29/04/2026'" in err
    code, _, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--within", "-1")
    assert code == 2 and "số ngày làm việc không hợp lệ" in err
    code, _, err = call(capsys, "alerts", "--db", filled, "--unit", F.UNIT, "--format", "xlsx")
    assert code == 2 and "cần --out" in err


def test_apology_writes_the_letter_and_records_it(filled, capsys, tmp_path):
    engine = kdb.get_engine(filled)
    target = tmp_path / "a1.docx"
    code, _, err = call(capsys, "apology", "--db", filled, "--unit", F.UNIT, "--dossier", "A1",
                        "--out", str(target))
    assert code == 0, err
    assert err == f"Đã lập thư xin lỗi cho hồ sơ A1 (hẹn trả mới ngày 15/05/2026): {target}\n"
    text = "\n".join(p.text for p in docx.Document(target).paragraphs)
    assert "mã số hồ sơ A1" in text and "vào ngày 15/05/2026" in text
    assert F.letters_count(engine) == 1 and F.audit_count(engine) == 1
    code, _, _ = call(capsys, "apology", "--db", filled, "--unit", F.UNIT, "--dossier", "F2",
                      "--new-due", "2026-05-08", "--out", str(tmp_path / "f2.docx"))
    assert code == 0  # finished late (14/04 after 10/04): a letter too
    assert "vào ngày 08/05/2026" in "\n".join(
        p.text for p in docx.Document(tmp_path / "f2.docx").paragraphs)
    assert F.letters_count(engine) == 2


@pytest.mark.parametrize("args, message", [
    (("--dossier", "ZZ9"), "Lỗi: Không tìm thấy hồ sơ mã “ZZ9” của Xã Lộc Tân.\n"),
    (("--dossier", "F1"), "Lỗi: Hồ sơ F1 đã giải quyết đúng hạn (kết thúc ngày 09/04/2026, hẹn "
                          "trả ngày 10/04/2026): không cần thư xin lỗi.\n"),
    (("--dossier", "B1"), "Lỗi: Hồ sơ B1 chưa quá hạn (hẹn trả ngày 29/04/2026, hôm nay "
                          "29/04/2026): không cần thư xin lỗi.\n"),
    (("--dossier", "N1"), "Lỗi: Hồ sơ N1 không có ngày hẹn trả: không xác định được là quá "
                          "hạn.\n"),
    (("--dossier", "X1"), "Lỗi: Hồ sơ X1 đã được rút theo yêu cầu của công dân: không cần thư "
                          "xin lỗi.\n"),
    (("--dossier", "A1", "--today", "2026-04-27"),
     "Lỗi: Ngày lập thư (27/04/2026) trước ngày của dữ liệu (28/04/2026, ngày dữ liệu mới "
     "nhất đã tải): chọn một ngày từ 28/04/2026 trở đi.\n"),
    (("--dossier", "A1", "--new-due", "2026-04-29"),
     "Lỗi: Ngày hẹn trả mới của hồ sơ A1 (29/04/2026) phải sau ngày lập thư (29/04/2026).\n"),
])
def test_apology_refused_records_nothing(filled, capsys, tmp_path, args, message):
    target = tmp_path / "x.docx"
    code, _, err = call(capsys, "apology", "--db", filled, "--unit", F.UNIT, *args,
                        "--out", str(target))
    assert (code, err) == (1, message)
    assert not target.exists()
    engine = kdb.get_engine(filled)
    assert F.letters_count(engine) == 0 and F.audit_count(engine) == 0


@pytest.mark.parametrize("name", ["a1.pdf", "a1", "a1.doc"])
def test_apology_out_not_docx_is_refused_with_exit_2(filled, capsys, tmp_path, name):
    target = tmp_path / name
    code, _, err = call(capsys, "apology", "--db", filled, "--unit", F.UNIT, "--dossier", "A1",
                        "--out", str(target))
    assert code == 2
    assert err.endswith(f"python -m kpi apology: lỗi: --out phải là tệp .docx (thư xin lỗi là "
                        f"văn bản Word), không phải “{target}”\n"), err
    assert not target.exists()
    engine = kdb.get_engine(filled)
    assert F.letters_count(engine) == 0 and F.audit_count(engine) == 0


def test_apology_unwritable_file_records_nothing(filled, capsys, tmp_path):
    code, _, err = call(capsys, "apology", "--db", filled, "--unit", F.UNIT, "--dossier", "A1",
                        "--out", str(tmp_path / "missing" / "a1.docx"))
    assert code == 1 and err.startswith("Lỗi: Không ghi được tệp")
    assert F.letters_count(kdb.get_engine(filled)) == 0


def _readme_line(prefix: str) -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found = [ln for ln in lines if ln.startswith(prefix) and "-m kpi alerts" in ln]
    assert len(found) == 1, found
    return found[0]


def test_daily_job_command_line_from_the_readme(duck_url, tmp_path):
    """Runs the README's cron command exactly as written: only the project folder, the
    interpreter and the output folder are this machine's."""
    F.build(kdb.get_engine(duck_url))
    cron = _readme_line("30 6 * * 1-5 ")
    command = re.match(r"30 6 \* \* 1-5 cd /srv/cchc && (.*) >/dev/null 2>&1$", cron).group(1)
    argv = shlex.split(command)
    assert argv[:3] == [".venv/bin/python", "-m", "kpi"]
    folder = tmp_path / "viec-can-lam"
    argv = [sys.executable, *argv[1:]]
    argv[argv.index("--folder") + 1] = str(folder)  # the README's server folder
    env = {**os.environ, "CCHC_DB_URL": duck_url, "CCHC_TODAY": "2026-04-29",
           "PYTHONPATH": str(ROOT)}
    env.pop("CCHC_UNIT", None)
    kdb.get_engine.cache_clear()  # the subprocess opens the DuckDB file itself
    r = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                       encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    txt = folder / "viec-can-lam_2026-04-29.txt"
    xlsx = folder / "viec-can-lam_2026-04-29.xlsx"
    assert r.stderr == f"Đã ghi: {txt}\nĐã ghi: {xlsx}\n"
    wl = W.work_list(kdb.get_engine(duck_url), F.UNIT, today=F.TODAY)
    assert txt.read_text(encoding="utf-8") == W.digest(wl)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert wb["Việc cần làm"].max_row == 12
    # The Windows entry runs the same command.
    windows = _readme_line("schtasks /Create ")
    assert '-m kpi alerts --unit \\"Xã Lộc Tân\\" --folder C:\\cchc\\viec-can-lam"' in windows


def test_unreachable_database(capsys, tmp_path):
    missing = f"duckdb:///{tmp_path / 'nope.duckdb'}"
    for cmd in (["alerts"], ["apology", "--dossier", "A1", "--out", str(tmp_path / "a.docx")]):
        code, _, err = call(capsys, *cmd, "--db", missing, "--unit", F.UNIT)
        assert code == 1 and err.startswith("Lỗi: Không tìm thấy tệp cơ sở dữ liệu "), err
    assert not (tmp_path / "nope.duckdb").exists()
