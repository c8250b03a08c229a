"""Project configuration: database URL, unit, today's date.

Order of precedence (cli.md): command-line option, then environment variable, then
``data/config.toml``.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
CONFIG_FILE = DATA_DIR / "config.toml"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_DB_URL = "duckdb:///data/cchc.duckdb"


@lru_cache(maxsize=1)
def _config() -> dict:
    import tomllib  # read only when no option or environment variable answers

    try:
        with open(CONFIG_FILE, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}


def db_url(explicit: str | None = None) -> str:
    """The SQLAlchemy URL: ``--db``, else ``CCHC_DB_URL``, else the embedded default."""
    url = explicit or os.environ.get("CCHC_DB_URL") or _config().get("database", {}).get("url")
    return url or DEFAULT_DB_URL


def default_unit() -> str | None:
    return _config().get("unit", {}).get("default")


def unit_name(explicit: str | None = None) -> str | None:
    """The unit: ``--unit``, else ``CCHC_UNIT``, else the configured default unit."""
    name = explicit or os.environ.get("CCHC_UNIT") or default_unit()
    return " ".join(unicodedata.normalize("NFC", name).split()) if name else None


def now() -> dt.datetime:
    """Local wall-clock time (naive, Asia/Ho_Chi_Minh).

    ``CCHC_TODAY=YYYY-MM-DD`` pins the date (tests, reproducible demos).
    """
    pinned = os.environ.get("CCHC_TODAY")
    if pinned:
        return dt.datetime.combine(dt.date.fromisoformat(pinned), dt.time(12, 0))
    return dt.datetime.now(TZ).replace(tzinfo=None)


def today() -> dt.date:
    return now().date()


def wall_clock() -> dt.datetime:
    """The real local time (naive, Asia/Ho_Chi_Minh) for sign-in, sessions and the audit log.

    Unlike ``now()`` it ignores ``CCHC_TODAY``: a clock pinned to noon would never let a
    session expire or a lock-out end. ``CCHC_NOW=YYYY-MM-DDTHH:MM[:SS]`` pins it (tests).
    """
    pinned = os.environ.get("CCHC_NOW")
    if pinned:
        return dt.datetime.fromisoformat(pinned)
    return dt.datetime.now(TZ).replace(tzinfo=None)
