"""Vietnamese formats and the prepared report view shared by the PDF, DOCX and XLSX writers."""

import datetime as dt
import unicodedata

import pytest

from kpi.report import FORMATS, MEDIA_TYPES, build, file_name, render, render_bytes, sample
from kpi.report.common import (
    DEFAULT_LABELS,
    DEFAULT_SECTIONS,
    HEADLINE_KEYS,
    fmt_date,
    fmt_int,
    fmt_pct,
    fmt_pp,
    fmt_ratio,
    fmt_target,
    fmt_value,
    official_date,
    period_label,
    place_name,
    unit_in_sentence,
)

KEYS = [
    "on_time_rate", "satisfaction_rate", "digitization_rate", "online_submission_rate",
    "online_payment_rate", "e_result_rate", "data_reuse_rate", "online_payment_procedure_rate",
    "full_online_procedure_rate", "boundary_free_procedure_rate", "feedback_on_time_rate",
]


def test_defaults_cover_every_kpi_of_the_spec():
    assert list(DEFAULT_LABELS) == KEYS
    assert list(DEFAULT_SECTIONS) == KEYS
    assert HEADLINE_KEYS == tuple(KEYS[:5])
    assert DEFAULT_LABELS["on_time_rate"] == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert DEFAULT_SECTIONS["online_submission_rate"] == "II.3.5"
    for text in DEFAULT_LABELS.values():
        assert unicodedata.is_normalized("NFC", text)


def test_percentages_round_half_up_with_a_decimal_comma():
    assert fmt_pct(0.9876847) == "98,8%"
    assert fmt_pct(0.985) == "98,5%"
    assert fmt_pct(0.98449) == "98,4%"
    assert fmt_pct(0.9995) == "100,0%"
    assert fmt_pct(1.0) == "100,0%"
    assert fmt_pct(0.0) == "0,0%"
    assert fmt_pct(None) == "—"
    assert fmt_pct(float("nan")) == "—"
    assert fmt_pct(0.99512, 2) == "99,51%"


def test_integers_use_dots_for_thousands():
    assert fmt_int(0) == "0"
    assert fmt_int(999) == "999"
    assert fmt_int(1234) == "1.234"
    assert fmt_int(261896) == "261.896"
    assert fmt_int(1234567) == "1.234.567"
    assert fmt_int(None) == "—"
    assert fmt_ratio(1203, 1218) == "1.203/1.218"
    assert fmt_ratio(0, 0) == "0/0"


def test_a_value_never_looks_met_when_it_is_not():
    # 97,996% rounds to 98,0% but misses ≥ 98%: show 97,99% so number and verdict agree.
    assert fmt_value(0.97996, 0.98) == "97,99%"
    assert fmt_value(0.97949, 0.98) == "97,9%"
    assert fmt_value(0.98, 0.98) == "98,0%"
    assert fmt_value(0.9996, 1.0) == "99,96%"
    assert fmt_value(0.9996, None) == "100,0%"
    assert fmt_value(None, 0.98) == "—"


def test_targets_and_changes():
    assert fmt_target(0.98) == "≥ 98%"
    assert fmt_target(0.6) == "≥ 60%"
    assert fmt_target(0.985) == "≥ 98,5%"
    assert fmt_target(1.0) == "100%"
    assert fmt_target(None) == "—"
    assert fmt_pp(0.012) == "+1,2 điểm %"
    assert fmt_pp(-0.005) == "−0,5 điểm %"
    assert fmt_pp(0.0) == "±0,0 điểm %"
    assert fmt_pp(-0.0004) == "±0,0 điểm %"
    assert fmt_pp(None) == "—"


def test_dates_and_periods():
    assert fmt_date("2026-03-01") == "01/03/2026"
    assert fmt_date(dt.date(2026, 12, 31)) == "31/12/2026"
    # as_of is converted to Vietnam time before its date is taken.
    assert fmt_date("2026-04-01T20:00:00+00:00") == "02/04/2026"
    assert fmt_date("2026-04-02T08:15:00+07:00") == "02/04/2026"
    assert fmt_date(None) == "—"
    assert period_label(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == "Tháng 3/2026"
    assert period_label(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == "Tháng 2/2026"
    assert period_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "Quý I/2026"
    assert period_label(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == "Quý IV/2026"
    assert period_label(dt.date(2026, 1, 1), dt.date(2026, 6, 30)) == "6 tháng đầu năm 2026"
    assert period_label(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == "Năm 2026"
    assert period_label(dt.date(2026, 2, 1), dt.date(2026, 4, 30)) == "Từ 01/02/2026 đến 30/04/2026"
    assert period_label(dt.date(2026, 1, 5), dt.date(2026, 1, 31)) == "Từ 05/01/2026 đến 31/01/2026"


def test_official_date_line_follows_the_decree():
    assert official_date("Lộc Tân", dt.date(2026, 4, 3)) == "Lộc Tân, ngày 03 tháng 4 năm 2026"
    assert official_date("Lộc Tân", dt.date(2026, 2, 15)) == "Lộc Tân, ngày 15 tháng 02 năm 2026"
    assert official_date("Lộc Tân", dt.date(2026, 11, 9)) == "Lộc Tân, ngày 09 tháng 11 năm 2026"
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
    assert r.as_of_text == "02/04/2026"
    assert r.report_date == dt.date(2026, 4, 5)
    assert r.unit_header == ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"]
    assert r.place == "Lộc Tân"
    assert r.summary == "Đạt 6/11 chỉ tiêu; chưa đạt 4; chưa có dữ liệu hoặc chưa có chỉ tiêu 1."
    assert r.notes == [
        "Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn: chưa có dữ liệu trong kỳ (mẫu số bằng "
        "0), không đánh giá.",
        "2 hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không xác định được đúng hạn hay "
        "quá hạn, không tính vào tỷ lệ giải quyết đúng hạn.",
    ]
    assert r.definition_lines[0].startswith("Tỷ lệ giải quyết đúng hạn tính theo Chỉ số 766")
    assert r.rows[0].formula.startswith("Theo Chỉ số 766")


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
    assert row.formula.startswith("Theo hồ sơ đã giải quyết")
    assert r.rows[1].formula.startswith("Theo phiếu đánh giá")
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
