"""The PDF snapshot: open what was written and read its text back with pypdf."""

import re
import unicodedata

import pypdf
import pytest

from kpi import format as fmt
from kpi.report import render, sample

A4_POINTS = (595.28, 841.89)


def _text(path) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, text


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def full_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "bao-cao.pdf"
    render("pdf", sample.snapshot(), path, sample.extras())
    return path


def test_a4_portrait_with_embedded_fonts(full_pdf):
    reader, _ = _text(full_pdf)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_POINTS
    embedded = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # the TrueType program is in the file
            embedded.add(str(font["/BaseFont"]).split("+")[-1])
    # Liberation Serif for the text, DejaVu Sans only for the symbols ✓ ✗
    assert embedded == {"LiberationSerif", "LiberationSerifBold", "LiberationSerifItalic",
                        "DejaVuSansBook"}


def test_header_carries_unit_period_as_of_and_definitions(full_pdf):
    _, text = _text(full_pdf)
    assert unicodedata.is_normalized("NFC", text)
    lines = text.splitlines()
    assert lines[:9] == [
        "UBND XÃ LỘC TÂN",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Số:        /BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lộc Tân, ngày 03 tháng 4 năm 2026",
        "BÁO CÁO",
        "KẾT QUẢ THỰC HIỆN CHỈ TIÊU CẢI CÁCH HÀNH CHÍNH",
        "Tháng 3/2026",
    ]
    assert "Đơn vị: Xã Lộc Tân" in lines
    assert "Kỳ báo cáo: Tháng 3/2026, từ ngày 01/03/2026 đến ngày 31/03/2026" in lines
    assert "Dữ liệu đến ngày 31/03/2026" in lines
    flat = _flat(text)
    assert ("Tỷ lệ hồ sơ giải quyết đúng hạn tính theo Bộ chỉ số 766: (trước hạn + đúng hạn + "
            "đang giải quyết trong hạn) / tổng số hồ sơ đã và đang giải quyết — cách tỉnh chấm "
            "điểm theo Quyết định 766/QĐ-TTg.") in flat
    assert "Mức độ hài lòng của người dân, doanh nghiệp tính theo Bộ chỉ số 766:" in flat


def test_table_rows_hold_the_snapshot_values(full_pdf):
    _, text = _text(full_pdf)
    flat = _flat(text)
    # Exact rows, written out by hand from the sample snapshot.
    for row in (
        "1 Tỷ lệ hồ sơ giải quyết đúng hạn II.3.1 ≥ 98% 98,8% 1.203/1.218 ✓ Đạt +0,4 điểm %",
        "2 Mức độ hài lòng của người dân, doanh nghiệp II.3.2 ≥ 95% 97,7% 1.190/1.218 ✓ Đạt "
        "+0,8 điểm %",
        "3 Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC II.3.3 ≥ 80% 72,8% 802/1.102 ✗ Chưa đạt "
        "+0,8 điểm %",
        "5 Tỷ lệ giao dịch thanh toán trực tuyến II.3.4 ≥ 80% 77,9% 289/371 ✗ Chưa đạt +1,9 điểm %",
        "6 Tỷ lệ cấp kết quả giải quyết TTHC điện tử II.3.3 100% 99,1% 1.011/1.020 ✗ Chưa đạt "
        "+0,1 điểm %",
        "7 Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa II.3.3 ≥ 80% 81,0% 931/1.150 "
        "✓ Đạt ±0,0 điểm %",
        "11 Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn II.3.2 100% — 0/0 ○ Chưa có dữ liệu —",
    ):
        assert row in flat, row
    # And every KPI of the snapshot, through the shared formatters.
    for kpi in sample.snapshot()["kpis"]:
        cells = (fmt.target(kpi["target"]), fmt.kpi_value(kpi["value"], kpi["target"]),
                 fmt.ratio(kpi["numerator"], kpi["denominator"]))
        assert " ".join(cells) in flat, kpi["key"]
    assert "Tổng hợp: Đạt 6/11 chỉ tiêu; chưa đạt 4; chưa có dữ liệu hoặc chưa có chỉ tiêu 1." in flat


def test_accented_words_survive_exactly(full_pdf):
    _, text = _text(full_pdf)
    flat = _flat(text)
    for word in ("Tỷ lệ hồ sơ giải quyết đúng hạn", "Mức độ hài lòng của người dân, doanh nghiệp",
                 "Độc lập - Tự do - Hạnh phúc", "dữ liệu số hóa", "địa giới hành chính",
                 "Phản ánh, kiến nghị", "trực tuyến", "Chưa đạt", "Chưa có dữ liệu",
                 "Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn)", "Dữ liệu đến ngày"):
        assert word in flat, word
    for letter in "ư ơ đ Đ ộ ự ể ỷ ữ ấ ầ ọ ẫ".split():
        assert letter in flat, letter


def test_charts_notes_counts_formulas_and_page_numbers(full_pdf):
    reader, text = _text(full_pdf)
    flat = _flat(text)
    for heading in ("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", "II. SO SÁNH VỚI CHỈ TIÊU",
                    "III. XU HƯỚNG 12 THÁNG CỦA 5 CHỈ TIÊU CHÍNH", "IV. SỐ LIỆU HỒ SƠ TRONG KỲ",
                    "V. CÔNG THỨC TÍNH", "VI. GHI CHÚ VỀ DỮ LIỆU CÒN THIẾU"):
        assert heading in flat, heading
    # bullet graphs: value / target beside each bar
    assert "✓ 98,8% / ≥ 98%" in flat
    assert "✗ 72,8% / ≥ 80%" in flat
    assert "không có dữ liệu — / 100%" in flat
    # trend charts of the five headline KPIs
    for title in ("Đúng hạn Chỉ tiêu ≥ 98% · tháng cuối 98,8%",
                  "Hài lòng Chỉ tiêu ≥ 95% · tháng cuối 97,7%",
                  "Số hóa Chỉ tiêu ≥ 80% · tháng cuối 72,8%",
                  "Trực tuyến Chỉ tiêu ≥ 60% · tháng cuối 62,0%",
                  "Thanh toán trực tuyến Chỉ tiêu ≥ 80% · tháng cuối 77,9%"):
        assert title in flat, title
    # counts with Vietnamese thousands
    assert "Hồ sơ tiếp nhận (kể cả hồ sơ rút) 1.150" in flat
    assert "Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn) 1.102" in flat
    # formulas with their numerator and denominator
    assert "trong kỳ = 713/1.150 = 62,0%" in flat
    # notes: automatic ones and the extras
    assert "Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn: chưa có dữ liệu trong kỳ" in flat
    assert "Tháng 12/2025 chưa có danh sách hồ sơ trực tuyến" in flat
    n = len(reader.pages)
    for i, page in enumerate(reader.pages, start=1):
        assert f"Trang {i}/{n}" in page.extract_text()


def test_a_bare_snapshot_renders_with_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-04-05")
    snap = sample.snapshot()
    snap["unit"] = unicodedata.normalize("NFD", "Phường Đông Hưng Thuận")
    path = render("pdf", snap, tmp_path / "bare.pdf")
    _, text = _text(path)
    flat = _flat(text)
    assert unicodedata.is_normalized("NFC", text)
    assert "UBND PHƯỜNG ĐÔNG HƯNG THUẬN" in flat
    assert "Đông Hưng Thuận, ngày 05 tháng 4 năm 2026" in flat
    assert "Đơn vị: Phường Đông Hưng Thuận" in flat
    assert "Tháng 3/2026" in flat
    assert "1 Tỷ lệ hồ sơ giải quyết đúng hạn II.3.1 ≥ 98% 98,8% 1.203/1.218 ✓ Đạt —" in flat
    assert "Chưa có số liệu xu hướng theo tháng." in flat


def test_an_empty_period_shows_dashes_not_zero_percent(tmp_path):
    snap = sample.snapshot()
    for kpi in snap["kpis"]:
        kpi.update(value=None, numerator=0, denominator=0, met=None)
    snap["counts"] = {k: 0 for k in snap["counts"]}
    path = render("pdf", snap, tmp_path / "empty.pdf", {"report_date": "2026-04-03"})
    _, text = _text(path)
    flat = _flat(text)
    assert "0,0%" not in flat and "100,0%" not in flat
    assert "1 Tỷ lệ hồ sơ giải quyết đúng hạn II.3.1 ≥ 98% — 0/0 ○ Chưa có dữ liệu —" in flat
    assert "Đạt 0/11 chỉ tiêu; chưa đạt 0; chưa có dữ liệu hoặc chưa có chỉ tiêu 11." in flat


def test_signature_block_and_recipients_close_the_report(full_pdf):
    reader, _ = _text(full_pdf)
    last = reader.pages[-1].extract_text().splitlines()
    i = last.index("Nơi nhận:")
    assert last[i:i + 5] == ["Nơi nhận:", "- Lãnh đạo UBND xã;", "- Lưu: VT.", "GIÁM ĐỐC",
                             "Nguyễn Thị Hồng Nhung"]


def test_trend_year_labels_never_overlap():
    import datetime as dt

    from kpi.report.pdf import year_ticks

    def months(y, m, n):
        out = []
        for _ in range(n):
            out.append(dt.date(y, m, 1))
            y, m = (y, m + 1) if m < 12 else (y + 1, 1)
        return out

    step = 3.8  # mm between two months on the snapshot's small charts
    width = lambda text: 1.2 * len(text)  # noqa: E731 - 4.8 mm per year label
    x = lambda i: 10 + i * step  # noqa: E731
    # December 2025 first, January 2026 next: only "2026" (under January), no "20252026".
    ticks = year_ticks(months(2025, 12, 12), x, width)
    assert [(i, t) for i, _, t in ticks] == [(1, "2026")]
    # April 2025 … March 2026: "2025" under April, "2026" under January, apart.
    ticks = year_ticks(months(2025, 4, 12), x, width)
    assert [(i, t) for i, _, t in ticks] == [(0, "2025"), (9, "2026")]
    lefts = [x0 for _, x0, _ in ticks]
    assert lefts[1] >= lefts[0] + width("2025") + 1.0
    # Only January … December: one label.
    assert [(i, t) for i, _, t in year_ticks(months(2026, 1, 12), x, width)] == [(0, "2026")]
