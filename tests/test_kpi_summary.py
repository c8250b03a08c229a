"""Summary reports (Biểu số 06/VPCP/KSTT): fallback, tiling, cross-check, published figures."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import queries as Q
from kpi import schema as S
from kpi.definitions import Choice
from tests.fixtures import insert, make_unit, ts

D = dt.date
ON_TIME_766, RESOLVED, DUE = (Choice.of(on_time=v) for v in ("766", "resolved", "due"))


def _row(start, end, field, **kw):
    row = dict(period_start=start, period_end=end, field=field)
    for c in ("received_online", "received_direct", "carried_over", "early", "on_time", "late",
              "pending_in_time", "pending_overdue"):
        row[c] = kw.get(c, 0)
    row["received_total"] = row["received_online"] + row["received_direct"] + row["carried_over"]
    row["resolved_total"] = row["early"] + row["on_time"] + row["late"]
    row["pending_total"] = row["pending_in_time"] + row["pending_overdue"]
    return row


def _total(rows, start, end):
    """A "Tổng cộng" row equal to the sum of the field rows (must never be added again)."""
    keys = [k for k in rows[0] if k not in ("period_start", "period_end", "field")]
    return dict(period_start=start, period_end=end, field="Tổng cộng",
                **{k: sum(r[k] for r in rows) for k in keys})


LAM_DONG = "Tỉnh Lâm Đồng (cấp xã)"


@pytest.fixture
def lam_dong(engine):
    """Quarter I/2020 as three monthly summaries: 261.896 resolved, 260.612 early or on time."""
    uid = make_unit(engine, LAM_DONG)
    jan = [
        _row(D(2020, 1, 1), D(2020, 1, 31), "Hộ tịch", early=50000, on_time=30000, late=400,
             received_online=100, received_direct=900, carried_over=1000, pending_in_time=100,
             pending_overdue=5),
        _row(D(2020, 1, 1), D(2020, 1, 31), "Chứng thực", early=10000, on_time=5000, late=100),
    ]
    feb = [_row(D(2020, 2, 1), D(2020, 2, 29), "Hộ tịch", early=60000, on_time=25000, late=300,
                received_online=200, received_direct=800, carried_over=777)]
    mar = [_row(D(2020, 3, 1), D(2020, 3, 31), "Hộ tịch", early=70000, on_time=10612, late=484,
                received_online=300, received_direct=700, carried_over=555, pending_in_time=300,
                pending_overdue=7)]
    rows = jan + [_total(jan, D(2020, 1, 1), D(2020, 1, 31))] + feb + mar
    insert(engine, S.summaries, uid, rows)
    return engine


def test_lam_dong_q1_2020_published_rate(lam_dong):
    s = Q.snapshot(lam_dong, LAM_DONG, "2020-Q1", RESOLVED, today=D(2026, 1, 1))
    k = s.kpi("on_time_rate")
    assert (k.numerator, k.denominator) == (260612, 261896)
    assert abs(k.value * 100 - 99.51) <= 0.01
    assert k.source == "summary" and s.source == "summary"
    assert k.target is None  # no plan for 2020


def test_tiling_flows_add_first_and_last(lam_dong):
    s = Q.snapshot(lam_dong, LAM_DONG, "2020-Q1", ON_TIME_766, today=D(2026, 1, 1))
    # pending (12), (13) from March only; the "Tổng cộng" row of January is not added.
    assert (s.kpi("on_time_rate").numerator, s.kpi("on_time_rate").denominator) == (
        260612 + 300, 261896 + 300 + 7)
    sub = s.kpi("online_submission_rate")
    assert (sub.numerator, sub.denominator) == (600, 3000)
    c = s.counts
    assert (c["received"], c["resolved"], c["pending"], c["pending_overdue"],
            c["carried_over"]) == (3000, 261896, 307, 7, 1000)
    due = Q.snapshot(lam_dong, LAM_DONG, "2020-Q1", DUE, today=D(2026, 1, 1))
    assert (due.kpi("on_time_rate").numerator, due.kpi("on_time_rate").denominator) == (
        260612, 261896 + 7)
    # Other KPIs have no dossiers: null, not 0.
    assert s.kpi("digitization_rate").value is None


def test_exact_month_and_no_tiling(lam_dong):
    feb = Q.snapshot(lam_dong, LAM_DONG, "2020-02", RESOLVED, today=D(2026, 1, 1))
    assert (feb.kpi("on_time_rate").numerator, feb.kpi("on_time_rate").denominator) == (
        85000, 85300)
    # Starts mid-month: no summary tiles it.
    gap = Q.snapshot(lam_dong, LAM_DONG, "2020-01-15..2020-03-31", today=D(2026, 1, 1))
    assert gap.kpi("on_time_rate").value is None and gap.source == "none"
    # A year with only Q1 covered: not tiled.
    assert Q.snapshot(lam_dong, LAM_DONG, "2020", today=D(2026, 1, 1)).kpi(
        "on_time_rate").value is None


def test_gap_and_overlap(engine):
    uid = make_unit(engine, "Xã Có Khoảng Trống")
    insert(engine, S.summaries, uid, [
        _row(D(2025, 1, 1), D(2025, 1, 31), "Hộ tịch", early=10),
        _row(D(2025, 3, 1), D(2025, 3, 31), "Hộ tịch", early=30),
    ])
    s = Q.snapshot(engine, "Xã Có Khoảng Trống", "2025-Q1", today=D(2026, 1, 1))
    assert s.kpi("on_time_rate").value is None  # February missing: a gap
    uid2 = make_unit(engine, "Xã Chồng Lấn")
    insert(engine, S.summaries, uid2, [
        _row(D(2025, 1, 1), D(2025, 1, 31), "Hộ tịch", early=10, late=1),
        _row(D(2025, 1, 1), D(2025, 2, 28), "Hộ tịch", early=25, late=2),
        _row(D(2025, 2, 1), D(2025, 2, 28), "Hộ tịch", early=15, late=1),
        _row(D(2025, 3, 1), D(2025, 3, 31), "Hộ tịch", early=30, late=3),
    ])
    s = Q.snapshot(engine, "Xã Chồng Lấn", "2025-Q1", RESOLVED, today=D(2026, 1, 1))
    # Jan–Feb + Mar (fewest pieces), never Jan + Jan–Feb (overlap).
    assert (s.kpi("on_time_rate").numerator, s.kpi("on_time_rate").denominator) == (55, 60)


VINH_PHUC = "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc"


def test_vinh_phuc_september_2021_published_rate(engine):
    uid = make_unit(engine, VINH_PHUC)
    insert(engine, S.summaries, uid, [
        _row(D(2021, 9, 1), D(2021, 9, 30), "Đất đai", early=3000, on_time=100, late=8,
             pending_in_time=40, pending_overdue=2),
        _row(D(2021, 9, 1), D(2021, 9, 30), "Tư pháp", early=1000, on_time=57, late=2,
             pending_in_time=10),
    ])
    s = Q.snapshot(engine, VINH_PHUC, "2021-09", DUE, today=D(2026, 1, 1))
    k = s.kpi("on_time_rate")
    assert (k.numerator, k.denominator) == (4157, 4169)
    assert abs(k.value * 100 - 99.71) <= 0.01


def test_dossiers_win_and_summary_is_a_cross_check(engine):
    unit = "Xã Có Cả Hai"
    uid = make_unit(engine, unit)
    insert(engine, S.dossiers, uid, [
        dict(dossier_code="A", status=10, received_at=ts("2026-03-02 08:00"),
             due_at=ts("2026-03-10"), finished_at=ts("2026-03-05"), channel=2),
        dict(dossier_code="B", status=10, received_at=ts("2026-03-03 08:00"),
             due_at=ts("2026-03-04"), finished_at=ts("2026-03-06"), channel=1),
    ])
    insert(engine, S.summaries, uid, [
        _row(D(2026, 3, 1), D(2026, 3, 31), "Hộ tịch", early=5, late=1, received_online=3,
             received_direct=3),
    ])
    s = Q.snapshot(engine, unit, "2026-03", RESOLVED, today=D(2026, 4, 10))
    assert s.source == "dossiers"
    assert (s.kpi("on_time_rate").numerator, s.kpi("on_time_rate").denominator) == (1, 2)
    assert s.kpi("online_submission_rate").source == "dossiers"
    assert s.summary_difference["early"] == 1 - 5
    assert s.summary_difference["received"] == 2 - 6
    check = Q.summary_check(engine, unit, "2026-03", today=D(2026, 4, 10))
    row = check.set_index("column").loc["late"]
    assert (row.dossiers, row.summary, row.difference) == (1, 1, 0)
    assert Q.summary_check(engine, unit, "2026-02", today=D(2026, 4, 10)) is None
