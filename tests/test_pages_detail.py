"""Chi tiết chỉ tiêu through AppTest on the fixture database of tests/fixtures.py, and
the shortfall's Excel file."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from kpi import dashboard as DB
from kpi import db as kdb
from tests.fixtures import UNIT, app, texts

DETAIL = "pages/chi-tiet.py"


def test_value_formula_and_headroom(fixture_url):
    at = app(DETAIL)
    assert at.title[0].value == "Chi tiết chỉ tiêu"
    assert at.selectbox(key="detail_kpi").value == "on_time_rate"
    assert {m.label: m.value for m in at.metric} == {
        "Kết quả": "98,5%", "Chỉ tiêu kế hoạch": "≥ 98%", "So với Tháng 2/2026": "+2,5 điểm %",
        "Tử số / mẫu số (hồ sơ)": "197/200",
    }
    md = texts(at.markdown)
    assert ":green[✅ **Đạt**] · Tỷ lệ hồ sơ giải quyết đúng hạn (II.3.1) · Tháng 3/2026" in md
    assert ("- Hồ sơ trước hạn, đúng hạn và đang giải quyết trong hạn: **197**\n"
            "- Hồ sơ đã và đang giải quyết trong kỳ (kể cả từ kỳ trước): **200**\n"
            "- Kết quả: 197 / 200 = **98,5%**") in md
    # Year to date 293/300 = 97,7% < 98%: 50 more on time in a row bring it back. The year's
    # volume is the one rule of the required rate (kpi.yearview): d + R = 1.833, so
    # ⌊293 + 1.533 − 0,98 × 1.833⌋ = ⌊29,66⌋ = 29 misses allowed = ⌊R × (1 − required)⌋.
    assert texts(at.info) == [
        "**Cả năm 2026:** Đang dưới chỉ tiêu 98%: cần thêm 50 hồ sơ đạt liên tiếp để trở lại "
        "chỉ tiêu; theo khối lượng dự kiến (1.833 hồ sơ cả năm), cả năm chỉ được thêm tối đa "
        "29 hồ sơ không đạt."]
    from kpi import db as kdb
    from kpi import yearview as YV
    from tests.fixtures import UNIT
    k = YV.year_view(kdb.get_engine(fixture_url), UNIT, "2026-03",
                     keys=("on_time_rate",)).kpi("on_time_rate")
    assert (k.numerator, k.denominator, k.projected_denominator) == (293, 300, 1833)
    assert k.misses_allowed == 29 == int(k.remaining_volume * (1 - k.required))
    trend = at.dataframe[0].value
    assert trend.values.tolist()[-2:] == [["T2/2026", "96,0%", "96", "100"],
                                          ["T3/2026", "98,5%", "197", "200"]]
    assert len(trend) == 12 and trend.values.tolist()[0] == ["T4/2025", "—", "0", "0"]


def test_breakdowns_worst_first(fixture_url):
    at = app(DETAIL)
    tables = [d.value for d in at.dataframe]
    by_field, by_procedure, by_channel, by_office = tables[1:5]
    assert by_field.values.tolist() == [
        ["Đất đai", "95,0%", "38", "40", "2", "0"],
        ["Chứng thực", "98,3%", "59", "60", "1", "0"],
        ["Hộ tịch", "100,0%", "100", "100", "0", "0"],
    ]
    assert list(by_field.columns) == ["Nhóm", "Tỷ lệ", "Đạt (hồ sơ)", "Tổng (hồ sơ)",
                                      "Chưa đạt (hồ sơ)", "Không rõ"]
    assert by_procedure["Nhóm"].tolist() == [
        "1.004222 - Đăng ký biến động quyền sử dụng đất",
        "2.000815 - Chứng thực bản sao từ bản chính", "1.001193 - Đăng ký khai sinh"]
    assert by_channel[["Nhóm", "Tỷ lệ", "Tổng (hồ sơ)"]].values.tolist() == [
        ["Trực tuyến", "97,7%", "130"], ["Trực tiếp", "100,0%", "70"]]
    assert by_office[["Nhóm", "Tỷ lệ"]].values.tolist() == [["Bộ phận một cửa", "98,5%"]]


def test_late_dossiers_of_the_worst_field_in_two_clicks(fixture_url):
    at = app()
    at.button(key="goto_on_time_rate").click().run()  # click 1: the tile
    pills = at.pills(key="detail_field")
    assert pills.options == ["Đất đai (2)", "Chứng thực (1)"]  # worst field first
    shortfall = at.dataframe[-1].value
    assert shortfall["Mã hồ sơ"].tolist() == ["HS-03-0100", "HS-03-0160", "HS-03-0161"]
    pills.set_value("Đất đai").run()  # click 2: the worst field
    shortfall = at.dataframe[-1].value
    assert shortfall["Mã hồ sơ"].tolist() == ["HS-03-0160", "HS-03-0161"]
    assert shortfall["Lĩnh vực"].tolist() == ["Đất đai", "Đất đai"]
    assert shortfall["Phân loại"].tolist() == ["Quá hạn", "Quá hạn"]
    # Due Sat 07/03 done Mon 09/03, due Sun 08/03 done Tue 10/03: working days past the due day.
    assert shortfall["Lý do chưa đạt"].tolist() == ["Quá hạn 1 ngày làm việc",
                                                    "Quá hạn 2 ngày làm việc"]
    assert shortfall["Ngày hẹn trả"].tolist() == [dt.date(2026, 3, 7), dt.date(2026, 3, 8)]
    assert ("**2 hồ sơ thuộc lĩnh vực Đất đai** trong mẫu số nhưng không đạt (trang 1/1, bấm "
            "tiêu đề cột để sắp xếp).") in texts(at.markdown)
    assert at.download_button(key="shortfall_xlsx").label == "⬇️ Tải danh sách (Excel)"


def test_other_kpis(fixture_url):
    at = app(DETAIL)
    at.selectbox(key="detail_kpi").set_value("online_payment_rate").run()
    assert at.metric[0].value == "75,0%" and at.metric[3].value == "30/40"
    assert "**10 hồ sơ** trong mẫu số nhưng không đạt (trang 1/1, bấm tiêu đề cột để sắp xếp)." \
        in texts(at.markdown)
    # A catalogue KPI without a catalogue: no data, no error.
    at.selectbox(key="detail_kpi").set_value("full_online_procedure_rate").run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "—"
    assert texts(at.success) == ["Không có thủ tục nào chưa đạt trong kỳ."]
    # PAKN cannot be split by field: said plainly.
    at.selectbox(key="detail_kpi").set_value("feedback_on_time_rate").run()
    assert not at.exception
    assert ("ℹ️ Chỉ số “Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn” không chia được theo "
            "lĩnh vực.") in texts(at.caption)


def test_shortfall_excel_holds_every_row(fixture_url):
    engine = kdb.get_engine(fixture_url)
    data = DB.shortfall_xlsx(engine, UNIT, "2026-03", "on_time_rate", by="field",
                             group="Đất đai", today=dt.date(2026, 4, 15))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Danh sách", "Thông tin"]
    ws = wb["Danh sách"]
    rows = list(ws.values)
    assert rows[0][:4] == ("Mã hồ sơ", "Lý do chưa đạt", "Mã thủ tục", "Tên thủ tục")
    assert [r[0] for r in rows[1:]] == ["HS-03-0160", "HS-03-0161"]
    header = list(rows[0])
    due = header.index("Ngày hẹn trả")
    assert rows[1][due] == dt.datetime(2026, 3, 7)
    assert ws.cell(2, due + 1).number_format == "dd/mm/yyyy"
    assert rows[1][header.index("Phí, lệ phí (đồng)")] == 50000  # a number, not text
    info = dict(wb["Thông tin"].values)
    assert info["Đơn vị"] == UNIT
    assert info["Chỉ tiêu"] == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert info["Lọc theo"] == "Lĩnh vực: Đất đai"
    assert info["Số dòng"] == 2
    # Every page: the whole shortfall, not the first 100 rows.
    data = DB.shortfall_xlsx(engine, UNIT, "2026-03", "digitization_rate",
                             today=dt.date(2026, 4, 15))
    assert load_workbook(io.BytesIO(data))["Danh sách"].max_row == 1 + 50
    # Missing dates stay empty cells (the dossier still being processed, no due date).
    data = DB.shortfall_xlsx(engine, UNIT, "2026-02", "online_submission_rate",
                             today=dt.date(2026, 4, 15))
    rows = list(load_workbook(io.BytesIO(data))["Danh sách"].values)
    [open_one] = [r for r in rows if r[0] == "HS-02-9999"]
    assert open_one[header.index("Ngày hẹn trả")] is None
    assert open_one[header.index("Ngày kết thúc xử lý")] is None
    assert open_one[header.index("Trạng thái")] == "Đang xử lý"


def test_summary_cross_check_beside_the_dossier_counts(fixture_url):
    """A Biểu số 06 for March next to the dossier list: dossiers win, the difference shows."""
    import sqlalchemy as sa

    from kpi.schema import summaries, units

    engine = kdb.get_engine(fixture_url)
    with kdb.connect(engine, write=True) as conn:
        uid = conn.execute(sa.select(units.c.id).where(units.c.name == UNIT)).scalar_one()
        conn.execute(sa.insert(summaries).values(
            unit_id=uid, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31), field="Tất cả",
            received_total=200, received_online=130, received_direct=70, carried_over=0,
            resolved_total=202, early=197, on_time=0, late=5, pending_total=0, pending_in_time=0,
            pending_overdue=0, batch_id=0, created_batch_id=0, as_of=dt.date(2026, 3, 31)))
    at = app(DETAIL)
    assert {m.label: m.value for m in at.metric}["Kết quả"] == "98,5%"  # still from the dossiers
    [check] = [d.value for d in at.dataframe if "Chênh lệch" in d.value.columns]
    check = check.set_index("Chỉ tiêu đếm")
    assert check.loc["Quá hạn"].tolist() == [3, 5, -2]
    assert check.loc["Đã giải quyết"].tolist() == [200, 202, -2]
    assert check.loc["Trước hạn"].tolist() == [197, 197, 0]
