"""``python -m kpi snapshot``: the compliance snapshot of one unit and period (cli.md).

    python -m kpi snapshot [--db URL] [--unit NAME] --period P
                           [--on-time-definition 766|resolved|due]
                           [--satisfaction-definition 766|ratings]
                           [--format json|pdf|docx|xlsx] [--out FILE]

Exit 0 on success; 1 for a bad period, an unknown unit or an unreachable database (message in
Vietnamese on standard error); 2 for wrong arguments (usage). ``--unit '*'`` sums all units.
"""

from __future__ import annotations

import sys

from kpi.commands.common import (
    add_database_args, add_definition_args, choice, fail, open_engine, reading, unit_arg, write_text,
)

FORMATS = ("json", "pdf", "docx", "xlsx")


def add_parser(subparsers):
    sp = subparsers.add_parser(
        "snapshot",
        help="báo cáo kết quả thực hiện chỉ tiêu của một kỳ",
        description="Báo cáo kết quả thực hiện chỉ tiêu của một kỳ (JSON, PDF, DOCX, XLSX).",
    )
    add_database_args(sp)
    sp.add_argument("--period", required=True, metavar="KỲ",
                    help="2026-03 (tháng), 2026-Q1 (quý), 2026-H1 (6 tháng), 2026 (năm), "
                         "2026-01-01..2026-03-31; thêm @15 cho kỳ báo cáo theo NĐ 09/2019 "
                         "(2026-Q1@15)")
    add_definition_args(sp)
    sp.add_argument("--format", choices=FORMATS, default="json",
                    help="định dạng kết quả (mặc định json, in ra màn hình)")
    sp.add_argument("--out", metavar="TỆP", help="tệp kết quả (bắt buộc với pdf, docx, xlsx)")
    return sp


def render_file(fmt: str, snapshot: dict, out_path: str, extras: dict) -> int:
    """Write a PDF/DOCX/XLSX report through ``kpi.report.render``; exit status."""
    try:
        from kpi.report import render
    except ImportError:
        return fail(f"Chưa có bộ xuất báo cáo (mô-đun kpi.report) nên chưa xuất được tệp "
                    f"{fmt.upper()}. Hãy dùng --format json.")
    try:
        render(fmt, snapshot, out_path, extras)
    except OSError as exc:
        return fail(f"Không ghi được tệp {out_path}: {exc.strerror or exc}.")
    except Exception as exc:  # noqa: BLE001 - the user gets a message, not a traceback
        return fail(f"Không tạo được báo cáo {fmt.upper()}: {exc}")
    print(f"Đã ghi báo cáo {fmt.upper()}: {out_path}", file=sys.stderr)
    return 0


def run(args) -> int:
    from kpi.periods import PeriodError, parse_period

    if args.format != "json" and not args.out:
        args.parser.error(f"cần --out TỆP khi xuất định dạng {args.format}")
    try:
        period = parse_period(args.period)
    except PeriodError as exc:
        return fail(str(exc))
    unit = unit_arg(args)
    engine = open_engine(args.db)
    picked = choice(args)
    with reading():
        if args.format == "json":
            from kpi import queries as Q

            data = Q.snapshot(engine, unit, period, picked).to_json()
        else:  # the same input as the report page's downloads
            from kpi.report.assemble import report_input

            data, extras = report_input(engine, unit, period, picked)
    if args.format != "json":
        return render_file(args.format, data, args.out, extras)
    from kpi import snapshot as snap_mod

    text = snap_mod.dumps(data)
    print(text)
    if args.out:
        write_text(args.out, text + "\n")
    return 0
