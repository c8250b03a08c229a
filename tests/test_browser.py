"""One real-browser test: `streamlit run app.py` on a free port, every page opened in
headless Chromium (Debian's, driven by Playwright), no exception text nor Streamlit error
element anywhere, a screenshot of each page saved under artifacts/screenshots/; and a fresh
server whose very first request is a deep link."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from bench.browser import serve
from tests.conftest import require_or_skip
from ui import nav

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Every page of the registry: (url path, title that must appear, file name of the screenshot)
PAGES = [(p.url_path, p.title, f"{p.url_path}.png") for p in nav.PAGES]

ERROR_MARKERS = ["Traceback", "Exception:", "Error:", "KeyError", "AttributeError", "TypeError"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A DuckDB file with the committed demo data loaded through the real loader."""
    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    url = f"duckdb:///{path}"
    env = {**os.environ, "CCHC_DB_URL": url}
    run = subprocess.run(
        [sys.executable, "-m", "ingest.demo", "--load-if-empty"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return url


def _serve(db_url: str, **extra_env: str):
    """``streamlit run app.py`` on a free port, freshly started (``extra_env``: more variables,
    e.g. CCHC_TODAY); its base URL. The benchmark's server (bench/browser.py), plain mode."""
    return serve(db_url, extra_env, server="plain")


@pytest.fixture(scope="module")
def server(demo_db):
    with _serve(demo_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    require_or_skip(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def _settle(page, title: str) -> None:
    """Wait until the page's title is shown and Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.locator('[data-testid="stMain"]').get_by_role("heading", name=title).first.wait_for(
        timeout=60_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        if not running:
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(800)


@pytest.mark.parametrize("path,title,shot", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_without_errors(server, browser, path, title, shot):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    try:
        page.goto(f"{server}/{path}", wait_until="networkidle", timeout=60_000)
        _settle(page, title)
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True, timeout=90_000)  # busy machines
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        text = page.locator('[data-testid="stMain"]').inner_text()
        for marker in ERROR_MARKERS:
            assert marker not in text, f"{marker!r} on page {path}"
        assert title in text
        assert "Page not found" not in page.locator("body").inner_text(), f"/{path} is not a page of the app"
    finally:
        page.close()



def test_deep_link_opened_first_after_a_server_start(demo_db, browser):
    """The very first request to a fresh server is a deep link: its page renders, in the
    frame, with our menu — not Streamlit's "Page not found" (ui/nav.py says why)."""
    with _serve(demo_db) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        try:
            page.goto(f"{url}/chi-tiet", wait_until="networkidle", timeout=60_000)
            _settle(page, "Chi tiết chỉ tiêu")
            assert "Page not found" not in page.locator("body").inner_text()
            assert urllib.parse.urlsplit(page.url).path.rstrip("/").endswith("/chi-tiet")
            menu = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Chi tiết chỉ tiêu" in menu and "Tổng quan" in menu, menu
            assert page.locator('[data-testid="stSidebar"]').get_by_text("Đơn vị").count() > 0
        finally:
            page.close()

def test_report_pdf_pages_render_to_png(demo_db):
    """The snapshot PDF of the demo data, rendered to PNG pages (pdftoppm) as artifacts."""
    pdftoppm = shutil.which("pdftoppm")
    require_or_skip(bool(pdftoppm), "pdftoppm not found (apt-get install poppler-utils)")
    out = ROOT / "artifacts" / "report"
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / "bao-cao-2026-10.pdf"
    env = {**os.environ, "CCHC_DB_URL": demo_db}
    run = subprocess.run(
        [sys.executable, "-m", "kpi", "snapshot", "--period", "2026-10", "--format", "pdf", "--out", str(pdf)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for old in out.glob("bao-cao-2026-10-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "70", str(pdf), str(out / "bao-cao-2026-10")], check=True, timeout=120)
    pages = sorted(out.glob("bao-cao-2026-10-*.png"))
    assert pages, "no page rendered"
    assert all(p.stat().st_size > 10_000 for p in pages)  # real content, not blank pages


def test_periodic_report_pdf_pages_render_to_png(demo_db):
    """The periodic CCHC report of Quý III/2026 of the demo (python -m kpi report), its first
    page, the assessment and the Phụ lục (Biểu 06) rendered to PNG (pdftoppm) for the README
    (docs/screenshots/bao-cao-dinh-ky-*.png)."""
    import pypdf

    pdftoppm = shutil.which("pdftoppm")
    require_or_skip(bool(pdftoppm), "pdftoppm not found (apt-get install poppler-utils)")
    out = ROOT / "artifacts" / "report"
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / "bao-cao-cchc-2026-Q3.pdf"
    env = {**os.environ, "CCHC_DB_URL": demo_db}
    run = subprocess.run(
        [sys.executable, "-m", "kpi", "report", "--period", "2026-Q3", "--format", "pdf",
         "--out", str(pdf)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr
    reader = pypdf.PdfReader(str(pdf))
    texts = [page.extract_text() for page in reader.pages]
    assessment = next(i for i, t in enumerate(texts) if "III. ĐÁNH GIÁ CHUNG" in t)
    assert "PHỤ LỤC" in texts[-1] and "BÁO CÁO" in texts[0]
    shots = ROOT / "docs" / "screenshots"
    for number, name in ((1, "trang-1"), (assessment + 1, "danh-gia"), (len(texts), "phu-luc")):
        target = shots / f"bao-cao-dinh-ky-{name}"
        subprocess.run([pdftoppm, "-png", "-r", "70", "-f", str(number), "-l", str(number),
                        "-singlefile", str(pdf), str(target)], check=True, timeout=120)
        assert target.with_suffix(".png").stat().st_size > 10_000


def test_a_link_with_selections_opens_the_same_view(server, browser):
    """The selections live in the address: a link to the detail page with a period, a
    definition and a KPI opens exactly that view, and the address keeps them."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    try:
        page.goto(f"{server}/chi-tiet?period=2026-10&on_time=resolved&kpi=online_payment_rate",
                  wait_until="networkidle", timeout=60_000)
        _settle(page, "Chi tiết chỉ tiêu")
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("Tỷ lệ giao dịch thanh toán trực tuyến").first.wait_for(timeout=30_000)
        assert "Tháng 10/2026" in main.inner_text()
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Loại kỳ báo cáo" in sidebar and "Cách tính" in sidebar
        assert "kpi=online_payment_rate" in page.url and "period=2026-10" in page.url
        assert "on_time=resolved" in page.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lien-ket-chi-tiet.png"), full_page=False)
        # The upload page uses only the unit: no period control in its sidebar.
        page.goto(f"{server}/tai-du-lieu", wait_until="networkidle", timeout=60_000)
        _settle(page, "Tải dữ liệu")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Đơn vị" in sidebar and "Loại kỳ báo cáo" not in sidebar
    finally:
        page.close()


@pytest.fixture(scope="module")
def signed_db(demo_db, tmp_path_factory):
    """A copy of the demo database with a staff account of Xã Lộc Tân: sign-in is on."""
    from kpi import accounts as A
    from kpi import db as kdb

    path = tmp_path_factory.mktemp("browser-sign-in") / "demo.duckdb"
    shutil.copy(demo_db.removeprefix("duckdb:///"), path)
    url = f"duckdb:///{path}"
    engine = kdb.get_engine(url)
    A.add_account(engine, "lan", "Mật-khẩu-Đủ-Dài-42", "staff", ["Xã Lộc Tân"])
    engine.dispose()
    kdb.get_engine.cache_clear()
    return url


def test_sign_in_menu_by_role_and_sign_out(signed_db, browser):
    """With an account, every address asks for sign-in; a staff account signs in with the
    Vietnamese form, sees its menu (no "Nhật ký thao tác") and its unit only, opens the upload
    page from the menu, and signs out."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _serve(signed_db) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        try:
            page.goto(f"{url}/tai-du-lieu", wait_until="networkidle", timeout=60_000)
            page.get_by_text("Vui lòng đăng nhập để xem trang này.").wait_for(timeout=60_000)
            assert page.locator('[data-testid="stFileUploader"]').count() == 0
            page.get_by_label("Tên đăng nhập").fill("lan")
            page.get_by_label("Mật khẩu").fill("sai-mat-khau")
            page.get_by_role("button", name="Đăng nhập").click()
            page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").wait_for(timeout=60_000)
            page.get_by_label("Tên đăng nhập").fill("lan")
            page.get_by_label("Mật khẩu").fill("Mật-khẩu-Đủ-Dài-42")
            page.get_by_role("button", name="Đăng nhập").click()
            _settle(page, "Tải dữ liệu")
            menu = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Tải dữ liệu" in menu and "Kế hoạch" in menu, menu
            assert "Nhật ký thao tác" not in menu and "Đăng nhập" not in menu, menu
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert "lan · Cán bộ · Xã Lộc Tân" in sidebar, sidebar
            assert page.locator('[data-testid="stFileUploader"]').count() == 1
            page.screenshot(path=str(ARTIFACTS / "dang-nhap-can-bo.png"), full_page=False)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Báo cáo").click()
            _settle(page, "Báo cáo")  # moving through the menu keeps the sign-in
            cookies = {c["name"]: c for c in page.context.cookies()}
            assert cookies["cchc_phien"]["sameSite"] == "Strict"
            assert cookies["cchc_phien"]["expires"] == -1  # a session cookie
            page.reload(wait_until="networkidle")
            _settle(page, "Báo cáo")  # a reload too: the session cookie
            assert "lan · Cán bộ" in page.locator('[data-testid="stSidebar"]').inner_text()
            page.get_by_role("button", name="Đăng xuất").click()
            page.get_by_text("Đã đăng xuất.").wait_for(timeout=60_000)
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0 or \
                "Tải dữ liệu" not in page.locator('[data-testid="stSidebarNav"]').inner_text()
            page.wait_for_timeout(500)
            assert "cchc_phien" not in {c["name"] for c in page.context.cookies()}
            page.reload(wait_until="networkidle")
            page.get_by_text("Vui lòng đăng nhập để xem trang này.").wait_for(timeout=60_000)
        finally:
            page.close()


def test_text_from_files_is_shown_as_text(browser, tmp_path):
    """Markdown, a Streamlit directive, HTML and links planted in field and handling-unit
    names reach Chromium as plain text: no link, image or coloured span to the planted
    address on the detail page, nor in its Plotly charts — and the words read as planted."""
    import datetime as dt

    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi import schema as S
    from tests.fixtures import _dossier

    link, image = "[a](http://x.example)", "![](http://x.example/p.png)"
    anchor = '<a href="http://x.example">y</a>'
    url = f"duckdb:///{tmp_path / 'hostile.duckdb'}"
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, "Xã Lộc Tân")
        bid = conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="dossiers", file_name="x.xlsx", sha256="x", status="loaded",
            as_of=dt.date(2026, 4, 1), uploaded_at=dt.datetime(2026, 4, 2, 8, 15),
        ).returning(S.batches.c.id)).scalar_one()
        conn.execute(sa.insert(S.dossiers), [
            _dossier(uid, bid, f"HS-{i}", [link, image][i % 2], "1.1", ":red[x]",
                     dt.datetime(2026, 3, 2 + i, 8, 0), i < 3, handling_unit=anchor)
            for i in range(6)])
    engine.dispose()
    kdb.get_engine.cache_clear()
    with _serve(url) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        try:
            page.goto(f"{base}/chi-tiet", wait_until="networkidle", timeout=60_000)
            _settle(page, "Chi tiết chỉ tiêu")
            for tab in ("Theo đơn vị xử lý", "Theo lĩnh vực"):
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(1500)
                main = page.locator('[data-testid="stMain"]')
                assert main.locator('a[href*="x.example"]').count() == 0, tab
                assert main.locator('img[src*="x.example"]').count() == 0, tab
                assert page.locator('.js-plotly-plot a').count() == 0, tab
            text = page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
            assert link in text and image in text  # the pills of the shortfall filter
            assert page.locator('[data-testid="stMain"] span[style*="red"]').count() == 0
        finally:
            page.close()
