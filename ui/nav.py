"""The pages of the dashboard, in menu order: the one registry app.py turns into
``st.navigation``, filtered by the signed-in role (``NavPage.roles``; ui/auth.py).

Roles: a page the current user may not open is left out of the menu but still answers at its
address (hidden), so a URL typed directly gets our Vietnamese refusal (``auth.refuse``) and not
Streamlit's English "page not found"; the refusal is drawn by the frame instead of the page, and
every page checks again itself (``nav.guard``) when it runs on its own.

A page is a file of pages/ named after its address: ``pages/chi-tiet.py`` answers at
``/chi-tiet``. A new page is one file there, one line in ``PAGES``, and ``nav.require_frame()``
as its first call.

Why the file name is the address — the first visit after a server start. Streamlit decides
once per server process, when the first session starts, whether the app is an old-style
"pages folder" app: ``PagesManager.uses_pages_directory`` becomes ``True`` because pages/ lies
next to app.py (streamlit/runtime/pages_manager.py). While it is ``True`` — until some run has
called ``st.navigation``, which sets it to ``False`` — every run executes ``_mpa_v1`` instead of
app.py (streamlit/runtime/scriptrunner/script_runner.py): a menu built from the file names of
pages/, the requested address looked up among those names, and "Page not found" for any other
(Streamlit issue #9624). With the file named after the address, that first run finds the file;
its first call, ``require_frame()``, ends the old mode and draws the frame right there: our
menu (``st.navigation`` resolves the same address), the shared sidebar, then the page itself,
inside it; then it stops the outer run. Nothing is rerun, so a click or a choice that came with
that run is kept. (AppTest starts every run in the old mode: every page test on a page other
than "/" goes this way.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import auth


EVERYONE = ("viewer", "staff", "admin")
STAFF = ("staff", "admin")
ADMIN = ("admin",)
ANYONE: tuple[str, ...] = ()
SIGN_IN_PAGE = "dang-nhap"


@dataclass(frozen=True)
class NavPage:
    title: str
    file: str  # relative to the project root, e.g. "pages/chi-tiet.py"
    icon: str
    default: bool = False  # the page at "/"
    roles: tuple[str, ...] = EVERYONE  # who may open it; () = anyone, signed in or not
    # The shared sidebar's controls the page uses (ui.common.CONTROLS: "unit", "period",
    # "choices" — the definitions); the sidebar draws only those.
    controls: tuple[str, ...] = ("unit", "period", "choices")

    @property
    def url_path(self) -> str:
        """The page's address: its file name (see the module docstring)."""
        return PurePosixPath(self.file).stem


PAGES: tuple[NavPage, ...] = (
    NavPage("Tổng quan", "pages/tong-quan.py", "📊", default=True),
    NavPage("Việc cần làm", "pages/viec-can-lam.py", "⏰", controls=("unit", "choices")),
    NavPage("Chi tiết chỉ tiêu", "pages/chi-tiet.py", "🔎"),
    NavPage("Tải dữ liệu", "pages/tai-du-lieu.py", "📤", roles=STAFF, controls=("unit",)),
    NavPage("Báo cáo", "pages/bao-cao.py", "🖨️"),
    NavPage("Kế hoạch", "pages/ke-hoach.py", "🗂️", controls=("unit",)),
    NavPage("Nhật ký thao tác", "pages/nhat-ky.py", "📜", roles=ADMIN, controls=()),
    NavPage("Đăng nhập", "pages/dang-nhap.py", "🔑", roles=ANYONE, controls=()),
)


def page(url_path: str) -> NavPage:
    """The registry entry answering at ``/url_path``."""
    return next(p for p in PAGES if p.url_path == url_path)


def _st_pages(p: NavPage, shown: bool = True) -> list:
    """The ``st.Page`` of a registry entry (hidden from the menu unless ``shown``). The default
    page answers at "/" — Streamlit gives it no address of its own — so a hidden twin answers
    at its address too (``/tong-quan``)."""
    visibility = "visible" if shown else "hidden"
    if not p.default:
        return [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path,
                        visibility=visibility)]
    return [st.Page(p.file, title=p.title, icon=p.icon, url_path="", default=True,
                    visibility=visibility),
            st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, visibility="hidden")]


def in_menu(p: NavPage) -> bool:
    """Whether the current user sees ``p`` in the menu: the pages their role opens; the
    sign-in page only while nobody is signed in and sign-in is on."""
    if p.url_path == SIGN_IN_PAGE:
        return auth.mode() != "open" and not auth.signed_in()
    return auth.allowed(p.roles)


def frame() -> None:
    """The app frame (app.py): page settings, our menu (filtered by role), the open-demo
    banner, the shared sidebar and the account line, the chosen page — or, for a page the
    user may not open, the refusal (and the sign-in form) instead of page and sidebar."""
    from ui import common

    st.set_page_config(
        page_title="CCHC – Theo dõi chỉ tiêu cải cách hành chính",
        page_icon="📊",
        layout="wide",
    )
    with common.friendly_errors():
        shown = {p.url_path: in_menu(p) for p in PAGES}
    page = st.navigation([sp for p in PAGES for sp in _st_pages(p, shown[p.url_path])])
    entry = current(page)
    auth.sync_cookie()
    auth.banner()
    if not auth.allowed(entry.roles):
        auth.refuse(entry.title, entry.roles)
        return
    if auth.current_account() is not None:  # nobody signed in: no unit names in the sidebar
        common.sidebar(entry.controls)
    auth.account_box()
    page.run()


def current(st_page) -> NavPage:
    """The registry entry of the ``st.Page`` that ``st.navigation`` picked (the default page
    answers at "" and at its own address)."""
    path = getattr(st_page, "url_path", "")
    return next((p for p in PAGES if p.url_path == path), None) or next(
        p for p in PAGES if p.default)


def guard(url_path: str) -> None:
    """The second call of every page: stop with the Vietnamese refusal unless the current
    user's role opens the page ``url_path`` (the frame has checked already; this holds for a
    page run on its own too)."""
    entry = page(url_path)
    if entry.roles:
        auth.require_role(*entry.roles, title=entry.title)


def require_frame() -> None:
    """The first call of every page: when Streamlit runs a page file without app.py (its
    pages-folder mode, on the first run after a server start: module docstring), leave that
    mode, draw the frame with this page inside, and stop. Elsewhere — inside the frame, or a
    page run on its own (``streamlit run pages/ke-hoach.py``) — it does nothing."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        frame()
        st.stop()
