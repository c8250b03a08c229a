"""Working days: Monday to Friday minus Vietnamese public holidays, kept as data.

``data/holidays.csv`` lists, one row per day (``date,kind,name``):
- ``holiday``: a public holiday (Tết Dương lịch, Tết Nguyên đán, Giỗ Tổ Hùng Vương, 30/4, 1/5,
  Quốc khánh, Ngày Văn hóa Việt Nam); weekend holidays are listed too, for the record;
- ``day_off``: a weekday given off in lieu (nghỉ bù) or by a swap (nghỉ hoán đổi);
- ``workday``: a Saturday or Sunday worked to make up a swapped day (làm bù).

A new year's schedule is a few new lines in that file, not a code change. Dates outside the
years the file covers fall back to Monday–Friday.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

from kpi import config

HOLIDAYS_FILE: Path = config.DATA_DIR / "holidays.csv"


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[dt.date, str], frozenset[dt.date], frozenset[dt.date]]:
    names: dict[dt.date, str] = {}
    off: set[dt.date] = set()
    work: set[dt.date] = set()
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = dt.date.fromisoformat(row["date"].strip())
            kind = row["kind"].strip()
            names[day] = row["name"].strip()
            if kind in ("holiday", "day_off"):
                off.add(day)
            elif kind == "workday":
                work.add(day)
            else:
                raise ValueError(f"holidays.csv: loại ngày không hợp lệ '{kind}' ({day})")
    return names, frozenset(off), frozenset(work)


def _data():
    return _load(str(HOLIDAYS_FILE))


def holidays(year: int | None = None) -> dict[dt.date, str]:
    """Days off and make-up workdays with their Vietnamese names (optionally of one year)."""
    names = _data()[0]
    return {d: n for d, n in sorted(names.items()) if year is None or d.year == year}


def covered_years() -> list[int]:
    """The years the holiday file covers."""
    return sorted({d.year for d in _data()[0]})


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday that is not a holiday/day off, or a listed make-up Saturday/Sunday."""
    _, off, work = _data()
    if day in work:
        return True
    return day.weekday() < 5 and day not in off


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (day 1 of a deadline is the next working day).

    ``add_working_days(d, 0)`` is ``d`` itself.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the closed range ``[start, end]`` (0 when ``end < start``)."""
    if end < start:
        return 0
    count = 0
    day = start
    one = dt.timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += one
    return count


def working_days_late(due: dt.date, day: dt.date) -> int:
    """Working days d with due < d ≤ day: how many working days ``day`` is past the due day
    ``due`` (0 when not past it). The one count of lateness for the work list and the
    shortfall reasons (due Fri 06/11, finished Mon 16/11 → 6)."""
    return working_days_between(due + dt.timedelta(days=1), day)
