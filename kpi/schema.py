"""Database schema (SQLAlchemy Core), shared by DuckDB and PostgreSQL.

Conventions
- Every fact table is keyed by ``unit_id`` plus its natural key, so one database can hold
  a whole province.
- Dates of dossiers are stored as naive local timestamps (Asia/Ho_Chi_Minh); KPIs compare
  them by calendar day (``CAST(x AS DATE)``).
- A NULL in a value column means "the file did not carry this column" (unknown), never
  "no"/"0": a boolean column carried but blank is stored as False.
- ``batch_id`` is the upload that last wrote a row, ``created_batch_id`` the upload that
  first inserted it, ``as_of`` the as-of date of ``batch_id``'s file. Each fact table has
  a ``*_history`` twin holding the previous version of every row an upload replaced, so
  an upload can be undone.
- No column holds personal data of citizens (Nghị định 13/2023/NĐ-CP).
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi import columns as C

metadata = sa.MetaData()


def id_column(table_name: str) -> sa.Column:
    # DuckDB has no SERIAL; an explicit sequence works on both engines.
    seq = sa.Sequence(f"{table_name}_id_seq")
    return sa.Column("id", sa.Integer, seq, server_default=seq.next_value(), primary_key=True)


units = sa.Table(
    "units",
    metadata,
    id_column("units"),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# The upload log ("lần tải dữ liệu").
batches = sa.Table(
    "batches",
    metadata,
    id_column("batches"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("as_of", sa.Date),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    # The first day the file covers (kpi.coverage): its title's start date, else the earliest
    # received / rated date of its rows; NULL for a catalogue.
    sa.Column("covers_from", sa.Date),
    sa.Column("uploaded_by", sa.Text),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
    sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    # JSON list of the canonical columns the file carried.
    sa.Column("columns", sa.Text),
    # JSON list of Vietnamese warnings (duplicate codes, ...).
    sa.Column("warnings", sa.Text),
    sa.Column("status", sa.Text, nullable=False, server_default="loaded"),  # loaded | undone
    sa.Column("undone_at", sa.DateTime),
)
sa.Index("ix_batches_unit_sha", batches.c.unit_id, batches.c.sha256)

# Rows refused by validation, kept when the user loads the valid rows only.
rejected_rows = sa.Table(
    "rejected_rows",
    metadata,
    id_column("rejected_rows"),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("column_name", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text),  # JSON object of the raw cell values (personal data left out)
)
sa.Index("ix_rejected_rows_batch", rejected_rows.c.batch_id)


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("created_batch_id", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date),
    ]


def _columns(declared: tuple[tuple[str, str], ...]) -> list[sa.Column]:
    return [sa.Column(name, getattr(sa, type_name)) for name, type_name in declared]


# The value columns of each fact table are declared in kpi.columns (no SQLAlchemy there: the
# reader needs their names without opening a database).
DOSSIER_VALUE_COLUMNS = _columns(C.DOSSIER_VALUE)
RATING_VALUE_COLUMNS = _columns(C.RATING_VALUE)
PROCEDURE_VALUE_COLUMNS = _columns(C.PROCEDURE_VALUE)
FEEDBACK_VALUE_COLUMNS = _columns(C.FEEDBACK_VALUE)
SUMMARY_VALUE_COLUMNS = _columns(C.SUMMARY_VALUE)


def keys_enforced(dialect_name: str) -> bool:
    """Does the database itself refuse a second row with a fact table's key? Not on DuckDB:
    there the primary key's index cost half of a large load (bench/RESULTS.md, migration
    0008) while DuckDB's scans never use it, so the one write path (ingest.load) checks the
    key instead, in the same transaction (``ingest.load.check_unique``)."""
    return dialect_name != "duckdb"


def _key_ddl(ddl, target, bind, dialect=None, **kw) -> bool:
    dialect = dialect if dialect is not None else getattr(bind, "dialect", None)
    return dialect is None or keys_enforced(dialect.name)


def _fact_tables(name: str, keys: list[sa.Column], values: list[sa.Column]):
    """A fact table and its history twin with the same columns. The key is (unit_id, the
    kind's key columns): a primary key where the database enforces it (``keys_enforced``)."""
    table = sa.Table(
        name,
        metadata,
        sa.Column("unit_id", sa.Integer, nullable=False),
        *[sa.Column(k.name, k.type, nullable=False) for k in keys],
        *[v._copy() for v in values],
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("unit_id", *[k.name for k in keys]).ddl_if(callable_=_key_ddl),
    )
    history = sa.Table(
        f"{name}_history",
        metadata,
        sa.Column("replaced_by_batch_id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        *[sa.Column(k.name, k.type, nullable=True) for k in keys],
        *[v._copy() for v in values],
        *_bookkeeping(),
    )
    sa.Index(f"ix_{name}_history_batch", history.c.replaced_by_batch_id)
    # DuckDB never uses a secondary index for the KPIs' scans (it prunes with zone maps) but
    # maintains it on every insert: PostgreSQL only (bench/RESULTS.md, migration 0002).
    sa.Index(f"ix_{name}_batch", table.c.batch_id).ddl_if(dialect="postgresql")
    return table, history


dossiers, dossiers_history = _fact_tables(
    "dossiers", [sa.Column("dossier_code", sa.Text)], DOSSIER_VALUE_COLUMNS
)
ratings, ratings_history = _fact_tables(
    "ratings", [sa.Column("rating_key", sa.Text)], RATING_VALUE_COLUMNS
)
procedures, procedures_history = _fact_tables(
    "procedures", [sa.Column("procedure_code", sa.Text)], PROCEDURE_VALUE_COLUMNS
)
feedback, feedback_history = _fact_tables(
    "feedback", [sa.Column("feedback_code", sa.Text)], FEEDBACK_VALUE_COLUMNS
)
summaries, summaries_history = _fact_tables(
    "summaries",
    [
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        sa.Column("field", sa.Text),
    ],
    SUMMARY_VALUE_COLUMNS,
)

sa.Index("ix_dossiers_received", dossiers.c.unit_id, dossiers.c.received_at).ddl_if(dialect="postgresql")

# Remembered mappings (exports.md): a column staff mapped by hand on the upload page, for
# files of the same header row of that unit, and a status or channel word staff mapped by
# hand, for that unit. The command line applies them too.
column_mappings = sa.Table(
    "column_mappings",
    metadata,
    id_column("column_mappings"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("header_signature", sa.Text, nullable=False),  # ParsedFile.header_signature
    sa.Column("header", sa.Text, nullable=False),  # the file's own header (its path if nested)
    sa.Column("canonical", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("unit_id", "kind", "header_signature", "header", name="uq_column_mappings"),
)

value_mappings = sa.Table(
    "value_mappings",
    metadata,
    id_column("value_mappings"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("column_name", sa.Text, nullable=False),  # status | channel
    sa.Column("word", sa.Text, nullable=False),  # as the file wrote it (NFC)
    sa.Column("word_key", sa.Text, nullable=False),  # ingest.headers.fold(word)
    sa.Column("code", sa.SmallInteger, nullable=False),
    sa.Column("created_by", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("unit_id", "column_name", "word_key", name="uq_value_mappings"),
)


# kind -> (table, history table, key columns without unit_id)
FACT_TABLES: dict[str, tuple[sa.Table, sa.Table, list[str]]] = {
    "dossiers": (dossiers, dossiers_history, ["dossier_code"]),
    "ratings": (ratings, ratings_history, ["rating_key"]),
    "procedures": (procedures, procedures_history, ["procedure_code"]),
    "feedback": (feedback, feedback_history, ["feedback_code"]),
    "summary": (summaries, summaries_history, ["period_start", "period_end", "field"]),
}

KINDS = list(FACT_TABLES)


def value_columns(kind: str) -> list[str]:
    """Canonical value columns of a kind (what a file may carry besides the key)."""
    return C.value_columns(kind)


# ------------------------------------------------------------------------------ plan tracker
# - ``plan_status``: the current status of one activity of one plan year for one unit. An
#   activity without a row has not been touched yet ("chưa thực hiện").
# - ``plan_status_history``: every change ever written, the new values beside the previous
#   ones, who made it, when, and how (the page's editor or an uploaded Excel file). Never
#   updated or deleted.

plan_status = sa.Table(
    "plan_status",
    metadata,
    sa.Column("unit_id", sa.Integer, primary_key=True),
    sa.Column("plan_year", sa.Integer, primary_key=True),
    sa.Column("activity_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),  # not_started | in_progress | done | delayed
    sa.Column("note", sa.Text),  # progress note (ghi chú tiến độ)
    sa.Column("evidence", sa.Text),  # document number or link (minh chứng)
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

plan_status_history = sa.Table(
    "plan_status_history",
    metadata,
    id_column("plan_status_history"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("plan_year", sa.Integer, nullable=False),
    sa.Column("activity_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("evidence", sa.Text),
    sa.Column("previous_status", sa.Text, nullable=False),
    sa.Column("previous_note", sa.Text),
    sa.Column("previous_evidence", sa.Text),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # form | excel
    sa.Column("file_name", sa.Text),  # the uploaded Excel file, for source = excel
)
sa.Index(
    "ix_plan_status_history_activity",
    plan_status_history.c.unit_id,
    plan_status_history.c.plan_year,
    plan_status_history.c.activity_id,
)

PLAN_TABLES = [plan_status, plan_status_history]


# --------------------------------------------------------------------------- access (access.md)
# Accounts, their units, server-side sessions, sign-in attempts and the audit log. A password
# is stored only as an argon2 hash, a session only as the SHA-256 of its token.

accounts = sa.Table(
    "accounts",
    metadata,
    id_column("accounts"),
    sa.Column("username", sa.Text, nullable=False, unique=True),  # NFC, lower case
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),  # viewer | staff | admin
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
    sa.Column("last_sign_in_at", sa.DateTime),
)

# The units a viewer or staff account is limited to; none = every unit (admin always).
account_units = sa.Table(
    "account_units",
    metadata,
    sa.Column("account_id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, primary_key=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("end_reason", sa.Text),  # sign_out | expired | disabled | password
)
sa.Index("ix_sessions_account", sessions.c.account_id)

sign_in_attempts = sa.Table(
    "sign_in_attempts",
    metadata,
    id_column("sign_in_attempts"),
    sa.Column("username", sa.Text, nullable=False),  # as typed, normalised like accounts
    sa.Column("attempted_at", sa.DateTime, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),  # success | failure | disabled | locked
)
sa.Index("ix_sign_in_attempts_name", sign_in_attempts.c.username, sign_in_attempts.c.attempted_at)

# Append-only from the application's side: kpi.audit has no update or delete path.
audit_log = sa.Table(
    "audit_log",
    metadata,
    id_column("audit_log"),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),  # account name, or "dòng lệnh"
    sa.Column("action", sa.Text, nullable=False),  # kpi.audit.ACTIONS
    sa.Column("unit_id", sa.Integer),
    sa.Column("summary", sa.Text, nullable=False),  # Vietnamese
    sa.Column("details", sa.Text),  # JSON object
)
sa.Index("ix_audit_log_at", audit_log.c.occurred_at)
sa.Index("ix_audit_log_unit", audit_log.c.unit_id, audit_log.c.occurred_at)


# ------------------------------------------------------------------ apology letters (issue 11)
# One row per apology letter issued ("thư xin lỗi", Mẫu số 04 of Thông tư 01/2018/TT-VPCP) for a
# late or overdue dossier: the dossier, the letter's day, the original due day and the new
# return date it promised, who issued it and when. The applicant is never stored.

apology_letters = sa.Table(
    "apology_letters",
    metadata,
    id_column("apology_letters"),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("dossier_code", sa.Text, nullable=False),
    sa.Column("letter_day", sa.Date, nullable=False),  # the date printed on the letter
    sa.Column("due_day", sa.Date),  # the dossier's original due day
    sa.Column("new_due_day", sa.Date, nullable=False),  # the new return date promised
    sa.Column("issued_by", sa.Text, nullable=False),  # account name, or "dòng lệnh"
    sa.Column("issued_at", sa.DateTime, nullable=False),
)
sa.Index("ix_apology_letters_dossier", apology_letters.c.unit_id, apology_letters.c.dossier_code)


# --------------------------------------------------------------------------- report texts
# The narrative parts of the periodic CCHC report (reports.md) as the staff edited them, per
# unit, period (its code: "2026-Q3", "2026-Q3@15") and part ("assessment", "missed:on_time_rate"…),
# and, under the period code "" (every period), what a unit's reports keep from one to the next:
# the signer's title and name, the "Nơi nhận" list. Every later export of the report uses them.
report_texts = sa.Table(
    "report_texts",
    metadata,
    sa.Column("unit_id", sa.Integer, primary_key=True),
    sa.Column("period_code", sa.Text, primary_key=True),
    sa.Column("part", sa.Text, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
