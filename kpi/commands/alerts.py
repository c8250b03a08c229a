"""``python -m kpi alerts``: the dossiers to act on before they turn late (cli.md).

    python -m kpi alerts [--db URL] [--unit NAME] [--today YYYY-MM-DD] [--within N]
                         [--format json|xlsx|text] [--out FILE]

``--folder DIR`` (the daily job, README "Việc cần làm hằng ngày") writes the day's digest and
Excel file into DIR instead. ``--format json`` (default) prints the JSON of cli.md; ``text`` a short Vietnamese digest (the
totals, per officer, the overdue codes); ``xlsx`` writes the Excel file to ``--out``. ``--out``
with json or text writes the same text to the file too. Exit 0; 1 with a Vietnamese message for
an unknown unit, a ``--today`` before data_through or an unreachable database; 2 for wrong
arguments.
"""

from __future__ import annotations

import argparse
import sys

from kpi.commands.common import (
    CommandError, add_database_args, fail, open_database, reading, unit_arg, write_text,
)

FORMATS = ("json", "xlsx", "text")


def day_arg(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ '{text}' (dạng YYYY-MM-DD)") from None


def within_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"số ngày làm việc không hợp lệ '{text}' (số nguyên ≥ 0)")
    return n


def add_parser(subparsers):
    sp = subparsers.add_parser(
        "alerts",
        help="hồ sơ cần xử lý trước khi quá hạn (việc cần làm)",
        description="Danh sách việc cần làm: hồ sơ quá hạn, sắp đến hạn, chờ bổ sung, không có "
                    "ngày hẹn trả (JSON, XLSX hoặc bản tin ngắn).",
    )
    add_database_args(sp)
    sp.add_argument("--today", type=day_arg, metavar="YYYY-MM-DD",
                    help="ngày xem danh sách (mặc định hôm nay; không trước ngày của dữ liệu)")
    sp.add_argument("--within", type=within_arg, default=2, metavar="N",
                    help="sắp đến hạn = còn không quá N ngày làm việc (mặc định 2)")
    sp.add_argument("--format", choices=FORMATS, default="json",
                    help="định dạng kết quả (mặc định json, in ra màn hình)")
    sp.add_argument("--out", metavar="TỆP", help="tệp kết quả (bắt buộc với xlsx)")
    sp.add_argument("--folder", metavar="THƯ_MỤC",
                    help="việc hằng ngày: ghi bản tin (viec-can-lam_YYYY-MM-DD.txt) và tệp Excel "
                         "(viec-can-lam_YYYY-MM-DD.xlsx) của ngày vào thư mục này")
    return sp


def write_folder(wl, folder: str) -> list:
    """The day's digest and Excel file in ``folder`` (created when missing); their paths."""
    from pathlib import Path

    from kpi import worklist as W

    base = Path(folder)
    try:
        base.mkdir(parents=True, exist_ok=True)
        stem = f"viec-can-lam_{wl.today.isoformat()}"
        txt, xlsx = base / f"{stem}.txt", base / f"{stem}.xlsx"
        txt.write_text(W.digest(wl), encoding="utf-8")
        xlsx.write_bytes(W.to_xlsx(wl))
    except OSError as exc:
        raise CommandError(f"Không ghi được vào thư mục {folder}: {exc.strerror or exc}.") from exc
    return [txt, xlsx]


def run(args) -> int:
    if args.format == "xlsx" and not args.out and not args.folder:
        args.parser.error("cần --out TỆP khi xuất định dạng xlsx")
    from kpi import worklist as W

    unit = unit_arg(args)
    engine = open_database(args.db)
    with reading():
        try:
            wl = W.work_list(engine, unit, today=args.today, within=args.within)
        except W.TodayBeforeData as exc:
            raise CommandError(str(exc)) from exc
    if args.folder:
        for path in write_folder(wl, args.folder):
            print(f"Đã ghi: {path}", file=sys.stderr)
        return 0
    if args.format == "xlsx":
        from pathlib import Path

        try:
            Path(args.out).write_bytes(W.to_xlsx(wl))
        except OSError as exc:
            return fail(f"Không ghi được tệp {args.out}: {exc.strerror or exc}.")
        print(f"Đã ghi danh sách việc cần làm (XLSX): {args.out}", file=sys.stderr)
        return 0
    if args.format == "text":
        text = W.digest(wl)
        sys.stdout.write(text)
        if args.out:
            write_text(args.out, text)
        return 0
    import json

    text = json.dumps(wl.to_json(), ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        write_text(args.out, text + "\n")
    return 0
