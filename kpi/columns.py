"""The value columns of each fact table, by name and type, without SQLAlchemy.

The reader (``ingest.reader``, which runs in a parse worker that never opens a database) needs
to know which canonical columns a kind of file may carry; ``kpi.schema`` builds the tables
from the same lists. Importing this module costs nothing; ``kpi.schema`` costs SQLAlchemy.
Types are the names of SQLAlchemy types (``sa.Text`` → "Text").
"""

from __future__ import annotations

DOSSIER_VALUE: tuple[tuple[str, str], ...] = (
    ("procedure_code", "Text"),
    ("procedure_name", "Text"),
    ("field", "Text"),
    ("handling_unit", "Text"),
    ("submitted_at", "DateTime"),
    ("received_at", "DateTime"),
    ("due_at", "DateTime"),
    ("finished_at", "DateTime"),
    ("returned_at", "DateTime"),
    ("status", "SmallInteger"),  # 1..10, national portal codes
    ("channel", "SmallInteger"),  # 1 direct, 2 online, 3 postal (BCCI)
    ("service_level", "Text"),
    ("supplement_count", "Integer"),
    ("inputs_digitized", "Boolean"),
    ("e_result", "Boolean"),
    ("data_reused", "Boolean"),
    ("fee", "BigInteger"),  # VND
    ("paid_online", "Boolean"),
    ("officer", "Text"),  # staff member, not a citizen
)

RATING_VALUE: tuple[tuple[str, str], ...] = (
    ("dossier_code", "Text"),
    ("rated_at", "DateTime"),
    ("rating_label", "Text"),  # the value as the file wrote it, normalised (NFC)
    ("satisfied", "Boolean"),
    ("negative", "Boolean"),
)

PROCEDURE_VALUE: tuple[tuple[str, str], ...] = (
    ("procedure_name", "Text"),
    ("field", "Text"),
    ("level", "Text"),
    ("service_level", "Text"),
    ("full_online_eligible", "Boolean"),
    ("full_online", "Boolean"),  # provided full-process online (toàn trình)
    ("has_fee", "Boolean"),
    ("fee", "BigInteger"),
    ("online_payment", "Boolean"),
    ("boundary_free", "Boolean"),
    ("paper_result", "Boolean"),
)

FEEDBACK_VALUE: tuple[tuple[str, str], ...] = (
    ("dossier_code", "Text"),
    ("received_at", "DateTime"),
    ("due_at", "DateTime"),
    ("finished_at", "DateTime"),
    ("status", "Text"),
    ("rating", "Text"),
)

SUMMARY_VALUE: tuple[tuple[str, str], ...] = (
    ("received_total", "Integer"),  # (3)
    ("received_online", "Integer"),  # (4)
    ("received_direct", "Integer"),  # (5) direct + postal
    ("carried_over", "Integer"),  # (6)
    ("resolved_total", "Integer"),  # (7)
    ("early", "Integer"),  # (8)
    ("on_time", "Integer"),  # (9)
    ("late", "Integer"),  # (10)
    ("pending_total", "Integer"),  # (11)
    ("pending_in_time", "Integer"),  # (12)
    ("pending_overdue", "Integer"),  # (13)
)

# kind -> (key columns without unit_id, value columns)
FACT_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "dossiers": (("dossier_code",), DOSSIER_VALUE),
    "ratings": (("rating_key",), RATING_VALUE),
    "procedures": (("procedure_code",), PROCEDURE_VALUE),
    "feedback": (("feedback_code",), FEEDBACK_VALUE),
    "summary": (("period_start", "period_end", "field"), SUMMARY_VALUE),
}


def value_columns(kind: str) -> list[str]:
    """Canonical value columns of a kind (what a file may carry besides the key)."""
    return [name for name, _ in FACT_COLUMNS[kind][1]]
