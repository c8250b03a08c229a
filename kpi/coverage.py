"""Which days the loaded exports speak for (kpi-definitions.md, "Coverage").

Every loaded (not undone) upload covers a date range, read from the upload log (``batches``):
from ``covers_from`` (stored at load time: the start date the file's title states, else its
earliest received / rated date) to its ``as_of`` (the end date the title states, else the latest
received, finish or return date of its rows). A Biểu số 06 covers exactly its own period (the
``summaries`` table). A unit's coverage is the union of those ranges; ``data_through`` is the
newest as-of date of its dossier exports.

    data_through(engine, [unit_id])                  # date or None (no dossier export)
    cov = period_coverage(engine, [unit_id], "2026") # Coverage(status, missing, data_through)
    cov.status                                       # complete | partial | none
    cov.missing                                      # ((date(2026, 7, 1), date(2026, 12, 31)),)
    cov.note                                         # the Vietnamese sentence of a partial period
    month_strip(engine, "Xã Lộc Tân", 2026)          # {kind: [status of month 1..12]}

A period is judged as of ``judged_day`` = min(period end, data_through); a period no dossier
export covers has no dossier data (``judged_day`` is then the day before it starts, so every
dossier-based count is empty), whatever the carried-over dossiers of other exports say.

Unit arguments: a list of unit ids, one id, a unit's name, or None (every unit together: the
union of their coverage, the newest of their as-of dates). The first argument is an engine or
an open connection. Databases filled without the upload log (rows inserted directly, as some
tests do) count each unit's dossier rows without any dossier upload as one export; so do a
unit's rows when none of its uploads of that kind is loaded with an as-of date (a hand-made
log).
"""

from __future__ import annotations

import calendar as _cal
import contextlib
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kpi import format as fmt
from kpi import schema as S

__all__ = ["Coverage", "COMPLETE", "PARTIAL", "NONE", "STRIP_KINDS", "covers_from",
           "covered_ranges", "data_through", "period_coverage", "judged_day", "month_strip",
           "merge", "missing_ranges"]

COMPLETE, PARTIAL, NONE = "complete", "partial", "none"
DAY = dt.timedelta(days=1)

# The column whose earliest day starts an export without a stated period, per kind.
START_COLUMNS = {"dossiers": "received_at", "ratings": "rated_at", "feedback": "received_at"}
# The columns whose latest day ends an export without a stated end (due dates lie ahead).
END_COLUMNS = {"dossiers": ("received_at", "finished_at", "returned_at"),
               "ratings": ("rated_at",), "feedback": ("received_at", "finished_at")}
# The kinds of file the upload page's month strip shows (the catalogue is a state, not a range).
STRIP_KINDS = ("dossiers", "summary", "ratings", "feedback")

Range = tuple[dt.date, dt.date]


@dataclass(frozen=True)
class Coverage:
    """A period's coverage: ``status`` complete | partial | none, the uncovered ``missing``
    day ranges inside it (in order), the selection's ``data_through``, and whether any dossier
    export covers a day of it (``dossiers``; a period covered only by a Biểu số 06 has none)."""

    status: str
    missing: tuple[Range, ...] = ()
    data_through: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    dossiers: bool = False

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE

    @property
    def provisional(self) -> bool:
        """Partial: the KPIs are "tạm tính"."""
        return self.status == PARTIAL

    @property
    def empty(self) -> bool:
        return self.status == NONE

    def to_json(self) -> dict:
        """``{"status": "partial", "missing": [{"start": …, "end": …}, …]}`` (cli.md)."""
        return {"status": self.status,
                "missing": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in self.missing]}

    @property
    def missing_text(self) -> str:
        """"thiếu dữ liệu từ 01/07/2026 đến 31/07/2026 và từ 01/10/2026 đến 31/12/2026"."""
        parts = [f"từ {fmt.date(a)} đến {fmt.date(b)}" if a != b else f"ngày {fmt.date(a)}"
                 for a, b in self.missing]
        return "thiếu dữ liệu " + fmt.enumeration(parts) if parts else ""

    @property
    def note(self) -> str | None:
        """The sentence a screen or report shows beside a period that is not complete: for a
        partial one which days are missing (or that the data stops at data_through); for
        none, that there is no data."""
        if self.status == COMPLETE:
            return None
        if self.status == NONE:
            if self.data_through is None:
                return "Chưa có dữ liệu: chưa tải tệp danh sách hồ sơ nào của đơn vị."
            return (f"Chưa có dữ liệu cho kỳ này ({self.missing_text}; dữ liệu đã tải mới đến "
                    f"ngày {fmt.date(self.data_through)}).")
        text = f"Số liệu tạm tính: {self.missing_text}"
        if self.data_through is not None and self.end is not None and self.data_through < self.end:
            text += f"; dữ liệu mới đến ngày {fmt.date(self.data_through)}"
        return text + "."

    @property
    def label(self) -> str:
        """One word for a table or a tag: "Đủ dữ liệu", "Tạm tính", "Chưa có dữ liệu"."""
        return STATUS_LABELS[self.status]


STATUS_LABELS = {COMPLETE: "Đủ dữ liệu", PARTIAL: "Tạm tính", NONE: "Chưa có dữ liệu"}


# ------------------------------------------------------------------------------ range arithmetic

def merge(ranges) -> list[Range]:
    """The union of closed day ranges, as disjoint ranges in order (touching ones joined)."""
    out: list[list[dt.date]] = []
    for a, b in sorted((a, b) for a, b in ranges if a is not None and b is not None and a <= b):
        if out and a <= out[-1][1] + DAY:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def missing_ranges(covered: list[Range], start: dt.date, end: dt.date) -> list[Range]:
    """The days of [start, end] outside the (merged) ``covered`` ranges, in order."""
    out, day = [], start
    for a, b in covered:
        if b < day:
            continue
        if a > end:
            break
        if a > day:
            out.append((day, min(end, a - DAY)))
        day = max(day, b + DAY)
        if day > end:
            break
    if day <= end:
        out.append((day, end))
    return out


def overlaps(covered: list[Range], start: dt.date, end: dt.date) -> bool:
    """Whether any of the ``covered`` ranges holds a day of [start, end]."""
    return any(a <= end and b >= start for a, b in covered)





# ------------------------------------------------------------------------------ at load time

def covers_from(kind: str, period, frame) -> dt.date | None:
    """The first day an upload covers, stored with its batch at load time: the start of the
    period its title states (or the --period given), else the earliest day of its rows'
    ``START_COLUMNS`` column (received, rated); None for a catalogue."""
    if period:
        return _day(period[0])
    col = START_COLUMNS.get(kind)
    if col is None or frame is None or col not in frame.columns:
        return None
    return first_day(frame[col].min())


def first_day(value) -> dt.date | None:
    """The day of the earliest start value of an upload's rows (None when blank)."""
    return None if value is None or value != value else _day(value)


# ------------------------------------------------------------------------------ reading

_day = fmt.to_date  # a date from a date, a datetime or ISO text


@contextlib.contextmanager
def _conn(conn_or_engine):
    if isinstance(conn_or_engine, sa.Connection):
        yield conn_or_engine
        return
    from kpi.db import connect

    with connect(conn_or_engine) as conn:
        yield conn


def _unit_ids(conn, unit) -> list[int] | None:
    if unit is None or isinstance(unit, (list, tuple, set, frozenset)):
        return None if unit is None else [int(u) for u in unit]
    if isinstance(unit, int):
        return [unit]
    from kpi.db import find_unit

    uid = find_unit(conn, unit)
    return [uid] if uid is not None else []


def _where_unit(col, unit_ids):
    if unit_ids is None:
        return sa.true()
    return col.in_(unit_ids) if len(unit_ids) != 1 else col == unit_ids[0]


def _rows_range(conn, kind: str, unit_ids, batch_id=None) -> Range | None:
    """[earliest start day, latest end day] of the stored rows of a kind (one batch's when
    ``batch_id`` is given), or None."""
    table = S.FACT_TABLES[kind][0]
    starts = table.c[START_COLUMNS[kind]]
    ends = [table.c[c] for c in END_COLUMNS[kind]]
    cond = _where_unit(table.c.unit_id, unit_ids)
    if batch_id is not None:
        cond = sa.and_(cond, sa.or_(table.c.batch_id == batch_id,
                                    table.c.created_batch_id == batch_id))
    row = conn.execute(sa.select(sa.func.min(starts), *[sa.func.max(c) for c in ends],
                                 sa.func.max(table.c.as_of)).where(cond)).one()
    first = _day(row[0])
    lasts = [_day(x) for x in row[1:-1] if x is not None]
    last = _day(row[-1]) or (max(lasts) if lasts else None)
    if first is None or last is None:
        return None
    return (first, max(first, last))


def covered_ranges(conn_or_engine, unit_ids, kind: str = "dossiers") -> list[Range]:
    """The merged day ranges the loaded uploads of ``kind`` cover (``summary``: the periods of
    the stored Biểu số 06 rows)."""
    with _conn(conn_or_engine) as conn:
        ids = _unit_ids(conn, unit_ids)
        if ids == []:
            return []
        return merge(_ranges(conn, ids, kind))


def _ranges(conn, unit_ids, kind: str) -> list[Range]:
    if kind == "summary":
        s = S.summaries
        rows = conn.execute(sa.select(s.c.period_start, s.c.period_end).distinct()
                            .where(_where_unit(s.c.unit_id, unit_ids))).all()
        return [(_day(a), _day(b)) for a, b in rows]
    if kind not in START_COLUMNS:
        return []
    b = S.batches
    rows = conn.execute(
        sa.select(b.c.id, b.c.unit_id, b.c.covers_from, b.c.period_start, b.c.as_of, b.c.status)
        .where(_where_unit(b.c.unit_id, unit_ids), b.c.kind == kind)
    ).all()
    out = []
    logged = set()
    for bid, uid, start, pstart, as_of, status in rows:
        if status != "loaded" or as_of is None:
            continue
        logged.add(uid)
        first = _day(start) or _day(pstart)
        if first is None:  # a batch written before covers_from existed, not backfilled
            rr = _rows_range(conn, kind, [uid], bid)
            first = rr[0] if rr else _day(as_of)
        end = _day(as_of)
        out.append((min(first, end), end))
    out += _unlogged(conn, unit_ids, kind, logged)
    return out


def _unlogged(conn, unit_ids, kind: str, logged: set) -> list[Range]:
    """Each unit in the selection that has rows of ``kind`` but no loaded upload of it with an
    as-of date in the log counts its rows as one export."""
    if unit_ids is None:
        ids = list(conn.execute(sa.select(S.units.c.id)).scalars())
    else:
        ids = list(unit_ids)
    out = []
    for uid in ids:
        if uid in logged:
            continue
        rr = _rows_range(conn, kind, [uid])
        if rr:
            out.append(rr)
    return out


def data_through(conn_or_engine, unit_ids) -> dt.date | None:
    """The newest as-of date of the selection's loaded dossier exports (None without any)."""
    ranges = covered_ranges(conn_or_engine, unit_ids, "dossiers")
    return max((b for _, b in ranges), default=None)


def _period_bounds(period) -> tuple[dt.date, dt.date]:
    if isinstance(period, tuple):
        return period[0], period[1]
    from kpi.periods import parse_period

    p = parse_period(period)
    return p.start, p.end


def period_coverage(conn_or_engine, unit_ids, period) -> Coverage:
    """Coverage of ``period`` (a Period, a period text or a (start, end) pair) by the
    selection's dossier exports and Biểu số 06 summaries."""
    start, end = _period_bounds(period)
    with _conn(conn_or_engine) as conn:
        ids = _unit_ids(conn, unit_ids)
        if ids == []:
            return Coverage(NONE, ((start, end),), None, start, end, False)
        dossiers = merge(_ranges(conn, ids, "dossiers"))
        summaries = merge(_ranges(conn, ids, "summary"))
    return _coverage(dossiers, summaries, start, end)


def _coverage(dossiers: list[Range], summaries: list[Range], start, end) -> Coverage:
    through = max((b for _, b in dossiers), default=None)
    covered = merge(dossiers + summaries)
    missing = missing_ranges(covered, start, end)
    if not missing:
        status = COMPLETE
    elif missing == [(start, end)]:
        status = NONE
    else:
        status = PARTIAL
    return Coverage(status, tuple(missing), through, start, end, overlaps(dossiers, start, end))


def judged_day(cov: Coverage, start: dt.date, end: dt.date) -> dt.date:
    """The classification day of dossier data for [start, end]: min(end, data_through); the
    day before ``start`` when no dossier export covers a day of the period (nothing judged)."""
    if not cov.dossiers or cov.data_through is None:
        return start - DAY
    return max(start - DAY, min(end, cov.data_through))


def coverages(conn, unit_ids, spans: list[Range]) -> list[Coverage]:
    """``period_coverage`` of many spans with one read of the log (the trend's months)."""
    ids = _unit_ids(conn, unit_ids)
    if ids == []:
        return [Coverage(NONE, ((a, b),), None, a, b, False) for a, b in spans]
    dossiers = merge(_ranges(conn, ids, "dossiers"))
    summaries = merge(_ranges(conn, ids, "summary"))
    return [_coverage(dossiers, summaries, a, b) for a, b in spans]


# ------------------------------------------------------------------------------ the month strip

def month_strip(conn_or_engine, unit, year: int) -> dict[str, list[str]]:
    """Per kind of file (``STRIP_KINDS``: dossiers, summary, ratings, feedback), the status of
    each month 1..12 of ``year``: complete | partial | none."""
    out = {}
    with _conn(conn_or_engine) as conn:
        ids = _unit_ids(conn, unit)
        for kind in STRIP_KINDS:
            ranges = merge(_ranges(conn, ids, kind)) if ids != [] else []
            statuses = []
            for m in range(1, 13):
                a = dt.date(year, m, 1)
                b = dt.date(year, m, _cal.monthrange(year, m)[1])
                miss = missing_ranges(ranges, a, b)
                statuses.append(COMPLETE if not miss else NONE if miss == [(a, b)] else PARTIAL)
            out[kind] = statuses
    return out
