"""Write parsed exports to the database: upsert, upload log, rejected rows, undo.

All writes of uploaded data go through ``load_parsed`` (one path, one transaction per file),
so the command line and the upload page behave the same.

Rules (exports.md, "Loading rules"):
- rows are upserted by (unit, key); a row replaces the stored one only when its file's as-of
  date is the same or later (a tie goes to the later upload);
- a column the file does not carry leaves the stored values of that column as they were;
- "updated" counts rows whose values actually changed;
- a file whose SHA-256 was already loaded (and not undone) changes nothing;
- the previous version of every replaced row is kept, so an upload can be undone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ingest.model import IngestError, ParsedFile, Reject
from kpi import config
from kpi import db as kdb
from kpi.coverage import covers_from
from kpi.schema import FACT_TABLES, batches, rejected_rows, units

# Short names for the one-line summaries of the command line.
KIND_SHORT = {
    "dossiers": "hồ sơ",
    "ratings": "đánh giá hài lòng",
    "procedures": "danh mục TTHC",
    "feedback": "phản ánh, kiến nghị",
    "summary": "Biểu số 06/VPCP/KSTT",
}

MAX_LISTED_REJECTS = 20


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
    rejected: int = 0
    as_of: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    previous_load_at: dt.datetime | None = None  # when status == "duplicate"

    def summary_line(self) -> str:
        """One line for the command line (cli.md)."""
        label = KIND_SHORT.get(self.kind, self.kind)
        if self.status == "duplicate":
            when = self.previous_load_at.strftime("%d/%m/%Y %H:%M") if self.previous_load_at else "?"
            return (
                f"{self.file_name}: {self.kind} ({label}) — tệp này đã được nạp lúc {when}, "
                f"không thay đổi gì (đọc {self.rows_read}, thêm mới 0, cập nhật 0, từ chối 0)"
            )
        line = (
            f"{self.file_name}: {self.kind} ({label}) — đọc {self.rows_read}, "
            f"thêm mới {self.inserted}, cập nhật {self.updated}, từ chối {self.rejected}"
        )
        extra = []
        if self.unchanged:
            extra.append(f"không đổi {self.unchanged}")
        if self.skipped_older:
            extra.append(f"bỏ qua {self.skipped_older} dòng cũ hơn dữ liệu đã có")
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
        f"Tệp {file_name} bị từ chối: {len(rejects)} dòng không hợp lệ, "
        "không có dữ liệu nào được ghi vào cơ sở dữ liệu."
    ]
    for r in rejects[:MAX_LISTED_REJECTS]:
        col = f", cột «{r.column}»" if r.column else ""
        lines.append(f"  - Dòng {r.row_number}{col}: {r.reason}")
    if len(rejects) > MAX_LISTED_REJECTS:
        lines.append(f"  … và {len(rejects) - MAX_LISTED_REJECTS} dòng khác.")
    lines.append(
        "Hãy sửa các dòng trên trong tệp rồi tải lại, hoặc chọn chỉ nạp các dòng hợp lệ "
        "(dòng lệnh: --allow-rejects); các dòng bị từ chối sẽ được lưu lại trong nhật ký tải."
    )
    return "\n".join(lines)


def load_file(
    engine: sa.Engine,
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    unit: str | None = None,
    kind: str = "auto",
    period: tuple[dt.date, dt.date] | None = None,
    allow_rejects: bool = False,
    uploaded_by: str | None = None,
    mapping_overrides: dict[str, str] | None = None,
    progress=None,
    on_wait=None,
) -> LoadResult:
    """Read one file and load it. Raises IngestError (Vietnamese message) when refused;
    then nothing in the database has changed."""
    from ingest.reader import parse_file

    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        name = filename or "tệp tải lên"
    else:
        path = Path(source)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise IngestError(f"Không tìm thấy tệp {path}. Kiểm tra lại đường dẫn.") from exc
        except IsADirectoryError as exc:
            raise IngestError(f"{path} là một thư mục, không phải tệp dữ liệu.") from exc
    parsed = parse_file(
        data,
        name,
        kind=kind,
        period=period,
        mapping_overrides=mapping_overrides,
        progress=(lambda f: progress(0.7 * f)) if progress else None,
    )
    result = load_parsed(
        engine,
        parsed,
        file_name=name,
        sha256=sha256_of(data),
        unit=unit,
        allow_rejects=allow_rejects,
        uploaded_by=uploaded_by,
        on_wait=on_wait,
    )
    if progress:
        progress(1.0)
    return result


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
    """Load a parsed file in one transaction."""
    unit_name = config.unit_name(unit)
    if not unit_name:
        raise IngestError(
            "Chưa xác định đơn vị (xã, phường) của dữ liệu. Hãy chọn đơn vị, "
            "hoặc dùng --unit / biến môi trường CCHC_UNIT."
        )
    if parsed.frame.empty and not parsed.rejects:
        raise IngestError(
            f"Tệp {file_name} không có dòng dữ liệu hợp lệ nào để nạp. "
            "Kiểm tra lại tệp xuất từ hệ thống một cửa."
        )
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
    with kdb.connect(engine, write=True, on_wait=on_wait) as conn:
        unit_id = kdb.get_or_create_unit(conn, unit_name)
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
        if parsed.frame.empty:
            raise IngestError(
                f"Tệp {file_name} không có dòng dữ liệu hợp lệ nào để nạp. "
                "Kiểm tra lại tệp xuất từ hệ thống một cửa."
            )
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
                covers_from=covers_from(parsed.kind, parsed.period, parsed.frame),
                uploaded_by=(uploaded_by or "").strip() or None,
                uploaded_at=config.now(),
                rows_read=parsed.rows_read,
                rejected=len(parsed.rejects),
                columns=json.dumps(columns, ensure_ascii=False),
                warnings=json.dumps(parsed.warnings, ensure_ascii=False),
                status="loaded",
            )
            .returning(batches.c.id)
        ).scalar_one()
        result.batch_id = batch_id
        counts = _upsert(conn, table, history, keys, columns, parsed.frame, unit_id, batch_id, as_of)
        result.inserted, result.updated, result.unchanged, result.skipped_older = counts
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
                unchanged=result.unchanged + result.skipped_older,
            )
        )
    return result


# --- upsert ---------------------------------------------------------------------------


def _staging_table(table: sa.Table, keys: list[str], columns: list[str]) -> sa.Table:
    md = sa.MetaData()
    name = f"stg_{table.name}_{uuid.uuid4().hex[:8]}"
    cols = [sa.Column(k, table.c[k].type) for k in keys] + [
        sa.Column(c, table.c[c].type) for c in columns
    ]
    return sa.Table(name, md, *cols, prefixes=["TEMPORARY"])


def _frame_for_staging(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    # The reader already keeps the later of duplicate keys; stay safe if a caller did not.
    return frame[keys + columns].drop_duplicates(subset=keys, keep="last")


def bulk_insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert a DataFrame into ``table`` by each engine's fast path (DuckDB: scan of the
    frame; PostgreSQL: COPY), falling back to executemany."""
    if frame.empty:
        return
    cols = list(frame.columns)
    dialect = conn.dialect.name
    if dialect == "duckdb":
        raw = conn.connection.dbapi_connection
        view = f"df_{uuid.uuid4().hex[:8]}"
        raw.register(view, frame)
        try:
            col_list = ", ".join(f'"{c}"' for c in cols)
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({col_list}) SELECT {col_list} FROM {view}')
        finally:
            raw.unregister(view)
        return
    if dialect == "postgresql":
        raw = conn.connection.dbapi_connection
        col_list = ", ".join(f'"{c}"' for c in cols)
        records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({col_list}) FROM STDIN') as cp:
                for rec in records:
                    cp.write_row(rec)
        return
    conn.execute(
        sa.insert(table),
        frame.astype(object).where(frame.notna(), None).to_dict("records"),
    )


def _upsert(conn, table, history, keys, columns, frame, unit_id, batch_id, as_of):
    stg = _staging_table(table, keys, columns)
    stg.create(conn)
    try:
        bulk_insert(conn, stg, _frame_for_staging(frame, keys, columns))
        join = sa.and_(table.c.unit_id == unit_id, *[table.c[k] == stg.c[k] for k in keys])
        eligible = sa.or_(table.c.as_of.is_(None), table.c.as_of <= as_of)
        changed = sa.or_(*[table.c[c].is_distinct_from(stg.c[c]) for c in columns]) if columns else sa.false()

        total = len(frame)
        existing = conn.execute(sa.select(sa.func.count()).select_from(table.join(stg, join))).scalar_one()
        older = conn.execute(
            sa.select(sa.func.count()).select_from(table.join(stg, join)).where(sa.not_(eligible))
        ).scalar_one()

        # Rows whose values change, and rows whose values the file only confirms with newer
        # knowledge (their as-of date moves forward, so an older export loaded later cannot
        # overwrite them). Both keep their previous version, so undo puts everything back.
        newer = sa.or_(table.c.as_of.is_(None), table.c.as_of < as_of)
        updated = conn.execute(
            sa.select(sa.func.count()).select_from(table.join(stg, join)).where(eligible, changed)
        ).scalar_one()
        hist_cols = [c.name for c in table.columns]
        conn.execute(
            sa.insert(history).from_select(
                ["replaced_by_batch_id", *hist_cols],
                sa.select(sa.literal(batch_id, sa.Integer), *[table.c[c] for c in hist_cols])
                .select_from(table.join(stg, join))
                .where(eligible, sa.or_(changed, newer)),
            )
        )
        if updated:
            conn.execute(
                sa.update(table)
                .values({**{c: stg.c[c] for c in columns}, "batch_id": batch_id, "as_of": as_of})
                .where(join, eligible, changed)
            )
        conn.execute(
            sa.update(table)
            .values(as_of=as_of, batch_id=batch_id)
            .where(join, newer, sa.not_(changed))
        )
        inserted = total - existing
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
                    ).where(~exists),
                )
            )
        unchanged = existing - older - updated
        return inserted, updated, unchanged, older
    finally:
        stg.drop(conn)


# --- undo --------------------------------------------------------------------------------


@dataclass
class UndoResult:
    batch_id: int
    file_name: str
    removed: int  # rows the upload had inserted, now deleted
    restored: int  # rows the upload had replaced, now back to their previous version


def undo_batch(engine: sa.Engine, batch_id: int, *, on_wait=None) -> UndoResult:
    """Undo one upload: delete the rows it inserted, restore the rows it replaced.

    Refused (UndoRefused, nothing changed) when the upload was already undone, or when a
    later upload has replaced some of its rows since."""
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
                f"{len(later_new) + len(later_rep)} dòng của nó đã được lần tải sau cập nhật "
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
        conn.execute(
            sa.update(batches).where(batches.c.id == batch_id).values(status="undone", undone_at=config.now())
        )
        return UndoResult(batch_id=batch_id, file_name=b["file_name"], removed=removed or 0, restored=restored)


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
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in q.selected_columns])


def rejected_rows_of(engine: sa.Engine, batch_id: int) -> pd.DataFrame:
    q = (
        sa.select(rejected_rows.c.row_number, rejected_rows.c.column_name, rejected_rows.c.reason, rejected_rows.c.raw)
        .where(rejected_rows.c.batch_id == batch_id)
        .order_by(rejected_rows.c.row_number)
    )
    with kdb.connect(engine) as conn:
        return pd.DataFrame(conn.execute(q).all(), columns=["row_number", "column_name", "reason", "raw"])


def has_data(engine: sa.Engine, kind: str = "dossiers") -> bool:
    table = FACT_TABLES[kind][0]
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
