"""Pieces shared by the command-line tools (python -m ingest, python -m kpi)."""

from __future__ import annotations

import argparse
import sys

_TRANSLATIONS = {
    "usage: ": "cách dùng: ",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không hợp lệ: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "giá trị không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "expected one argument": "cần một giá trị",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "show this help message and exit": "hiện hướng dẫn này và thoát",
    "positional arguments": "tham số",
    "options": "tùy chọn",
}


def _vi(text: str) -> str:
    return _TRANSLATIONS.get(text, text)


# argparse looks its messages up through gettext; translate the few it prints.
argparse._ = _vi  # type: ignore[attr-defined]


class VietnameseArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are in Vietnamese; wrong arguments exit with code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message}\n")


def parse_period_arg(text: str):
    """Parse a period argument (``2026-03``, ``2026-Q1``, ``2026``, ``START..END``) into
    ``(start, end)`` dates; exit 2 with a Vietnamese message when it cannot be read."""
    from kpi.periods import PeriodError, parse_period

    try:
        p = parse_period(text)
    except PeriodError as exc:
        print(f"lỗi: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    return (p.start, p.end)
