"""``python -m kpi users`` through a subprocess (cli.md "Accounts (sign-in)"): the password
from standard input or a terminal, never an argument; messages and exit codes."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from kpi import __main__ as cli
from kpi import accounts as A
from kpi import audit
from kpi import db as kdb
from kpi.schema import accounts, audit_log
from tests.fixtures import make_unit

ROOT = Path(__file__).resolve().parent.parent
LOC_TAN = "Xã Lộc Tân"
BAC_HA = "Phường Bắc Hà"


def users(db_url, *args, stdin: str | None = "", env=None):
    e = {**os.environ, "PYTHONPATH": str(ROOT), "CCHC_NOW": "2026-04-02T08:15:00"}
    e.pop("CCHC_DB_URL", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "kpi", "users", *args, "--db", db_url],
                          cwd=ROOT, env=e, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def users_here(db_url, *args, stdin: str = "", monkeypatch, capsys):
    """The same command in this process (no interpreter start-up): (exit code, out, err)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = cli.main(["users", *args, "--db", db_url])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _count(engine, table) -> int:
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_add_list_passwd_disable_enable(db_url, monkeypatch, capsys):
    engine = kdb.get_engine(db_url)
    make_unit(engine, LOC_TAN)
    make_unit(engine, BAC_HA)
    r = users(db_url, "add", "--username", "quantri", "--role", "admin", stdin="mat-khau-quan-tri\n")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.startswith("Đã tạo tài khoản quantri (Quản trị), đơn vị: mọi đơn vị.")
    r = users(db_url, "add", "--username", "Lan", "--role", "staff", "--unit", LOC_TAN,
              "--unit", BAC_HA, stdin="mật khẩu có dấu\r\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Đã tạo tài khoản lan (Cán bộ), đơn vị: {BAC_HA}; {LOC_TAN}.")
    r = users(db_url, "add", "--username", "minh", "--role", "viewer", stdin="xem-bao-cao-2026")
    assert r.returncode == 0, r.stderr
    # The password is the line without its line ending, and it signs in.
    monkeypatch.setenv("CCHC_NOW", "2026-04-02T09:30:00")
    assert isinstance(A.authenticate(engine, "lan", "mật khẩu có dấu"), A.Session)
    assert isinstance(A.authenticate(engine, "minh", "xem-bao-cao-2026"), A.Session)

    r = users(db_url, "list", stdin=None)
    assert r.returncode == 0
    assert r.stdout.splitlines() == [
        f"lan\tstaff (Cán bộ)\t{BAC_HA}; {LOC_TAN}\tđang hoạt động\tđăng nhập lần cuối 02/04/2026 09:30",
        "minh\tviewer (Lãnh đạo / xem)\tmọi đơn vị\tđang hoạt động\tđăng nhập lần cuối 02/04/2026 09:30",
        "quantri\tadmin (Quản trị)\tmọi đơn vị\tđang hoạt động\tchưa đăng nhập lần nào",
    ]

    token = A.authenticate(engine, "lan", "mật khẩu có dấu").token
    r = users(db_url, "passwd", "LAN", stdin="mat-khau-moi-2026\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("Đã đổi mật khẩu tài khoản lan; các phiên đăng nhập đang mở "
                                "của tài khoản đã kết thúc.")
    assert A.session_account(engine, token) is None
    assert A.authenticate(engine, "lan", "mật khẩu có dấu").reason == "invalid"
    token = A.authenticate(engine, "lan", "mat-khau-moi-2026").token

    r = users(db_url, "disable", "lan")
    assert (r.returncode, r.stdout.strip()) == (
        0, "Đã vô hiệu hóa tài khoản lan; các phiên đăng nhập của tài khoản đã kết thúc.")
    assert A.session_account(engine, token) is None
    here = dict(monkeypatch=monkeypatch, capsys=capsys)
    assert users_here(db_url, "disable", "lan", **here)[:2] == (
        0, "Tài khoản lan đã bị vô hiệu hóa từ trước; không có gì thay đổi.\n")
    assert users_here(db_url, "list", **here)[1].splitlines()[0] == (
        f"lan\tstaff (Cán bộ)\t{BAC_HA}; {LOC_TAN}\tđã vô hiệu hóa\t"
        "đăng nhập lần cuối 02/04/2026 09:30")
    r = users(db_url, "enable", "lan")
    assert (r.returncode, r.stdout.strip()) == (0, "Đã kích hoạt lại tài khoản lan.")
    assert users_here(db_url, "enable", "lan", **here)[:2] == (
        0, "Tài khoản lan đang hoạt động; không có gì thay đổi.\n")
    assert isinstance(A.authenticate(engine, "lan", "mat-khau-moi-2026"), A.Session)

    # Every change is in the audit log under "dòng lệnh", none twice.
    frame = audit.query(engine, actor=audit.CLI_ACTOR)
    assert list(frame["action"]) == ["account_enable", "account_disable", "account_passwd",
                                     "account_add", "account_add", "account_add"]
    assert frame["details"].iloc[4] == {"username": "lan", "role": "staff",
                                        "units": [BAC_HA, LOC_TAN]}


def test_refusals_exit_1_with_a_message_and_change_nothing(db_url, monkeypatch, capsys):
    engine = kdb.get_engine(db_url)
    make_unit(engine, LOC_TAN)
    assert users(db_url, "add", "--username", "lan", "--role", "staff", "--unit", LOC_TAN,
                 stdin="mat-khau-2026\n").returncode == 0
    before = (_count(engine, accounts), _count(engine, audit_log))
    cases = [
        (("add", "--username", "LAN", "--role", "viewer"), "mat-khau-2026\n",
         'Lỗi: Tên đăng nhập "lan" đã có. Chọn tên khác, hoặc đổi mật khẩu: '
         'python -m kpi users passwd lan'),
        (("add", "--username", "hoa", "--role", "staff", "--unit", "Xã Không Có"),
         "mat-khau-2026\n",
         f'Lỗi: Không có đơn vị "Xã Không Có". Các đơn vị hiện có: {LOC_TAN}.'),
        (("add", "--username", "hoa", "--role", "staff", "--unit", LOC_TAN), "1234567\n",
         "Lỗi: Mật khẩu phải có ít nhất 8 ký tự."),
        (("add", "--username", "hoa", "--role", "viewer"), "",
         "Lỗi: Chưa có mật khẩu: gõ mật khẩu khi được hỏi, hoặc đưa một dòng vào đầu vào chuẩn"),
        (("passwd", "hoa"), "mat-khau-2026\n",
         'Lỗi: Không có tài khoản "hoa". Xem danh sách: python -m kpi users list'),
        (("passwd", "lan"), "ngan\n", "Lỗi: Mật khẩu phải có ít nhất 8 ký tự."),
        (("disable", "hoa"), "", 'Lỗi: Không có tài khoản "hoa".'),
        (("enable", "hoa"), "", 'Lỗi: Không có tài khoản "hoa".'),
    ]
    for args, stdin, message in cases:
        code, out, err = users_here(db_url, *args, stdin=stdin, monkeypatch=monkeypatch,
                                    capsys=capsys)
        assert code == 1, (args, err)
        assert err.startswith(message), (args, err)
        assert out == ""
    # The same through a real process: exit 1, the message, no traceback.
    r = users(db_url, *cases[0][0], stdin=cases[0][1])
    assert (r.returncode, r.stdout) == (1, "") and r.stderr.startswith(cases[0][2])
    assert "Traceback" not in r.stderr
    assert (_count(engine, accounts), _count(engine, audit_log)) == before
    assert isinstance(A.authenticate(engine, "lan", "mat-khau-2026"), A.Session)


def test_wrong_arguments_exit_2(duck_url, monkeypatch, capsys):
    for args in (
        ("add", "--username", "lan"),  # no role
        ("add", "--username", "lan", "--role", "root"),
        ("add", "--username", "lan", "--role", "admin", "--password", "mat-khau-2026"),
        ("passwd",),
        ("disable", "a", "b"),
        ("frobnicate",),
    ):
        code, _, err = users_here(duck_url, *args, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 2, (args, err)
        assert "lỗi:" in err
    r = subprocess.run([sys.executable, "-m", "kpi", "users"], cwd=ROOT, capture_output=True,
                       text=True, encoding="utf-8", env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 2 and "thiếu tham số bắt buộc: VIỆC" in r.stderr


def test_list_of_no_account_and_a_missing_database(duck_url, tmp_path):
    r = users(duck_url, "list")
    assert (r.returncode, r.stdout) == (0, "")
    assert r.stderr.startswith("Chưa có tài khoản nào (đăng nhập chưa bật).")
    missing = tmp_path / "khong-co.duckdb"
    r = users(f"duckdb:///{missing}", "list")
    assert r.returncode == 1
    assert r.stderr.startswith(f"Lỗi: Không tìm thấy tệp cơ sở dữ liệu {missing}.")
    assert not missing.exists()
    # The first admin of a new installation creates the database.
    r = users(f"duckdb:///{missing}", "add", "--username", "quantri", "--role", "admin",
              stdin="mat-khau-quan-tri\n")
    assert r.returncode == 0, r.stderr
    assert A.accounts_exist(kdb.get_engine(f"duckdb:///{missing}"))


def _at_terminal(db_url, args, answers: list[str]) -> tuple[int, str]:
    """Run with a pseudo-terminal as standard input (and no controlling terminal, so getpass
    reads that terminal with echo off); type the answers when asked."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CCHC_DB_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "kpi", "users", *args, "--db", db_url],
                            cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    out = b""
    pending = list(answers)
    sent = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
            text = out.decode("utf-8", "replace")
            # Answer a prompt once it is shown (getpass discards what was typed before it).
            if pending and text.endswith("khẩu: ") and text.count("khẩu: ") > sent:
                os.write(master, (pending.pop(0) + "\n").encode("utf-8"))
                sent += 1
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, out.decode("utf-8", "replace")


def test_password_asked_at_a_terminal(duck_url):
    engine = kdb.get_engine(duck_url)
    code, out = _at_terminal(duck_url, ["add", "--username", "lan", "--role", "admin"],
                             ["mat-khau-go-tay", "mat-khau-go-tay"])
    assert code == 0, out
    assert "Mật khẩu:" in out and "Nhập lại mật khẩu:" in out
    assert "mat-khau-go-tay" not in out  # not echoed
    assert isinstance(A.authenticate(engine, "lan", "mat-khau-go-tay"), A.Session)
    code, out = _at_terminal(duck_url, ["passwd", "lan"], ["mat-khau-moi-1", "mat-khau-moi-2"])
    assert code == 1
    assert "Hai lần nhập mật khẩu không khớp. Không có gì thay đổi." in out
    assert isinstance(A.authenticate(engine, "lan", "mat-khau-go-tay"), A.Session)


def test_the_parser_offers_the_roles_of_the_model():
    from kpi.commands import users as command

    assert command.ROLES == A.ROLES
