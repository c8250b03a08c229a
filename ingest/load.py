"""Write parsed exports to the database: upsert, upload log, rejected rows, undo.

Every write of uploaded data goes through ``write_parsed`` (one path, one transaction per
file); ``ingest.service`` is what the command line and the upload page call.

Rules (exports.md, "Loading rules"):
- rows are upserted by (unit, key); a row replaces the stored one only when its file's as-of
  date is the same or later (a tie goes to the later upload);
- a column the file does not carry leaves the stored values of that column as they were;
- "updated" counts rows whose values actually changed;
- a file whose SHA-256 was already loaded (and not undone) changes nothing;
- the previous version of every replaced row is kept, so an upload can be undone;
- a load never turns a finished dossier (status 8, 9, 10) back into a pending one or moves
  its received day: such rows are kept as stored and listed in a warning (``GUARD``).

The frame of a ParsedFile holds one row per key (the reader keeps the later of duplicate
codes, ingest.reader ``_deduplicate``), so it goes to the database as it is: through Arrow on
DuckDB (the frame is scanned in place, no staging copy), through COPY into a temporary
staging table on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ingest.model import IngestError, ParsedFile, Reject
from kpi import config
from kpi import db as kdb
from kpi import format as fmt
from kpi.coverage import START_COLUMNS, covers_from, first_day
from kpi.definitions import STATUS_LABELS
from kpi.schema import FACT_TABLES, batches, keys_enforced, rejected_rows, units

if TYPE_CHECKING:  # pandas is imported where a frame is made, not at start-up
    import pandas as pd

# Short names for the one-line summaries of the command line.
KIND_SHORT = {
    "dossiers": "hồ sơ",
    "ratings": "đánh giá hài lòng",
    "procedures": "danh mục TTHC",
    "feedback": "phản ánh, kiến nghị",
    "summary": "Biểu số 06/VPCP/KSTT",
}

MAX_LISTED_REJECTS = 20
MAX_LISTED_KEPT = 10
FINISHED = (8, 9, 10)  # kpi-definitions.md: "Finished" means status 8, 9 or 10
PENDING = (1, 2, 4, 5, 6)


@dataclass
class LoadResult:
    file_name: str
    kind: str
    status: str  # loaded | duplicate
    batch_id: int | None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_older: int = 0
    kept: int = 0  # rows kept as stored: the file would have reopened or re-dated them
    rejected: int = 0
    as_of: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    previous_load_at: dt.datetime | None = None  # when status == "duplicate"
    remembered_columns: dict[str, str] = field(default_factory=dict)  # {header: canonical} from memory

    def summary_line(self) -> str:
        """One line for the command line (cli.md)."""
        label = KIND_SHORT.get(self.kind, self.kind)
        n = fmt.integer
        if self.status == "duplicate":
            return (
                f"{self.file_name}: {self.kind} ({label}) — tệp này đã được nạp lúc "
                f"{fmt.datetime(self.previous_load_at)}, không thay đổi gì "
                f"(đọc {n(self.rows_read)}, thêm mới 0, cập nhật 0, từ chối 0)"
            )
        line = (
            f"{self.file_name}: {self.kind} ({label}) — đọc {n(self.rows_read)}, "
            f"thêm mới {n(self.inserted)}, cập nhật {n(self.updated)}, từ chối {n(self.rejected)}"
        )
        extra = []
        if self.unchanged:
            extra.append(f"không đổi {n(self.unchanged)}")
        if self.skipped_older:
            extra.append(f"bỏ qua {n(self.skipped_older)} dòng cũ hơn dữ liệu đã có")
        if self.kept:
            extra.append(f"giữ nguyên {n(self.kept)} hồ sơ đã lưu, xem cảnh báo")
        if extra:
            line += " (" + ", ".join(extra) + ")"
        return line


class UndoRefused(Exception):
    """Undo is not possible; ``str(exc)`` says why, in Vietnamese."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rejects_message(file_name: str, rejects: list[Reject]) -> str:
    """The Vietnamese message of a file refused because some rows are invalid."""
    lines = [
        f"Tệp {file_name} bị từ chối: {fmt.integer(len(rejects))} dòng không hợp lệ, "
        "không có dữ liệu nào được ghi vào cơ sở dữ liệu."
    ]
    for r in rejects[:MAX_LISTED_REJECTS]:
        col = f", cột «{r.column}»" if r.column else ""
        lines.append(f"  - Dòng {r.row_number}{col}: {r.reason}")
    if len(rejects) > MAX_LISTED_REJECTS:
        lines.append(f"  … và {fmt.integer(len(rejects) - MAX_LISTED_REJECTS)} dòng khác.")
    lines.append(
        "Hãy sửa các dòng trên trong tệp rồi tải lại, hoặc chọn chỉ nạp các dòng hợp lệ "
        "(dòng lệnh: --allow-rejects); các dòng bị từ chối sẽ được lưu lại trong nhật ký tải."
    )
    return "\n".join(lines)


def _no_valid_rows(file_name: str) -> IngestError:
    return IngestError(
        f"Tệp {file_name} không có dòng dữ liệu hợp lệ nào để nạp. "
        "Kiểm tra lại tệp xuất từ hệ thống một cửa."
    )


def load_parsed(
    engine: sa.Engine,
    parsed: ParsedFile,
    *,
    file_name: str,
    sha256: str,
    unit: str | None = None,
    allow_rejects: bool = False,
    uploaded_by: str | None = None,
    on_wait=None,
) -> LoadResult:
    """Load a parsed file in one transaction (``write_parsed`` on a connection of its own)."""
    unit_name = None if row_units(parsed) else resolve_unit(unit)
    with kdb.connect(engine, write=True, on_wait=on_wait) as conn:
        return write_parsed(conn, parsed, file_name=file_name, sha256=sha256, unit=unit_name,
                            allow_rejects=allow_rejects, uploaded_by=uploaded_by)


def resolve_unit(unit: str | None) -> str:
    """The unit a load writes to (--unit, CCHC_UNIT, the configured default); refused if none."""
    unit_name = config.unit_name(unit)
    if not unit_name:
        raise IngestError(
            "Chưa xác định đơn vị (xã, phường) của dữ liệu. Hãy chọn đơn vị, "
            "hoặc dùng --unit / biến môi trường CCHC_UNIT."
        )
    return unit_name


def write_parsed(
    conn: sa.Connection,
    parsed: ParsedFile,
    *,
    file_name: str,
    sha256: str,
    unit: str | None,
    allow_rejects: bool = False,
    uploaded_by: str | None = None,
) -> LoadResult:
    """Write a parsed file on ``conn``, inside the caller's write transaction
    (``kpi.db.connect(engine, write=True)``). Raises IngestError before writing anything
    when the file is refused; the caller's transaction then changes nothing.

    A summary table whose rows name their units (a "unit" column: no unit was chosen when it
    was read) gives each row to its unit — one upload log entry per unit, in the same
    transaction; ``unit`` is then not used."""
    if row_units(parsed):
        return _write_by_unit(conn, parsed, file_name=file_name, sha256=sha256,
                              allow_rejects=allow_rejects, uploaded_by=uploaded_by)
    if not unit:
        unit = resolve_unit(None)
    if parsed.row_count == 0 and not parsed.rejects:
        raise _no_valid_rows(file_name)
    table, history, keys = FACT_TABLES[parsed.kind]
    as_of = parsed.as_of or config.today()
    result = LoadResult(
        file_name=file_name,
        kind=parsed.kind,
        status="loaded",
        batch_id=None,
        rows_read=parsed.rows_read,
        rejected=len(parsed.rejects),
        as_of=as_of,
        warnings=list(parsed.warnings),
    )
    columns = [c for c in parsed.columns if c in table.c and c not in keys]
    unit_id = kdb.get_or_create_unit(conn, unit)
    previous = conn.execute(
        sa.select(batches.c.uploaded_at)
        .where(
            batches.c.unit_id == unit_id,
            batches.c.sha256 == sha256,
            batches.c.kind == parsed.kind,
            batches.c.status == "loaded",
        )
        .order_by(batches.c.uploaded_at)
    ).first()
    if previous:
        result.status = "duplicate"
        result.rejected = 0
        result.previous_load_at = previous[0]
        return result
    # Refused before anything is written: the transaction ends with no change.
    if parsed.rejects and not allow_rejects:
        raise IngestError(rejects_message(file_name, parsed.rejects))
    if parsed.row_count == 0:
        raise _no_valid_rows(file_name)
    batch_id = conn.execute(
        sa.insert(batches)
        .values(
            unit_id=unit_id,
            kind=parsed.kind,
            file_name=file_name,
            sha256=sha256,
            as_of=as_of,
            period_start=parsed.period[0] if parsed.period else None,
            period_end=parsed.period[1] if parsed.period else None,
            covers_from=_covers_from(parsed),
            uploaded_by=(uploaded_by or "").strip() or None,
            uploaded_at=config.now(),
            rows_read=parsed.rows_read,
            rejected=len(parsed.rejects),
            columns=json.dumps(columns, ensure_ascii=False),
            status="loaded",
        )
        .returning(batches.c.id)
    ).scalar_one()
    result.batch_id = batch_id
    try:
        counts = _upsert(conn, table, history, keys, columns, _rows_of(parsed), unit_id, batch_id, as_of,
                         guard=parsed.kind == "dossiers")
        check_unique(conn, table, keys, unit_id)
    except (sa.exc.IntegrityError, KeyRepeated) as exc:  # a key twice: the reader's contract broken
        raise IngestError(
            f"Tệp {file_name} có mã xuất hiện hai lần sau khi đọc, không có dữ liệu nào được ghi. "
            "Hãy báo cho người quản trị hệ thống kèm tệp này."
        ) from exc
    result.inserted, result.updated, result.unchanged = counts.inserted, counts.updated, counts.unchanged
    result.skipped_older, result.kept = counts.older, counts.kept
    if counts.kept:
        result.warnings.append(_kept_message(counts.kept, counts.kept_rows))
    if parsed.rejects:
        conn.execute(
            sa.insert(rejected_rows),
            [
                {
                    "batch_id": batch_id,
                    "row_number": r.row_number,
                    "column_name": r.column,
                    "reason": r.reason,
                    "raw": json.dumps(r.raw, ensure_ascii=False, default=str),
                }
                for r in parsed.rejects
            ],
        )
    conn.execute(
        sa.update(batches)
        .where(batches.c.id == batch_id)
        .values(
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged + result.skipped_older + result.kept,
            warnings=json.dumps(result.warnings, ensure_ascii=False),
        )
    )
    return result


class KeyRepeated(Exception):
    """A fact table holds two rows with one key after a write (``check_unique``)."""


def check_unique(conn: sa.Connection, table: sa.Table, keys: list[str], unit_id: int) -> None:
    """Where the database does not enforce a fact table's key itself (DuckDB,
    ``kpi.schema.keys_enforced``), make sure the unit's rows still have one row per key;
    raises KeyRepeated, so the caller's transaction changes nothing. One grouped scan of the
    unit's keys (0,1 s for 1M rows, against 0,7 s that DuckDB's primary-key index cost)."""
    if keys_enforced(conn.dialect.name):
        return
    repeated = (
        sa.select(sa.literal(1)).select_from(table).where(table.c.unit_id == unit_id)
        .group_by(*[table.c[k] for k in keys]).having(sa.func.count() > 1).limit(1)
    )
    if conn.execute(repeated).first() is not None:
        raise KeyRepeated(f"{table.name}: a key of unit {unit_id} has two rows")


def row_units(parsed: ParsedFile) -> list[str]:
    """The units a summary table's rows name, in file order ([] when the rows are one
    unit's: a table by field, or a by-unit table read for a chosen unit)."""
    if parsed.kind != "summary":
        return []
    frame = parsed.frame
    if "unit" not in frame.columns:
        return []
    return [config.unit_name(u) for u in dict.fromkeys(frame["unit"].dropna().tolist()) if str(u).strip()]


def _write_by_unit(conn, parsed: ParsedFile, *, file_name, sha256, allow_rejects, uploaded_by) -> LoadResult:
    """Each unit's rows to that unit (``write_parsed`` once per unit, same transaction)."""
    import dataclasses

    if parsed.rejects and not allow_rejects:
        raise IngestError(rejects_message(file_name, parsed.rejects))
    frame = parsed.frame
    names = frame["unit"].map(lambda u: config.unit_name(u) if isinstance(u, str) and u.strip() else None)
    units_in = row_units(parsed)
    total = LoadResult(file_name=file_name, kind=parsed.kind, status="duplicate", batch_id=None,
                       rows_read=parsed.rows_read, rejected=len(parsed.rejects), as_of=parsed.as_of,
                       warnings=list(parsed.warnings))
    total.warnings.append(
        f"Bảng có dòng của {fmt.integer(len(units_in))} đơn vị; mỗi dòng được nạp cho đơn vị của nó: "
        + ", ".join(units_in) + "."
    )
    for i, name in enumerate(units_in):
        rows = frame[(names == name).to_numpy(dtype=bool)].drop(columns=["unit"]).reset_index(drop=True)
        part = dataclasses.replace(parsed, frame=rows, rows_read=len(rows), rejects=parsed.rejects if i == 0 else [],
                                   warnings=[])
        r = write_parsed(conn, part, file_name=file_name, sha256=sha256, unit=name,
                         allow_rejects=allow_rejects, uploaded_by=uploaded_by)
        if r.status == "loaded":
            total.status = "loaded"
            total.batch_id = total.batch_id or r.batch_id
        else:
            total.previous_load_at = total.previous_load_at or r.previous_load_at
        for k in ("inserted", "updated", "unchanged", "skipped_older", "kept"):
            setattr(total, k, getattr(total, k) + getattr(r, k))
        total.as_of = r.as_of
        total.warnings.extend(w for w in r.warnings if w not in total.warnings)
    if total.status == "duplicate":
        total.rejected = 0
    return total


def _covers_from(parsed: ParsedFile):
    """kpi.coverage.covers_from on the one value it reads (the earliest start day), so that
    a frame held as Arrow is not turned into pandas for it."""
    if parsed.period:
        return covers_from(parsed.kind, parsed.period, None)
    col = START_COLUMNS.get(parsed.kind)
    if col is None:
        return None
    return first_day(parsed.column_min(col))


def _rows_of(parsed: ParsedFile):
    """The rows the upsert writes: the Arrow table on the native paths, else the frame."""
    return parsed.arrow_table() if NATIVE_BULK else parsed.frame


def _kept_message(count: int, rows: list[dict]) -> str:
    """The warning listing the dossiers a load kept as stored (GUARD), first few with codes."""
    def status(code) -> str:
        return STATUS_LABELS.get(code, "không rõ") if code is not None else "không rõ"

    listed = []
    for r in rows[:MAX_LISTED_KEPT]:
        changes = []
        if r["old_status"] in FINISHED and r["new_status"] in PENDING:
            changes.append(f"{status(r['old_status'])} → {status(r['new_status'])}")
        if r["old_received"] is not None and r["new_received"] is not None and (
                r["old_received"].date() != r["new_received"].date()):
            changes.append(f"ngày tiếp nhận {fmt.date(r['old_received'])} → {fmt.date(r['new_received'])}")
        listed.append(f"{r['code']} ({'; '.join(changes)})")
    text = (
        f"Giữ nguyên {fmt.integer(count)} hồ sơ đã lưu vì tệp này sẽ chuyển hồ sơ đã giải quyết "
        "xong về đang giải quyết hoặc đổi ngày tiếp nhận của chúng — thường do nạp nhầm loại "
        "tệp (ví dụ danh sách phản ánh, kiến nghị nạp thành hồ sơ) hoặc trùng mã hồ sơ: "
        + "; ".join(listed)
    )
    if count > MAX_LISTED_KEPT:
        text += f"; … và {fmt.integer(count - MAX_LISTED_KEPT)} hồ sơ khác"
    return text + (
        ". Các hồ sơ này không bị thay đổi; các hồ sơ khác của tệp đã được nạp. Nếu tệp mới "
        "đúng, hãy hoàn tác lần tải này và lần tải đã ghi các hồ sơ đó, rồi nạp lại tệp."
    )


# --- the frame into the database: each engine's native path ---------------------------


def _arrow(frame, columns: list[str]):
    """The columns of a DataFrame or an Arrow table, as an Arrow table."""
    if _is_arrow(frame):
        return frame.select(columns)
    import pyarrow as pa

    return pa.Table.from_pandas(frame[columns], preserve_index=False)


def _is_arrow(rows) -> bool:
    """An Arrow table (else a DataFrame), told without importing either library."""
    return hasattr(rows, "column_names") and hasattr(rows, "num_rows")


def _n_rows(rows) -> int:
    return rows.num_rows if _is_arrow(rows) else len(rows)


NATIVE_BULK = True  # False: plain executemany on every engine (the reference the tests compare with)


@dataclass
class _Staged:
    """The file's rows as a relation the upsert statements join against."""

    table: sa.TableClause
    drop: object  # callable: removes it


def _stage(conn: sa.Connection, table: sa.Table, columns: list[str], frame) -> _Staged:
    """DuckDB: the rows (a DataFrame or an Arrow table) registered on the connection as an
    Arrow table (scanned in place, no copy); PostgreSQL: COPY into a temporary table; other
    engines: executemany."""
    name = f"stg_{table.name}_{uuid.uuid4().hex[:8]}"
    relation = sa.table(name, *[sa.column(c, table.c[c].type) for c in columns])
    if conn.dialect.name == "duckdb" and NATIVE_BULK:
        raw = conn.connection.dbapi_connection
        raw.register(name, _arrow(frame, columns))
        _unordered(raw, True)

        def drop():
            _unordered(raw, False)
            raw.unregister(name)

        return _Staged(relation, drop)
    tmp = sa.Table(name, sa.MetaData(), *[sa.Column(c, table.c[c].type) for c in columns],
                   prefixes=["TEMPORARY"])
    tmp.create(conn)
    bulk_insert(conn, tmp, frame.select(columns) if _is_arrow(frame) else frame[columns])
    return _Staged(relation, lambda: tmp.drop(conn))


def _unordered(raw, on: bool) -> None:
    """DuckDB: let this session's inserts write rows in any order (``preserve_insertion_order``
    off: the Arrow scan and the insert run on every core; about a sixth faster on 1M rows,
    bench/RESULTS.md). Nothing reads the fact tables in insertion order: every query that
    lists rows orders them. Session scope: other connections keep the default."""
    raw.execute("SET SESSION preserve_insertion_order = false" if on else "RESET SESSION preserve_insertion_order")


COPY_BATCH_ROWS = 100_000


def bulk_insert(conn: sa.Connection, table: sa.Table, frame) -> None:
    """Insert a DataFrame or an Arrow table into ``table`` by each engine's fast path
    (DuckDB: an Arrow scan; PostgreSQL: COPY of Arrow-written CSV), falling back to
    executemany."""
    if _n_rows(frame) == 0:
        return
    cols = list(frame.column_names) if _is_arrow(frame) else list(frame.columns)
    col_list = ", ".join(f'"{c}"' for c in cols)
    dialect = conn.dialect.name if NATIVE_BULK else None
    if dialect == "duckdb":
        raw = conn.connection.dbapi_connection
        view = f"df_{uuid.uuid4().hex[:8]}"
        raw.register(view, _arrow(frame, cols))
        _unordered(raw, True)
        try:
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({col_list}) SELECT {col_list} FROM {view}')
        finally:
            _unordered(raw, False)
            raw.unregister(view)
        return
    if dialect == "postgresql":
        import pyarrow.csv as pacsv

        data = _arrow(frame, cols)
        options = pacsv.WriteOptions(include_header=False)  # strings quoted, NULL = empty
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({col_list}) FROM STDIN (FORMAT csv)') as cp:
                for batch in data.to_batches(max_chunksize=COPY_BATCH_ROWS):
                    buf = io.BytesIO()
                    pacsv.write_csv(batch, buf, options)
                    cp.write(buf.getbuffer())
        return
    if _is_arrow(frame):
        conn.execute(sa.insert(table), frame.to_pylist())
        return
    conn.execute(
        sa.insert(table),
        frame.astype(object).where(frame.notna(), None).to_dict("records"),
    )


# --- upsert ---------------------------------------------------------------------------


@dataclass
class _Counts:
    inserted: int
    updated: int
    unchanged: int
    older: int
    kept: int
    kept_rows: list[dict]


def _first_load(conn, table, keys, columns, frame, unit_id, batch_id, as_of) -> _Counts | None:
    """The unit has no row of this kind yet (its first upload): every row is new, so the
    rows go in by one INSERT … SELECT, without the joins that look for stored rows. None
    when the unit has rows (the full upsert then runs)."""
    if conn.execute(sa.select(sa.exists().where(table.c.unit_id == unit_id))).scalar_one():
        return None  # (scalar_one reads the result to its end: DuckDB's raw connection is reused)
    staged = _stage(conn, table, keys + columns, frame)
    stg = staged.table
    try:
        conn.execute(
            sa.insert(table).from_select(
                ["unit_id", *keys, *columns, "batch_id", "created_batch_id", "as_of"],
                sa.select(
                    sa.literal(unit_id, sa.Integer), *[stg.c[k] for k in keys], *[stg.c[c] for c in columns],
                    sa.literal(batch_id, sa.Integer), sa.literal(batch_id, sa.Integer), sa.literal(as_of, sa.Date),
                ).select_from(stg),
            )
        )
    except BaseException:
        with contextlib.suppress(Exception):
            staged.drop()
        raise
    staged.drop()
    return _Counts(_n_rows(frame), 0, 0, 0, 0, [])


def _upsert(conn, table, history, keys, columns, frame, unit_id, batch_id, as_of, guard=False) -> _Counts:
    first = _first_load(conn, table, keys, columns, frame, unit_id, batch_id, as_of)
    if first is not None:
        return first
    staged = _stage(conn, table, keys + columns, frame)
    stg = staged.table
    try:
        join = sa.and_(table.c.unit_id == unit_id, *[table.c[k] == stg.c[k] for k in keys])
        eligible = sa.or_(table.c.as_of.is_(None), table.c.as_of <= as_of)
        changed = sa.or_(*[table.c[c].is_distinct_from(stg.c[c]) for c in columns]) if columns else sa.false()
        # Never reopen a finished dossier nor move its received day without a word: keep it.
        # Every condition is NULL-free, so NOT kept is never NULL.
        regress = []
        if guard and "status" in columns:
            regress.append(sa.and_(
                table.c.status.is_not(None), stg.c.status.is_not(None),
                table.c.status.in_(FINISHED), stg.c.status.in_(PENDING),
            ))
        if guard and "received_at" in columns:
            regress.append(sa.and_(
                table.c.received_at.is_not(None), stg.c.received_at.is_not(None),
                sa.cast(table.c.received_at, sa.Date) != sa.cast(stg.c.received_at, sa.Date),
            ))
        kept = sa.and_(eligible, sa.or_(*regress)) if regress else sa.false()
        replace = sa.and_(eligible, sa.not_(kept))

        def count(cond):
            return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

        existing, older, n_kept, updated = conn.execute(
            sa.select(sa.func.count(), count(sa.not_(eligible)), count(kept), count(sa.and_(replace, changed)))
            .select_from(table.join(stg, join))
        ).one()
        kept_rows = []
        if n_kept:
            kept_rows = [dict(r) for r in conn.execute(
                sa.select(
                    table.c[keys[0]].label("code"),
                    (table.c.status if "status" in columns else sa.null()).label("old_status"),
                    (stg.c.status if "status" in columns else sa.null()).label("new_status"),
                    (table.c.received_at if "received_at" in columns else sa.null()).label("old_received"),
                    (stg.c.received_at if "received_at" in columns else sa.null()).label("new_received"),
                )
                .select_from(table.join(stg, join)).where(kept)
                .order_by(table.c[keys[0]]).limit(MAX_LISTED_KEPT)
            ).mappings()]

        # Rows whose values change, and rows whose values the file only confirms with newer
        # knowledge (their as-of date moves forward, so an older export loaded later cannot
        # overwrite them). Both keep their previous version, so undo puts everything back.
        newer = sa.or_(table.c.as_of.is_(None), table.c.as_of < as_of)
        hist_cols = [c.name for c in table.columns]
        conn.execute(
            sa.insert(history).from_select(
                ["replaced_by_batch_id", *hist_cols],
                sa.select(sa.literal(batch_id, sa.Integer), *[table.c[c] for c in hist_cols])
                .select_from(table.join(stg, join))
                .where(replace, sa.or_(changed, newer)),
            )
        )
        if updated:
            conn.execute(
                sa.update(table)
                .values({**{c: stg.c[c] for c in columns}, "batch_id": batch_id, "as_of": as_of})
                .where(join, replace, changed)
            )
        conn.execute(
            sa.update(table)
            .values(as_of=as_of, batch_id=batch_id)
            .where(join, newer, sa.not_(kept), sa.not_(changed))
        )
        inserted = _n_rows(frame) - existing
        if inserted:
            exists = sa.select(sa.literal(1)).select_from(table).where(join).exists()
            conn.execute(
                sa.insert(table).from_select(
                    ["unit_id", *keys, *columns, "batch_id", "created_batch_id", "as_of"],
                    sa.select(
                        sa.literal(unit_id, sa.Integer),
                        *[stg.c[k] for k in keys],
                        *[stg.c[c] for c in columns],
                        sa.literal(batch_id, sa.Integer),
                        sa.literal(batch_id, sa.Integer),
                        sa.literal(as_of, sa.Date),
                    ).select_from(stg).where(~exists),
                )
            )
        unchanged = existing - older - n_kept - updated
    except BaseException:
        # The transaction may be aborted: the staged relation goes with the connection.
        with contextlib.suppress(Exception):
            staged.drop()
        raise
    staged.drop()
    return _Counts(inserted, updated, unchanged, older, n_kept, kept_rows)


# --- undo --------------------------------------------------------------------------------


@dataclass
class UndoResult:
    batch_id: int
    file_name: str
    removed: int  # rows the upload had inserted, now deleted
    restored: int  # rows the upload had replaced, now back to their previous version


def undo_batch(engine: sa.Engine, batch_id: int, *, on_wait=None, on_undone=None) -> UndoResult:
    """Undo one upload: delete the rows it inserted, restore the rows it replaced.

    Refused (UndoRefused, nothing changed) when the upload was already undone, or when a
    later upload has replaced some of its rows since. ``on_undone(conn, batch, result)`` runs
    in the same transaction before it commits (the audit row); raising there undoes nothing."""
    with kdb.connect(engine, write=True, on_wait=on_wait) as conn:
        b = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
        if b is None:
            raise UndoRefused(f"Không tìm thấy lần tải số {batch_id}.")
        if b["status"] != "loaded":
            when = b["undone_at"].strftime("%d/%m/%Y %H:%M") if b["undone_at"] else ""
            raise UndoRefused(f"Lần tải số {batch_id} ({b['file_name']}) đã được hoàn tác {when}.".strip())
        table, history, keys = FACT_TABLES[b["kind"]]
        unit_id = b["unit_id"]
        join = sa.and_(table.c.unit_id == history.c.unit_id, *[table.c[k] == history.c[k] for k in keys])
        later_new = conn.execute(
            sa.select(table.c.batch_id).where(
                table.c.unit_id == unit_id,
                table.c.created_batch_id == batch_id,
                table.c.batch_id != batch_id,
            )
        ).scalars().all()
        later_rep = conn.execute(
            sa.select(table.c.batch_id)
            .select_from(history.join(table, join))
            .where(history.c.replaced_by_batch_id == batch_id, table.c.batch_id != batch_id)
        ).scalars().all()
        later = sorted(set(later_new) | set(later_rep))
        if later:
            names = conn.execute(
                sa.select(batches.c.id, batches.c.file_name).where(batches.c.id.in_(later))
            ).all()
            listed = ", ".join(f"số {i} ({n})" for i, n in names)
            raise UndoRefused(
                f"Không thể hoàn tác lần tải số {batch_id} ({b['file_name']}): "
                f"{fmt.integer(len(later_new) + len(later_rep))} dòng của nó đã được lần tải sau cập nhật "
                f"({listed}). Hãy hoàn tác các lần tải đó trước. Dữ liệu chưa bị thay đổi."
            )
        removed = conn.execute(
            sa.delete(table).where(table.c.unit_id == unit_id, table.c.created_batch_id == batch_id)
        ).rowcount
        # Restore replaced rows: delete the current version, insert the previous one back.
        hist_rows = history.select().where(history.c.replaced_by_batch_id == batch_id).subquery()
        key_match = sa.and_(
            table.c.unit_id == hist_rows.c.unit_id, *[table.c[k] == hist_rows.c[k] for k in keys]
        )
        conn.execute(sa.delete(table).where(sa.exists(sa.select(1).select_from(hist_rows).where(key_match))))
        cols = [c.name for c in table.columns]
        restored = conn.execute(
            sa.select(sa.func.count()).select_from(history).where(history.c.replaced_by_batch_id == batch_id)
        ).scalar_one()
        conn.execute(
            sa.insert(table).from_select(
                cols,
                sa.select(*[history.c[c] for c in cols]).where(history.c.replaced_by_batch_id == batch_id),
            )
        )
        conn.execute(sa.delete(history).where(history.c.replaced_by_batch_id == batch_id))
        try:
            check_unique(conn, table, keys, unit_id)
        except KeyRepeated as exc:
            raise UndoRefused(
                f"Không thể hoàn tác lần tải số {batch_id} ({b['file_name']}): dữ liệu khôi phục sẽ có "
                "mã trùng nhau. Dữ liệu chưa bị thay đổi; hãy báo cho người quản trị hệ thống."
            ) from exc
        conn.execute(
            sa.update(batches).where(batches.c.id == batch_id).values(status="undone", undone_at=config.now())
        )
        result = UndoResult(batch_id=batch_id, file_name=b["file_name"], removed=removed or 0, restored=restored)
        if on_undone is not None:
            on_undone(conn, b, result)
        return result


# --- the upload log ------------------------------------------------------------------------


def list_batches(engine: sa.Engine, unit: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The upload log, newest first."""
    q = (
        sa.select(
            batches.c.id,
            units.c.name.label("unit"),
            batches.c.kind,
            batches.c.file_name,
            batches.c.sha256,
            batches.c.as_of,
            batches.c.uploaded_by,
            batches.c.uploaded_at,
            batches.c.rows_read,
            batches.c.inserted,
            batches.c.updated,
            batches.c.unchanged,
            batches.c.rejected,
            batches.c.status,
            batches.c.undone_at,
        )
        .join(units, units.c.id == batches.c.unit_id)
        .order_by(batches.c.id.desc())
        .limit(limit)
    )
    if unit:
        q = q.where(units.c.name == unit)
    with kdb.connect(engine) as conn:
        rows = conn.execute(q).mappings().all()
    import pandas as pd

    return pd.DataFrame(rows, columns=[c.name for c in q.selected_columns])


def rejected_rows_of(engine: sa.Engine, batch_id: int) -> pd.DataFrame:
    q = (
        sa.select(rejected_rows.c.row_number, rejected_rows.c.column_name, rejected_rows.c.reason, rejected_rows.c.raw)
        .where(rejected_rows.c.batch_id == batch_id)
        .order_by(rejected_rows.c.row_number)
    )
    with kdb.connect(engine) as conn:
        rows = conn.execute(q).all()
    import pandas as pd

    return pd.DataFrame(rows, columns=["row_number", "column_name", "reason", "raw"])


def has_data(engine: sa.Engine, kind: str = "dossiers") -> bool:
    table = FACT_TABLES[kind][0]
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
