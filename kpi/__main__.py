"""``python -m kpi COMMAND …``: the command line of the KPI model (shared/spec/cli.md).

Each command is one module of kpi/commands/ (``add_parser(subparsers)``, ``run(args) -> int``);
this file only lists them and dispatches. A command imports its heavy dependencies when it runs,
so ``--help`` and a small command start fast.

Exit status: the command's (0 on success); 1 with a Vietnamese message on standard error for a
failure the user can fix (``CommandError``); 2 for wrong arguments (usage).
"""

from __future__ import annotations

import importlib
import sys

from kpi.cli import VietnameseArgumentParser
from kpi.commands.common import CommandError, fail

COMMANDS = (
    "snapshot",
    "report",
    "users",
    "backup",
    "restore",
    "alerts",
    "apology",
)


def build_parser() -> VietnameseArgumentParser:
    parser = VietnameseArgumentParser(
        prog="python -m kpi",
        description="Tính các chỉ số cải cách hành chính của một đơn vị trong một kỳ.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"kpi.commands.{name}")
        sp = module.add_parser(sub)
        sp.set_defaults(parser=sp, run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CommandError as exc:
        return fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
