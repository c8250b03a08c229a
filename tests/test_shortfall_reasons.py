"""Why each row of a shortfall fails: the "Lý do chưa đạt" column of ``kpi.queries.shortfall``
and of its Excel, from the reasons declared per KPI variant in kpi/definitions.py. On the
hand-made fixture of tests/test_kpi_engine.py (March 2026, judged as of 31/03/2026) plus one
dossier failing both digitization conditions; DuckDB and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kpi import dashboard as DB
from kpi import definitions as D
from kpi import queries as Q
from kpi import schema as S
from tests.fixtures import insert, make_unit
from tests.test_kpi_engine import AFTER, DOSSIERS, FEEDBACK, MARCH, PROCEDURES, RATINGS, UNIT, _d

BOTH = _d("X2", 10, "2026-03-16 09:00", "2026-03-20 17:00", "2026-03-18 09:00",
          inputs_digitized=False, e_result=False, procedure_code="P2", data_reused=True,
          channel=2)
LATE = "Yêu cầu bổ sung {} lần (quá 1 lần tính là quá hạn)"
FLAG = "Bị đánh giá không hài lòng hoặc bị phản ánh, kiến nghị"


@pytest.fixture
def fx(engine):
    uid = make_unit(engine, UNIT)
    insert(engine, S.dossiers, uid, [*DOSSIERS, BOTH])
    insert(engine, S.ratings, uid, RATINGS)
    insert(engine, S.procedures, uid, PROCEDURES)
    insert(engine, S.feedback, uid, FEEDBACK)
    return engine


def reasons(engine, key, choice=None, period=MARCH):
    frame = Q.shortfall(engine, UNIT, period, key, choice, today=AFTER, page_size=100).frame
    assert list(frame.columns)[1] == Q.REASON_COLUMN == "Lý do chưa đạt"
    return dict(zip(frame.iloc[:, 0], frame[Q.REASON_COLUMN]))


def test_on_time_reasons_name_the_days_and_the_supplement_rule(fx):
    # Lateness in working days past the due day (kpi.calendar.working_days_late), as the work
    # list counts it: not the calendar days (6 for FB and for L1).
    late = {"FB": "Đang giải quyết, quá hạn 4 ngày làm việc",  # due Wed 25/03, open at Tue 31/03
            "L1": "Quá hạn 4 ngày làm việc",  # due Fri 06/03, finished Thu 12/03
            "S2": LATE.format(2),  # finished before its due day: late by the 766 rule only
            "S2P": LATE.format(3),  # no due day at all, still pending overdue
            "T10": "Quá hạn 1 ngày làm việc"}  # status 10 without a finish date: the return date
    assert reasons(fx, "on_time_rate") == late
    assert reasons(fx, "on_time_rate", D.Choice.of(on_time="due")) == late
    assert reasons(fx, "on_time_rate", D.Choice.of(on_time="resolved")) == {
        k: late[k] for k in ("L1", "S2", "T10")}


def test_satisfaction_reasons(fx):
    assert reasons(fx, "satisfaction_rate") == {
        "E1": FLAG, "ND": FLAG, "FB": "Đang giải quyết, quá hạn 4 ngày làm việc",
        "L1": "Quá hạn 4 ngày làm việc; " + FLAG, "S2": LATE.format(2), "S2P": LATE.format(3),
        "T10": "Quá hạn 1 ngày làm việc"}
    assert reasons(fx, "satisfaction_rate", D.Choice.of(satisfaction="ratings")) == {
        "r1": "Đánh giá: Không hài lòng", "r4": "Đánh giá: Bình thường",
        "r7": "Đánh giá: Rất không hài lòng"}


def test_dossier_rate_reasons(fx):
    assert reasons(fx, "digitization_rate") == {
        "L1": "Chưa số hóa thành phần hồ sơ", "T10": "Thiếu kết quả điện tử",
        "X2": "Chưa số hóa thành phần hồ sơ; Thiếu kết quả điện tử"}
    direct = "Nộp trực tiếp, không nộp trực tuyến"
    assert reasons(fx, "online_submission_rate") == {
        "ND": direct, "O1": direct, "S2": direct, "ST8": direct, "U9": direct,
        "NP": "Nộp qua bưu chính công ích, không nộp trực tuyến"}
    assert reasons(fx, "online_payment_rate") == {"L1": "Chưa thanh toán trực tuyến"}
    assert reasons(fx, "e_result_rate") == {"T10": "Thiếu kết quả điện tử",
                                            "X2": "Thiếu kết quả điện tử"}
    assert set(reasons(fx, "data_reuse_rate").values()) == {"Không tái sử dụng dữ liệu số hóa"}


def test_catalogue_and_feedback_reasons(fx):
    assert reasons(fx, "online_payment_procedure_rate") == {
        "P2": "Chưa triển khai thanh toán trực tuyến"}
    assert reasons(fx, "full_online_procedure_rate") == {
        "P2": "Chưa cung cấp dịch vụ công trực tuyến toàn trình"}
    assert reasons(fx, "boundary_free_procedure_rate") == {
        "P2": "Còn phụ thuộc địa giới hành chính"}
    # f2 due Thu 05/03 finished Fri 06/03; f4 received 01/02, default due Fri 27/02, open at
    # Tue 31/03: 22 working days of March (32 calendar days).
    assert reasons(fx, "feedback_on_time_rate") == {
        "f2": "Xử lý xong quá hạn 1 ngày làm việc",
        "f4": "Chưa xử lý xong, quá hạn 22 ngày làm việc"}


def test_lateness_skips_weekends_and_holidays_like_the_work_list(engine):
    """Due Fri 06/11 finished Mon 16/11 is 6 working days late (10 calendar days); due Wed
    29/04 finished Mon 04/05 is 1 (30/04, 01/05 holidays, then a weekend)."""
    import datetime as dt

    from kpi import calendar as cal
    from kpi import worklist as W

    assert cal.working_days_late(dt.date(2026, 11, 6), dt.date(2026, 11, 16)) == 6
    assert cal.working_days_late(dt.date(2026, 11, 6), dt.date(2026, 11, 6)) == 0
    assert W.working_days_left(dt.date(2026, 11, 16), dt.date(2026, 11, 6)) == -6
    uid = make_unit(engine, UNIT)
    insert(engine, S.dossiers, uid, [
        _d("N16", 10, "2026-11-02 09:00", "2026-11-06 17:00", "2026-11-16 10:00"),
        _d("H04", 10, "2026-04-20 09:00", "2026-04-29 17:00", "2026-05-04 10:00"),
        _d("P11", 4, "2026-11-03 09:00", "2026-11-10 17:00", None),
        _d("S14", 10, "2026-11-09 09:00", "2026-11-13 17:00", "2026-11-14 10:00")])
    # Judged as of data_through 16/11: P11 (due Tue 10/11) is 4 working days overdue (6 days).
    got = Q.shortfall(engine, UNIT, "2026-11", "on_time_rate", today=dt.date(2026, 11, 30)).frame
    assert dict(zip(got.iloc[:, 0], got[Q.REASON_COLUMN])) == {
        "N16": "Quá hạn 6 ngày làm việc", "P11": "Đang giải quyết, quá hạn 4 ngày làm việc",
        # due Fri 13/11, finished Sat 14/11: late, yet no working day late — never "0 ngày"
        "S14": "Quá hạn (giải quyết xong vào ngày nghỉ sau ngày hẹn trả)"}
    got = Q.shortfall(engine, UNIT, "2026-05", "on_time_rate", today=dt.date(2026, 5, 31)).frame
    assert dict(zip(got.iloc[:, 0], got[Q.REASON_COLUMN])) == {"H04": "Quá hạn 1 ngày làm việc"}


def test_every_variant_declares_its_reasons():
    for kpi in D.KPIS:
        for name, ratio in kpi.variants.items():
            assert ratio.reasons, f"{kpi.key}/{name}"
            for r in ratio.reasons:
                assert r.text and r.text[0].isupper()


def test_the_excel_carries_the_reason_and_a_vietnamese_file_name(fx):
    data = DB.shortfall_xlsx(fx, UNIT, MARCH, "on_time_rate", today=AFTER)
    rows = list(load_workbook(io.BytesIO(data))["Danh sách"].values)
    assert rows[0][:2] == ("Mã hồ sơ", "Lý do chưa đạt")
    assert {r[0]: r[1] for r in rows[1:]} == {
        "FB": "Đang giải quyết, quá hạn 4 ngày làm việc", "L1": "Quá hạn 4 ngày làm việc",
        "S2": LATE.format(2), "S2P": LATE.format(3), "T10": "Quá hạn 1 ngày làm việc"}
    assert DB.shortfall_file_name("on_time_rate", "2026-Q4") == \
        "chua-dat_dung-han_quy-iv-2026.xlsx"
    assert DB.shortfall_file_name("online_payment_rate", "2026-03") == \
        "chua-dat_thanh-toan-truc-tuyen_thang-3-2026.xlsx"
