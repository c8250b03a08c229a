"""``python -m kpi restore DIR [--force]``: put a backup of ``python -m kpi backup`` in place
of the DuckDB database (access.md "Backups"; the work is in kpi/backup.py).

A database that holds any row is overwritten only with ``--force``. Exit 0 when restored;
1 with a Vietnamese message otherwise (PostgreSQL: use pg_restore); 2 for wrong arguments.
"""

from __future__ import annotations

import datetime as dt

from kpi.commands.backup import engine_for, guarded, waiting_notice
from kpi.commands.common import add_db_arg


def add_parser(subparsers):
    p = subparsers.add_parser(
        "restore", help="khôi phục cơ sở dữ liệu DuckDB từ bản sao lưu",
        description="Khôi phục cơ sở dữ liệu DuckDB từ một thư mục do python -m kpi backup "
                    "tạo ra. Không ghi đè cơ sở dữ liệu đang có dữ liệu nếu thiếu --force.")
    add_db_arg(p)
    p.add_argument("src", metavar="THƯ_MỤC", help="thư mục sao lưu")
    p.add_argument("--force", action="store_true",
                   help="ghi đè cả cơ sở dữ liệu đang có dữ liệu (dữ liệu đó sẽ mất)")
    return p


def run(args) -> int:
    from kpi import backup as B
    from kpi import format as fmt

    engine = engine_for(args)
    manifest = guarded(lambda: B.restore(engine, args.src, force=args.force,
                                         on_wait=waiting_notice()))
    taken = dt.datetime.fromisoformat(manifest["created_at"])
    print(f"Đã khôi phục {B.database_file(engine)} từ {args.src} (bản sao lưu lúc "
          f"{fmt.datetime(taken)}): {B.summary(manifest['counts'])}.")
    return 0
