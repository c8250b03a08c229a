"""Signing in on the screens (shared/spec/access.md): who is using this browser session, what
their role lets them do, which units they see.

The rules live in ``kpi.accounts`` (roles, rights, sessions, lock-out); this module keeps the
session token and draws the sign-in form, the sign-out button and the refusals::

    account = auth.current_account()     # None: must sign in; OPEN_ACCESS while no account exists
    auth.can("upload", unit)             # show the control at all?
    auth.visible_units(names)            # the unit selector, every list
    auth.require_role("admin")           # refuse the page with a Vietnamese message, stop

The session lives in the database (``kpi.accounts``: only the SHA-256 of its random token is
stored). This browser session keeps the token in ``st.session_state``, and the browser keeps it
in a session cookie (``COOKIE``: SameSite=Strict, no lifetime — it ends when the browser is
closed; Secure over https), so a reload or a new tab of the same browser stays signed in for
as long as access.md lets the session live. The token is checked against the database on
every run: a sign-out, 8 hours without use, a disabled account or a changed password ends it
at the next click, whatever the cookie says; "Đăng xuất" also deletes the cookie.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import streamlit as st

from kpi import accounts as A
from kpi import config
from ui import data, safe

TOKEN_KEY = "auth_token"
NOTICE_KEY = "auth_notice"
COOKIE = "cchc_phien"
COOKIE_DEAD_KEY = "auth_cookie_dead"  # a cookie token known to be ended: not checked again
COOKIE_TODO_KEY = "auth_cookie_todo"  # "set" | "clear": done by the next frame run
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
    from_cookie = False
    if not token:
        kept = _cookie_token()
        if kept and kept != S.get(COOKIE_DEAD_KEY):
            token, from_cookie = kept, True
    account = A.session_account(eng, token) if token else None
    if token and account is None:  # expired, signed out elsewhere, disabled, new password
        S.pop(TOKEN_KEY, None)
        S[COOKIE_DEAD_KEY] = token  # the cookie may still carry it: not checked again
        if not from_cookie:
            S[NOTICE_KEY] = SESSION_ENDED
        S[COOKIE_TODO_KEY] = "clear"
    elif from_cookie:
        S[TOKEN_KEY] = token
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
    S[COOKIE_TODO_KEY] = "set"
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
    """"Đăng xuất": end the server-side session (audited), forget it here, delete the cookie."""
    token = S.get(TOKEN_KEY)
    if token:
        A.sign_out(engine(), token)
    _clear_session()
    S[NOTICE_KEY] = SIGNED_OUT
    S[COOKIE_TODO_KEY] = "clear"
    kept = _cookie_token()
    if kept:
        S[COOKIE_DEAD_KEY] = kept  # the browser sent it when this tab opened: ended now
    _forget_run_cache()


# --------------------------------------------------------------------------- the cookie


def _cookie_token() -> str | None:
    """The token the browser sent when this tab connected (``st.context.cookies``)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser (AppTest, bare mode)
        return None
    return value if isinstance(value, str) and 20 <= len(value) <= 100 else None


def cookie_script(action: str, token: str | None = None) -> str:
    """The script that sets (``action="set"``) or deletes the session cookie. The token is
    URL-safe base64 (``secrets.token_urlsafe``): checked, never anything else in the script."""
    import re

    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    if action == "set":
        if not token or not re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token):
            raise ValueError("not a session token")
        value = f"'{COOKIE}={token}; path=/; SameSite=Strict' + {secure}"
    else:
        value = f"'{COOKIE}=; path=/; max-age=0; SameSite=Strict' + {secure}"
    return f"<script>document.cookie = {value};</script>"


def sync_cookie() -> None:
    """Set or delete the browser's cookie after a sign-in or a sign-out (the frame calls it
    on every run; nothing is drawn otherwise)."""
    todo = S.pop(COOKIE_TODO_KEY, None)
    if todo == "set" and S.get(TOKEN_KEY):
        st.html(cookie_script("set", S[TOKEN_KEY]), unsafe_allow_javascript=True)
    elif todo == "clear":
        st.html(cookie_script("clear"), unsafe_allow_javascript=True)


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
