"""Command line: load export files (cli.md, "Load files"), or watch a folder for them.

    python -m ingest [--db URL] [--unit NAME] [--kind auto|dossiers|ratings|procedures|feedback|summary]
                     [--period START..END] [--allow-rejects] [--by NAME] FILE [FILE ...]
    python -m ingest [same options] --watch DIR [--once] [--log FILE] [--interval S] [--settle S]

Files are read and loaded by ``ingest.service`` (the same service as the upload page), with
the unit's remembered column and value mappings; the watched folder is ``ingest.watch``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import config
from kpi.cli import VietnameseArgumentParser, parse_period_arg

# kpi.schema.KINDS, written out so that --help needs no SQLAlchemy (a test keeps them equal).
KINDS = ("dossiers", "ratings", "procedures", "feedback", "summary")

EPILOG = """\
Theo dõi thư mục (--watch): nạp mọi tệp mới xuất hiện trong thư mục, mỗi nội dung tệp một lần
(theo SHA-256); tệp đang được ghi (kích thước còn thay đổi) được chờ cho xong; mỗi tệp một dòng
kết quả, in ra và ghi vào tệp nhật ký (mặc định THƯ-MỤC/nhat-ky-nap.log). Tệp bị từ chối được
ghi nhật ký rồi bỏ qua, không thử lại cho đến khi nội dung tệp thay đổi; việc theo dõi không
bao giờ dừng vì một tệp lỗi. Với --once: xử lý các tệp đang có rồi thoát — mã thoát 0 khi mọi
tệp mới đều nạp được (hoặc đã nạp trước đó), 1 khi có tệp bị từ chối trong lần chạy này hoặc
cơ sở dữ liệu không dùng được (tệp đó sẽ được thử lại ở lần chạy sau). Dùng --once cho tác vụ
định kỳ (cron, Task Scheduler).
"""


def build_parser() -> argparse.ArgumentParser:
    p = VietnameseArgumentParser(
        prog="python -m ingest",
        description="Nạp các tệp xuất từ hệ thống một cửa điện tử vào cơ sở dữ liệu.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", metavar="URL", help="địa chỉ cơ sở dữ liệu (SQLAlchemy URL); mặc định CCHC_DB_URL")
    p.add_argument("--unit", metavar="TÊN", help="đơn vị (xã, phường) của dữ liệu; mặc định CCHC_UNIT")
    p.add_argument("--kind", choices=["auto", *KINDS], default="auto", help="loại tệp (mặc định: tự nhận biết)")
    p.add_argument("--period", metavar="TỪ..ĐẾN", help="kỳ báo cáo của tệp tổng hợp (Biểu số 06) khi tiêu đề không ghi")
    p.add_argument("--allow-rejects", action="store_true", help="nạp các dòng hợp lệ, lưu các dòng bị từ chối vào nhật ký")
    p.add_argument("--by", metavar="TÊN", help="tên người tải (ghi vào nhật ký)")
    p.add_argument("--watch", metavar="THƯ-MỤC", help="theo dõi thư mục và nạp mọi tệp mới xuất hiện trong đó")
    p.add_argument("--once", action="store_true", help="(với --watch) xử lý các tệp đang có rồi thoát")
    p.add_argument("--log", metavar="TỆP", help="(với --watch) tệp nhật ký; mặc định THƯ-MỤC/nhat-ky-nap.log")
    p.add_argument("--interval", type=float, default=60.0, metavar="GIÂY",
                   help="(với --watch) số giây giữa hai lần quét thư mục (mặc định 60)")
    p.add_argument("--settle", type=float, default=3.0, metavar="GIÂY",
                   help="(với --watch) tệp phải giữ nguyên kích thước chừng này giây mới được đọc (mặc định 3)")
    p.add_argument("--max-wait", type=float, default=60.0, metavar="GIÂY", help=argparse.SUPPRESS)
    p.add_argument("files", nargs="*", metavar="TỆP", help="tệp .xlsx, .xls hoặc .csv")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.files) == bool(args.watch):
        parser.error("cần ít nhất một TỆP, hoặc --watch THƯ-MỤC (không dùng cả hai)")
    if args.once and not args.watch:
        parser.error("--once chỉ dùng cùng --watch")
    period = parse_period_arg(args.period) if args.period else None
    unit = config.unit_name(args.unit)

    from ingest import worker

    worker.warm_up(worker.CLI_PRELOAD)  # the parse worker starts while SQLAlchemy and the database open

    from ingest.model import IngestError
    from kpi import db as kdb

    try:
        engine = kdb.get_engine(args.db)
        kdb.init_db(engine)
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bad URL or a missing driver: a message, not a traceback
        print(f"Lỗi: địa chỉ cơ sở dữ liệu không dùng được ({config.db_url(args.db)}): {exc}. "
              "Kiểm tra --db hoặc CCHC_DB_URL.", file=sys.stderr)
        return 1

    waiting_told = False

    def on_wait(seconds: float) -> None:
        nonlocal waiting_told
        if not waiting_told:
            print(
                "Cơ sở dữ liệu đang được tiến trình khác sử dụng (bảng điều khiển hoặc một lần nạp khác); đang chờ…",
                file=sys.stderr,
            )
            waiting_told = True

    options = dict(unit=unit, kind=args.kind, period=period, allow_rejects=args.allow_rejects,
                   uploaded_by=args.by, on_wait=on_wait)
    if args.watch:
        from ingest import watch

        folder = Path(args.watch)
        if not folder.is_dir():
            print(f"Lỗi: không tìm thấy thư mục {folder}. Kiểm tra lại đường dẫn --watch.", file=sys.stderr)
            return 1
        return watch.run(engine, folder, once=args.once, interval=args.interval, settle=args.settle,
                         max_wait=args.max_wait, log_path=Path(args.log) if args.log else None,
                         load_options=options)

    from ingest import service
    from ingest.headers import COLUMN_LABELS

    failed = 0
    for path in args.files:
        try:
            result = service.load(engine, path, **options)
        except IngestError as exc:
            failed += 1
            print(f"{path}: KHÔNG NẠP — {exc}", file=sys.stderr)
            print(f"{path}: tệp này không làm thay đổi cơ sở dữ liệu.", file=sys.stderr)
            continue
        except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
            failed += 1
            print(f"{path}: KHÔNG NẠP — {exc}", file=sys.stderr)
            continue
        print(result.summary_line())
        if result.remembered_columns:
            print("  Ghép cột đã nhớ của đơn vị: " + "; ".join(
                f"«{h}» → {COLUMN_LABELS.get(c, c)}" for h, c in result.remembered_columns.items()))
        for w in result.warnings:
            print(f"  Cảnh báo: {w}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
