"""``python -m kpi apology``: draft the apology letter of one late dossier and record it (cli.md).

    python -m kpi apology [--db URL] [--unit NAME] --dossier CODE [--today YYYY-MM-DD]
                          [--new-due YYYY-MM-DD] --out FILE.docx

The DOCX is Mẫu số 04 of Thông tư 01/2018/TT-VPCP (kpi.apology). Exit 0; 1 with a Vietnamese
message for an unknown unit or dossier, a dossier that is not late, a ``--today`` before
data_through, a new return date not after the letter's day or an unwritable file — nothing is
recorded then; 2 for wrong arguments (a ``--out`` not ending in .docx among them).
"""

from __future__ import annotations

import sys

from kpi.commands.alerts import day_arg
from kpi.commands.common import (
    CommandError, add_database_args, fail, open_database, reading, unit_arg,
)


def add_parser(subparsers):
    sp = subparsers.add_parser(
        "apology",
        help="lập thư xin lỗi và hẹn lại ngày trả kết quả cho một hồ sơ quá hạn",
        description="Lập thư xin lỗi và hẹn lại ngày trả kết quả (Mẫu số 04, Thông tư "
                    "01/2018/TT-VPCP) cho một hồ sơ quá hạn và ghi nhận đã gửi thư.",
    )
    add_database_args(sp)
    sp.add_argument("--dossier", required=True, metavar="MÃ", help="mã hồ sơ")
    sp.add_argument("--today", type=day_arg, metavar="YYYY-MM-DD",
                    help="ngày lập thư (mặc định hôm nay)")
    sp.add_argument("--new-due", type=day_arg, metavar="YYYY-MM-DD",
                    help="ngày hẹn trả kết quả mới (mặc định: ngày lập thư cộng thời hạn giải "
                         "quyết của hồ sơ, tính theo ngày làm việc)")
    sp.add_argument("--out", required=True, metavar="TỆP.docx", help="tệp thư xin lỗi (DOCX)")
    sp.add_argument("--form", choices=("04", "118"), default="04",
                    help="mẫu thư: 04 = Phiếu xin lỗi và hẹn lại ngày trả kết quả (Thông tư "
                         "01/2018/TT-VPCP, mặc định); 118 = Văn bản xin lỗi và đề nghị gia hạn "
                         "thời gian giải quyết (Nghị định 118/2025/NĐ-CP)")
    return sp


def run(args) -> int:
    from pathlib import Path

    from kpi import apology as AP
    from kpi import audit
    from kpi import worklist as W

    if Path(args.out).suffix.lower() != ".docx":
        args.parser.error(f"--out phải là tệp .docx (thư xin lỗi là văn bản Word), không phải "
                          f"“{args.out}”")
    unit = unit_arg(args)
    engine = open_database(args.db)
    with reading():
        try:
            letters = AP.prepare(engine, unit, [args.dossier], today=args.today,
                                 new_due=args.new_due)
        except (AP.ApologyError, W.TodayBeforeData) as exc:
            raise CommandError(str(exc)) from exc
        data = AP.to_docx(letters, form=args.form)
        try:
            Path(args.out).write_bytes(data)
        except OSError as exc:
            return fail(f"Không ghi được tệp {args.out}: {exc.strerror or exc}.")
        AP.record(engine, letters, audit.CLI_ACTOR)
    lt = letters[0]
    print(f"Đã lập thư xin lỗi cho hồ sơ {lt.dossier_code} (hẹn trả mới ngày "
          f"{lt.new_due_day.strftime('%d/%m/%Y')}): {args.out}", file=sys.stderr)
    return 0
