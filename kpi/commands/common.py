"""Pieces every ``python -m kpi`` command shares: the common flags, opening the database, and
turning what can go wrong into one Vietnamese line on standard error with exit status 1.

A command raises ``CommandError(message)`` (or returns ``fail(message)``); ``kpi/__main__.py``
prints ``Lỗi: message`` and exits 1. Nothing here imports SQLAlchemy at module level.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from kpi import config
from kpi import definitions as D


class CommandError(Exception):
    """A failure the user can fix; ``str(exc)`` is the Vietnamese message (exit status 1)."""


def fail(message: str) -> int:
    """Print ``Lỗi: message`` on standard error; exit status 1."""
    print(f"Lỗi: {message}", file=sys.stderr)
    return 1


# ------------------------------------------------------------------------------ flags


def add_db_arg(parser, *, nested: bool = False) -> None:
    """``--db URL`` alone (a command without a unit). ``nested``: a command and its
    subcommands both take it (``users --db X list`` and ``users list --db X``)."""
    import argparse

    parser.add_argument("--db", metavar="URL", help="địa chỉ cơ sở dữ liệu (SQLAlchemy URL)",
                        **({"default": argparse.SUPPRESS} if nested else {}))


def add_database_args(parser) -> None:
    """``--db URL`` and ``--unit NAME`` (cli.md: option, else environment, else config)."""
    add_db_arg(parser)
    parser.add_argument("--unit", metavar="TÊN", help="tên đơn vị (xã, phường); '*' = tất cả")


def add_definition_args(parser) -> None:
    """One ``--<choice>-definition`` flag per declared choice (``--on-time-definition``,
    ``--satisfaction-definition``): the variants come from the declarations."""
    from kpi import format as fmt

    for kpi in D.choice_kpis():
        parser.add_argument(choice_flag(kpi), choices=tuple(kpi.variants), default=kpi.default,
                            help=f"{fmt.in_sentence(kpi.choice_label)} (mặc định {kpi.default})")


def choice_flag(kpi: D.Kpi) -> str:
    """The flag of a KPI's choice: "on_time" -> "--on-time-definition" (cli.md)."""
    return "--" + kpi.choice.replace("_", "-") + "-definition"


def choice(args) -> D.Choice:
    """The variants the definition flags picked."""
    return D.Choice({kpi.key: getattr(args, f"{kpi.choice}_definition")
                     for kpi in D.choice_kpis()})


# ------------------------------------------------------------------------------ the database


def unit_arg(args) -> str | None:
    """The unit's name from ``--unit`` / ``CCHC_UNIT`` / the config; ``None`` for ``'*'``."""
    unit = config.unit_name(args.unit)
    if not unit:
        raise CommandError("Chưa chọn đơn vị: dùng --unit TÊN hoặc biến môi trường CCHC_UNIT.")
    return None if unit == "*" else unit


def missing_duckdb_file(url: str) -> Path | None:
    """The DuckDB file a URL names when it does not exist (we never create one to read it)."""
    if not url.startswith("duckdb"):
        return None
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    if not db or db == ":memory:" or db.startswith(":"):
        return None
    path = Path(db)
    if not path.is_absolute():
        path = config.ROOT / path
    return None if path.exists() else path


def open_engine(db: str | None, *, create: bool = False):
    """The engine for ``--db`` / ``CCHC_DB_URL`` / the default, to read from; a missing DuckDB
    file (unless ``create``) or a bad URL is a ``CommandError``."""
    from kpi import db as kdb

    url = config.db_url(db)
    missing = missing_duckdb_file(url)
    if missing is not None and not create:
        raise CommandError(f"Không tìm thấy tệp cơ sở dữ liệu {missing}. Kiểm tra --db hoặc "
                           "CCHC_DB_URL, hoặc tải dữ liệu trước (python -m ingest).")
    try:
        return kdb.get_engine(url)
    except Exception as exc:  # noqa: BLE001 - bad URL, missing driver
        raise CommandError(f"Địa chỉ cơ sở dữ liệu không hợp lệ ({url}): {exc}") from exc


def open_database(db: str | None, *, create: bool = False):
    """``open_engine``, then the database brought to the current schema (migrations). With
    ``create``, a DuckDB file that does not exist yet is made (the first account)."""
    from kpi import db as kdb

    engine = open_engine(db, create=create)
    try:
        kdb.init_db(engine)
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        raise CommandError(str(exc)) from exc
    return engine


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Around the reads of a command: an unknown unit, an unreachable, busy or uninitialised
    database become a ``CommandError``."""
    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi import queries as Q

    try:
        yield
    except (Q.UnknownUnit, kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        raise CommandError(str(exc)) from exc
    except sa.exc.DBAPIError as exc:
        first = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        if "does not exist" in first or "Catalog Error" in first or "no such table" in first:
            raise CommandError("Cơ sở dữ liệu chưa được khởi tạo (chưa có bảng dữ liệu). Hãy tải "
                               "dữ liệu trước (python -m ingest).") from exc
        raise CommandError(f"Không đọc được cơ sở dữ liệu: {first}") from exc


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``--out``; an unwritable path is a ``CommandError``."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Không ghi được tệp {path}: {exc.strerror or exc}.") from exc
