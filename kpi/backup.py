"""Backups of the embedded DuckDB database (access.md "Backups").

``backup(engine, out_dir)`` takes the writer's lock (``kpi.db.connect``: a running load is
waited for, the dashboard meanwhile waits for us), checkpoints the database so the file holds
every committed change, and copies the file while still holding the lock: a consistent copy,
safe while the dashboard runs. Beside the copy, ``sao-luu.json`` records when, from where,
the schema revision, the row count of every table and the copy's SHA-256.

``restore(engine, src_dir, force=False)`` checks the copy against its record, refuses to
overwrite a database that holds any row unless ``force``, then swaps the file in atomically.

Both are audited (``backup`` in the database backed up, so the copy holds its own record;
``restore`` in the restored database). PostgreSQL has its own tools: pg_dump / pg_restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from kpi import audit, config, migrate
from kpi import db as kdb

DB_FILE = "cchc.duckdb"
MANIFEST = "sao-luu.json"
FORMAT = 1

POSTGRES_MESSAGE = (
    "Cơ sở dữ liệu là PostgreSQL: hãy sao lưu bằng pg_dump (ví dụ: pg_dump -Fc -f cchc.dump "
    "TÊN_CSDL) và khôi phục bằng pg_restore (pg_restore -d TÊN_CSDL cchc.dump). Lệnh này chỉ "
    "sao lưu / khôi phục tệp DuckDB."
)


class BackupError(RuntimeError):
    """A refused or failed backup/restore; the message is Vietnamese and says what to do."""


def database_file(engine: sa.Engine) -> Path:
    url = str(engine.url)
    if engine.dialect.name == "postgresql":
        raise BackupError(POSTGRES_MESSAGE)
    path = kdb.duckdb_file(url)
    if path is None:
        raise BackupError("Chỉ sao lưu / khôi phục được cơ sở dữ liệu DuckDB lưu trong tệp "
                          f"(địa chỉ hiện tại: {engine.url.render_as_string(hide_password=True)}).")
    return path


def table_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows of every table of the database, by name."""
    names = sorted(sa.inspect(conn).get_table_names())
    return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in names}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _copy_durably(src: Path, dst: Path) -> None:
    """Copy to ``dst`` through a temporary name in the same folder, then rename: a reader
    never sees half a file."""
    tmp = dst.with_name(dst.name + ".tmp")
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dst)


def _read_copy(path: Path) -> tuple[dict[str, int], str | None]:
    """Counts and schema revision of a DuckDB file, opened read-only."""
    engine = kdb.file_engine(path, read_only=True)
    try:
        with kdb.connect(engine) as conn:
            return table_counts(conn), migrate.current_revision(conn)
    finally:
        engine.dispose()


def summary(counts: dict[str, int]) -> str:
    return (f"{counts.get('dossiers', 0)} hồ sơ, {counts.get('batches', 0)} lần tải dữ liệu, "
            f"{counts.get('accounts', 0)} tài khoản, {counts.get('audit_log', 0)} dòng nhật ký")


def backup(engine: sa.Engine, out_dir: str | Path, *, actor: str = audit.CLI_ACTOR,
           on_wait: Callable[[float], None] | None = None,
           max_wait: float = kdb.LOCK_WAIT_SECONDS) -> dict:
    """Copy the database into ``out_dir`` (new or empty); the manifest written beside it."""
    source = database_file(engine)
    if not source.exists():
        raise BackupError(f"Không tìm thấy tệp cơ sở dữ liệu {source}. Kiểm tra --db hoặc "
                          "CCHC_DB_URL.")
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"Thư mục {out} đã có tệp. Chọn một thư mục mới hoặc trống để "
                          "không ghi đè bản sao lưu khác.")
    kdb.init_db(engine, on_wait)  # the audit table exists on a database of an earlier release
    out.mkdir(parents=True, exist_ok=True)
    target = out / DB_FILE
    try:
        with kdb.connect(engine, write=True, on_wait=on_wait, max_wait=max_wait) as conn:
            audit.record(conn, actor, "backup", None, f"Sao lưu cơ sở dữ liệu vào {out}",
                         {"out": str(out.resolve())})
        # One connection holds DuckDB's file lock from the counts to the end of the copy.
        with kdb.connect(engine, on_wait=on_wait, max_wait=max_wait) as conn:
            counts = table_counts(conn)
            revision = migrate.current_revision(conn)
            conn.commit()
            conn.exec_driver_sql("CHECKPOINT")
            conn.commit()
            _copy_durably(source, target)  # still under the lock: nothing writes meanwhile
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"Không ghi được bản sao lưu vào {out}: {exc.strerror or exc}.") from exc
    copied, copied_revision = _read_copy(target)
    if copied != counts or copied_revision != revision:
        raise BackupError(f"Bản sao trong {out} không khớp với cơ sở dữ liệu (số dòng khác "
                          "nhau). Hãy chạy lại lệnh sao lưu.")
    manifest = {
        "format": FORMAT,
        "created_at": config.wall_clock().isoformat(timespec="seconds"),
        "source": str(source),
        "engine": "duckdb",
        "file": DB_FILE,
        "sha256": _sha256(target),
        "size": target.stat().st_size,
        "alembic_revision": revision,
        "counts": counts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return manifest


def read_manifest(src_dir: str | Path) -> dict:
    """The manifest of a backup folder, checked against the copy's bytes."""
    src = Path(src_dir)
    manifest_path = src / MANIFEST
    if not src.is_dir():
        raise BackupError(f"Không tìm thấy thư mục sao lưu {src}.")
    if not manifest_path.exists():
        raise BackupError(f"Thư mục {src} không phải bản sao lưu (thiếu tệp {MANIFEST}). Chỉ "
                          "khôi phục được thư mục do python -m kpi backup tạo ra.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        copy = src / manifest["file"]
        expected = manifest["sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"Tệp {manifest_path} bị hỏng, không đọc được.") from exc
    if not copy.exists():
        raise BackupError(f"Thiếu tệp {copy} của bản sao lưu.")
    if _sha256(copy) != expected:
        raise BackupError(f"Tệp {copy} đã bị thay đổi hoặc hỏng (mã SHA-256 không khớp với "
                          f"{MANIFEST}). Không khôi phục từ bản sao này.")
    return manifest


def _target_rows(engine: sa.Engine, on_wait, max_wait) -> int | None:
    """Rows in the target database (schema revision excluded); None if it is not a DuckDB
    database we can read."""
    try:
        with kdb.connect(engine, on_wait=on_wait, max_wait=max_wait) as conn:
            counts = table_counts(conn)
            conn.commit()
            conn.exec_driver_sql("CHECKPOINT")  # nothing of it left in a write-ahead log
            conn.commit()
    except (kdb.DatabaseUnavailable, sa.exc.DBAPIError):
        return None
    return sum(n for name, n in counts.items() if name != "alembic_version")


def restore(engine: sa.Engine, src_dir: str | Path, *, force: bool = False,
            actor: str = audit.CLI_ACTOR, on_wait: Callable[[float], None] | None = None,
            max_wait: float = kdb.LOCK_WAIT_SECONDS) -> dict:
    """Put the backup in ``src_dir`` in place of the database of ``engine``."""
    target = database_file(engine)
    manifest = read_manifest(src_dir)
    copy = Path(src_dir) / manifest["file"]
    counts, revision = _read_copy(copy)
    if counts != manifest.get("counts"):
        raise BackupError(f"Số dòng trong {copy} không khớp với {MANIFEST}. Không khôi phục từ "
                          "bản sao này.")
    if revision is not None and revision not in migrate.known_revisions():
        raise BackupError(f"Bản sao lưu được tạo bởi một phiên bản mới hơn của chương trình "
                          f"(lược đồ {revision}). Hãy cập nhật chương trình rồi khôi phục.")
    if target.exists():
        rows = _target_rows(engine, on_wait, max_wait)
        if rows is None and not force:
            raise BackupError(f"Tệp {target} không đọc được như một cơ sở dữ liệu DuckDB. Dùng "
                              "--force để ghi đè nó bằng bản sao lưu.")
        if rows and not force:
            raise BackupError(f"Cơ sở dữ liệu {target} đang có dữ liệu ({rows} dòng). Khôi phục "
                              "sẽ xóa hết dữ liệu này; nếu chắc chắn, chạy lại với --force.")
    target.parent.mkdir(parents=True, exist_ok=True)
    wal = target.with_name(target.name + ".wal")
    try:
        _copy_durably(copy, target)
        wal.unlink(missing_ok=True)  # a log of the replaced file must never replay on the copy
    except OSError as exc:
        raise BackupError(f"Không ghi được {target}: {exc.strerror or exc}.") from exc
    kdb.init_db(engine, on_wait)  # a copy of an earlier release gets the current schema
    with kdb.connect(engine, write=True, on_wait=on_wait, max_wait=max_wait) as conn:
        audit.record(conn, actor, "restore", None,
                     f"Khôi phục cơ sở dữ liệu từ {Path(src_dir)} ({summary(counts)})",
                     {"from": str(Path(src_dir).resolve()), "backup_created_at":
                      manifest.get("created_at"), "sha256": manifest["sha256"],
                      "forced": bool(force)})
    return manifest
