"""The page's selections in its address, and a sidebar with only the controls the page uses
(AppTest on the fixture database of tests/fixtures.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.fixtures import APP, UNIT, texts
from ui import nav


def opened(params: dict, page: str | None = None) -> AppTest:
    """The app opened from a link to ``page`` (default: the overview) carrying ``params``."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_opens_the_same_view(fixture_url):
    at = opened({"unit": UNIT, "period": "2026-02", "on_time": "resolved"})
    assert at.selectbox(key="period_month").value == "2026-02"
    assert at.radio(key="on_time_def").value == "resolved"
    assert at.caption[0].value.startswith(
        "**Xã Lộc Tân** · Tháng 2/2026 (01/02/2026 – 28/02/2026) ·")
    assert at.metric[0].value == "96,0%"
    # The address follows every later choice.
    at.selectbox(key="period_type").set_value("quarter").run()
    assert dict(at.query_params) == {"unit": UNIT, "period": "2026-Q1", "on_time": "resolved",
                                     "satisfaction": "766"}


def test_other_period_kinds_from_a_link(fixture_url):
    at = opened({"period": "2026-Q1"})
    assert (at.selectbox(key="period_type").value, at.selectbox(key="period_quarter").value) \
        == ("quarter", "2026-Q1")
    assert at.metric[0].value == "97,7%"
    at = opened({"period": "2026-02-01..2026-02-28"})
    assert at.selectbox(key="period_type").value == "custom"
    assert "· 01/02/2026 – 28/02/2026 · Dữ liệu" in at.caption[0].value
    assert at.metric[0].value == "96,0%"
    assert at.query_params["period"] == "2026-02-01..2026-02-28"


def test_the_detail_page_link_holds_its_kpi(fixture_url):
    at = opened({"period": "2026-03", "kpi": "online_payment_rate"}, "pages/chi-tiet.py")
    assert at.selectbox(key="detail_kpi").value == "online_payment_rate"
    assert at.metric[0].value == "75,0%"
    assert at.query_params["kpi"] == "online_payment_rate"
    at.selectbox(key="detail_kpi").set_value("digitization_rate").run()
    assert at.query_params["kpi"] == "digitization_rate"


def test_invalid_values_fall_back_with_a_note(fixture_url):
    at = opened({"unit": "Xã Không Có", "period": "2026-13", "on_time": "nhanh",
                 "kpi": "khong_co"}, "pages/chi-tiet.py")
    assert at.selectbox(key="unit").value == UNIT
    assert at.selectbox(key="period_month").value == "2026-03"
    assert at.radio(key="on_time_def").value == "766"
    assert at.selectbox(key="detail_kpi").value == "on_time_rate"
    assert dict(at.query_params) == {"unit": UNIT, "period": "2026-03", "on_time": "766",
                                     "satisfaction": "766", "kpi": "on_time_rate"}
    # A period the data does not reach is invalid too (no crash, the default month).
    at = opened({"period": "2031-05"})
    assert at.selectbox(key="period_month").value == "2026-03"
    assert ("⚠️ Đường dẫn có lựa chọn không hợp lệ (kỳ báo cáo): đã dùng lựa chọn mặc định."
            in texts(at.sidebar.caption))


def test_the_sidebar_shows_only_the_controls_of_the_page(fixture_url):
    assert {p.url_path: p.controls for p in nav.PAGES} == {
        "tong-quan": ("unit", "period", "choices"), "viec-can-lam": ("unit", "choices"),
        "chi-tiet": ("unit", "period", "choices"),
        "tai-du-lieu": ("unit",), "bao-cao": ("unit", "period", "choices"),
        "ke-hoach": ("unit",), "nhat-ky": (), "dang-nhap": ()}
    at = opened({})
    at.selectbox(key="period_month").set_value("2026-02").run()
    at.radio(key="on_time_def").set_value("due").run()
    for page in ("pages/tai-du-lieu.py", "pages/ke-hoach.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert [s.key for s in at.sidebar.selectbox] == ["unit"], page
        assert not at.sidebar.radio, page
        assert dict(at.query_params) == {"unit": UNIT}, page
    # Back on a page that uses them: the hidden choices were kept.
    at.switch_page("pages/tong-quan.py").run()
    assert [s.key for s in at.sidebar.selectbox] == ["unit", "period_type", "period_month"]
    assert at.selectbox(key="period_month").value == "2026-02"
    assert at.radio(key="on_time_def").value == "due"
    assert at.query_params["period"] == "2026-02"


def test_a_kpi_in_a_link_to_the_overview_does_not_override_a_tile(fixture_url):
    at = opened({"kpi": "digitization_rate"})
    at.button(key="goto_online_payment_rate").click().run()
    assert at.selectbox(key="detail_kpi").value == "online_payment_rate"
    assert at.query_params["kpi"] == "online_payment_rate"
