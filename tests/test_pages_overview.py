"""Tổng quan through AppTest on the fixture database of tests/fixtures.py."""

from __future__ import annotations

import pytest

from tests.fixtures import app, build_fixture, texts

HEADLINE_VALUES = ["98,5%", "98,5%", "75,0%", "65,0%", "75,0%"]


def test_tiles_show_value_verdict_change_and_counts(fixture_url):
    at = app()
    assert at.title[0].value == "Tổng quan"
    assert [m.value for m in at.metric] == HEADLINE_VALUES
    # Change vs February 2026 (96,0%; 96,0%; 100%; 50/101 = 49,5%; no fee in February).
    assert [m.delta for m in at.metric] == ["+2,5 điểm %", "+2,5 điểm %", "−25,0 điểm %",
                                            "+15,5 điểm %", ""]
    md = texts(at.markdown)
    # The page opens with the year in view (to 31/03: 293/300 on time, 180/301 online,
    # 30/40 paid online), then the month's own count.
    assert md[0] == ("**Đạt 2/5 chỉ tiêu chính của năm 2026 (từ 01/01/2026 đến 31/03/2026, tạm "
                     "tính); Chưa đạt: đúng hạn 97,7% / 98%, thiếu 1 hồ sơ; trực tuyến 59,8% / 60%"
                     ", thiếu 1 hồ sơ; thanh toán trực tuyến 75,0% / 80%, thiếu 2 giao dịch.**")
    assert md[1] == ("**Đạt 4/11 chỉ tiêu** của kế hoạch trong tháng 3/2026 · so sánh với "
                     "tháng 2/2026.")
    verdicts = [m for m in md if "· chỉ tiêu " in m]
    assert verdicts == [
        ":green[✅ **Đạt**] · chỉ tiêu ≥ 98%",
        ":green[✅ **Đạt**] · chỉ tiêu ≥ 95%",
        ":red[⚠️ **Chưa đạt**] · chỉ tiêu ≥ 80%",
        ":green[✅ **Đạt**] · chỉ tiêu ≥ 60%",
        ":red[⚠️ **Chưa đạt**] · chỉ tiêu ≥ 80%",
    ]
    counts = [c for c in texts(at.caption) if "12 tháng gần nhất" in c]
    assert [c.split(" · ")[0] for c in counts] == ["197/200 hồ sơ", "197/200 hồ sơ",
                                                   "150/200 hồ sơ", "130/200 hồ sơ", "30/40 hồ sơ"]
    # The formula with its counts, in the tooltip and in the expander.
    assert at.metric[0].help == (
        "Công thức: (Trước hạn + Đúng hạn + Đang giải quyết trong hạn) / (Trước hạn + Đúng hạn "
        "+ Quá hạn + Đang giải quyết trong hạn + Đang giải quyết quá hạn) = 197 / 200 = 98,5%")
    assert ("- Hồ sơ trước hạn, đúng hạn và đang giải quyết trong hạn: **197**\n"
            "- Hồ sơ đã và đang giải quyết trong kỳ (kể cả từ kỳ trước): **200**\n"
            "- Kết quả: **98,5%**") in md[md.index(verdicts[0]) + 2]  # after the tile picture


def test_warnings_for_missing_data(fixture_url):
    at = app()
    assert texts(at.warning) == [
        "Kỳ này chưa có dữ liệu đánh giá mức độ hài lòng: mức độ hài lòng của người dân, doanh "
        "nghiệp (theo Bộ chỉ số 766) chỉ tính từ hồ sơ và phản ánh, kiến nghị.",
        "Chưa có danh mục thủ tục hành chính: chưa tính được 3 chỉ tiêu (TTHC thanh toán trực "
        "tuyến, DVC toàn trình, không phụ thuộc địa giới).",
        "Kỳ này không có phản ánh, kiến nghị (PAKN) nào phải xử lý, hoặc chưa tải dữ liệu PAKN: "
        "chưa tính được chỉ tiêu PAKN đúng hạn.",
        "1 hồ sơ chưa giải quyết xong mà không có ngày hẹn trả (hoặc đã xong mà không có ngày kết "
        "thúc): không xác định được đúng hạn hay quá hạn, không tính vào tỷ lệ.",
    ]
    assert not at.error


def test_other_targets_table(fixture_url):
    at = app()
    status, table = [d.value for d in at.dataframe]
    # First on the page (shown on a phone only): every KPI's value with its verdict's icon and
    # the target, in three narrow columns that fit a 390 px screen.
    assert list(status.columns) == ["Chỉ tiêu", "Kết quả", "KH"]
    assert status.values.tolist()[:5] == [
        ["Đúng hạn", "✅ 98,5%", "≥ 98%"], ["Hài lòng", "✅ 98,5%", "≥ 95%"],
        ["Số hóa", "⚠️ 75,0%", "≥ 80%"], ["Trực tuyến", "✅ 65,0%", "≥ 60%"],
        ["Thanh toán trực tuyến", "⚠️ 75,0%", "≥ 80%"]]
    # Narrow: no cell wider than the longest short name "Không phụ thuộc địa giới" (24).
    assert max(len(c) for c in status["Kết quả"].tolist() + status["KH"].tolist()) <= 8
    assert len(status) == 11
    assert list(table.columns) == ["Chỉ tiêu", "Mục KH", "Chỉ tiêu KH", "Kết quả", "Tử số/Mẫu số",
                                   "Đánh giá", "So với kỳ trước"]
    rows = table.values.tolist()
    assert rows == [
        ["Tỷ lệ cấp kết quả giải quyết TTHC điện tử", "II.3.3", "100%", "100,0%", "200/200",
         "✅ Đạt", "±0,0 điểm %"],
        ["Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa", "II.3.3", "≥ 80%", "75,0%",
         "150/200", "⚠️ Chưa đạt", "−25,0 điểm %"],
        ["TTHC có nghĩa vụ tài chính được triển khai thanh toán trực tuyến", "II.3.4", "≥ 80%",
         "—", "0/0", "⚪ Chưa có dữ liệu", "—"],
        ["DVC trực tuyến toàn trình / TTHC đủ điều kiện", "II.3.5", "≥ 90%", "—", "0/0",
         "⚪ Chưa có dữ liệu", "—"],
        ["TTHC thực hiện không phụ thuộc địa giới hành chính", "II.3.6", "≥ 70%", "—", "0/0",
         "⚪ Chưa có dữ liệu", "—"],
        ["Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn", "II.3.2", "100%", "—", "0/0",
         "⚪ Chưa có dữ liệu", "—"],
    ]


@pytest.mark.parametrize("button,key", [("goto_on_time_rate", "on_time_rate"),
                                        ("goto_digitization_rate", "digitization_rate")])
def test_tile_button_opens_the_detail_of_its_kpi(fixture_url, button, key):
    at = app()
    at.button(key=button).click().run()
    assert not at.exception
    assert at.title[0].value == "Chi tiết chỉ tiêu"
    assert at.selectbox(key="detail_kpi").value == key


def test_other_kpi_picker_opens_its_detail(fixture_url):
    at = app()
    at.selectbox(key="overview_other_kpi").set_value("data_reuse_rate").run()
    at.button(key="goto_other").click().run()
    assert at.title[0].value == "Chi tiết chỉ tiêu"
    assert at.selectbox(key="detail_kpi").value == "data_reuse_rate"
    assert at.metric[0].value == "75,0%"


def test_ratings_definition_without_ratings_shows_no_data(fixture_url):
    at = app()
    at.radio(key="satisfaction_def").set_value("ratings").run()
    assert [m.value for m in at.metric][1] == "—"
    assert ":gray[⚪ **Chưa có dữ liệu**] · chỉ tiêu ≥ 95%" in texts(at.markdown)
    assert texts(at.warning)[0] == ("Kỳ này chưa có dữ liệu đánh giá mức độ hài lòng: chưa tính "
                                    "được chỉ tiêu hài lòng theo phiếu đánh giá.")


def test_overview_on_postgresql_too(db_url, monkeypatch):
    """The same numbers when the database is PostgreSQL (skipped without CCHC_TEST_PG_URL)."""
    from tests.fixtures import TODAY, UNIT

    monkeypatch.setenv("CCHC_DB_URL", db_url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    build_fixture(db_url)
    at = app()
    assert [m.value for m in at.metric] == HEADLINE_VALUES
