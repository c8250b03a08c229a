"""Accounts, roles, unit scoping, sign-in and server-side sessions (shared/spec/access.md).

Roles and their rights are data (``RIGHTS``); a screen asks ``can(account, action, unit)``.
An account is limited to its units (``unit_ids``; None = every unit, always for admin).

For the screens::

    mode = access_mode(engine)          # "open" (no account yet: banner, everything open)
                                        # "public" (viewers need no sign-in) | "sign_in"
    result = authenticate(engine, name, password)
    if isinstance(result, Session):     # keep result.token in the browser session only
        ...
    else:
        show(result.message)            # a Refusal: same text for a wrong name or password
    account = session_account(engine, token)   # None once expired (8 h idle) or revoked
    sign_out(engine, token)
    can(account, "upload", unit_name); visible_units(account, kdb.list_units(conn))

Passwords are kept only as argon2 hashes (argon2-cffi); a session only as the SHA-256 of
its random token. Every sign-in (success or failure), sign-out and account change is
written to the audit log in the same transaction (``kpi.audit``). Times come from
``kpi.config.wall_clock()`` (``CCHC_NOW`` pins it in tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import argon2
import sqlalchemy as sa

from kpi import audit, config
from kpi.db import connect, normalize_unit_name
from kpi.schema import account_units, accounts, sessions, sign_in_attempts, units

# --------------------------------------------------------------------------- roles and rights

ROLES = ("viewer", "staff", "admin")
ROLE_LABELS = {"viewer": "Lãnh đạo / xem", "staff": "Cán bộ", "admin": "Quản trị",
               "open": "Chưa bật đăng nhập"}

ACTIONS = ("view", "download", "upload", "undo", "plan_update", "apology",
           "manage_accounts", "view_audit")
ACTION_LABELS = {
    "view": "Xem các trang",
    "download": "Tải về báo cáo, danh sách",
    "upload": "Tải dữ liệu lên",
    "undo": "Hoàn tác lần tải dữ liệu",
    "plan_update": "Cập nhật tiến độ kế hoạch",
    "apology": "Lập thư xin lỗi",
    "manage_accounts": "Quản lý tài khoản",
    "view_audit": "Xem nhật ký thao tác",
}
# Actions done on one unit's data; the others (accounts, audit log) are not per unit.
UNIT_ACTIONS = frozenset({"view", "download", "upload", "undo", "plan_update", "apology"})

_VIEWER = frozenset({"view", "download"})
_STAFF = _VIEWER | {"upload", "undo", "plan_update", "apology"}
RIGHTS: dict[str, frozenset[str]] = {
    "viewer": _VIEWER,
    "staff": _STAFF,
    "admin": frozenset(ACTIONS),
    # No account exists yet (a fresh demo): open as before sign-in existed, every unit.
    # Accounts are created from the command line, never by a passer-by.
    "open": frozenset(ACTIONS) - {"manage_accounts"},
}

ALL_UNITS = "*"  # ``--unit '*'``: every unit, as in ``python -m kpi snapshot``

# --------------------------------------------------------------------------- rules

SESSION_IDLE = dt.timedelta(hours=8)
SESSION_TOUCH = dt.timedelta(seconds=60)  # write last_seen_at at most once a minute
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
LOCKOUT_DURATION = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 64

INVALID_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."
DISABLED_MESSAGE = ("Tài khoản này đã bị vô hiệu hóa. Liên hệ người quản trị để được kích "
                    "hoạt lại.")
OPEN_DEMO_BANNER = (
    "Chưa bật đăng nhập — ai truy cập được địa chỉ này đều tải lên và hoàn tác được. "
    "Tạo tài khoản quản trị: python -m kpi users add --username … --role admin"
)
OPEN_ACTOR = "khách (chưa bật đăng nhập)"
PUBLIC_ACTOR = "khách"


def locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return (
        f"Tên đăng nhập này đang bị tạm khóa vì nhập sai mật khẩu {LOCKOUT_FAILURES} lần "
        f"trong {int(LOCKOUT_WINDOW.total_seconds() // 60)} phút. Vui lòng thử lại sau "
        f"{minutes} phút (sau {until:%H:%M} ngày {until:%d/%m/%Y})."
    )


class AccountError(ValueError):
    """A refused account change; the message is Vietnamese and says what to do."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Account:
    id: int | None
    username: str
    role: str
    enabled: bool = True
    unit_ids: frozenset[int] | None = None  # None: every unit
    unit_names: tuple[str, ...] | None = None
    last_sign_in_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def all_units(self) -> bool:
        return self.unit_ids is None

    @property
    def units_label(self) -> str:
        return "mọi đơn vị" if self.all_units else "; ".join(self.unit_names or ())

    @property
    def rights(self) -> frozenset[str]:
        return RIGHTS.get(self.role, frozenset()) if self.enabled else frozenset()


# What the screens act as without a signed-in account.
OPEN_ACCESS = Account(id=None, username=OPEN_ACTOR, role="open")
PUBLIC_VIEWER = Account(id=None, username=PUBLIC_ACTOR, role="viewer")


@dataclass(frozen=True)
class Session:
    token: str  # give it to the browser session; only its hash is stored
    account: Account
    created_at: dt.datetime


@dataclass(frozen=True)
class Refusal:
    message: str
    reason: str  # invalid | locked | disabled
    locked_until: dt.datetime | None = None


# --------------------------------------------------------------------------- rights


def in_scope(account: Account | None, unit: int | str | None) -> bool:
    """Whether ``unit`` (an id, a name, or ``ALL_UNITS`` for the all-units view) is one of
    the account's units."""
    if account is None:
        return False
    if account.unit_ids is None:
        return True
    if unit is None or unit == ALL_UNITS:
        return False
    if isinstance(unit, int):
        return unit in account.unit_ids
    return normalize_unit_name(unit) in (account.unit_names or ())


def can(account: Account | None, action: str, unit: int | str | None = None) -> bool:
    """May ``account`` do ``action`` (one of ``ACTIONS``)? With ``unit`` (id or name), on
    that unit's data; without, anywhere (is the page or button shown at all)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if account is None or action not in account.rights:
        return False
    if unit is None or action not in UNIT_ACTIONS:
        return True
    return in_scope(account, unit)


def visible_units(account: Account | None, all_units: Iterable[str]) -> list[str]:
    """The names in ``all_units`` the account may see, in the given order."""
    return [u for u in all_units if in_scope(account, u)]


def actor_name(account: Account | None) -> str:
    """The name the audit log records for what ``account`` does."""
    return account.username if account is not None else PUBLIC_ACTOR


def accounts_exist(engine: sa.Engine) -> bool:
    """True from the moment one account exists (enabled or not): every page needs sign-in."""
    with connect(engine) as conn:
        return conn.execute(sa.select(sa.exists().select_from(accounts))).scalar()


def public_viewing() -> bool:
    """``[access] viewing = "public"`` in data/config.toml (or ``CCHC_VIEWING=public``, which
    overrides it): viewers need no sign-in."""
    import os

    value = os.environ.get("CCHC_VIEWING")
    if value is None:
        value = config._config().get("access", {}).get("viewing", "")
    return str(value).strip().lower() == "public"


def access_mode(engine: sa.Engine) -> str:
    """"open" while no account exists (show ``OPEN_DEMO_BANNER``, act as ``OPEN_ACCESS``);
    else "public" when viewers need no sign-in (act as ``PUBLIC_VIEWER`` until signed in);
    else "sign_in"."""
    if not accounts_exist(engine):
        return "open"
    return "public" if public_viewing() else "sign_in"


# --------------------------------------------------------------------------- names, passwords


def normalize_username(name: str) -> str:
    """Names compare as NFC, trimmed, lower case ("Lan" and "lan" are one account)."""
    return unicodedata.normalize("NFC", name or "").strip().lower()


def check_username(name: str) -> str:
    """The normalised name, or AccountError for one the sign-in form could not take."""
    norm = normalize_username(name)
    if not norm:
        raise AccountError("Tên đăng nhập không được để trống.")
    if len(norm) > MAX_USERNAME_LENGTH:
        raise AccountError(f"Tên đăng nhập dài quá {MAX_USERNAME_LENGTH} ký tự.")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in norm):
        raise AccountError("Tên đăng nhập không được chứa dấu cách hay ký tự điều khiển; "
                           "ví dụ: lan.nguyen")
    return norm


def check_password(password: str) -> None:
    password = _nfc(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.")


@lru_cache(maxsize=1)
def _hasher() -> argon2.PasswordHasher:
    # argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a fraction of a
    # second on an office PC. A hash made with other parameters is redone at its next sign-in.
    return argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown names, so they take as long as a wrong password."""
    return _hasher().hash(secrets.token_urlsafe(16))


def _nfc(password: str) -> str:
    # One spelling of a Vietnamese password whatever keyboard typed it (NFC).
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(_nfc(password))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, _nfc(password))
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- reading accounts


def _load(conn: sa.Connection, where) -> list[Account]:
    rows = conn.execute(sa.select(accounts).where(where).order_by(accounts.c.username)).all()
    if not rows:
        return []
    scoped = conn.execute(
        sa.select(account_units.c.account_id, units.c.id, units.c.name)
        .join(units, units.c.id == account_units.c.unit_id)
        .where(account_units.c.account_id.in_([r.id for r in rows]))
        .order_by(units.c.name)
    ).all()
    by_account: dict[int, list] = {}
    for account_id, unit_id, name in scoped:
        by_account.setdefault(account_id, []).append((unit_id, name))
    out = []
    for r in rows:
        own = by_account.get(r.id)
        if r.role == "admin" or not own:
            ids, names = None, None
        else:
            ids, names = frozenset(u for u, _ in own), tuple(n for _, n in own)
        out.append(Account(id=r.id, username=r.username, role=r.role, enabled=bool(r.enabled),
                           unit_ids=ids, unit_names=names, last_sign_in_at=r.last_sign_in_at,
                           created_at=r.created_at))
    return out


def list_accounts(engine: sa.Engine) -> list[Account]:
    """Every account, by name."""
    with connect(engine) as conn:
        return _load(conn, sa.true())


def get_account(engine: sa.Engine, username: str) -> Account | None:
    with connect(engine) as conn:
        found = _load(conn, accounts.c.username == normalize_username(username))
    return found[0] if found else None


def require_account(engine: sa.Engine, username: str) -> Account:
    """The account, or AccountError saying there is none."""
    with connect(engine) as conn:
        return _require(conn, username)


def _require(conn: sa.Connection, username: str) -> Account:
    found = _load(conn, accounts.c.username == normalize_username(username))
    if not found:
        raise AccountError(f"Không có tài khoản \"{normalize_username(username)}\". Xem danh "
                           "sách: python -m kpi users list")
    return found[0]


# --------------------------------------------------------------------------- account changes


def resolve_units(conn: sa.Connection, names: Sequence[str] | None) -> dict[int, str] | None:
    """Unit names -> {id: name}; None (every unit) for no names or ``ALL_UNITS``.
    An unknown name is an AccountError listing the units that exist."""
    names = [n for n in (names or []) if n and n.strip()]
    if not names or any(n.strip() == ALL_UNITS for n in names):
        return None
    found: dict[int, str] = {}
    unknown = []
    for name in names:
        norm = normalize_unit_name(name)
        uid = conn.execute(sa.select(units.c.id).where(units.c.name == norm)).scalar()
        if uid is None:
            unknown.append(norm)
        else:
            found[uid] = norm
    found = dict(sorted(found.items(), key=lambda item: item[1]))  # by name, as listed
    if unknown:
        known = list(conn.execute(sa.select(units.c.name).order_by(units.c.name)).scalars())
        have = ("Các đơn vị hiện có: " + "; ".join(known) + ".") if known else (
            "Cơ sở dữ liệu chưa có đơn vị nào: tải dữ liệu của đơn vị trước "
            "(python -m ingest --unit TÊN ...).")
        listed = ", ".join(f'"{u}"' for u in unknown)
        raise AccountError(f"Không có đơn vị {listed}. {have}")
    return found


def check_new_account(engine: sa.Engine, username: str, role: str,
                      unit_names: Sequence[str] | None = None) -> str:
    """Everything about a new account but its password (so the command line can refuse
    before asking for one); the normalised name."""
    name = check_username(username)
    if role not in ROLES:
        raise AccountError(f"Vai trò không hợp lệ: {role!r}; chọn một trong {', '.join(ROLES)}.")
    with connect(engine) as conn:
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.username == name)).first():
            raise AccountError(f"Tên đăng nhập \"{name}\" đã có. Chọn tên khác, hoặc đổi mật "
                               f"khẩu: python -m kpi users passwd {name}")
        if role != "admin":
            resolve_units(conn, unit_names)
    return name


def add_account(engine: sa.Engine, username: str, password: str, role: str,
                unit_names: Sequence[str] | None = None, *,
                actor: str = audit.CLI_ACTOR) -> Account:
    """Create an account (admin: every unit; viewer/staff: ``unit_names``, none or
    ``ALL_UNITS`` = every unit), audited as ``account_add``."""
    name = check_new_account(engine, username, role, unit_names)
    check_password(password)
    password_hash = hash_password(password)
    now = config.wall_clock()
    with connect(engine, write=True) as conn:
        scope = None if role == "admin" else resolve_units(conn, unit_names)
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.username == name)).first():
            raise AccountError(f"Tên đăng nhập \"{name}\" đã có.")
        account_id = conn.execute(
            sa.insert(accounts).values(username=name, password_hash=password_hash, role=role,
                                       enabled=True, created_at=now, password_changed_at=now)
            .returning(accounts.c.id)
        ).scalar_one()
        if scope:
            conn.execute(sa.insert(account_units),
                         [{"account_id": account_id, "unit_id": uid} for uid in scope])
        units_text = "mọi đơn vị" if scope is None else "; ".join(scope.values())
        audit.record(conn, actor, "account_add", None,
                     f"Tạo tài khoản {name} ({ROLE_LABELS[role]}, {units_text})",
                     {"username": name, "role": role,
                      "units": None if scope is None else list(scope.values())})
        return _load(conn, accounts.c.id == account_id)[0]


def _end_sessions(conn: sa.Connection, account_id: int, reason: str, now: dt.datetime) -> int:
    return conn.execute(
        sa.update(sessions)
        .where(sessions.c.account_id == account_id, sessions.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    ).rowcount


def set_password(engine: sa.Engine, username: str, password: str, *,
                 actor: str = audit.CLI_ACTOR) -> Account:
    """A new password; every open session of the account ends. Audited."""
    check_password(password)
    require_account(engine, username)
    password_hash = hash_password(password)
    now = config.wall_clock()
    with connect(engine, write=True) as conn:
        account = _require(conn, username)
        conn.execute(sa.update(accounts).where(accounts.c.id == account.id)
                     .values(password_hash=password_hash, password_changed_at=now))
        ended = _end_sessions(conn, account.id, "password", now)
        audit.record(conn, actor, "account_passwd", None,
                     f"Đổi mật khẩu tài khoản {account.username}",
                     {"username": account.username, "sessions_ended": ended})
    return account


def set_enabled(engine: sa.Engine, username: str, enabled: bool, *,
                actor: str = audit.CLI_ACTOR) -> tuple[Account, bool]:
    """Enable or disable an account (disabling ends its sessions). Audited when it changes;
    returns the account and whether anything changed."""
    now = config.wall_clock()
    with connect(engine, write=True) as conn:
        account = _require(conn, username)
        if account.enabled == enabled:
            return account, False
        conn.execute(sa.update(accounts).where(accounts.c.id == account.id)
                     .values(enabled=enabled))
        details = {"username": account.username}
        if enabled:
            audit.record(conn, actor, "account_enable", None,
                         f"Kích hoạt lại tài khoản {account.username}", details)
        else:
            details["sessions_ended"] = _end_sessions(conn, account.id, "disabled", now)
            audit.record(conn, actor, "account_disable", None,
                         f"Vô hiệu hóa tài khoản {account.username}", details)
        return _load(conn, accounts.c.id == account.id)[0], True


# --------------------------------------------------------------------------- signing in


def _locked_until(conn: sa.Connection, name: str, now: dt.datetime) -> dt.datetime | None:
    """The end of the name's lock-out, if it is locked at ``now``: 5 failures within 15
    minutes (after its last successful sign-in) lock it for 15 minutes after the 5th."""
    t = sign_in_attempts.c
    last_success = conn.execute(
        sa.select(sa.func.max(t.attempted_at)).where(t.username == name, t.outcome == "success")
    ).scalar()
    stmt = sa.select(t.attempted_at).where(
        t.username == name, t.outcome == "failure",
        t.attempted_at > now - LOCKOUT_WINDOW - LOCKOUT_DURATION, t.attempted_at <= now,
    ).order_by(t.attempted_at)
    if last_success is not None:
        stmt = stmt.where(t.attempted_at > last_success)
    failures = list(conn.execute(stmt).scalars())
    until = None
    n = LOCKOUT_FAILURES
    for i in range(len(failures) - n + 1):
        if failures[i + n - 1] - failures[i] <= LOCKOUT_WINDOW:
            end = failures[i + n - 1] + LOCKOUT_DURATION
            until = end if until is None or end > until else until
    return until if until is not None and now < until else None


def _attempt(conn: sa.Connection, name: str, outcome: str, now: dt.datetime) -> None:
    conn.execute(sa.insert(sign_in_attempts).values(username=name, attempted_at=now,
                                                    outcome=outcome))


def authenticate(engine: sa.Engine, username: str, password: str) -> Session | Refusal:
    """Sign in: a new server-side session, or a Refusal whose message the form shows.

    A wrong name and a wrong password get the same message; after 5 failures for one name
    within 15 minutes the name is refused (even with the right password) for 15 minutes."""
    name = normalize_username(username)[:MAX_USERNAME_LENGTH]
    password = password or ""
    if not name or not password:
        return Refusal(INVALID_MESSAGE, "invalid")
    now = config.wall_clock()
    with connect(engine) as conn:
        until = _locked_until(conn, name, now)
        row = conn.execute(sa.select(accounts).where(accounts.c.username == name)).first()
    if until is None:  # the slow hash outside the transaction: no lock held while it runs
        ok = _verify(row.password_hash if row else _dummy_hash(), password[:MAX_PASSWORD_LENGTH])
    with connect(engine, write=True) as conn:
        if until is None:
            until = _locked_until(conn, name, now)  # a parallel attempt may have locked it
        if until is not None:
            _attempt(conn, name, "locked", now)
            audit.record(conn, name, "sign_in_failed", None,
                         f"Từ chối đăng nhập \"{name}\": tên đăng nhập đang bị tạm khóa",
                         {"username": name, "reason": "locked", "locked_until": until})
            return Refusal(locked_message(until, now), "locked", until)
        if not ok or row is None:
            _attempt(conn, name, "failure", now)
            audit.record(conn, name, "sign_in_failed", None,
                         f"Đăng nhập không thành công: \"{name}\"",
                         {"username": name, "reason": "invalid"})
            until = _locked_until(conn, name, now)
            if until is not None:
                return Refusal(locked_message(until, now), "locked", until)
            return Refusal(INVALID_MESSAGE, "invalid")
        if not row.enabled:
            _attempt(conn, name, "disabled", now)
            audit.record(conn, name, "sign_in_failed", None,
                         f"Từ chối đăng nhập \"{name}\": tài khoản đã bị vô hiệu hóa",
                         {"username": name, "reason": "disabled"})
            return Refusal(DISABLED_MESSAGE, "disabled")
        _attempt(conn, name, "success", now)
        values = {"last_sign_in_at": now}
        if _hasher().check_needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        conn.execute(sa.update(accounts).where(accounts.c.id == row.id).values(**values))
        token = secrets.token_urlsafe(32)
        conn.execute(sa.insert(sessions).values(token_hash=_token_hash(token), account_id=row.id,
                                                created_at=now, last_seen_at=now))
        audit.record(conn, name, "sign_in", None, f"Đăng nhập: {name}", {"username": name})
        account = _load(conn, accounts.c.id == row.id)[0]
    return Session(token=token, account=account, created_at=now)


def session_account(engine: sa.Engine, token: str | None) -> Account | None:
    """The account signed in with ``token``, or None when the session is unknown, ended
    (sign-out, account disabled, password changed) or idle for 8 hours (it ends then).
    A valid session is touched (its 8 hours start again)."""
    if not token:
        return None
    now = config.wall_clock()
    s = sessions.c
    with connect(engine, write=True) as conn:
        row = conn.execute(
            sa.select(s.token_hash, s.account_id, s.last_seen_at, s.ended_at, accounts.c.enabled)
            .join(accounts, accounts.c.id == s.account_id)
            .where(s.token_hash == _token_hash(token))
        ).first()
        if row is None or row.ended_at is not None:
            return None
        where = s.token_hash == row.token_hash
        if not row.enabled:  # (disabling ends its sessions; this is belt and braces)
            conn.execute(sa.update(sessions).where(where).values(ended_at=now,
                                                                 end_reason="disabled"))
            return None
        if now - row.last_seen_at >= SESSION_IDLE:
            conn.execute(sa.update(sessions).where(where).values(ended_at=now,
                                                                 end_reason="expired"))
            return None
        if now - row.last_seen_at >= SESSION_TOUCH:
            conn.execute(sa.update(sessions).where(where).values(last_seen_at=now))
        return _load(conn, accounts.c.id == row.account_id)[0]


def sign_out(engine: sa.Engine, token: str | None) -> bool:
    """End the session ("Đăng xuất"); audited. False when it was not open."""
    if not token:
        return False
    now = config.wall_clock()
    with connect(engine, write=True) as conn:
        row = conn.execute(
            sa.select(sessions.c.account_id, accounts.c.username)
            .join(accounts, accounts.c.id == sessions.c.account_id)
            .where(sessions.c.token_hash == _token_hash(token), sessions.c.ended_at.is_(None))
        ).first()
        if row is None:
            return False
        conn.execute(sa.update(sessions).where(sessions.c.token_hash == _token_hash(token))
                     .values(ended_at=now, end_reason="sign_out"))
        audit.record(conn, row.username, "sign_out", None, f"Đăng xuất: {row.username}",
                     {"username": row.username})
    return True
