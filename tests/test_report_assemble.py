"""kpi.report.assemble.report_input: the report's input from the database (DuckDB and, with
CCHC_TEST_PG_URL, PostgreSQL), on the fixture of tests/fixtures.py."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from pypdf import PdfReader

from kpi import db as kdb
from kpi import queries as Q
from kpi.definitions import HEADLINE_KEYS, Choice
from kpi.report import render_bytes
from kpi.report.assemble import report_input
from kpi.schema import batches, ratings
from tests.fixtures import UNIT, build_fixture

TODAY = dt.date(2026, 4, 15)
NO_RATINGS = ("Kỳ này chưa có dữ liệu đánh giá mức độ hài lòng: mức độ hài lòng của người dân, "
              "doanh nghiệp (theo Bộ chỉ số 766) chỉ tính từ hồ sơ và phản ánh, kiến nghị.")
NO_CATALOGUE = ("Chưa có danh mục thủ tục hành chính: chưa tính được 3 chỉ tiêu (TTHC thanh toán "
                "trực tuyến, DVC toàn trình, không phụ thuộc địa giới).")
NO_FEEDBACK = ("Kỳ này không có phản ánh, kiến nghị (PAKN) nào phải xử lý, hoặc chưa tải dữ liệu "
               "PAKN: chưa tính được chỉ tiêu PAKN đúng hạn.")


def test_snapshot_is_the_cli_json_and_extras_carry_previous_and_trend(db_url):
    engine = build_fixture(db_url)
    snapshot, extras = report_input(engine, UNIT, "2026-03", today=TODAY)
    assert snapshot == Q.snapshot(engine, UNIT, "2026-03", today=TODAY).to_json()
    assert snapshot["kpis"][0] == {"key": "on_time_rate", "value": 0.985, "numerator": 197,
                                   "denominator": 200, "target": 0.98, "met": True}
    assert snapshot["as_of"] == "2026-04-02T08:15:00+07:00"
    assert extras["period_label"] == "Tháng 3/2026"
    assert extras["report_date"] == "2026-04-15"
    assert extras["unit_header"] == ["ỦY BAN NHÂN DÂN", "XÃ LỘC TÂN"]
    assert extras["labels"]["on_time_rate"] == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert extras["sections"]["online_payment_rate"] == "II.3.4"
    assert extras["formulas"]["online_submission_rate"] == (
        "Hồ sơ tiếp nhận trực tuyến trong kỳ / tổng số hồ sơ tiếp nhận trong kỳ")
    assert extras["previous_period_label"] == "Tháng 2/2026"
    assert extras["previous"]["on_time_rate"] == 0.96
    assert extras["previous"]["online_submission_rate"] == 50 / 101
    assert extras["previous"]["online_payment_rate"] is None
    assert list(extras["trend"]) == HEADLINE_KEYS
    on_time = extras["trend"]["on_time_rate"]
    assert [m for m, _ in on_time] == [f"2025-{m:02d}" for m in range(4, 13)] + [
        "2026-01", "2026-02", "2026-03"]
    assert on_time[-2:] == [["2026-02", 0.96], ["2026-03", 0.985]]
    assert on_time[0] == ["2025-04", None]
    assert extras["notes"] == [NO_RATINGS, NO_CATALOGUE, NO_FEEDBACK]


def test_the_report_files_carry_the_same_numbers(db_url):
    engine = build_fixture(db_url)
    snapshot, extras = report_input(engine, UNIT, "2026-03", today=TODAY)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render_bytes("pdf", snapshot, extras))).pages)
    assert "Lộc Tân, ngày 15 tháng 4 năm 2026" in text
    for expected in ("XÃ LỘC TÂN", "Tháng 3/2026", "98,5%", "197/200", "+2,5 điểm %",
                     "Chưa có danh mục thủ tục hành chính"):
        assert expected in text, expected
    assert render_bytes("docx", snapshot, extras)[:2] == b"PK"
    assert render_bytes("xlsx", snapshot, extras)[:2] == b"PK"


def test_notes_follow_the_data(db_url):
    engine = build_fixture(db_url)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.find_unit(conn, UNIT)
        bid = conn.execute(sa.insert(batches).values(
            unit_id=uid, kind="ratings", file_name="danh-gia.xlsx", sha256="r", status="loaded",
            as_of=dt.date(2026, 4, 10), uploaded_at=dt.datetime(2026, 4, 10, 9, 0),
        ).returning(batches.c.id)).scalar_one()
        conn.execute(sa.insert(ratings), [
            dict(unit_id=uid, rating_key=f"DG-{i}", dossier_code=f"HS-03-{i:04d}",
                 rated_at=dt.datetime(2026, 3, 20, 10, 0), rating_label=label,
                 satisfied=label == "Hài lòng", negative=label == "Không hài lòng",
                 batch_id=bid, created_batch_id=bid, as_of=dt.date(2026, 4, 10))
            for i, label in enumerate(["Hài lòng"] * 9 + ["Không hài lòng"])
        ])
    snapshot, extras = report_input(engine, UNIT, "2026-03", Choice.of(satisfaction="ratings"),
                                    today=TODAY)
    sat = snapshot["kpis"][1]
    assert (sat["numerator"], sat["denominator"]) == (9, 10)
    assert snapshot["definitions"] == {"on_time": "766", "satisfaction": "ratings"}
    assert extras["notes"] == [NO_CATALOGUE, NO_FEEDBACK]
    # 766 satisfaction with ratings present: the negative one counts against it, no note.
    snapshot, extras = report_input(engine, UNIT, "2026-03", today=TODAY)
    assert snapshot["kpis"][1]["numerator"] == 196
    assert NO_RATINGS not in extras["notes"]
    # A month the export (as of 01/04) covers one day of: provisional, the missing days said.
    snapshot, extras = report_input(engine, UNIT, "2026-04", today=TODAY)
    assert extras["notes"][0] == ("Số liệu tạm tính: thiếu dữ liệu từ 02/04/2026 đến 30/04/2026;"
                                  " dữ liệu mới đến ngày 01/04/2026.")
    assert snapshot["data_through"] == "2026-04-01"
    assert snapshot["coverage"] == {"status": "partial",
                                    "missing": [{"start": "2026-04-02", "end": "2026-04-30"}]}
    assert snapshot["period"] == {"start": "2026-04-01", "end": "2026-04-30"}


def _docx_paragraphs(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_a_partly_covered_period_is_provisional_in_every_format(db_url):
    """Q1 2026 with the exports covering 02/02–31/03 only: the summary line and each verdict
    say "tạm tính", and the missing days stand near the top of the PDF, DOCX and XLSX (not
    only in "VI. Ghi chú"); the sentence is the screens' own (kpi.dashboard.period_note)."""
    from openpyxl import load_workbook

    from kpi import dashboard as DB
    from kpi.report import build

    engine = build_fixture(db_url)
    snapshot, extras = report_input(engine, UNIT, "2026-Q1", today=TODAY)
    note = "Số liệu tạm tính: thiếu dữ liệu từ 01/01/2026 đến 01/02/2026."
    assert DB.period_note(Q.snapshot(engine, UNIT, "2026-Q1", today=TODAY)) == note
    r = build(snapshot, extras)
    assert r.provisional and r.coverage_note == note
    assert r.summary == ("Đạt 4/11 chỉ tiêu (tạm tính); chưa đạt 3; chưa có dữ liệu hoặc chưa "
                         "có chỉ tiêu 4.")
    assert [row.status_text for row in r.rows] == (
        ["Chưa đạt (tạm tính)", "Đạt (tạm tính)", "Đạt (tạm tính)", "Chưa đạt (tạm tính)",
         "Chưa đạt (tạm tính)", "Đạt (tạm tính)", "Đạt (tạm tính)"] + ["Chưa có dữ liệu"] * 4)

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render_bytes("pdf", snapshot, extras))).pages)
    assert f"Tổng hợp: {r.summary}" in text and "Đạt (tạm tính)" in text
    assert text.index(note) < text.index("Tỷ lệ hồ sơ giải quyết đúng hạn")  # before the table

    paras = _docx_paragraphs(render_bytes("docx", snapshot, extras))
    top = paras.index("Dữ liệu đến ngày 01/04/2026.")
    assert paras[top + 1] == note and r.summary in paras

    book = load_workbook(io.BytesIO(render_bytes("xlsx", snapshot, extras)))
    info = [[c.value for c in row] for row in book["Thông tin"].iter_rows(min_row=2, max_row=9)]
    assert info[6:8] == [["Dữ liệu còn thiếu", note], ["Tổng hợp", r.summary]]
    assert [c.value for c in book["Chỉ tiêu"]["H"][1:4]] == [
        "Chưa đạt (tạm tính)", "Đạt (tạm tính)", "Đạt (tạm tính)"]

    # A fully covered month: no "tạm tính" anywhere, no coverage line.
    r = build(*report_input(engine, UNIT, "2026-03", today=TODAY))
    assert not r.provisional and r.coverage_note is None
    assert r.summary == ("Đạt 4/11 chỉ tiêu; chưa đạt 3; chưa có dữ liệu hoặc chưa có chỉ "
                         "tiêu 4.")
    assert [row.status_text for row in r.rows][:2] == ["Đạt", "Đạt"]
