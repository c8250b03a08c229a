"""The reports sent upward (reports.md, cli.md "Reports sent upward"): the stored texts, the
periodic CCHC report (DOCX paragraphs, PDF text), Biểu số 06 from the dossiers and its round
trip through ``python -m ingest --kind summary``, the ``python -m kpi report`` command.

Fixture: tests/fixtures.py (March 2026: 200 dossiers, on time 197/200; February: 100) plus
three rows written here in field Hộ tịch — a withdrawn online dossier received in March, one
carried over from February and overdue at the end of March, one new direct dossier pending in
time — so that every column of Biểu 06 has something to say.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from kpi import definitions as D
from kpi import queries as Q
from kpi import report_store
from kpi import schema as S
from kpi.report import bieu06 as B06
from kpi.report import periodic as PR
from kpi.report import texts as T
from tests.fixtures import UNIT, _dossier, build_fixture, ts

TODAY = dt.date(2026, 4, 15)
OTHER = "Xã Kiểm Tra"


def _extra_rows(engine) -> None:
    with engine.begin() as conn:
        uid = conn.execute(sa.select(S.units.c.id).where(S.units.c.name == UNIT)).scalar_one()
        rows = [
            _dossier(uid, 1, "HS-W-1", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                     ts("2026-03-05 09:00"), False, status=7, channel=2, finished_at=None,
                     returned_at=None),
            _dossier(uid, 1, "HS-C-1", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                     ts("2026-02-20 09:00"), False, status=4, due_at=ts("2026-03-03 17:00"),
                     finished_at=None, returned_at=None),
            _dossier(uid, 1, "HS-P-1", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                     ts("2026-03-25 09:00"), False, status=4, channel=1,
                     due_at=ts("2026-04-10 17:00"), finished_at=None, returned_at=None),
        ]
        conn.execute(sa.insert(S.dossiers), rows)


@pytest.fixture
def filled(db_url):
    engine = build_fixture(db_url)
    _extra_rows(engine)
    return engine


# ------------------------------------------------------------------------------- Biểu số 06

EXPECTED_ROWS = [  # (2) … (13), fields in Vietnamese order (Đất đai after C, before H)
    ["Chứng thực", 60, 39, 21, 0, 60, 59, 0, 1, 0, 0, 0],
    ["Đất đai", 40, 26, 14, 0, 40, 38, 0, 2, 0, 0, 0],
    ["Hộ tịch", 103, 66, 36, 1, 100, 100, 0, 0, 2, 1, 1],
]
EXPECTED_TOTAL = [203, 131, 71, 1, 200, 197, 0, 3, 2, 1, 1]


def test_bieu06_from_the_dossiers(filled):
    table = B06.compute(filled, UNIT, "2026-03", today=TODAY)
    assert [[r.field, *r.values()] for r in table.rows] == EXPECTED_ROWS
    assert table.total.values() == EXPECTED_TOTAL
    assert table.notes == ["(3) − (7) − (11) = 1: 1 hồ sơ công dân rút trong kỳ (không tính vào "
                           "số đã giải quyết và đang giải quyết)."]


def test_bieu06_xlsx_layout_and_numbers(filled, tmp_path):
    path = tmp_path / "bieu-06.xlsx"
    B06.write_xlsx(B06.compute(filled, UNIT, "2026-03", today=TODAY), path,
                   report_date=dt.date(2026, 4, 3), signer={"title": "Thủ trưởng đơn vị",
                                                            "name": "Nguyễn Văn An"})
    ws = load_workbook(path)["Biểu 06"]
    cells = [tuple(row) for row in ws.iter_rows(values_only=True)]
    assert cells[0][0] == "Biểu số 06/VPCP/KSTT" and cells[0][4] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert cells[4][0] == "Kỳ báo cáo: Tháng 3 năm 2026"
    assert cells[5][0] == "(Từ ngày 01/03/2026 đến ngày 31/03/2026)"
    assert cells[6][0] == "Đơn vị báo cáo: UBND xã Lộc Tân"
    assert cells[9][:3] == ("STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết")
    assert cells[10][2:6] == ("Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước")
    assert list(cells[11]) == [f"({i})" for i in range(1, 14)]
    assert [list(r[1:]) for r in cells[12:15]] == EXPECTED_ROWS
    assert cells[15][0] == "Tổng cộng" and list(cells[15][2:]) == EXPECTED_TOTAL
    assert all(isinstance(v, int) for r in cells[12:16] for v in r[2:])  # numbers, no formula
    flat = [v for r in cells for v in r if isinstance(v, str)]
    assert "Người lập biểu" in flat and "Thủ trưởng đơn vị" in flat and "Nguyễn Văn An" in flat
    assert "Lộc Tân, ngày 03 tháng 4 năm 2026" in flat


def test_bieu06_loads_back_to_the_same_figures(filled, db_url, tmp_path):
    """The Biểu 06 of the dossiers, loaded for another unit with ``python -m ingest --kind
    summary``, answers on-time (every definition) and online submission exactly as the
    dossiers do."""
    from ingest.__main__ import main as ingest_main

    path = tmp_path / "bieu-06.xlsx"
    B06.write_xlsx(B06.compute(filled, UNIT, "2026-03", today=TODAY), path)
    assert ingest_main(["--db", db_url, "--unit", OTHER, "--kind", "summary", str(path)]) == 0
    for variant in ("766", "resolved", "due"):
        choice = D.Choice({"on_time_rate": variant})
        a = Q.snapshot(filled, UNIT, "2026-03", choice, today=TODAY)
        b = Q.snapshot(filled, OTHER, "2026-03", choice, today=TODAY)
        assert (a.source, b.source) == ("dossiers", "summary")
        for key in ("on_time_rate", "online_submission_rate"):
            assert (b.kpi(key).numerator, b.kpi(key).denominator) == (
                a.kpi(key).numerator, a.kpi(key).denominator), (variant, key)
    snap = Q.snapshot(filled, OTHER, "2026-03", today=TODAY)
    assert (snap.kpi("on_time_rate").numerator, snap.kpi("on_time_rate").denominator) == (198, 202)
    assert (snap.kpi("online_submission_rate").numerator,
            snap.kpi("online_submission_rate").denominator) == (131, 202)


# ------------------------------------------------------------------------------- stored texts

def test_texts_stored_per_unit_period_and_part_with_audit(filled):
    assert report_store.save(filled, UNIT, "2026-Q1", {"strengths": "  Ưu điểm A.\r\nDòng 2  "},
                             "Lan") == ["strengths"]
    assert report_store.save(filled, UNIT, "2026-Q1", {"strengths": "Ưu điểm A.\nDòng 2"},
                             "Lan") == []  # unchanged
    report_store.save(filled, UNIT, "2026-Q2", {"strengths": "Kỳ khác."}, "Lan")
    report_store.save_settings(filled, UNIT, {"signer_name": "Nguyễn Văn An"}, "Lan")
    assert T.stored(filled, UNIT, "2026-Q1") == {"strengths": "Ưu điểm A.\nDòng 2"}
    assert T.stored(filled, UNIT, "2026-Q2") == {"strengths": "Kỳ khác."}
    assert T.settings(filled, UNIT) == {"signer_name": "Nguyễn Văn An"}
    assert report_store.save(filled, UNIT, "2026-Q1", {"strengths": ""}, "Lan") == ["strengths"]
    assert T.stored(filled, UNIT, "2026-Q1") == {}
    with filled.connect() as conn:
        audit = conn.execute(sa.select(S.audit_log.c.actor, S.audit_log.c.action)
                             .order_by(S.audit_log.c.id)).all()
    assert [tuple(a) for a in audit] == [("Lan", "report_text")] * 4
    with pytest.raises(T.ReportTextError):
        report_store.save(filled, "Xã Không Có", "2026-Q1", {"strengths": "x"}, "Lan")
    with pytest.raises(T.ReportTextError, match="Vui lòng nhập tên người cập nhật."):
        report_store.save(filled, UNIT, "2026-Q1", {"strengths": "x"}, "  ")


def test_bieu06_xlsx_neutralises_formula_looking_field_names(tmp_path):
    from kpi.periods import parse_period

    table = B06.Bieu06(UNIT, parse_period("2026-03"), dt.date(2026, 3, 31),
                       rows=[B06.Row("=HYPERLINK(\"http://x\")", received_online=2, on_time=1),
                             B06.Row("+Tư pháp", received_direct=1)])
    path = tmp_path / "b.xlsx"
    B06.write_xlsx(table, path)
    ws = load_workbook(path)["Biểu 06"]
    cells = [ws.cell(13, 2), ws.cell(14, 2)]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\")", "+Tư pháp"]
    assert [c.data_type for c in cells] == ["s", "s"]
    assert all(c.quotePrefix for c in cells)


# ------------------------------------------------------------------------------- the report

def _docx_text(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out.append(" | ".join(c.text for c in row.cells))
            out += [p.text for c in row.cells for p in c.paragraphs]
    return out


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_periodic_report_drafts_and_coverage(filled):
    r = PR.periodic_report(filled, UNIT, "2026-Q1", today=TODAY)
    assert r.title_line == "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    assert r.coverage_note == "Số liệu tạm tính: thiếu dữ liệu từ 01/01/2026 đến 01/02/2026."
    on_time = r.targets[0]
    assert (on_time.value_text, on_time.ratio_text, on_time.status_text) == (
        "97,4%", "294/302", "Chưa đạt")
    assert [t.key for t in r.missed] == ["on_time_rate", "online_submission_rate",
                                          "online_payment_rate"]
    assert r.parts["weaknesses"].paragraphs[0] == (
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 97,4% (294/302 hồ sơ), chưa đạt chỉ tiêu ≥ 98%.")
    # no task of the plan done yet (0/70): not a strength, stated under Tồn tại, hạn chế
    assert r.plan_total["done"] == 0 and r.plan_total["total"] == 70
    assert not any("nhiệm vụ" in line for line in r.parts["strengths"].paragraphs)
    assert r.parts["weaknesses"].paragraphs[3:5] == [
        "Chưa hoàn thành nhiệm vụ nào trong 70 nhiệm vụ của kế hoạch.",
        "1 nhiệm vụ của kế hoạch đã quá hạn nhưng chưa hoàn thành."]
    assert r.parts["missed:on_time_rate"].paragraphs[0] == (
        "Nguyên nhân: trong kỳ còn 8/302 hồ sơ chưa đạt yêu cầu; cần thêm 2 hồ sơ đạt yêu cầu "
        "thì đạt chỉ tiêu ≥ 98%.")
    assert [s.heading for s in r.sections][:2] == ["1. Cải cách thể chế",
                                                   "2. Cải cách thủ tục hành chính"]
    assert r.direction.heading == "I. Chỉ đạo điều hành cải cách hành chính"
    assert sum(s.total for s in r.sections) + r.direction.total == 70
    assert r.recipients[0] == "- UBND tỉnh (qua Sở Nội vụ);"
    assert r.signer_title == "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"


def test_docx_and_pdf_carry_the_stored_narrative(filled):
    report_store.save(filled, UNIT, "2026-Q1", {
        "strengths": "Ưu điểm do cán bộ viết lại.",
        "missed:on_time_rate": "Nguyên nhân: 6 hồ sơ đất đai trễ.\nGiải pháp: họp giao ban.",
        PR.DOC_NUMBER_PART: "Số: 45/BC-UBND"}, "Lan")
    report_store.save_settings(filled, UNIT, {"signer_name": "Nguyễn Văn An",
                                              "recipients": "- Sở Nội vụ;\n- Lưu: VT."}, "Lan")
    r = PR.periodic_report(filled, UNIT, "2026-Q1", today=TODAY)
    paras = _docx_text(PR.render_bytes("docx", r))
    for text in ("BÁO CÁO", "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026",
                 "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ",
                 "2. Cải cách thủ tục hành chính", "III. ĐÁNH GIÁ CHUNG", "1. Ưu điểm",
                 "Ưu điểm do cán bộ viết lại.",
                 "3.1. Nguyên nhân – giải pháp: Tỷ lệ hồ sơ giải quyết đúng hạn",
                 "Nguyên nhân: 6 hồ sơ đất đai trễ.", "Giải pháp: họp giao ban.",
                 "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", "V. ĐỀ XUẤT, KIẾN NGHỊ",
                 "Số liệu tạm tính: thiếu dữ liệu từ 01/01/2026 đến 01/02/2026.",
                 "Số: 45/BC-UBND", "Nơi nhận:", "- Sở Nội vụ;", "TM. ỦY BAN NHÂN DÂN",
                 "CHỦ TỊCH", "Nguyễn Văn An", "PHỤ LỤC"):
        assert text in paras, text
    assert ("1 | Tỷ lệ hồ sơ giải quyết đúng hạn | ≥ 98% | 97,4% | 294/302 | Chưa đạt | 97,4% | "
            "294/302 | Chưa đạt") in paras
    assert "Ưu điểm do cán bộ viết lại." in paras and not any(
        p.startswith("Mức độ hài lòng của người dân, doanh nghiệp đạt") for p in paras)
    assert "2 | Đất đai | 40 | 26 | 14 | 0 | 40 | 38 | 0 | 2 | 0 | 0 | 0" in paras  # after C, before H
    assert "Hồ sơ công dân rút | 1 | 1" in paras
    assert "Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn) | 300 | 300" in paras
    doc = Document(io.BytesIO(PR.render_bytes("docx", r)))
    normal = doc.styles["Normal"].font
    assert (normal.name, normal.size.pt) == ("Times New Roman", 13)
    sec = doc.sections[0]
    assert [round(x.mm) for x in (sec.page_width, sec.page_height, sec.top_margin,
                                  sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        210, 297, 20, 20, 30, 15]
    text = _pdf_text(PR.render_bytes("pdf", r))
    for piece in ("BÁO CÁO", "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026",
                  "III. ĐÁNH GIÁ CHUNG", "Ưu điểm do cán bộ viết lại.",
                  "Nguyên nhân: 6 hồ sơ đất đai trễ.", "Số: 45/BC-UBND", "Nơi nhận:",
                  "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH", "Nguyễn Văn An", "294/302",
                  "Số liệu tạm tính: thiếu dữ liệu từ 01/01/2026 đến 01/02/2026."):
        assert piece in text, piece


# ------------------------------------------------------------------------------- the command

def test_report_command_writes_both_kinds_and_refuses_bad_arguments(filled, db_url, tmp_path,
                                                                    monkeypatch, capsys):
    from kpi.__main__ import main

    monkeypatch.setenv("CCHC_TODAY", TODAY.isoformat())
    report_store.save(filled, UNIT, "2026-Q1", {"proposals": "Kiến nghị từ trang."}, "Lan")
    out = tmp_path / "bc.docx"
    assert main(["report", "--db", db_url, "--unit", UNIT, "--period", "2026-Q1",
                 "--format", "docx", "--out", str(out)]) == 0
    assert "Kiến nghị từ trang." in _docx_text(out.read_bytes())
    pdf = tmp_path / "bc.pdf"
    assert main(["report", "--db", db_url, "--unit", UNIT, "--period", "2026-Q1@15",
                 "--format", "pdf", "--out", str(pdf)]) == 0
    assert "(từ ngày 15/12/2025 đến ngày 14/03/2026 (kỳ báo cáo theo Nghị định 09/2019/NĐ-CP))" \
        in _pdf_text(pdf.read_bytes())
    xlsx = tmp_path / "b06.xlsx"
    assert main(["report", "--db", db_url, "--unit", UNIT, "--period", "2026-03", "--kind",
                 "bieu06", "--format", "xlsx", "--out", str(xlsx)]) == 0
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[16]][2:] == EXPECTED_TOTAL
    assert main(["report", "--db", db_url, "--unit", UNIT, "--period", "2026-Q7",
                 "--format", "docx", "--out", str(out)]) == 1
    assert main(["report", "--db", db_url, "--unit", "Xã Không Có", "--period", "2026-Q1",
                 "--format", "docx", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Lỗi: Quý không hợp lệ: 7." in err and "Không tìm thấy đơn vị “Xã Không Có”" in err
    for month in ("2026-03", "2026-03@15", "2026-01-01..2026-03-31"):  # not a report period
        assert main(["report", "--db", db_url, "--unit", UNIT, "--period", month,
                     "--format", "docx", "--out", str(tmp_path / "m.docx")]) == 1
    assert not (tmp_path / "m.docx").exists()
    assert ("Lỗi: Báo cáo định kỳ CCHC là của một quý, 6 tháng hoặc một năm (2026-Q3, 2026-H1, "
            "2026, hoặc kỳ báo cáo theo NĐ 09/2019: 2026-Q1@15, 2026@15), không phải kỳ "
            "“Tháng 3/2026”.") in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["report", "--db", db_url, "--period", "2026-Q1", "--kind", "bieu06",
              "--format", "docx", "--out", str(out)])
    assert exc.value.code == 2


def test_a_year_without_plan_is_never_judged(filled):
    r = PR.periodic_report(filled, UNIT, "2025-12", today=TODAY)
    assert r.summary == ("Chưa có chỉ tiêu cho năm 2025: số liệu để tham khảo, không đánh giá "
                         "Đạt / Chưa đạt.")
    assert r.plan_note == "Chưa có kế hoạch CCHC năm 2025 (thiếu tệp 2025.csv)."
    assert r.coverage_note == ("Chưa có dữ liệu cho kỳ này (thiếu dữ liệu từ 01/12/2025 đến "
                               "31/12/2025; dữ liệu đã tải mới đến ngày 01/04/2026).")
    assert r.missed == [] and "Đạt 0/" not in _docx_text(PR.render_bytes("docx", r))
