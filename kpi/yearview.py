"""The year in view (kpi-definitions.md, "The year the targets are set for").

The plan's targets are for the year. Beside any month or quarter the overview shows, per
headline KPI, the year-to-date value against the same target, the rate the rest of the year
needs, and the year-end forecast with its range. No Streamlit here.

    view = year_view(engine, "Xã Lộc Tân", "2026-03")      # YearView
    view.sentence      # "Đạt 3/5 chỉ tiêu chính của năm 2026 (…); Chưa đạt: thanh toán trực
                       #  tuyến 78,3% / 80%, thiếu 14 giao dịch; …"
    k = view.kpi("online_payment_rate")                    # YearKpi
    k.value, k.met, k.gap                                  # year to date, dossiers short
    k.required, k.required_status                          # needed | impossible | assured | …
    k.forecast.value, k.forecast.low, k.forecast.high      # year-end forecast and its range
    k.remaining_months                                     # [7, 8, …, 12]: still to come

Definitions (all counts exact, as fractions, until display):
- Year to date: 1 January .. E = min(period end, data_through, today), classified as of E
  (``kpi.queries.snapshot`` of that span): numerator n, denominator d, target t of the year.
- The not-yet-covered remainder of the year: the days of the year after E plus the days up to
  E no export covers. Per month m, r_m = its remainder days / its days.
- Expected volume of month m: last year's denominator of that month when last year's month is
  fully covered, else the year-to-date monthly average d / Σ(1 − r_m). The remainder's
  expected volume R = Σ r_m × volume_m.
- Required rate = (t·(d + R) − n) / R: "không thể đạt" when above 100%, "đã chắc chắn đạt"
  when 0% or below; with R = 0 the year is complete and judged as is.
- Pace: Σ numerators / Σ denominators of the last three covered months (fully covered months
  with a denominator, ending at E; they may lie in the previous year). Forecast =
  (n + pace·R) / (d + R); its range uses the worst and best monthly value of the last six
  covered months in place of the pace.
- Gap ("thiếu 14 giao dịch"): when the year-to-date value is below target, ⌈t·d − n⌉, the
  numerator it lacks to reach the target now.
"""

from __future__ import annotations

import calendar as _cal
import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction

from kpi import config
from kpi import coverage as CV
from kpi import definitions as D
from kpi import format as fmt
from kpi import periods as P
from kpi import queries as Q
from kpi import targets as T
from kpi.db import connect

__all__ = ["Forecast", "YearKpi", "YearView", "year_view", "NEEDED", "IMPOSSIBLE", "ASSURED",
           "DONE", "NO_TARGET", "NO_DATA"]

NEEDED, IMPOSSIBLE, ASSURED, DONE, NO_TARGET, NO_DATA = (
    "needed", "impossible", "assured", "done", "no_target", "no_data")
PACE_MONTHS, RANGE_MONTHS = 3, 6
# What a KPI's numerator counts, in the gap sentence, where the source's noun is not the word
# the plan uses ("Tỷ lệ giao dịch thanh toán trực tuyến").
GAP_NOUNS = {"online_payment_rate": "giao dịch"}
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Forecast:
    """The year-end value at the pace of the last three covered months; ``low``/``high`` at
    the worst/best month of the last six. ``months``: the months (1st day) of the pace."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    pace: float | None = None
    months: tuple[dt.date, ...] = ()
    worst: float | None = None  # the worst and best monthly value of the last six months
    best: float | None = None
    final: bool = False  # the whole year is covered: the value is the year's result

    @property
    def text(self) -> str:
        """"Dự báo cuối năm 97,8% (khoảng 96,9%–98,4%)"; "Kết quả cả năm 97,8%" for a year
        whose every day is covered (nothing to forecast); "—" without a forecast."""
        if self.value is None:
            return fmt.NO_DATA
        if self.final:
            return f"Kết quả cả năm {fmt.pct(self.value)}"
        if self.low == self.high:
            return f"Dự báo cuối năm {fmt.pct(self.value)}"
        return (f"Dự báo cuối năm {fmt.pct(self.value)} "
                f"(khoảng {fmt.pct(self.low)}–{fmt.pct(self.high)})")


@dataclass(frozen=True)
class YearKpi:
    key: str
    label: str
    short_label: str
    year: int
    through: dt.date | None  # E: the year to date ends here
    value: float | None  # year to date, unrounded
    numerator: int
    denominator: int
    target: float | None
    met: bool | None
    provisional: bool  # the year is not fully covered
    gap: int | None  # numerator short of the target now (None when met or not judged)
    noun: str
    remaining_volume: float | None  # R, the remainder's expected denominator
    required: float | None  # the rate the remainder needs (unbounded: may be < 0 or > 1)
    required_status: str  # needed | impossible | assured | done | no_target | no_data
    forecast: Forecast = field(default_factory=Forecast)
    remaining_months: tuple[int, ...] = ()  # months of the year with days in the remainder
    remaining_starts: tuple[dt.date, ...] = ()  # the same months, as their 1st day

    @property
    def value_text(self) -> str:
        return fmt.kpi_value(self.value, self.target)

    @property
    def future_months(self) -> tuple[dt.date, ...]:
        """The months after the year to date (1st day), the ones a forecast draws."""
        if self.remaining_starts:
            return tuple(m for m in self.remaining_starts
                         if self.through is None or m > self.through)
        if self.through is None:
            return tuple(dt.date(self.year, m, 1) for m in self.remaining_months)
        return tuple(dt.date(self.year, m, 1) for m in self.remaining_months
                     if dt.date(self.year, m, 1) > self.through)

    @property
    def verdict_text(self) -> str:
        """"Đạt", "Chưa đạt (tạm tính)", "Chưa có dữ liệu", "Chưa có chỉ tiêu"."""
        word = fmt.verdict(self.met, self.value, self.target)
        if self.provisional and self.met is not None:
            word += " (tạm tính)"
        return word

    @property
    def required_text(self) -> str:
        if self.required_status == NEEDED:
            return f"Tỷ lệ cần đạt trong phần còn lại của năm: {fmt.pct(self.required)}"
        if self.required_status == IMPOSSIBLE:
            return "Không thể đạt: kể cả 100% phần còn lại của năm cũng không đủ"
        if self.required_status == ASSURED:
            return "Đã chắc chắn đạt: kể cả 0% phần còn lại của năm vẫn đạt"
        if self.required_status == DONE:
            return f"Đã đủ dữ liệu cả năm {self.year}"
        if self.required_status == NO_TARGET:
            return f"Chưa có chỉ tiêu cho năm {self.year}"
        return fmt.NO_DATA_WORD

    @property
    def projected_denominator(self) -> int | None:
        """The year's expected volume d + R (the required rate's volume rule)."""
        if self.remaining_volume is None or not self.denominator:
            return None
        return round(self.denominator + Fraction(self.remaining_volume).limit_denominator(10**6))

    @property
    def misses_allowed(self) -> int | None:
        """⌊n + R − t·(d + R)⌋: how many of the remainder's expected volume may still miss
        with the year ending ≥ target (R × (1 − required rate)); None when even a perfect
        remainder cannot reach it."""
        if self.target is None or self.remaining_volume is None or not self.denominator:
            return None
        t, big_r = Fraction(str(self.target)), Fraction(self.remaining_volume).limit_denominator(10**6)
        slack = self.numerator + big_r - t * (self.denominator + big_r)
        return math.floor(slack) if slack >= 0 else None

    @property
    def hits_needed(self) -> int | None:
        """⌈(t·d − n) / (1 − t)⌉ when below target: hits in a row that bring it back."""
        if self.target is None or not self.denominator or self.target >= 1:
            return None
        t = Fraction(str(self.target))
        if Fraction(self.numerator, self.denominator) >= t:
            return None
        return math.ceil((t * self.denominator - self.numerator) / (1 - t))

    @property
    def headroom_text(self) -> str:
        """The detail page's year sentence, on the same expected volume as ``required_text``
        (last year's months when known, else the year-to-date monthly average)."""
        if self.required_status in (NO_DATA, NO_TARGET, DONE):
            return self.required_text
        noun, pct = self.noun, fmt.pct_compact(self.target)
        volume = (f"theo khối lượng dự kiến ({fmt.integer(self.projected_denominator)} {noun} "
                  "cả năm)")
        misses, hits = self.misses_allowed, self.hits_needed
        if self.met:
            return (f"{volume[0].upper() + volume[1:]}, "
                    f"còn có thể chịu thêm tối đa {fmt.integer(misses)} {noun} không đạt mà "
                    f"cả năm vẫn đạt chỉ tiêu {pct}.")
        if misses is not None:
            return (f"Đang dưới chỉ tiêu {pct}: cần thêm "
                    f"{fmt.integer(hits) if hits is not None else '—'} {noun} đạt liên tiếp để "
                    f"trở lại chỉ tiêu; {volume}, cả năm chỉ được thêm tối đa "
                    f"{fmt.integer(misses)} {noun} không đạt.")
        text = (f"Đang dưới chỉ tiêu {pct}; {volume}, kể cả khi mọi {noun} còn lại đều đạt, "
                "cả năm vẫn chưa đạt chỉ tiêu.")
        if hits is not None:
            text += f" Cần thêm {fmt.integer(hits)} {noun} đạt liên tiếp để trở lại chỉ tiêu."
        return text

    @property
    def gap_text(self) -> str:
        """"thanh toán trực tuyến 78,3% / 80%, thiếu 14 giao dịch"."""
        text = (f"{fmt.in_sentence(self.short_label)} {self.value_text} / "
                f"{fmt.pct_compact(self.target)}")
        if self.gap:
            text += f", thiếu {fmt.integer(self.gap)} {self.noun}"
        return text


@dataclass(frozen=True)
class YearView:
    unit: str
    year: int
    through: dt.date | None  # E; None when the year has no dossier data up to the period
    coverage: CV.Coverage  # of the whole year
    has_plan: bool
    kpis: list[YearKpi]
    # Of the year to date as far as it has come (its start .. min(period end, today)):
    # "tạm tính" means days missing there, not the rest of an unfinished year.
    ytd_coverage: CV.Coverage | None = None
    start: dt.date | None = None  # the year to date's first day (Period.year_to_date)

    def kpi(self, key: str) -> YearKpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)

    @property
    def provisional(self) -> bool:
        cov = self.ytd_coverage if self.ytd_coverage is not None else self.coverage
        return not cov.complete

    @property
    def scope_text(self) -> str:
        """"từ 01/01/2026 đến 30/06/2026, tạm tính"."""
        start = self.start or dt.date(self.year, 1, 1)
        text = f"từ {fmt.date(start)} đến {fmt.date(self.through)}"
        return text + (", tạm tính" if self.provisional else "")

    @property
    def sentence(self) -> str:
        """The overview's opening sentence: how many headline targets the year to date meets
        and, for each one that is not met, its gap."""
        y = self.year
        if not self.has_plan:
            if self.through is None:
                return f"Chưa có chỉ tiêu cho năm {y}; năm {y} chưa có dữ liệu."
            return (f"Chưa có chỉ tiêu cho năm {y} (chưa có kế hoạch năm {y}): số liệu "
                    f"({self.scope_text}) chỉ để theo dõi, không đánh giá đạt hay chưa đạt.")
        if self.through is None:
            return f"Năm {y} chưa có dữ liệu: chưa đánh giá được chỉ tiêu nào."
        judged = [k for k in self.kpis if k.target is not None]
        untargeted = [fmt.in_sentence(k.short_label) for k in self.kpis if k.target is None]
        if not judged:
            return (f"Kế hoạch năm {y} chưa đặt chỉ tiêu chính nào: số liệu ({self.scope_text}) "
                    "chỉ để theo dõi.")
        met = [k for k in judged if k.met is True]
        missed = [k for k in judged if k.met is False]
        empty = [fmt.in_sentence(k.short_label) for k in judged if k.met is None]
        text = f"Đạt {len(met)}/{len(judged)} chỉ tiêu chính của năm {y} ({self.scope_text})"
        if missed:
            text += "; Chưa đạt: " + "; ".join(k.gap_text for k in missed)
        if empty:
            text += "; chưa có dữ liệu: " + ", ".join(empty)
        if untargeted:
            text += f"; kế hoạch năm {y} chưa có chỉ tiêu: " + ", ".join(untargeted)
        return text + "."


# ------------------------------------------------------------------------------ computing

def _month_days(y: int, m: int) -> int:
    return _cal.monthrange(y, m)[1]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The 1st day of each calendar month overlapping ``first .. last``."""
    return [m.start for m in P.custom(first, last).months()]


def _overlap(a: dt.date, b: dt.date, ranges) -> int:
    return sum(((min(b, hi) - max(a, lo)).days + 1) for lo, hi in ranges if lo <= b and hi >= a)


def _month_end(m: dt.date) -> dt.date:
    return dt.date(m.year, m.month, _month_days(m.year, m.month))


def _remainder(cov: CV.Coverage, year: int, through: dt.date | None,
               first: dt.date | None = None, last: dt.date | None = None) -> list[Fraction]:
    """r_m for each month of the reporting year ``first .. last`` (default 1 January ..
    31 December of ``year``: m = 1..12): the share of the month's days in the not-yet-covered
    remainder (days after ``through`` and days up to it no export covers)."""
    start = first or dt.date(year, 1, 1)
    end = last or dt.date(year, 12, 31)
    ranges = [(max(a, start), min(b, end)) for a, b in cov.missing if a <= end and b >= start]
    if through is None or through < start:
        ranges = [(start, end)]
    elif through < end:
        ranges.append((through + DAY, end))
    ranges = CV.merge(ranges)
    return [Fraction(_overlap(m, _month_end(m), ranges), _month_days(m.year, m.month))
            for m in _month_starts(start, end)]


def _in_year(first: dt.date, last: dt.date) -> list[Fraction]:
    """The share of each month's days (months of ``_month_starts``) inside ``first .. last``."""
    return [Fraction(_overlap(m, _month_end(m), [(first, last)]), _month_days(m.year, m.month))
            for m in _month_starts(first, last)]


def _monthly(trend, key: str) -> dict[dt.date, tuple[int, int, str]]:
    """{month: (numerator, denominator, coverage status)} of one KPI in a trend frame."""
    part = trend[trend["key"] == key]
    out = {}
    for m, n, d, c in zip(part["month"], part["numerator"], part["denominator"],
                          part["coverage"]):
        m = m.date() if isinstance(m, dt.datetime) else m
        out[m] = (int(n), int(d), str(c))
    return out


def _pace(months: dict, through: dt.date):
    """The last covered months ending at ``through``: fully covered, with a denominator."""
    covered = [(m, n, d) for m, (n, d, c) in sorted(months.items())
               if c == CV.COMPLETE and d > 0
               and dt.date(m.year, m.month, _month_days(m.year, m.month)) <= through]
    return covered[-PACE_MONTHS:], covered[-RANGE_MONTHS:]


def _year_kpi(v: Q.KpiValue, year: int, through, provisional: bool, rem: list[Fraction],
              months: dict, starts: list[dt.date] | None = None,
              shares: list[Fraction] | None = None) -> YearKpi:
    """``rem``: r_m per month of the reporting year, whose 1st days are ``starts`` (default
    January..December of ``year``) and whose share of days inside the year is ``shares``
    (default 1: whole months; a Nghị định 09 year has half a December at each end)."""
    starts = starts or [dt.date(year, m, 1) for m in range(1, 13)]
    shares = shares or [Fraction(1)] * len(starts)
    tgt = T.target_for(v.key, year)
    target = tgt.value if tgt else None
    n, d = v.numerator, v.denominator
    value = Fraction(n, d) if d else None
    met = (n / d >= target) if (d and target is not None) else None
    noun = GAP_NOUNS.get(v.key, D.SOURCES[v.source].noun)
    base = dict(key=v.key, label=v.label, short_label=v.short_label, year=year, through=through,
                value=(n / d) if d else None, numerator=n, denominator=d, target=target, met=met,
                provisional=provisional and d > 0, noun=noun)
    t = Fraction(str(target)) if target is not None else None
    gap = None
    if t is not None and value is not None and value < t:
        gap = math.ceil(t * d - n)
    if value is None:
        return YearKpi(**base, gap=None, remaining_volume=None, required=None,
                       required_status=NO_DATA)
    # Expected volume of the remainder.
    covered_months = sum(s - r for s, r in zip(shares, rem))
    avg = Fraction(d) / covered_months if covered_months else Fraction(0)
    big_r = Fraction(0)
    for m, r in zip(starts, rem):
        if not r:
            continue
        last = months.get(dt.date(m.year - 1, m.month, 1))
        volume = Fraction(last[1]) if last is not None and last[2] == CV.COMPLETE else avg
        big_r += r * volume
    # Forecast: the remainder at the pace of the last three covered months.
    pace_m, range_m = _pace(months, through)
    if big_r == 0:
        fc = Forecast(float(value), float(value), float(value), None, (), final=True)
    elif pace_m:
        pace = Fraction(sum(x[1] for x in pace_m), sum(x[2] for x in pace_m))
        rates = [Fraction(x[1], x[2]) for x in range_m]

        def year_end(rate):
            return float((n + rate * big_r) / (d + big_r))

        fc = Forecast(year_end(pace), year_end(min(rates)), year_end(max(rates)), float(pace),
                      tuple(x[0] for x in pace_m), float(min(rates)), float(max(rates)))
    else:
        fc = Forecast()
    if t is None:
        return YearKpi(**base, gap=None, remaining_volume=float(big_r), required=None,
                       required_status=NO_TARGET, forecast=fc)
    if big_r == 0:
        return YearKpi(**base, gap=gap, remaining_volume=0.0, required=None,
                       required_status=DONE, forecast=fc)
    need = (t * (d + big_r) - n) / big_r
    status = IMPOSSIBLE if need > 1 else ASSURED if need <= 0 else NEEDED
    return YearKpi(**base, gap=gap, remaining_volume=float(big_r), required=float(need),
                   required_status=status, forecast=fc)


def year_view(engine, unit, period, choice: D.Choice | None = None, *,
              keys: tuple[str, ...] = D.HEADLINE_KEYS, today: dt.date | None = None) -> YearView:
    """The year of ``period``'s end in view, as of the period's end (see the module doc)."""
    p = P.parse_period(period)
    today = today or config.today()
    year = p.end.year
    # The year to date starts where the periodic report's does (Period.year_to_date): 1 January,
    # or for a Nghị định 09 window 15 December of the year before; its year ends a year later.
    first = p.year_to_date().start
    last = P.window(P.year(year)).end if p.is_window else dt.date(year, 12, 31)
    starts, shares = _month_starts(first, last), _in_year(first, last)
    with connect(engine) as conn:
        unit_ids, name = Q._resolve_unit(conn, unit)
        log = CV.Log(conn, unit_ids)  # the upload log and summaries, read once for this call
        cov = log.coverage(first, last)
        ytd_cov = log.coverage(first, max(first, min(p.end, today)))
        exports = log.covered("dossiers")
    has_plan = bool(T.targets_for_year(year))
    through = None
    if cov.data_through is not None:
        through = min(p.end, cov.data_through, today)
        # No dossier export speaks for a day of the year so far: the year has no data.
        if through < first or CV.missing_ranges(exports, first, through) == [(first, through)]:
            through = None
    if through is None:
        empty = [Q.KpiValue(**{**_blank(k), "key": k}) for k in keys]
        kpis = [_year_kpi(v, year, None, False, list(shares), {}, starts, shares)
                for v in empty]
        return YearView(name, year, None, cov, has_plan, kpis, ytd_cov, first)
    ytd = Q.snapshot(engine, unit, P.custom(first, through), choice, today=today)
    rem = _remainder(cov, year, through, first, last)
    provisional = not ytd_cov.complete
    # The months the figures read: the twelve ending with the year to date's month (the
    # pace, the range) and last year's months that lie in the remainder (their volume).
    last12 = P.last_months(P.month(through.year, through.month), 12)
    older = [P.month(m.year - 1, m.month) for m, r in zip(starts, rem)
             if r and P.month(m.year - 1, m.month).start < last12[0].start]
    trend = Q.monthly(engine, unit, older + last12, choice, keys=list(keys), today=today)
    left = tuple(m for m, r in zip(starts, rem) if r)
    kpis = [dataclasses.replace(_year_kpi(ytd.kpi(k), year, through, provisional, rem,
                                          _monthly(trend, k), starts, shares),
                                remaining_months=tuple(m.month for m in left),
                                remaining_starts=left)
            for k in keys]
    return YearView(name, year, through, cov, has_plan, kpis, ytd_cov, first)


def _blank(key: str) -> dict:
    """A KpiValue of a KPI without data (the year has none up to the period)."""
    kpi = D.KPI_BY_KEY[key]
    ratio = kpi.variants[kpi.default]
    return dict(label=kpi.label, short_label=kpi.short_label or kpi.label, section=kpi.section,
                definition=kpi.default, source=ratio.source, value=None, numerator=0,
                denominator=0, unknown=0, unverifiable=0, target=None, met=None,
                target_text=None, formula=ratio.formula, numerator_label=ratio.numerator_label,
                denominator_label=ratio.denominator_label, note="")
