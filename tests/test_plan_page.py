"""The "Kế hoạch" page through AppTest, on a fresh DuckDB file (CCHC_DB_URL), widgets by key."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from kpi import config
from kpi import db as kdb
from kpi.plan import exchange, tracker
from kpi.schema import batches, dossiers
from tests.fixtures import page_database

# AppTest resolves a relative path against the calling file: name the page from the root.
PAGE = str(config.ROOT / "pages" / "ke-hoach.py")
UNIT = "Xã Lộc Tân"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    engine, _ = page_database(tmp_path, monkeypatch, "page.duckdb", UNIT)
    yield engine
    kdb.get_engine.cache_clear()


def _app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _table(at, column: str, first: str | None = None):
    """The first table on the page with ``column`` (and ``first`` as its first value)."""
    for d in at.dataframe:
        value = d.value
        if column in value.columns and (first is None or (len(value) and value[column].iloc[0] == first)):
            return value
    raise AssertionError(f"no table with column {column!r} starting with {first!r}")


def test_page_shows_every_activity_grouped_with_late_ones_flagged(page_db):
    at = _app()
    assert at.title[0].value == "Kế hoạch"
    assert at.caption[0].value == (
        "Kế hoạch CCHC năm 2026 · Đơn vị: Xã Lộc Tân · Số liệu tính đến ngày 15/04/2026"
    )
    assert _metrics(at) == {
        "Số hoạt động": "70",
        "✅ Hoàn thành": "0",
        "🔵 Đang thực hiện": "0",
        "⚪ Chưa thực hiện": "70",
        "🔴 Chậm tiến độ": "0",
        "⚠️ Quá hạn": "1",
    }
    assert at.get("progress")[0].proto.text == (
        "Tiến độ chung: 0,0% hoạt động đã hoàn thành (0/70)"
    )
    [late] = at.warning
    assert late.icon == "⚠️"  # Streamlit shows a leading emoji as the alert's icon
    assert late.value.startswith("**1 hoạt động quá hạn**")
    assert "**VI(7).1-01** — Ban hành, bổ sung, sửa đổi các Kế hoạch CCHC" in late.value
    assert "thời gian: Quý IV /2025 và Quý I/2026; hạn 31/03/2026" in late.value
    labels = [e.label for e in at.expander]
    assert labels == [
        "I. CẢI CÁCH THỂ CHẾ — hoàn thành 0/11",
        "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH — hoàn thành 0/28",
        "III. CẢI CÁCH TỔ CHỨC BỘ MÁY — hoàn thành 0/3",
        "IV. CẢI CÁCH CHẾ ĐỘ CÔNG CHỨC CÔNG VỤ — hoàn thành 0/5",
        "V. CẢI CÁCH TÀI CHÍNH CÔNG — hoàn thành 0/5",
        "VI. XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ — hoàn thành 0/11",
        "VI. CHỈ ĐẠO ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH — hoàn thành 0/7",
        "Trung tâm Phục vụ hành chính công — hoàn thành 0/27",
        "Phòng Văn hóa - Xã hội — hoàn thành 0/21",
        "Các cơ quan, đơn vị — hoàn thành 0/8",
        "Văn phòng HĐND và UBND xã — hoàn thành 0/8",
        "Phòng Kinh tế — hoàn thành 0/7",
        "Cơ quan cấp trên — hoàn thành 0/1",
    ]
    md = _markdown(at)
    assert "**3. Thực hiện cơ chế một cửa, một cửa liên thông**" in md
    assert "📊 Tỷ lệ hồ sơ giải quyết đúng hạn: — Chưa có dữ liệu" in md
    # One table per goal (21) and per lead unit (6), the two summaries and the editor.
    assert len(at.dataframe) == 21 + 6 + 2 + 1
    goal = _table(at, "Mã hoạt động", "VI(7).1-01")
    assert goal["Mã hoạt động"].tolist() == [f"VI(7).1-0{i}" for i in range(1, 7)]
    assert goal["Cảnh báo"].tolist()[0] == "⚠️ Quá hạn (hạn 31/03/2026)"
    assert goal["Trạng thái"].tolist()[0] == "⚪ Chưa thực hiện"
    assert _table(at, "Phần")["Số hoạt động"].tolist() == [11, 28, 3, 5, 5, 11, 7]
    summary = _table(at, "Đơn vị chủ trì")
    assert summary["Số hoạt động"].tolist() == [27, 21, 8, 8, 7, 1]
    assert summary["Tiến độ (hoàn thành)"].tolist() == ["0,0%"] * 6
    [editor] = at.data_editor
    assert len(editor.value) == 70
    assert at.get("download_button")[0].label == "📥 Tải bảng theo dõi (Excel)"


def test_filters_by_lead_unit_and_status(page_db):
    tracker.set_status(page_db, UNIT, 2026, "V.2-01", "Hoàn thành", "An")
    at = _app()
    at.multiselect(key="plan_filter_lead").set_value(["Phòng Kinh tế"]).run()
    assert "Đang hiện 7/70 hoạt động theo bộ lọc." in [c.value for c in at.caption]
    assert len(at.data_editor[0].value) == 7
    assert [e.label for e in at.expander][:3] == [
        "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH — hoàn thành 0/1",
        "V. CẢI CÁCH TÀI CHÍNH CÔNG — hoàn thành 1/5",
        "VI. XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ — hoàn thành 0/1",
    ]
    at.multiselect(key="plan_filter_status").set_value(["Hoàn thành"]).run()
    assert at.data_editor[0].value["Mã hoạt động"].tolist() == ["V.2-01"]
    at.multiselect(key="plan_filter_lead").set_value([]).run()
    at.multiselect(key="plan_filter_status").set_value([]).run()
    at.checkbox(key="plan_filter_overdue").check().run()
    assert at.data_editor[0].value["Mã hoạt động"].tolist() == ["VI(7).1-01"]


def test_editing_in_the_table_saves_with_history(page_db):
    at = _app()
    editor = at.data_editor[0]
    rows = editor.value["Mã hoạt động"].tolist()
    at.session_state[editor.key] = {
        "edited_rows": {
            rows.index("VI(7).1-01"): {"Trạng thái": "Hoàn thành", "Minh chứng": "Kế hoạch số 15/KH-UBND"},
            rows.index("I.1-01"): {"Ghi chú tiến độ": "Đã trình dự thảo"},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="plan_save").click().run()  # no name: refused, nothing saved
    assert any("Vui lòng nhập tên người cập nhật." in e.value for e in at.error)
    assert tracker.history(page_db, UNIT, 2026).empty

    at.text_input(key="plan_updated_by").input("Trần Thị Bình")
    at.button(key="plan_save").click().run()
    assert not at.exception
    assert (at.success[0].icon, at.success[0].value) == ("✅", "Đã lưu 2 thay đổi: I.1-01, VI(7).1-01.")
    assert _metrics(at)["✅ Hoàn thành"] == "1"
    assert _metrics(at)["⚠️ Quá hạn"] == "0"
    assert at.get("progress")[0].proto.text == "Tiến độ chung: 1,4% hoạt động đã hoàn thành (1/70)"
    assert not at.warning  # the late warning is gone
    df = tracker.tracker(page_db, UNIT, 2026).set_index("activity_id")
    assert df.loc["VI(7).1-01", ["status", "evidence", "updated_by"]].tolist() == [
        "done", "Kế hoạch số 15/KH-UBND", "Trần Thị Bình",
    ]  # fmt: skip
    assert df.loc["I.1-01", ["status", "note"]].tolist() == ["not_started", "Đã trình dự thảo"]
    hist = tracker.history(page_db, UNIT, 2026)
    assert sorted(hist["activity_id"]) == ["I.1-01", "VI(7).1-01"]
    # The editor starts afresh after a save, and the history tab shows the changes.
    assert at.data_editor[0].key != editor.key
    assert _table(at, "Thời điểm")["Mã hoạt động"].tolist() == ["VI(7).1-01", "I.1-01"]


def _edited_export(engine, edits: dict[int, dict[str, object]]) -> bytes:
    wb = load_workbook(io.BytesIO(exchange.export_excel(engine, UNIT, 2026)))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row, values in edits.items():
        for header, value in values.items():
            ws.cell(row=row, column=headers.index(header) + 1).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_upload_updates_only_edited_rows(page_db):
    at = _app()
    data = _edited_export(page_db, {3: {"Trạng thái": "Đang thực hiện", "Ghi chú tiến độ": "Đang soạn"}})
    at.text_input(key="plan_upload_by").input("Lê Văn Cường")
    at.file_uploader(key="plan_upload").upload("theo-doi.xlsx", data, XLSX)
    at.run()
    at.button(key="plan_import").click().run()
    assert not at.exception
    assert at.success[0].value == (
        "theo-doi.xlsx: Đã đọc 70 dòng: cập nhật 1 hoạt động (I.1-02), 69 dòng không đổi."
    )
    df = tracker.tracker(page_db, UNIT, 2026).set_index("activity_id")
    assert df.loc["I.1-02", ["status", "note", "updated_by"]].tolist() == [
        "in_progress", "Đang soạn", "Lê Văn Cường",
    ]  # fmt: skip
    assert (df["status"] != "not_started").sum() == 1
    assert tracker.history(page_db, UNIT, 2026)["file_name"].tolist() == ["theo-doi.xlsx"]


def test_bad_excel_upload_is_refused_with_row_numbers(page_db):
    at = _app()
    data = _edited_export(page_db, {2: {"Trạng thái": "Hoàn thành"}, 4: {"Trạng thái": "xong"}, 5: {"Mã hoạt động": "X.1-01"}})
    at.text_input(key="plan_upload_by").input("Lê Văn Cường")
    at.file_uploader(key="plan_upload").upload("sai.xlsx", data, XLSX)
    at.run()
    at.button(key="plan_import").click().run()
    assert not at.exception
    refused = [(e.icon, e.value) for e in at.error if "bị từ chối" in e.value]
    assert refused == [(
        "❌",
        "Tệp sai.xlsx bị từ chối, không có thay đổi nào được ghi:\n\n"
        "- Dòng 4: trạng thái «xong» không hợp lệ; dùng một trong: Chưa thực hiện, Đang thực hiện, "
        "Hoàn thành, Chậm tiến độ.\n"
        "- Dòng 5: mã hoạt động «X.1-01» không có trong kế hoạch năm 2026.",
    )]
    assert tracker.history(page_db, UNIT, 2026).empty
    assert _metrics(at)["✅ Hoàn thành"] == "0"


def test_unit_from_the_sidebar(page_db):
    tracker.set_status(page_db, "Xã Khác", 2026, "I.1-01", "Hoàn thành", "An")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["unit"] = "Xã Khác"  # what the app frame's sidebar sets
    at.run()
    assert not at.exception
    assert "Đơn vị: Xã Khác" in at.caption[0].value
    assert _metrics(at)["✅ Hoàn thành"] == "1"


def test_live_kpis_beside_their_goal(page_db):
    """Two dossiers of 2026, both finished in time, online: the KPI engine's values appear
    beside goals II.3.1 and II.3.5; KPIs without data say so."""
    with kdb.connect(page_db, write=True) as conn:
        unit_id = kdb.get_or_create_unit(conn, UNIT)
        batch = conn.execute(
            sa.insert(batches)
            .values(unit_id=unit_id, kind="dossiers", file_name="hs.csv", sha256="0" * 64,
                    uploaded_at=dt.datetime(2026, 4, 1, 8), as_of=dt.date(2026, 3, 31))
            .returning(batches.c.id)
        ).scalar_one()  # fmt: skip
        for code, received, due, finished in [
            ("H1", dt.date(2026, 2, 2), dt.date(2026, 2, 10), dt.date(2026, 2, 9)),
            ("H2", dt.date(2026, 3, 2), dt.date(2026, 3, 10), dt.date(2026, 3, 10)),
        ]:
            conn.execute(
                sa.insert(dossiers).values(
                    unit_id=unit_id, dossier_code=code, status=10, channel=2,
                    received_at=dt.datetime.combine(received, dt.time(8)),
                    due_at=dt.datetime.combine(due, dt.time(17)),
                    finished_at=dt.datetime.combine(finished, dt.time(9)),
                    returned_at=dt.datetime.combine(finished, dt.time(10)),
                    batch_id=batch, created_batch_id=batch, as_of=dt.date(2026, 3, 31),
                )
            )  # fmt: skip
    md = _markdown(_app())
    assert "📊 Tỷ lệ hồ sơ giải quyết đúng hạn: **100,0%** (2/2; chỉ tiêu 98,0%) — ✅ Đạt" in md
    assert "📊 Tỷ lệ hồ sơ trực tuyến / tổng hồ sơ tiếp nhận: **100,0%** (2/2; chỉ tiêu 60,0%) — ✅ Đạt" in md
    assert "📊 DVC trực tuyến toàn trình / TTHC đủ điều kiện: — Chưa có dữ liệu" in md


def test_page_runs_inside_an_app_frame_with_navigation(page_db, tmp_path):
    """Like app.py: a frame with a sidebar that sets the unit, and st.navigation."""
    tracker.set_status(page_db, "Xã Khác", 2026, "II.3.6-01", "Đang thực hiện", "An")
    frame = tmp_path / "frame.py"
    frame.write_text(
        "import streamlit as st\n"
        "st.sidebar.selectbox('Đơn vị', ['Xã Lộc Tân', 'Xã Khác'], key='unit')\n"
        f"st.navigation([st.Page({PAGE!r}, title='Kế hoạch', url_path='ke-hoach')]).run()\n",
        encoding="utf-8",
    )
    at = AppTest.from_file(str(frame), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Kế hoạch"
    assert "Đơn vị: Xã Lộc Tân" in at.caption[0].value
    at.sidebar.selectbox(key="unit").select("Xã Khác").run()
    assert not at.exception
    assert "Đơn vị: Xã Khác" in at.caption[0].value
    assert _metrics(at)["🔵 Đang thực hiện"] == "1"


def test_page_initialises_an_empty_database(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", "2026-04-15")
    kdb.get_engine.cache_clear()
    try:
        at = _app()
        assert _metrics(at)["Số hoạt động"] == "70"
        assert tracker.history(kdb.get_engine(url), UNIT, 2026).empty  # the tracker tables exist
    finally:
        kdb.get_engine.cache_clear()


def test_history_and_tables_show_blank_cells_not_none(page_db):
    tracker.set_status(page_db, UNIT, 2026, "I.1-01", "Đang thực hiện", "An")  # no note, no evidence
    at = _app()
    hist = _table(at, "Thời điểm")
    assert hist[["Mã hoạt động", "Ghi chú tiến độ", "Minh chứng", "Người cập nhật"]].values.tolist() == [
        ["I.1-01", "", "", "An"]
    ]
    assert hist[["Trạng thái trước", "Trạng thái mới"]].values.tolist() == [
        ["⚪ Chưa thực hiện", "🔵 Đang thực hiện"]]
    # A row with no previous status nor file (older history rows): blank cells, not "None".
    import pandas as pd

    from ui import plan as plan_ui

    old = pd.DataFrame([{"updated_at": dt.datetime(2026, 4, 2, 8, 15), "activity_id": "I.1-01",
                         "previous_status": None, "status": "done", "note": None,
                         "evidence": None, "updated_by": None, "source": "form",
                         "file_name": None}], dtype=object)
    shown = plan_ui.history_display(old)
    assert shown.values.tolist() == [["02/04/2026 08:15", "I.1-01", "", "✅ Hoàn thành", "", "",
                                      "", "Sửa trên trang"]]
    goal = _table(at, "Mã hoạt động", "I.1-01")
    assert goal[["Ghi chú tiến độ", "Minh chứng", "Người cập nhật"]].values.tolist() == [
        ["", "", "An"], ["", "", ""],
    ]  # fmt: skip
    for d in at.dataframe:
        assert not d.value.isna().any().any()


def test_upload_drop_zone_speaks_vietnamese(page_db):
    at = _app()
    [css] = [h.proto.body for h in at.get("html") if "stFileUploaderDropzone" in h.proto.body]
    assert 'content: "Chọn tệp"' in css
    assert 'content: "Kéo thả tệp vào đây · tối đa 10 MB mỗi tệp · XLSX"' in css


def test_a_damaged_plan_file_shows_what_to_do(page_db, tmp_path, monkeypatch):
    from kpi.plan import parser

    plans = tmp_path / "plans"
    plans.mkdir()
    lines = parser.plan_csv_path(2026).read_text(encoding="utf-8").splitlines()
    (plans / "2026.csv").write_text(lines[0].replace(",lead_units", "") + "\n", encoding="utf-8")
    monkeypatch.setattr(parser, "PLANS_DIR", plans)
    at = _app()
    assert [(e.icon, e.value) for e in at.error] == [(
        "❌",
        "Tệp kế hoạch 2026.csv thiếu cột: lead_units. Hãy tạo lại tệp từ phụ lục kế hoạch: "
        "python -m kpi.plan",
    )]  # fmt: skip
    assert not at.metric  # the page stopped there


def test_a_database_error_of_the_kpi_engine_is_shown_not_hidden(page_db, monkeypatch):
    from kpi import queries

    def broken(*_a, **_k):
        raise sa.exc.OperationalError("SELECT …", {}, Exception("disk I/O error"))

    monkeypatch.setattr(queries, "snapshot", broken)
    at = _app()
    [error] = at.error
    assert error.value.startswith("Không đọc được cơ sở dữ liệu. Hãy tải lại trang sau ít phút")
    assert "disk I/O error" in error.value
    assert not [m for m in _markdown(at) if "Chưa có dữ liệu" in m]
