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


class CliError(Exception):
    """A refusal the command prints as ``Lỗi: <message>`` before exiting with code 1."""


def fail(message: str) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return 1


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db URL``; SUPPRESS lets a command and its subcommands both take it."""
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="địa chỉ cơ sở dữ liệu (SQLAlchemy URL); mặc định CCHC_DB_URL")


def open_database(args, *, create: bool = False):
    """The engine of ``--db`` / CCHC_DB_URL / the default, brought to the current schema.
    A DuckDB file that does not exist is a CliError unless ``create``."""
    from kpi import config
    from kpi import db as kdb

    url = config.db_url(getattr(args, "db", None))
    missing = kdb.missing_duckdb_file(url)
    if missing is not None and not create:
        raise CliError(f"Không tìm thấy tệp cơ sở dữ liệu {missing}. Kiểm tra --db hoặc "
                       "CCHC_DB_URL.")
    try:
        engine = kdb.get_engine(url)
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver
        raise CliError(f"Địa chỉ cơ sở dữ liệu không hợp lệ ({url}): {exc}") from exc
    try:
        kdb.init_db(engine)
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        raise CliError(str(exc)) from exc
    return engine


def where(engine) -> str:
    """The database as a message names it (a DuckDB file's path, else the URL without
    its password)."""
    from kpi import db as kdb

    path = kdb.duckdb_file(str(engine.url))
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)
