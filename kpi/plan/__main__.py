"""``python -m kpi.plan [SOURCE] [--year Y] [--out FILE]``: parse the appendix to CSV."""

from __future__ import annotations

from pathlib import Path

from kpi import config
from kpi.plan.parser import (
    PlanParseError,
    appendix_path,
    parse_appendix_file,
    plan_csv_path,
    write_plan_csv,
)


def main(argv: list[str] | None = None) -> int:
    """Parse the appendix (default: the plan year's copy in data/plans) and write its CSV."""
    from kpi.cli import VietnameseArgumentParser

    ap = VietnameseArgumentParser(
        prog="python -m kpi.plan", description="Đọc phụ lục kế hoạch CCHC và ghi ra tệp CSV."
    )
    ap.add_argument("source", nargs="?", help="tệp phụ lục (.txt)")
    ap.add_argument("--year", type=int, default=None, help="năm kế hoạch")
    ap.add_argument("--out", default=None, help="tệp CSV ghi ra (mặc định data/plans/<năm>.csv)")
    args = ap.parse_args(argv)
    source = Path(args.source) if args.source else appendix_path(args.year or config.today().year)
    try:
        plan = parse_appendix_file(source, args.year)
    except OSError:
        print(f"lỗi: không đọc được tệp phụ lục {source} (tệp không có hoặc không mở được). "
              "Kiểm tra đường dẫn hoặc năm kế hoạch (--year).")
        return 1
    except PlanParseError as exc:
        print(f"lỗi: {exc}")
        return 1
    out = Path(args.out) if args.out else plan_csv_path(plan.year)
    write_plan_csv(plan, out)
    print(f"{out}: {len(plan.activities)} hoạt động, {len(plan.sections)} phần, năm {plan.year}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
