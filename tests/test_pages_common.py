"""The dashboard frame through AppTest: the shared sidebar (unit, period, definitions,
"dữ liệu đến ngày"), defaults, friendly errors. Also home of the small fixture database the
other page tests use (``build_fixture``, ``app``).

The fixture (unit Xã Lộc Tân, today pinned to 15/04/2026, one upload on 02/04/2026 08:15):
- March 2026: 200 dossiers received and returned in the month — Hộ tịch 100 (none late),
  Chứng thực 60 (1 late), Đất đai 40 (2 late) → on time 197/200 = 98,5%; 130 online (65,0%);
  150 digitized with an e-result (75,0%); 40 with a fee, 30 paid online (75,0%).
- February 2026: 100 dossiers of Hộ tịch, 4 late → 96,0%; and one dossier still being
  processed with no due date (unverifiable in February and March).
- No ratings, no procedure catalogue, no feedback.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import config
from kpi import db as kdb
from kpi.schema import batches, dossiers

UNIT = "Xã Lộc Tân"
TODAY = "2026-04-15"
APP = str(config.ROOT / "app.py")
FIELDS = [("Hộ tịch", "1.001193", "Đăng ký khai sinh", 100, 0),
          ("Chứng thực", "2.000815", "Chứng thực bản sao từ bản chính", 60, 1),
          ("Đất đai", "1.004222", "Đăng ký biến động quyền sử dụng đất", 40, 2)]


def _dossier(uid, bid, code, field, proc, name, received, late, **values):
    due = dt.datetime.combine(received.date(), dt.time()) + dt.timedelta(days=5)
    done = due + dt.timedelta(days=2 if late else -1)
    row = dict(unit_id=uid, dossier_code=code, procedure_code=proc, procedure_name=name,
               field=field, handling_unit="Bộ phận một cửa", received_at=received, due_at=due,
               finished_at=done, returned_at=done, status=10, channel=1, supplement_count=0,
               inputs_digitized=True, e_result=True, data_reused=True, fee=0, paid_online=False,
               batch_id=bid, created_batch_id=bid, as_of=dt.date(2026, 4, 1))
    row.update(values)
    return row


def build_fixture(url: str) -> sa.Engine:
    """Fill the (empty, initialised) database at ``url`` with the fixture above."""
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        bid = conn.execute(
            sa.insert(batches).values(
                unit_id=uid, kind="dossiers", file_name="ho-so-2026-03.xlsx", sha256="fixture",
                as_of=dt.date(2026, 4, 1), uploaded_at=dt.datetime(2026, 4, 2, 8, 15),
                status="loaded",
            ).returning(batches.c.id)
        ).scalar_one()
        rows, i = [], 0
        for field, proc, name, count, late in FIELDS:
            for j in range(count):
                received = dt.datetime(2026, 3, 2, 8, 0) + dt.timedelta(days=i % 20)
                fee = 50000 if i % 5 == 0 else 0
                rows.append(_dossier(
                    uid, bid, f"HS-03-{i:04d}", field, proc, name, received, j < late,
                    channel=2 if i % 20 < 13 else 1, inputs_digitized=i % 4 != 0,
                    data_reused=i % 4 != 0, fee=fee, paid_online=fee > 0 and i % 20 != 0,
                ))
                i += 1
        for j in range(100):
            received = dt.datetime(2026, 2, 2, 8, 0) + dt.timedelta(days=j % 20)
            rows.append(_dossier(uid, bid, f"HS-02-{j:04d}", "Hộ tịch", "1.001193",
                                 "Đăng ký khai sinh", received, j < 4, channel=2 if j % 2 else 1))
        rows.append(_dossier(uid, bid, "HS-02-9999", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                             dt.datetime(2026, 2, 10, 9, 0), False, status=4, due_at=None,
                             finished_at=None, returned_at=None))
        conn.execute(sa.insert(dossiers), rows)
    return engine


@pytest.fixture
def fixture_url(tmp_path, monkeypatch):
    """The fixture in a fresh DuckDB file, named by CCHC_DB_URL; today pinned."""
    url = f"duckdb:///{tmp_path / 'pages.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    kdb.get_engine.cache_clear()
    build_fixture(url)
    yield url
    kdb.get_engine.cache_clear()


def app(page: str | None = None) -> AppTest:
    """The whole app (frame + sidebar) run once; on ``page`` ("pages/detail.py") if given."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


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
    assert "📅 Dữ liệu đến ngày **02/04/2026**" in texts(at.sidebar.caption)
    assert at.caption[0].value == (
        "**Xã Lộc Tân** · Tháng 3/2026 (01/03/2026 – 31/03/2026) · Dữ liệu đến ngày "
        "**02/04/2026** · Đúng hạn theo Bộ chỉ số 766 · Hài lòng theo Bộ chỉ số 766"
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
    assert "🕒 Kỳ chưa kết thúc: số liệu tính đến ngày 15/04/2026." in texts(at.caption)

    at.selectbox(key="period_type").set_value("custom").run()
    assert at.date_input(key="period_range").value == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    at.date_input(key="period_range").set_value((dt.date(2026, 2, 1), dt.date(2026, 2, 28))).run()
    assert "· 01/02/2026 – 28/02/2026 · Dữ liệu" in at.caption[0].value
    assert at.metric[0].value == "96,0%"


def test_choice_is_kept_across_pages(fixture_url):
    at = app()
    at.selectbox(key="period_month").set_value("2026-02").run()
    at.radio(key="on_time_def").set_value("resolved").run()
    at.switch_page("pages/detail.py").run()
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
    for page in ("pages/detail.py", "pages/report.py"):
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
