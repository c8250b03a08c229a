"""``python -m kpi users``: the accounts that sign in (shared/spec/cli.md "Accounts (sign-in)").

    python -m kpi users add --username NAME --role viewer|staff|admin [--unit NAME ...]
    python -m kpi users passwd NAME | disable NAME | enable NAME
    python -m kpi users list

The password is read from standard input (one line) or asked for twice at a terminal; never
an argument. ``--unit`` (repeatable) limits a viewer or staff account to those units; none
(or ``--unit '*'``) means every unit; admin always sees every unit. Every change is in the
audit log under "dòng lệnh". Exit 1 with a Vietnamese message for a duplicate name, an
unknown unit or account, or a password shorter than 8 characters; 2 for wrong arguments.
"""

from __future__ import annotations

import sys

from kpi.commands.common import CommandError, add_db_arg, open_database

ROLES = ("viewer", "staff", "admin")  # kpi.accounts.ROLES (a test keeps them equal)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "users", help="quản lý tài khoản đăng nhập",
        description="Tạo, đổi mật khẩu, vô hiệu hóa, kích hoạt lại và liệt kê tài khoản "
                    "đăng nhập. Mật khẩu đọc từ đầu vào chuẩn (một dòng) hoặc hỏi khi gõ.")
    add_db_arg(p, nested=True)
    sub = p.add_subparsers(dest="users_command", metavar="VIỆC")
    sub.required = True
    a = sub.add_parser("add", help="tạo tài khoản",
                       description="Tạo tài khoản; mật khẩu (ít nhất 8 ký tự) đọc từ đầu vào "
                                   "chuẩn hoặc hỏi khi gõ.")
    add_db_arg(a, nested=True)
    a.add_argument("--username", required=True, metavar="TÊN", help="tên đăng nhập")
    a.add_argument("--role", required=True, choices=ROLES,
                   help="viewer (Lãnh đạo / xem), staff (Cán bộ), admin (Quản trị)")
    a.add_argument("--unit", action="append", metavar="TÊN",
                   help="đơn vị của tài khoản (lặp lại được); bỏ trống hoặc '*' = mọi đơn vị")
    for name, text in (("passwd", "đặt mật khẩu mới (các phiên đăng nhập đang mở kết thúc)"),
                       ("disable", "vô hiệu hóa tài khoản (các phiên đăng nhập kết thúc)"),
                       ("enable", "kích hoạt lại tài khoản")):
        s = sub.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".")
        add_db_arg(s, nested=True)
        s.add_argument("name", metavar="TÊN", help="tên đăng nhập")
    ls = sub.add_parser("list", help="liệt kê tài khoản",
                        description="Mỗi tài khoản một dòng: tên, vai trò, đơn vị, trạng thái, "
                                    "lần đăng nhập cuối.")
    add_db_arg(ls, nested=True)
    return p


def read_password(confirm: bool = True) -> str:
    """One line of standard input, or asked (twice) at a terminal without echo."""
    stdin = sys.stdin
    if stdin is None:
        raise CommandError("Không đọc được mật khẩu: không có đầu vào chuẩn.")
    if stdin.isatty():
        import getpass

        password = getpass.getpass("Mật khẩu: ")
        if confirm and getpass.getpass("Nhập lại mật khẩu: ") != password:
            raise CommandError("Hai lần nhập mật khẩu không khớp. Không có gì thay đổi.")
        return password
    try:
        stdin.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    line = stdin.readline()
    if not line:
        raise CommandError("Chưa có mật khẩu: gõ mật khẩu khi được hỏi, hoặc đưa một dòng vào đầu "
                       "vào chuẩn (ví dụ: python -m kpi users add ... < tep-mat-khau.txt).")
    return line.rstrip("\r\n")


def where(engine) -> str:
    """The database as a message names it: a DuckDB file's path, else the URL (no password)."""
    from kpi import db as kdb

    path = kdb.duckdb_file(str(engine.url))
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)


def _add(args) -> int:
    from kpi import accounts as A

    engine = open_database(getattr(args, "db", None), create=True)
    name = A.check_new_account(engine, args.username, args.role, args.unit)
    if args.role == "admin" and args.unit:
        print("Ghi chú: tài khoản quản trị quản lý mọi đơn vị; bỏ qua --unit.", file=sys.stderr)
    password = read_password()
    A.check_password(password)
    account = A.add_account(engine, name, password, args.role,
                            None if args.role == "admin" else args.unit)
    print(f"Đã tạo tài khoản {account.username} ({account.role_label}), đơn vị: "
          f"{account.units_label}. Cơ sở dữ liệu: {where(engine)}")
    return 0


def _passwd(args) -> int:
    from kpi import accounts as A

    engine = open_database(getattr(args, "db", None))
    account = A.require_account(engine, args.name)  # before asking for a password
    password = read_password()
    A.set_password(engine, account.username, password)
    print(f"Đã đổi mật khẩu tài khoản {account.username}; các phiên đăng nhập đang mở của "
          "tài khoản đã kết thúc.")
    return 0


def _set_enabled(args, enabled: bool) -> int:
    from kpi import accounts as A

    engine = open_database(getattr(args, "db", None))
    account, changed = A.set_enabled(engine, args.name, enabled)
    name = account.username
    if enabled:
        text = (f"Đã kích hoạt lại tài khoản {name}." if changed
                else f"Tài khoản {name} đang hoạt động; không có gì thay đổi.")
    else:
        text = (f"Đã vô hiệu hóa tài khoản {name}; các phiên đăng nhập của tài khoản đã kết thúc."
                if changed else f"Tài khoản {name} đã bị vô hiệu hóa từ trước; không có gì thay đổi.")
    print(text)
    return 0


def account_line(account) -> str:
    """One line of ``users list`` for a ``kpi.accounts.Account``: name, role, units, enabled
    or not, last sign-in."""
    from kpi import format as fmt

    last = (f"đăng nhập lần cuối {fmt.datetime(account.last_sign_in_at)}"
            if account.last_sign_in_at else "chưa đăng nhập lần nào")
    state = "đang hoạt động" if account.enabled else "đã vô hiệu hóa"
    return "\t".join([account.username, f"{account.role} ({account.role_label})",
                      account.units_label, state, last])


def _list(args) -> int:
    from kpi import accounts as A

    engine = open_database(getattr(args, "db", None))
    found = A.list_accounts(engine)
    if not found:
        print("Chưa có tài khoản nào (đăng nhập chưa bật). Tạo tài khoản quản trị: "
              "python -m kpi users add --username … --role admin", file=sys.stderr)
    for account in found:
        print(account_line(account))
    return 0


HANDLERS = {
    "add": _add,
    "passwd": _passwd,
    "disable": lambda args: _set_enabled(args, False),
    "enable": lambda args: _set_enabled(args, True),
    "list": _list,
}


def run(args) -> int:
    from kpi import accounts as A
    from kpi import db as kdb

    try:
        return HANDLERS[args.users_command](args)
    except (A.AccountError, kdb.DatabaseBusy, kdb.DatabaseUnavailable) as exc:
        raise CommandError(str(exc)) from exc
