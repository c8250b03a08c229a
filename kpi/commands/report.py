"""``python -m kpi report``: the reports sent upward (cli.md "Reports sent upward").

    python -m kpi report [--db URL] [--unit NAME] --period P [--kind cchc|bieu06]
                         [--on-time-definition 766|resolved|due] [--satisfaction-definition 766|ratings]
                         --format docx|xlsx|pdf --out FILE

``--kind cchc`` (default): the periodic CCHC report (docx or pdf) with the texts staff stored on
the Báo cáo page; ``--kind bieu06``: Biểu số 06/VPCP/KSTT from the dossiers (xlsx), for any period. Both come
from ``kpi.report.periodic.periodic_report``, the function the page uses. Exit 0; 1 for a bad
period (``--kind cchc``: only a quarter, 6 months, a year or their NĐ 09/2019 windows), an unknown unit or an unreachable database; 2 for wrong arguments.
"""

from __future__ import annotations

import sys

from kpi.commands.common import (
    CommandError, add_database_args, add_definition_args, choice, fail, open_engine, reading,
    unit_arg,
)

KINDS = {"cchc": ("docx", "pdf"), "bieu06": ("xlsx",)}
# The periods a periodic CCHC report is made for (cli.md): a quarter, 6 months, a year, or the
# Nghị định 09/2019 reporting windows of those; Biểu 06 takes any period.
CCHC_PERIOD_KINDS = ("quarter", "half", "year", "quarter@15", "half@15", "year@15")


def add_parser(subparsers):
    sp = subparsers.add_parser(
        "report",
        help="báo cáo gửi cấp trên: báo cáo định kỳ CCHC, Biểu số 06",
        description="Báo cáo kết quả thực hiện công tác cải cách hành chính của một kỳ (DOCX, "
                    "PDF) hoặc Biểu số 06/VPCP/KSTT tính từ danh sách hồ sơ (XLSX).",
    )
    add_database_args(sp)
    sp.add_argument("--period", required=True, metavar="KỲ",
                    help="2026-Q3 (quý), 2026-H1 (6 tháng), 2026 (năm), 2026-03 (tháng), "
                         "2026-01-01..2026-03-31; thêm @15 cho kỳ báo cáo theo NĐ 09/2019 "
                         "(2026-Q1@15, 2026@15)")
    sp.add_argument("--kind", choices=tuple(KINDS), default="cchc",
                    help="cchc: báo cáo định kỳ (mặc định); bieu06: Biểu số 06/VPCP/KSTT")
    add_definition_args(sp)
    sp.add_argument("--format", required=True, choices=("docx", "xlsx", "pdf"),
                    help="docx hoặc pdf cho cchc; xlsx cho bieu06")
    sp.add_argument("--out", required=True, metavar="TỆP", help="tệp kết quả")
    return sp


def run(args) -> int:
    from kpi.periods import PeriodError, parse_period

    if args.format not in KINDS[args.kind]:
        args.parser.error(f"--kind {args.kind} xuất được định dạng "
                          f"{' hoặc '.join(KINDS[args.kind])}, không phải {args.format}")
    try:
        period = parse_period(args.period)
    except PeriodError as exc:
        return fail(str(exc))
    if args.kind == "cchc" and period.kind not in CCHC_PERIOD_KINDS:
        return fail(f"Báo cáo định kỳ CCHC là của một quý, 6 tháng hoặc một năm (2026-Q3, "
                    f"2026-H1, 2026, hoặc kỳ báo cáo theo NĐ 09/2019: 2026-Q1@15, 2026@15), "
                    f"không phải kỳ “{period.label}”.")
    unit = unit_arg(args)
    if unit is None:
        raise CommandError("Báo cáo gửi cấp trên là của một đơn vị: hãy chọn --unit TÊN.")
    engine = open_engine(args.db)
    from kpi import db as kdb
    from kpi.report import periodic as PR

    try:
        kdb.init_db(engine)  # the report texts' table of an older database
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        raise CommandError(str(exc)) from exc
    with reading():
        report = PR.periodic_report(engine, unit, period, choice(args))
    try:
        if args.kind == "bieu06":
            PR.bieu06_xlsx(report, args.out)
        else:
            PR.render(args.format, report, args.out)
    except OSError as exc:
        raise CommandError(f"Không ghi được tệp {args.out}: {exc.strerror or exc}.") from exc
    what = "Biểu số 06" if args.kind == "bieu06" else "báo cáo định kỳ CCHC"
    print(f"Đã ghi {what} {report.period.label} của {report.unit} ({args.format.upper()}): "
          f"{args.out}", file=sys.stderr)
    return 0
