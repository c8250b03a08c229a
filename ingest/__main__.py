"""Command line: load export files (cli.md, "Load files").

    python -m ingest [--db URL] [--unit NAME] [--kind auto|dossiers|ratings|procedures|feedback|summary]
                     [--period START..END] [--allow-rejects] FILE [FILE ...]
"""

from __future__ import annotations

import argparse
import sys

from ingest.load import load_file
from ingest.model import IngestError
from kpi import config
from kpi import db as kdb
from kpi.cli import VietnameseArgumentParser, parse_period_arg
from kpi.schema import KINDS


def build_parser() -> argparse.ArgumentParser:
    p = VietnameseArgumentParser(
        prog="python -m ingest",
        description="Nạp các tệp xuất từ hệ thống một cửa điện tử vào cơ sở dữ liệu.",
    )
    p.add_argument("--db", metavar="URL", help="địa chỉ cơ sở dữ liệu (SQLAlchemy URL); mặc định CCHC_DB_URL")
    p.add_argument("--unit", metavar="TÊN", help="đơn vị (xã, phường) của dữ liệu; mặc định CCHC_UNIT")
    p.add_argument("--kind", choices=["auto", *KINDS], default="auto", help="loại tệp (mặc định: tự nhận biết)")
    p.add_argument("--period", metavar="TỪ..ĐẾN", help="kỳ báo cáo của tệp tổng hợp (Biểu số 06) khi tiêu đề không ghi")
    p.add_argument("--allow-rejects", action="store_true", help="nạp các dòng hợp lệ, lưu các dòng bị từ chối vào nhật ký")
    p.add_argument("--by", metavar="TÊN", help="tên người tải (ghi vào nhật ký)")
    p.add_argument("files", nargs="+", metavar="TỆP", help="tệp .xlsx, .xls hoặc .csv")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    period = parse_period_arg(args.period) if args.period else None
    unit = config.unit_name(args.unit)
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

    failed = 0
    for path in args.files:
        try:
            result = load_file(
                engine,
                path,
                unit=unit,
                kind=args.kind,
                period=period,
                allow_rejects=args.allow_rejects,
                uploaded_by=args.by,
                on_wait=on_wait,
            )
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
        for w in result.warnings:
            print(f"  Cảnh báo: {w}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
