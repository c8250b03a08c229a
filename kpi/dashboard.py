"""What the dashboard pages need besides ``kpi.queries``: the span of the loaded data, the
periods a leader can pick, plain warnings about missing data, display rows of the KPIs and
the shortfall list as an Excel file. No Streamlit here; the pages call these through the
cached wrappers of ``ui/data.py``.

    span = data_span(engine, "Xã Lộc Tân")               # (first day, last day) or None
    default_period(span, today)                           # the latest month with data
    period_choices("quarter", span, today)               # newest first
    rows = [kpi_display(v, prev.kpi(v.key)) for v in snap.kpis]
    data_warnings(snap, ratings_in_period(engine, unit, snap.period))
    shortfall_xlsx(engine, unit, "2026-03", key, by="field", group="Đất đai")
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import config
from kpi import coverage as CV
from kpi import definitions as D
from kpi import excel
from kpi import format as fmt
from kpi import periods as P
from kpi import queries as Q
from kpi import schema as S
from kpi.db import connect

# --------------------------------------------------------------------------- data and periods


def _day(x) -> dt.date | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, str):
        return dt.date.fromisoformat(x[:10])
    return x


def data_span(engine, unit: str | None) -> tuple[dt.date, dt.date] | None:
    """First and last day any loaded data of the unit speaks about (dossiers received,
    summary periods, ratings, feedback), or None when the unit has no data."""
    d, s, r, f = S.dossiers, S.summaries, S.ratings, S.feedback
    with connect(engine) as conn:
        if unit is None:
            uid = None
        else:
            uid = conn.execute(sa.select(S.units.c.id).where(S.units.c.name == unit)).scalar()
            if uid is None:
                return None

        def where(t):
            return sa.true() if uid is None else t.c.unit_id == uid

        parts = [
            sa.select(sa.func.min(d.c.received_at), sa.func.max(d.c.received_at)).where(where(d)),
            sa.select(sa.func.min(s.c.period_start), sa.func.max(s.c.period_end)).where(where(s)),
            sa.select(sa.func.min(r.c.rated_at), sa.func.max(r.c.rated_at)).where(where(r)),
            sa.select(sa.func.min(f.c.received_at), sa.func.max(f.c.received_at)).where(where(f)),
        ]
        lows, highs = [], []
        for q in parts:
            lo, hi = conn.execute(q).one()
            if lo is not None:
                lows.append(_day(lo))
            if hi is not None:
                highs.append(_day(hi))
    if not lows or not highs:
        return None
    return min(lows), max(highs)


def default_period(span: tuple[dt.date, dt.date] | None, today: dt.date | None = None) -> P.Period:
    """The latest month with data (not after today's month); this month without data."""
    today = today or config.today()
    day = min(span[1], today) if span else today
    return P.month(day.year, day.month)


def period_choices(kind: str, span: tuple[dt.date, dt.date] | None,
                   today: dt.date | None = None) -> list[P.Period]:
    """The periods of a kind (month, quarter, half, year, window, ytd) from the first data to today,
    newest first. Without data: the current year's."""
    today = today or config.today()
    first = span[0] if span else dt.date(today.year, 1, 1)
    last = today if first <= today else span[1]
    if kind == "month":
        out, y, m = [], last.year, last.month
        while (y, m) >= (first.year, first.month):
            out.append(P.month(y, m))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        return out
    if kind == "quarter":
        out = []
        y, q = last.year, (last.month - 1) // 3 + 1
        while (y, q) >= (first.year, (first.month - 1) // 3 + 1):
            out.append(P.quarter(y, q))
            y, q = (y, q - 1) if q > 1 else (y - 1, 4)
        return out
    if kind in ("half", "window"):  # six months, Nghị định 09/2019 windows: kpi.periods
        return P.choices(kind, first, last)
    years = range(last.year, first.year - 1, -1)
    if kind == "year":
        return [P.year(y) for y in years]
    if kind == "ytd":
        return [P.year_to_date(min(dt.date(y, 12, 31), today)) for y in years if y <= today.year]
    raise ValueError(f"unknown period kind {kind!r}")


# --------------------------------------------------------------------------- display rows

MET, NOT_MET, NO_DATA, NO_TARGET = "met", "not_met", "no_data", "no_target"
STATUS_ICONS = {MET: "✅", NOT_MET: "⚠️", NO_DATA: "⚪", NO_TARGET: "⚪"}
STATUS_COLORS = {MET: "green", NOT_MET: "red", NO_DATA: "gray", NO_TARGET: "gray"}


@dataclass(frozen=True)
class KpiDisplay:
    """One KPI ready for the screen: the numbers and their Vietnamese texts."""

    key: str
    label: str
    short_label: str
    section: str
    headline: bool
    value: float | None
    target: float | None
    numerator: int
    denominator: int
    previous: float | None
    change: float | None  # value − previous value (fraction), None when either is missing
    status: str  # met | not_met | no_data | no_target
    value_text: str  # "98,5%" (never contradicting the verdict), "—"
    target_text: str  # "≥ 98%", "100%", "—"
    ratio_text: str  # "197/200"
    status_text: str  # "Đạt", "Chưa đạt", "Chưa có dữ liệu", "Chưa có chỉ tiêu"
    status_icon: str
    status_color: str
    change_text: str  # "+2,5 điểm %", "—"
    previous_text: str
    formula: str
    numerator_label: str
    denominator_label: str
    noun: str  # what is counted: hồ sơ, thủ tục, đánh giá, phản ánh, kiến nghị
    shortfall_title: str  # "Hồ sơ chưa đạt", "Đánh giá chưa hài lòng"…
    state: bool  # a state of the catalogue as of the period end: no year-to-date headroom
    summary_check: bool  # answerable from a Biểu số 06: its cross-check is worth showing
    note: str
    unknown: int
    unverifiable: int
    provisional: bool = False  # the period is only partly covered: "tạm tính"

    @property
    def direction(self) -> str | None:
        """"up", "down" or "flat" (less than 0,05 điểm %: shows as ±0,0), None without a
        previous value."""
        if self.change is None:
            return None
        if abs(self.change) < 0.0005:
            return "flat"
        return "up" if self.change > 0 else "down"

    @property
    def status_line(self) -> str:
        """Icon and word: "✅ Đạt"."""
        return f"{self.status_icon} {self.status_text}"

    @property
    def formula_with_counts(self) -> str:
        """"(…) / (…) = 197 / 200 = 98,5%"."""
        return (f"{self.formula} = {fmt.integer(self.numerator)} / "
                f"{fmt.integer(self.denominator)} = {self.value_text}")


PROVISIONAL = "tạm tính"


def kpi_display(v: Q.KpiValue, prev: Q.KpiValue | None = None, *,
                provisional: bool = False) -> KpiDisplay:
    """``provisional``: the period is partly covered (``Snapshot.provisional``): a verdict
    reads "Đạt (tạm tính)"."""
    if v.met is True:
        status = MET
    elif v.met is False:
        status = NOT_MET
    elif v.value is not None and v.target is None:
        status = NO_TARGET
    else:
        status = NO_DATA
    pv = prev.value if prev is not None else None
    change = v.value - pv if v.value is not None and pv is not None else None
    kpi = D.KPI_BY_KEY[v.key]
    ratio = kpi.variants[v.definition]
    return KpiDisplay(
        key=v.key, label=v.label, short_label=v.short_label, section=v.section,
        headline=v.key in D.HEADLINE_KEYS, value=v.value, target=v.target,
        numerator=v.numerator, denominator=v.denominator, previous=pv, change=change,
        status=status, value_text=fmt.kpi_value(v.value, v.target),
        target_text=fmt.target(v.target), ratio_text=fmt.ratio(v.numerator, v.denominator),
        status_text=fmt.verdict(v.met, v.value, v.target) + (
            f" ({PROVISIONAL})" if provisional and v.met is not None else ""),
        status_icon=STATUS_ICONS[status],
        status_color=STATUS_COLORS[status], change_text=fmt.pp(change),
        previous_text=fmt.pct(pv), formula=v.formula, numerator_label=v.numerator_label,
        denominator_label=v.denominator_label, noun=D.SOURCES[v.source].noun,
        shortfall_title=ratio.shortfall_heading, state=ratio.state,
        summary_check=ratio.summary is not None,
        note=v.note, unknown=v.unknown, unverifiable=v.unverifiable,
        provisional=provisional and v.value is not None,
    )


def display_rows(snap: Q.Snapshot, prev: Q.Snapshot | None = None) -> list[KpiDisplay]:
    """Every KPI of the snapshot, in the order of kpi-definitions.md."""
    return [kpi_display(v, prev.kpi(v.key) if prev is not None else None,
                        provisional=snap.provisional) for v in snap.kpis]


def met_summary(rows: list[KpiDisplay], snap: Q.Snapshot | None = None) -> str:
    """"Đạt 4/11 chỉ tiêu"; with the snapshot: "Đạt 4/11 chỉ tiêu (tạm tính)" for a partly
    covered period, "Chưa có dữ liệu" for a period no export covers (no verdict), "Chưa có
    chỉ tiêu cho năm 2025" for a year without a plan (never "Đạt 0/11")."""
    if snap is not None and snap.no_data:
        return fmt.NO_DATA_WORD
    if rows and all(r.target is None for r in rows):
        return (f"Chưa có chỉ tiêu cho năm {snap.period.end.year}" if snap is not None
                else fmt.NO_TARGET_WORD)
    text = f"Đạt {sum(r.status == MET for r in rows)}/{len(rows)} chỉ tiêu"
    if snap is not None and snap.provisional:
        text += f" ({PROVISIONAL})"
    return text


def targets_table(rows: list[KpiDisplay]) -> dict[str, list]:
    """Columns (Vietnamese headers) of the compact table of plan targets."""
    return {
        "Chỉ tiêu": [r.label for r in rows],
        "Mục KH": [r.section for r in rows],
        "Chỉ tiêu KH": [r.target_text for r in rows],
        "Kết quả": [r.value_text for r in rows],
        "Tử số/Mẫu số": [r.ratio_text for r in rows],
        "Đánh giá": [r.status_line for r in rows],
        "So với kỳ trước": [r.change_text for r in rows],
    }


def status_table(rows: list[KpiDisplay]) -> dict[str, list]:
    """The compact status table a phone opens with, narrow enough for a 390 px screen: KPI
    (short name), result with the verdict's icon in front ("✅ 98,0%", "⚠️ 78,3%"; the tiles
    and the full table below carry the words), the plan's target ("KH", "≥ 98%"). A
    provisional period heads the result column "Tạm tính" instead of "Kết quả"."""
    head = PROVISIONAL.capitalize() if any(r.provisional for r in rows) else "Kết quả"
    return {
        "Chỉ tiêu": [r.short_label for r in rows],
        head: [f"{r.status_icon} {r.value_text}" for r in rows],
        "KH": [r.target_text for r in rows],
    }


STRIP_WORDS = CV.STATUS_LABELS  # the glossary's words: Đủ dữ liệu, Tạm tính, Chưa có dữ liệu
# One narrow mark per month cell, so the twelve months fit beside the kinds of file on a
# laptop screen; the legend (``STRIP_LEGEND``) names each mark with the glossary's word.
STRIP_MARKS = {CV.COMPLETE: "●", CV.PARTIAL: "◐", CV.NONE: "○"}
_STRIP_MEANINGS = {CV.COMPLETE: "mọi ngày của tháng có trong tệp đã nạp",
                   CV.PARTIAL: "thiếu một số ngày", CV.NONE: "chưa nạp tệp nào cho tháng"}
STRIP_LEGEND = " · ".join(f"{STRIP_MARKS[c]} {STRIP_WORDS[c]}: {_STRIP_MEANINGS[c]}"
                          for c in STRIP_MARKS) + "."


def month_strip_table(strip: dict[str, list[str]], labels: dict[str, str]) -> dict[str, list]:
    """The upload page's month strip (``kpi.coverage.month_strip``) as table columns: one row
    per kind of file (its Vietnamese name from ``labels``), one column per month T1…T12 with
    the month's mark ("●" Đủ dữ liệu, "◐" Tạm tính, "○" Chưa có dữ liệu; ``STRIP_LEGEND``)."""
    kinds = list(strip)
    out: dict[str, list] = {"Loại tệp": [labels.get(k, k) for k in kinds]}
    for m in range(12):
        out[f"T{m + 1}"] = [STRIP_MARKS[strip[k][m]] for k in kinds]
    return out


@dataclass(frozen=True)
class Series:
    """One KPI's monthly values for a chart: labels "T3/2026", values (None = no data)."""

    key: str
    months: list[dt.date]
    labels: list[str]
    values: list[float | None]
    texts: list[str]  # "98,5%" or "—"
    target: float | None  # the target of the last month's plan year
    numerators: list[int]
    denominators: list[int]

    def table(self) -> dict[str, list]:
        """Columns (Vietnamese headers) of the month-by-month table."""
        return {"Tháng": self.labels, "Kết quả": self.texts,
                "Tử số": [fmt.integer(x) for x in self.numerators],
                "Mẫu số": [fmt.integer(x) for x in self.denominators]}


def trend_series(trend, key: str) -> Series:
    """The rows of ``kpi.queries.trend`` for one KPI."""
    part = trend[trend["key"] == key] if len(trend) else trend
    months = [_day(m) for m in part["month"]]
    values = [None if v is None or v != v else float(v) for v in part["value"]]
    targets = [t for t in part["target"] if t is not None and t == t]
    return Series(key=key, months=months, labels=[str(x) for x in part["label"]], values=values,
                  texts=[fmt.pct(v) for v in values],
                  target=float(targets[-1]) if targets else None,
                  numerators=[int(x) for x in part["numerator"]],
                  denominators=[int(x) for x in part["denominator"]])


@dataclass(frozen=True)
class Group:
    """One row of a breakdown, for charts and filters."""

    group: object  # the value to filter on (field name, procedure code…; None = unknown)
    label: str
    value: float | None
    text: str  # "95,0%"
    shortfall: int


def groups(frame) -> list[Group]:
    """The rows of a ``kpi.queries.breakdown`` frame, in its order (worst first)."""
    out = []
    for g, lab, v, short in zip(frame["group"], frame["label"], frame["value"],
                                frame["shortfall"]):
        value = None if v is None or v != v else float(v)
        out.append(Group(group=None if g is None or g != g else g, label=str(lab), value=value,
                         text=fmt.pct(value), shortfall=int(short)))
    return out


OTHERS = "__others__"  # the group value of the "Khác" bar (never a filter)
CHART_TOP = 12


def chart_groups(frame, top: int = CHART_TOP) -> list[Group]:
    """The groups a breakdown chart draws: the ``top`` worst (the frame's order), then one
    "Khác (n nhóm)" for the rest, its rate over their summed counts; all of them when at most
    one would be left over."""
    gs = groups(frame)
    if len(gs) <= top + 1:
        return gs
    rest = frame.iloc[top:]
    num, den = int(rest["numerator"].sum()), int(rest["denominator"].sum())
    value = num / den if den else None
    return gs[:top] + [Group(group=OTHERS, label=f"Khác ({fmt.integer(len(rest))} nhóm)",
                             value=value, text=fmt.pct(value), shortfall=den - num)]


def series_from_points(key: str, points, target: float | None) -> Series:
    """A Series from the report's trend ([(month, value)…], see kpi.report.common)."""
    months = [_day(m) for m, _ in points]
    values = [None if v is None or v != v else float(v) for _, v in points]
    return Series(key=key, months=months, labels=[fmt.month_label(m) for m in months],
                  values=values, texts=[fmt.pct(v) for v in values], target=target,
                  numerators=[], denominators=[])


def breakdown_table(frame, noun: str = "hồ sơ") -> dict[str, list]:
    """Columns (Vietnamese headers) of a ``kpi.queries.breakdown`` frame for the screen."""
    return {
        "Nhóm": list(frame["label"]),
        "Tỷ lệ": [fmt.pct(v) for v in frame["value"]],
        f"Đạt ({noun})": [fmt.integer(x) for x in frame["numerator"]],
        f"Tổng ({noun})": [fmt.integer(x) for x in frame["denominator"]],
        f"Chưa đạt ({noun})": [fmt.integer(x) for x in frame["shortfall"]],
        "Không rõ": [fmt.integer(x) for x in frame["unknown"]],
    }


# --------------------------------------------------------------------------- data warnings


@dataclass(frozen=True)
class DataWarning:
    kind: str  # no_dossiers | summary | no_<source> (no_ratings, no_procedures, no_feedback)
    #            | unverifiable | unknown_status | unknown_columns
    text: str  # Vietnamese, plain words


def ratings_in_period(engine, unit, period, *, today: dt.date | None = None) -> int:
    """How many ratings are dated in the period (on a day in [start, min(end, today)]), with
    or without a usable value: one small count, not a snapshot."""
    p = P.parse_period(period)
    end = p.effective_end(today or config.today())
    if end < p.start:
        return 0
    r = S.ratings
    lo = dt.datetime.combine(p.start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    q = sa.select(sa.func.count()).select_from(r).where(r.c.rated_at >= lo, r.c.rated_at < hi)
    with connect(engine) as conn:
        if unit is not None:
            uid = unit if isinstance(unit, int) else conn.execute(
                sa.select(S.units.c.id).where(S.units.c.name == unit)).scalar()
            if uid is None:
                return 0
            q = q.where(r.c.unit_id == uid)
        return int(conn.execute(q).scalar() or 0)


def _ratio(v: Q.KpiValue) -> D.Ratio:
    """The declaration of the variant a value was computed with."""
    return D.KPI_BY_KEY[v.key].variants[v.definition]


def _short(v: Q.KpiValue) -> str:
    """A KPI's short label inside a sentence, with its variant when the user picks one."""
    kpi = D.KPI_BY_KEY[v.key]
    name = fmt.in_sentence(kpi.short_label or kpi.label)
    return f"{name} {_ratio(v).short}" if kpi.choice else name


def needs_ratings_count(snap: Q.Snapshot) -> bool:
    """A chosen variant is refined by ratings without being computed from them (766
    satisfaction): ``data_warnings`` then needs ``ratings_in_period``."""
    return any("ratings" in _ratio(v).refined_by for v in snap.kpis)


def _source_warnings(snap: Q.Snapshot, counted: dict) -> list[DataWarning]:
    """Per source other than dossiers, in the order of kpi.definitions.SOURCES: the KPIs it
    answers that have no rows at all, and the chosen variants it would have refined."""
    out = []
    for source in D.SOURCES.values():
        if not source.missing:
            continue
        empty = [v for v in snap.kpis if _ratio(v).source == source.name]
        if empty and all(v.denominator == 0 and v.unknown == 0 for v in empty):
            shorts = [_short(v) for v in empty]
            what = (f"chỉ tiêu {shorts[0]}" if len(empty) == 1
                    else f"{len(empty)} chỉ tiêu ({', '.join(shorts)})")
            out.append(DataWarning(f"no_{source.name}", f"{source.missing}: chưa tính được "
                                   f"{what}."))
        if counted.get(source.name) == 0:
            for v in snap.kpis:
                r = _ratio(v)
                if source.name in r.refined_by:
                    rest = [D.SOURCES[x].noun for x in r.refined_by if x != source.name]
                    out.append(DataWarning(
                        f"no_{source.name}", f"{source.missing}: {fmt.in_sentence(v.label)} "
                        f"({r.short}) chỉ tính từ {fmt.enumeration([r.noun, *rest])}."))
    return out


def data_warnings(snap: Q.Snapshot, ratings: int | None = None) -> list[DataWarning]:
    """Plain warnings about data missing for the period, in the order a reader needs them.

    ``ratings``: the ratings dated in the period (``ratings_in_period``), needed when
    ``needs_ratings_count``; None = not known."""
    out: list[DataWarning] = []
    c = snap.counts
    if snap.source == "none":
        out.append(DataWarning("no_dossiers", "Kỳ này chưa có dữ liệu hồ sơ: các chỉ số tính từ "
                               "hồ sơ chưa có số liệu. Hãy tải danh sách hồ sơ của kỳ."))
    elif snap.source == "summary":
        answered = [fmt.in_sentence(v.label) for v in snap.kpis if v.source == "summary"]
        out.append(DataWarning("summary", "Kỳ này chưa có danh sách hồ sơ chi tiết: "
                               f"{fmt.enumeration(answered)} lấy từ báo cáo tổng hợp (Biểu số "
                               "06/VPCP/KSTT); các chỉ số khác chưa có số liệu."))
    out += _source_warnings(snap, {"ratings": ratings})
    if c.get("unverifiable"):
        out.append(DataWarning("unverifiable", f"{fmt.integer(c['unverifiable'])} hồ sơ chưa giải "
                               "quyết xong mà không có ngày hẹn trả (hoặc đã xong mà không có ngày "
                               "kết thúc): không xác định được đúng hạn hay quá hạn, không tính "
                               "vào tỷ lệ."))
    if c.get("unknown_status"):
        out.append(DataWarning("unknown_status", f"{fmt.integer(c['unknown_status'])} hồ sơ không "
                               "rõ trạng thái (tệp đã tải thiếu cột trạng thái)."))
    for v in snap.kpis:
        noun = D.SOURCES[v.source].noun
        if v.unknown and v.value is not None:
            out.append(DataWarning("unknown_columns", f"{v.label}: {fmt.integer(v.unknown)} "
                                   f"{noun} không rõ (tệp đã tải thiếu cột dữ liệu cần thiết), "
                                   "không tính vào tử số và mẫu số."))
        elif v.unknown:
            out.append(DataWarning("unknown_columns", f"{v.label}: tất cả {fmt.integer(v.unknown)}"
                                   f" {noun} thiếu cột dữ liệu cần thiết trong tệp đã tải, chưa "
                                   "tính được chỉ số."))
    return out


def period_note(snap: Q.Snapshot) -> str | None:
    """The coverage sentence of a period the loaded exports do not fully cover ("Số liệu tạm
    tính: thiếu dữ liệu từ 01/07/2026 đến 31/12/2026; dữ liệu mới đến ngày 30/06/2026.", "Chưa
    có dữ liệu cho kỳ này (…)"); else "Kỳ chưa kết thúc: số liệu tính đến ngày 15/04/2026." for
    a period not ended yet; None for a complete, ended one."""
    if snap.coverage is not None and not snap.coverage.complete:
        return snap.coverage.note
    if snap.as_of_day < snap.period.end:
        return f"Kỳ chưa kết thúc: số liệu tính đến ngày {fmt.date(snap.as_of_day)}."
    return None


# --------------------------------------------------------------------------- shortfall as Excel

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




def shortfall_xlsx(engine, unit, period, key: str, choice: D.Choice | None = None, *,
                   by: str | None = None, group=None,
                   group_label: str | None = None, today: dt.date | None = None) -> bytes:
    """Every row behind a KPI's shortfall (all pages of ``kpi.queries.shortfall``) as an .xlsx:
    sheet "Danh sách" (dates as dates dd/mm/yyyy, numbers as numbers, a filter on the header)
    and sheet "Thông tin" (unit, period, KPI, filter, count)."""
    first = Q.shortfall(engine, unit, period, key, choice, page=1, page_size=1,
                        by=by, group=group, today=today)
    page = Q.shortfall(engine, unit, period, key, choice, page=1,
                       page_size=max(1, first.total), by=by, group=group, today=today)
    frame = page.frame
    p = P.parse_period(period)
    buf = io.BytesIO()
    wb = excel.workbook(buf)
    head = wb.add_format(excel.HEADER)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    quoted = excel.quote_format(wb)  # formula-looking text: kpi.excel
    int_fmt = wb.add_format({"num_format": "#,##0"})
    ws = wb.add_worksheet("Danh sách")
    cols = list(frame.columns)
    for j, name in enumerate(cols):
        ws.write_string(0, j, name, head)
        ws.set_column(j, j, max(12, min(40, len(name) + 4)))
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, x in enumerate(row):
            if x is None or (not isinstance(x, str) and pd.isna(x)):  # None, NaN, NaT
                continue
            if isinstance(x, dt.datetime):
                ws.write_datetime(i, j, x, date_fmt)
            elif isinstance(x, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(x, dt.time()), date_fmt)
            elif isinstance(x, (bool, np.bool_)):
                ws.write_string(i, j, "Có" if x else "Không")
            elif isinstance(x, numbers.Integral):
                ws.write_number(i, j, int(x), int_fmt)
            elif isinstance(x, numbers.Real):
                ws.write_number(i, j, float(x))
            else:
                excel.write_text(ws, i, j, x, None, quoted)
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, max(1, len(frame)), len(cols) - 1)
    info = wb.add_worksheet("Thông tin")
    kpi = D.KPI_BY_KEY[key]
    snap_unit = unit if unit is not None else Q.ALL_UNITS_LABEL
    lines = [
        ("Đơn vị", snap_unit),
        ("Kỳ báo cáo", f"{p.label} ({fmt.date_range(p.start, p.end)})"),
        ("Chỉ tiêu", kpi.label),
        ("Lọc theo", (f"{Q.BREAKDOWNS[by]}: {group_label or (Q.UNKNOWN_GROUP if group is None else group)}"
                      if by else "Không lọc")),
        ("Số dòng", page.total),
        ("Ngày lập", fmt.date(today or config.today())),
    ]
    bold = wb.add_format({"bold": True})
    info.set_column(0, 0, 18)
    info.set_column(1, 1, 70)
    for i, (k, v) in enumerate(lines):
        info.write_string(i, 0, k, bold)
        if isinstance(v, int):
            info.write_number(i, 1, v, int_fmt)
        else:
            excel.write_text(info, i, 1, v, None, quoted)
    wb.close()
    return buf.getvalue()


def shortfall_file_name(key: str, period) -> str:
    """A Vietnamese slug, never the KPI's code: chua-dat_dung-han_thang-3-2026.xlsx."""
    p = P.parse_period(period)
    kpi = D.KPI_BY_KEY[key]
    return f"chua-dat_{fmt.slug(kpi.short_label or kpi.label)}_{fmt.slug(p.label)}.xlsx"
