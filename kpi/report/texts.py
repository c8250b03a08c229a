"""The stored texts of the periodic CCHC report (reports.md): the narrative parts as staff
edited them, per unit, period and part, and what a unit's reports keep from one period to the
next (the signer's title and name, the "Nơi nhận" list) under the period code ``UNIT_WIDE``.

    stored(engine, "Xã Lộc Tân", "2026-Q3")            # {part: text} of that period
    save(engine, "Xã Lộc Tân", "2026-Q3", {"assessment": "…"}, actor="lan")
    settings(engine, "Xã Lộc Tân")                      # {"signer_name": "…", …}
    save_settings(engine, "Xã Lộc Tân", {"signer_name": "Nguyễn Văn A"}, actor="lan")

Every write goes through ``kpi.db.connect(engine, write=True)`` with its audit row in the same
transaction. Saving an empty text removes the stored one: the part goes back to its draft.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import sqlalchemy as sa

from kpi import audit, config
from kpi import db as kdb
from kpi.periods import Period
from kpi.schema import report_texts as T

UNIT_WIDE = ""  # the period code of what holds for every report of the unit
SETTINGS = ("signer_title", "signer_name", "recipients")
MAX_CHARS = 20_000


class ReportTextError(ValueError):
    """A text the store refuses; ``str(exc)`` is Vietnamese."""


def _code(period) -> str:
    return period.code if isinstance(period, Period) else str(period)


def _clean(text) -> str:
    s = unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in s.strip().split("\n"))


def _read(engine, unit: str, code: str) -> dict[str, str]:
    with kdb.connect(engine) as conn:
        uid = kdb.find_unit(conn, unit) if unit else None
        if uid is None:
            return {}
        rows = conn.execute(sa.select(T.c.part, T.c.text).where(
            T.c.unit_id == uid, T.c.period_code == code)).all()
    return {part: text for part, text in rows}


def stored(engine, unit: str, period) -> dict[str, str]:
    """{part: text} stored for the unit's report of ``period`` (a Period or its code)."""
    return _read(engine, unit, _code(period))


def settings(engine, unit: str) -> dict[str, str]:
    """The unit's remembered signer title, signer name and "Nơi nhận" (only those stored)."""
    return _read(engine, unit, UNIT_WIDE)


def _write(engine, unit: str, code: str, texts: Mapping[str, object], actor: str,
           what: str) -> list[str]:
    if not unit:
        raise ReportTextError("Chưa chọn đơn vị (xã, phường) để lưu nội dung báo cáo.")
    actor = (actor or "").strip() or audit.CLI_ACTOR
    changed: list[str] = []
    now = config.now()
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.find_unit(conn, unit)
        if uid is None:
            raise ReportTextError(f"Không tìm thấy đơn vị “{unit}”.")
        old = {p: t for p, t in conn.execute(sa.select(T.c.part, T.c.text).where(
            T.c.unit_id == uid, T.c.period_code == code)).all()}
        for part, raw in texts.items():
            text = _clean(raw)
            if len(text) > MAX_CHARS:
                raise ReportTextError(f"Nội dung «{part}» quá dài ({len(text):,} ký tự; tối đa "
                                      f"{MAX_CHARS:,}).".replace(",", "."))
            if old.get(part, "") == text:
                continue
            where = sa.and_(T.c.unit_id == uid, T.c.period_code == code, T.c.part == part)
            conn.execute(sa.delete(T).where(where))
            if text:
                conn.execute(sa.insert(T).values(unit_id=uid, period_code=code, part=part,
                                                 text=text, updated_by=actor, updated_at=now))
            changed.append(part)
        if changed:
            audit.record(conn, actor, "report_text", uid,
                         f"Sửa {what}: {len(changed)} mục", {"period": code, "parts": changed})
    return changed


def save(engine, unit: str, period, texts: Mapping[str, object], actor: str) -> list[str]:
    """Store the edited parts of the unit's report of ``period``; the parts that changed.
    An empty text removes the stored one (the draft is used again)."""
    code = _code(period)
    if code == UNIT_WIDE:
        raise ReportTextError("Chưa chọn kỳ báo cáo.")
    return _write(engine, unit, code, texts, actor, f"nội dung báo cáo kỳ {code}")


def save_settings(engine, unit: str, values: Mapping[str, object], actor: str) -> list[str]:
    """Remember the unit's signer title, signer name and "Nơi nhận" for its later reports."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown report settings {sorted(unknown)}")
    return _write(engine, unit, UNIT_WIDE, values, actor, "người ký và nơi nhận của báo cáo")
