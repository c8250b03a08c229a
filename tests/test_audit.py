"""The audit log (access.md "Audit"): a row for every sign-in, sign-out and account change,
written in the transaction of the change; filters for the admin page; the Excel download;
append-only from the application's side."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from kpi import accounts as A
from kpi import audit
from kpi import db as kdb
from kpi.schema import audit_log
from tests.fixtures import make_unit

ROOT = Path(__file__).resolve().parent.parent
LOC_TAN = "Xã Lộc Tân"
BAC_HA = "Phường Bắc Hà"
PASSWORD = "mat-khau-2026"


def at(monkeypatch, when: str) -> None:
    monkeypatch.setenv("CCHC_NOW", when)


def _rows(engine, **filters):
    frame = audit.query(engine, **filters)
    return [(r.occurred_at.strftime("%H:%M"), r.actor, r.action, r.unit, r.summary, r.details)
            for r in frame.itertuples()]


def test_sign_in_sign_out_and_account_changes_are_recorded(engine, monkeypatch):
    make_unit(engine, LOC_TAN)
    at(monkeypatch, "2026-04-02T08:00:00")
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    at(monkeypatch, "2026-04-02T08:01:00")
    token = A.authenticate(engine, "lan", PASSWORD).token
    at(monkeypatch, "2026-04-02T08:02:00")
    A.authenticate(engine, "lan", "sai-mat-khau")
    at(monkeypatch, "2026-04-02T08:03:00")
    A.authenticate(engine, "=cmd|' /C calc'!A0", "x")
    at(monkeypatch, "2026-04-02T08:04:00")
    A.sign_out(engine, token)
    at(monkeypatch, "2026-04-02T08:05:00")
    A.set_password(engine, "lan", "mat-khau-moi-2026", actor="quantri")
    at(monkeypatch, "2026-04-02T08:06:00")
    A.set_enabled(engine, "lan", False)
    A.set_enabled(engine, "lan", False)  # no change, no row
    at(monkeypatch, "2026-04-02T08:07:00")
    A.set_enabled(engine, "lan", True)
    rows = _rows(engine)
    assert [r[2] for r in rows] == ["account_enable", "account_disable", "account_passwd",
                                    "sign_out", "sign_in_failed", "sign_in_failed", "sign_in",
                                    "account_add"]
    assert rows[0] == ("08:07", "dòng lệnh", "account_enable", None,
                       "Kích hoạt lại tài khoản lan", {"username": "lan"})
    assert rows[1] == ("08:06", "dòng lệnh", "account_disable", None,
                       "Vô hiệu hóa tài khoản lan", {"username": "lan", "sessions_ended": 0})
    assert rows[2] == ("08:05", "quantri", "account_passwd", None, "Đổi mật khẩu tài khoản lan",
                       {"username": "lan", "sessions_ended": 0})
    assert rows[3] == ("08:04", "lan", "sign_out", None, "Đăng xuất: lan", {"username": "lan"})
    typed = "=cmd|' /c calc'!a0"  # names are kept lower case, like accounts
    assert rows[4] == ("08:03", typed, "sign_in_failed", None,
                       f'Đăng nhập không thành công: "{typed}"',
                       {"username": typed, "reason": "invalid"})
    assert rows[5] == ("08:02", "lan", "sign_in_failed", None,
                       'Đăng nhập không thành công: "lan"', {"username": "lan", "reason": "invalid"})
    assert rows[6] == ("08:01", "lan", "sign_in", None, "Đăng nhập: lan", {"username": "lan"})
    assert rows[7] == ("08:00", "dòng lệnh", "account_add", None,
                       f"Tạo tài khoản lan (Cán bộ, {LOC_TAN})",
                       {"username": "lan", "role": "staff", "units": [LOC_TAN]})
    # No password, old or new, anywhere in the log.
    with kdb.connect(engine) as conn:
        text = " ".join(str(v) for row in conn.execute(sa.select(audit_log)) for v in row)
    assert PASSWORD not in text and "mat-khau-moi-2026" not in text and "sai-mat-khau" not in text


def test_locked_and_disabled_refusals_are_recorded(engine, monkeypatch):
    A.add_account(engine, "minh", PASSWORD, "viewer")
    for minute in range(5):
        at(monkeypatch, f"2026-04-02T09:0{minute}:00")
        A.authenticate(engine, "minh", "sai")
    at(monkeypatch, "2026-04-02T09:05:00")
    A.authenticate(engine, "minh", PASSWORD)
    A.set_enabled(engine, "minh", False)
    at(monkeypatch, "2026-04-02T09:30:00")
    A.authenticate(engine, "minh", PASSWORD)
    failed = audit.query(engine, action="sign_in_failed")
    reasons = [d["reason"] for d in failed["details"]]
    assert reasons == ["disabled", "locked"] + ["invalid"] * 5
    assert failed["summary"].iloc[1] == 'Từ chối đăng nhập "minh": tên đăng nhập đang bị tạm khóa'
    assert failed["details"].iloc[1]["locked_until"] == "2026-04-02 09:19:00"
    assert failed["summary"].iloc[0] == 'Từ chối đăng nhập "minh": tài khoản đã bị vô hiệu hóa'


def _seed(engine):
    """Rows of two units and one without a unit, recorded the way callers do."""
    loc, bac = make_unit(engine, LOC_TAN), make_unit(engine, BAC_HA)
    rows = [
        ("2026-03-31T17:00:00", "lan", "upload", loc, "Tải lên tệp ho-so-thang-3.xlsx",
         {"file_name": "ho-so-thang-3.xlsx", "sha256": "ab" * 32, "inserted": 120}),
        ("2026-04-01T08:00:00", "hoa", "upload", bac, "Tải lên tệp bac-ha.csv",
         {"file_name": "bac-ha.csv", "inserted": 7}),
        ("2026-04-01T09:30:00", "lan", "undo", loc, "Hoàn tác lần tải dữ liệu số 3",
         {"batch_id": 3}),
        ("2026-04-02T00:00:00", "dòng lệnh", "account_add", None, "Tạo tài khoản hoa", None),
        ("2026-04-02T23:59:59", "lan", "plan_update", loc, "Cập nhật hoạt động 1.2",
         {"activity_id": "1.2", "status": "done"}),
    ]
    return loc, bac, rows


def test_query_filters(engine, monkeypatch):
    loc, bac, rows = _seed(engine)
    for when, actor, action, unit_id, summary, details in rows:
        at(monkeypatch, when)
        with kdb.connect(engine, write=True) as conn:
            audit.record(conn, actor, action, unit_id, summary, details)

    def summaries(**kw):
        return list(audit.query(engine, **kw)["summary"])

    everything = summaries()
    assert everything == [r[4] for r in reversed(rows)]  # newest first
    assert summaries(unit=LOC_TAN) == ["Cập nhật hoạt động 1.2", "Hoàn tác lần tải dữ liệu số 3",
                                       "Tải lên tệp ho-so-thang-3.xlsx"]
    assert summaries(unit=bac) == ["Tải lên tệp bac-ha.csv"]
    assert summaries(unit="Xã Không Có") == []
    assert summaries(actor="hoa") == ["Tải lên tệp bac-ha.csv"]
    assert summaries(action="upload") == ["Tải lên tệp bac-ha.csv", "Tải lên tệp ho-so-thang-3.xlsx"]
    assert summaries(actor="lan", action="upload") == ["Tải lên tệp ho-so-thang-3.xlsx"]
    # Dates count whole days; datetimes are exact.
    assert summaries(start=dt.date(2026, 4, 2)) == ["Cập nhật hoạt động 1.2", "Tạo tài khoản hoa"]
    assert summaries(end=dt.date(2026, 3, 31)) == ["Tải lên tệp ho-so-thang-3.xlsx"]
    assert summaries(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 1)) == [
        "Hoàn tác lần tải dữ liệu số 3", "Tải lên tệp bac-ha.csv"]
    assert summaries(start=dt.datetime(2026, 4, 1, 8, 0, 1),
                     end=dt.datetime(2026, 4, 2, 23, 59, 59)) == [
        "Tạo tài khoản hoa", "Hoàn tác lần tải dữ liệu số 3"]
    # Only the units one may see (rows without a unit left out).
    assert summaries(units_visible=[LOC_TAN]) == summaries(unit=loc)
    assert summaries(units_visible=[bac, "Xa\u0303 Lộc Tân"]) == [
        "Cập nhật hoạt động 1.2", "Hoàn tác lần tải dữ liệu số 3", "Tải lên tệp bac-ha.csv",
        "Tải lên tệp ho-so-thang-3.xlsx"]
    assert summaries(units_visible=[]) == []
    assert summaries(limit=2) == everything[:2]
    frame = audit.query(engine, unit=LOC_TAN, action="upload")
    assert list(frame.columns) == audit.FRAME_COLUMNS
    first = frame.iloc[0]
    assert (first.unit, first.action_label, first.details["inserted"]) == (LOC_TAN, "Tải dữ liệu lên", 120)
    assert first.occurred_at == dt.datetime(2026, 3, 31, 17, 0)
    assert audit.actors(engine) == ["dòng lệnh", "hoa", "lan"]


def test_record_is_part_of_the_changes_transaction(engine):
    uid = make_unit(engine, LOC_TAN)
    with pytest.raises(RuntimeError):
        with kdb.connect(engine, write=True) as conn:
            audit.record(conn, "lan", "upload", uid, "Tải lên tệp a.xlsx", {"file_name": "a.xlsx"})
            raise RuntimeError("the upload failed after its audit row was written")
    assert audit.query(engine).empty
    with pytest.raises(ValueError, match="unknown audit action"):
        with kdb.connect(engine, write=True) as conn:
            audit.record(conn, "lan", "drop_everything", uid, "…")
    with pytest.raises(ValueError):
        with kdb.connect(engine, write=True) as conn:
            audit.record(conn, "", "upload", uid, "Tải lên")
    assert audit.query(engine).empty


def test_to_xlsx_vietnamese_headers_and_neutralised_text(engine, monkeypatch):
    uid = make_unit(engine, LOC_TAN)
    at(monkeypatch, "2026-04-02T08:15:30")
    with kdb.connect(engine, write=True) as conn:
        audit.record(conn, "=HYPERLINK(\"http://x\")", "sign_in_failed", None,
                     "+Đăng nhập không thành công", {"username": "=HYPERLINK"})
        audit.record(conn, "lan", "upload", uid, "-tệp @a.xlsx", {"file_name": "@a.xlsx",
                                                                  "inserted": 3})
    data = audit.to_xlsx(audit.query(engine))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "Nhật ký"
    assert [c.value for c in ws[1]] == ["Thời điểm", "Người thực hiện", "Loại thao tác",
                                        "Đơn vị", "Nội dung", "Chi tiết"]
    second = [c for c in ws[3]]
    assert second[0].value == dt.datetime(2026, 4, 2, 8, 15, 30)
    assert second[0].number_format == "dd/mm/yyyy hh:mm:ss"
    assert [c.value for c in second[1:]] == ["=HYPERLINK(\"http://x\")",
                                             "Đăng nhập không thành công", None,
                                             "+Đăng nhập không thành công", "Tài khoản: =HYPERLINK"]
    assert second[1].data_type == "s" and second[1].quotePrefix
    assert second[4].quotePrefix and not second[2].quotePrefix
    first = [c for c in ws[2]]
    assert [c.value for c in first[1:]] == ["lan", "Tải dữ liệu lên", LOC_TAN, "-tệp @a.xlsx",
                                            "Tệp: @a.xlsx; Thêm mới: 3"]
    assert first[4].quotePrefix and not first[5].quotePrefix
    assert ws.auto_filter.ref == "A1:F3"
    assert audit.file_name(dt.date(2026, 4, 2)) == "nhat-ky-thao-tac_2026-04-02.xlsx"
    # An empty log is still a workbook with its headers.
    empty = openpyxl.load_workbook(io.BytesIO(audit.to_xlsx(audit.query(engine, actor="ai")))).active
    assert [c.value for c in empty[1]][:2] == ["Thời điểm", "Người thực hiện"]


UPDATE_OR_DELETE = re.compile(
    r"(sa\.)?(update|delete)\(\s*(\w+\.)?audit_log\b|\b(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit_log\b",
    re.IGNORECASE)


def test_the_application_has_no_way_to_change_or_remove_audit_rows():
    public = {name for name in dir(audit) if not name.startswith("_")}
    assert not {n for n in public if re.search(r"update|delete|remove|purge|clear|edit", n, re.I)}
    offenders = []
    for folder in ("kpi", "ingest", "pages", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if UPDATE_OR_DELETE.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    app = ROOT / "app.py"
    if app.exists() and UPDATE_OR_DELETE.search(app.read_text(encoding="utf-8")):
        offenders.append("app.py")
    assert offenders == []
    # The pattern does find such a statement.
    assert UPDATE_OR_DELETE.search("conn.execute(sa.delete(S.audit_log).where(x))")
    assert UPDATE_OR_DELETE.search('conn.exec_driver_sql("DELETE FROM audit_log")')
