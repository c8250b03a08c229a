"""The work list (kpi.worklist) on the hand-made fixture of tests/worklist_fixture.py, on DuckDB
and PostgreSQL: every state, weekend and holiday counting, the ordering, per-officer counts,
what acting now is worth, the stale-data warning, today before data_through, the outputs."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from kpi import apology as AP
from kpi import definitions as D
from kpi import worklist as W
from tests import worklist_fixture as F
from tests.worklist_fixture import filled  # noqa: F401 (a fixture)

D_ = dt.date


# ------------------------------------------------------------------------------ pure rules


def test_working_days_left_counts_weekends_and_holidays():
    # The spec's example: due Friday 24/04, today Wednesday 29/04, Monday 27/04 off: −2.
    assert W.working_days_left(D_(2026, 4, 29), D_(2026, 4, 24)) == -2
    assert W.working_days_left(D_(2026, 4, 29), D_(2026, 4, 29)) == 0  # due today
    assert W.working_days_left(D_(2026, 4, 29), D_(2026, 4, 30)) == 0  # a holiday
    assert W.working_days_left(D_(2026, 4, 29), D_(2026, 5, 4)) == 1  # 30/4, 1/5, weekend
    assert W.working_days_left(D_(2026, 4, 29), D_(2026, 5, 6)) == 3
    assert W.working_days_left(D_(2026, 4, 24), D_(2026, 4, 28)) == 1  # 25–27 not working
    # a make-up Saturday (22/08/2026) is a working day, the swapped Monday 31/08 is not
    assert W.working_days_left(D_(2026, 8, 21), D_(2026, 8, 24)) == 2
    assert W.working_days_left(D_(2026, 8, 28), D_(2026, 9, 3)) == 1


def test_classify_states_and_boundaries():
    t = D_(2026, 4, 29)
    assert W.classify(5, D_(2026, 4, 1), D_(2026, 4, 20), t) == W.WAITING_SUPPLEMENT
    assert W.classify(5, D_(2026, 4, 1), None, t) == W.WAITING_SUPPLEMENT
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 4, 28), t) == W.OVERDUE
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 5, 5), t) == W.DUE_SOON
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 5, 6), t) is None
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 5, 6), t, within=3) == W.DUE_SOON
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 4, 29), t, within=0) == W.DUE_SOON
    assert W.classify(4, D_(2026, 4, 1), D_(2026, 5, 4), t, within=0) is None
    assert W.classify(4, D_(2026, 3, 29), None, t) == W.NO_DUE_DATE  # 31 days
    assert W.classify(4, D_(2026, 3, 30), None, t) is None  # 30 days


# ------------------------------------------------------------------------------ the list


@pytest.fixture
def own(engine):
    """A fixture database of the test's own (for tests that write)."""
    F.build(engine)
    return engine


def test_work_list_states_order_and_days(filled):
    wl = W.work_list(filled, F.UNIT, today=F.TODAY)
    got = [(it.dossier_code, it.state, it.working_days_left) for it in wl.items]
    assert got == [
        ("A3", "overdue", -6), ("A1", "overdue", -2), ("A2", "overdue", -1),
        ("B1", "due_soon", 0), ("B2", "due_soon", 0), ("S1", "due_soon", 0),
        ("B3", "due_soon", 1), ("B4", "due_soon", 2),
        ("W1", "waiting_supplement", None),
        ("N1", "no_due_date", None), ("N3", "no_due_date", None),
    ]
    assert wl.data_through == F.DATA_THROUGH
    assert wl.totals == {"overdue": 3, "due_soon": 5, "waiting_supplement": 1, "no_due_date": 2}
    assert not wl.stale and wl.stale_warning is None


def test_work_list_json_is_the_cli_shape(filled):
    js = W.work_list(filled, F.UNIT, today=F.TODAY).to_json()
    assert list(js) == ["unit", "today", "data_through", "within", "dossiers", "totals",
                        "by_officer"]
    assert js["unit"] == F.UNIT and js["today"] == "2026-04-29"
    assert js["data_through"] == "2026-04-28" and js["within"] == 2
    assert js["dossiers"][1] == {
        "dossier_code": "A1", "state": "overdue", "working_days_left": -2,
        "procedure_name": "Đăng ký khai sinh", "field": "Hộ tịch",
        "handling_unit": "Bộ phận một cửa", "officer": F.AN,
        "received_at": "2026-04-10", "due_at": "2026-04-24",
    }
    assert js["dossiers"][0]["officer"] is None
    assert js["dossiers"][8]["working_days_left"] is None  # waiting_supplement
    assert js["by_officer"] == [
        {"officer": F.AN, "overdue": 1, "due_soon": 2, "waiting_supplement": 0, "no_due_date": 1},
        {"officer": F.BINH, "overdue": 1, "due_soon": 2, "waiting_supplement": 1,
         "no_due_date": 0},
        {"officer": None, "overdue": 1, "due_soon": 1, "waiting_supplement": 0, "no_due_date": 1},
    ]


def test_within_changes_due_soon(filled):
    wl = W.work_list(filled, F.UNIT, today=F.TODAY, within=3)
    assert [it.dossier_code for it in wl.items if it.state == "due_soon"] == [
        "B1", "B2", "S1", "B3", "B4", "C1"]
    wl0 = W.work_list(filled, F.UNIT, today=F.TODAY, within=0)
    assert [it.dossier_code for it in wl0.items if it.state == "due_soon"] == ["B1", "B2", "S1"]


def test_later_today_moves_dossiers(filled):
    # Monday 04/05/2026: B1, B2, S1 overdue (−1: only 04/05 is a working day since 30/04).
    wl = W.work_list(filled, F.UNIT, today=D_(2026, 5, 4))
    got = {it.dossier_code: (it.state, it.working_days_left) for it in wl.items}
    assert got["B2"] == ("overdue", -1) and got["B1"] == ("overdue", -1)
    assert got["B3"] == ("due_soon", 0) and got["C1"] == ("due_soon", 2)
    assert "N2" in got  # 35 days without a due date
    assert wl.stale_days == 6 and wl.stale
    assert "28/04/2026" in wl.stale_warning and "cũ hơn 3 ngày" in wl.stale_warning


def test_stale_warning_boundary(filled):
    assert not W.work_list(filled, F.UNIT, today=D_(2026, 5, 1)).stale  # 3 days
    assert W.work_list(filled, F.UNIT, today=D_(2026, 5, 2)).stale  # 4 days


def test_today_before_data_through_is_refused(filled):
    with pytest.raises(W.TodayBeforeData) as exc:
        W.work_list(filled, F.UNIT, today=D_(2026, 4, 27))
    assert str(exc.value).startswith("Ngày xem danh sách (27/04/2026) trước ngày của dữ liệu "
                                     "(28/04/2026")
    assert W.work_list(filled, F.UNIT, today=F.DATA_THROUGH).today == F.DATA_THROUGH


def test_filters_and_options(filled):
    wl = W.work_list(filled, F.UNIT, today=F.TODAY)
    assert wl.options("officer") == [F.AN, F.BINH, None]
    assert wl.options("field") == ["Chứng thực", "Hộ tịch"]
    assert [i.dossier_code for i in wl.filtered(officer=F.AN).items] == ["A1", "B1", "B3", "N3"]
    assert [i.dossier_code for i in wl.filtered(officer=None).items] == ["A3", "B4", "N1"]
    assert [i.dossier_code for i in wl.filtered(field="Chứng thực").items] == ["B3", "B4"]
    assert [i.dossier_code for i in wl.filtered(
        handling_unit="Công chức Tư pháp - Hộ tịch").items] == ["A2"]
    part = wl.filtered(state=["overdue", "waiting_supplement"], officer=[F.BINH])
    assert [i.dossier_code for i in part.items] == ["A2", "W1"]
    assert part.totals == {"overdue": 1, "due_soon": 0, "waiting_supplement": 1,
                           "no_due_date": 0}


def test_effect_on_the_months_on_time_rate(filled):
    e = W.work_list(filled, F.UNIT, today=F.TODAY).effect
    # April as of 29/04: early 1, on time 1, late 1, pending in time 5, pending overdue 5.
    # B1, B2, S1 are due within April; B3, B4 in May. If all in time: B1, B2 on time, S1 late
    # (2 supplement requests); if none: all three pending overdue.
    assert (e.month.start, e.definition, e.counted, e.later) == (D_(2026, 4, 1), "766", 3, 2)
    assert (e.current.numerator, e.current.denominator) == (7, 13)
    assert (e.if_all.numerator, e.if_all.denominator) == (7, 13)
    assert (e.if_none.numerator, e.if_none.denominator) == (5, 13)
    assert e.target == 0.98
    assert e.message == (
        "Tỷ lệ hồ sơ giải quyết đúng hạn tháng 4/2026 (theo Bộ chỉ số 766): 53,8% (7/13 hồ sơ) "
        "nếu giải quyết đúng hạn cả 3 hồ sơ sắp đến hạn; 38,5% (5/13 hồ sơ) nếu không hồ sơ nào "
        "kịp. Chỉ tiêu: ≥ 98%. (2 hồ sơ sắp đến hạn có ngày hẹn trả sang tháng sau, không tính "
        "vào tháng này.)")
    due = W.work_list(filled, F.UNIT, today=F.TODAY, choice=D.Choice.of(on_time="due")).effect
    assert (due.current.numerator, due.current.denominator) == (2, 8)
    assert (due.if_all.numerator, due.if_all.denominator) == (4, 10)
    assert (due.if_none.numerator, due.if_none.denominator) == (2, 10)


def test_effect_of_a_month_with_no_data_gives_no_rate(filled):
    """Today 04/05, data through 28/04: May has no covered day ("Chưa có dữ liệu", Coverage),
    so no rate is given for it, neither as of today nor for the due_soon dossiers."""
    wl = W.work_list(filled, F.UNIT, today=D_(2026, 5, 4))
    e = wl.effect
    assert (e.month.start, e.covered, e.data_through) == (D_(2026, 5, 1), False, D_(2026, 4, 28))
    assert (e.counted, e.later, e.current.value, e.if_all.value, e.if_none.value) == (
        0, 0, None, None, None)
    assert e.message == (
        "Tỷ lệ hồ sơ giải quyết đúng hạn tháng 5/2026: Chưa có dữ liệu (dữ liệu đã tải mới đến "
        "ngày 28/04/2026), nên chưa tính được giải quyết kịp các hồ sơ sắp đến hạn sẽ đưa tỷ lệ "
        "tới đâu.")
    assert e.message in W.digest(wl).splitlines()
    assert not [ln for ln in W.digest(wl).splitlines() if "%" in ln]
    assert W.work_list(filled, F.UNIT, today=F.TODAY).effect.covered is True


def test_unknown_unit(filled):
    from kpi import queries as Q

    with pytest.raises(Q.UnknownUnit):
        W.work_list(filled, "Xã Không Có", today=F.TODAY)


def test_empty_unit_has_an_empty_list(engine):
    from tests.fixtures import make_unit

    make_unit(engine, "Phường Trống")
    wl = W.work_list(engine, "Phường Trống", today=F.TODAY)
    assert wl.items == () and wl.data_through is None
    assert wl.totals == {"overdue": 0, "due_soon": 0, "waiting_supplement": 0, "no_due_date": 0}
    assert "Chưa có dữ liệu hồ sơ" in wl.stale_warning


# ------------------------------------------------------------------------------ outputs


def test_digest_text(filled):
    text = W.digest(W.work_list(filled, F.UNIT, today=F.TODAY))
    lines = text.splitlines()
    assert lines[0] == "Việc cần làm – Xã Lộc Tân – ngày 29/04/2026 (dữ liệu đến ngày 28/04/2026)"
    assert lines[1] == ("Quá hạn: 3 · Sắp đến hạn (còn không quá 2 ngày làm việc): 5 · Chờ bổ "
                        "sung: 1 · Không có ngày hẹn trả (quá 30 ngày): 2")
    assert lines[2].startswith("Tỷ lệ hồ sơ giải quyết đúng hạn tháng 4/2026")
    assert lines[4:8] == [
        "Theo cán bộ xử lý:",
        f"- {F.AN}: quá hạn 1, sắp đến hạn 2, chờ bổ sung 0, không có ngày hẹn trả 1",
        f"- {F.BINH}: quá hạn 1, sắp đến hạn 2, chờ bổ sung 1, không có ngày hẹn trả 0",
        "- (Chưa ghi cán bộ): quá hạn 1, sắp đến hạn 1, chờ bổ sung 0, không có ngày hẹn trả 1",
    ]
    assert lines[9:] == ["Hồ sơ quá hạn (3):", "- A3 (quá 6 ngày làm việc)",
                         "- A1 (quá 2 ngày làm việc)", "- A2 (quá 1 ngày làm việc)"]


def test_xlsx_rows_dates_and_neutralised_text(engine):
    from kpi import schema as S
    from tests.fixtures import insert, make_unit

    uid = F.build(engine)
    insert(engine, S.dossiers, uid, [dict(
        dossier_code="Z1", status=4, received_at=dt.datetime(2026, 4, 20, 8),
        due_at=dt.datetime(2026, 4, 27, 17), officer="=HYPERLINK(\"x\")",
        procedure_name="+cmd", field="\tTab", handling_unit="@unit", as_of=F.DATA_THROUGH)])
    wl = W.work_list(engine, F.UNIT, today=F.TODAY)
    wb = openpyxl.load_workbook(io.BytesIO(W.to_xlsx(wl)))
    assert wb.sheetnames == ["Việc cần làm", "Theo cán bộ", "Thông tin"]
    ws = wb["Việc cần làm"]
    head = [c.value for c in ws[1]]
    assert head == ["Mã hồ sơ", "Tình trạng", "Số ngày làm việc còn lại", "Tên thủ tục",
                    "Lĩnh vực", "Đơn vị xử lý", "Cán bộ xử lý", "Ngày tiếp nhận", "Ngày hẹn trả",
                    "Thư xin lỗi"]
    a1 = [c.value for c in ws[3]]
    assert a1[:9] == ["A1", "Quá hạn", -2, "Đăng ký khai sinh", "Hộ tịch", "Bộ phận một cửa",
                      F.AN, dt.datetime(2026, 4, 10), dt.datetime(2026, 4, 24)]
    assert ws.cell(3, 8).number_format == "dd/mm/yyyy"
    z = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Z1")
    for cell in (z[3], z[4], z[5], z[6]):
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert z[6].value == "=HYPERLINK(\"x\")"
    assert ws.max_row == 1 + 12
    by = wb["Theo cán bộ"]
    assert [c.value for c in by[1]] == ["Cán bộ xử lý", "Quá hạn", "Sắp đến hạn", "Chờ bổ sung",
                                        "Không có ngày hẹn trả", "Tổng"]
    assert [c.value for c in by[2]][0] == "=HYPERLINK(\"x\")" and by[2][0].quotePrefix
    assert [c.value for c in by[3]] == [F.AN, 1, 2, 0, 1, 4]
    info = {r[0].value: r[1].value for r in wb["Thông tin"].iter_rows()}
    assert info["Đơn vị"] == F.UNIT and info["Dữ liệu đến ngày"] == "28/04/2026"
    assert info["Quá hạn"] == 4


def test_letters_show_in_the_list(own):
    letters = AP.prepare(own, F.UNIT, ["A1"], today=F.TODAY)
    AP.record(own, letters, actor="cán bộ một cửa")
    wl = W.work_list(own, F.UNIT, today=F.TODAY)
    a1 = next(it for it in wl.items if it.dossier_code == "A1")
    assert a1.apology_day == F.TODAY and a1.apology_text == "Đã gửi thư xin lỗi (29/04/2026)"
    assert all(not it.apology_text for it in wl.items if it.dossier_code != "A1")
    df = W.frame(wl)
    assert df.loc[df["Mã hồ sơ"] == "A1", "Thư xin lỗi"].tolist() == [
        "Đã gửi thư xin lỗi (29/04/2026)"]


def test_officers_in_vietnamese_order_and_markdown_escaped():
    def item(code, officer):
        return W.WorkItem(code, W.OVERDUE, -1, None, None, None, officer, None, None)

    wl = W.WorkList(F.UNIT, F.TODAY, F.DATA_THROUGH, 2, tuple(
        item(c, o) for c, o in [("1", "Trần Văn C"), ("2", "Đỗ Thị B"), ("3", None),
                                ("4", "Dương Văn A"), ("5", "Hoàng E"), ("6", "Đỗ Thị B")]))
    assert [r["officer"] for r in wl.by_officer] == ["Dương Văn A", "Đỗ Thị B", "Hoàng E",
                                                     "Trần Văn C", None]
    assert wl.by_officer[1]["overdue"] == 2
    assert W.md_escape("HS_01 *x* :red[y]") == "HS\\_01 \\*x\\* \\:red\\[y\\]"
