"""The dashboard frame through AppTest: the shared sidebar (unit, period, definitions,
"dữ liệu đến ngày"), defaults, friendly errors, every page of the registry inside the frame.
On the fixture database of tests/fixtures.py (``fixture_url``, conftest.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import db as kdb
from tests.fixtures import APP, TODAY, UNIT, app, texts

# ------------------------------------------------------------------------------------ tests


def test_sidebar_defaults_to_the_latest_month_with_data(fixture_url):
    at = app()
    assert at.selectbox(key="unit").value == UNIT
    assert at.selectbox(key="period_type").value == "month"
    month = at.selectbox(key="period_month")
    assert month.value == "2026-03"
    assert month.options == ["Tháng 4/2026", "Tháng 3/2026", "Tháng 2/2026"]
    assert at.radio(key="on_time_def").value == "766"
    assert at.radio(key="satisfaction_def").value == "766"
    assert "📅 Dữ liệu đến ngày **01/04/2026**" in texts(at.sidebar.caption)
    # The context line's "Dữ liệu đến ngày" is data_through (the export's as-of date 01/04),
    # not the upload time.
    assert at.caption[0].value == (
        "**Xã Lộc Tân** · Tháng 3/2026 (01/03/2026 – 31/03/2026) · Dữ liệu đến ngày "
        "**01/04/2026** · Đúng hạn theo Bộ chỉ số 766 · Hài lòng theo Bộ chỉ số 766"
    )


def test_period_type_quarter_year_to_date_and_custom(fixture_url):
    at = app()
    at.selectbox(key="period_type").set_value("quarter").run()
    q = at.selectbox(key="period_quarter")
    assert (q.value, q.options) == ("2026-Q1", ["Quý II/2026", "Quý I/2026"])
    # Quarter I: (197 + 96) / 300 on time.
    assert at.metric[0].value == "97,7%"
    assert "Quý I/2026 (01/01/2026 – 31/03/2026)" in at.caption[0].value

    at.selectbox(key="period_type").set_value("ytd").run()
    assert at.selectbox(key="period_ytd").value == "2026-YTD"
    assert "· Lũy kế năm 2026 (đến 15/04/2026) · Dữ liệu" in at.caption[0].value
    assert at.metric[0].value == "97,7%"

    at.selectbox(key="period_type").set_value("month").run()
    at.selectbox(key="period_month").set_value("2026-04").run()
    # April: the export (as of 01/04) covers its first day only: provisional, days named.
    assert ("🕒 Số liệu tạm tính: thiếu dữ liệu từ 02/04/2026 đến 30/04/2026; dữ liệu mới đến "
            "ngày 01/04/2026.") in texts(at.caption)

    at.selectbox(key="period_type").set_value("custom").run()
    assert at.date_input(key="period_range").value == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    at.date_input(key="period_range").set_value((dt.date(2026, 2, 1), dt.date(2026, 2, 28))).run()
    assert "· 01/02/2026 – 28/02/2026 · Dữ liệu" in at.caption[0].value
    assert at.metric[0].value == "96,0%"


def test_choice_is_kept_across_pages(fixture_url):
    at = app()
    at.selectbox(key="period_month").set_value("2026-02").run()
    at.radio(key="on_time_def").set_value("resolved").run()
    at.switch_page("pages/chi-tiet.py").run()
    assert not at.exception
    assert at.selectbox(key="period_month").value == "2026-02"
    assert at.radio(key="on_time_def").value == "resolved"
    assert "Tháng 2/2026" in at.caption[0].value
    assert "Đúng hạn trên số hồ sơ đã giải quyết" in at.caption[0].value
    assert at.metric[0].value == "96,0%"


def test_empty_database_says_what_to_do(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    kdb.get_engine.cache_clear()
    at = app()
    assert texts(at.info) == ["Chưa có dữ liệu của Xã Lộc Tân. Hãy tải tệp xuất từ hệ thống "
                              "một cửa ở trang «Tải dữ liệu»."]
    assert "📅 Chưa có dữ liệu cho đơn vị này." in texts(at.sidebar.caption)
    for page in ("pages/chi-tiet.py", "pages/bao-cao.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert texts(at.info)[0].startswith("Chưa có dữ liệu của Xã Lộc Tân.")
    kdb.get_engine.cache_clear()


def test_unreachable_database_is_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("CCHC_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:9/khong_co")
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    kdb.get_engine.cache_clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    [err] = at.error
    assert err.value.startswith("Không kết nối được cơ sở dữ liệu (postgresql+psycopg://")
    kdb.get_engine.cache_clear()


def test_period_choices_and_default():
    from kpi import dashboard as DB

    span = (dt.date(2024, 10, 1), dt.date(2026, 3, 21))
    today = dt.date(2026, 4, 15)
    assert DB.default_period(span, today).code == "2026-03"
    assert DB.default_period(None, today).code == "2026-04"
    # Data newer than today (a file dated ahead) never makes the default a future month.
    assert DB.default_period((span[0], dt.date(2026, 6, 2)), today).code == "2026-04"
    assert [p.code for p in DB.period_choices("quarter", span, today)] == [
        "2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2024-Q4"]
    assert [p.code for p in DB.period_choices("year", span, today)] == ["2026", "2025", "2024"]
    ytd = DB.period_choices("ytd", span, today)
    assert [(p.start, p.end) for p in ytd] == [
        (dt.date(2026, 1, 1), today), (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31))]
    months = DB.period_choices("month", span, today)
    assert (months[0].code, months[-1].code, len(months)) == ("2026-04", "2024-10", 19)


def test_data_span_covers_every_kind(fixture_url):
    from kpi import dashboard as DB
    from kpi.schema import summaries

    engine = kdb.get_engine(fixture_url)
    assert DB.data_span(engine, UNIT) == (dt.date(2026, 2, 2), dt.date(2026, 3, 21))
    assert DB.data_span(engine, "Phường Không Có") is None
    with kdb.connect(engine, write=True) as conn:
        conn.execute(sa.insert(summaries).values(
            unit_id=kdb.find_unit(conn, UNIT), period_start=dt.date(2025, 10, 1),
            period_end=dt.date(2025, 12, 31), field="Hộ tịch", received_online=10,
            received_direct=5, batch_id=1, created_batch_id=1))
    assert DB.data_span(engine, UNIT) == (dt.date(2025, 10, 1), dt.date(2026, 3, 21))


def test_every_page_of_the_registry_opens_inside_the_frame(fixture_url):
    """AppTest starts every run the way a fresh server does: in Streamlit's pages-folder mode,
    which finds the page file by its name; ``nav.require_frame()`` then reruns it through
    app.py, so each page comes with the menu and the shared sidebar."""
    from ui import nav

    at = app()
    for p in nav.PAGES:
        at.switch_page(p.file).run()
        assert not at.exception, (p.file, [e.value for e in at.exception])
        assert texts(at.title)[:1] == [p.title], p.file
        if "unit" in p.controls:  # (the audit log and sign-in pages use no sidebar control)
            assert at.selectbox(key="unit").value == UNIT, p.file  # the frame's sidebar ran
        else:
            assert not at.sidebar.selectbox, p.file
