"""The plan tracker: statuses with history, late flags, counts, and the Excel round trip.

Database tests run on DuckDB and, with CCHC_TEST_PG_URL, on PostgreSQL (``engine`` fixture).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kpi import db as kdb
from kpi.plan import exchange, tracker
from kpi.schema import plan_status, plan_status_history
from ui import plan as plan_ui

UNIT = "Xã Lộc Tân"
YEAR = 2026


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-04-15")


def _state(engine):
    """Everything the tracker stored, to compare before and after a refused request."""
    with kdb.connect(engine) as conn:
        status = conn.execute(sa.select(plan_status).order_by(plan_status.c.activity_id)).all()
        hist = conn.execute(sa.select(plan_status_history).order_by(plan_status_history.c.id)).all()
    return [tuple(r) for r in status], [tuple(r) for r in hist]


# --- goals and KPIs (no database) -------------------------------------------------------------


def test_goal_kpis_links_the_measurable_goals():
    links = tracker.goal_kpis(YEAR)
    assert len(links) == 21  # every goal that has activities, in plan order
    assert list(links)[:4] == ["I.1", "I.2", "I.3", "II.1"]
    # The KPIs declared with the goal's number as their section, in declaration order.
    assert {g: k for g, k in links.items() if k} == {
        "II.3.1": ["on_time_rate"],
        "II.3.2": ["satisfaction_rate", "feedback_on_time_rate"],
        "II.3.3": ["digitization_rate", "e_result_rate", "data_reuse_rate"],
        "II.3.4": ["online_payment_rate", "online_payment_procedure_rate"],
        "II.3.5": ["online_submission_rate", "full_online_procedure_rate"],
        "II.3.6": ["boundary_free_procedure_rate"],
    }


def test_a_new_declared_kpi_links_to_the_goal_of_its_section(monkeypatch):
    """Declaring a KPI with section "I.2" is all it takes for goal I.2 to show it."""
    import dataclasses

    from kpi import definitions

    new = dataclasses.replace(definitions.KPI_BY_KEY["on_time_rate"], key="legal_review_rate",
                              label="Tỷ lệ văn bản được thẩm định đúng hạn", section="I.2")
    monkeypatch.setattr(definitions, "KPIS", [*definitions.KPIS, new])
    monkeypatch.setitem(definitions.KPI_BY_KEY, new.key, new)
    links = tracker.goal_kpis(YEAR)
    assert links["I.2"] == ["legal_review_rate"]
    assert links["I.1"] == [] and links["II.3.1"] == ["on_time_rate"]
    values = tracker.kpi_values({"kpis": [{"key": "legal_review_rate", "value": 0.5, "numerator": 1,
                                           "denominator": 2, "target": 0.9, "met": False}]})
    assert plan_ui.goal_kpi_lines("I.2", values) == [
        "📊 Tỷ lệ văn bản được thẩm định đúng hạn: **50,0%** (1/2; chỉ tiêu 90,0%) — ❌ Chưa đạt"
    ]


def test_goal_links_agree_with_the_targets_file():
    from kpi.targets import targets_for_year

    by_section: dict[str, set[str]] = {}
    for key, target in targets_for_year(YEAR).items():
        by_section.setdefault(target.section, set()).add(key)
    assert by_section == {goal: set(keys) for goal, keys in tracker.section_kpis().items()}


def test_kpi_values_beside_a_goal():
    snapshot = {
        "kpis": [
            {"key": "on_time_rate", "value": 0.9876847, "numerator": 1203, "denominator": 1218,
             "target": 0.98, "met": True},
            {"key": "satisfaction_rate", "value": 0.9, "target": 0.95, "met": False},
            {"key": "feedback_on_time_rate", "value": None, "target": 1.0, "met": None},
        ]
    }  # fmt: skip
    values = tracker.kpi_values(snapshot)
    assert plan_ui.goal_kpi_lines("II.3.1", values) == [
        "📊 Tỷ lệ hồ sơ giải quyết đúng hạn: **98,8%** (1.203/1.218; chỉ tiêu 98,0%) — ✅ Đạt"
    ]
    assert plan_ui.goal_kpi_lines("II.3.2", values) == [
        "📊 Mức độ hài lòng của người dân, doanh nghiệp: **90,0%** (chỉ tiêu 95,0%) — ❌ Chưa đạt",
        "📊 Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn: — Chưa có dữ liệu",
    ]
    assert plan_ui.goal_kpi_lines("I.1", values) == []
    assert tracker.kpi_values(None) == {} and tracker.kpi_values(object()) == {}


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Hoàn thành", "done"),
        ("  hoàn   thành ", "done"),
        ("✅ Hoàn thành", "done"),
        ("HOAN THANH", "done"),
        ("chưa thực hiện", "not_started"),
        ("Đang thực hiện", "in_progress"),
        ("Chậm tiến độ", "delayed"),
        ("in_progress", "in_progress"),
        ("xong", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_status(word, code):
    assert tracker.parse_status(word) == code


# --- statuses and history ---------------------------------------------------------------------


def test_untouched_plan_is_all_not_started_and_late_flags_follow_the_timing(engine):
    df = tracker.tracker(engine, UNIT, YEAR, today=dt.date(2026, 3, 31))
    assert len(df) == 70
    assert set(df["status"]) == {"not_started"}
    assert df["overdue"].sum() == 0  # "Quý IV /2025 và Quý I/2026" is due on 31/03/2026
    df = tracker.tracker(engine, UNIT, YEAR, today=dt.date(2026, 4, 1))
    assert list(df.loc[df["overdue"], "activity_id"]) == ["VI(7).1-01"]
    assert list(df.loc[df["overdue"], "flag"]) == ["⚠️ Quá hạn"]
    df = tracker.tracker(engine, UNIT, YEAR, today=dt.date(2027, 1, 1))
    # "Hàng năm" ends with the plan year; "Thường xuyên" and "Theo …" never become late.
    assert list(df.loc[df["overdue"], "activity_id"]) == ["II.3.2-01", "VI(7).1-01"]


def test_status_updates_keep_full_history(engine, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-02-10")
    changed = tracker.update_statuses(
        engine, UNIT, YEAR,
        {"VI(7).1-01": {"status": "Đang thực hiện", "note": "Đã dự thảo kế hoạch"}},
        "Nguyễn Văn An",
    )  # fmt: skip
    assert changed == ["VI(7).1-01"]
    monkeypatch.setenv("CCHC_TODAY", "2026-03-20")
    assert tracker.set_status(
        engine, UNIT, YEAR, "VI(7).1-01", "hoàn thành", "Trần Thị Bình",
        evidence="Kế hoạch số 15/KH-UBND ngày 18/3/2026",
    )  # fmt: skip

    df = tracker.tracker(engine, UNIT, YEAR, today=dt.date(2026, 4, 15))
    row = df.set_index("activity_id").loc["VI(7).1-01"]
    assert (row["status"], row["status_label"]) == ("done", "Hoàn thành")
    assert row["note"] == "Đã dự thảo kế hoạch"  # a field left out keeps its value
    assert row["evidence"] == "Kế hoạch số 15/KH-UBND ngày 18/3/2026"
    assert row["updated_by"] == "Trần Thị Bình"
    assert row["updated_at"] == dt.datetime(2026, 3, 20, 12, 0)
    assert not row["overdue"]  # done in time: no flag although the quarter has passed

    hist = tracker.history(engine, UNIT, YEAR)
    assert hist[["activity_id", "previous_status", "status", "updated_by", "source"]].values.tolist() == [
        ["VI(7).1-01", "in_progress", "done", "Trần Thị Bình", "form"],
        ["VI(7).1-01", "not_started", "in_progress", "Nguyễn Văn An", "form"],
    ]
    assert hist["previous_evidence"].tolist() == [None, None]
    assert hist["evidence"].tolist() == ["Kế hoạch số 15/KH-UBND ngày 18/3/2026", None]
    assert hist["updated_at"].tolist() == [dt.datetime(2026, 3, 20, 12), dt.datetime(2026, 2, 10, 12)]
    shown = plan_ui.history_display(hist)
    assert shown.iloc[0].to_dict() == {
        "Thời điểm": "20/03/2026 12:00",
        "Mã hoạt động": "VI(7).1-01",
        "Trạng thái trước": "🔵 Đang thực hiện",
        "Trạng thái mới": "✅ Hoàn thành",
        "Ghi chú tiến độ": "Đã dự thảo kế hoạch",
        "Minh chứng": "Kế hoạch số 15/KH-UBND ngày 18/3/2026",
        "Người cập nhật": "Trần Thị Bình",
        "Nguồn": "Sửa trên trang",
    }


def test_same_values_write_nothing(engine):
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Đang thực hiện", "An", note="Bắt đầu")
    before = _state(engine)
    assert tracker.update_statuses(
        engine, UNIT, YEAR, {"I.1-01": {"status": "đang thực hiện", "note": " Bắt đầu "}}, "Bình"
    ) == []
    # Setting an untouched activity to its default writes nothing either.
    assert tracker.update_statuses(
        engine, UNIT, YEAR, {"I.1-02": {"status": "Chưa thực hiện", "note": "", "evidence": None}}, "Bình"
    ) == []
    assert _state(engine) == before


def test_invalid_updates_are_refused_as_a_whole(engine):
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Đang thực hiện", "An")
    before = _state(engine)
    with pytest.raises(tracker.PlanError) as exc:
        tracker.update_statuses(
            engine, UNIT, YEAR,
            {"I.1-02": {"status": "Hoàn thành"}, "II.9-01": {"status": "Hoàn thành"},
             "I.2-01": {"status": "xong"}},
            "  ",
        )  # fmt: skip
    assert exc.value.messages == [
        "Vui lòng nhập tên người cập nhật.",
        "Mã hoạt động «II.9-01» không có trong kế hoạch năm 2026.",
        "Hoạt động I.2-01: trạng thái «xong» không hợp lệ; dùng một trong: Chưa thực hiện, "
        "Đang thực hiện, Hoàn thành, Chậm tiến độ.",
    ]
    assert _state(engine) == before
    with pytest.raises(tracker.PlanError, match="Chưa chọn đơn vị"):
        tracker.tracker(engine, None, YEAR)


def test_units_are_tracked_separately(engine):
    tracker.set_status(engine, "Xã A", YEAR, "I.1-01", "Hoàn thành", "An")
    tracker.set_status(engine, "Xã B", YEAR, "I.1-01", "Chậm tiến độ", "Bình")
    a = tracker.tracker(engine, "Xã A", YEAR).set_index("activity_id")
    b = tracker.tracker(engine, "Xã B", YEAR).set_index("activity_id")
    assert (a.loc["I.1-01", "status"], b.loc["I.1-01", "status"]) == ("done", "delayed")
    assert len(tracker.history(engine, "Xã A", YEAR)) == 1
    assert len(tracker.history(engine, "Xã C", YEAR)) == 0


# --- counts and progress ----------------------------------------------------------------------


def test_counts_and_progress_per_section_and_lead_unit(engine):
    tracker.update_statuses(
        engine, UNIT, YEAR,
        {
            "I.1-01": {"status": "Hoàn thành"},
            "I.1-02": {"status": "Đang thực hiện"},
            "II.3.6-01": {"status": "Hoàn thành"},  # led by Phòng Kinh tế and Phòng VH-XH
            "VI(7).1-02": {"status": "Chậm tiến độ"},
        },
        "An",
    )  # fmt: skip
    df = tracker.tracker(engine, UNIT, YEAR, today=dt.date(2026, 4, 15))
    assert tracker.overall(df) == {
        "total": 70, "not_started": 66, "in_progress": 1, "done": 2, "delayed": 1,
        "overdue": 1, "progress": 2 / 70,
    }  # fmt: skip
    by_section = tracker.summarize(df, "section")
    assert by_section[["group", "total", "not_started", "in_progress", "done", "delayed", "overdue"]].values.tolist() == [
        ["I. CẢI CÁCH THỂ CHẾ", 11, 9, 1, 1, 0, 0],
        ["II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH", 28, 27, 0, 1, 0, 0],
        ["III. CẢI CÁCH TỔ CHỨC BỘ MÁY", 3, 3, 0, 0, 0, 0],
        ["IV. CẢI CÁCH CHẾ ĐỘ CÔNG CHỨC CÔNG VỤ", 5, 5, 0, 0, 0, 0],
        ["V. CẢI CÁCH TÀI CHÍNH CÔNG", 5, 5, 0, 0, 0, 0],
        ["VI. XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ", 11, 11, 0, 0, 0, 0],
        ["VI. CHỈ ĐẠO ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH", 7, 6, 0, 0, 1, 1],
    ]
    assert by_section["progress"].tolist() == [1 / 11, 1 / 28, 0, 0, 0, 0, 0]
    by_lead = tracker.summarize(df, "lead")
    assert by_lead[["group", "total", "done", "delayed", "overdue"]].values.tolist() == [
        ["Trung tâm Phục vụ hành chính công", 27, 0, 0, 0],
        ["Phòng Văn hóa - Xã hội", 21, 1, 1, 1],
        ["Các cơ quan, đơn vị", 8, 0, 0, 0],
        ["Văn phòng HĐND và UBND xã", 8, 1, 0, 0],
        ["Phòng Kinh tế", 7, 1, 0, 0],
        ["Cơ quan cấp trên", 1, 0, 0, 0],
    ]
    shown = plan_ui.summary_display(by_lead, "Đơn vị chủ trì")
    assert list(shown.columns) == [
        "Đơn vị chủ trì", "Số hoạt động", "⚪ Chưa thực hiện", "🔵 Đang thực hiện", "✅ Hoàn thành",
        "🔴 Chậm tiến độ", "⚠️ Quá hạn", "Tiến độ (hoàn thành)",
    ]  # fmt: skip
    assert shown["Tiến độ (hoàn thành)"].tolist() == ["0,0%", "4,8%", "0,0%", "12,5%", "14,3%", "0,0%"]
    fig = plan_ui.progress_chart(by_section, "Tiến độ theo phần")
    assert [t.name for t in fig.data] == ["Chưa thực hiện", "Đang thực hiện", "Hoàn thành", "Chậm tiến độ"]
    assert list(fig.data[2].x) == [1, 1, 0, 0, 0, 0, 0]

    only = tracker.filter_tracker(df, leads=["Phòng Kinh tế"], statuses=["Hoàn thành"])
    assert only["activity_id"].tolist() == ["II.3.6-01"]
    assert tracker.filter_tracker(df, overdue_only=True)["activity_id"].tolist() == ["VI(7).1-01"]
    assert len(tracker.filter_tracker(df, leads=["Phòng Kinh tế"])) == 7


def test_editor_changes_only_reports_edited_cells(engine):
    df = tracker.tracker(engine, UNIT, YEAR)
    before = plan_ui.editor_frame(df)
    after = before.copy()
    after.loc[0, "Trạng thái"] = "Hoàn thành"
    after.loc[2, "Minh chứng"] = "https://loctan.gov.vn/vb/12"
    after.loc[3, "Ghi chú tiến độ"] = ""  # was empty already
    assert plan_ui.editor_changes(before, after) == {
        "I.1-01": {"status": "Hoàn thành"},
        "I.2-01": {"evidence": "https://loctan.gov.vn/vb/12"},
    }


# --- Excel round trip -------------------------------------------------------------------------


def _sheet(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return wb, wb.worksheets[0]


def _col(ws, header: str) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_export_layout(engine):
    tracker.set_status(engine, UNIT, YEAR, "II.3.1-02", "Đang thực hiện", "An", evidence="Báo cáo số 3")
    data = exchange.export_excel(engine, UNIT, YEAR, today=dt.date(2026, 4, 15))
    wb, ws = _sheet(data)
    assert wb.sheetnames == ["Kế hoạch 2026", "Thông tin"]
    assert [c.value for c in ws[1]] == [h for _, h, _ in exchange.EXCEL_COLUMNS]
    assert [c.value for c in ws[1]][:5] == ["Mã hoạt động", "Phần", "Mục tiêu", "Nhiệm vụ", "Hoạt động"]
    assert ws.max_row == 71
    ids = [ws.cell(row=r, column=1).value for r in range(2, 72)]
    assert ids == tracker.activity_ids(YEAR)
    assert ids.index("II.3.1-02") == 18  # I: 11, II.1: 4, II.2: 2, then II.3.1-01
    row = {ws.cell(row=1, column=c).value: ws.cell(row=20, column=c).value for c in range(1, ws.max_column + 1)}
    assert row["Mã hoạt động"] == "II.3.1-02"
    assert row["Trạng thái"] == "Đang thực hiện"
    assert row["Minh chứng"] == "Báo cáo số 3"
    assert row["Người cập nhật"] == "An"
    assert row["Cập nhật lúc"] == "15/04/2026 12:00"
    assert row["Chủ trì"] == "Trung tâm Phục vụ hành chính công"
    late = {ws.cell(row=1, column=c).value: ws.cell(row=2 + ids.index("VI(7).1-01"), column=c).value
            for c in range(1, ws.max_column + 1)}  # fmt: skip
    assert (late["Thời gian"], late["Hạn hoàn thành"], late["Cảnh báo"]) == (
        "Quý IV /2025 và Quý I/2026", "31/03/2026", "⚠️ Quá hạn",
    )  # fmt: skip
    [dv] = ws.data_validations.dataValidation
    assert dv.formula1 == '"Chưa thực hiện,Đang thực hiện,Hoàn thành,Chậm tiến độ"'
    info = {r[0]: r[1] for r in wb["Thông tin"].iter_rows(values_only=True)}
    assert (info["Đơn vị"], info["Năm kế hoạch"]) == (UNIT, 2026)


def test_excel_round_trip_changes_only_edited_rows(engine, monkeypatch):
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Đang thực hiện", "An", note="Đã giao")
    tracker.set_status(engine, UNIT, YEAR, "I.1-02", "Đang thực hiện", "An")
    before_status, before_hist = _state(engine)

    # Unchanged file: nothing changes.
    data = exchange.export_excel(engine, UNIT, YEAR)
    result = exchange.import_excel(engine, UNIT, YEAR, data, "Bình", file_name="theo-doi.xlsx")
    assert (result.rows_read, result.changed, result.unchanged) == (70, [], 70)
    assert _state(engine) == (before_status, before_hist)

    wb, ws = _sheet(data)
    c_status, c_note, c_ev = _col(ws, "Trạng thái"), _col(ws, "Ghi chú tiến độ"), _col(ws, "Minh chứng")
    ws.cell(row=2, column=c_status, value="Hoàn thành")  # I.1-01
    ws.cell(row=2, column=c_ev, value="Quyết định số 25/QĐ-UBND")
    ws.cell(row=5, column=c_note, value="Chờ hướng dẫn của tỉnh")  # I.2-02: note only
    ws.cell(row=6, column=c_status, value="chua thuc hien")  # I.2-03: same status, other spelling
    ws.cell(row=7, column=_col(ws, "Hoạt động"), value="(sửa cột không được sửa)")  # ignored
    monkeypatch.setenv("CCHC_TODAY", "2026-05-02")
    result = exchange.import_excel(engine, UNIT, YEAR, _save(wb), "Bình", file_name="theo-doi.xlsx")
    assert (result.rows_read, result.changed, result.unchanged) == (70, ["I.1-01", "I.2-02"], 68)
    assert result.message().startswith("Đã đọc 70 dòng: cập nhật 2 hoạt động (I.1-01, I.2-02)")

    df = tracker.tracker(engine, UNIT, YEAR).set_index("activity_id")
    assert df.loc["I.1-01", ["status", "note", "evidence", "updated_by"]].tolist() == [
        "done", "Đã giao", "Quyết định số 25/QĐ-UBND", "Bình",
    ]  # fmt: skip
    assert df.loc["I.2-02", ["status", "note", "updated_by"]].tolist() == [
        "not_started", "Chờ hướng dẫn của tỉnh", "Bình",
    ]  # fmt: skip
    assert df.loc["I.1-02", ["status", "updated_by", "updated_at"]].tolist() == [
        "in_progress", "An", dt.datetime(2026, 4, 15, 12),
    ]  # fmt: skip
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(plan_status)).scalar() == 3
    hist = tracker.history(engine, UNIT, YEAR)
    assert hist[["activity_id", "previous_status", "status", "source", "file_name"]].values.tolist()[:2] == [
        ["I.2-02", "not_started", "not_started", "excel", "theo-doi.xlsx"],
        ["I.1-01", "in_progress", "done", "excel", "theo-doi.xlsx"],
    ]
    assert len(hist) == 4
    assert plan_ui.history_display(hist)["Nguồn"].tolist()[0] == "Tệp Excel: theo-doi.xlsx"


def test_bad_excel_file_changes_nothing(engine):
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Đang thực hiện", "An")
    before = _state(engine)
    wb, ws = _sheet(exchange.export_excel(engine, UNIT, YEAR))
    c_status = _col(ws, "Trạng thái")
    ws.cell(row=2, column=c_status, value="Hoàn thành")  # a valid edit, refused with the rest
    ws.cell(row=4, column=1, value="II.9-01")
    ws.cell(row=5, column=c_status, value="Xong rồi")
    ws.cell(row=6, column=c_status).value = None
    ws.cell(row=7, column=1, value="I.1-01")
    ws.cell(row=8, column=1).value = None
    with pytest.raises(exchange.PlanImportError) as exc:
        exchange.import_excel(engine, UNIT, YEAR, _save(wb), "Bình", file_name="sai.xlsx")
    allowed = "Chưa thực hiện, Đang thực hiện, Hoàn thành, Chậm tiến độ"
    assert exc.value.messages == [
        "Dòng 4: mã hoạt động «II.9-01» không có trong kế hoạch năm 2026.",
        f"Dòng 5: trạng thái «Xong rồi» không hợp lệ; dùng một trong: {allowed}.",
        f"Dòng 6: chưa ghi trạng thái; dùng một trong: {allowed}.",
        "Dòng 7: mã hoạt động «I.1-01» lặp lại (đã có ở dòng 2).",
        "Dòng 8: thiếu mã hoạt động.",
    ]
    assert _state(engine) == before


def test_excel_of_another_unit_or_year_or_not_excel_is_refused(engine):
    data = exchange.export_excel(engine, "Xã Khác", YEAR)
    with pytest.raises(exchange.PlanImportError) as exc:
        exchange.import_excel(engine, UNIT, YEAR, data, "Bình")
    assert exc.value.messages == [
        "Tệp là bảng theo dõi của đơn vị «Xã Khác», không phải «Xã Lộc Tân». "
        "Chọn đúng đơn vị hoặc tải tệp của đơn vị này."
    ]
    wb, _ = _sheet(exchange.export_excel(engine, UNIT, YEAR))
    wb["Thông tin"]["B2"] = 2025
    with pytest.raises(exchange.PlanImportError, match="kế hoạch năm 2025, không phải năm 2026"):
        exchange.import_excel(engine, UNIT, YEAR, _save(wb), "Bình")
    with pytest.raises(exchange.PlanImportError, match=r"Không đọc được tệp như một tệp Excel \(\.xlsx\)"):
        exchange.import_excel(engine, UNIT, YEAR, b"STT,Ma\n1,2\n", "Bình")
    with pytest.raises(exchange.PlanImportError) as exc:
        exchange.import_excel(engine, UNIT, YEAR, exchange.export_excel(engine, UNIT, YEAR), "")
    assert exc.value.messages == ["Vui lòng nhập tên người cập nhật."]
    assert _state(engine) == ([], [])


def test_excel_without_info_sheet_and_with_a_title_above_the_header(engine):
    wb, ws = _sheet(exchange.export_excel(engine, UNIT, YEAR))
    del wb["Thông tin"]
    ws.insert_rows(1, amount=2)
    ws["A1"] = "BẢNG THEO DÕI KẾ HOẠCH CCHC NĂM 2026"
    ws.cell(row=3 + 1, column=_col_at(ws, 3, "Trạng thái"), value="Chậm tiến độ")  # I.1-01
    result = exchange.import_excel(engine, UNIT, YEAR, _save(wb), "Bình")
    assert result.changed == ["I.1-01"]


def _col_at(ws, row: int, header: str) -> int:
    return [c.value for c in ws[row]].index(header) + 1


# --- the one write path, the plan file, the screen tables ------------------------------------


def test_every_write_goes_through_the_one_write_path(engine, monkeypatch):
    """update_statuses and import_excel write through kpi.db.connect(write=True), one
    transaction per request; nothing opens its own transaction or raw connection."""
    calls, inside = [], []
    real_connect, real_engine_connect = kdb.connect, sa.Engine.connect

    @contextlib.contextmanager
    def spy(eng, **kw):
        calls.append(kw.get("write", False))
        inside.append(True)
        try:
            with real_connect(eng, **kw) as conn:
                yield conn
        finally:
            inside.pop()

    def guarded_connect(self, *a, **k):
        assert inside, "a connection opened outside kpi.db.connect"
        return real_engine_connect(self, *a, **k)

    def refused(*_a, **_k):
        raise AssertionError("engine.begin() bypasses kpi.db.connect(write=True)")

    with monkeypatch.context() as m:  # undone before the fixtures clean up
        m.setattr(kdb, "connect", spy)
        m.setattr(sa.Engine, "connect", guarded_connect)
        m.setattr(sa.Engine, "begin", refused)
        assert tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Hoàn thành", "An")
        assert calls == [True]
        calls.clear()
        wb, ws = _sheet(exchange.export_excel(engine, UNIT, YEAR))
        assert calls == [False]  # the export only reads
        calls.clear()
        ws.cell(row=3, column=_col(ws, "Trạng thái"), value="Chậm tiến độ")  # I.1-02
        ws.cell(row=4, column=_col(ws, "Trạng thái"), value="Đang thực hiện")  # I.2-01
        result = exchange.import_excel(engine, UNIT, YEAR, _save(wb), "Bình", file_name="t.xlsx")
        assert result.changed == ["I.1-02", "I.2-01"]
        assert calls == [True]  # two activities, one transaction


def test_history_display_leaves_missing_values_blank(engine):
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Đang thực hiện", "An")
    tracker.set_status(engine, UNIT, YEAR, "I.1-01", "Hoàn thành", "Bình", evidence="QĐ 25")
    shown = plan_ui.history_display(tracker.history(engine, UNIT, YEAR))
    assert shown[["Ghi chú tiến độ", "Minh chứng", "Nguồn"]].values.tolist() == [
        ["", "QĐ 25", "Sửa trên trang"],
        ["", "", "Sửa trên trang"],
    ]
    rows = plan_ui.activities_display(tracker.tracker(engine, UNIT, YEAR)).set_index("Mã hoạt động")
    assert rows.loc["I.1-01", ["Ghi chú tiến độ", "Minh chứng", "Người cập nhật"]].tolist() == [
        "", "QĐ 25", "Bình",
    ]  # fmt: skip
    assert rows.loc["I.1-02", ["Ghi chú tiến độ", "Minh chứng", "Người cập nhật", "Cập nhật lúc"]].tolist() == [
        "", "", "", "",
    ]  # fmt: skip
    assert not rows.isna().any().any()


def test_sub_goals_know_their_heading_goal():
    df = tracker.load_plan(YEAR).assign(status="not_started")
    [section] = [s for s in tracker.grouped_by_section(df) if s["ordinal"] == 2]
    goals = {g["id"]: g for g in section["goals"]}
    assert (goals["II.3.1"]["parent_number"], goals["II.3.1"]["parent_id"]) == ("3", "II.3")
    assert goals["II.3.1"]["parent"] == "Thực hiện cơ chế một cửa, một cửa liên thông"
    assert (goals["II.1"]["parent"], goals["II.1"]["parent_id"]) == ("", "")


def test_a_damaged_plan_file_is_a_vietnamese_message(tmp_path, monkeypatch):
    from kpi.plan import parser

    source = parser.plan_csv_path(2026).read_text(encoding="utf-8").splitlines()
    header, first = next(csv.reader([source[0]])), next(csv.reader([source[1]]))
    monkeypatch.setattr(parser, "PLANS_DIR", tmp_path)
    (tmp_path / "2026.csv").write_text(",".join(h for h in header if h != "deadline") + "\n",
                                       encoding="utf-8")
    assert tracker.available_years() == [2026]
    with pytest.raises(tracker.PlanError) as exc:
        tracker.load_plan(2026)
    assert exc.value.messages == [
        "Tệp kế hoạch 2026.csv thiếu cột: deadline. Hãy tạo lại tệp từ phụ lục kế hoạch: "
        "python -m kpi.plan"
    ]
    first[header.index("deadline")] = "31/03/2026"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, first])
    (tmp_path / "2027.csv").write_text(buf.getvalue(), encoding="utf-8")
    with pytest.raises(tracker.PlanError, match=r"Tệp kế hoạch 2027\.csv, dòng 2: .*hạn «31/03/2026» không hợp lệ"):
        tracker.activity_ids(2027)
    with pytest.raises(tracker.PlanError, match=r"Chưa có kế hoạch CCHC năm 2028 \(thiếu tệp 2028\.csv\)\."):
        tracker.load_plan(2028)
