"""Formula-looking text in every Excel file the product writes (access.md "Uploads"; issue 12
item 5): text starting with = + - @ (or a tab) that came from a file, a user or a unit name is
stored as a string cell with the quote prefix — opened with openpyxl, no cell is a formula and
each value reads exactly as it was typed. Writers: the shortfall list (kpi.dashboard), the
snapshot report (kpi.report.xlsx), the plan tracker export (kpi.plan.exchange), the audit log
(kpi.audit); on DuckDB and PostgreSQL where a database is involved."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from kpi import audit, excel
from kpi import db as kdb
from kpi import schema as S
from tests.fixtures import _dossier

HYPERLINK = '=HYPERLINK("http://x.example","bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+84 912 345 678"
MINUS = "-1+1"
AT = "@SUM(A1:A9)"
TAB = "\tnhập"
UNIT = "-Xã Thử Nghiệm"  # a unit name that starts like a formula


def _cells(data: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_safe(data: bytes, planted: list[str]) -> None:
    cells = _cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = [c.value for c in cells]
    for text in planted:
        found = [c for c in cells if c.value == text]
        assert found, (text, values)
        assert all(c.data_type == "s" and c.quotePrefix for c in found), text


def test_the_rule_and_both_libraries():
    import xlsxwriter

    assert [excel.looks_like_formula(t) for t in (HYPERLINK, PLUS, MINUS, AT, TAB, "\r1", "a=1",
                                                  " =1", "", None, 5)] == [
        True, True, True, True, True, True, False, False, False, False, False]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **excel.WRITER_OPTIONS})
    ws = wb.add_worksheet()
    quoted = excel.quote_format(wb)
    for i, text in enumerate([HYPERLINK, DDE, PLUS, "bình thường"]):
        excel.write_text(ws, i, 0, text, None, quoted)
    wb.close()
    _assert_safe(buf.getvalue(), [HYPERLINK, DDE, PLUS])
    plain = [c for c in _cells(buf.getvalue()) if c.value == "bình thường"]
    assert [c.quotePrefix for c in plain] == [False]

    book = openpyxl.Workbook()
    for i, text in enumerate([HYPERLINK, AT, TAB, 12], start=1):
        excel.set_text(book.active.cell(row=i, column=1), text)
    out = io.BytesIO()
    book.save(out)
    _assert_safe(out.getvalue(), [HYPERLINK, AT, TAB])
    assert [c.value for c in _cells(out.getvalue())][-1] == 12


def _unit_with_dossiers(engine) -> int:
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        bid = conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="dossiers", file_name="ho-so.xlsx", sha256="x",
            as_of=dt.date(2026, 4, 1), uploaded_at=dt.datetime(2026, 4, 2, 8, 15),
            status="loaded").returning(S.batches.c.id)).scalar_one()
        rows = [_dossier(uid, bid, MINUS, HYPERLINK, "1.1", DDE,
                         dt.datetime(2026, 3, 2, 8, 0), True, handling_unit=AT),
                _dossier(uid, bid, "HS-2", "Hộ tịch", "1.1", "Khai sinh",
                         dt.datetime(2026, 3, 3, 8, 0), False, handling_unit=PLUS),
                _dossier(uid, bid, AT, HYPERLINK, "1.1", DDE, dt.datetime(2026, 4, 1, 8, 0),
                         False, status=4, finished_at=None, returned_at=None,
                         handling_unit=MINUS)]  # still open, overdue on 15/04
        conn.execute(sa.insert(S.dossiers), rows)
    return uid


def test_shortfall_list_and_report(engine):
    from kpi import dashboard as DB
    from kpi.report import render_bytes
    from kpi.report.assemble import report_input

    _unit_with_dossiers(engine)
    data = DB.shortfall_xlsx(engine, UNIT, "2026-03", "on_time_rate", today=dt.date(2026, 4, 15))
    _assert_safe(data, [MINUS, HYPERLINK, DDE, AT, UNIT])
    snapshot, extras = report_input(engine, UNIT, "2026-03", today=dt.date(2026, 4, 15))
    _assert_safe(render_bytes("xlsx", snapshot, extras), [UNIT])


def test_work_list_and_bieu06(engine):
    from kpi import worklist as W
    from kpi.report import periodic as PR

    _unit_with_dossiers(engine)
    wl = W.work_list(engine, UNIT, today=dt.date(2026, 4, 15))
    _assert_safe(W.to_xlsx(wl), [AT, HYPERLINK, DDE, UNIT])
    rep = PR.periodic_report(engine, UNIT, "2026-Q1", today=dt.date(2026, 4, 15))
    _assert_safe(PR.bieu06_xlsx(rep), [HYPERLINK])


def test_plan_export(engine):
    from kpi.plan import exchange, tracker

    _unit_with_dossiers(engine)
    year = tracker.default_year()
    first, second = tracker.activity_ids(year)[:2]
    tracker.update_statuses(engine, UNIT, year, {first: {"note": HYPERLINK, "evidence": AT},
                                                 second: {"note": MINUS}}, PLUS)
    data = exchange.export_excel(engine, UNIT, year)
    _assert_safe(data, [HYPERLINK, AT, MINUS, PLUS, UNIT])
    # The file reads back unchanged: importing it changes nothing.
    result = exchange.import_excel(engine, UNIT, year, data, "cán bộ")
    assert result.changed == []


def test_audit_log(engine):
    _unit_with_dossiers(engine)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.find_unit(conn, UNIT)
        audit.record(conn, PLUS, "upload", uid, DDE, {"file_name": DDE})
    data = audit.to_xlsx(audit.query(engine))
    _assert_safe(data, [PLUS, DDE, UNIT])
