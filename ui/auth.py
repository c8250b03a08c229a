"""Signing in on the screens (shared/spec/access.md): who is using this browser session, what
their role lets them do, which units they see.

The rules live in ``kpi.accounts`` (roles, rights, sessions, lock-out); this module keeps the
session token and draws the sign-in form, the sign-out button and the refusals::

    account = auth.current_account()     # None: must sign in; OPEN_ACCESS while no account exists
    auth.can("upload", unit)             # show the control at all?
    auth.visible_units(names)            # the unit selector, every list
    auth.require_role("admin")           # refuse the page with a Vietnamese message, stop

The token is kept only in this server's memory of the browser session (``st.session_state``):
the browser never holds it, so closing or reloading the tab ends the sign-in for that tab
(the server-side session then expires after 8 hours without use). It is checked against the
database on every run, so a sign-out, an expiry, a disabled account or a changed password
takes effect at the next click.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import streamlit as st

from kpi import accounts as A
from kpi import config
from ui import data, safe

TOKEN_KEY = "auth_token"
NOTICE_KEY = "auth_notice"
SESSION_ENDED = ("Phiên đăng nhập đã kết thúc (đã đăng xuất, quá 8 giờ không dùng, hoặc tài "
                 "khoản vừa được đổi mật khẩu / vô hiệu hóa). Vui lòng đăng nhập lại.")
NEEDS_SIGN_IN = "Vui lòng đăng nhập để xem trang này."
SIGNED_OUT = "Đã đăng xuất."
S = st.session_state


def engine():
    return data.engine(config.db_url())


# --------------------------------------------------------------------------- who is signed in


def _run_marker():
    """An object that lives exactly one script run (the run's parallel coordinator), so the
    account is read from the database once per run, and again at the next click."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx, (getattr(ctx, "parallel_coordinator", None) if ctx else None)


def _resolve() -> tuple[str, A.Account | None]:
    eng = engine()
    mode = A.access_mode(eng)
    if mode == "open":
        S.pop(TOKEN_KEY, None)
        return mode, A.OPEN_ACCESS
    token = S.get(TOKEN_KEY)
    account = A.session_account(eng, token) if token else None
    if token and account is None:  # expired, signed out elsewhere, disabled, new password
        S.pop(TOKEN_KEY, None)
        S[NOTICE_KEY] = SESSION_ENDED
    if account is None and mode == "public":
        account = A.PUBLIC_VIEWER
    return mode, account


def _state() -> tuple[str, A.Account | None]:
    ctx, marker = _run_marker()
    cached = getattr(ctx, "_cchc_auth", None) if ctx is not None else None
    if cached is not None and marker is not None and cached[0] is marker \
            and cached[1] == S.get(TOKEN_KEY):
        return cached[2], cached[3]
    mode, account = _resolve()
    if ctx is not None and marker is not None:
        ctx._cchc_auth = (marker, S.get(TOKEN_KEY), mode, account)
    return mode, account


def _forget_run_cache() -> None:
    ctx, _ = _run_marker()
    if ctx is not None and hasattr(ctx, "_cchc_auth"):
        ctx._cchc_auth = None


def mode() -> str:
    """"open" (no account exists yet), "public" (viewers need no sign-in) or "sign_in"."""
    return _state()[0]


def current_account() -> A.Account | None:
    """The signed-in account; ``OPEN_ACCESS`` while no account exists; ``PUBLIC_VIEWER`` in
    public viewing when nobody is signed in; else None (the page must ask for sign-in)."""
    return _state()[1]


def signed_in() -> bool:
    account = current_account()
    return account is not None and account.id is not None


def role() -> str | None:
    account = current_account()
    return account.role if account is not None else None


def can(action: str, unit: int | str | None = None) -> bool:
    """May the current user do ``action`` (``kpi.accounts.ACTIONS``), on ``unit`` if given?"""
    return A.can(current_account(), action, unit)


def actor() -> str:
    """The name the audit log records for what this browser session does."""
    account = current_account()
    return account.username if account is not None else A.PUBLIC_ACTOR


def visible_units(names: Iterable[str]) -> list[str]:
    """The names the current user may see, in the given order."""
    return A.visible_units(current_account(), names)


def scoped_unit(unit: str | None) -> str | None:
    """``unit`` when the current user may see it; else their first unit (None for nobody)."""
    account = current_account()
    if account is None:
        return None
    if unit and A.in_scope(account, unit):
        return unit
    if account.all_units:
        return unit
    return (account.unit_names or (None,))[0]


def allowed(roles: Sequence[str]) -> bool:
    """Whether a page open to ``roles`` opens for the current user. An empty ``roles`` is a
    page for everyone (the sign-in page); while no account exists every page opens."""
    if not roles:
        return True
    account = current_account()
    if account is None or not account.enabled:
        return False
    return account.role == "open" or account.role in roles


# --------------------------------------------------------------------------- screens


def roles_text(roles: Sequence[str]) -> str:
    return " hoặc ".join(A.ROLE_LABELS[r] for r in roles)


def refuse(title: str, roles: Sequence[str]) -> None:
    """The Vietnamese refusal of a page the current user may not open (and the sign-in form
    when signing in could help); the page does not run."""
    account = current_account()
    if account is None or account.id is None:  # nobody signed in (or a public viewer)
        if account is None:
            st.info(NEEDS_SIGN_IN, icon="🔒")
        else:
            st.info(f"Trang «{title}» cần đăng nhập bằng tài khoản {roles_text(roles)}.",
                    icon="🔒")
        sign_in_form("guard")
        return
    st.error(f"Trang «{title}» chỉ dành cho tài khoản {roles_text(roles)}. Tài khoản "
             f"{safe.md(account.username)} ({account.role_label}) không mở được trang này.",
             icon="⛔")


def require_role(*roles: str, title: str = "này") -> None:
    """Stop the page with a Vietnamese refusal unless the current user has one of ``roles``
    (nothing: any signed-in role)."""
    wanted = tuple(roles) or A.ROLES
    if allowed(wanted):
        return
    refuse(title, wanted)
    st.stop()


def refuse_action(text: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
    st.error(text, icon="⛔")


def banner() -> None:
    """The open-demo banner, on every page while no account exists."""
    if mode() == "open":
        st.html(banner_html())


def banner_html() -> str:
    """The open-demo banner as a static HTML block (our own text, escaped; an HTML element so
    the pages' own messages and Markdown keep their places)."""
    import html

    return ('<div class="cchc-open-demo" role="alert" style="background:#FFF4E5;'
            'border:1px solid #F0A030;border-radius:0.5rem;padding:0.6rem 0.9rem;'
            'color:#5A3A00;">⚠️ ' + html.escape(A.OPEN_DEMO_BANNER) + "</div>")


def sign_in_form(key: str = "sign_in", then: str | None = None) -> bool:
    """The form "Tên đăng nhập" / "Mật khẩu" / "Đăng nhập". A successful sign-in keeps the
    token and reruns the page; a refusal shows its message (the same for a wrong name or a
    wrong password; the lock-out says until when). ``then``: the page file to go to after
    signing in (else this page again). Returns False when nothing happened."""
    notice = S.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon="ℹ️")
    with st.form(f"{key}_form", clear_on_submit=True, enter_to_submit=True):
        name = st.text_input("Tên đăng nhập", key=f"{key}_username", autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", key=f"{key}_password",
                                 autocomplete="current-password")
        pressed = st.form_submit_button("Đăng nhập", type="primary")
    if not pressed:
        return False
    result = A.authenticate(engine(), name or "", password or "")
    if isinstance(result, A.Refusal):
        st.error(result.message, icon="❌")
        return False
    _clear_session()
    S[TOKEN_KEY] = result.token
    _forget_run_cache()
    if then:
        st.switch_page(then)
    st.rerun()
    return True  # (not reached)


def _clear_session() -> None:
    """Forget everything the previous user chose or built in this browser session (unit,
    generated files, messages): the next user starts clean."""
    for key in list(S.keys()):
        try:
            del S[key]
        except Exception:  # noqa: BLE001 - a widget key that cannot be deleted mid-run
            pass


def sign_out() -> None:
    """"Đăng xuất": end the server-side session (audited) and forget it here."""
    token = S.get(TOKEN_KEY)
    if token:
        A.sign_out(engine(), token)
    _clear_session()
    S[NOTICE_KEY] = SIGNED_OUT
    _forget_run_cache()


def account_box() -> None:
    """The sidebar's account line: who is signed in, the role and units, "Đăng xuất"; in
    public viewing, a way to sign in."""
    account = current_account()
    sb = st.sidebar
    if account is None or account.role == "open":
        return
    if account.id is None:  # public viewer
        sb.caption("👁️ Đang xem không đăng nhập.")
        if sb.button("Đăng nhập", key="auth_go_sign_in"):
            st.switch_page("pages/dang-nhap.py")
        return
    sb.caption(f"👤 {safe.md(account.username)} · {account.role_label} · "
               f"{safe.md(account.units_label)}")
    if sb.button("Đăng xuất", key="auth_sign_out"):
        sign_out()
        st.rerun()
