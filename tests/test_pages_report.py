"""Báo cáo through AppTest on the fixture database of tests/fixtures.py: the A4 layout
carries the snapshot's numbers, the print style, and the three downloads."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.fixtures import app, texts

REPORT = "pages/bao-cao.py"


def test_paper_layout_holds_every_target(fixture_url):
    at = app(REPORT)
    assert at.title[0].value == "Báo cáo"
    md = texts(at.markdown)
    assert "**ỦY BAN NHÂN DÂN**  \n**XÃ LỘC TÂN**" in md
    assert ("### BÁO CÁO\n**Kết quả thực hiện chỉ tiêu cải cách hành chính tháng 3/2026**"
            in md)
    assert ("Đơn vị: **Xã Lộc Tân** · Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026 · "
            "Dữ liệu đến ngày **01/04/2026**") in md
    assert texts(at.caption)[1].startswith("Tỷ lệ hồ sơ giải quyết đúng hạn tính theo Bộ chỉ số "
                                           "766: (trước hạn + đúng hạn")
    assert "**Đạt 4/11 chỉ tiêu; chưa đạt 3; chưa có dữ liệu hoặc chưa có chỉ tiêu 4.**" in md
    table = at.table[0].value
    assert list(table.columns) == ["TT", "Chỉ tiêu", "Mục KH", "Chỉ tiêu KH", "Kết quả",
                                   "Tử số/Mẫu số", "Đánh giá", "So với Tháng 2/2026"]
    assert len(table) == 11
    assert table.iloc[0].tolist() == ["1", "Tỷ lệ hồ sơ giải quyết đúng hạn", "II.3.1", "≥ 98%",
                                      "98,5%", "197/200", "✓ Đạt", "+2,5 điểm %"]
    assert table.iloc[4].tolist() == ["5", "Tỷ lệ giao dịch thanh toán trực tuyến", "II.3.4",
                                      "≥ 80%", "75,0%", "30/40", "✗ Chưa đạt", "—"]
    assert table.iloc[10, 4:7].tolist() == ["—", "0/0", "○ Chưa có dữ liệu"]
    counts = at.table[1].value
    assert counts.values.tolist() == [
        ["Hồ sơ tiếp nhận (kể cả hồ sơ rút)", "200"],
        ["Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn)", "200"],
        ["Hồ sơ đang giải quyết", "0"], ["Trong đó: đang giải quyết quá hạn", "0"],
        ["Hồ sơ công dân rút", "0"], ["Hồ sơ không xác định được hạn (không tính)", "1"]]
    assert "#### III. Xu hướng 12 tháng của 5 chỉ tiêu chính" in md
    notes = md[md.index("#### VI. Ghi chú về dữ liệu còn thiếu") + 1].split("\n")
    assert notes == [
        "- TTHC có nghĩa vụ tài chính được triển khai thanh toán trực tuyến: chưa có dữ liệu "
        "trong kỳ (mẫu số bằng 0), không đánh giá.",
        "- DVC trực tuyến toàn trình / TTHC đủ điều kiện: chưa có dữ liệu trong kỳ (mẫu số bằng "
        "0), không đánh giá.",
        "- TTHC thực hiện không phụ thuộc địa giới hành chính: chưa có dữ liệu trong kỳ (mẫu số "
        "bằng 0), không đánh giá.",
        "- Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn: chưa có dữ liệu trong kỳ (mẫu số "
        "bằng 0), không đánh giá.",
        "- 1 hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không xác định được đúng hạn "
        "hay quá hạn, không tính vào tỷ lệ hồ sơ giải quyết đúng hạn và mức độ hài lòng của "
        "người dân, doanh nghiệp.",
        "- Kỳ này chưa có dữ liệu đánh giá mức độ hài lòng: mức độ hài lòng của người dân, doanh "
        "nghiệp (theo Bộ chỉ số 766) chỉ tính từ hồ sơ và phản ánh, kiến nghị.",
        "- Chưa có danh mục thủ tục hành chính: chưa tính được 3 chỉ tiêu (TTHC thanh toán trực "
        "tuyến, DVC toàn trình, không phụ thuộc địa giới).",
        "- Kỳ này không có phản ánh, kiến nghị (PAKN) nào phải xử lý, hoặc chưa tải dữ liệu "
        "PAKN: chưa tính được chỉ tiêu PAKN đúng hạn.",
    ]


def test_print_style_is_static_and_a4(fixture_url):
    at = app(REPORT)
    css = at.markdown[0].value
    assert css.startswith("<style>") and css.rstrip().endswith("</style>")
    for rule in ("@media print", "size: A4 portrait", "break-inside: avoid",
                 '[data-testid="stSidebar"]', "print-color-adjust: exact", ".st-key-report_tools"):
        assert rule in css, rule


def test_downloads_after_building_with_progress(fixture_url):
    at = app(REPORT)
    assert not at.download_button
    at.button(key="report_build").click().run()
    assert not at.exception
    [progress] = at.get("progress")
    assert (progress.proto.value, progress.proto.text) == (100, "Đã tạo xong 3 tệp.")
    labels = [b.label for b in at.download_button]
    assert labels == ["⬇️ Tải PDF", "⬇️ Tải Word (DOCX)", "⬇️ Tải Excel (XLSX)"]
    _, files = at.session_state["report_files"]
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "98,5%" in pdf and "197/200" in pdf and "Xã Lộc Tân" in pdf
    doc = Document(io.BytesIO(files["docx"]))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "98,5%" in cells and "197/200" in cells
    wb = load_workbook(io.BytesIO(files["xlsx"]))
    values = [v for ws in wb.worksheets for row in ws.values for v in row]
    assert 0.985 in values and 197 in values
    # Another period: the files built for March are not offered for February.
    at.selectbox(key="period_month").set_value("2026-02").run()
    assert not at.download_button


def test_periodic_tab_remembers_the_signer_and_offers_decree_windows(fixture_url):
    """The sidebar offers the Nghị định 09/2019 windows; the periodic tab shows the window and
    remembers the signer per unit for every later period."""
    from kpi import db as kdb
    from kpi.report import periodic as PR

    at = app(REPORT, period_type="window", period_window="2026-Q1@15")
    assert "Kỳ báo cáo (NĐ 09/2019)" in at.sidebar.selectbox[1].options
    assert ("#### BÁO CÁO: Kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
            in texts(at.markdown))
    assert any(c.startswith("Xã Lộc Tân · Quý I/2026 (15/12/2025 – 14/03/2026) · từ ngày "
                            "15/12/2025 đến ngày 14/03/2026") for c in texts(at.caption))
    name = next(t for t in at.text_input if t.label == "Họ tên người ký")
    name.set_value("Nguyễn Văn An")
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Thẩm quyền ký")).set_value(
        "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    at.button(key="periodic_save_settings").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == ["Vui lòng nhập tên người cập nhật."]
    at.text_input(key="periodic_who").set_value("Nguyễn Thị Lan")
    at.button(key="periodic_save_settings").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Đã lưu số văn bản, người ký và nơi nhận."]
    later = PR.periodic_report(kdb.get_engine(fixture_url), "Xã Lộc Tân", "2026-Q2")
    assert (later.signer_title, later.signer_name) == ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
                                                       "Nguyễn Văn An")


def test_a_partly_covered_period_reads_tam_tinh_on_the_paper(fixture_url):
    """Q1 2026 (no export covers 01/01–01/02): the summary line and every verdict of the
    paper say "tạm tính", as the files do."""
    at = app(REPORT, period_type="quarter", period_quarter="2026-Q1")
    md = texts(at.markdown)
    assert ("**Đạt 4/11 chỉ tiêu (tạm tính); chưa đạt 3; chưa có dữ liệu hoặc chưa có chỉ tiêu "
            "4.**") in md
    assert at.table[0].value.iloc[:3, 6].tolist() == [
        "✗ Chưa đạt (tạm tính)", "✓ Đạt (tạm tính)", "✓ Đạt (tạm tính)"]
    # the missing days stand above the paper (the frame's period warning), as in the files
    assert [w.value for w in at.warning] == [
        "Số liệu tạm tính: thiếu dữ liệu từ 01/01/2026 đến 01/02/2026."]
