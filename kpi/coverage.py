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
    log = Log(conn, [unit_id], ("dossiers", "ratings", "feedback"))  # one call's reads
    log.coverage(start, end), log.covered("ratings"), log.as_of(kinds)  # shared, read once

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
           "merge", "missing_ranges", "Log", "SUMMARY_VALUES"]

COMPLETE, PARTIAL, NONE = "complete", "partial", "none"
DAY = dt.timedelta(days=1)

# The column whose earliest day starts an export without a stated period, per kind.
START_COLUMNS = {"dossiers": "received_at", "ratings": "rated_at", "feedback": "received_at"}
# The columns whose latest day ends an export without a stated end (due dates lie ahead).
END_COLUMNS = {"dossiers": ("received_at", "finished_at", "returned_at"),
               "ratings": ("rated_at",), "feedback": ("received_at", "finished_at")}
# The counts of a Biểu số 06 row (``summaries``) the KPIs read.
SUMMARY_VALUES = ("received_total", "received_online", "received_direct", "carried_over",
                  "resolved_total", "early", "on_time", "late", "pending_total",
                  "pending_in_time", "pending_overdue")
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
    return _range_of(row[0], row[1:-1], row[-1])


def _range_of(first, ends, as_of) -> Range | None:
    """The range of stored rows from their earliest start, latest ends and latest as-of."""
    first = _day(first)
    lasts = [_day(x) for x in ends if x is not None]
    last = _day(as_of) or (max(lasts) if lasts else None)
    if first is None or last is None:
        return None
    return (first, max(first, last))


_MAX_ENDS = max(len(c) for c in END_COLUMNS.values())
_NULL_TS = sa.cast(sa.null(), sa.DateTime)


def _rows_ranges(conn, needed: dict[str, list[int]]) -> dict[tuple[str, int], Range]:
    """``_rows_range`` of many (kind, unit) pairs in one statement: {(kind, unit id): range}
    for those that have one. One aggregate per kind grouped by unit, put together with UNION
    ALL (the end columns padded to the same width)."""
    kinds = [k for k in START_COLUMNS if needed.get(k)]
    if not kinds:
        return {}
    parts = []
    for i, kind in enumerate(kinds):
        table = S.FACT_TABLES[kind][0]
        ends = [sa.func.max(table.c[c]) for c in END_COLUMNS[kind]]
        ends += [_NULL_TS] * (_MAX_ENDS - len(ends))
        parts.append(
            sa.select(sa.literal_column(str(i), sa.Integer).label("kind"),
                      table.c.unit_id, sa.func.min(table.c[START_COLUMNS[kind]]).label("first"),
                      *[e.label(f"end{j}") for j, e in enumerate(ends)],
                      sa.func.max(table.c.as_of).label("as_of"))
            .where(_where_unit(table.c.unit_id, needed[kind]))
            .group_by(table.c.unit_id))
    q = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    out = {}
    for row in conn.execute(q):
        kind, uid, first, *ends, as_of = row
        rr = _range_of(first, ends, as_of)
        if rr is not None:
            out[(kinds[kind], uid)] = rr
    return out


class Log:
    """What one call reads of the upload log (``batches``) and of the Biểu số 06 rows
    (``summaries``) of a selection, each read once, on first use, and shared by every reader.

    A snapshot needs the unit's batches for its dossier, ratings and PAKN coverage and for
    its as-of stamp, and its summaries for the coverage and for the summary of the period:
    one statement each instead of one per use. A ``Log`` lives as long as the call that made
    it — never keep one between calls: a long-running server must see the next upload.

    ``unit_ids``: a list of unit ids, or None for every unit. ``kinds``: the kinds whose
    coverage the call will ask for. A unit without a loaded upload of a kind (with an as-of
    date) counts its rows of that kind as one export; those row ranges, for every kind of
    ``kinds``, are read together in one statement (``_rows_ranges``).
    """

    def __init__(self, conn, unit_ids: list[int] | None, kinds=("dossiers",)):
        self.conn = conn
        self.unit_ids = None if unit_ids is None else [int(u) for u in unit_ids]
        self.kinds = tuple(k for k in kinds if k in START_COLUMNS)
        self._batches: list | None = None
        self._summaries: list | None = None
        self._units: list[int] | None = None
        self._ranges: dict[str, list[Range]] = {}

    def batches(self) -> list:
        """The selection's batches (every kind and status): id, unit_id, kind, covers_from,
        period_start, as_of, status, uploaded_at."""
        if self._batches is None:
            b = S.batches
            self._batches = self.conn.execute(
                sa.select(b.c.id, b.c.unit_id, b.c.kind, b.c.covers_from, b.c.period_start,
                          b.c.as_of, b.c.status, b.c.uploaded_at)
                .where(_where_unit(b.c.unit_id, self.unit_ids))).all()
        return self._batches

    def summaries(self) -> list:
        """The selection's Biểu số 06 rows: unit_id, period_start, period_end, field and the
        ``SUMMARY_VALUES`` columns."""
        if self._summaries is None:
            s = S.summaries
            self._summaries = self.conn.execute(
                sa.select(s.c.unit_id, s.c.period_start, s.c.period_end, s.c.field,
                          *[s.c[c] for c in SUMMARY_VALUES])
                .where(_where_unit(s.c.unit_id, self.unit_ids))).all()
        return self._summaries

    def units(self) -> list[int]:
        """The ids of the selection (every unit's for None)."""
        if self._units is None:
            self._units = (list(self.unit_ids) if self.unit_ids is not None else
                           list(self.conn.execute(sa.select(S.units.c.id)).scalars()))
        return self._units

    def ranges(self, kind: str) -> list[Range]:
        """The day ranges (not merged) the loaded uploads of ``kind`` cover."""
        if kind == "summary":
            return list(dict.fromkeys((_day(r.period_start), _day(r.period_end))
                                      for r in self.summaries()))
        if kind not in START_COLUMNS:
            return []
        if kind not in self._ranges:
            kinds = dict.fromkeys((kind, *self.kinds))
            logged, out = {}, {}
            for k in kinds:
                out[k], logged[k] = self._logged(k)
            needed = {k: [u for u in self.units() if u not in logged[k]] for k in kinds}
            found = _rows_ranges(self.conn, needed)
            for k in kinds:
                out[k] += [found[(k, u)] for u in needed[k] if (k, u) in found]
                self._ranges.setdefault(k, out[k])
        return self._ranges[kind]

    def _logged(self, kind: str) -> tuple[list[Range], set]:
        """The ranges of the loaded uploads of ``kind`` with an as-of date, and their units."""
        out, logged = [], set()
        for r in self.batches():
            if r.kind != kind or r.status != "loaded" or r.as_of is None:
                continue
            logged.add(r.unit_id)
            first = _day(r.covers_from) or _day(r.period_start)
            if first is None:  # a batch written before covers_from existed, not backfilled
                rr = _rows_range(self.conn, kind, [r.unit_id], r.id)
                first = rr[0] if rr else _day(r.as_of)
            end = _day(r.as_of)
            out.append((min(first, end), end))
        return out, logged

    def covered(self, kind: str = "dossiers") -> list[Range]:
        """``covered_ranges`` of the selection."""
        return merge(self.ranges(kind))

    def coverage(self, start: dt.date, end: dt.date) -> Coverage:
        """``period_coverage`` of [start, end]."""
        return _coverage(self.covered("dossiers"), self.covered("summary"), start, end)

    def as_of(self, kinds) -> dt.datetime | None:
        """The newest ``uploaded_at`` of the selection's loaded batches of ``kinds`` (naive, as
        stored), or None."""
        kinds = set(kinds)
        return max((r.uploaded_at for r in self.batches()
                    if r.status == "loaded" and r.kind in kinds), default=None)


def covered_ranges(conn_or_engine, unit_ids, kind: str = "dossiers") -> list[Range]:
    """The merged day ranges the loaded uploads of ``kind`` cover (``summary``: the periods of
    the stored Biểu số 06 rows)."""
    with _conn(conn_or_engine) as conn:
        ids = _unit_ids(conn, unit_ids)
        if ids == []:
            return []
        return Log(conn, ids, (kind,)).covered(kind)


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
        return Log(conn, ids).coverage(start, end)


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


def coverages(conn, unit_ids, spans: list[Range], log: Log | None = None) -> list[Coverage]:
    """``period_coverage`` of many spans with one read of the log (the trend's months);
    ``log``: the call's ``Log`` of the same selection, when it has one."""
    ids = _unit_ids(conn, unit_ids)
    if ids == []:
        return [Coverage(NONE, ((a, b),), None, a, b, False) for a, b in spans]
    log = log or Log(conn, ids)
    return [log.coverage(a, b) for a, b in spans]


# ------------------------------------------------------------------------------ the month strip

def month_strip(conn_or_engine, unit, year: int) -> dict[str, list[str]]:
    """Per kind of file (``STRIP_KINDS``: dossiers, summary, ratings, feedback), the status of
    each month 1..12 of ``year``: complete | partial | none."""
    out = {}
    with _conn(conn_or_engine) as conn:
        ids = _unit_ids(conn, unit)
        log = Log(conn, ids, STRIP_KINDS) if ids != [] else None
        for kind in STRIP_KINDS:
            ranges = log.covered(kind) if log is not None else []
            statuses = []
            for m in range(1, 13):
                a = dt.date(year, m, 1)
                b = dt.date(year, m, _cal.monthrange(year, m)[1])
                miss = missing_ranges(ranges, a, b)
                statuses.append(COMPLETE if not miss else NONE if miss == [(a, b)] else PARTIAL)
            out[kind] = statuses
    return out
