"""Accounts, roles and sessions (access.md): hashes only, one message for a wrong name or
password, the lock-out, 8 hours of inactivity, revocation, and unit scoping."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi import accounts as A
from kpi import config
from kpi import db as kdb
from kpi.schema import accounts, metadata, sessions
from tests.fixtures import make_unit

LOC_TAN = "Xã Lộc Tân"
BAC_HA = "Phường Bắc Hà"
PASSWORD = "Quả-Cam-Zebra-9731"


def at(monkeypatch, when: str) -> None:
    """Pin the clock of sign-in, sessions and the audit log."""
    monkeypatch.setenv("CCHC_NOW", when)


@pytest.fixture
def units(engine):
    return {LOC_TAN: make_unit(engine, LOC_TAN), BAC_HA: make_unit(engine, BAC_HA)}


# --------------------------------------------------------------------------- hashing


def _all_text(engine) -> str:
    """Every value of every table, as text (what a reader of the database could see)."""
    parts = []
    with kdb.connect(engine) as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.select(sa.text("*")).select_from(sa.table(table))):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def test_passwords_and_tokens_are_stored_only_as_hashes(engine, units, db_url, monkeypatch):
    at(monkeypatch, "2026-04-02T08:00:00")
    A.add_account(engine, "zebra.marker", PASSWORD, "staff", [LOC_TAN])
    session = A.authenticate(engine, "zebra.marker", PASSWORD)
    assert isinstance(session, A.Session)
    with kdb.connect(engine) as conn:
        stored = conn.execute(sa.select(accounts.c.password_hash)).scalar_one()
        token_hashes = list(conn.execute(sa.select(sessions.c.token_hash)).scalars())
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert token_hashes and session.token not in token_hashes
    text = _all_text(engine)
    assert "zebra.marker" in text  # the scan sees what is stored...
    assert PASSWORD not in text and session.token not in text  # ...and no secret is
    if kdb.is_duckdb(db_url):
        with kdb.connect(engine) as conn:
            conn.exec_driver_sql("CHECKPOINT")
        path = kdb.duckdb_file(db_url)
        raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + ".wal"))
                       if p.exists())
        assert b"zebra.marker" in raw  # plain text of the file is readable by this scan
        for secret in (PASSWORD, session.token):
            assert secret.encode("utf-8") not in raw
            assert secret.encode("utf-16-le") not in raw


def test_same_password_gets_a_new_salt_and_verifies(engine, units):
    a = A.add_account(engine, "an", PASSWORD, "viewer")
    b = A.add_account(engine, "binh", PASSWORD, "viewer")
    with kdb.connect(engine) as conn:
        hashes = dict(conn.execute(sa.select(accounts.c.username, accounts.c.password_hash)).all())
    assert hashes["an"] != hashes["binh"]
    assert isinstance(A.authenticate(engine, a.username, PASSWORD), A.Session)
    assert isinstance(A.authenticate(engine, b.username, PASSWORD), A.Session)


def test_a_weaker_hash_is_redone_at_sign_in(engine, units):
    import argon2

    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    old = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.update(accounts).values(password_hash=old))
    assert isinstance(A.authenticate(engine, "lan", PASSWORD), A.Session)
    with kdb.connect(engine) as conn:
        new = conn.execute(sa.select(accounts.c.password_hash)).scalar_one()
    assert new != old and new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(A.authenticate(engine, "lan", PASSWORD), A.Session)


# --------------------------------------------------------------------------- signing in


def test_sign_in_and_one_message_for_wrong_name_or_password(engine, units, monkeypatch):
    at(monkeypatch, "2026-04-02T08:15:00")
    A.add_account(engine, "Lan.Nguyen", PASSWORD, "staff", [LOC_TAN])
    ok = A.authenticate(engine, "  LAN.nguyen ", PASSWORD)  # names ignore case and spaces
    assert isinstance(ok, A.Session)
    assert ok.account.username == "lan.nguyen"
    assert ok.account.role == "staff" and ok.account.unit_names == (LOC_TAN,)
    assert ok.account.last_sign_in_at == dt.datetime(2026, 4, 2, 8, 15)
    assert len(ok.token) >= 40
    wrong_password = A.authenticate(engine, "lan.nguyen", PASSWORD + "x")
    wrong_name = A.authenticate(engine, "lan.nguyenx", PASSWORD)
    empty = A.authenticate(engine, "", "")
    for refusal in (wrong_password, wrong_name, empty):
        assert isinstance(refusal, A.Refusal)
        assert refusal.message == "Tên đăng nhập hoặc mật khẩu không đúng."
        assert refusal.reason == "invalid"


def test_disabled_account_cannot_sign_in(engine, units):
    A.add_account(engine, "minh", PASSWORD, "viewer")
    A.set_enabled(engine, "minh", False)
    refused = A.authenticate(engine, "minh", PASSWORD)
    assert refused == A.Refusal(A.DISABLED_MESSAGE, "disabled")
    # Without the right password it is the ordinary message: nothing is revealed.
    assert A.authenticate(engine, "minh", "sai-mat-khau").message == A.INVALID_MESSAGE


def _fail(engine, monkeypatch, name: str, when: str):
    at(monkeypatch, f"2026-04-02T{when}")
    return A.authenticate(engine, name, "sai-mat-khau")


def test_lock_out_after_five_failures_in_fifteen_minutes(engine, units, monkeypatch):
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    A.add_account(engine, "minh", PASSWORD, "viewer")
    for when in ("08:00:00", "08:03:00", "08:06:00", "08:09:00"):
        assert _fail(engine, monkeypatch, "lan", when).reason == "invalid"
    fifth = _fail(engine, monkeypatch, "lan", "08:12:00")
    assert fifth.reason == "locked"
    assert fifth.locked_until == dt.datetime(2026, 4, 2, 8, 27)
    assert fifth.message == (
        "Tên đăng nhập này đang bị tạm khóa vì nhập sai mật khẩu 5 lần trong 15 phút. "
        "Vui lòng thử lại sau 15 phút (sau 08:27 ngày 02/04/2026).")
    # Refused even with the right password; the message counts down.
    at(monkeypatch, "2026-04-02T08:20:00")
    refused = A.authenticate(engine, "lan", PASSWORD)
    assert refused.reason == "locked" and "thử lại sau 7 phút" in refused.message
    at(monkeypatch, "2026-04-02T08:26:59")
    assert A.authenticate(engine, "lan", PASSWORD).reason == "locked"
    # Another name is not affected.
    assert isinstance(A.authenticate(engine, "minh", PASSWORD), A.Session)
    # 15 minutes after the fifth failure (refusals meanwhile do not extend it): released.
    at(monkeypatch, "2026-04-02T08:27:00")
    assert isinstance(A.authenticate(engine, "lan", PASSWORD), A.Session)


def test_lock_out_window_slides_and_a_success_starts_again(engine, units, monkeypatch):
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    # Five failures spread over 16 minutes: not five within 15.
    for when in ("09:00:00", "09:05:00", "09:10:00", "09:15:00", "09:16:00"):
        assert _fail(engine, monkeypatch, "lan", when).reason == "invalid"
    # The sixth makes five within 12 minutes (09:05-09:17).
    assert _fail(engine, monkeypatch, "lan", "09:17:00").reason == "locked"
    at(monkeypatch, "2026-04-02T09:32:00")
    assert isinstance(A.authenticate(engine, "lan", PASSWORD), A.Session)
    # Failures before a successful sign-in do not count any more.
    for when in ("09:33:00", "09:34:00", "09:35:00", "09:36:00"):
        assert _fail(engine, monkeypatch, "lan", when).reason == "invalid"
    at(monkeypatch, "2026-04-02T09:37:00")
    assert isinstance(A.authenticate(engine, "lan", PASSWORD), A.Session)
    assert _fail(engine, monkeypatch, "lan", "09:38:00").reason == "invalid"


def test_an_unknown_name_is_locked_the_same_way(engine, units, monkeypatch):
    for minute in range(5):
        result = _fail(engine, monkeypatch, "ghost", f"10:0{minute}:00")
    assert result.reason == "locked"
    assert result.message.startswith("Tên đăng nhập này đang bị tạm khóa")


# --------------------------------------------------------------------------- sessions


def test_session_expires_after_eight_hours_without_use(engine, units, monkeypatch):
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    at(monkeypatch, "2026-04-02T08:00:00")
    token = A.authenticate(engine, "lan", PASSWORD).token
    at(monkeypatch, "2026-04-02T15:59:00")
    assert A.session_account(engine, token).username == "lan"  # used: 8 hours start again
    at(monkeypatch, "2026-04-02T23:58:59")
    assert A.session_account(engine, token).username == "lan"
    at(monkeypatch, "2026-04-03T07:58:59")
    assert A.session_account(engine, token) is None
    at(monkeypatch, "2026-04-03T08:00:00")
    assert A.session_account(engine, token) is None  # it stays ended
    with kdb.connect(engine) as conn:
        row = conn.execute(sa.select(sessions.c.ended_at, sessions.c.end_reason)).one()
    assert row == (dt.datetime(2026, 4, 3, 7, 58, 59), "expired")


def test_session_untouched_for_exactly_eight_hours_is_over(engine, units, monkeypatch):
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    at(monkeypatch, "2026-04-02T08:00:00")
    token = A.authenticate(engine, "lan", PASSWORD).token
    at(monkeypatch, "2026-04-02T15:59:59")
    at_edge = A.session_account(engine, token)
    assert at_edge is not None
    at(monkeypatch, "2026-04-02T23:59:59")
    assert A.session_account(engine, token) is None


def test_sessions_end_at_sign_out_disable_and_password_change(engine, units, monkeypatch):
    at(monkeypatch, "2026-04-02T08:00:00")
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    A.add_account(engine, "minh", PASSWORD, "viewer")
    lan1 = A.authenticate(engine, "lan", PASSWORD).token
    lan2 = A.authenticate(engine, "lan", PASSWORD).token
    minh = A.authenticate(engine, "minh", PASSWORD).token
    assert A.session_account(engine, "not-a-token") is None
    assert A.session_account(engine, None) is None

    assert A.sign_out(engine, lan1) is True
    assert A.session_account(engine, lan1) is None
    assert A.session_account(engine, lan2).username == "lan"
    assert A.sign_out(engine, lan1) is False  # already ended

    A.set_enabled(engine, "lan", False)
    assert A.session_account(engine, lan2) is None
    A.set_enabled(engine, "lan", True)
    assert A.session_account(engine, lan2) is None  # enabling again does not revive it
    lan3 = A.authenticate(engine, "lan", PASSWORD).token
    assert A.session_account(engine, lan3).username == "lan"

    at(monkeypatch, "2026-04-02T09:00:00")
    A.set_password(engine, "lan", "mat-khau-moi-2026")
    assert A.session_account(engine, lan3) is None
    assert A.authenticate(engine, "lan", PASSWORD).message == A.INVALID_MESSAGE
    assert isinstance(A.authenticate(engine, "lan", "mat-khau-moi-2026"), A.Session)
    assert A.session_account(engine, minh).username == "minh"  # other accounts untouched
    with kdb.connect(engine) as conn:
        reasons = sorted(r for r in conn.execute(sa.select(sessions.c.end_reason)).scalars() if r)
    assert reasons == ["disabled", "password", "sign_out"]


# --------------------------------------------------------------------------- roles, units

EXPECTED_RIGHTS = {
    "viewer": {"view", "download"},
    "staff": {"view", "download", "upload", "undo", "plan_update", "apology"},
    "admin": set(A.ACTIONS),
}


@pytest.mark.parametrize("role", A.ROLES)
def test_rights_of_each_role(role):
    account = A.Account(id=1, username="x", role=role)
    assert {a for a in A.ACTIONS if A.can(account, a)} == EXPECTED_RIGHTS[role]
    disabled = A.Account(id=1, username="x", role=role, enabled=False)
    assert not any(A.can(disabled, a) for a in A.ACTIONS)
    with pytest.raises(ValueError):
        A.can(account, "delete_everything")


def test_a_staff_account_acts_only_on_its_units(engine, units):
    staff = A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    viewer = A.add_account(engine, "minh", PASSWORD, "viewer", [BAC_HA, LOC_TAN])
    admin = A.add_account(engine, "quantri", PASSWORD, "admin", [LOC_TAN])
    province = A.add_account(engine, "tinh", PASSWORD, "viewer", ["*"])
    assert staff.unit_ids == frozenset({units[LOC_TAN]})
    for action in ("view", "download", "upload", "undo", "plan_update", "apology"):
        assert A.can(staff, action, LOC_TAN)
        assert A.can(staff, action, units[LOC_TAN])
        assert not A.can(staff, action, BAC_HA)
        assert not A.can(staff, action, units[BAC_HA])
        assert not A.can(staff, action, A.ALL_UNITS)  # the all-units sum shows other units
    assert A.can(staff, "upload", "Xa\u0303 Lộc Tân")  # an NFD spelling is the same unit
    assert not A.can(staff, "manage_accounts") and not A.can(staff, "view_audit")
    assert A.can(viewer, "view", BAC_HA) and not A.can(viewer, "upload", BAC_HA)
    assert admin.all_units and A.can(admin, "undo", BAC_HA) and A.can(admin, "view", "*")
    assert province.all_units and A.can(province, "view", BAC_HA)
    assert not A.can(province, "upload", BAC_HA)
    all_units = [BAC_HA, LOC_TAN, "Xã Mới"]
    assert A.visible_units(staff, all_units) == [LOC_TAN]
    assert A.visible_units(viewer, all_units) == [BAC_HA, LOC_TAN]
    assert A.visible_units(admin, all_units) == all_units
    assert A.visible_units(None, all_units) == []
    # The scope read back from the database is the same.
    assert A.get_account(engine, "LAN") == staff
    assert [a.username for a in A.list_accounts(engine)] == ["lan", "minh", "quantri", "tinh"]
    assert A.get_account(engine, "minh").units_label == f"{BAC_HA}; {LOC_TAN}"
    assert A.get_account(engine, "tinh").units_label == "mọi đơn vị"


def test_open_demo_and_public_viewing(engine, units, monkeypatch):
    assert not A.accounts_exist(engine)
    assert A.access_mode(engine) == "open"
    assert A.can(A.OPEN_ACCESS, "upload", BAC_HA) and A.can(A.OPEN_ACCESS, "undo", LOC_TAN)
    assert not A.can(A.OPEN_ACCESS, "manage_accounts")
    assert A.OPEN_DEMO_BANNER.startswith("Chưa bật đăng nhập — ai truy cập được địa chỉ này")
    A.add_account(engine, "quantri", PASSWORD, "admin")
    assert A.accounts_exist(engine)
    assert A.access_mode(engine) == "sign_in"
    A.set_enabled(engine, "quantri", False)
    assert A.access_mode(engine) == "sign_in"  # a disabled account still closes the demo
    monkeypatch.setattr(config, "_config", lambda: {"access": {"viewing": "public"}})
    assert A.access_mode(engine) == "public"
    assert A.can(A.PUBLIC_VIEWER, "view", BAC_HA) and A.can(A.PUBLIC_VIEWER, "download")
    assert not A.can(A.PUBLIC_VIEWER, "upload") and not A.can(A.PUBLIC_VIEWER, "plan_update")


# --------------------------------------------------------------------------- refusals


def _snapshot_rows(engine):
    with kdb.connect(engine) as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


def test_refused_account_changes_store_nothing(engine, units):
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    before = _snapshot_rows(engine)
    cases = [
        (("LAN", PASSWORD, "viewer"), 'Tên đăng nhập "lan" đã có.'),
        (("hoa", PASSWORD, "staff", [LOC_TAN, "Xã Không Có"]),
         f'Không có đơn vị "Xã Không Có". Các đơn vị hiện có: {BAC_HA}; {LOC_TAN}.'),
        (("hoa", "1234567", "staff", [LOC_TAN]), "Mật khẩu phải có ít nhất 8 ký tự."),
        (("hoa", PASSWORD, "superuser"), "Vai trò không hợp lệ"),
        (("hoa nguyen", PASSWORD, "viewer"), "không được chứa dấu cách"),
        (("   ", PASSWORD, "viewer"), "Tên đăng nhập không được để trống."),
    ]
    for args, message in cases:
        with pytest.raises(A.AccountError) as info:
            A.add_account(engine, *args)
        assert message in str(info.value)
    with pytest.raises(A.AccountError, match='Không có tài khoản "ai"'):
        A.set_password(engine, "ai", PASSWORD)
    with pytest.raises(A.AccountError, match="ít nhất 8 ký tự"):
        A.set_password(engine, "lan", "ngan")
    with pytest.raises(A.AccountError, match='Không có tài khoản "ai"'):
        A.set_enabled(engine, "ai", False)
    assert _snapshot_rows(engine) == before
