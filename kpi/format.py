"""Every Vietnamese format a reader sees, in one place: screens, reports, command-line messages
and the demo all format numbers, percentages, points, dates and periods here.

    integer(1234)               '1.234'          pct(0.98512)        '98,5%'
    pp(0.012)                   '+1,2 điểm %'    target(0.98)        '≥ 98%'
    kpi_value(0.97996, 0.98)    '97,99%'         ratio(1203, 1218)   '1.203/1.218'
    date("2026-04-01T20:00Z")   '02/04/2026'     datetime(...)       '02/04/2026 08:15'
    period_label(d1, d2)        'Quý I/2026'     date_range(d1, d2)  '01/01/2026 – 31/03/2026'

A missing value (None, NaN) is '—' everywhere. Two rounding rules (kpi-definitions.md,
"Conventions"), both on the exact decimal of the value, never on a float product:
- display: half-up at one decimal (``pct``, ``pp``, ``number``);
- published reports: two decimals truncated (``pct_truncated``). ``kpi_value`` uses it only
  where the display rounding would reach a target the unrounded value misses, so a number never
  contradicts its verdict.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from kpi.config import TZ

LOCALE = "vi_VN"
NO_DATA = "—"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# The verdict of a KPI against its target, in words (with an icon or a colour beside it).
MET, NOT_MET = "Đạt", "Chưa đạt"
NO_DATA_WORD, NO_TARGET_WORD = "Chưa có dữ liệu", "Chưa có chỉ tiêu"


# --------------------------------------------------------------------------- numbers

def missing(value) -> bool:
    """None or NaN (a float NaN, numpy's or pandas' too)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pandas.NA has no truth value
        return True


def _dec(value) -> Decimal:
    """The exact decimal a reader would write for the value (0.985 -> Decimal('0.985'))."""
    return Decimal(repr(float(value)))


def _quantize(value: Decimal, decimals: int, rounding=ROUND_HALF_UP) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=rounding)


def _fixed(value: Decimal, decimals: int) -> str:
    """A Decimal already quantised, in Vietnamese style: 1.234,5 (Babel's vi_VN symbols)."""
    from babel.numbers import format_decimal  # imported when a number is first shown

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value if value else abs(value), pattern, locale=LOCALE)  # no "-0,0"


def integer(value) -> str:
    """1234 -> '1.234'; None -> '—'."""
    if missing(value):
        return NO_DATA
    return _fixed(Decimal(int(value)), 0)


def number(value, decimals: int = 1) -> str:
    """12.345 -> '12,3' (half-up); None -> '—'."""
    if missing(value):
        return NO_DATA
    return _fixed(_quantize(_dec(value), decimals), decimals)


def pct(value, decimals: int = 1) -> str:
    """A fraction as a percentage, rounded half-up: 0.98512 -> '98,5%'; None -> '—'."""
    if missing(value):
        return NO_DATA
    return _fixed(_quantize(_dec(value) * 100, decimals), decimals) + "%"


def pct_truncated(value, decimals: int = 2) -> str:
    """A fraction as a percentage truncated the way published reports print it:
    0.97996 -> '97,99%'; None -> '—'."""
    if missing(value):
        return NO_DATA
    return _fixed(_quantize(_dec(value) * 100, decimals, ROUND_FLOOR), decimals) + "%"


def pct_compact(value) -> str:
    """A round percentage without its zero decimal: 0.98 -> '98%', 0.985 -> '98,5%'."""
    if missing(value):
        return NO_DATA
    d = _quantize(_dec(value) * 100, 1)
    return _fixed(d, 0 if d == d.to_integral_value() else 1) + "%"


def target(value) -> str:
    """A plan target: 0.98 -> '≥ 98%'; 1.0 -> '100%'; None -> '—'."""
    if missing(value):
        return NO_DATA
    return pct_compact(value) if value >= 1 else "≥ " + pct_compact(value)


def kpi_value(value, target_value=None) -> str:
    """A KPI's value for display, never contradicting its verdict: one decimal, half-up
    ('98,5%'); when that would reach the target although the unrounded value misses it
    (0.97996 -> '98,0%' against ≥ 98%), two decimals truncated instead ('97,99%')."""
    if missing(value):
        return NO_DATA
    if target_value is not None and value < target_value:
        if _quantize(_dec(value) * 100, 1) >= _dec(target_value) * 100:
            return pct_truncated(value)
    return pct(value)


def pp(delta, decimals: int = 1) -> str:
    """A change of a rate in percentage points, signed after rounding:
    +1,2 điểm % · −0,5 điểm % · ±0,0 điểm % (−0.0004 too)."""
    if missing(delta):
        return NO_DATA
    d = _quantize(_dec(delta) * 100, decimals)
    sign = "+" if d > 0 else ("−" if d < 0 else "±")
    return f"{sign}{_fixed(abs(d), decimals)} điểm %"


def ratio(numerator, denominator) -> str:
    """'1.203/1.218'."""
    return f"{integer(numerator)}/{integer(denominator)}"


def verdict(met, value=None, target_value=None) -> str:
    """Đạt / Chưa đạt; not judged: Chưa có dữ liệu, or Chưa có chỉ tiêu when only the target
    is missing."""
    if met is None:
        return NO_TARGET_WORD if value is not None and target_value is None else NO_DATA_WORD
    return MET if met else NOT_MET


# --------------------------------------------------------------------------- dates

def to_date(value) -> dt.date | None:
    """A date from a date, a datetime (converted to Vietnam time when aware) or ISO text."""
    if missing(value) or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            value = dt.date.fromisoformat(text[:10])
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ)
        return value.date()
    return value


def to_datetime(value) -> dt.datetime | None:
    """A naive Vietnam-time datetime from ISO text, a datetime or a date (None stays None)."""
    if missing(value) or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ).replace(tzinfo=None)
        return value
    return dt.datetime.combine(value, dt.time())


def date(value) -> str:
    """dd/mm/yyyy (an aware datetime in Vietnam time); None -> '—'."""
    d = to_date(value)
    return d.strftime("%d/%m/%Y") if d else NO_DATA


def datetime(value) -> str:
    """dd/mm/yyyy hh:mm (Vietnam time); None -> '—'."""
    d = to_datetime(value)
    return d.strftime("%d/%m/%Y %H:%M") if d else NO_DATA


def date_range(start, end) -> str:
    """'01/03/2026 – 31/03/2026'."""
    return f"{date(start)} – {date(end)}"


def official_date(place: str, day: dt.date) -> str:
    """'Lộc Tân, ngày 02 tháng 4 năm 2026' (Nghị định 30/2020: a day below 10 and the months
    1 and 2 take a leading zero)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


# --------------------------------------------------------------------------- periods

def period_kind(start: dt.date, end: dt.date) -> str:
    """month | quarter | half | year when [start, end] is exactly one, else custom."""
    nxt = end + dt.timedelta(days=1)
    if start.day == 1 and nxt.day == 1:
        months = (nxt.year - start.year) * 12 + nxt.month - start.month
        if months == 1:
            return "month"
        if months == 3 and start.month in (1, 4, 7, 10):
            return "quarter"
        if months == 6 and start.month in (1, 7):
            return "half"
        if months == 12 and start.month == 1:
            return "year"
    return "custom"


def period_label(start: dt.date, end: dt.date, kind: str | None = None) -> str:
    """'Tháng 3/2026', 'Quý I/2026', '6 tháng đầu năm 2026', 'Năm 2026', 'Lũy kế năm 2026
    (đến 31/03/2026)' (kind ytd), else '01/02/2026 – 30/04/2026'. Without ``kind``, the kind
    the dates make (``period_kind``)."""
    kind = kind or period_kind(start, end)
    if kind == "month":
        return f"Tháng {start.month}/{start.year}"
    if kind == "quarter":
        return f"Quý {ROMAN[(start.month - 1) // 3 + 1]}/{start.year}"
    if kind == "half":
        return f"6 tháng {'đầu' if start.month == 1 else 'cuối'} năm {start.year}"
    if kind == "year":
        return f"Năm {start.year}"
    if kind == "ytd":
        return f"Lũy kế năm {start.year} (đến {date(end)})"
    return date_range(start, end)


def period_short_label(start: dt.date, end: dt.date, kind: str | None = None) -> str:
    """Compact, for chart axes: 'T3/2026', 'Q1/2026', '2026', else ``period_label``."""
    kind = kind or period_kind(start, end)
    short = {"month": month_label(start), "quarter": f"Q{(start.month - 1) // 3 + 1}/{start.year}",
             "year": str(start.year)}
    return short.get(kind) or period_label(start, end, kind)


def month_label(day: dt.date) -> str:
    """The month of a day, compact: 'T3/2026'."""
    return f"T{day.month}/{day.year}"


# --------------------------------------------------------------------------- words

def nfc(text) -> str:
    """Any value as NFC-normalised text (None -> '')."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


def sort_key(text) -> tuple:
    """Vietnamese alphabetical order, near enough: letters first, accents second, đ right
    after d ('Đất đai' after 'Dân số', before 'Hộ tịch'; byte order would put it after 'Xây
    dựng'). Use as ``sorted(names, key=sort_key)``."""
    s = nfc(text).casefold()
    base = unicodedata.normalize("NFD", s).replace("đ", "d{").encode("ascii", "ignore")
    return (base, s)


def in_sentence(text: str) -> str:
    """A label inside a sentence: its first letter lowered unless its first word is an
    abbreviation ('Tháng 3/2026' -> 'tháng 3/2026'; 'TTHC có phí' stays)."""
    if not text:
        return text
    word = text.split(" ", 1)[0]
    if len(word) > 1 and word.isupper():
        return text
    return text[:1].lower() + text[1:]


def sentence_start(text: str) -> str:
    """The first letter raised: 'theo Bộ chỉ số 766' -> 'Theo Bộ chỉ số 766'."""
    return text[:1].upper() + text[1:] if text else text


def enumeration(items) -> str:
    """'a', 'a và b', 'a, b và c'."""
    items = [str(x) for x in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " và " + items[-1]


def file_size(n_bytes: int | None) -> str:
    """A file's size: 512 B, 163,7 KB, 1,2 MB (1 KB = 1.024 B); None -> '—'."""
    if missing(n_bytes):
        return NO_DATA
    if n_bytes < 1024:
        return f"{integer(n_bytes)} B"
    size = float(n_bytes)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024:
            break
    d = _quantize(_dec(size), 1)
    return f"{_fixed(d, 0 if d == d.to_integral_value() else 1)} {unit}"


def slug(text) -> str:
    """Vietnamese text as a file-name part, diacritics dropped: 'Quý IV/2026' -> 'quy-iv-2026',
    'Đúng hạn' -> 'dung-han'."""
    import re

    folded = unicodedata.normalize("NFKD", nfc(text).replace("đ", "d").replace("Đ", "D"))
    ascii_ = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")
