"""Apology letters (kpi.apology) on the fixture of tests/worklist_fixture.py, DuckDB and
PostgreSQL: the default new return date, the letter's content and presentation, one page per
dossier, the record and its audit row, the detail page's column, bad input records nothing."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pandas as pd
import pytest
from docx.shared import Pt

from kpi import apology as AP
from kpi import audit
from kpi import worklist as W
from tests import worklist_fixture as F
from tests.worklist_fixture import filled as shared  # noqa: F401 (a fixture)

D_ = dt.date


def test_default_new_due_counts_working_days():
    # A1: received Fri 10/04, due Fri 24/04: 10 working days; from Wed 29/04 (30/4, 1/5 off,
    # weekends) the 10th working day is Fri 15/05.
    assert AP.default_new_due(D_(2026, 4, 10), D_(2026, 4, 24), D_(2026, 4, 29)) == D_(2026, 5, 15)
    # received and due the same day: at least 1 working day
    assert AP.default_new_due(D_(2026, 4, 28), D_(2026, 4, 28), D_(2026, 4, 29)) == D_(2026, 5, 4)
    assert AP.default_new_due(None, D_(2026, 4, 28), D_(2026, 4, 24)) == D_(2026, 4, 28)


@pytest.fixture
def filled(shared):
    yield shared
    F.clean_letters(shared)


def _texts(document) -> list[str]:
    out = [p.text for p in document.paragraphs]
    for t in document.tables:
        for cell in t.rows[0].cells:
            out += [p.text for p in cell.paragraphs]
    return out


def test_letter_content_and_form(filled):
    letters = AP.prepare(filled, F.UNIT, ["A1"], today=F.TODAY)
    assert letters[0].new_due_day == D_(2026, 5, 15) and letters[0].due_day == D_(2026, 4, 24)
    doc = docx.Document(io.BytesIO(AP.to_docx(letters)))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin,
                                  sec.right_margin)] == [20, 20, 30, 15]
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "XÃ LỘC TÂN",
                                                           "Số:        /PXL"]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Lộc Tân, ngày 29 tháng 4 năm 2026"]
    body = [p.text for p in doc.paragraphs if p.text]
    assert body == [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        f"Kính gửi: {AP.BLANK}",
        "Ngày 10/04/2026, Ủy ban nhân dân xã Lộc Tân tiếp nhận giải quyết hồ sơ đề nghị giải "
        "quyết thủ tục hành chính “Đăng ký khai sinh”, mã số hồ sơ A1, của ông/bà/tổ chức "
        f"{AP.BLANK}.",
        "Ngày hẹn trả kết quả giải quyết hồ sơ: 24/04/2026.",
        "Tuy nhiên đến nay, Ủy ban nhân dân xã Lộc Tân chưa trả kết quả giải quyết hồ sơ của "
        "ông/bà/tổ chức đúng hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, lý do: "
        f"{AP.BLANK}.",
        "Ủy ban nhân dân xã Lộc Tân xin lỗi ông/bà/tổ chức vì sự bất tiện này và hẹn lại ngày "
        "trả kết quả giải quyết hồ sơ vào ngày 15/05/2026.",
        "Mong nhận được sự thông cảm của ông/bà/tổ chức. Xin trân trọng cảm ơn./.",
    ]
    title = doc.paragraphs[0].runs[0]
    assert title.bold and title.font.size == Pt(14) and title.font.name == "Times New Roman"
    for p in doc.paragraphs:
        for r in p.runs:
            assert r.font.name == "Times New Roman" and r.font.size in (Pt(13), Pt(14)), r.text
    nl, sign = doc.tables[1].rows[0].cells
    assert [p.text for p in nl.paragraphs] == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    assert [p.text for p in sign.paragraphs if p.text] == ["THỦ TRƯỞNG ĐƠN VỊ",
                                                          "(Ký, ghi rõ họ tên)"]
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_selection_makes_one_page_each_and_is_recorded(filled):
    letters, data = AP.issue(filled, F.UNIT, ["A3", "A1", "A2"], actor="canbo1",
                             today=F.TODAY, new_due={"A2": D_(2026, 5, 6)})
    assert [lt.dossier_code for lt in letters] == ["A3", "A1", "A2"]
    assert [lt.new_due_day for lt in letters] == [D_(2026, 5, 15), D_(2026, 5, 15),
                                                  D_(2026, 5, 6)]
    doc = docx.Document(io.BytesIO(data))
    xml = doc.element.body.xml
    assert xml.count('w:type="page"') == 2  # three pages
    codes = [t for t in _texts(doc) if "mã số hồ sơ" in t]
    assert [c.split("mã số hồ sơ ")[1][:2] for c in codes] == ["A3", "A1", "A2"]
    assert sum("vào ngày 06/05/2026" in t for t in _texts(doc)) == 1
    got = AP.issued(filled, F.UNIT)
    assert sorted((code, day) for (_, code), day in got.items()) == [
        ("A1", F.TODAY), ("A2", F.TODAY), ("A3", F.TODAY)]
    frame = audit.query(filled, F.UNIT)
    assert frame["action"].tolist() == ["apology"] and frame["actor"].tolist() == ["canbo1"]
    assert frame["summary"].tolist() == ["Lập thư xin lỗi cho 3 hồ sơ: A3, A1, A2"]
    assert AP.file_name(letters) == "thu-xin-loi_3-ho-so_2026-04-29.docx"
    assert AP.file_name(letters[:1]) == "thu-xin-loi_A3.docx"


def test_letter_for_a_dossier_finished_late(filled):
    (lt,) = AP.prepare(filled, F.UNIT, ["F2"], today=F.TODAY)
    assert lt.finished_day == D_(2026, 4, 14)
    text = "\n".join(_texts(docx.Document(io.BytesIO(AP.to_docx([lt])))))
    assert "Tuy nhiên, Ủy ban nhân dân xã Lộc Tân đã không trả kết quả" in text


@pytest.mark.parametrize("codes, error", [
    (["ZZ"], "Không tìm thấy hồ sơ mã “ZZ” của Xã Lộc Tân."),
    (["A1", "B4"], "Hồ sơ B4 chưa quá hạn (hẹn trả ngày 05/05/2026, hôm nay 29/04/2026): "
                   "không cần thư xin lỗi."),
    (["F3"], "Hồ sơ F3 đã giải quyết đúng hạn (kết thúc ngày 10/04/2026, hẹn trả ngày "
             "10/04/2026): không cần thư xin lỗi."),
    (["X2"], "Hồ sơ X2 chưa được tiếp nhận giải quyết: không cần thư xin lỗi."),
    ([], "Chưa chọn hồ sơ nào để lập thư xin lỗi."),
])
def test_bad_input_records_nothing(filled, codes, error):
    with pytest.raises(AP.ApologyError) as exc:
        AP.issue(filled, F.UNIT, codes, actor="canbo1", today=F.TODAY)
    assert str(exc.value) == error
    assert F.letters_count(filled) == 0 and F.audit_count(filled) == 0


def test_today_before_data_through_records_nothing(filled):
    with pytest.raises(W.TodayBeforeData) as exc:
        AP.issue(filled, F.UNIT, ["A1"], actor="canbo1", today=D_(2026, 4, 20))
    assert str(exc.value) == ("Ngày lập thư (20/04/2026) trước ngày của dữ liệu (28/04/2026, "
                              "ngày dữ liệu mới nhất đã tải): chọn một ngày từ 28/04/2026 trở đi.")
    assert F.letters_count(filled) == 0


def test_detail_page_column(filled):
    AP.issue(filled, F.UNIT, ["A1"], actor="canbo1", today=F.TODAY)
    frame = pd.DataFrame({"Mã hồ sơ": ["A1", "A2"], "Phân loại": ["x", "y"]})
    out = AP.with_letters(filled, F.UNIT, frame, "on_time_rate")
    assert out["Thư xin lỗi"].tolist() == ["Đã gửi thư xin lỗi (29/04/2026)", ""]
    assert list(frame.columns) == ["Mã hồ sơ", "Phân loại"]  # the input is left alone
    assert AP.with_letters(filled, F.UNIT, frame, "digitization_rate") is frame


def test_shortfall_excel_carries_the_letter_column(filled):
    """The detail page's Excel of the on-time shortfall has the on-screen "Thư xin lỗi" column
    (kpi.queries.shortfall adds it for both); other KPIs' Excel has none."""
    from openpyxl import load_workbook

    from kpi import dashboard as DB
    from kpi import queries as Q

    AP.issue(filled, F.UNIT, ["A1"], actor="canbo1", today=F.TODAY)
    data = DB.shortfall_xlsx(filled, F.UNIT, "2026-04", "on_time_rate", today=F.TODAY)
    rows = list(load_workbook(io.BytesIO(data))["Danh sách"].values)
    assert rows[0][0] == "Mã hồ sơ" and rows[0][-1] == "Thư xin lỗi"
    assert {r[0]: r[-1] for r in rows[1:]} == {
        "F2": "", "W1": "", "A3": "", "A1": "Đã gửi thư xin lỗi (29/04/2026)", "S1": ""}
    frame = Q.shortfall(filled, F.UNIT, "2026-04", "on_time_rate", today=F.TODAY).frame
    assert frame.columns[-1] == "Thư xin lỗi"
    assert AP.with_letters(filled, F.UNIT, frame, "on_time_rate") is frame  # already there
    assert dict(zip(frame["Mã hồ sơ"], frame["Thư xin lỗi"])) == {r[0]: r[-1] for r in rows[1:]}
    other = DB.shortfall_xlsx(filled, F.UNIT, "2026-04", "digitization_rate", today=F.TODAY)
    assert "Thư xin lỗi" not in list(load_workbook(io.BytesIO(other))["Danh sách"].values)[0]


def test_form_of_nghi_dinh_118(filled):
    letters = AP.prepare(filled, F.UNIT, ["A1"], today=F.TODAY)
    doc = docx.Document(io.BytesIO(AP.to_docx(letters, form="118")))
    body = [p.text for p in doc.paragraphs if p.text]
    assert body[0] == "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    assert ("Ủy ban nhân dân xã Lộc Tân xin lỗi ông/bà/tổ chức vì sự bất tiện này và đề nghị "
            "ông/bà/tổ chức đồng ý gia hạn thời gian giải quyết hồ sơ đến ngày 15/05/2026."
            ) in body
    with pytest.raises(AP.ApologyError):
        AP.to_docx(letters, form="99")
