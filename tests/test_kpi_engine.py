"""Hand-computed fixtures for every KPI and definition, on DuckDB and PostgreSQL.

The fixture (unit "Xã Thử", March 2026) and the class of each dossier as of 31/03/2026:

code  status received due        finished/returned  notes                      class
E1    10     03-02    03-10      fin 03-09                                     early
O1    9      03-03    03-10 17h  fin 03-10 08h      same day                   on time
L1    10     03-04    03-06      fin 03-12                                     late
C1    10     02-20    03-02      fin 03-01          carried over               early
C2    10     02-01    -          fin 02-25          finished before the period out
FA    10     03-20    04-05      fin 04-03          finished after the period  pending in time
FB    9      03-05    03-25      fin 04-02          finished after, overdue    pending overdue
ND    10     03-06    -          fin 03-20          no due date                on time
NP    4      03-07    -          -                  no due date, pending       unverifiable
S2    10     03-08    03-20      fin 03-15          2 supplement requests      late
S2P   5      03-25    -          -                  3 supplement requests      pending overdue
W1    7      03-09                                  withdrawn                  (received only)
R1    3      03-10                                  not accepted               out
T10   10     03-11    03-17      returned 03-18     status 10, no finish date  late
U9    9      03-12    -          -                  status 9, no date          unverifiable
S1    10     03-13    03-20      fin 03-20          1 supplement request       on time
ST8   8      03-14    03-20      fin 03-16          stopped (Dừng xử lý)       early
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from kpi import calendar as cal
from kpi import definitions as D
from kpi import queries as Q
from kpi import schema as S
from tests.fixtures import insert, make_unit, ts

UNIT = "Xã Thử"
MARCH = "2026-03"
AFTER = dt.date(2026, 4, 10)  # the period has ended
# The definitions picked (kpi.definitions.Choice): the on-time rate's three, satisfaction's two.
ON_TIME_766, RESOLVED, DUE = (D.Choice.of(on_time=v) for v in ("766", "resolved", "due"))
SAT_766, BY_RATINGS = (D.Choice.of(satisfaction=v) for v in ("766", "ratings"))


def _d(code, status, received, due=None, finished=None, returned=None, **kw):
    row = dict(dossier_code=code, status=status, received_at=ts(received),
               due_at=ts(due) if due else None, finished_at=ts(finished) if finished else None,
               returned_at=ts(returned) if returned else None, supplement_count=0, channel=1,
               fee=0, paid_online=False, inputs_digitized=True, e_result=True,
               data_reused=False, procedure_code="P2", field="Hộ tịch",
               handling_unit="Bộ phận một cửa")
    row.update(kw)
    return row


DOSSIERS = [
    _d("E1", 10, "2026-03-02 08:00", "2026-03-10 17:00", "2026-03-09 10:00", channel=2,
       data_reused=True),
    _d("O1", 9, "2026-03-03 09:00", "2026-03-10 17:00", "2026-03-10 08:00", fee=20000,
       paid_online=True, e_result=False, procedure_code="P_NR", field="Chứng thực"),
    _d("L1", 10, "2026-03-04 09:00", "2026-03-06 17:00", "2026-03-12 09:00", channel=2,
       fee=20000, paid_online=False, inputs_digitized=False, data_reused=True),
    _d("C1", 10, "2026-02-20 09:00", "2026-03-02 17:00", "2026-03-01 09:00", fee=None),
    _d("C2", 10, "2026-02-01 09:00", None, "2026-02-25 09:00"),
    _d("FA", 10, "2026-03-20 09:00", "2026-04-05 17:00", "2026-04-03 09:00", channel=2,
       fee=10000, paid_online=True, data_reused=True),
    _d("FB", 9, "2026-03-05 09:00", "2026-03-25 17:00", "2026-04-02 09:00", channel=2,
       fee=None),
    _d("ND", 10, "2026-03-06 09:00", None, "2026-03-20 09:00", e_result=None),
    _d("NP", 4, "2026-03-07 09:00", None, None, channel=3, data_reused=None),
    _d("S2", 10, "2026-03-08 09:00", "2026-03-20 17:00", "2026-03-15 09:00",
       supplement_count=2, fee=15000, paid_online=None, inputs_digitized=None),
    _d("S2P", 5, "2026-03-25 09:00", None, None, supplement_count=3, channel=2),
    _d("W1", 7, "2026-03-09 09:00", channel=2, fee=5000, paid_online=True, data_reused=True),
    _d("R1", 3, "2026-03-10 09:00", channel=2),
    _d("T10", 10, "2026-03-11 09:00", "2026-03-17 17:00", None, "2026-03-18 10:00",
       channel=None, e_result=False),
    _d("U9", 9, "2026-03-12 09:00", None, None, data_reused=None),
    _d("S1", 10, "2026-03-13 09:00", "2026-03-20 17:00", "2026-03-20 16:00",
       supplement_count=1, channel=2),
    _d("ST8", 8, "2026-03-14 09:00", "2026-03-20 17:00", "2026-03-16 09:00"),
]

RATINGS = [
    dict(rating_key="r1", dossier_code="E1", rated_at=ts("2026-03-12 10:00"),
         rating_label="Không hài lòng", satisfied=False, negative=True),
    dict(rating_key="r2", dossier_code="O1", rated_at=ts("2026-03-15 10:00"),
         rating_label="Hài lòng", satisfied=True, negative=False),
    dict(rating_key="r3", dossier_code="C1", rated_at=ts("2026-03-20 10:00"),
         rating_label="Rất hài lòng", satisfied=True, negative=False),
    dict(rating_key="r4", dossier_code="S1", rated_at=ts("2026-03-21 10:00"),
         rating_label="Bình thường", satisfied=False, negative=False),
    dict(rating_key="r5", dossier_code=None, rated_at=ts("2026-03-22 10:00"),
         rating_label=None, satisfied=None, negative=None),
    dict(rating_key="r6", dossier_code="FA", rated_at=ts("2026-04-05 10:00"),
         rating_label="Không hài lòng", satisfied=False, negative=True),
    dict(rating_key="r7", dossier_code="L1", rated_at=ts("2026-03-25 10:00"),
         rating_label="Rất không hài lòng", satisfied=False, negative=True),
]

PROCEDURES = [
    dict(procedure_code="P_NR", procedure_name="Chứng thực chữ ký", level="Cấp Xã",
         paper_result=False, has_fee=True, online_payment=True, full_online_eligible=True,
         full_online=True, boundary_free=True),
    dict(procedure_code="P2", procedure_name="Đăng ký khai sinh", level="Cấp xã",
         paper_result=True, has_fee=True, online_payment=False, full_online_eligible=True,
         full_online=False, boundary_free=False),
    dict(procedure_code="P3", procedure_name="Thủ tục không phí", level=None,
         paper_result=True, has_fee=False, online_payment=False, full_online_eligible=False,
         full_online=False, boundary_free=True),
    dict(procedure_code="P4", procedure_name="Thủ tục cấp tỉnh", level="Cấp tỉnh",
         paper_result=True, has_fee=None, online_payment=False, full_online_eligible=True,
         full_online=None, boundary_free=True),
]

FEEDBACK = [
    dict(feedback_code="f1", received_at=ts("2026-03-02 09:00"), due_at=ts("2026-03-10 17:00"),
         finished_at=ts("2026-03-09 09:00")),  # on time
    dict(feedback_code="f2", received_at=ts("2026-03-02 09:00"), due_at=ts("2026-03-05 17:00"),
         finished_at=ts("2026-03-06 09:00")),  # late
    dict(feedback_code="f3", received_at=ts("2026-03-20 09:00")),  # due 10/04 (15 wd): in time
    dict(feedback_code="f4", received_at=ts("2026-02-01 09:00")),  # due 27/02: overdue
    # received Fri 06/02: 15 working days skip Tết (16–20/02) → due 06/03: on time
    dict(feedback_code="f5", received_at=ts("2026-02-06 09:00"), finished_at=ts("2026-03-04 09:00")),
    dict(feedback_code="f6", received_at=ts("2026-01-10 09:00"), finished_at=ts("2026-02-10 09:00")),
    dict(feedback_code="f7", dossier_code="ND", received_at=ts("2026-03-25 09:00"),
         due_at=ts("2026-04-20 17:00")),  # not due yet; names dossier ND
]


@pytest.fixture
def fx(engine):
    uid = make_unit(engine, UNIT)
    insert(engine, S.dossiers, uid, DOSSIERS)
    insert(engine, S.ratings, uid, RATINGS)
    insert(engine, S.procedures, uid, PROCEDURES)
    insert(engine, S.feedback, uid, FEEDBACK)
    return engine


def nums(snap, key):
    k = snap.kpi(key)
    return (k.numerator, k.denominator, k.unknown)


def test_on_time_three_definitions(fx):
    s766 = Q.snapshot(fx, UNIT, MARCH, ON_TIME_766, today=AFTER)
    assert nums(s766, "on_time_rate") == (7, 12, 0)
    assert s766.kpi("on_time_rate").value == pytest.approx(7 / 12)
    assert s766.kpi("on_time_rate").unverifiable == 2
    assert s766.kpi("on_time_rate").met is False
    assert nums(Q.snapshot(fx, UNIT, MARCH, RESOLVED, today=AFTER), "on_time_rate") == (6, 9, 0)
    assert nums(Q.snapshot(fx, UNIT, MARCH, DUE, today=AFTER), "on_time_rate") == (6, 11, 0)


def test_counts(fx):
    c = Q.counts(fx, UNIT, MARCH, today=AFTER)
    assert {k: c[k] for k in Q.CLI_COUNT_KEYS} == {
        "received": 14, "resolved": 9, "pending": 3, "pending_overdue": 2, "withdrawn": 1,
        "unverifiable": 2}
    assert (c["early"], c["on_time"], c["late"], c["pending_in_time"]) == (3, 3, 3, 1)
    assert c["carried_over"] == 1


def test_period_not_ended_is_judged_as_of_today(fx):
    s = Q.snapshot(fx, UNIT, MARCH, ON_TIME_766, today=dt.date(2026, 3, 15))
    assert s.as_of_day == dt.date(2026, 3, 15)
    c = s.counts
    assert (c["early"], c["on_time"], c["late"], c["pending_in_time"], c["pending_overdue"],
            c["unverifiable"]) == (2, 1, 2, 4, 0, 3)
    assert nums(s, "on_time_rate") == (7, 9, 0)
    assert nums(Q.snapshot(fx, UNIT, MARCH, RESOLVED, today=dt.date(2026, 3, 15)),
                "on_time_rate") == (3, 5, 0)


def test_satisfaction_definitions(fx):
    s = Q.snapshot(fx, UNIT, MARCH, SAT_766, today=AFTER)
    # 12 in the population; 7 early/on time/pending in time, minus E1 (negative rating) and
    # ND (named by a PAKN); FA's negative rating is dated after the period.
    assert nums(s, "satisfaction_rate") == (5, 12, 0)
    r = Q.snapshot(fx, UNIT, MARCH, BY_RATINGS, today=AFTER)
    assert nums(r, "satisfaction_rate") == (2, 5, 1)
    assert r.kpi("satisfaction_rate").source == "ratings"
    assert r.definitions == {"on_time": "766", "satisfaction": "ratings"}


def test_digitization_and_e_result(fx):
    s = Q.snapshot(fx, UNIT, MARCH, today=AFTER)
    # resolved (9/10) in March: E1 O1 L1 C1 ND S2 T10 S1; ST8 (status 8) and U9 (no date) not.
    # O1's procedure issues no result: inputs only. ND lacks e_result, S2 lacks inputs.
    assert nums(s, "digitization_rate") == (4, 6, 2)
    # e-result leaves O1 out (no result document); ND unknown.
    assert nums(s, "e_result_rate") == (5, 6, 1)


def test_received_based_rates(fx):
    s = Q.snapshot(fx, UNIT, MARCH, today=AFTER)
    assert nums(s, "online_submission_rate") == (7, 13, 1)  # T10 has no channel
    assert nums(s, "online_payment_rate") == (3, 4, 2)  # FB: no fee column; S2: no paid flag
    assert nums(s, "data_reuse_rate") == (4, 12, 2)  # withdrawn W1 counts here


def test_catalogue_rates(fx):
    s = Q.snapshot(fx, UNIT, MARCH, today=AFTER)
    assert nums(s, "online_payment_procedure_rate") == (1, 2, 1)
    assert nums(s, "full_online_procedure_rate") == (1, 2, 1)
    assert nums(s, "boundary_free_procedure_rate") == (2, 3, 0)  # P4 is provincial


def test_feedback_on_time_with_default_due_date(fx):
    assert cal.add_working_days(dt.date(2026, 2, 6), 15) == dt.date(2026, 3, 6)
    s = Q.snapshot(fx, UNIT, MARCH, today=AFTER)
    assert nums(s, "feedback_on_time_rate") == (4, 6, 0)


def test_targets_and_empty_denominators(fx):
    s = Q.snapshot(fx, UNIT, MARCH, today=AFTER)
    assert [k.key for k in s.kpis] == D.KPI_KEYS
    assert s.kpi("digitization_rate").target == 0.8
    assert s.kpi("digitization_rate").met is False  # 4/6 < 0.8
    assert s.kpi("online_payment_procedure_rate").met is False
    assert s.kpi("boundary_free_procedure_rate").met is False  # 0.667 < 0.7
    empty = Q.snapshot(fx, UNIT, "2026-06", today=AFTER)
    for key in ("on_time_rate", "satisfaction_rate", "digitization_rate",
                "online_submission_rate", "online_payment_rate", "e_result_rate",
                "data_reuse_rate", "feedback_on_time_rate"):
        k = empty.kpi(key)
        assert (k.value, k.met, k.numerator, k.denominator) == (None, None, 0, 0), key
        assert k.target is not None
    # No plan for 2025 (nor for any year without a targets file): target and met are null.
    earlier = Q.snapshot(fx, UNIT, "2025-01", today=AFTER)
    assert all(k.target is None and k.met is None for k in earlier.kpis)
    assert "Kế hoạch năm 2025 chưa có chỉ tiêu này" in earlier.kpi("on_time_rate").note


def test_all_unknown_gives_null_with_note(engine):
    uid = make_unit(engine, UNIT)
    insert(engine, S.dossiers, uid, [
        _d("X1", 10, "2026-03-02 08:00", "2026-03-10", "2026-03-05", data_reused=None),
        _d("X2", 4, "2026-03-03 08:00", "2026-03-10", data_reused=None),
    ])
    k = Q.snapshot(engine, UNIT, MARCH, today=AFTER).kpi("data_reuse_rate")
    assert (k.value, k.numerator, k.denominator, k.unknown) == (None, 0, 0, 2)
    assert "thiếu cột" in k.note


def test_previous_and_trend(fx):
    prev = Q.previous_snapshot(fx, UNIT, MARCH, today=AFTER)
    assert prev.period.label == "Tháng 2/2026"
    # February: C1 and C2 pending/finished... C2 finished 25/02 with no due date: on time;
    # C1 received 20/02, due 02/03, finished 01/03: pending in time at 28/02.
    assert nums(prev, "on_time_rate") == (2, 2, 0)
    df = Q.trend(fx, UNIT, MARCH, today=AFTER)
    on_time = df[df.key == "on_time_rate"]
    assert list(on_time.label) == [f"T{m}/2025" for m in range(4, 13)] + [
        "T1/2026", "T2/2026", "T3/2026"]
    last = on_time.iloc[-1]
    assert (last.numerator, last.denominator) == (7, 12)
    assert on_time.iloc[0].value is None or math.isnan(on_time.iloc[0].value)


def test_breakdown_and_shortfall(fx):
    b = Q.breakdown(fx, UNIT, MARCH, "on_time_rate", by="field", today=AFTER)
    rows = {r.group: (r.numerator, r.denominator) for r in b.itertuples()}
    assert rows == {"Hộ tịch": (6, 11), "Chứng thực": (1, 1)}
    ch = Q.breakdown(fx, UNIT, MARCH, "online_submission_rate", by="channel", today=AFTER)
    assert {r.label: (r.numerator, r.denominator) for r in ch.itertuples()} == {
        "Trực tiếp": (0, 5), "Trực tuyến": (7, 7), "Bưu chính công ích (BCCI)": (0, 1),
        "(Không rõ)": (0, 0)}
    page = Q.shortfall(fx, UNIT, MARCH, "on_time_rate", today=AFTER, page_size=2)
    assert page.total == 5 and page.pages == 3 and len(page.frame) == 2
    assert "Mã hồ sơ" in page.frame.columns and "Phân loại" in page.frame.columns
    everything = Q.shortfall(fx, UNIT, MARCH, "on_time_rate", today=AFTER, page_size=50)
    assert sorted(everything.frame["Mã hồ sơ"]) == ["FB", "L1", "S2", "S2P", "T10"]
    assert set(everything.frame["Phân loại"]) == {"Quá hạn", "Đang giải quyết quá hạn"}
    sat = Q.shortfall(fx, UNIT, MARCH, "satisfaction_rate", today=AFTER).frame
    assert sorted(sat["Mã hồ sơ"]) == ["E1", "FB", "L1", "ND", "S2", "S2P", "T10"]
    flagged = dict(zip(sat["Mã hồ sơ"], sat["Bị đánh giá không hài lòng / bị PAKN"]))
    assert (flagged["E1"], flagged["ND"], flagged["FB"]) == ("Có", "Có", "")
    pay = Q.shortfall(fx, UNIT, MARCH, "online_payment_rate", today=AFTER)
    assert list(pay.frame["Mã hồ sơ"]) == ["L1"]
    proc = Q.shortfall(fx, UNIT, MARCH, "full_online_procedure_rate", today=AFTER)
    assert list(proc.frame["Mã thủ tục"]) == ["P2"]
    with pytest.raises(ValueError):
        Q.breakdown(fx, UNIT, MARCH, "feedback_on_time_rate", by="field", today=AFTER)


def test_unknown_unit_and_all_units(fx):
    with pytest.raises(Q.UnknownUnit, match="Không tìm thấy đơn vị"):
        Q.snapshot(fx, "Xã Không Có", MARCH, today=AFTER)
    everyone = Q.snapshot(fx, None, MARCH, today=AFTER)
    assert nums(everyone, "on_time_rate") == (7, 12, 0)
    assert everyone.unit == Q.ALL_UNITS_LABEL


