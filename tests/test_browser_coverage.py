"""Issue 10's "Done when" in a real browser: on a database whose exports stop at 30/06/2026,
July shows "Chưa có dữ liệu" and no verdict, and the year is "tạm tính" with July–December
named missing; the screenshots are kept (artifacts/screenshots/, docs/screenshots/)."""

from __future__ import annotations

import shutil


from tests import yearfixture as Y
from tests.test_browser import ARTIFACTS, ROOT, _serve, _settle, browser  # noqa: F401

DOCS = ROOT / "docs" / "screenshots"


def _serve_june(tmp_path):
    """The app on the year fixture (exports to 30/06/2026), today pinned."""
    url = f"duckdb:///{tmp_path / 'june.duckdb'}"
    Y.build(url)
    return _serve(url, CCHC_UNIT=Y.UNIT, CCHC_TODAY=Y.TODAY)


def _wait_text(page, text: str) -> None:
    page.locator('[data-testid="stMain"]').get_by_text(text).first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)


def _tiles_text(page) -> str:
    """The text of the headline tiles: what the main area shows after the period's summary
    line (the year sentence above it speaks of the year to date) and before the other targets."""
    main = page.locator('[data-testid="stMain"]').inner_text()
    start = max(main.find("không đánh giá đạt hay chưa đạt."), main.find("so sánh với"))
    end = main.find("Các chỉ tiêu khác của kế hoạch")
    assert 0 <= start < end, main[:1500]
    return main[start:end].split("\n", 1)[1]


def test_july_has_no_verdict_and_the_year_is_provisional(tmp_path, browser):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    with _serve_june(tmp_path) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        try:
            page.goto(f"{url}/?period=2026-07", wait_until="networkidle", timeout=60_000)
            _settle(page, "Tổng quan")
            _wait_text(page, "không đánh giá đạt hay chưa đạt")
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert "Chưa có dữ liệu cho tháng 7/2026: không đánh giá đạt hay chưa đạt." in main
            tiles = _tiles_text(page)
            # Each tile's verdict for July: no data, no Đạt / Chưa đạt, no 0% (the year-to-date
            # line beside it speaks of 01/01–30/06 and keeps its own verdict).
            verdicts = [line for line in tiles.splitlines() if "· chỉ tiêu ≥" in line]
            assert len(verdicts) == 5 and all(v.startswith("⚪ Chưa có dữ liệu") for v in verdicts), verdicts
            # (the bullet scale prints "0%  50%  100%"; a value would read "0,0%")
            assert not any(line.strip() == "0,0%" for line in tiles.splitlines()), tiles
            page.screenshot(path=str(ARTIFACTS / "thang-7-chua-co-du-lieu.png"), full_page=True,
                            timeout=90_000)
            shutil.copy(ARTIFACTS / "thang-7-chua-co-du-lieu.png", DOCS / "thang-7-chua-co-du-lieu.png")

            page.goto(f"{url}/?period=2026", wait_until="networkidle", timeout=60_000)
            _settle(page, "Tổng quan")
            _wait_text(page, "thiếu dữ liệu từ 01/07/2026 đến 31/12/2026")
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert "thiếu dữ liệu từ 01/07/2026 đến 31/12/2026" in main, main[:2000]
            assert "tạm tính" in main
            assert "91,9%" in _tiles_text(page)  # on time 57/62, as of 30/06 (not 31/12)
            page.screenshot(path=str(ARTIFACTS / "nam-2026-tam-tinh.png"), full_page=True,
                            timeout=90_000)
            shutil.copy(ARTIFACTS / "nam-2026-tam-tinh.png", DOCS / "nam-2026-tam-tinh.png")
        finally:
            page.close()
