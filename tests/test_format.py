"""kpi.format: the one home of Vietnamese numbers, percentages, points, dates and periods."""

import datetime as dt

import pandas as pd
import pytest

from kpi import format as fmt
from kpi.periods import parse_period


def test_percentages_round_half_up_with_a_decimal_comma():
    assert fmt.pct(0.9876847) == "98,8%"
    assert fmt.pct(0.985) == "98,5%"
    assert fmt.pct(0.98449) == "98,4%"
    assert fmt.pct(0.9995) == "100,0%"
    assert fmt.pct(1.0) == "100,0%"
    assert fmt.pct(0.0) == "0,0%"
    assert fmt.pct(None) == "—"
    assert fmt.pct(float("nan")) == "—"
    assert fmt.pct(0.99512, 2) == "99,51%"
    # Half-up on the exact decimal, not on a float product (0.6375 * 100 = 63.7499…).
    assert fmt.pct(612 / 960) == "63,8%"
    assert fmt.pct(-0.00014) == "0,0%"  # never "-0,0%"


def test_integers_use_dots_for_thousands():
    assert fmt.integer(0) == "0"
    assert fmt.integer(999) == "999"
    assert fmt.integer(1234) == "1.234"
    assert fmt.integer(261896) == "261.896"
    assert fmt.integer(1234567) == "1.234.567"
    assert fmt.integer(-1234) == "-1.234"
    assert fmt.integer(None) == "—"
    assert fmt.ratio(1203, 1218) == "1.203/1.218"
    assert fmt.ratio(0, 0) == "0/0"
    assert fmt.number(12.345) == "12,3"
    assert fmt.number(1234.55, 1) == "1.234,6"


def test_a_value_never_looks_met_when_it_is_not():
    # 97,996% rounds to 98,0% but misses ≥ 98%: show 97,99% so number and verdict agree.
    assert fmt.kpi_value(0.97996, 0.98) == "97,99%"
    assert fmt.kpi_value(0.97949, 0.98) == "97,9%"
    assert fmt.kpi_value(0.98, 0.98) == "98,0%"
    assert fmt.kpi_value(0.9996, 1.0) == "99,96%"
    assert fmt.kpi_value(0.9996, None) == "100,0%"
    assert fmt.kpi_value(None, 0.98) == "—"
    # The published reports' rule on its own: two decimals, truncated.
    assert fmt.pct_truncated(0.995199) == "99,51%"
    assert fmt.pct_truncated(0.99719) == "99,71%"


def test_targets_changes_and_verdicts():
    assert fmt.target(0.98) == "≥ 98%"
    assert fmt.target(0.6) == "≥ 60%"
    assert fmt.target(0.985) == "≥ 98,5%"
    assert fmt.target(1.0) == "100%"
    assert fmt.target(None) == "—"
    assert fmt.pct_compact(0.7) == "70%"
    assert fmt.pp(0.012) == "+1,2 điểm %"
    assert fmt.pp(-0.005) == "−0,5 điểm %"
    assert fmt.pp(0.0) == "±0,0 điểm %"
    assert fmt.pp(-0.0004) == "±0,0 điểm %"
    assert fmt.pp(None) == "—"
    assert fmt.verdict(True) == "Đạt"
    assert fmt.verdict(False) == "Chưa đạt"
    assert fmt.verdict(None, None, 0.98) == "Chưa có dữ liệu"
    assert fmt.verdict(None, 0.97, None) == "Chưa có chỉ tiêu"


def test_dates_in_vietnam_time():
    assert fmt.date("2026-03-01") == "01/03/2026"
    assert fmt.date(dt.date(2026, 12, 31)) == "31/12/2026"
    # as_of is converted to Vietnam time before its date is taken.
    assert fmt.date("2026-04-01T20:00:00+00:00") == "02/04/2026"
    assert fmt.date("2026-04-02T08:15:00+07:00") == "02/04/2026"
    assert fmt.date(None) == "—"
    assert fmt.date(pd.NaT) == "—"
    assert fmt.datetime(dt.datetime(2026, 4, 2, 8, 5)) == "02/04/2026 08:05"
    assert fmt.datetime("2026-04-02T01:15:00+00:00") == "02/04/2026 08:15"
    assert fmt.datetime(None) == "—"
    assert fmt.date_range(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == "01/03/2026 – 31/03/2026"


def test_official_date_line_follows_the_decree():
    assert fmt.official_date("Lộc Tân", dt.date(2026, 4, 3)) == "Lộc Tân, ngày 03 tháng 4 năm 2026"
    assert fmt.official_date("Lộc Tân", dt.date(2026, 2, 15)) == "Lộc Tân, ngày 15 tháng 02 năm 2026"
    assert fmt.official_date("Lộc Tân", dt.date(2026, 11, 9)) == "Lộc Tân, ngày 09 tháng 11 năm 2026"


@pytest.mark.parametrize("start,end,label", [
    ((2026, 3, 1), (2026, 3, 31), "Tháng 3/2026"),
    ((2026, 2, 1), (2026, 2, 28), "Tháng 2/2026"),
    ((2026, 1, 1), (2026, 3, 31), "Quý I/2026"),
    ((2026, 10, 1), (2026, 12, 31), "Quý IV/2026"),
    ((2026, 1, 1), (2026, 6, 30), "6 tháng đầu năm 2026"),
    ((2026, 7, 1), (2026, 12, 31), "6 tháng cuối năm 2026"),
    ((2026, 1, 1), (2026, 12, 31), "Năm 2026"),
    ((2026, 2, 1), (2026, 4, 30), "01/02/2026 – 30/04/2026"),
    ((2026, 1, 5), (2026, 1, 31), "05/01/2026 – 31/01/2026"),
])
def test_periods_named_from_their_dates(start, end, label):
    assert fmt.period_label(dt.date(*start), dt.date(*end)) == label


def test_a_period_of_a_stated_kind_keeps_its_kind():
    # The screens' periods name their kind: a custom range stays a range.
    assert parse_period("2026-01-01..2026-03-31").label == "01/01/2026 – 31/03/2026"
    assert fmt.period_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "custom") == (
        "01/01/2026 – 31/03/2026")
    assert fmt.period_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "ytd") == (
        "Lũy kế năm 2026 (đến 31/03/2026)")
    assert fmt.period_short_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "Q1/2026"
    assert fmt.month_label(dt.date(2026, 3, 1)) == "T3/2026"


def test_words_inside_a_sentence():
    assert fmt.in_sentence("Tháng 3/2026") == "tháng 3/2026"
    assert fmt.in_sentence("TTHC thanh toán trực tuyến") == "TTHC thanh toán trực tuyến"
    assert fmt.in_sentence("Không phụ thuộc địa giới") == "không phụ thuộc địa giới"
    assert fmt.enumeration(["a"]) == "a"
    assert fmt.enumeration(["a", "b"]) == "a và b"
    assert fmt.enumeration(["a", "b", "c"]) == "a, b và c"


def test_vietnamese_alphabetical_order():
    # đ right after d (byte order puts "Đ…" after "Xây dựng"), accents second, case ignored,
    # decomposed input sorts as its NFC form.
    names = ["Xây dựng", "Đất đai", "Hộ tịch", "Dân số", "Đăng ký biện pháp bảo đảm",
             "Chứng thực", "chứng thực", "Ho tich", "E-hồ sơ", "Da"]
    assert sorted(names, key=fmt.sort_key) == [
        "Chứng thực", "chứng thực", "Da", "Dân số", "Đăng ký biện pháp bảo đảm", "Đất đai",
        "E-hồ sơ", "Ho tich", "Hộ tịch", "Xây dựng"]
    assert fmt.sort_key("Đ\u0301") == fmt.sort_key("\u0110\u0301")
    assert fmt.sort_key("Ho\u0323\u0302") == fmt.sort_key("Hộ")
