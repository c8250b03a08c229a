"""Vietnamese formats and the prepared report view shared by the PDF, DOCX and XLSX writers."""

import datetime as dt
import unicodedata

import pytest

from kpi import definitions as D
from kpi.report import FORMATS, MEDIA_TYPES, build, file_name, render, render_bytes, sample
from kpi.report.common import place_name, unit_in_sentence

KEYS = [
    "on_time_rate", "satisfaction_rate", "digitization_rate", "online_submission_rate",
    "online_payment_rate", "e_result_rate", "data_reuse_rate", "online_payment_procedure_rate",
    "full_online_procedure_rate", "boundary_free_procedure_rate", "feedback_on_time_rate",
]


def test_labels_sections_and_formulas_come_from_the_declarations():
    r = build(sample.snapshot())
    assert [row.key for row in r.rows] == KEYS
    assert [row.label for row in r.rows] == [D.KPI_BY_KEY[k].label for k in KEYS]
    assert [row.section for row in r.rows] == [D.KPI_BY_KEY[k].section for k in KEYS]
    assert [row.short_label for row in r.rows] == [D.KPI_BY_KEY[k].short_label for k in KEYS]
    assert [row.formula for row in r.rows] == [D.KPI_BY_KEY[k].variant().formula for k in KEYS]
    assert r.rows[0].label == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert r.rows[0].short_label == "Đúng hạn"
    assert r.rows[3].section == "II.3.5"
    assert D.HEADLINE_KEYS == KEYS[:5]
    for row in r.rows:
        assert unicodedata.is_normalized("NFC", row.label)


def test_report_words_for_places():
    assert place_name("Xã Lộc Tân") == "Lộc Tân"
    assert place_name("Phường Bảo Lộc") == "Bảo Lộc"
    assert unit_in_sentence("Xã Lộc Tân") == "xã Lộc Tân"


def test_a_bare_snapshot_gets_vietnamese_defaults(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-04-05")
    snap = sample.snapshot()
    r = build(snap)
    assert [row.key for row in r.rows] == KEYS
    assert r.rows[0].label == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert r.rows[0].section == "II.3.1"
    assert r.rows[0].value_text == "98,8%"
    assert r.rows[0].ratio_text == "1.203/1.218"
    assert r.rows[0].status_text == "Đạt"
    assert r.rows[2].status_text == "Chưa đạt"
    assert r.rows[10].status_text == "Chưa có dữ liệu"
    assert r.rows[10].value_text == "—"
    assert r.rows[0].change_text == "—"  # no previous period given
    assert r.period_label == "Tháng 3/2026"
    assert r.as_of_text == "31/03/2026"  # data_through, not the upload's day (02/04)
    assert r.report_date == dt.date(2026, 4, 5)
    assert r.unit_header == ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"]
    assert r.place == "Lộc Tân"
    assert r.summary == "Đạt 6/11 chỉ tiêu; chưa đạt 4; chưa có dữ liệu hoặc chưa có chỉ tiêu 1."
    assert r.notes == [
        "Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn: chưa có dữ liệu trong kỳ (mẫu số bằng "
        "0), không đánh giá.",
        "2 hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không xác định được đúng hạn hay "
        "quá hạn, không tính vào tỷ lệ hồ sơ giải quyết đúng hạn và mức độ hài lòng của người "
        "dân, doanh nghiệp.",
    ]
    assert r.definition_lines == [
        "Tỷ lệ hồ sơ giải quyết đúng hạn tính theo Bộ chỉ số 766: (trước hạn + đúng hạn + đang "
        "giải quyết trong hạn) / tổng số hồ sơ đã và đang giải quyết — cách tỉnh chấm điểm theo "
        "Quyết định 766/QĐ-TTg.",
        "Mức độ hài lòng của người dân, doanh nghiệp tính theo Bộ chỉ số 766: hồ sơ không quá "
        "hạn, không bị đánh giá không hài lòng, không bị phản ánh, kiến nghị / tổng số hồ sơ đã "
        "và đang giải quyết. Chỉ cần dữ liệu hồ sơ.",
    ]
    assert r.rows[0].formula == (
        "(Trước hạn + Đúng hạn + Đang giải quyết trong hạn) / (Trước hạn + Đúng hạn + Quá hạn "
        "+ Đang giải quyết trong hạn + Đang giải quyết quá hạn)")


def test_extras_override_and_text_is_nfc():
    snap = sample.snapshot()
    snap["unit"] = unicodedata.normalize("NFD", "Xã Lộc Tân")
    snap["definitions"] = {"on_time": "resolved", "satisfaction": "ratings"}
    snap["kpis"][0]["target"] = None
    snap["kpis"][0]["met"] = None
    extras = {
        "labels": {"on_time_rate": unicodedata.normalize("NFD", "Đúng hạn (nhãn riêng)")},
        "sections": {"on_time_rate": "II.3.1.a"},
        "previous": {"on_time_rate": 0.975},
        "notes": ["Thiếu tệp tháng 2.", "Thiếu tệp tháng 2."],
        "signer": {"title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "name": "Trần Văn Ất"},
        "report_date": "2026-04-10",
        "unit_header": ["ỦY BAN NHÂN DÂN", "XÃ LỘC TÂN"],
    }
    r = build(snap, extras)
    assert r.unit == "Xã Lộc Tân" and unicodedata.is_normalized("NFC", r.unit)
    row = r.rows[0]
    assert row.label == "Đúng hạn (nhãn riêng)"
    assert unicodedata.is_normalized("NFC", row.label)
    assert row.section == "II.3.1.a"
    assert row.status_text == "Chưa có chỉ tiêu"  # a value but no target: not judged
    assert row.status_symbol == "○"
    assert row.target_text == "—"
    assert row.change_text == "+1,3 điểm %"  # 98,77% − 97,5%
    assert row.formula == "(Trước hạn + Đúng hạn) / (Trước hạn + Đúng hạn + Quá hạn)"
    assert r.rows[1].formula.startswith("Số đánh giá hài lòng (Rất hài lòng, Hài lòng)")
    assert r.definition_lines[0].startswith("Tỷ lệ hồ sơ giải quyết đúng hạn tính trên số hồ sơ "
                                            "đã giải quyết: (trước hạn + đúng hạn) / số hồ sơ")
    assert r.definition_lines[1].startswith("Mức độ hài lòng của người dân, doanh nghiệp tính "
                                            "theo phiếu đánh giá: số đánh giá hài lòng")
    # Satisfaction by ratings keeps the unverifiable dossiers out of nothing: the note names
    # the on-time rate only.
    assert ("2 hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không xác định được đúng hạn "
            "hay quá hạn, không tính vào tỷ lệ hồ sơ giải quyết đúng hạn.") in r.notes
    assert r.notes.count("Thiếu tệp tháng 2.") == 1
    assert "Đúng hạn (nhãn riêng): kế hoạch của năm chưa đặt chỉ tiêu, không đánh giá." in r.notes
    assert r.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and r.signer_name == "Trần Văn Ất"
    assert r.report_date == dt.date(2026, 4, 10)
    assert r.unit_header == ["ỦY BAN NHÂN DÂN", "XÃ LỘC TÂN"]


def test_trend_points_become_month_dates_with_gaps_kept():
    r = build(sample.snapshot(), sample.extras())
    series = r.trend["online_submission_rate"]
    assert len(series) == 12
    assert series[0] == (dt.date(2025, 4, 1), 0.41)
    assert series[8] == (dt.date(2025, 12, 1), None)
    assert series[-1][0] == dt.date(2026, 3, 1)


def test_unknown_format_is_refused_in_vietnamese(tmp_path):
    with pytest.raises(ValueError, match="Định dạng báo cáo không hỗ trợ: 'html'"):
        render("html", sample.snapshot(), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()
    assert FORMATS == ("pdf", "docx", "xlsx")
    assert set(MEDIA_TYPES) == set(FORMATS)
    assert file_name("pdf", sample.snapshot()) == "bao-cao-chi-tieu_2026-03-01_2026-03-31.pdf"


@pytest.mark.parametrize("fmt, magic", [("pdf", b"%PDF-"), ("docx", b"PK"), ("xlsx", b"PK")])
def test_render_bytes_equals_a_file(fmt, magic, tmp_path):
    data = render_bytes(fmt, sample.snapshot(), sample.extras())
    path = render(fmt.upper(), sample.snapshot(), tmp_path / f"r.{fmt}", sample.extras())
    assert path == tmp_path / f"r.{fmt}"
    assert data.startswith(magic)
    assert path.read_bytes().startswith(magic)
