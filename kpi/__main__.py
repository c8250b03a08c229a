"""``python -m kpi snapshot``: the compliance snapshot from the command line (shared/spec/cli.md).

    python -m kpi snapshot [--db URL] [--unit NAME] --period P
                           [--on-time-definition 766|resolved|due]
                           [--satisfaction-definition 766|ratings]
                           [--format json|pdf|docx|xlsx] [--out FILE]

Exit 0 on success; 1 for a bad period, an unknown unit or an unreachable database (message in
Vietnamese on standard error); 2 for wrong arguments (usage). ``--unit '*'`` sums all units.

The other commands (``users``, ``backup``, ``restore``) live in kpi/commands/, one module each.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import sqlalchemy as sa

from kpi import config
from kpi import definitions as D
from kpi.cli import VietnameseArgumentParser

FORMATS = ("json", "pdf", "docx", "xlsx")


def build_parser() -> VietnameseArgumentParser:
    parser = VietnameseArgumentParser(
        prog="python -m kpi",
        description="Tính các chỉ số cải cách hành chính của một đơn vị trong một kỳ.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")
    sub.required = True
    sp = sub.add_parser(
        "snapshot",
        help="báo cáo kết quả thực hiện chỉ tiêu của một kỳ",
        description="Báo cáo kết quả thực hiện chỉ tiêu của một kỳ (JSON, PDF, DOCX, XLSX).",
    )
    sp.add_argument("--db", metavar="URL", help="địa chỉ cơ sở dữ liệu (SQLAlchemy URL)")
    sp.add_argument("--unit", metavar="TÊN", help="tên đơn vị (xã, phường); '*' = tất cả")
    sp.add_argument("--period", required=True, metavar="KỲ",
                    help="2026-03 (tháng), 2026-Q1 (quý), 2026 (năm) hoặc 2026-01-01..2026-03-31")
    sp.add_argument("--on-time-definition", choices=D.ON_TIME_CHOICES, default="766",
                    help="cách tính tỷ lệ đúng hạn (mặc định 766)")
    sp.add_argument("--satisfaction-definition", choices=D.SATISFACTION_CHOICES, default="766",
                    help="cách tính mức độ hài lòng (mặc định 766)")
    sp.add_argument("--format", choices=FORMATS, default="json",
                    help="định dạng kết quả (mặc định json, in ra màn hình)")
    sp.add_argument("--out", metavar="TỆP", help="tệp kết quả (bắt buộc với pdf, docx, xlsx)")
    sp.set_defaults(parser=sp)
    for module in command_modules():
        module.add_parser(sub)
    return parser


# One module per command in kpi/commands/: ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS = ("users", "backup", "restore")


def command_modules():
    return [importlib.import_module(f"kpi.commands.{name}") for name in COMMANDS]


def _fail(message: str) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return 1


def render_file(fmt: str, snapshot: dict, out_path: str, extras: dict) -> int:
    """Write a PDF/DOCX/XLSX report through ``kpi.report.render``; exit status."""
    try:
        from kpi.report import render
    except ImportError:
        return _fail(f"Chưa có bộ xuất báo cáo (mô-đun kpi.report) nên chưa xuất được tệp "
                     f"{fmt.upper()}. Hãy dùng --format json.")
    try:
        render(fmt, snapshot, out_path, extras)
    except OSError as exc:
        return _fail(f"Không ghi được tệp {out_path}: {exc.strerror or exc}.")
    except Exception as exc:  # noqa: BLE001 - the user gets a message, not a traceback
        return _fail(f"Không tạo được báo cáo {fmt.upper()}: {exc}")
    print(f"Đã ghi báo cáo {fmt.upper()}: {out_path}", file=sys.stderr)
    return 0


def snapshot_command(args) -> int:
    from kpi import db as kdb
    from kpi import queries as Q
    from kpi import snapshot as snap_mod
    from kpi.periods import PeriodError, parse_period

    if args.format != "json" and not args.out:
        args.parser.error(f"cần --out TỆP khi xuất định dạng {args.format}")
    try:
        period = parse_period(args.period)
    except PeriodError as exc:
        return _fail(str(exc))
    unit = config.unit_name(args.unit)
    if not unit:
        return _fail("Chưa chọn đơn vị: dùng --unit TÊN hoặc biến môi trường CCHC_UNIT.")
    unit_arg = None if unit == "*" else unit
    url = config.db_url(args.db)
    missing = kdb.missing_duckdb_file(url)
    if missing is not None:
        return _fail(f"Không tìm thấy tệp cơ sở dữ liệu {missing}. Kiểm tra --db hoặc "
                     "CCHC_DB_URL, hoặc tải dữ liệu trước (python -m ingest).")
    try:
        engine = kdb.get_engine(url)
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver
        return _fail(f"Địa chỉ cơ sở dữ liệu không hợp lệ ({url}): {exc}")
    on_time, satisfaction = args.on_time_definition, args.satisfaction_definition
    try:
        extras = None
        if args.format == "json":
            data = Q.snapshot(engine, unit_arg, period, on_time, satisfaction).to_json()
        else:  # the same input as the report page's downloads
            from kpi.report.assemble import report_input

            data, extras = report_input(engine, unit_arg, period, on_time, satisfaction)
    except Q.UnknownUnit as exc:
        return _fail(str(exc))
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        return _fail(str(exc))
    except sa.exc.DBAPIError as exc:
        first = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        if "does not exist" in first or "Catalog Error" in first or "no such table" in first:
            return _fail("Cơ sở dữ liệu chưa được khởi tạo (chưa có bảng dữ liệu). Hãy tải dữ "
                         "liệu trước (python -m ingest).")
        return _fail(f"Không đọc được cơ sở dữ liệu: {first}")
    if args.format == "json":
        text = snap_mod.dumps(data)
        print(text)
        if args.out:
            try:
                Path(args.out).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                return _fail(f"Không ghi được tệp {args.out}: {exc.strerror or exc}.")
        return 0
    return render_file(args.format, data, args.out, extras)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass
    args = build_parser().parse_args(argv)
    if args.command == "snapshot":
        return snapshot_command(args)
    if args.command in COMMANDS:
        return importlib.import_module(f"kpi.commands.{args.command}").run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
