"""Writes of the periodic report's texts (kpi.report.texts holds the table's reads and the
row writes): each save in one transaction through ``kpi.db.connect(engine, write=True)``, with
its audit row (``report_text``) in that same transaction. ``actor``: the name typed on the page
(required), or ``kpi.audit.CLI_ACTOR``.

    save(engine, "Xã Lộc Tân", "2026-Q3", {"strengths": "…"}, actor="lan")     # parts changed
    save_settings(engine, "Xã Lộc Tân", {"signer_name": "Nguyễn Văn A"}, actor="lan")
"""

from __future__ import annotations

from collections.abc import Mapping

from kpi import audit, config
from kpi import db as kdb
from kpi.report import texts as T

ReportTextError = T.ReportTextError


def _save(engine, unit: str, code: str, texts: Mapping[str, object], actor: str,
          what: str) -> list[str]:
    if not unit:
        raise ReportTextError("Chưa chọn đơn vị (xã, phường) để lưu nội dung báo cáo.")
    actor = " ".join(str(actor or "").split())
    if not actor:
        raise ReportTextError("Vui lòng nhập tên người cập nhật.")
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.find_unit(conn, unit)
        if uid is None:
            raise ReportTextError(f"Không tìm thấy đơn vị “{unit}”.")
        changed = T.write(conn, uid, code, texts, actor, config.now())
        if changed:
            audit.record(conn, actor, "report_text", uid, f"Sửa {what}: {len(changed)} mục",
                         {"period": code, "parts": changed})
    return changed


def save(engine, unit: str, period, texts: Mapping[str, object], actor: str) -> list[str]:
    """Store the edited parts of the unit's report of ``period`` (a Period or its code); the
    parts that changed. An empty text removes the stored one (the draft is used again)."""
    code = T.code_of(period)
    if code == T.UNIT_WIDE:
        raise ReportTextError("Chưa chọn kỳ báo cáo.")
    return _save(engine, unit, code, texts, actor, f"nội dung báo cáo định kỳ {code}")


def save_settings(engine, unit: str, values: Mapping[str, object], actor: str) -> list[str]:
    """Remember the unit's signer title, signer name and "Nơi nhận" for its later reports."""
    unknown = set(values) - set(T.SETTINGS)
    if unknown:
        raise ValueError(f"unknown report settings {sorted(unknown)}")
    return _save(engine, unit, T.UNIT_WIDE, values, actor, "người ký và nơi nhận của báo cáo")
