"""The stored texts of the periodic CCHC report (reports.md): the narrative parts as staff
edited them, per unit, period and part, and what a unit's reports keep from one period to the
next (the signer's title and name, the "Nơi nhận" list) under the period code ``UNIT_WIDE``.

    stored(engine, "Xã Lộc Tân", "2026-Q3")            # {part: text} of that period
    settings(engine, "Xã Lộc Tân")                      # {"signer_name": "…", …}

Writes: ``kpi.report_store.save`` / ``save_settings`` (through ``kpi.db.connect(engine,
write=True)`` with the audit row in the same transaction; kept outside kpi/report/ because
kpi.audit uses kpi.report's Excel writer). Saving an empty text removes the stored one: the part
goes back to its draft.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import sqlalchemy as sa

from kpi import db as kdb
from kpi.periods import Period
from kpi.schema import report_texts as T

UNIT_WIDE = ""  # the period code of what holds for every report of the unit
SETTINGS = ("signer_title", "signer_name", "recipients")
MAX_CHARS = 20_000


class ReportTextError(ValueError):
    """A text the store refuses; ``str(exc)`` is Vietnamese."""


def code_of(period) -> str:
    return period.code if isinstance(period, Period) else str(period)


def clean(text) -> str:
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
    return _read(engine, unit, code_of(period))


def settings(engine, unit: str) -> dict[str, str]:
    """The unit's remembered signer title, signer name and "Nơi nhận" (only those stored)."""
    return _read(engine, unit, UNIT_WIDE)


def write(conn, unit_id: int, code: str, texts: Mapping[str, object], actor: str,
          now) -> list[str]:
    """Store ``texts`` ({part: text}) of one unit and period code on ``conn`` (a write
    transaction: ``kpi.report_store`` opens it and adds the audit row); the parts that changed.
    An empty text removes the stored one."""
    changed: list[str] = []
    old = {p: t for p, t in conn.execute(sa.select(T.c.part, T.c.text).where(
        T.c.unit_id == unit_id, T.c.period_code == code)).all()}
    for part, raw in texts.items():
        text = clean(raw)
        if len(text) > MAX_CHARS:
            raise ReportTextError(f"Nội dung «{part}» quá dài ({len(text):,} ký tự; tối đa "
                                  f"{MAX_CHARS:,}).".replace(",", "."))
        if old.get(part, "") == text:
            continue
        conn.execute(sa.delete(T).where(T.c.unit_id == unit_id, T.c.period_code == code,
                                        T.c.part == part))
        if text:
            conn.execute(sa.insert(T).values(unit_id=unit_id, period_code=code, part=part,
                                             text=text, updated_by=actor, updated_at=now))
        changed.append(part)
    return changed
