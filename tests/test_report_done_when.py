"""Issue 14, "Done when": for Quý III/2026 of the demo, a clerk opens the report page, edits
the drafted assessment and the causes of a missed target, downloads a DOCX ready to sign and
the Biểu số 06, and the command line gives the same files.

The demo exports of 2026 up to October (and the catalogue, ratings, PAKN) are loaded through
the real loader into a DuckDB file; the page runs in AppTest; the command in-process."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from kpi import config
from kpi import db as kdb
from tests.fixtures import APP

DEMO = config.DATA_DIR / "demo"
FILES = ["danh-muc-tthc.xlsx", *[f"ho-so-2026-{m:02d}.xlsx" for m in range(1, 11)],
         "danh-gia-hai-long-2026.xlsx", "pakn-2026.xlsx"]
TODAY = "2026-12-01"
STRENGTHS = "Ưu điểm (cán bộ sửa): tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,1%, vượt chỉ tiêu."
CAUSES = ("Nguyên nhân: nhiều người dân chưa quen thanh toán trực tuyến.\n"
          "Giải pháp: hướng dẫn tại Bộ phận một cửa, phối hợp ngân hàng.")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    from ingest.__main__ import main as ingest_main

    url = f"duckdb:///{tmp_path_factory.mktemp('done') / 'demo.duckdb'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("CCHC_TODAY", TODAY)
    assert ingest_main(["--db", url, "--unit", "Xã Lộc Tân", *[str(DEMO / f) for f in FILES]]) == 0
    mp.undo()
    yield url
    kdb.get_engine.cache_clear()


def _docx(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out += [p.text for c in row.cells for p in c.paragraphs]
    return out


def _cells(data: bytes) -> list[tuple]:
    return [tuple(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_quarter_three_edited_on_the_page_and_the_command_gives_the_same_files(
        demo_url, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from kpi.__main__ import main

    monkeypatch.setenv("CCHC_DB_URL", demo_url)
    monkeypatch.setenv("CCHC_UNIT", "Xã Lộc Tân")
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["period_type"] = "quarter"
    at.session_state["period_quarter"] = "2026-Q3"
    at.run()
    at.switch_page("pages/bao-cao.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.tabs] == ["Báo cáo chỉ tiêu", "Báo cáo định kỳ"]
    areas = {a.label: a for a in at.text_area}
    strengths = areas["III.1. Ưu điểm (bản nháp)"]
    assert strengths.value.startswith(
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,1% (3.646/3.717 hồ sơ), đạt chỉ tiêu ≥ 98%.")
    causes = areas["Nguyên nhân – giải pháp: Tỷ lệ giao dịch thanh toán trực tuyến (bản nháp)"]
    assert causes.value.startswith("Nguyên nhân: trong kỳ còn 722/2.718 hồ sơ chưa đạt yêu cầu; "
                                   "cần thêm 179 hồ sơ đạt yêu cầu thì đạt chỉ tiêu ≥ 80%.")
    strengths.set_value(STRENGTHS)
    causes.set_value(CAUSES)
    at.text_input(key="periodic_who_parts").set_value("Nguyễn Thị Lan")
    at.button(key="periodic_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Đã lưu 2 phần nội dung."]
    labels = [a.label for a in at.text_area]
    assert "III.1. Ưu điểm (đã sửa)" in labels
    at.button(key="periodic_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.download_button][-3:] == [
        "⬇️ Tải Word (DOCX)", "⬇️ Tải PDF", "⬇️ Tải Biểu số 06 (XLSX)"]
    files = at.session_state["periodic_files"][1]

    page_docx = _docx(files["docx"])
    assert "Kết quả thực hiện công tác cải cách hành chính quý III năm 2026" in page_docx
    assert STRENGTHS in page_docx
    assert "Nguyên nhân: nhiều người dân chưa quen thanh toán trực tuyến." in page_docx
    assert "Giải pháp: hướng dẫn tại Bộ phận một cửa, phối hợp ngân hàng." in page_docx
    assert "TM. ỦY BAN NHÂN DÂN" in page_docx and "Nơi nhận:" in page_docx
    cells = _cells(files["xlsx"])
    assert cells[5][0] == "(Từ ngày 01/07/2026 đến ngày 30/09/2026)"
    total = next(r for r in cells if r[0] == "Tổng cộng")
    assert list(total[2:]) == [3737, 2224, 1342, 171, 3537, 759, 2716, 62, 180, 171, 9]

    docx, xlsx = tmp_path / "bc.docx", tmp_path / "b06.xlsx"
    assert main(["report", "--db", demo_url, "--period", "2026-Q3", "--format", "docx",
                 "--out", str(docx)]) == 0
    assert main(["report", "--db", demo_url, "--period", "2026-Q3", "--kind", "bieu06",
                 "--format", "xlsx", "--out", str(xlsx)]) == 0
    assert _docx(docx.read_bytes()) == page_docx
    assert _cells(xlsx.read_bytes()) == cells
