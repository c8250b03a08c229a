"""Reporting periods: a closed date range ``[start, end]`` with a kind and a Vietnamese label.

``parse_period`` reads what the command line and the pages accept::

    2026-03                 a month        "Tháng 3/2026"
    2026-Q1                 a quarter      "Quý I/2026"
    2026-H1                 six months     "6 tháng đầu năm 2026"
    2026                    a year         "Năm 2026"
    2026-YTD                year to date   "Lũy kế năm 2026 (đến 31/03/2026)"
    2026-01-01..2026-03-31  any range      "01/01/2026 – 31/03/2026"
    2026-Q1@15              the Nghị định 09/2019/NĐ-CP reporting window of a month, quarter,
                            half or year: from the 15th of the month before it starts to the
                            14th of its last month (15/12/2025 – 14/03/2026)
                                           "Quý I/2026 (15/12/2025 – 14/03/2026)"

A period that has not ended is judged as of today: ``effective_end`` is min(end, today).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass

from kpi import config
from kpi import format as fmt

KINDS = ("month", "quarter", "half", "year", "ytd", "custom",
         "month@15", "quarter@15", "half@15", "year@15")
WINDOW_SUFFIX = "@15"
# The kinds a reporting window (Nghị định 09/2019/NĐ-CP) can be taken of.
WINDOW_BASES = ("month", "quarter", "half", "year")
# The kinds of period the sidebar offers, with their Vietnamese names, in order ("window":
# the reporting windows of quarters, halves and years together; see ``choices``).
CHOICE_KINDS = {
    "month": "Tháng",
    "quarter": "Quý",
    "half": "6 tháng",
    "year": "Năm",
    "window": "Kỳ báo cáo (NĐ 09/2019)",
    "ytd": "Từ đầu năm",
    "custom": "Tùy chọn",
}


class PeriodError(ValueError):
    """A period text that cannot be read. ``str(exc)`` is a Vietnamese message."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str = "custom"

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(
                f"Kỳ báo cáo không hợp lệ: ngày kết thúc {fmt.date(self.end)} trước ngày bắt "
                f"đầu {fmt.date(self.start)}."
            )
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")

    # ----- presentation -------------------------------------------------------------------
    @property
    def is_window(self) -> bool:
        """A Nghị định 09/2019 reporting window ("2026-Q1@15")."""
        return self.kind.endswith(WINDOW_SUFFIX)

    @property
    def base(self) -> Period:
        """The calendar period a reporting window belongs to (Quý I/2026 for 2026-Q1@15);
        the period itself otherwise."""
        if not self.is_window:
            return self
        kind = self.kind[: -len(WINDOW_SUFFIX)]
        e = self.end  # the 14th of the base period's last month
        if kind == "month":
            return month(e.year, e.month)
        if kind == "quarter":
            return quarter(e.year, (e.month - 1) // 3 + 1)
        if kind == "half":
            return half(e.year, 1 if e.month <= 6 else 2)
        return year(e.year)

    @property
    def label(self) -> str:
        """Vietnamese label: "Tháng 3/2026", "Quý I/2026", "6 tháng đầu năm 2026", "Năm 2026",
        "01/01/2026 – 31/03/2026"; a reporting window: "Quý I/2026 (15/12/2025 – 14/03/2026)"."""
        if self.is_window:
            return f"{self.base.label} ({fmt.date_range(self.start, self.end)})"
        return fmt.period_label(self.start, self.end, self.kind)

    @property
    def short_label(self) -> str:
        """Compact label for chart axes: "T3/2026", "Q1/2026", "2026", or the range."""
        if self.is_window or self.kind == "half":
            return self.label
        return fmt.period_short_label(self.start, self.end, self.kind)

    @property
    def words(self) -> str:
        """The period inside a document's title: "quý III năm 2026", "tháng 3 năm 2026",
        "6 tháng đầu năm 2026", "năm 2026"; a range: "từ ngày 01/02/2026 đến ngày 30/04/2026".
        A reporting window reads as its base period (the window is stated in the text)."""
        p = self.base
        if p.kind == "month":
            return f"tháng {p.start.month} năm {p.start.year}"
        if p.kind == "quarter":
            return f"quý {fmt.ROMAN[(p.start.month - 1) // 3 + 1]} năm {p.start.year}"
        if p.kind == "half":
            return f"6 tháng {'đầu' if p.start.month == 1 else 'cuối'} năm {p.start.year}"
        if p.kind == "year":
            return f"năm {p.start.year}"
        if p.kind == "ytd":
            return f"từ đầu năm {p.start.year} đến ngày {fmt.date(p.end)}"
        return f"từ ngày {fmt.date(p.start)} đến ngày {fmt.date(p.end)}"

    def year_to_date(self) -> Period:
        """From the start of the reporting year to the period's end: 1 January (a kind
        ``ytd`` period), or for a reporting window the start of its year's window
        (15/12 of the year before)."""
        if self.is_window:
            return custom(window(year(self.end.year)).start, self.end)
        return year_to_date(self.end)

    @property
    def code(self) -> str:
        """The text ``parse_period`` reads back: "2026-03", "2026-Q1", "2026", "a..b"."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind == "year":
            return str(self.start.year)
        if self.is_window:
            return self.base.code + WINDOW_SUFFIX
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return self.label

    # ----- arithmetic ---------------------------------------------------------------------
    def effective_end(self, today: dt.date | None = None) -> dt.date:
        """min(end, today): the day the period is judged as of."""
        today = today or config.today()
        return min(self.end, today)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        """The previous period of the same length type.

        Month → previous month, quarter → previous quarter, year → previous year,
        year to date → the same span of the previous year, custom → the same number of days
        just before ``start``.
        """
        if self.kind == "month":
            y, m = (self.start.year, self.start.month - 1) if self.start.month > 1 else (
                self.start.year - 1, 12)
            return month(y, m)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return quarter(self.start.year, q - 1) if q > 1 else quarter(self.start.year - 1, 4)
        if self.kind == "half":
            return half(self.start.year, 1) if self.start.month == 7 else half(self.start.year - 1, 2)
        if self.kind == "year":
            return year(self.start.year - 1)
        if self.is_window:
            return window(self.base.previous())
        if self.kind == "ytd":
            return year_to_date(_same_day_in_year(self.end, self.end.year - 1))
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.start - dt.timedelta(days=1), "custom")

    def months(self) -> list[Period]:
        """The calendar months overlapping the period (whole months)."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(month(y, m))
            y, m = (y, m + 1) if m < 12 else (y + 1, 1)
        return out


def _same_day_in_year(d: dt.date, y: int) -> dt.date:
    last = _cal.monthrange(y, d.month)[1]
    return dt.date(y, d.month, min(d.day, last))


def month(y: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise PeriodError(f"Tháng không hợp lệ: {m}. Tháng phải từ 1 đến 12.")
    return Period(dt.date(y, m, 1), dt.date(y, m, _cal.monthrange(y, m)[1]), "month")


def quarter(y: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError(f"Quý không hợp lệ: {q}. Quý phải từ 1 đến 4.")
    m0 = 3 * (q - 1) + 1
    return Period(dt.date(y, m0, 1), dt.date(y, m0 + 2, _cal.monthrange(y, m0 + 2)[1]), "quarter")


def half(y: int, h: int) -> Period:
    """Six months: ``h`` 1 (January–June) or 2 (July–December)."""
    if h not in (1, 2):
        raise PeriodError(f"Nửa năm không hợp lệ: H{h}. Dùng H1 (6 tháng đầu năm) hoặc H2 "
                          "(6 tháng cuối năm).")
    return Period(dt.date(y, 1, 1), dt.date(y, 6, 30), "half") if h == 1 else Period(
        dt.date(y, 7, 1), dt.date(y, 12, 31), "half")


def window(base: Period) -> Period:
    """The Nghị định 09/2019/NĐ-CP reporting window of a month, quarter, half or year: from the
    15th of the month before it starts to the 14th of its last month."""
    if base.kind not in WINDOW_BASES:
        raise PeriodError(f"Kỳ báo cáo theo Nghị định 09/2019/NĐ-CP (@15) chỉ áp dụng cho "
                          f"tháng, quý, 6 tháng hoặc năm, không áp dụng cho «{base.label}».")
    s = base.start
    before = dt.date(s.year, s.month - 1, 15) if s.month > 1 else dt.date(s.year - 1, 12, 15)
    return Period(before, base.end.replace(day=14), base.kind + WINDOW_SUFFIX)


def year(y: int) -> Period:
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")


def year_to_date(day: dt.date | None = None) -> Period:
    """From 1 January of ``day``'s year to ``day`` (default: today)."""
    day = day or config.today()
    return Period(dt.date(day.year, 1, 1), day, "ytd")


def custom(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, "custom")


def last_months(period: Period, n: int = 12) -> list[Period]:
    """The ``n`` calendar months ending with the month that holds ``period.end``, oldest first."""
    y, m = period.end.year, period.end.month
    out = []
    for _ in range(n):
        out.append(month(y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


_HELP = (
    "Dùng một trong các dạng: 2026-03 (tháng), 2026-Q1 (quý), 2026-H1 (6 tháng), 2026 (năm), "
    "2026-YTD (lũy kế năm đến hôm nay), 2026-01-01..2026-03-31 (khoảng ngày); thêm @15 sau "
    "tháng, quý, 6 tháng hoặc năm cho kỳ báo cáo theo Nghị định 09/2019/NĐ-CP (2026-Q1@15: "
    "15/12/2025 – 14/03/2026)."
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"Ngày không hợp lệ: '{text}'. {_HELP}") from None


def parse_period(text: str | Period, today: dt.date | None = None) -> Period:
    """Read a period text (see the module doc). Raises ``PeriodError`` (Vietnamese message)."""
    if isinstance(text, Period):
        return text
    s = (text or "").strip()
    if not s:
        raise PeriodError(f"Chưa nhập kỳ báo cáo. {_HELP}")
    if s.endswith(WINDOW_SUFFIX) and len(s) > len(WINDOW_SUFFIX):
        base = s[: -len(WINDOW_SUFFIX)].strip()
        if not re.fullmatch(r"\d{4}(-(\d{1,2}|[QqHh]\d))?", base):
            raise PeriodError(f"Kỳ báo cáo không hợp lệ: '{s}'. {_HELP}")
        return window(parse_period(base, today))
    if m := re.fullmatch(r"(\d{4})", s):
        return year(int(m[1]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        return month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-[Qq](\d)", s):
        return quarter(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-[Hh](\d)", s):
        return half(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(?:YTD|ytd)", s):
        y = int(m[1])
        today = today or config.today()
        end = dt.date(y, 12, 31) if today.year > y else today
        if today.year < y:
            raise PeriodError(f"Năm {y} chưa bắt đầu, chưa có số liệu lũy kế.")
        return year_to_date(end)
    if m := re.fullmatch(r"(\S+?)\s*\.\.\s*(\S+)", s):
        return custom(_date(m[1]), _date(m[2]))
    raise PeriodError(f"Kỳ báo cáo không hợp lệ: '{s}'. {_HELP}")


def choices(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """The periods of a sidebar kind that overlap [first, last], newest first: ``half``
    (six months) or ``window`` (the reporting windows of quarters, halves and years, by end
    date, the shortest first among those ending the same day)."""
    out: list[Period] = []
    if kind == "half":
        y, h = last.year, 1 if last.month <= 6 else 2
        while True:
            p = half(y, h)
            if p.end < first:
                break
            out.append(p)
            y, h = (y, 1) if h == 2 else (y - 1, 2)
        return out
    if kind == "window":
        for y in range(last.year + 1, first.year - 1, -1):
            bases = [year(y), half(y, 2), quarter(y, 4), quarter(y, 3), half(y, 1),
                     quarter(y, 2), quarter(y, 1)]
            for b in bases:
                w = window(b)
                if w.start <= last and w.end >= first:
                    out.append(w)
        return sorted(out, key=lambda p: (-p.end.toordinal(), p.days))
    raise ValueError(f"unknown period kind {kind!r}")
