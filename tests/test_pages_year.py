"""Issue 10's "Done when" on the pages (AppTest): a database whose exports stop at 30/06/2026
(tests/yearfixture.py). July is "Chưa có dữ liệu" with no verdict; the year is "tạm tính" with
July–December missing and its on-time rate is that of 01/01–30/06, as the CLI's JSON says; the
overview opens with the year's sentence; 2025 (no plan) says so; the detail page draws the
forecast; the upload page's month strip shows July missing."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from kpi import dashboard as DB
from kpi import db as kdb
from kpi import format as fmt
from kpi import queries as Q
from tests import yearfixture as Y
from tests.fixtures import app, texts

# Beside June the year to date 01/01–30/06 is fully covered: not "tạm tính"; beside July it
# lacks July's days: "tạm tính".
SENTENCE = ("**Đạt 2/5 chỉ tiêu chính của năm 2026 (từ 01/01/2026 đến 30/06/2026); "
            "Chưa đạt: đúng hạn 91,9% / 98%, thiếu 4 hồ sơ; hài lòng 91,9% / 95%, thiếu 2 hồ sơ; "
            "thanh toán trực tuyến 75,0% / 80%, thiếu 2 giao dịch.**")
SENTENCE_JULY = SENTENCE.replace("30/06/2026)", "30/06/2026, tạm tính)")
YEAR_NOTE = ("🕒 Số liệu tạm tính: thiếu dữ liệu từ 01/07/2026 đến 31/12/2026; dữ liệu mới đến "
             "ngày 30/06/2026.")


@pytest.fixture
def june_url(db_url, monkeypatch):
    """The yearfixture database (DuckDB, and PostgreSQL when configured) behind the app."""
    monkeypatch.setenv("CCHC_DB_URL", db_url)
    monkeypatch.setenv("CCHC_UNIT", Y.UNIT)
    monkeypatch.setenv("CCHC_TODAY", Y.TODAY)
    Y.build(db_url)
    yield db_url
    kdb.get_engine.cache_clear()


def _verdicts(at) -> list[str]:
    return [m for m in texts(at.markdown) if "· chỉ tiêu " in m]


def test_overview_july_year_and_2025(june_url):
    at = app()
    # Default: June, the latest month with data; the page opens with the year's sentence.
    assert at.selectbox(key="period_month").value == "2026-06"
    assert texts(at.markdown)[0] == SENTENCE
    assert "Dữ liệu đến ngày **30/06/2026**" in at.caption[0].value

    # July: no export covers it — no value, no verdict, no 0%.
    at.selectbox(key="period_month").set_value("2026-07").run()
    assert not at.exception
    md = texts(at.markdown)
    assert md[0] == SENTENCE_JULY  # the year to date (to 30/06) stays in view, July missing
    assert md[1] == "**Chưa có dữ liệu** cho tháng 7/2026: không đánh giá đạt hay chưa đạt."
    assert [m.value for m in at.metric] == ["—"] * 5
    assert _verdicts(at) == [f":gray[⚪ **Chưa có dữ liệu**] · chỉ tiêu {t}"
                             for t in ("≥ 98%", "≥ 95%", "≥ 80%", "≥ 60%", "≥ 80%")]
    status = at.dataframe[0].value
    assert list(status.columns) == ["Chỉ tiêu", "Kết quả", "KH"]
    assert set(status["Kết quả"]) == {"⚪ —"}
    assert ("🕒 Chưa có dữ liệu cho kỳ này (thiếu dữ liệu từ 01/07/2026 đến 31/07/2026; dữ liệu "
            "đã tải mới đến ngày 30/06/2026).") in texts(at.caption)
    shown = " ".join(texts(at.markdown)[1:] + [m.value for m in at.metric])
    assert "Chưa đạt" not in shown
    assert not re.search(r"(?<![\d,])0,0%", shown)  # no 0% (the sparklines' 100,0% of June may show)

    # The year: provisional, July–December named, on time 57/62 as of 30/06.
    at.selectbox(key="period_type").set_value("year").run()
    assert at.selectbox(key="period_year").value == "2026"
    assert YEAR_NOTE in texts(at.caption)
    assert at.metric[0].value == fmt.kpi_value(57 / 62, 0.98) == "91,9%"
    assert _verdicts(at)[0] == ":red[⚠️ **Chưa đạt (tạm tính)**] · chỉ tiêu ≥ 98%"
    assert texts(at.markdown)[1].startswith("**Đạt 4/11 chỉ tiêu (tạm tính)** của kế hoạch")
    status = at.dataframe[0].value
    assert list(status.columns) == ["Chỉ tiêu", "Tạm tính", "KH"]
    assert status.values.tolist()[0] == ["Đúng hạn", "⚠️ 91,9%", "≥ 98%"]
    assert ("Lũy kế từ đầu năm 2026: **91,9%** · Chưa đạt (tạm tính)  \nKhông thể đạt: kể cả 100% phần "
            "còn lại của năm cũng không đủ  \nDự báo cuối năm 89,5% (khoảng 85,2%–96,5%)"
            ) in texts(at.caption)

    # 01/01–30/06 chosen by hand gives the same on-time rate, complete.
    at.selectbox(key="period_type").set_value("custom").run()
    at.date_input(key="period_range").set_value((dt.date(2026, 1, 1), dt.date(2026, 6, 30))).run()
    assert at.metric[0].value == "91,9%"
    assert not any(c.startswith("🕒") for c in texts(at.caption))  # complete: no note
    assert _verdicts(at)[0] == ":red[⚠️ **Chưa đạt**] · chỉ tiêu ≥ 98%"

    # 2025 has no plan: it says so, never "Đạt 0/11".
    at.selectbox(key="period_type").set_value("year").run()
    at.selectbox(key="period_year").set_value("2025").run()
    md = texts(at.markdown)
    assert md[0] == ("**Chưa có chỉ tiêu cho năm 2025 (chưa có kế hoạch năm 2025): số liệu (từ "
                     "01/01/2025 đến 31/12/2025, tạm tính) chỉ để theo dõi, không đánh giá đạt hay "
                     "chưa đạt.**")
    assert md[1] == "**Chưa có chỉ tiêu cho năm 2025**: số liệu năm 2025 chỉ để theo dõi."
    assert not any("Đạt 0/" in m for m in md)
    assert set(_verdicts(at)) == {":gray[⚪ **Chưa có chỉ tiêu**] · chỉ tiêu —"}
    # The tile says "Chưa có chỉ tiêu" once: the year line shows the value and the forecast.
    year_lines = [c for c in texts(at.caption) if c.startswith("Lũy kế từ đầu năm 2025")]
    assert len(year_lines) == 5 and "Chưa có chỉ tiêu" not in " ".join(year_lines)
    assert year_lines[0] == "Lũy kế từ đầu năm 2025: **100,0%**  \nDự báo cuối năm 100,0%"


def test_page_and_cli_json_agree(june_url):
    engine = kdb.get_engine(june_url)
    data = Q.snapshot(engine, Y.UNIT, "2026", today=dt.date(2026, 12, 1)).to_json()
    assert data["coverage"]["missing"] == [{"start": "2026-07-01", "end": "2026-12-31"}]
    at = app()
    at.selectbox(key="period_type").set_value("year").run()
    for metric, kpi in zip(at.metric, data["kpis"][:5]):
        assert metric.value == fmt.kpi_value(kpi["value"], kpi["target"])


def test_detail_draws_the_forecast(june_url):
    at = app("pages/chi-tiet.py")
    assert ("**Năm 2026** (từ 01/01/2026 đến 30/06/2026): lũy kế từ đầu năm "
            "**91,9%** · Chưa đạt · Không thể đạt: kể cả 100% phần còn lại của năm "
            "cũng không đủ · Dự báo cuối năm 89,5% (khoảng 85,2%–96,5%).") in texts(at.markdown)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    by_name = {t.get("name"): t for t in spec["data"]}
    pace = by_name["Nhịp 3 tháng gần nhất"]
    assert pace["x"] == ["T6/2026", "T7/2026", "T8/2026", "T9/2026", "T10/2026", "T11/2026",
                         "T12/2026"]
    assert pace["y"][1:] == [0.875] * 6
    assert by_name["Tháng tốt nhất – kém nhất (6 tháng gần nhất)"]["y"][1:] == [0.8] * 6
    # The forecast's words are in the legend and the hover, not drawn over the value labels.
    year_end = by_name["Dự báo cuối năm 89,5% (khoảng 85,2%–96,5%)"]
    assert year_end["x"] == ["T12/2026"]
    assert year_end["y"] == [pytest.approx((57 + 0.875 * 79) / 141)]
    assert year_end["mode"] == "markers" and "text" not in year_end
    assert year_end["hovertemplate"] == "Dự báo cuối năm 89,5% (khoảng 85,2%–96,5%)<extra></extra>"
    # Every month's value label sits on the side of its point away from the target line.
    result = by_name["Kết quả"]
    target = by_name["Chỉ tiêu"]["y"][0]
    assert result["textposition"] == ["bottom center" if v is not None and v < target
                                      else "top center" for v in result["y"]]
    # The year 2026: its verdict is provisional.
    at.selectbox(key="period_type").set_value("year").run()
    assert (":red[⚠️ **Chưa đạt (tạm tính)**] · Tỷ lệ hồ sơ giải quyết đúng hạn (II.3.1) · Năm "
            "2026") in texts(at.markdown)
    assert YEAR_NOTE in texts(at.caption)
    # 2025 has no plan: the detail page says so.
    at.selectbox(key="period_year").set_value("2025").run()
    assert any(m.startswith("**Chưa có chỉ tiêu cho năm 2025") for m in texts(at.markdown))


def test_upload_page_month_strip(june_url):
    at = app("pages/tai-du-lieu.py")
    strip = at.dataframe[0].value
    assert list(strip.columns) == ["Loại tệp", *[f"T{m}" for m in range(1, 13)]]
    rows = {r[0]: r[1:] for r in strip.values.tolist()}
    # One narrow mark per month, so the twelve months fit on a laptop screen.
    assert rows["Danh sách hồ sơ"] == ["●"] * 6 + ["○"] * 6
    assert rows["Biểu số 06/VPCP/KSTT"] == ["○"] * 12
    assert ("● Đủ dữ liệu: mọi ngày của tháng có trong tệp đã nạp · ◐ Tạm tính: thiếu một số "
            "ngày · ○ Chưa có dữ liệu: chưa nạp tệp nào cho tháng. Danh sách hồ sơ đã nạp đến "
            "ngày 30/06/2026.") in texts(at.caption)
    at.selectbox(key="strip_year").set_value(2025).run()
    rows = {r[0]: r[1:] for r in at.dataframe[0].value.values.tolist()}
    assert rows["Danh sách hồ sơ"] == ["○"] * 6 + ["●"] * 3 + ["○"] * 3


def test_month_strip_table_marks_every_month():
    from kpi import coverage as CV

    strip = {"dossiers": [CV.COMPLETE] * 10 + [CV.PARTIAL, CV.NONE], "summary": [CV.NONE] * 12}
    table = DB.month_strip_table(strip, {"dossiers": "Danh sách hồ sơ"})
    assert list(table) == ["Loại tệp", *[f"T{m}" for m in range(1, 13)]]
    assert table["Loại tệp"] == ["Danh sách hồ sơ", "summary"]
    assert [table[f"T{m}"][0] for m in range(1, 13)] == ["●"] * 10 + ["◐", "○"]
    assert {len(c) for k, col in table.items() if k != "Loại tệp" for c in col} == {1}
    assert DB.STRIP_LEGEND == ("● Đủ dữ liệu: mọi ngày của tháng có trong tệp đã nạp · ◐ Tạm "
                               "tính: thiếu một số ngày · ○ Chưa có dữ liệu: chưa nạp tệp nào "
                               "cho tháng.")
