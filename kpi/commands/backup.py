"""``python -m kpi backup --out DIR``: a consistent copy of the DuckDB database, safe while
the dashboard runs (access.md "Backups"; the work is in kpi/backup.py).

Exit 0 when the copy is written; 1 with a Vietnamese message otherwise (PostgreSQL: use
pg_dump); 2 for wrong arguments.
"""

from __future__ import annotations

import sys

from kpi import config
from kpi.commands.common import CommandError, add_db_arg


def add_parser(subparsers):
    p = subparsers.add_parser(
        "backup", help="sao lưu cơ sở dữ liệu DuckDB",
        description="Sao lưu cơ sở dữ liệu DuckDB vào một thư mục mới (an toàn khi bảng "
                    "điều khiển đang chạy). Với PostgreSQL hãy dùng pg_dump.")
    add_db_arg(p)
    p.add_argument("--out", required=True, metavar="THƯ_MỤC",
                   help="thư mục chứa bản sao lưu (mới hoặc trống)")
    return p


def waiting_notice():
    """``on_wait`` that tells once that the database is busy."""
    told = []

    def on_wait(_seconds: float) -> None:
        if not told:
            told.append(True)
            print("Cơ sở dữ liệu đang bận (một lần tải dữ liệu đang chạy); đang chờ…",
                  file=sys.stderr)

    return on_wait


def engine_for(args):
    """The DuckDB engine of ``--db``; PostgreSQL (or another engine) is a CommandError that
    names pg_dump / pg_restore."""
    from kpi import backup as B
    from kpi import db as kdb

    url = config.db_url(args.db)
    if not kdb.is_duckdb(url):
        raise CommandError(B.POSTGRES_MESSAGE if url.startswith("postgresql")
                           else f"Chỉ sao lưu / khôi phục được cơ sở dữ liệu DuckDB ({url}).")
    return kdb.get_engine(url)


def guarded(work):
    """Run ``work()``; a refused backup/restore or a busy database is a CommandError."""
    from kpi import backup as B
    from kpi import db as kdb

    try:
        return work()
    except (B.BackupError, kdb.DatabaseBusy, kdb.DatabaseUnavailable) as exc:
        raise CommandError(str(exc)) from exc


def run(args) -> int:
    from kpi import backup as B

    engine = engine_for(args)
    manifest = guarded(lambda: B.backup(engine, args.out, on_wait=waiting_notice()))
    print(f"Đã sao lưu {manifest['source']} vào {args.out}: {B.summary(manifest['counts'])}.")
    return 0
