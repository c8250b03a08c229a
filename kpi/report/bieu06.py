"""Biểu số 06/VPCP/KSTT computed from the stored dossiers (reports.md, cli.md "Reports sent
upward"), and written as the xlsx summary file exports.md describes, so that
``python -m ingest --kind summary`` loads it back to the same on-time and online figures.

    table = compute(engine, "Xã Lộc Tân", "2026-Q3")       # Bieu06: one row per field
    write_xlsx(table, "bieu-06.xlsx", signer={"title": "CHỦ TỊCH", "name": "…"})

Columns (3)–(13) per field, with the classes of kpi-definitions.md as of the period's
classification day (the snapshot's ``as_of_day``):
(4) trực tuyến and (5) trực tiếp, bưu chính: accepted dossiers newly received in the period,
withdrawn ones included (as online_submission_rate counts them); (6) từ kỳ trước: dossiers
received before the period and still handled in it; (7) = (8) early + (9) on time + (10) late,
(11) = (12) pending in time + (13) pending overdue; (3) = (4) + (5) + (6). So (3) − (7) − (11)
is the period's withdrawn dossiers (and any new dossier whose on-time class cannot be known),
stated under the table. A new dossier whose file gave no channel is in neither (4) nor (5), as
the online rate leaves it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from kpi import compiler as C
from kpi import definitions as D
from kpi import format as fmt
from kpi.db import connect
from kpi.periods import Period, parse_period

COLUMNS = ("received_total", "received_online", "received_direct", "carried_over",
           "resolved_total", "early", "on_time", "late", "pending_total", "pending_in_time",
           "pending_overdue")
NO_FIELD = "(Không ghi lĩnh vực)"
TITLE = "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
FORM = "Biểu số 06/VPCP/KSTT"


@dataclass
class Row:
    field: str
    received_online: int = 0
    received_direct: int = 0
    carried_over: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    pending_in_time: int = 0
    pending_overdue: int = 0
    withdrawn: int = 0
    unverifiable_new: int = 0
    no_channel: int = 0

    @property
    def received_total(self) -> int:
        return self.received_online + self.received_direct + self.carried_over

    @property
    def resolved_total(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def pending_total(self) -> int:
        return self.pending_in_time + self.pending_overdue

    def values(self) -> list[int]:
        """(3) … (13) in order."""
        return [getattr(self, c) for c in COLUMNS]

    def __add__(self, other: Row) -> Row:
        keys = ("received_online", "received_direct", "carried_over", "early", "on_time",
                "late", "pending_in_time", "pending_overdue", "withdrawn", "unverifiable_new",
                "no_channel")
        return Row(self.field, **{k: getattr(self, k) + getattr(other, k) for k in keys})


@dataclass
class Bieu06:
    unit: str
    period: Period
    as_of_day: dt.date
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Row:
        out = Row("Tổng cộng")
        for r in self.rows:
            out = out + r
        out.field = "Tổng cộng"
        return out

    @property
    def notes(self) -> list[str]:
        """The sentences under the table: what (3) − (7) − (11) is, and dossiers left out."""
        t = self.total
        rest = t.received_total - t.resolved_total - t.pending_total
        parts = [f"{fmt.integer(t.withdrawn)} hồ sơ công dân rút"]
        if t.unverifiable_new:
            parts.append(f"{fmt.integer(t.unverifiable_new)} hồ sơ không xác định được hạn "
                         "giải quyết")
        out = [f"(3) − (7) − (11) = {fmt.integer(rest)}: " + fmt.enumeration(parts) +
               " trong kỳ (không tính vào số đã giải quyết và đang giải quyết)."]
        if t.no_channel:
            out.append(f"{fmt.integer(t.no_channel)} hồ sơ tiếp nhận trong kỳ không ghi kênh "
                       "tiếp nhận: không tính vào cột (4) và (5).")
        if self.as_of_day < self.period.end:
            out.append(f"Số liệu tính đến ngày {fmt.date(self.as_of_day)} (kỳ báo cáo chưa kết "
                       "thúc hoặc dữ liệu mới đến ngày này).")
        return out


def compute(engine, unit, period, *, as_of_day: dt.date | None = None,
            today: dt.date | None = None) -> Bieu06:
    """Biểu số 06 of ``unit`` for ``period`` from the stored dossiers, one row per field
    (in Vietnamese alphabetical order, ``kpi.format.sort_key``; the dossiers without a field
    last). ``as_of_day``: the classification day (default: the snapshot's,
    ``kpi.queries.snapshot(...).as_of_day``)."""
    from kpi import queries as Q

    p = parse_period(period)
    if as_of_day is None:
        as_of_day = Q.snapshot(engine, unit, p, today=today).as_of_day
    with connect(engine) as conn:
        unit_ids, name = Q._resolve_unit(conn, unit)
        facts = C.dossier_facts(C.literal_bounds(p.start, as_of_day), unit_ids,
                                C.Options(join_catalogue=False, join_flags=False))
        k, rip, acc, ch = (facts.c.on_time_class, facts.c.received_in_period,
                           facts.c.accepted, facts.c.channel)
        new = sa.and_(rip, acc)

        def n(cond, label):
            return sa.func.count().filter(cond).label(label)

        q = sa.select(
            facts.c.field.label("field"),
            n(sa.and_(new, ch == 2), "received_online"),
            n(sa.and_(new, ch.in_([1, 3])), "received_direct"),
            n(sa.and_(new, ch.is_(None)), "no_channel"),
            n(sa.and_(k.in_(list(D.CLASSES)), sa.not_(rip)), "carried_over"),
            *[n(k == c, c) for c in D.CLASSES],
            n(sa.and_(new, k == D.WITHDRAWN), "withdrawn"),
            n(sa.and_(new, k == D.UNVERIFIABLE), "unverifiable_new"),
        ).group_by(facts.c.field)
        found = [dict(r._mapping) for r in conn.execute(q)]
    rows = []
    for r in found:
        row = Row(fmt.nfc(r["field"]).strip() or NO_FIELD,
                  **{key: int(r[key] or 0) for key in (
                      "received_online", "received_direct", "carried_over", "no_channel",
                      "withdrawn", "unverifiable_new")},
                  early=int(r[D.EARLY] or 0), on_time=int(r[D.ON_TIME] or 0),
                  late=int(r[D.LATE] or 0), pending_in_time=int(r[D.PENDING_IN_TIME] or 0),
                  pending_overdue=int(r[D.PENDING_OVERDUE] or 0))
        if row.received_total or row.resolved_total or row.pending_total or row.withdrawn:
            rows.append(row)
    rows.sort(key=lambda r: (r.field == NO_FIELD, fmt.sort_key(r.field)))  # Vietnamese order
    return Bieu06(unit=name, period=p, as_of_day=as_of_day, rows=rows)


def period_lines(p: Period) -> list[str]:
    """"Kỳ báo cáo: Quý III năm 2026" and "(Từ ngày 01/07/2026 đến ngày 30/09/2026)"."""
    words = p.words
    return [f"Kỳ báo cáo: {words[:1].upper()}{words[1:]}",
            f"(Từ ngày {fmt.date(p.start)} đến ngày {fmt.date(p.end)})"]


def write_xlsx(table: Bieu06, target: str | Path | BinaryIO, *, place: str | None = None,
               report_date: dt.date | None = None, signer: dict | None = None,
               preparer: str = "") -> None:
    """The table as the xlsx summary file of exports.md: form name and national motto, the
    title, the period ("Từ ngày … đến ngày …"), the unit, the two-row header with merged
    cells, the column-number row (1)–(13), one row per field, "Tổng cộng", the notes and the
    signature lines "Người lập biểu" / "Thủ trưởng đơn vị". Every count is a number; text
    that looks like a formula is neutralised (kpi.report.xlsx)."""
    from kpi.config import today as config_today

    from .common import place_name, unit_in_sentence
    from .xlsx import _Book

    signer = signer or {}
    day = report_date or config_today()
    book = _Book(str(target) if isinstance(target, Path) else target)
    wb = book.wb
    ws = wb.add_worksheet("Biểu 06")
    f_b = dict(bold=True, align="center", text_wrap=True)
    head = dict(bold=True, align="center", valign="vcenter", text_wrap=True, border=1,
                bg_color="#E1E1E1")
    num = book.fmt(num_format="#,##0", border=1, align="right")
    num_b = book.fmt(num_format="#,##0", border=1, align="right", bold=True)
    ws.merge_range(0, 0, 0, 3, FORM, book.fmt(bold=True))
    ws.merge_range(1, 0, 1, 3, "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP", book.fmt(italic=True))
    ws.merge_range(0, 4, 0, 12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", book.fmt(**f_b))
    ws.merge_range(1, 4, 1, 12, "Độc lập - Tự do - Hạnh phúc", book.fmt(**f_b))
    ws.merge_range(3, 0, 3, 12, TITLE, book.fmt(**f_b, font_size=13))
    lines = period_lines(table.period)
    ws.merge_range(4, 0, 4, 12, "", book.fmt(**f_b))
    book.text(ws, 4, 0, lines[0], **f_b)
    ws.merge_range(5, 0, 5, 12, "", book.fmt(italic=True, align="center"))
    book.text(ws, 5, 0, lines[1], italic=True, align="center")
    ws.merge_range(6, 0, 6, 12, "", book.fmt(align="left"))
    book.text(ws, 6, 0, f"Đơn vị báo cáo: UBND {unit_in_sentence(table.unit)}", align="left")
    ws.merge_range(7, 0, 7, 12, "Đơn vị tính: Số hồ sơ TTHC", book.fmt(italic=True))
    top = 9
    hf = book.fmt(**head)
    ws.merge_range(top, 0, top + 1, 0, "STT", hf)
    ws.merge_range(top, 1, top + 1, 1, "Lĩnh vực, công việc giải quyết theo cấp", hf)
    ws.merge_range(top, 2, top, 5, "Số hồ sơ nhận giải quyết", hf)
    ws.merge_range(top, 6, top, 9, "Số hồ sơ đã giải quyết", hf)
    ws.merge_range(top, 10, top, 12, "Số hồ sơ đang giải quyết", hf)
    leaves = ["Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Tổng số",
              "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    for j, leaf in enumerate(leaves, start=2):
        ws.write_string(top + 1, j, leaf, hf)
    for j in range(13):
        ws.write_string(top + 2, j, f"({j + 1})", book.fmt(align="center", border=1, italic=True))
    r = top + 3
    for i, row in enumerate(table.rows, start=1):
        ws.write_number(r, 0, i, book.fmt(align="center", border=1))
        book.text(ws, r, 1, row.field, border=1, text_wrap=True)
        for j, v in enumerate(row.values(), start=2):
            ws.write_number(r, j, v, num)
        r += 1
    total = table.total
    ws.merge_range(r, 0, r, 1, "Tổng cộng", book.fmt(bold=True, align="center", border=1))
    for j, v in enumerate(total.values(), start=2):
        ws.write_number(r, j, v, num_b)
    r += 2
    for note in table.notes:
        ws.merge_range(r, 0, r, 12, "", book.fmt(italic=True, text_wrap=True))
        book.text(ws, r, 0, f"Ghi chú: {note}", italic=True, text_wrap=True)
        r += 1
    r += 1
    place = place or place_name(table.unit)
    ws.merge_range(r, 5, r, 12, "", book.fmt(italic=True, align="center"))
    book.text(ws, r, 5, fmt.official_date(place, day), italic=True, align="center")
    r += 1
    ws.merge_range(r, 0, r, 4, "Người lập biểu", book.fmt(bold=True, align="center"))
    ws.merge_range(r, 5, r, 12, "", book.fmt(bold=True, align="center", text_wrap=True))
    book.text(ws, r, 5, signer.get("title") or "Thủ trưởng đơn vị", bold=True, align="center",
              text_wrap=True)
    ws.set_row(r, 32)
    r += 1
    ws.merge_range(r, 0, r, 4, "(Ký, ghi rõ họ tên)", book.fmt(italic=True, align="center"))
    ws.merge_range(r, 5, r, 12, "(Ký, ghi rõ họ tên, đóng dấu)", book.fmt(italic=True, align="center"))
    r += 4
    ws.merge_range(r, 0, r, 4, "", book.fmt(bold=True, align="center"))
    book.text(ws, r, 0, preparer, bold=True, align="center")
    ws.merge_range(r, 5, r, 12, "", book.fmt(bold=True, align="center"))
    book.text(ws, r, 5, signer.get("name") or "", bold=True, align="center")
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 12, 10)
    ws.set_row(top, 30)
    ws.set_row(top + 1, 45)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top, top + 2)
    wb.set_properties({"title": f"{FORM} - {table.unit} - {table.period.label}",
                       "author": table.unit})
    wb.close()


def file_name(table: Bieu06) -> str:
    """bieu-06_2026-Q3.xlsx"""
    return f"bieu-06_{table.period.code.replace('..', '_').replace('@', '-ky-')}.xlsx"
