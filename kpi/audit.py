"""The audit log (access.md "Audit"): who did what, when, to which unit.

Every change is recorded by one call in the SAME transaction as the change, so a change
without its audit row (or the reverse) cannot be committed::

    with kpi.db.connect(engine, write=True) as conn:
        ...  # the change
        kpi.audit.record(conn, actor, "upload", unit_id, "Tải lên tệp ho-so.xlsx",
                         {"file_name": "ho-so.xlsx", "sha256": "…", "inserted": 120})

``actor`` is the account name (``kpi.accounts.actor_name(account)``), or ``CLI_ACTOR``
("dòng lệnh") for the command line. The log is append-only from the application's side:
this module, the only one that touches ``audit_log``, has no update or delete path.
Admins read it with ``query`` and download it with ``to_xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa

from kpi import config
from kpi.db import connect, normalize_unit_name
from kpi.schema import audit_log, units

if TYPE_CHECKING:  # pandas is imported where a frame is made: the CLI starts faster
    import pandas as pd

CLI_ACTOR = "dòng lệnh"

# Kind code -> Vietnamese label (the admin page's filter, the Excel column "Loại thao tác").
ACTIONS: dict[str, str] = {
    "sign_in": "Đăng nhập",
    "sign_in_failed": "Đăng nhập không thành công",
    "sign_out": "Đăng xuất",
    "upload": "Tải dữ liệu lên",
    "undo": "Hoàn tác lần tải dữ liệu",
    "plan_update": "Cập nhật tiến độ kế hoạch",
    "apology": "Lập thư xin lỗi",
    "mapping_forget": "Xóa ghép cột / giá trị đã nhớ",
    "report_text": "Sửa nội dung báo cáo định kỳ",
    "account_add": "Tạo tài khoản",
    "account_passwd": "Đổi mật khẩu",
    "account_disable": "Vô hiệu hóa tài khoản",
    "account_enable": "Kích hoạt lại tài khoản",
    "backup": "Sao lưu cơ sở dữ liệu",
    "restore": "Khôi phục cơ sở dữ liệu",
}

# Columns of ``query``'s frame -> Vietnamese headers (page table, Excel).
COLUMN_LABELS: dict[str, str] = {
    "occurred_at": "Thời điểm",
    "actor": "Người thực hiện",
    "action_label": "Loại thao tác",
    "unit": "Đơn vị",
    "summary": "Nội dung",
    "details": "Chi tiết",
}
FRAME_COLUMNS = ["id", "occurred_at", "actor", "action", "action_label", "unit", "summary",
                 "details"]
MAX_TEXT = 500  # a name typed into a sign-in form is kept, but not a megabyte of it


def _clip(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def record(conn: sa.Connection, actor: str, action: str, unit_id: int | None, summary: str,
           details: Mapping | None = None) -> int:
    """Append one row to the audit log on ``conn`` (the transaction of the change); its id.

    ``action`` is a key of ``ACTIONS``; ``summary`` a Vietnamese sentence; ``details`` a
    JSON-serialisable mapping (file name, SHA-256, counts...). Never pass a password."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if not actor or not summary:
        raise ValueError("an audit row needs an actor and a summary")
    payload = None
    if details:
        payload = json.dumps(dict(details), ensure_ascii=False, sort_keys=True, default=str)
    return conn.execute(
        sa.insert(audit_log)
        .values(occurred_at=config.wall_clock(), actor=_clip(actor), action=action,
                unit_id=unit_id, summary=_clip(summary), details=payload)
        .returning(audit_log.c.id)
    ).scalar_one()


def _day_start(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def _unit_clause(column, value):
    """``unit_id`` matching a unit id or a unit name."""
    if isinstance(value, int):
        return column == value
    name = normalize_unit_name(str(value))
    return column == sa.select(units.c.id).where(units.c.name == name).scalar_subquery()


def query(engine: sa.Engine, unit: int | str | None = None, actor: str | None = None,
          action: str | None = None, start: dt.date | dt.datetime | None = None,
          end: dt.date | dt.datetime | None = None,
          units_visible: Iterable[int | str] | None = None,
          limit: int | None = None) -> pd.DataFrame:
    """The audit rows matching every filter given, newest first, as a frame of
    ``FRAME_COLUMNS`` (``unit`` is the unit's name or None; ``details`` a dict or None).

    ``unit``: a unit id or name. ``start``/``end``: dates (``end`` counts the whole day) or
    datetimes (``end`` exclusive). ``units_visible``: only rows of these units (ids or
    names; rows without a unit are then left out) — None for every row."""
    stmt = (
        sa.select(audit_log.c.id, audit_log.c.occurred_at, audit_log.c.actor,
                  audit_log.c.action, units.c.name.label("unit"), audit_log.c.summary,
                  audit_log.c.details)
        .select_from(audit_log.outerjoin(units, units.c.id == audit_log.c.unit_id))
        .order_by(audit_log.c.occurred_at.desc(), audit_log.c.id.desc())
    )
    if unit is not None:
        stmt = stmt.where(_unit_clause(audit_log.c.unit_id, unit))
    if actor:
        stmt = stmt.where(audit_log.c.actor == actor)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if start is not None:
        stmt = stmt.where(audit_log.c.occurred_at >= _day_start(start))
    if end is not None:
        stop = end if isinstance(end, dt.datetime) else _day_start(end) + dt.timedelta(days=1)
        stmt = stmt.where(audit_log.c.occurred_at < stop)
    if units_visible is not None:
        visible = list(units_visible)
        ids = [u for u in visible if isinstance(u, int)]
        names = [normalize_unit_name(str(u)) for u in visible if not isinstance(u, int)]
        stmt = stmt.where(sa.or_(audit_log.c.unit_id.in_(ids), units.c.name.in_(names)))
    if limit is not None:
        stmt = stmt.limit(limit)
    import pandas as pd

    with connect(engine) as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(
        [(r.id, r.occurred_at, r.actor, r.action, ACTIONS.get(r.action, r.action), r.unit,
          r.summary, json.loads(r.details) if r.details else None) for r in rows],
        columns=FRAME_COLUMNS,
    )
    return frame


def actors(engine: sa.Engine) -> list[str]:
    """Every name that appears in the log (for the page's "Người thực hiện" filter)."""
    with connect(engine) as conn:
        return list(conn.execute(
            sa.select(audit_log.c.actor).distinct().order_by(audit_log.c.actor)).scalars())


# ``details`` keys and coded values as the page and the Excel file show them.
DETAIL_LABELS: dict[str, str] = {
    "file_name": "Tệp", "sha256": "SHA-256", "kind": "Loại dữ liệu", "batch_id": "Lần tải số",
    "rows_read": "Đọc", "inserted": "Thêm mới", "updated": "Cập nhật", "unchanged": "Không đổi",
    "rejected": "Từ chối", "uploaded_by": "Người tải", "removed": "Xóa",
    "restored": "Khôi phục", "remembered_columns": "Ghép cột đã nhớ",
    "remembered_values": "Ghép giá trị đã nhớ", "header": "Cột", "canonical": "Dữ liệu chuẩn",
    "column": "Cột", "word": "Giá trị", "code": "Mã", "year": "Năm", "activities": "Hoạt động",
    "source": "Nguồn", "updated_by": "Người cập nhật", "username": "Tài khoản",
    "role": "Vai trò", "units": "Đơn vị", "reason": "Lý do", "locked_until": "Khóa đến",
    "sessions_ended": "Số phiên kết thúc", "dossiers": "Hồ sơ", "new_due": "Hẹn trả mới",
    "period": "Kỳ", "parts": "Phần", "out": "Thư mục", "from": "Từ",
    "backup_created_at": "Bản sao lập lúc", "forced": "Ghi đè",
}
VALUE_LABELS: dict[str, dict] = {
    "kind": {"dossiers": "Danh sách hồ sơ", "ratings": "Đánh giá hài lòng",
             "procedures": "Danh mục TTHC", "feedback": "Phản ánh, kiến nghị",
             "summary": "Biểu số 06"},
    "source": {"form": "Sửa trên trang", "excel": "Tệp Excel"},
    "role": {"viewer": "Lãnh đạo / xem", "staff": "Cán bộ", "admin": "Quản trị"},
    "reason": {"invalid": "sai tên đăng nhập hoặc mật khẩu", "locked": "đang bị tạm khóa",
               "disabled": "tài khoản đã bị vô hiệu hóa"},
    "column": {"status": "Trạng thái", "channel": "Kênh thực hiện"},
}


def _value_text(key: str, value) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list):
        return ", ".join(_value_text(key, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} → {_value_text(key, v)}" for k, v in value.items())
    return str(VALUE_LABELS.get(key, {}).get(value, value))


def details_text(details: Mapping | None) -> str:
    """``details`` as one readable Vietnamese line: ``Tệp: a.xlsx; Thêm mới: 3`` (empty
    values left out)."""
    if not details:
        return ""
    return "; ".join(f"{DETAIL_LABELS.get(k, k.replace('_', ' '))}: {_value_text(k, v)}"
                     for k, v in details.items() if v is not None and v != [] and v != {})


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the page shows it: Vietnamese headers, details as text."""
    out = frame.assign(details=frame["details"].map(details_text))
    return out[list(COLUMN_LABELS)].rename(columns=COLUMN_LABELS)


def to_xlsx(frame: pd.DataFrame) -> bytes:
    """``query``'s frame as an .xlsx (sheet "Nhật ký"): Vietnamese headers, times as
    dd/mm/yyyy hh:mm, a filter on the header; text that a spreadsheet would read as a
    formula (= + - @ ...) is stored with Excel's quote prefix, so it reads the same."""
    import pandas as pd
    from kpi import excel

    buf = io.BytesIO()
    wb = excel.workbook(buf)
    head = wb.add_format({**excel.HEADER, "text_wrap": False})
    when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss", "valign": "top"})
    plain = wb.add_format({"valign": "top", "text_wrap": True})
    quoted = wb.add_format({"valign": "top", "text_wrap": True, "quote_prefix": True})
    ws = wb.add_worksheet("Nhật ký")
    shown = display_frame(frame)
    widths = [20, 22, 26, 22, 60, 60]
    for j, title in enumerate(shown.columns):
        ws.write_string(0, j, title, head)
        ws.set_column(j, j, widths[j] if j < len(widths) else 20)
    for i, row in enumerate(shown.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, (dt.datetime, pd.Timestamp)):
                ws.write_datetime(i, j, pd.Timestamp(value).to_pydatetime(), when)
            else:
                excel.write_text(ws, i, j, value, plain, quoted)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(shown)), max(0, len(shown.columns) - 1))
    wb.close()
    return buf.getvalue()


def file_name(today: dt.date | None = None) -> str:
    """The download's file name: ``nhat-ky-thao-tac_2026-04-02.xlsx``."""
    return f"nhat-ky-thao-tac_{(today or config.wall_clock().date()).isoformat()}.xlsx"
