"""The classification day, coverage in the snapshot JSON and the year in view (issue 10), on
DuckDB and PostgreSQL, on the hand-made database of tests/yearfixture.py (exports stop at
30/06/2026). Every figure below is computed by hand in that module's doc."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest
import sqlalchemy as sa

from kpi import coverage as CV
from kpi import dashboard as DB
from kpi import db as kdb
from kpi import queries as Q
from kpi import schema as S
from kpi import yearview as YV
from kpi.config import ROOT
from tests import yearfixture as Y

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def year_db(db_url):
    return Y.build(db_url)


def _counts(snap, key="on_time_rate"):
    v = snap.kpi(key)
    return v.numerator, v.denominator


# ------------------------------------------------------------------------ classification day

def test_the_year_is_judged_as_of_data_through(year_db):
    year = Q.snapshot(year_db, Y.UNIT, "2026", today=TODAY)
    half = Q.snapshot(year_db, Y.UNIT, "2026-01-01..2026-06-30", today=TODAY)
    # Judged at 30/06: the 2 June dossiers due 10/07 are pending in time, not overdue.
    assert year.as_of_day == dt.date(2026, 6, 30)
    assert _counts(year) == _counts(half) == (57, 62)
    assert year.kpi("on_time_rate").value == half.kpi("on_time_rate").value == 57 / 62
    assert year.counts["pending"] == 2 and year.counts["pending_overdue"] == 0
    assert year.provisional and year.coverage.missing == (
        (dt.date(2026, 7, 1), dt.date(2026, 12, 31)),)
    assert not half.provisional and half.coverage.complete
    # The second quarter, complete: April 9/10, May 8/10, June 9 + 2 pending in time of 12.
    q2 = Q.snapshot(year_db, Y.UNIT, "2026-Q2", today=TODAY)
    assert _counts(q2) == (28, 32) and q2.coverage.complete


def test_a_month_after_data_through_has_no_data_and_no_verdict(year_db):
    july = Q.snapshot(year_db, Y.UNIT, "2026-07", today=TODAY)
    assert july.no_data and july.source == "none"
    for v in july.kpis:
        if D_SOURCE[v.key] == "dossiers":
            assert (v.value, v.met, v.numerator, v.denominator) == (None, None, 0, 0), v.key
    data = july.to_json()
    assert data["data_through"] == "2026-06-30"
    assert data["coverage"] == {"status": "none",
                                "missing": [{"start": "2026-07-01", "end": "2026-07-31"}]}
    rows = DB.display_rows(july)
    assert {r.status_text for r in rows if r.headline} == {"Chưa có dữ liệu"}
    assert {r.value_text for r in rows if r.headline} == {"—"}
    assert DB.met_summary(rows, july) == "Chưa có dữ liệu"
    assert DB.period_note(july) == ("Chưa có dữ liệu cho kỳ này (thiếu dữ liệu từ 01/07/2026 đến "
                                    "31/07/2026; dữ liệu đã tải mới đến ngày 30/06/2026).")


def test_partial_period_is_provisional_and_names_the_missing_days(year_db):
    year = Q.snapshot(year_db, Y.UNIT, "2026", today=TODAY)
    rows = DB.display_rows(year)
    assert rows[0].status_text == "Chưa đạt (tạm tính)" and rows[0].value_text == "91,9%"
    assert rows[2].status_text == "Đạt (tạm tính)"
    # Met: digitization, online submission, e-result 60/60, data reuse 62/62.
    assert DB.met_summary(rows, year) == "Đạt 4/11 chỉ tiêu (tạm tính)"
    assert DB.period_note(year) == ("Số liệu tạm tính: thiếu dữ liệu từ 01/07/2026 đến 31/12/2026;"
                                    " dữ liệu mới đến ngày 30/06/2026.")
    data = year.to_json()
    assert data["coverage"] == {"status": "partial",
                                "missing": [{"start": "2026-07-01", "end": "2026-12-31"}]}
    assert data["kpis"][0] == {"key": "on_time_rate", "value": 57 / 62, "numerator": 57,
                               "denominator": 62, "target": 0.98, "met": False}


def test_trend_marks_months_without_coverage(year_db):
    t = Q.trend(year_db, Y.UNIT, "2026-09", keys=["on_time_rate"], months=6, today=TODAY)
    assert list(t["coverage"]) == ["complete", "complete", "complete", "none", "none", "none"]
    assert [(int(n), int(d)) for n, d in zip(t["numerator"], t["denominator"])] == [
        (9, 10), (8, 10), (11, 12), (0, 0), (0, 0), (0, 0)]
    assert all(v is None or v != v for v in list(t["value"])[3:])  # null, never 0%


def test_an_undone_upload_moves_data_through_back(year_db):
    with kdb.connect(year_db, write=True) as conn:
        conn.execute(sa.update(S.batches).where(S.batches.c.file_name == "ho-so-2026-06.xlsx")
                     .values(status="undone"))
    year = Q.snapshot(year_db, Y.UNIT, "2026", today=TODAY)
    assert year.data_through == dt.date(2026, 5, 31) and year.as_of_day == dt.date(2026, 5, 31)
    assert _counts(year) == (46, 50)
    june = Q.snapshot(year_db, Y.UNIT, "2026-06", today=TODAY)
    assert june.no_data and _counts(june) == (0, 0)


def test_cli_json_agrees(year_db, db_url):
    env = {**os.environ, "CCHC_TODAY": Y.TODAY, "PYTHONPATH": str(ROOT)}
    out = {}
    for period in ("2026", "2026-07", "2026-01-01..2026-06-30"):
        r = subprocess.run([sys.executable, "-m", "kpi", "snapshot", "--db", db_url, "--unit",
                            Y.UNIT, "--period", period], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        out[period] = json.loads(r.stdout)
    assert out["2026"]["data_through"] == "2026-06-30"
    assert out["2026"]["coverage"] == {"status": "partial", "missing": [
        {"start": "2026-07-01", "end": "2026-12-31"}]}
    assert out["2026"]["kpis"][0] == out["2026-01-01..2026-06-30"]["kpis"][0]
    assert out["2026"]["kpis"][0]["value"] == 57 / 62
    assert out["2026-07"]["coverage"]["status"] == "none"
    assert [k["value"] for k in out["2026-07"]["kpis"][:5]] == [None] * 5
    assert [k["met"] for k in out["2026-07"]["kpis"][:5]] == [None] * 5


# ------------------------------------------------------------------------ the year in view

def test_year_view_figures(year_db):
    view = YV.year_view(year_db, Y.UNIT, "2026-06", today=TODAY)
    # The year to date 01/01–30/06 is fully covered: not "tạm tính" (the rest of the year
    # not having come yet is no missing day).
    assert view.through == dt.date(2026, 6, 30) and not view.provisional and view.has_plan
    assert view.sentence == (
        "Đạt 2/5 chỉ tiêu chính của năm 2026 (từ 01/01/2026 đến 30/06/2026); "
        "Chưa đạt: đúng hạn 91,9% / 98%, thiếu 4 hồ sơ; hài lòng 91,9% / 95%, thiếu 2 hồ sơ; "
        "thanh toán trực tuyến 75,0% / 80%, thiếu 2 giao dịch.")
    on_time = view.kpi("on_time_rate")
    assert (on_time.numerator, on_time.denominator, on_time.met) == (57, 62, False)
    assert on_time.gap == 4  # ⌈0,98 × 62 − 57⌉ = ⌈3,76⌉
    # Remainder July–December: last year's July 20, August 16, September 12 dossiers, then
    # the year-to-date monthly average 62 / 6 for October–December: R = 48 + 31 = 79.
    assert on_time.remaining_volume == 79
    # (0,98 × 141 − 57) / 79 = 81,18 / 79 > 100%.
    assert on_time.required == pytest.approx(81.18 / 79)
    assert on_time.required_status == YV.IMPOSSIBLE
    assert on_time.required_text == "Không thể đạt: kể cả 100% phần còn lại của năm cũng không đủ"
    # Pace April–June: (9 + 8 + 11) / (10 + 10 + 12) = 0,875; range: May 8/10, January 10/10.
    fc = on_time.forecast
    assert fc.months == (dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    assert fc.pace == 0.875
    assert fc.value == pytest.approx((57 + 0.875 * 79) / 141)
    assert fc.low == pytest.approx((57 + 0.8 * 79) / 141)
    assert fc.high == pytest.approx(136 / 141)
    assert fc.text == "Dự báo cuối năm 89,5% (khoảng 85,2%–96,5%)"
    pay = view.kpi("online_payment_rate")
    # 18/24; remainder 5 + 4 + 3 + 3 × 24/6 = 24; (0,8 × 48 − 18) / 24 = 0,85.
    assert (pay.numerator, pay.denominator, pay.gap, pay.remaining_volume) == (18, 24, 2, 24)
    assert pay.required == pytest.approx(0.85) and pay.required_status == YV.NEEDED
    assert pay.required_text == "Tỷ lệ cần đạt trong phần còn lại của năm: 85,0%"
    assert pay.verdict_text == "Chưa đạt" and pay.value_text == "75,0%"
    sub = view.kpi("online_submission_rate")
    assert (sub.numerator, sub.denominator, sub.met, sub.gap) == (44, 62, True, None)
    assert sub.required == pytest.approx((0.6 * 141 - 44) / 79)


def test_year_view_as_of_an_earlier_month(year_db):
    # Beside March: the year to date ends 31/03 (40 dossiers, 39 on time + 0 pending).
    view = YV.year_view(year_db, Y.UNIT, "2026-03", today=TODAY)
    on_time = view.kpi("on_time_rate")
    assert view.through == dt.date(2026, 3, 31)
    assert (on_time.numerator, on_time.denominator) == (29, 30)
    # Remainder April–December: no 2025 April–June, so 30/3 = 10 a month for them and for
    # October–December; July–September 2025 as loaded: 6 × 10 + 48 = 108.
    assert on_time.remaining_volume == 108
    assert on_time.forecast.months == (dt.date(2026, 1, 1), dt.date(2026, 2, 1),
                                       dt.date(2026, 3, 1))


def test_a_year_without_a_plan_says_so(year_db):
    view = YV.year_view(year_db, Y.UNIT, "2025-09", today=TODAY)
    assert not view.has_plan
    assert view.sentence == ("Chưa có chỉ tiêu cho năm 2025 (chưa có kế hoạch năm 2025): số liệu "
                             "(từ 01/01/2025 đến 30/09/2025, tạm tính) chỉ để theo dõi, không "
                             "đánh giá đạt hay chưa đạt.")
    k = view.kpi("on_time_rate")
    assert (k.numerator, k.denominator, k.met, k.target) == (48, 48, None, None)
    assert k.verdict_text == "Chưa có chỉ tiêu" and k.required_status == YV.NO_TARGET
    snap = Q.snapshot(year_db, Y.UNIT, "2025-08", today=TODAY)
    assert DB.met_summary(DB.display_rows(snap), snap) == "Chưa có chỉ tiêu cho năm 2025"


def test_a_year_without_data(year_db):
    view = YV.year_view(year_db, Y.UNIT, "2024-05", today=TODAY)
    assert view.through is None
    assert view.sentence == ("Chưa có chỉ tiêu cho năm 2024; năm 2024 chưa có dữ liệu.")
    assert {k.verdict_text for k in view.kpis} == {"Chưa có dữ liệu"}


# ------------------------------------------------------------------------ pure figures

def _value(n, d, key="on_time_rate"):
    return Q.KpiValue(**{**YV._blank(key), "key": key, "numerator": n, "denominator": d,
                         "value": n / d if d else None})


def test_required_rate_assured_and_done():
    months = {dt.date(2026, m, 1): (10, 10, CV.COMPLETE) for m in range(1, 7)}
    half = [Fraction(0)] * 6 + [Fraction(1)] * 6
    # On time 1190/1200 by 30/06, six months of 1200/6 = 200 to come: R = 1200,
    # (0,98 × 2400 − 1190) / 1200 = 1162 / 1200.
    k = YV._year_kpi(_value(1190, 1200), 2026, dt.date(2026, 6, 30), True, half, months)
    assert k.remaining_volume == 1200 and k.required_status == YV.NEEDED
    assert k.required == pytest.approx(1162 / 1200)
    # Online submission (≥ 60%) 1190/1200 by 30/09, R = 3 × 1200/9 = 400:
    # (0,6 × 1600 − 1190) / 400 < 0 → assured.
    last3 = [Fraction(0)] * 9 + [Fraction(1)] * 3
    k = YV._year_kpi(_value(1190, 1200, "online_submission_rate"), 2026, dt.date(2026, 9, 30),
                     True, last3, months)
    assert k.remaining_volume == 400 and k.required_status == YV.ASSURED
    assert k.required == pytest.approx((960 - 1190) / 400)
    assert k.required_text == "Đã chắc chắn đạt: kể cả 0% phần còn lại của năm vẫn đạt"
    whole = [Fraction(0)] * 12
    k = YV._year_kpi(_value(97, 100), 2026, dt.date(2026, 12, 31), False, whole, months)
    assert (k.required_status, k.remaining_volume, k.gap, k.met) == (YV.DONE, 0, 1, False)
    assert (k.forecast.value, k.forecast.low, k.forecast.high) == (0.97, 0.97, 0.97)
    assert k.verdict_text == "Chưa đạt"


def test_remainder_counts_missing_days_inside_the_year():
    cov = CV.Coverage(CV.PARTIAL, ((dt.date(2026, 2, 1), dt.date(2026, 2, 14)),
                                   (dt.date(2026, 11, 16), dt.date(2026, 12, 31))),
                      dt.date(2026, 11, 15))
    rem = YV._remainder(cov, 2026, dt.date(2026, 11, 15))
    assert rem == [0, Fraction(14, 28)] + [0] * 8 + [Fraction(15, 30), 1]


D_SOURCE = {k.key: k.variants[k.default].source for k in YV.D.KPIS}


def test_a_window_year_to_date_is_the_reports(year_db):
    """A Nghị định 09 window: the year to date starts 15/12 of the year before, as the
    periodic report's (Period.year_to_date); both read the same counts."""
    from kpi import periods as P
    from kpi.report import periodic as R
    view = YV.year_view(year_db, Y.UNIT, "2026-Q2@15", today=TODAY)
    assert view.start == dt.date(2025, 12, 15) and view.through == dt.date(2026, 6, 14)
    # No export covers 15/12–31/12/2025: the year to date misses days, so "tạm tính".
    assert view.provisional and view.scope_text == "từ 15/12/2025 đến 14/06/2026, tạm tính"
    span = P.parse_period("2026-Q2@15").year_to_date()
    assert (span.start, span.end) == (dt.date(2025, 12, 15), dt.date(2026, 6, 14))
    report = R.periodic_report(year_db, Y.UNIT, "2026-Q2@15", today=TODAY)
    assert (report.ytd.start, report.ytd.end) == (span.start, span.end)
    ytd = Q.snapshot(year_db, Y.UNIT, span, today=TODAY)
    on_time = view.kpi("on_time_rate")
    # January–May 10 each (46 on time) + June's 10 received on the 5th (9 returned by the
    # 14th on time; the late one returned 14/06 counts as finished late) = 60.
    assert (on_time.numerator, on_time.denominator) == _counts(ytd) == (55, 60)
    row = next(t for t in report.targets if t.key == "on_time_rate")
    assert row.ytd_ratio_text == "55/60"
    # The window year ends 14/12/2026: its remainder is the uncovered 15/12–31/12/2025 and
    # 15/06–14/12/2026.
    assert on_time.remaining_starts == (dt.date(2025, 12, 1),) + tuple(
        dt.date(2026, m, 1) for m in range(6, 13))
    assert on_time.future_months[0] == dt.date(2026, 7, 1)


def test_a_fully_covered_year_shows_its_result_not_a_forecast():
    months = {dt.date(2026, m, 1): (10, 10, CV.COMPLETE) for m in range(1, 13)}
    k = YV._year_kpi(_value(97, 100), 2026, dt.date(2026, 12, 31), False, [Fraction(0)] * 12,
                     months)
    assert k.forecast.final and k.forecast.text == "Kết quả cả năm 97,0%"
    half = [Fraction(0)] * 6 + [Fraction(1)] * 6
    k = YV._year_kpi(_value(97, 100), 2026, dt.date(2026, 6, 30), False, half, months)
    assert not k.forecast.final and k.forecast.text.startswith("Dự báo cuối năm ")


def test_headroom_uses_the_required_rates_volume():
    months = {dt.date(2026, m, 1): (10, 10, CV.COMPLETE) for m in range(1, 7)}
    half = [Fraction(0)] * 6 + [Fraction(1)] * 6
    # 1190/1200 by 30/06, R = 1200 (the year-to-date average): d + R = 2400; misses allowed
    # ⌊1190 + 1200 − 0,98 × 2400⌋ = 38 = R × (1 − 1162/1200).
    k = YV._year_kpi(_value(1190, 1200), 2026, dt.date(2026, 6, 30), False, half, months)
    assert (k.projected_denominator, k.misses_allowed, k.hits_needed) == (2400, 38, None)
    assert k.headroom_text == ("Theo khối lượng dự kiến (2.400 hồ sơ cả năm), còn có thể chịu "
                               "thêm tối đa 38 hồ sơ không đạt mà cả năm vẫn đạt chỉ tiêu 98%.")
    # 1170/1200 (97,5%): ⌈(0,98 × 1200 − 1170) / 0,02⌉ = 300 in a row; ⌊1170 + 1200 − 2352⌋ = 18.
    k = YV._year_kpi(_value(1170, 1200), 2026, dt.date(2026, 6, 30), False, half, months)
    assert (k.misses_allowed, k.hits_needed) == (18, 300)
    assert k.headroom_text == (
        "Đang dưới chỉ tiêu 98%: cần thêm 300 hồ sơ đạt liên tiếp để trở lại chỉ tiêu; theo "
        "khối lượng dự kiến (2.400 hồ sơ cả năm), cả năm chỉ được thêm tối đa 18 hồ sơ không đạt.")
