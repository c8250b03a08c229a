"""The Word snapshot: open it with python-docx and check the official layout and the table."""

import unicodedata

import docx
import pytest
from docx.shared import Pt

from kpi import format as fmt
from kpi.report import render, sample


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "bao-cao.docx"
    render("docx", sample.snapshot(), path, sample.extras())
    return docx.Document(str(path))


def _texts(container) -> list[str]:
    return [p.text for p in container.paragraphs]


def test_a4_with_the_decree_margins_and_times_new_roman(document):
    section = document.sections[0]
    def mm(length):  # Word stores twips: compare to 0.1 mm
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20.0, 20.0)
    assert (mm(section.left_margin), mm(section.right_margin)) == (30.0, 15.0)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)
    fonts = normal.element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}hAnsi") == \
        "Times New Roman"
    assert document.core_properties.language == "vi-VN"
    # page numbers at the top centre, not on the first page
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml


def test_letterhead_motto_number_place_and_date(document):
    head = document.tables[0]
    assert len(head.columns) == 2
    left, right = head.rows[0].cells
    assert _texts(left) == ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ\nHÀNH CHÍNH CÔNG", "",
                            "Số:        /BC-UBND"]
    assert _texts(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                             "", "Lộc Tân, ngày 03 tháng 4 năm 2026"]
    assert all(r.bold for r in right.paragraphs[0].runs + right.paragraphs[1].runs)
    assert all(r.italic for r in right.paragraphs[3].runs)
    assert all(r.bold for r in left.paragraphs[1].runs if r.text)
    # borderless
    borders = head._tbl.tblPr.xml
    assert 'w:val="nil"' in borders


def test_title_sections_and_closing(document):
    texts = _texts(document)
    assert texts[0:2] == ["BÁO CÁO", "Kết quả thực hiện chỉ tiêu cải cách hành chính tháng 3/2026"]
    assert document.paragraphs[0].runs[0].font.size == Pt(14)
    for heading in ("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", "1. Thông tin chung",
                    "2. Kết quả thực hiện các chỉ tiêu của kế hoạch", "3. Số liệu hồ sơ trong kỳ",
                    "II. GHI CHÚ VỀ SỐ LIỆU", "1. Công thức tính", "2. Dữ liệu còn thiếu"):
        assert heading in texts, heading
    assert "Đơn vị: Xã Lộc Tân" in texts
    assert "Kỳ báo cáo: Tháng 3/2026, từ ngày 01/03/2026 đến ngày 31/03/2026." in texts
    assert "Dữ liệu đến ngày 31/03/2026." in texts
    assert "Đạt 6/11 chỉ tiêu; chưa đạt 4; chưa có dữ liệu hoặc chưa có chỉ tiêu 1." in texts
    assert ("- Tháng 12/2025 chưa có danh sách hồ sơ trực tuyến: tỷ lệ hồ sơ trực tuyến tháng đó "
            "để trống.") in texts
    assert ("Trên đây là báo cáo kết quả thực hiện chỉ tiêu cải cách hành chính tháng 3/2026 của "
            "xã Lộc Tân./.") in texts
    assert any(t.startswith("- Tỷ lệ hồ sơ trực tuyến / tổng hồ sơ tiếp nhận: Hồ sơ tiếp nhận "
                            "trực tuyến") and t.endswith("= 713/1.150 = 62,0%.") for t in texts)
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_kpi_table_rows(document):
    table = document.tables[1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["TT", "Chỉ số", "Mục KH", "Chỉ tiêu", "Kết quả", "Tử số/ Mẫu số",
                       "Đánh giá", "So với kỳ trước"]
    assert rows[1] == ["1", "Tỷ lệ hồ sơ giải quyết đúng hạn", "II.3.1", "≥ 98%", "98,8%",
                       "1.203/1.218", "✓ Đạt", "+0,4 điểm %"]
    assert rows[3] == ["3", "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC", "II.3.3", "≥ 80%",
                       "72,8%", "802/1.102", "✗ Chưa đạt", "+0,8 điểm %"]
    assert rows[11] == ["11", "Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn", "II.3.2", "100%",
                        "—", "0/0", "○ Chưa có dữ liệu", "—"]
    assert len(rows) == 12
    for kpi, row in zip(sample.snapshot()["kpis"], rows[1:]):
        assert row[4] == fmt.kpi_value(kpi["value"], kpi["target"])
        assert row[5] == fmt.ratio(kpi["numerator"], kpi["denominator"])
    # header row repeats on every page
    assert "w:tblHeader" in table.rows[0]._tr.xml


def test_counts_table_and_signature_block(document):
    counts = [[c.text for c in row.cells] for row in document.tables[2].rows]
    assert counts[0] == ["Số liệu", "Số hồ sơ"]
    assert ["Hồ sơ tiếp nhận (kể cả hồ sơ rút)", "1.150"] in counts
    assert ["Trong đó: đang giải quyết quá hạn", "3"] in counts
    sign = document.tables[3]
    left, right = sign.rows[0].cells
    assert _texts(left) == ["Nơi nhận:", "- Lãnh đạo UBND xã;", "- Lưu: VT."]
    assert left.paragraphs[0].runs[0].bold and left.paragraphs[0].runs[0].italic
    body = [t for t in _texts(right) if t]
    assert body == ["GIÁM ĐỐC", "Nguyễn Thị Hồng Nhung"]


def test_it_stays_editable_text_not_images(document):
    assert not document.inline_shapes
    assert len(document.tables) == 4
