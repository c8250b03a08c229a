"""The one service the upload page and the command line use: read, load, undo, the upload log
and the remembered mappings (exports.md, "Loading rules" and remembered mappings).

    upload = service.read(engine, "Danh sach ho so T3.xlsx", unit="Xã Lộc Tân")
    result = service.load_upload(engine, upload, unit="Xã Lộc Tân", uploaded_by="…")
    # or both at once, as ``python -m ingest`` does:
    result = service.load(engine, path, unit="Xã Lộc Tân", kind="auto")

Reading goes through ``parse`` (the one place a file is parsed: in a worker process once
``ingest.worker`` exists, else in this process). Reading applies the unit's remembered
mappings: every status or channel word staff mapped by hand for the unit, and the columns
they mapped by hand for files of the same header row (``ParsedFile.header_signature``).
A mapping given by hand for this file wins over a remembered one; loading the file
remembers the hand mappings, in the same transaction as the load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import inspect
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ingest import load as L
from ingest.headers import KIND_LABELS, fold, norm
from ingest.model import IngestError, MappingNeeded, ParsedFile
from kpi import audit, config
from kpi import db as kdb
from kpi.schema import column_mappings, value_columns, value_mappings
from kpi.schema import units as units_table

if TYPE_CHECKING:  # pandas is imported where a frame is made, not at start-up
    import pandas as pd

LoadResult = L.LoadResult
UndoResult = L.UndoResult
UndoRefused = L.UndoRefused
sha256_of = L.sha256_of
VALUE_COLUMNS = ("status", "channel")  # the coded columns whose words staff can map by hand


# --- parsing: the one place -------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser():
    """``ingest.worker.parse_in_worker`` (a child process that cannot take the server down)
    when it exists, else ``ingest.reader.parse_file``: same arguments, same result."""
    if importlib.util.find_spec("ingest.worker") is not None:
        from ingest.worker import parse_in_worker

        return parse_in_worker
    from ingest.reader import parse_file

    return parse_file


def parse(source, filename: str | None = None, **kwargs) -> ParsedFile:
    """Parse one file. Arguments the parser does not take yet (``value_overrides`` before
    the reader learns it) are left out rather than failing."""
    fn = _parser()
    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(source, filename, **kwargs)


def header_signature(parsed: ParsedFile) -> str:
    """The header row's stable key: the reader's ``header_signature``, else one made here
    from every header the file has (in any order, whatever it was mapped to)."""
    sig = getattr(parsed, "header_signature", None)
    if sig:
        return sig
    labels = sorted({norm(h) for h in [*parsed.mapping, *parsed.unmapped, *parsed.dropped_personal]})
    return "h1:" + hashlib.sha256("\x1f".join(labels).encode()).hexdigest()[:32]


def unknown_values(parsed: ParsedFile) -> dict[str, dict[str, int]]:
    """{column: {word as written: rows}} of status/channel words the reader did not know."""
    found = getattr(parsed, "unknown_values", None) or {}
    return {c: dict(words) for c, words in found.items() if c in VALUE_COLUMNS and words}


# --- reading ------------------------------------------------------------------------------


@dataclass
class Upload:
    """A file read and ready to load."""

    file_name: str
    sha256: str
    size: int  # bytes
    parsed: ParsedFile
    signature: str
    hand_columns: dict[str, str] = field(default_factory=dict)  # {header: canonical} for this file
    hand_values: dict[str, dict[str, int]] = field(default_factory=dict)  # {column: {word: code}}
    remembered_columns: dict[str, str] = field(default_factory=dict)  # applied from memory
    remembered_values: dict[str, dict[str, int]] = field(default_factory=dict)  # the unit's words
    # The file loads only once staff map by hand (ingest.model.MappingNeeded): the refusal
    # text, and the required columns not found (the headers found are parsed.unmapped; words
    # not known are unknown_values). Loading it as it is raises IngestError with the text.
    needs_mapping: str | None = None
    missing_columns: list[str] = field(default_factory=list)

    @property
    def unknown_values(self) -> dict[str, dict[str, int]]:
        return unknown_values(self.parsed)


def _open(source, filename: str | None):
    """The file to read, and its SHA-256 being computed a block at a time in a thread (the
    parse runs meanwhile; hashlib releases the GIL): ``(src, hashing)``, ``hashing()`` gives
    the hex digest. Missing, a folder or over the upload limit is refused by
    ``ingest.files.open_source`` from the file's size (stat), before any byte is read."""
    import threading

    from ingest import files

    if isinstance(source, (bytearray, memoryview)):
        source = bytes(source)
    src = files.open_source(source, filename)
    if src.path is not None:
        try:
            with open(src.path, "rb"):
                pass
        except PermissionError as exc:
            raise IngestError(f"Không có quyền đọc tệp {src.path}. Kiểm tra quyền truy cập của tệp.") from exc
    out: dict = {}

    def run():
        digest = hashlib.sha256()
        try:
            for block in src.chunks():
                digest.update(block)
            out["hex"] = digest.hexdigest()
        except OSError as exc:
            out["error"] = exc

    worker = threading.Thread(target=run, name="cchc-sha256", daemon=True)
    worker.start()

    def hashing() -> str:
        worker.join()
        if "error" in out:
            raise IngestError(f"Không đọc được tệp {src.name}: {out['error']}.") from out["error"]
        return out["hex"]

    return src, hashing


def _remembered_columns(memory: "Remembered") -> dict[str, dict[str, dict[str, str]]]:
    """{kind: {header signature: {header: canonical}}} for the reader (a later one wins)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for m in memory.columns:
        out.setdefault(m.kind, {}).setdefault(m.header_signature, {})[m.header] = m.canonical
    return out


def _folded(values: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {c: {fold(w): int(code) for w, code in words.items()} for c, words in values.items() if words}


def read(
    engine: sa.Engine,
    source: str | os.PathLike | bytes,
    *,
    filename: str | None = None,
    unit: str | None = None,
    kind: str = "auto",
    period: tuple[dt.date, dt.date] | None = None,
    mapping_overrides: dict[str, str] | None = None,
    value_overrides: dict[str, dict[str, int]] | None = None,
    progress=None,
    on_wait=None,
) -> Upload:
    """Read one file with the unit's remembered mappings and the hand ones given here.
    Raises IngestError (Vietnamese) for a file that cannot be read; nothing is written.
    A file that a mapping by hand would make loadable (a required column not found, or no
    valid row because of unknown status/channel words) comes back as an Upload with
    ``needs_mapping`` set, the headers found and the unknown words, for the upload page's
    column and value mapping."""
    src, hashing = _open(source, filename)
    name = src.name
    hand_columns = dict(mapping_overrides or {})
    hand_values = {c: dict(w) for c, w in (value_overrides or {}).items() if w}
    unit_name = config.unit_name(unit)
    memory = remembered(engine, unit_name, on_wait=on_wait) if unit_name else Remembered()
    words = memory.value_overrides()
    for c, w in hand_values.items():
        words.setdefault(c, {}).update(w)
    # One read: the reader applies the remembered columns of the header row it finds.
    needs, missing = None, []
    try:
        parsed = parse(
            src.path if src.path is not None else src.data, name, kind=kind, period=period,
            mapping_overrides=hand_columns or None, value_overrides=_folded(words) or None,
            remembered_columns=_remembered_columns(memory) or None, progress=progress,
            unit=unit_name,  # a summary table by unit: only this unit's row
        )
    except MappingNeeded as exc:
        parsed, needs, missing = exc.parsed, str(exc), exc.missing
    finally:
        sha256 = hashing()
    signature = header_signature(parsed)
    applied = dict(getattr(parsed, "remembered_columns", None) or {})
    return Upload(
        needs_mapping=needs, missing_columns=missing,
        file_name=name, sha256=sha256, size=src.size, parsed=parsed, signature=signature,
        hand_columns=hand_columns, hand_values=hand_values, remembered_columns=applied,
        remembered_values=memory.value_overrides(),
    )


# --- loading ------------------------------------------------------------------------------


def load_upload(
    engine: sa.Engine,
    upload: Upload,
    *,
    unit: str | None = None,
    allow_rejects: bool = False,
    uploaded_by: str | None = None,
    on_wait=None,
    actor: str = audit.CLI_ACTOR,
) -> LoadResult:
    """Load a file read by ``read`` in one transaction, remembering its hand mappings and
    writing its audit row (``actor``: the account name, "dòng lệnh" by default) there too.
    Raises IngestError when refused; then nothing in the database has changed."""
    if upload.needs_mapping:
        raise IngestError(upload.needs_mapping)
    # A summary table whose rows name their units (read with no unit chosen) needs none.
    by_row = L.row_units(upload.parsed)
    unit_name = None if by_row else L.resolve_unit(unit)
    with kdb.connect(engine, write=True, on_wait=on_wait) as conn:
        result = L.write_parsed(
            conn, upload.parsed, file_name=upload.file_name, sha256=upload.sha256, unit=unit_name,
            allow_rejects=allow_rejects, uploaded_by=uploaded_by,
        )
        unit_ids = []
        for name in by_row or [unit_name]:
            unit_ids.append(kdb.get_or_create_unit(conn, name))
            _remember(conn, unit_ids[-1], upload, uploaded_by)
        if result.status != "duplicate":  # a duplicate changes nothing
            details = {"file_name": upload.file_name, "sha256": upload.sha256,
                       "kind": result.kind, "batch_id": result.batch_id,
                       "rows_read": result.rows_read, "inserted": result.inserted,
                       "updated": result.updated, "unchanged": result.unchanged,
                       "rejected": result.rejected, "uploaded_by": uploaded_by or None}
            if by_row:  # one summary table for several units
                details["units"] = list(by_row)
            columns = {h: c for h, c in upload.hand_columns.items()
                       if c and h in upload.parsed.mapping}
            if columns:  # the mappings remembered with this file (the same transaction)
                details["remembered_columns"] = columns
            if upload.hand_values:
                details["remembered_values"] = upload.hand_values
            audit.record(conn, actor, "upload", unit_ids[0] if len(unit_ids) == 1 else None,
                         f"Tải lên tệp {upload.file_name} ({KIND_LABELS.get(result.kind, result.kind)}): thêm mới "
                         f"{result.inserted}, cập nhật {result.updated}, từ chối {result.rejected}",
                         details)
    result.remembered_columns = dict(upload.remembered_columns)
    return result


def load(
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
    value_overrides: dict[str, dict[str, int]] | None = None,
    progress=None,
    on_wait=None,
    actor: str = audit.CLI_ACTOR,
) -> LoadResult:
    """Read and load one file (the command line, the watched folder, scripts)."""
    unit_name = config.unit_name(unit)  # None: only a summary table naming its units loads
    upload = read(
        engine, source, filename=filename, unit=unit_name, kind=kind, period=period,
        mapping_overrides=mapping_overrides, value_overrides=value_overrides,
        progress=(lambda f: progress(0.7 * f)) if progress else None, on_wait=on_wait,
    )
    result = load_upload(engine, upload, unit=unit_name, allow_rejects=allow_rejects,
                         uploaded_by=uploaded_by, on_wait=on_wait, actor=actor)
    if progress:
        progress(1.0)
    return result


def undo(engine: sa.Engine, batch_id: int, *, on_wait=None, actor: str = audit.CLI_ACTOR,
         units: Iterable[str] | None = None) -> UndoResult:
    """Undo one upload (raises UndoRefused, nothing changed, when it cannot be), audited in
    the same transaction under ``actor``. ``units``: the unit names the caller may change
    (None: every unit); an upload of another unit is refused as if it did not exist."""
    allowed = None if units is None else {kdb.normalize_unit_name(u) for u in units}

    def check_and_record(conn, batch, result):
        if allowed is not None:
            name = conn.execute(sa.select(units_table.c.name)
                                .where(units_table.c.id == batch["unit_id"])).scalar()
            if name not in allowed:
                raise UndoRefused(f"Không tìm thấy lần tải số {batch_id}.")
        audit.record(conn, actor, "undo", batch["unit_id"],
                     f"Hoàn tác lần tải số {batch_id} ({batch['file_name']}): xóa "
                     f"{result.removed} dòng thêm mới, khôi phục {result.restored} dòng",
                     {"batch_id": batch_id, "file_name": batch["file_name"],
                      "sha256": batch["sha256"], "removed": result.removed,
                      "restored": result.restored})

    return L.undo_batch(engine, batch_id, on_wait=on_wait, on_undone=check_and_record)


def history(engine: sa.Engine, unit: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The upload log, newest first."""
    return L.list_batches(engine, unit, limit)


def rejected_rows(engine: sa.Engine, batch_id: int) -> pd.DataFrame:
    """The rows an upload loaded without (row number, column, reason, raw values)."""
    return L.rejected_rows_of(engine, batch_id)


def mapping_choices(kind: str) -> list[str]:
    """The canonical columns a header of a file of ``kind`` can be mapped to."""
    return value_columns(kind)


# --- remembered mappings ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    id: int
    kind: str
    header_signature: str
    header: str
    canonical: str
    created_by: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ValueMapping:
    id: int
    column: str  # status | channel
    word: str
    code: int
    created_by: str | None
    created_at: dt.datetime


@dataclass
class Remembered:
    columns: list[ColumnMapping] = field(default_factory=list)
    values: list[ValueMapping] = field(default_factory=list)

    def value_overrides(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for v in self.values:
            out.setdefault(v.column, {})[v.word] = v.code
        return out


def remembered(engine: sa.Engine, unit: str | None, *, on_wait=None) -> Remembered:
    """The unit's remembered column and value mappings (oldest first)."""
    if not unit:
        return Remembered()
    with kdb.connect(engine, on_wait=on_wait) as conn:
        unit_id = kdb.find_unit(conn, unit)
        if unit_id is None:
            return Remembered()
        cols = conn.execute(
            sa.select(column_mappings).where(column_mappings.c.unit_id == unit_id).order_by(column_mappings.c.id)
        ).mappings().all()
        vals = conn.execute(
            sa.select(value_mappings).where(value_mappings.c.unit_id == unit_id).order_by(value_mappings.c.id)
        ).mappings().all()
    return Remembered(
        [ColumnMapping(r["id"], r["kind"], r["header_signature"], r["header"], r["canonical"],
                       r["created_by"], r["created_at"]) for r in cols],
        [ValueMapping(r["id"], r["column_name"], r["word"], r["code"], r["created_by"], r["created_at"])
         for r in vals],
    )


def _remember(conn: sa.Connection, unit_id: int, upload: Upload, by: str | None) -> None:
    """Store the hand mappings of a loaded file (a newer choice replaces an older one)."""
    by = (by or "").strip() or None
    now = config.now()
    parsed = upload.parsed
    for header, canonical in upload.hand_columns.items():
        if not canonical or header not in parsed.mapping:
            continue  # "ignore this column", or a choice the reader did not take
        conn.execute(sa.delete(column_mappings).where(
            column_mappings.c.unit_id == unit_id, column_mappings.c.kind == parsed.kind,
            column_mappings.c.header_signature == upload.signature, column_mappings.c.header == header,
        ))
        conn.execute(sa.insert(column_mappings).values(
            unit_id=unit_id, kind=parsed.kind, header_signature=upload.signature, header=header,
            canonical=canonical, created_by=by, created_at=now,
        ))
    for column, words in upload.hand_values.items():
        for word, code in words.items():
            key = fold(word)
            conn.execute(sa.delete(value_mappings).where(
                value_mappings.c.unit_id == unit_id, value_mappings.c.column_name == column,
                value_mappings.c.word_key == key,
            ))
            conn.execute(sa.insert(value_mappings).values(
                unit_id=unit_id, column_name=column, word=word, word_key=key, code=int(code),
                created_by=by, created_at=now,
            ))


def forget_column(engine: sa.Engine, unit: str, mapping_id: int, *, on_wait=None,
                  actor: str = audit.CLI_ACTOR) -> bool:
    """Remove one remembered column mapping of the unit (audited); False when there was none."""
    return _forget(engine, column_mappings, unit, mapping_id, on_wait, actor)


def forget_value(engine: sa.Engine, unit: str, mapping_id: int, *, on_wait=None,
                 actor: str = audit.CLI_ACTOR) -> bool:
    """Remove one remembered status/channel word of the unit (audited); False when there was none."""
    return _forget(engine, value_mappings, unit, mapping_id, on_wait, actor)


def _forget(engine, table, unit, mapping_id, on_wait, actor) -> bool:
    with kdb.connect(engine, write=True, on_wait=on_wait) as conn:
        unit_id = kdb.find_unit(conn, unit)
        if unit_id is None:
            return False
        row = conn.execute(sa.select(table).where(table.c.id == int(mapping_id),
                                                  table.c.unit_id == unit_id)).mappings().first()
        if row is None:
            return False
        conn.execute(sa.delete(table).where(table.c.id == int(mapping_id), table.c.unit_id == unit_id))
        if table is column_mappings:
            what = f"cột «{row['header']}» → {row['canonical']}"
            details = {"header": row["header"], "canonical": row["canonical"], "kind": row["kind"]}
        else:
            what = f"giá trị «{row['word']}» ({row['column_name']}) → {row['code']}"
            details = {"column": row["column_name"], "word": row["word"], "code": row["code"]}
        audit.record(conn, actor, "mapping_forget", unit_id, f"Xóa ghép đã nhớ: {what}", details)
        return True
