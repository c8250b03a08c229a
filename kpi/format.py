"""Vietnamese display formats: 98,5% · 1.234 · 27/11/2026. Used by pages and reports."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

LOCALE = "vi_VN"
NO_DATA = "—"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _half_up(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _fixed(value: float, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(_half_up(value, decimals), pattern, locale=LOCALE)


def pct(value: float | None, decimals: int = 1) -> str:
    """A fraction as a Vietnamese percentage, rounded half-up: 0.98512 -> '98,5%'; None -> '—'."""
    if _missing(value):
        return NO_DATA
    return _fixed(value * 100, decimals) + "%"


def pp(delta: float | None, decimals: int = 1) -> str:
    """A change of a rate in percentage points, signed: +1,2 điểm %."""
    if _missing(delta):
        return NO_DATA
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return f"{sign}{_fixed(abs(delta) * 100, decimals)} điểm %"


def integer(value: int | float | None) -> str:
    """1234 -> '1.234'; None -> '—'."""
    if _missing(value):
        return NO_DATA
    return format_decimal(int(value), "#,##0", locale=LOCALE)


def number(value: float | None, decimals: int = 1) -> str:
    if _missing(value):
        return NO_DATA
    return _fixed(value, decimals)


def date(value: dt.date | dt.datetime | None) -> str:
    """27/11/2026; None -> '—'."""
    if value is None:
        return NO_DATA
    return value.strftime("%d/%m/%Y")


def datetime(value: dt.datetime | None) -> str:
    if value is None:
        return NO_DATA
    return value.strftime("%d/%m/%Y %H:%M")


def file_size(n_bytes: int | None) -> str:
    """A file's size: 512 B, 163,7 KB, 1,2 MB (1 KB = 1.024 B); None -> '—'."""
    if _missing(n_bytes):
        return NO_DATA
    if n_bytes < 1024:
        return f"{integer(n_bytes)} B"
    size = float(n_bytes)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024:
            break
    return f"{format_decimal(_half_up(size, 1), '#,##0.#', locale=LOCALE)} {unit}"
