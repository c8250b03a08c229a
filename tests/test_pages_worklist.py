"""Việc cần làm through AppTest on the work-list fixture (tests/worklist_fixture.py): today and
data_through at the top, the stale-data warning, the list, filters, counts per officer, the
effect on the month's on-time rate, the Excel download, apology letters recorded and shown on
this page and in the detail page's shortfall table."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import db as kdb
from tests import worklist_fixture as F
from tests.fixtures import app, texts

PAGE = "pages/viec-can-lam.py"


@pytest.fixture
def wl_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'wl.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", F.UNIT)
    monkeypatch.setenv("CCHC_TODAY", "2026-04-29")
    kdb.get_engine.cache_clear()
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    F.build(engine)
    yield url
    kdb.get_engine.cache_clear()


COLUMN_OF = {"worklist_table": "Tình trạng", "officer_table": "Tổng",
             "shortfall_table": "Mã hồ sơ"}


def _table(at, key):
    """The frame of the table ``key`` (found by a column only it has on its page)."""
    return next(d.value for d in at.dataframe if COLUMN_OF[key] in d.value.columns)


def test_page_shows_the_list(wl_url):
    at = app(PAGE)
    assert texts(at.title) == ["Việc cần làm"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Hôm nay": "29/04/2026", "Dữ liệu đến ngày": "28/04/2026",
                       "Quá hạn": "3", "Sắp đến hạn": "5", "Chờ bổ sung": "1",
                       "Không có ngày hẹn trả": "2"}
    assert not at.warning  # data one day old
    assert texts(at.info)[0].startswith("Tỷ lệ hồ sơ giải quyết đúng hạn tháng 4/2026 (theo Bộ "
                                        "chỉ số 766): 53,8% (7/13 hồ sơ)")
    table = _table(at, "worklist_table")
    assert table["Mã hồ sơ"].tolist() == ["A3", "A1", "A2", "B1", "B2", "S1", "B3", "B4", "W1",
                                          "N1", "N3"]
    assert table.iloc[1].tolist()[:7] == ["A1", "Quá hạn", -2, "Đăng ký khai sinh", "Hộ tịch",
                                          "Bộ phận một cửa", F.AN]
    officers = _table(at, "officer_table")
    assert officers.values.tolist() == [[F.AN, 1, 2, 0, 1, 4], [F.BINH, 1, 2, 1, 0, 4],
                                        ["(Chưa ghi cán bộ)", 1, 1, 0, 1, 3]]


def test_filters(wl_url):
    at = app(PAGE)
    at.number_input(key="wl_within").set_value(3).run()
    assert {m.label: m.value for m in at.metric}["Sắp đến hạn"] == "6"
    at.number_input(key="wl_within").set_value(2).run()
    at.multiselect(key="wl_officer").select(F.BINH).run()
    at.multiselect(key="wl_state").select("overdue").select("waiting_supplement").run()
    assert not at.exception
    table = _table(at, "worklist_table")
    assert table["Mã hồ sơ"].tolist() == ["A2", "W1"]
    officers = _table(at, "officer_table")
    assert officers.values.tolist() == [[F.BINH, 1, 0, 1, 0, 2]]
    assert "Hồ sơ cần xử lý (2)" in texts(at.subheader)
    at.multiselect(key="wl_field").select("Chứng thực").run()
    assert texts(at.success)[:1] == ["Không có hồ sơ nào cần xử lý."]


def test_choices_outside_the_filtered_list_are_dropped(wl_url):
    at = app(PAGE)
    at.multiselect(key="apology_codes").select("A2").run()
    at.multiselect(key="wl_officer").select(F.AN).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="apology_codes").value == []
    assert at.multiselect(key="apology_codes").options == ["A1 – quá 2 ngày làm việc"]
    at.number_input(key="wl_within").set_value(5).run()
    assert not at.exception and at.multiselect(key="wl_officer").value == [F.AN]


def test_stale_data_warning(wl_url, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-05-04")
    at = app(PAGE)
    assert texts(at.warning) == [
        "Dữ liệu mới đến ngày 28/04/2026, cũ hơn 3 ngày so với hôm nay (04/05/2026): danh sách "
        "không biết các hồ sơ đã giải quyết xong từ đó đến nay. Hãy tải tệp danh sách hồ sơ mới "
        "nhất."]


def test_month_with_no_data_shows_no_rate(wl_url, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-05-04")
    at = app(PAGE)
    assert texts(at.info)[0] == (
        "Tỷ lệ hồ sơ giải quyết đúng hạn tháng 5/2026: Chưa có dữ liệu (dữ liệu đã tải mới đến "
        "ngày 28/04/2026), nên chưa tính được giải quyết kịp các hồ sơ sắp đến hạn sẽ đưa tỷ lệ "
        "tới đâu.")


def test_today_before_data_is_an_error_not_a_traceback(wl_url, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-04-27")
    at = app(PAGE)
    assert texts(at.error) == [
        "Ngày xem danh sách (27/04/2026) trước ngày của dữ liệu (28/04/2026, ngày dữ liệu mới "
        "nhất đã tải): chọn một ngày từ 28/04/2026 trở đi."]


def test_apology_letters_from_the_list(wl_url):
    at = app(PAGE)
    at.multiselect(key="apology_codes").select("A1").select("A3").run()
    assert at.date_input(key="apology_new_due_A1").value.isoformat() == "2026-05-15"
    at.date_input(key="apology_new_due_A3").set_value(dt.date(2026, 5, 8))
    at.button(key="apology_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Đã lập và ghi nhận 2 thư xin lỗi." in texts(at.success)
    assert F.letters_count(kdb.get_engine(wl_url)) == 2
    table = _table(at, "worklist_table")
    sent = dict(zip(table["Mã hồ sơ"], table["Thư xin lỗi"]))
    assert sent["A1"] == sent["A3"] == "Đã gửi thư xin lỗi (29/04/2026)" and sent["A2"] == ""
    # the detail page's shortfall table of the on-time rate shows it too
    at.switch_page("pages/chi-tiet.py").run()
    assert not at.exception, [e.value for e in at.exception]
    short = _table(at, "shortfall_table")
    marks = dict(zip(short["Mã hồ sơ"], short["Thư xin lỗi"]))
    assert marks["A1"] == "Đã gửi thư xin lỗi (29/04/2026)"
    # April is judged as of data_through 28/04 (kpi-definitions.md): A2, due 28/04, is still
    # pending in time there, so not in the month's shortfall (the work list, as of today
    # 29/04, lists it overdue).
    assert "A2" not in marks
