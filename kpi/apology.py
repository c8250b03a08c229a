"""Apology letters ("thư xin lỗi") for late and overdue dossiers (kpi-definitions.md, "Early
warning"; cli.md, ``python -m kpi apology``).

The letter is Mẫu số 04 of Thông tư 01/2018/TT-VPCP, "Phiếu xin lỗi và hẹn lại ngày trả kết
quả", laid out by Nghị định 30/2020/NĐ-CP: A4, margins 20/20/30/15 mm, Times New Roman 13–14;
the issuing body and the national motto side by side, the number/symbol line, place and date,
the title, "Kính gửi", the body, "Nơi nhận" and the signature block. It is prefilled with the
unit, the dossier code, the procedure, the received date, the original due date and the new
return date (dd/mm/yyyy); the applicant's name is a blank line written in by hand (we never
store it). Several dossiers make one DOCX with one page each.

    letters = prepare(engine, "Xã Lộc Tân", ["H50.2604.00123"], today=date(2026, 4, 29))
    data = to_docx(letters)                     # bytes of the .docx
    record(engine, letters, actor="dòng lệnh")  # one transaction: the letters + an audit row
    issued(engine, "Xã Lộc Tân")                # {(unit_id, code): latest letter day}

A dossier is late when it finished after its due day, or is pending and its due day is before
``today``. ``prepare`` refuses (``ApologyError``, Vietnamese) an unknown dossier or one that is
not late, and ``kpi.worklist.TodayBeforeData`` a ``today`` before data_through; nothing is
recorded then. The new return date defaults to the letter's day plus the dossier's own
duration (its due day minus its received day, in working days, at least 1).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from kpi import calendar as cal
from kpi import config
from kpi import coverage as COV
from kpi import format as fmt
from kpi import schema as S
from kpi.db import connect

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ApologyError", "Letter", "default_new_due", "prepare", "to_docx", "record",
           "issue", "issued", "with_letters", "file_name", "DOCX_MEDIA_TYPE", "TITLE", "FORMS",
           "LETTER_COLUMN"]

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
FORM_NOTE = "Mẫu số 04 - Thông tư số 01/2018/TT-VPCP"
# The forms the spec names: Mẫu số 04 of Thông tư 01/2018/TT-VPCP (default) and the letter of
# Nghị định 118/2025/NĐ-CP that asks the applicant to accept a longer time.
FORMS = {
    "04": (TITLE, FORM_NOTE),
    "118": ("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
            "Nghị định số 118/2025/NĐ-CP"),
}
MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
BLANK = "……………………………………………………"
LETTER_COLUMN = "Thư xin lỗi"
FONT = "Times New Roman"
BODY_PT = 14
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]
FINISHED = (8, 9, 10)


class ApologyError(ValueError):
    """The letter cannot be drafted (unknown dossier, not late, bad date); Vietnamese text."""


@dataclass(frozen=True)
class Letter:
    unit: str
    unit_id: int
    dossier_code: str
    procedure_name: str | None
    procedure_code: str | None
    received_day: dt.date | None
    due_day: dt.date
    letter_day: dt.date
    new_due_day: dt.date
    finished_day: dt.date | None = None  # finished late (None: still pending)


def default_new_due(received: dt.date | None, due: dt.date, letter_day: dt.date) -> dt.date:
    """The letter's day plus the dossier's own duration in working days (at least 1)."""
    duration = 1
    if received is not None and due > received:
        duration = max(1, cal.working_days_between(received + dt.timedelta(days=1), due))
    return cal.add_working_days(letter_day, duration)


_day = fmt.to_date  # a date from a date, a datetime or ISO text


def _finish_day(status, finished, returned) -> dt.date | None:
    if status not in FINISHED:
        return None
    return _day(finished) or (_day(returned) if status == 10 else None)


def _why_not_late(code: str, status, due, fin, today: dt.date) -> str | None:
    """The Vietnamese reason the dossier needs no letter, or None when it is late."""
    if status is None:
        return f"Hồ sơ {code} không rõ trạng thái xử lý: không xác định được là quá hạn."
    if status in (1, 3):
        return f"Hồ sơ {code} chưa được tiếp nhận giải quyết: không cần thư xin lỗi."
    if status == 7:
        return f"Hồ sơ {code} đã được rút theo yêu cầu của công dân: không cần thư xin lỗi."
    if due is None:
        return f"Hồ sơ {code} không có ngày hẹn trả: không xác định được là quá hạn."
    if status in FINISHED:
        if fin is None:
            return (f"Hồ sơ {code} đã kết thúc xử lý nhưng không có ngày kết thúc: không xác "
                    "định được là quá hạn.")
        if fin <= due:
            return (f"Hồ sơ {code} đã giải quyết đúng hạn (kết thúc ngày {fmt.date(fin)}, hẹn "
                    f"trả ngày {fmt.date(due)}): không cần thư xin lỗi.")
        return None
    if due >= today:
        return (f"Hồ sơ {code} chưa quá hạn (hẹn trả ngày {fmt.date(due)}, hôm nay "
                f"{fmt.date(today)}): không cần thư xin lỗi.")
    return None


def prepare(engine, unit, codes: Iterable[str], *, today: dt.date | None = None,
            new_due: dt.date | Mapping[str, dt.date] | None = None) -> list[Letter]:
    """The letters of ``codes`` (in the given order) dated ``today`` (default the configured
    today). ``new_due``: one date for all, or {code: date}; missing = ``default_new_due``.
    Raises ApologyError, kpi.worklist.TodayBeforeData or kpi.queries.UnknownUnit."""
    from kpi import queries as Q
    from kpi import worklist as W

    today = today or config.today()
    wanted = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not wanted:
        raise ApologyError("Chưa chọn hồ sơ nào để lập thư xin lỗi.")
    d = S.dossiers
    with connect(engine) as conn:
        unit_ids, name = Q._resolve_unit(conn, unit)
        W.check_today(today, COV.data_through(conn, unit_ids), what="Ngày lập thư")
        q = sa.select(d.c.unit_id, d.c.dossier_code, d.c.procedure_code, d.c.procedure_name,
                      d.c.received_at, d.c.due_at, d.c.finished_at, d.c.returned_at,
                      d.c.status).where(d.c.dossier_code.in_(wanted))
        if unit_ids is not None:
            q = q.where(d.c.unit_id.in_(unit_ids))
        found = {}
        for r in conn.execute(q):
            found.setdefault(r.dossier_code, []).append(r)
        unit_names = dict(conn.execute(sa.select(S.units.c.id, S.units.c.name)).all())
    letters = []
    for code in wanted:
        rows = found.get(code)
        if not rows:
            raise ApologyError(f"Không tìm thấy hồ sơ mã “{code}” của {name}.")
        if len(rows) > 1:
            raise ApologyError(f"Mã hồ sơ “{code}” có ở nhiều đơn vị: hãy chọn một đơn vị "
                               "(--unit).")
        r = rows[0]
        status = None if r.status is None else int(r.status)
        due = _day(r.due_at)
        fin = _finish_day(status, r.finished_at, r.returned_at)
        reason = _why_not_late(code, status, due, fin, today)
        if reason:
            raise ApologyError(reason)
        received = _day(r.received_at)
        picked = new_due.get(code) if isinstance(new_due, Mapping) else new_due
        new = picked or default_new_due(received, due, today)
        if new <= today:
            raise ApologyError(f"Ngày hẹn trả mới của hồ sơ {code} ({fmt.date(new)}) phải sau "
                               f"ngày lập thư ({fmt.date(today)}).")
        letters.append(Letter(
            unit=unit_names.get(r.unit_id, name), unit_id=int(r.unit_id), dossier_code=code,
            procedure_name=r.procedure_name, procedure_code=r.procedure_code,
            received_day=received, due_day=due, letter_day=today, new_due_day=new,
            finished_day=fin))
    return letters


# --------------------------------------------------------------------------- recording


def record(engine, letters: list[Letter], actor: str) -> list[int]:
    """Record the letters as issued, with one audit row per unit, in one transaction through
    the one write path (``kpi.db.connect(write=True)``); their ids."""
    from kpi import audit

    if not letters:
        return []
    now = config.wall_clock()
    ids = []
    with connect(engine, write=True) as conn:
        for lt in letters:
            ids.append(conn.execute(
                sa.insert(S.apology_letters).values(
                    unit_id=lt.unit_id, dossier_code=lt.dossier_code, letter_day=lt.letter_day,
                    due_day=lt.due_day, new_due_day=lt.new_due_day, issued_by=actor,
                    issued_at=now,
                ).returning(S.apology_letters.c.id)
            ).scalar_one())
        by_unit: dict[int, list[Letter]] = {}
        for lt in letters:
            by_unit.setdefault(lt.unit_id, []).append(lt)
        for uid, group in by_unit.items():
            codes = [lt.dossier_code for lt in group]
            shown = ", ".join(codes[:10]) + ("…" if len(codes) > 10 else "")
            audit.record(conn, actor, "apology", uid,
                         f"Lập thư xin lỗi cho {fmt.integer(len(codes))} hồ sơ: {shown}",
                         {"dossiers": codes,
                          "new_due": {lt.dossier_code: lt.new_due_day.isoformat()
                                      for lt in group}})
    return ids


def issue(engine, unit, codes: Iterable[str], *, actor: str, today: dt.date | None = None,
          new_due=None, **layout) -> tuple[list[Letter], bytes]:
    """``prepare``, ``to_docx`` and ``record``: the letters and the DOCX bytes."""
    letters = prepare(engine, unit, codes, today=today, new_due=new_due)
    data = to_docx(letters, **layout)
    record(engine, letters, actor)
    return letters, data


def issued(engine_or_conn, unit=None, codes: Iterable[str] | None = None) -> dict:
    """{(unit_id, dossier code): the latest letter day} of the letters issued for ``unit`` (a
    name, an id, a list of ids or None for all), optionally only for ``codes``."""
    a = S.apology_letters
    with COV._conn(engine_or_conn) as conn:
        ids = COV._unit_ids(conn, unit)
        if ids == []:
            return {}
        q = (sa.select(a.c.unit_id, a.c.dossier_code, sa.func.max(a.c.letter_day))
             .group_by(a.c.unit_id, a.c.dossier_code))
        if ids is not None:
            q = q.where(a.c.unit_id.in_(ids))
        if codes is not None:
            codes = list(codes)
            if not codes:
                return {}
            q = q.where(a.c.dossier_code.in_(codes))
        return {(int(u), c): _day(day) for u, c, day in conn.execute(q)}


def letter_text(day: dt.date | None) -> str:
    return f"Đã gửi thư xin lỗi ({fmt.date(day)})" if day else ""


def with_letters(engine, unit, frame: pd.DataFrame, key: str,
                 code_column: str = "Mã hồ sơ") -> pd.DataFrame:
    """The detail page's shortfall table of the on-time rate with a column "Thư xin lỗi"
    ("Đã gửi thư xin lỗi (dd/mm/yyyy)" or empty); other KPIs' tables unchanged. A frame of
    ``kpi.queries.shortfall`` already has it (the page's table and its Excel get it there)
    and is returned as it is."""
    if key != "on_time_rate" or code_column not in frame.columns or LETTER_COLUMN in frame:
        return frame
    codes = [c for c in frame[code_column].tolist() if isinstance(c, str)]
    days: dict[str, dt.date] = {}
    for (_, code), day in issued(engine, unit, codes).items():
        days[code] = max(day, days.get(code, day))
    out = frame.copy()
    out[LETTER_COLUMN] = [letter_text(days.get(c)) for c in out[code_column]]
    return out


def file_name(letters: list[Letter]) -> str:
    if len(letters) == 1:
        safe = "".join(ch if ch.isalnum() or ch in ".-_" else "-" for ch in letters[0].dossier_code)
        return f"thu-xin-loi_{safe}.docx"
    day = letters[0].letter_day.isoformat() if letters else config.today().isoformat()
    return f"thu-xin-loi_{len(letters)}-ho-so_{day}.docx"


# --------------------------------------------------------------------------- the document


def _place(unit: str) -> str:
    for prefix in ("xã ", "phường ", "thị trấn ", "đặc khu "):
        if unit.lower().startswith(prefix):
            return unit[len(prefix):].strip()
    return unit


def _in_sentence(unit: str) -> str:
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if unit.startswith(prefix):
            return unit[:1].lower() + unit[1:]
    return unit


def to_docx(letters: list[Letter], *, unit_header: list[str] | None = None,
            organisation: str | None = None, place: str | None = None,
            doc_number: str = "Số:        /PXL", signer_title: str = "THỦ TRƯỞNG ĐƠN VỊ",
            signer_name: str = "", recipients: list[str] | None = None,
            form: str = "04") -> bytes:
    """One DOCX with one page per letter (Mẫu số 04, Nghị định 30/2020 presentation).

    ``unit_header``: the issuing body's lines (default "ỦY BAN NHÂN DÂN" / "XÃ LỘC TÂN");
    ``organisation``: its name inside the sentences (default "Ủy ban nhân dân xã Lộc Tân");
    ``place``: the place before the date (default the unit's name without "Xã"/"Phường");
    ``form``: "04" (Thông tư 01/2018, default) or "118" (Nghị định 118/2025: the letter asks to
    extend the time to the new date)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from kpi.report import docx as W

    if not letters:
        raise ApologyError("Chưa có thư xin lỗi nào để in.")
    if form not in FORMS:
        raise ApologyError(f"Mẫu thư không hợp lệ: '{form}'. Chọn một trong: " + ", ".join(FORMS))
    title, note = FORMS[form]
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])

    def set_fonts(element):
        W.set_fonts(element, FONT)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    props = doc.core_properties
    props.title = title.capitalize()
    props.author = fmt.nfc(letters[0].unit)
    props.language = "vi-VN"
    props.subject = note

    def run(p, text, bold=False, italic=False, size=BODY_PT):
        r = p.add_run(fmt.nfc(text))
        r.bold = bold or None
        r.italic = italic or None
        r.font.size = Pt(size)
        r.font.name = FONT
        set_fonts(r._r)
        return r

    def para(container, text="", align=None, bold=False, italic=False, size=BODY_PT,
             after=0, before=0, indent_mm=None, first=False):
        p = container.paragraphs[0] if first else container.add_paragraph()
        if text:
            run(p, text, bold=bold, italic=italic, size=size)
        p.paragraph_format.space_after = Pt(after)
        p.paragraph_format.space_before = Pt(before)
        if align is not None:
            p.alignment = align
        if indent_mm is not None:
            p.paragraph_format.first_line_indent = Mm(indent_mm)
        return p

    def rule(container, width_mm, line_mm, after=0):
        p = container.add_paragraph()
        side = max(0.0, (width_mm - line_mm) / 2)
        pf = p.paragraph_format
        pf.left_indent, pf.right_indent = Mm(side), Mm(side)
        pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(after), Pt(2)
        ppr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(k), v)
        bdr.append(bottom)
        ppr.append(bdr)

    def borderless(table, widths):
        tbl_pr = table._tbl.tblPr
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:val"), "nil")
            borders.append(el)
        tbl_pr.append(borders)
        table.autofit = False
        for row in table.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = Mm(w)

    center, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    for i, lt in enumerate(letters):
        unit = fmt.nfc(lt.unit)
        header = unit_header or ["ỦY BAN NHÂN DÂN", unit.upper()]
        org = organisation or f"Ủy ban nhân dân {_in_sentence(unit)}"
        where = place or _place(unit)

        left_w, right_w = 70.0, TEXT_WIDTH_MM - 70.0
        top = doc.add_table(rows=1, cols=2)
        top.alignment = WD_TABLE_ALIGNMENT.CENTER
        borderless(top, (left_w, right_w))
        left, right = top.rows[0].cells
        for j, line in enumerate(header):  # a parent body above the issuing one: not bold
            bold = unit_header is None or j == len(header) - 1
            para(left, line, align=center, bold=bold, size=13, first=(j == 0))
        rule(left, left_w, 25, after=6)
        para(left, doc_number, align=center, size=13)
        para(right, MOTTO_1, align=center, bold=True, size=13, first=True)
        para(right, MOTTO_2, align=center, bold=True, size=14)
        rule(right, right_w, 60, after=6)
        para(right, fmt.official_date(where, lt.letter_day), align=center, italic=True, size=14)

        para(doc, title, align=center, bold=True, size=14, before=18, after=12)
        p = para(doc, "", align=center, after=12)
        run(p, "Kính gửi: ")
        run(p, BLANK)

        procedure = lt.procedure_name or lt.procedure_code or BLANK
        received = fmt.date(lt.received_day) if lt.received_day else BLANK
        para(doc, f"Ngày {received}, {org} tiếp nhận giải quyết hồ sơ đề nghị giải quyết thủ "
                  f"tục hành chính “{procedure}”, mã số hồ sơ {lt.dossier_code}, của ông/bà/tổ "
                  f"chức {BLANK}.", align=justify, indent_mm=10, after=6)
        para(doc, f"Ngày hẹn trả kết quả giải quyết hồ sơ: {fmt.date(lt.due_day)}.",
             align=justify, indent_mm=10, after=6)
        if lt.finished_day is None:
            late = (f"Tuy nhiên đến nay, {org} chưa trả kết quả giải quyết hồ sơ của ông/bà/tổ "
                    "chức đúng hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, lý do: ")
        else:
            late = (f"Tuy nhiên, {org} đã không trả kết quả giải quyết hồ sơ của ông/bà/tổ chức "
                    "đúng hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, lý do: ")
        para(doc, late + BLANK + ".", align=justify, indent_mm=10, after=6)
        promise = (f"hẹn lại ngày trả kết quả giải quyết hồ sơ vào ngày {fmt.date(lt.new_due_day)}"
                   if form == "04" else
                   "đề nghị ông/bà/tổ chức đồng ý gia hạn thời gian giải quyết hồ sơ đến ngày "
                   f"{fmt.date(lt.new_due_day)}")
        para(doc, f"{org[:1].upper()}{org[1:]} xin lỗi ông/bà/tổ chức vì sự bất tiện này và "
                  f"{promise}.",
             align=justify, indent_mm=10, after=6)
        para(doc, "Mong nhận được sự thông cảm của ông/bà/tổ chức. Xin trân trọng cảm ơn./.",
             align=justify, indent_mm=10, after=12)

        sign = doc.add_table(rows=1, cols=2)
        sign.alignment = WD_TABLE_ALIGNMENT.CENTER
        borderless(sign, (75.0, TEXT_WIDTH_MM - 75.0))
        nl, sg = sign.rows[0].cells
        para(nl, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
        for line in recipients or ["- Như trên;", "- Lưu: VT."]:
            para(nl, line, size=11)
        para(sg, signer_title, align=center, bold=True, size=14, first=True)
        para(sg, "(Ký, ghi rõ họ tên)", align=center, italic=True, size=13)
        for _ in range(3):
            para(sg, "", size=14)
        para(sg, signer_name or "", align=center, bold=True, size=14)
        if i < len(letters) - 1:  # one page per letter
            para(doc).add_run().add_break(WD_BREAK.PAGE)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
