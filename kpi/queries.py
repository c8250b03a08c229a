"""KPI queries for the pages and the reports. Every function aggregates in the database.

Common arguments
- ``engine``: a SQLAlchemy engine (``kpi.db.get_engine(url)``).
- ``unit``: the unit's name (``str``), its id (``int``), or ``None`` for all units together.
  An unknown name raises ``UnknownUnit`` (Vietnamese message).
- ``period``: a ``kpi.periods.Period`` or a period text (``"2026-03"``, ``"2026-Q1"``,
  ``"2026"``, ``"2026-01-01..2026-03-31"``); a bad text raises ``PeriodError``.
- ``choice``: a ``kpi.definitions.Choice`` — the variant picked for each KPI that has several
  (``Choice.of(on_time="resolved")``); None = every KPI's default.
- ``today``: the day "today" (default ``kpi.config.today()``, which honours CCHC_TODAY).

The classification day (kpi-definitions.md): dossier data of a period ``[start, end]`` is judged
as of min(end, data_through) — data_through being the newest as-of date of the unit's loaded
dossier exports (``kpi.coverage``), never the clock (today only caps it, for an export whose
title names a day still to come). A period no dossier export covers has no dossier data: every
dossier-based KPI is null, whatever the carried-over pending dossiers say. Ratings and PAKN keep
their own sources (judged as of min(end, today)); the catalogue is a state.

Main entry points
- ``snapshot(...) -> Snapshot``: every KPI (value, numerator, denominator, unknown, target,
  met, formula…) plus counts and as_of; ``Snapshot.to_json()`` is the ``python -m kpi snapshot``
  shape. ``previous_snapshot`` is the same for the previous period.
- ``trend(...) -> DataFrame``: 12 monthly values per KPI ending at the period.
- ``breakdown(...) -> DataFrame``: one KPI by field / procedure / channel / handling_unit.
- ``shortfall(...) -> ShortfallPage``: the rows behind a KPI's shortfall, paged.
- ``counts(...)``, ``as_of(...)``, ``summary_check(...)``. (The year-to-date headroom is the year
  view's: kpi.yearview, one volume rule with the required rate.)
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from kpi import calendar as cal
from kpi import compiler as C
from kpi import config
from kpi import coverage as CV
from kpi import definitions as D
from kpi import format as fmt
from kpi import schema as S
from kpi import targets as T
from kpi.db import connect
from kpi.periods import Period, last_months, parse_period, year_to_date

if TYPE_CHECKING:  # pandas is imported where a frame is built: the CLI starts fast
    import pandas as pd

__all__ = [
    "KpiValue", "Snapshot", "ShortfallPage", "UnknownUnit",
    "snapshot", "previous_snapshot", "trend", "monthly", "breakdown", "shortfall", "counts",
    "as_of", "summary_check", "list_units", "BREAKDOWNS",
]


class UnknownUnit(LookupError):
    """The unit name is not in the database. ``str(exc)`` is Vietnamese."""


# ------------------------------------------------------------------------------ result types


@dataclass
class KpiValue:
    key: str
    label: str  # Vietnamese label
    short_label: str
    section: str  # plan section, e.g. "II.3.1"
    definition: str  # the variant used (its name in the KPI's declaration)
    source: str  # dossiers | summary | ratings | procedures | feedback
    value: float | None  # numerator / denominator, unrounded; None when denominator is 0
    numerator: int
    denominator: int
    unknown: int  # rows in neither count: their file lacked a needed column
    unverifiable: int  # dossiers left out as unknowable (variants declared so), else 0
    target: float | None
    met: bool | None  # value >= target; None without value or target
    target_text: str | None  # the plan's sentence
    formula: str  # Vietnamese formula text
    numerator_label: str
    denominator_label: str
    note: str  # Vietnamese note: no data, unknown rows, no target…

    def to_json(self) -> dict:
        """The entry of ``python -m kpi snapshot`` (cli.md), keys in that order."""
        return {
            "key": self.key,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": self.target,
            "met": self.met,
        }


@dataclass
class Snapshot:
    unit: str  # unit name ("Tất cả đơn vị" for all units)
    period: Period
    as_of_day: dt.date  # the classification day: min(end, data_through[, today])
    as_of: dt.datetime | None  # newest upload used (aware, +07:00), None without batches
    choice: D.Choice  # the variants picked (``definitions`` is its JSON)
    kpis: list[KpiValue]
    counts: dict  # received, resolved, pending, pending_overdue, withdrawn, unverifiable,
    #               carried_over, early, on_time, late, pending_in_time, unknown_status
    source: str  # "dossiers", "summary" (on-time and online submission from Biểu 06) or "none"
    summary_difference: dict | None = None  # dossiers − summary where both exist
    coverage: CV.Coverage | None = None  # which days of the period the loaded exports cover

    @property
    def data_through(self) -> dt.date | None:
        """The newest as-of date of the selection's dossier exports ("Dữ liệu đến ngày")."""
        return self.coverage.data_through if self.coverage is not None else None

    @property
    def provisional(self) -> bool:
        """Partial coverage: every figure is "tạm tính"."""
        return self.coverage is not None and self.coverage.provisional

    @property
    def no_data(self) -> bool:
        """No day of the period is covered: "Chưa có dữ liệu", no verdict."""
        return self.coverage is not None and self.coverage.empty

    @property
    def definitions(self) -> dict:
        """{"on_time": "766", "satisfaction": "766"}: the JSON's "definitions"."""
        return self.choice.to_json()

    def kpi(self, key: str) -> KpiValue:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)

    def to_json(self) -> dict:
        """Exactly the JSON of ``python -m kpi snapshot`` (cli.md): keys and order."""
        return {
            "unit": self.unit,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "as_of": self.as_of.isoformat(timespec="seconds") if self.as_of else None,
            "definitions": self.definitions,
            "kpis": [k.to_json() for k in self.kpis],
            "counts": {k: self.counts.get(k) for k in CLI_COUNT_KEYS},
            "data_through": self.data_through.isoformat() if self.data_through else None,
            "coverage": (self.coverage.to_json() if self.coverage is not None
                         else {"status": CV.NONE, "missing": []}),
        }


CLI_COUNT_KEYS = ("received", "resolved", "pending", "pending_overdue", "withdrawn",
                  "unverifiable")
ALL_UNITS_LABEL = "Tất cả đơn vị"


# ------------------------------------------------------------------------------------ helpers


def _period(period) -> Period:
    return parse_period(period)


def _choice(choice) -> D.Choice:
    return D.Choice() if choice is None else choice


def _today(today):
    return today or config.today()


def judged_day(cov: CV.Coverage, start: dt.date, end: dt.date, today: dt.date) -> dt.date:
    """The classification day of dossier data for ``[start, end]``: min(end, data_through),
    capped by ``today``; the day before ``start`` (nothing judged) when no dossier export
    covers a day of the period."""
    return max(start - dt.timedelta(days=1), min(CV.judged_day(cov, start, end), today))


def _judge(conn, unit_ids, p: Period, today, log: CV.Log | None = None
           ) -> tuple[CV.Coverage, dt.date]:
    """(coverage of the period, its classification day). ``log``: the call's reads of the
    upload log (``kpi.coverage.Log``), shared with its other readers."""
    cov = (log or CV.Log(conn, unit_ids)).coverage(p.start, p.end)
    return cov, judged_day(cov, p.start, p.end, _today(today))


def _resolve_unit(conn, unit) -> tuple[list[int] | None, str]:
    if unit is None:
        return None, ALL_UNITS_LABEL
    if isinstance(unit, int):
        name = conn.execute(sa.select(S.units.c.name).where(S.units.c.id == unit)).scalar()
        if name is None:
            raise UnknownUnit(f"Không tìm thấy đơn vị có mã {unit}.")
        return [unit], name
    name = unicodedata.normalize("NFC", " ".join(str(unit).split()))
    uid = conn.execute(sa.select(S.units.c.id).where(S.units.c.name == name)).scalar()
    if uid is None:
        known = list(conn.execute(sa.select(S.units.c.name).order_by(S.units.c.name)).scalars())
        hint = ("Các đơn vị đang có: " + ", ".join(known) + ".") if known else (
            "Cơ sở dữ liệu chưa có đơn vị nào: hãy tải dữ liệu trước.")
        raise UnknownUnit(f"Không tìm thấy đơn vị “{name}”. {hint}")
    return [uid], name


def list_units(engine) -> list[str]:
    """Names of the units in the database, sorted."""
    with connect(engine) as conn:
        return list(conn.execute(sa.select(S.units.c.name).order_by(S.units.c.name)).scalars())


def _options(conn, unit_ids) -> C.Options:
    """Whether the dossier facts join the catalogue (a procedure without a paper result) and
    the flags (a negative rating or a PAKN naming a dossier): three EXISTS, one statement."""
    p, r, f = S.procedures, S.ratings, S.feedback
    cat = sa.exists(sa.select(p.c.unit_id).where(
        C._unit_cond(p.c.unit_id, unit_ids), p.c.paper_result.is_(False)))
    rated = sa.exists(sa.select(r.c.unit_id).where(
        C._unit_cond(r.c.unit_id, unit_ids), r.c.negative.is_(True),
        r.c.dossier_code.is_not(None)))
    fed = sa.exists(sa.select(f.c.unit_id).where(
        C._unit_cond(f.c.unit_id, unit_ids), f.c.dossier_code.is_not(None)))
    row = conn.execute(sa.select(cat.label("cat"), rated.label("rated"),
                                 fed.label("fed"))).one()
    return C.Options(join_catalogue=bool(row.cat), join_flags=bool(row.rated or row.fed))


def _default_due_map(conn, unit_ids) -> dict[dt.date, dt.date]:
    f = S.feedback
    days = conn.execute(
        sa.select(sa.cast(f.c.received_at, sa.Date)).distinct().where(
            C._unit_cond(f.c.unit_id, unit_ids), f.c.due_at.is_(None),
            f.c.received_at.is_not(None))
    ).scalars()
    out = {}
    for d in days:
        if isinstance(d, dt.datetime):
            d = d.date()
        out[d] = cal.add_working_days(d, FEEDBACK_DEFAULT_WORKING_DAYS)
    return out


FEEDBACK_DEFAULT_WORKING_DAYS = 15


def _ratios_of(source: str, choice: D.Choice | None = None):
    """(KPI key, variant, ratio) of every variant read from ``source``; with ``choice``, only
    the variants it picks."""
    for kpi in D.KPIS:
        for vname, ratio in kpi.variants.items():
            if ratio.source == source and (choice is None or choice.variant(kpi.key) == vname):
                yield kpi.key, vname, ratio


def _bounds(spans):
    if len(spans) == 1:
        return C.literal_bounds(*spans[0])
    return C.values_bounds(spans)


def _run_grouped(conn, facts, aggs, multi: bool) -> dict[int, dict]:
    if not aggs:  # nothing of this source is asked for: no statement
        return {}
    if multi:
        q = sa.select(facts.c.period_idx, *aggs).group_by(facts.c.period_idx)
        return {row._mapping["period_idx"]: dict(row._mapping) for row in conn.execute(q)}
    row = conn.execute(sa.select(*aggs)).one()
    return {0: dict(row._mapping)}


def _measure(conn, unit_ids, spans: list[tuple[dt.date, dt.date]],
             own: list[tuple[dt.date, dt.date]] | None = None,
             log: CV.Log | None = None, choice: D.Choice | None = None) -> list[dict]:
    """Raw counts for each (start, as-of day) span: {"ratios": {(key, variant): (num, den,
    unk)}, "counts": {...}}. One aggregate query per source for all spans. ``own``: the
    spans of ratings and PAKN, which keep their own sources (default ``spans``). ``log``:
    the call's reads of the upload log (ratings and PAKN coverage). ``choice``: measure only
    the variants it picks (a source none of them reads runs no query); None: every one."""
    log = log or CV.Log(conn, unit_ids, _OWN_SOURCES)
    multi = len(spans) > 1
    b = _bounds(spans)
    out = [{"ratios": {}, "counts": {}} for _ in spans]

    # Dossiers: every dossier KPI (the variants measured) and the counts, in one query.
    facts = C.dossier_facts(b, unit_ids, _options(conn, unit_ids))
    ratios = [r for _, _, r in _ratios_of("dossiers", choice)]
    cube = C.cube(facts, ratios, C.COUNT_COLUMNS,
                  (facts.c.period_idx,) if multi else ())
    ns = C.namespace(cube)
    aggs = C.dossier_count_aggregates(ns, cube.c.n)
    names = []
    for key, vname, ratio in _ratios_of("dossiers", choice):
        aggs += C.ratio_aggregates(f"{key}__{vname}", ratio, ns, cube.c.n)
        names.append((key, vname))
    rows = _run_grouped(conn, cube, aggs, multi)
    for i in range(len(spans)):
        r = rows.get(i, {})
        res = out[i]
        for key, vname in names:
            p = f"{key}__{vname}"
            res["ratios"][(key, vname)] = (
                int(r.get(f"{p}__num") or 0), int(r.get(f"{p}__den") or 0),
                int(r.get(f"{p}__unk") or 0))
        c = {cls: int(r.get(f"cls__{cls}") or 0) for cls in (*D.CLASSES, D.UNVERIFIABLE)}
        res["counts"] = _counts_from_classes(
            c,
            received=int(r.get("received") or 0),
            withdrawn=int(r.get("withdrawn") or 0),
            carried_over=int(r.get("carried_over") or 0),
            unknown_status=int(r.get("status_unknown") or 0),
        )
        res["rows_received"] = int(r.get("rows_received") or 0)

    # Ratings, catalogue and PAKN: small tables.
    if own is not None and own != spans:
        b = _bounds(own)
    facts = C.ratings_facts(b, unit_ids)
    _fill(out, conn, facts, "ratings", multi, choice)
    facts = C.procedures_facts(None, unit_ids)
    row = _run_grouped(conn, facts, _source_aggs("procedures", facts, choice), False)
    for res in out:
        _store(res, "procedures", row.get(0, {}), choice)
    if any(_ratios_of("feedback", choice)):
        facts = C.feedback_facts(b, unit_ids, _default_due_map(conn, unit_ids))
        _fill(out, conn, facts, "feedback", multi, choice)
    # Ratings and PAKN keep their own sources (kpi-definitions.md, "Coverage"): a span that
    # no loaded file of the source speaks for has no value and no verdict, whatever rows
    # carried over from an earlier file say (a PAKN still open is not "on time" in a month
    # its file does not cover).
    for source in _OWN_SOURCES:
        covered = log.covered(source)
        for res, (start, end) in zip(out, own if own is not None else spans):
            if not CV.overlaps(covered, start, end):
                for key, vname, _ in _ratios_of(source, choice):
                    res["ratios"][(key, vname)] = (0, 0, 0)
    return out


_OWN_SOURCES = ("ratings", "feedback")  # judged by the coverage of their own files


def _source_aggs(source, facts, choice: D.Choice | None = None):
    ns = C.namespace(facts)
    aggs = []
    for key, vname, ratio in _ratios_of(source, choice):
        aggs += C.ratio_aggregates(f"{key}__{vname}", ratio, ns)
    return aggs


def _store(res, source, r, choice: D.Choice | None = None):
    for key, vname, _ in _ratios_of(source, choice):
        p = f"{key}__{vname}"
        res["ratios"][(key, vname)] = (
            int(r.get(f"{p}__num") or 0), int(r.get(f"{p}__den") or 0),
            int(r.get(f"{p}__unk") or 0))


def _fill(out, conn, facts, source, multi, choice: D.Choice | None = None):
    rows = _run_grouped(conn, facts, _source_aggs(source, facts, choice), multi)
    for i, res in enumerate(out):
        _store(res, source, rows.get(i, {}), choice)


def _counts_from_classes(c: dict, *, received, withdrawn, carried_over=0, unknown_status=0):
    return {
        "received": received,
        "resolved": c[D.EARLY] + c[D.ON_TIME] + c[D.LATE],
        "pending": c[D.PENDING_IN_TIME] + c[D.PENDING_OVERDUE],
        "pending_overdue": c[D.PENDING_OVERDUE],
        "withdrawn": withdrawn,
        "unverifiable": c[D.UNVERIFIABLE],
        "carried_over": carried_over,
        "early": c[D.EARLY],
        "on_time": c[D.ON_TIME],
        "late": c[D.LATE],
        "pending_in_time": c[D.PENDING_IN_TIME],
        "unknown_status": unknown_status,
    }


# ---------------------------------------------------------------------------- summary reports

_SUMMARY_COLS = CV.SUMMARY_VALUES


def _is_total(field_name) -> bool:
    if field_name is None:
        return False
    s = unicodedata.normalize("NFC", " ".join(str(field_name).split())).casefold()
    return s in D.SUMMARY_TOTAL_LABELS


def _summary_periods(log: CV.Log, unit_id: int, start: dt.date, end: dt.date) -> dict:
    """{(period_start, period_end): {column: int|None}} of one unit's summaries inside
    [start, end]: field rows added up ("Tổng cộng" used only when there are no field rows).
    The rows are the call's ``log``'s (one read of the selection's summaries)."""
    grouped: dict = {}
    for r in log.summaries():
        m = r._mapping
        key = (_as_date(m["period_start"]), _as_date(m["period_end"]))
        if m["unit_id"] != unit_id or key[0] < start or key[1] > end:
            continue
        grouped.setdefault(key, {"fields": [], "totals": []})[
            "totals" if _is_total(m["field"]) else "fields"].append(m)
    out = {}
    for key, g in grouped.items():
        use = g["fields"] or g["totals"]
        vals = {}
        for c in _SUMMARY_COLS:
            xs = [m[c] for m in use if m[c] is not None]
            vals[c] = int(sum(xs)) if xs else None
        out[key] = vals
    return out


def _as_date(x):
    return x.date() if isinstance(x, dt.datetime) else x


def _tile(periods: dict, start: dt.date, end: dt.date):
    """Summaries tiling [start, end] without gap or overlap (fewest pieces), or None."""
    by_start: dict = {}
    for (ps, pe) in periods:
        by_start.setdefault(ps, []).append(pe)

    def walk(day, depth=0):
        if depth > 400:
            return None
        for pe in sorted(by_start.get(day, []), reverse=True):
            if pe > end:
                continue
            if pe == end:
                return [(day, pe)]
            rest = walk(pe + dt.timedelta(days=1), depth + 1)
            if rest is not None:
                return [(day, pe), *rest]
        return None

    return walk(start)


def _combine(periods: dict, chain) -> dict:
    """Flow columns add up; (6) from the first summary; (11)–(13) from the last."""
    first, last = periods[chain[0]], periods[chain[-1]]
    out = {}
    for c in D.SUMMARY_COLUMNS.flows + ("received_total",):
        xs = [periods[k][c] for k in chain if periods[k][c] is not None]
        out[c] = sum(xs) if xs else None
    for c in D.SUMMARY_COLUMNS.first:
        out[c] = first[c]
    for c in D.SUMMARY_COLUMNS.last:
        out[c] = last[c]
    return out


def _summary_for(conn, unit_ids, period: Period, as_of_day: dt.date,
                 log: CV.Log | None = None) -> dict | None:
    """Combined Biểu 06 values for the selection and period, or None when a unit's summaries
    do not tile it. Tried for [start, end], then [start, as-of day]. ``log``: the call's
    reads of the selection's summaries."""
    log = log or CV.Log(conn, unit_ids)
    if unit_ids is None:
        unit_ids = sorted({r.unit_id for r in log.summaries()})
        if not unit_ids:
            return None
    total: dict | None = None
    for uid in unit_ids:
        found = None
        for end in dict.fromkeys((period.end, as_of_day)):
            if end < period.start:
                continue
            periods = _summary_periods(log, uid, period.start, end)
            chain = _tile(periods, period.start, end)
            if chain:
                found = _combine(periods, chain)
                break
        if found is None:
            if len(unit_ids) == 1:
                return None
            continue
        if total is None:
            total = found
        else:
            total = {k: (None if total[k] is None and found[k] is None
                         else (total[k] or 0) + (found[k] or 0)) for k in total}
    return total


def _summary_ratio(ratio: D.Ratio, vals: dict) -> tuple[int, int, int]:
    num_cols, den_cols = ratio.summary
    num = sum(vals.get(c) or 0 for c in num_cols)
    den = sum(vals.get(c) or 0 for c in den_cols)
    return int(num), int(den), 0


def _summary_counts(v: dict) -> dict:
    g = lambda c: int(v.get(c) or 0)  # noqa: E731
    return {
        "received": g("received_online") + g("received_direct"),
        "resolved": g("early") + g("on_time") + g("late"),
        "pending": g("pending_in_time") + g("pending_overdue"),
        "pending_overdue": g("pending_overdue"),
        "withdrawn": None,  # a summary does not count withdrawn dossiers
        "unverifiable": 0,
        "carried_over": g("carried_over"),
        "early": g("early"),
        "on_time": g("on_time"),
        "late": g("late"),
        "pending_in_time": g("pending_in_time"),
        "unknown_status": 0,
    }


def _apply_summary(res: dict, vals: dict) -> None:
    for kpi in D.KPIS:
        for vname, ratio in kpi.variants.items():
            if ratio.summary:
                res["ratios"][(kpi.key, vname)] = _summary_ratio(ratio, vals)
                res.setdefault("summary_keys", set()).add((kpi.key, vname))
    res["counts"] = _summary_counts(vals)
    res["source"] = "summary"


def _with_summaries(conn, unit_ids, periods: list[Period], spans, results,
                    log: CV.Log | None = None) -> None:
    """Unit-periods with no dossier rows take on-time and online submission from summaries;
    otherwise the summary (when one tiles the period) is a cross-check."""
    log = log or CV.Log(conn, unit_ids)
    for p, (_, eday), res in zip(periods, spans, results):
        res["source"] = "dossiers" if res["rows_received"] else "none"
        vals = _summary_for(conn, unit_ids, p, eday, log)
        if vals is None:
            continue
        if res["rows_received"] == 0:
            _apply_summary(res, vals)
        else:
            res["summary_difference"] = _difference(res["counts"], vals)


def _difference(counts: dict, vals: dict) -> dict:
    s = _summary_counts(vals)
    keys = ("received", "resolved", "early", "on_time", "late", "pending_in_time",
            "pending_overdue")
    return {k: counts[k] - s[k] for k in keys}


# ------------------------------------------------------------------------------------ values


def _kpi_value(kpi: D.Kpi, vname: str, res: dict, year: int) -> KpiValue:
    ratio = kpi.variants[vname]
    num, den, unk = res["ratios"][(kpi.key, vname)]
    source = "summary" if (kpi.key, vname) in res.get("summary_keys", ()) else ratio.source
    value = num / den if den else None
    tgt = T.target_for(kpi.key, year)
    target = tgt.value if tgt else None
    met = (value >= target) if (value is not None and target is not None) else None
    unverifiable = 0
    if ratio.unverifiable:
        unverifiable = res["counts"].get("unverifiable") or 0
    noun = D.SOURCES[source].noun
    notes = []
    if value is None:
        if unk:
            notes.append(f"Tất cả {fmt.integer(unk)} {noun} thiếu cột dữ liệu cần thiết trong tệp "
                         "đã tải: chưa tính được chỉ số.")
        else:
            notes.append("Chưa có dữ liệu trong kỳ (không có dữ liệu).")
    elif unk:
        notes.append(f"{fmt.integer(unk)} {noun} không rõ (tệp đã tải thiếu cột dữ liệu cần "
                     "thiết), không tính vào tử số và mẫu số.")
    if unverifiable:
        notes.append(f"{fmt.integer(unverifiable)} hồ sơ không xác định được đúng hạn hay quá hạn "
                     "(không có ngày hẹn trả hoặc không có ngày kết thúc), không tính.")
    if source == "summary":
        notes.append("Số liệu lấy từ báo cáo tổng hợp (Biểu số 06/VPCP/KSTT).")
    if tgt is None:
        notes.append(f"Kế hoạch năm {year} chưa có chỉ tiêu này: không đánh giá đạt/chưa đạt.")
    return KpiValue(
        key=kpi.key, label=kpi.label, short_label=kpi.short_label or kpi.label,
        section=kpi.section, definition=vname, source=source, value=value, numerator=num,
        denominator=den, unknown=unk, unverifiable=unverifiable, target=target, met=met,
        target_text=tgt.text if tgt else None, formula=ratio.formula,
        numerator_label=ratio.numerator_label, denominator_label=ratio.denominator_label,
        note=" ".join(notes),
    )


def _values(res: dict, year: int, choice: D.Choice) -> list[KpiValue]:
    return [_kpi_value(k, choice.variant(k.key), res, year) for k in D.KPIS]


def _as_of(conn, unit_ids, kinds, log: CV.Log | None = None) -> dt.datetime | None:
    value = (log or CV.Log(conn, unit_ids)).as_of(kinds)
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=config.TZ)
    return value.astimezone(config.TZ)


_KINDS_USED = ("dossiers", "ratings", "procedures", "feedback", "summary")


# ------------------------------------------------------------------------------ public API


def snapshot(engine, unit, period, choice: D.Choice | None = None, *,
             today: dt.date | None = None) -> Snapshot:
    """Every KPI of the period, in the order of kpi-definitions.md, with counts and as_of."""
    choice = _choice(choice)
    p = _period(period)
    with connect(engine) as conn:
        unit_ids, name = _resolve_unit(conn, unit)
        log = CV.Log(conn, unit_ids, ("dossiers", *_OWN_SOURCES))  # read once, for this call
        cov, eday = _judge(conn, unit_ids, p, today, log)
        res = _measure(conn, unit_ids, [(p.start, eday)],
                       [(p.start, p.effective_end(_today(today)))], log, choice)[0]
        _with_summaries(conn, unit_ids, [p], [(p.start, eday)], [res], log)
        kinds = [k for k in _KINDS_USED if k != "summary" or res["source"] == "summary"]
        stamp = _as_of(conn, unit_ids, kinds, log)
    return Snapshot(
        unit=name, period=p, as_of_day=eday, as_of=stamp,
        choice=choice, kpis=_values(res, p.end.year, choice), counts=res["counts"],
        source=res["source"], summary_difference=res.get("summary_difference"),
        coverage=cov,
    )


def previous_snapshot(engine, unit, period, choice: D.Choice | None = None, *,
                      today: dt.date | None = None) -> Snapshot:
    """``snapshot`` of the previous period of the same length type (``Period.previous()``)."""
    return snapshot(engine, unit, _period(period).previous(), choice, today=today)


def counts(engine, unit, period, choice: D.Choice | None = None, *,
           today: dt.date | None = None) -> dict:
    """{received, resolved, pending, pending_overdue, withdrawn, unverifiable, carried_over,
    early, on_time, late, pending_in_time, unknown_status} for the period."""
    return snapshot(engine, unit, period, choice, today=today).counts


def as_of(engine, unit=None) -> dt.datetime | None:
    """When the newest data of the unit was loaded: max ``uploaded_at`` of its loaded batches
    (timezone-aware, +07:00), or None."""
    with connect(engine) as conn:
        unit_ids, _ = _resolve_unit(conn, unit)
        return _as_of(conn, unit_ids, _KINDS_USED)


def trend(engine, unit, period, choice: D.Choice | None = None, *, months: int = 12,
          keys: list[str] | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """Monthly values for the ``months`` calendar months ending with the month of the period's
    end (oldest first). Long format, one row per month and KPI:
    ``month`` (date, 1st of month), ``label`` ("T3/2026"), ``key``, ``value`` (float or None),
    ``numerator``, ``denominator``, ``unknown``, ``target``, ``met``, ``source``, ``coverage``
    (complete | partial | none: a month no export covers has null dossier values).
    Months after today are left out."""
    import pandas as pd

    p = _period(period)
    return monthly(engine, unit, last_months(p, months), choice, keys=keys, today=today)


def monthly(engine, unit, months: list[Period], choice: D.Choice | None = None, *,
            keys: list[str] | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """``trend``'s frame for any list of calendar months (``kpi.periods.month``), in the order
    given; months after today are left out. One query per source for all of them."""
    import pandas as pd

    choice = _choice(choice)
    t = _today(today)
    ms = [m for m in months if m.start <= t]
    cols = ["month", "label", "key", "value", "numerator", "denominator", "unknown", "target",
            "met", "source", "coverage"]
    if not ms:
        return pd.DataFrame(columns=cols)
    with connect(engine) as conn:
        unit_ids, _ = _resolve_unit(conn, unit)
        log = CV.Log(conn, unit_ids, ("dossiers", *_OWN_SOURCES))  # read once, for this call
        covs = CV.coverages(conn, unit_ids, [(m.start, m.end) for m in ms], log)
        spans = [(m.start, judged_day(c, m.start, m.end, t)) for m, c in zip(ms, covs)]
        results = _measure(conn, unit_ids, spans, [(m.start, m.effective_end(t)) for m in ms],
                           log, choice)
        _with_summaries(conn, unit_ids, ms, spans, results, log)
    rows = []
    wanted = set(keys) if keys else None
    for m, res, cov in zip(ms, results, covs):
        for v in _values(res, m.end.year, choice):
            if wanted and v.key not in wanted:
                continue
            rows.append([m.start, m.short_label, v.key, v.value, v.numerator, v.denominator,
                         v.unknown, v.target, v.met, v.source, cov.status])
    return pd.DataFrame(rows, columns=cols)


BREAKDOWNS = {
    "field": "Lĩnh vực",
    "procedure": "Thủ tục hành chính",
    "channel": "Kênh tiếp nhận",
    "handling_unit": "Đơn vị tiếp nhận / xử lý",
}
_BY_COLUMN = {"field": "field", "procedure": "procedure_code", "channel": "channel",
              "handling_unit": "handling_unit"}
UNKNOWN_GROUP = "(Không rõ)"


def _ratio_for(key: str, choice: D.Choice | None) -> tuple[D.Kpi, str, D.Ratio]:
    if key not in D.KPI_BY_KEY:
        raise ValueError(f"Không có chỉ số “{key}”.")
    kpi = D.KPI_BY_KEY[key]
    vname = _choice(choice).variant(key)
    return kpi, vname, kpi.variants[vname]


def _source_day(conn, unit_ids, p: Period, source: str, today) -> dt.date:
    """The day a source is judged as of: dossiers the classification day (coverage), other
    sources min(end, today)."""
    if source == "dossiers":
        return _judge(conn, unit_ids, p, today)[1]
    return p.effective_end(_today(today))


def _facts_for(conn, ratio: D.Ratio, unit_ids, b):
    if ratio.source == "dossiers":
        return C.dossier_facts(b, unit_ids, _options(conn, unit_ids))
    if ratio.source == "ratings":
        return C.ratings_facts(b, unit_ids)
    if ratio.source == "procedures":
        return C.procedures_facts(None, unit_ids)
    return C.feedback_facts(b, unit_ids, _default_due_map(conn, unit_ids))


def breakdown(engine, unit, period, key: str, by: str = "field",
              choice: D.Choice | None = None, *, today: dt.date | None = None) -> pd.DataFrame:
    """One KPI split by ``by`` (field, procedure, channel, handling_unit — see BREAKDOWNS).

    Columns: ``group`` (code: field name, procedure code, channel number, office), ``label``
    (Vietnamese, e.g. "Trực tuyến", "Mã - Tên thủ tục"), ``numerator``, ``denominator``,
    ``unknown``, ``value`` (None when the denominator is 0), ``shortfall`` (denominator −
    numerator). Sorted by shortfall, largest first. A KPI splits by the breakdowns its source
    declares (``kpi.definitions.SOURCES``: dossiers every one, the catalogue field and
    procedure, ratings and PAKN none); others raise ValueError."""
    import pandas as pd

    if by not in BREAKDOWNS:
        raise ValueError(f"Không chia được theo “{by}”. Chọn: " + ", ".join(BREAKDOWNS))
    kpi, vname, ratio = _ratio_for(key, choice)
    if by not in D.SOURCES[ratio.source].breakdowns:
        raise ValueError(f"Chỉ số “{kpi.label}” không chia được theo "
                         f"{BREAKDOWNS[by].lower()}.")
    p = _period(period)
    cols = ["group", "label", "numerator", "denominator", "unknown", "value", "shortfall"]
    with connect(engine) as conn:
        unit_ids, _ = _resolve_unit(conn, unit)
        eday = _source_day(conn, unit_ids, p, ratio.source, today)
        facts = _facts_for(conn, ratio, unit_ids, C.literal_bounds(p.start, eday))
        ns = C.namespace(facts)
        e = C.ratio_exprs(ratio, ns)
        gcol = ns[_BY_COLUMN[by]]
        extra = [sa.func.max(ns["procedure_name"]).label("name")] if by == "procedure" else []
        q = sa.select(
            gcol.label("group"), *extra,
            sa.func.count().filter(e.numerator).label("numerator"),
            sa.func.count().filter(e.denominator).label("denominator"),
            sa.func.count().filter(e.unknown).label("unknown"),
        ).group_by(gcol)
        rows = [dict(r._mapping) for r in conn.execute(q)]
    out = []
    for r in rows:
        num, den, unk = int(r["numerator"]), int(r["denominator"]), int(r["unknown"])
        if den == 0 and unk == 0:
            continue
        g = r["group"]
        if g is None:
            label = UNKNOWN_GROUP
        elif by == "channel":
            label = D.CHANNEL_LABELS.get(int(g), f"Kênh {g}")
        elif by == "procedure" and r.get("name"):
            label = f"{g} - {r['name']}"
        else:
            label = str(g)
        out.append([g, label, num, den, unk, (num / den) if den else None, den - num])
    df = pd.DataFrame(out, columns=cols)
    if len(df):
        df = df.sort_values(["shortfall", "denominator", "label"],
                            ascending=[False, False, True], kind="stable").reset_index(drop=True)
    return df


@dataclass
class ShortfallPage:
    frame: pd.DataFrame  # Vietnamese column headers, at most page_size rows
    total: int  # rows behind the shortfall, all pages
    page: int  # 1-based
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size)) if self.page_size else 1


DOSSIER_COLUMNS = {
    "dossier_code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "field": "Lĩnh vực",
    "handling_unit": "Đơn vị xử lý",
    "channel": "Kênh tiếp nhận",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "finished_at": "Ngày kết thúc xử lý",
    "returned_at": "Ngày trả kết quả",
    "status": "Trạng thái",
    "on_time_class": "Phân loại",
    "supplement_count": "Số lần yêu cầu bổ sung",
    "fee": "Phí, lệ phí (đồng)",
    "officer": "Cán bộ xử lý",
    "flagged": "Bị đánh giá không hài lòng / bị PAKN",
}
PROCEDURE_COLUMNS = {
    "procedure_code": "Mã thủ tục", "procedure_name": "Tên thủ tục", "field": "Lĩnh vực",
    "level": "Cấp thực hiện", "has_fee": "Có phí, lệ phí", "online_payment":
    "Thanh toán trực tuyến", "full_online_eligible": "Đủ điều kiện toàn trình",
    "full_online": "Toàn trình", "boundary_free": "Không phụ thuộc địa giới",
}
RATING_COLUMNS = {"rating_key": "Mã đánh giá", "dossier_code": "Mã hồ sơ",
                  "rated_at": "Ngày đánh giá", "rating_label": "Mức đánh giá"}
FEEDBACK_COLUMNS = {"feedback_code": "Mã PAKN", "dossier_code": "Mã hồ sơ",
                    "received_at": "Ngày tiếp nhận", "due_day": "Hạn xử lý",
                    "finished_at": "Ngày xử lý xong", "status": "Trạng thái"}
_LISTING = {"dossiers": (DOSSIER_COLUMNS, ("due_at", "received_at", "dossier_code")),
            "procedures": (PROCEDURE_COLUMNS, ("procedure_code",)),
            "ratings": (RATING_COLUMNS, ("rated_at", "rating_key")),
            "feedback": (FEEDBACK_COLUMNS, ("due_day", "feedback_code"))}


REASON_COLUMN = "Lý do chưa đạt"
# The on-time rate's list says whether the apology letter was sent (kpi.apology records it):
# here, so the detail page's table and its Excel carry the same column.
LETTER_COLUMN = "Thư xin lỗi"
LETTER_KPIS = ("on_time_rate",)


def _letter_days(conn, unit_ids, codes: list[str]) -> dict[str, dt.date]:
    """{dossier code: the latest apology letter day} of ``codes`` in ``unit_ids`` (None: all)."""
    codes = [c for c in dict.fromkeys(codes) if isinstance(c, str)]
    if not codes or unit_ids == []:
        return {}
    a = S.apology_letters
    q = (sa.select(a.c.dossier_code, sa.func.max(a.c.letter_day))
         .where(a.c.dossier_code.in_(codes)).group_by(a.c.dossier_code))
    if unit_ids is not None:
        q = q.where(a.c.unit_id.in_(unit_ids))
    return {c: _as_date(day) for c, day in conn.execute(q)}


def letter_text(day: dt.date | None) -> str:
    """"Đã gửi thư xin lỗi (dd/mm/yyyy)", or empty when no letter was sent."""
    return f"Đã gửi thư xin lỗi ({fmt.date(day)})" if day else ""


def _reason_values(source: str, ns: dict, eday: dt.date) -> tuple[dict, dict]:
    """The per-row values reasons may use (``kpi.definitions.REASON_VALUES``) as SQL over the
    facts, as of the classification day ``eday``: ``(values, spans)``. ``values`` are what a
    filter compares (days late / overdue in calendar days: > 0 means past the due day);
    ``spans`` give, for the days a reason's text names, the (due day, day) pair whose working
    days (``kpi.calendar.working_days_late``) the text says."""
    e = sa.literal(eday, sa.Date)
    e1 = sa.literal(dt.datetime.combine(eday + dt.timedelta(days=1), dt.time()), sa.DateTime)
    if source == "dossiers":
        st = ns["status"]
        fin = sa.case((st.in_([8, 9, 10]), sa.func.coalesce(
            ns["finished_at"], sa.case((st == 10, ns["returned_at"])))))
        due = C._day(ns["due_at"])
    elif source == "feedback":
        fin, due = ns["finished_at"], ns["due_day"]
    else:
        return {}, {}
    done, open_ = fin < e1, sa.or_(fin.is_(None), fin >= e1)
    values = {"days_late": sa.case((done, C._day(fin) - due)),
              "days_overdue": sa.case((open_, e - due))}
    spans = {"days_late": (due, sa.case((done, C._day(fin)))),
             "days_overdue": (due, sa.case((open_, e)))}
    return values, spans


def _reason_fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _reason_columns(ratio: D.Ratio, ns: dict, spans: dict | None = None) -> tuple[list, list[str]]:
    """SELECT columns for the reasons: one flag per declared reason, then the values their
    texts name (labels ``_r<i>`` and ``_v_<name>``; a name of ``spans`` is selected as its two
    days, ``_v_<name>_from`` and ``_v_<name>_to``)."""
    spans = spans or {}
    cols, names = [], []
    for i, r in enumerate(ratio.reasons):
        cond = C.compile_filter(r.when, ns)
        cols.append(sa.case((cond, sa.true()), else_=sa.false()).label(f"_r{i}"))
        for name in _reason_fields(r.text):
            if name not in names:
                names.append(name)
    for name in names:
        if name in spans:
            cols += [spans[name][0].label(f"_v_{name}_from"),
                     spans[name][1].label(f"_v_{name}_to")]
        else:
            cols.append(ns[name].label(f"_v_{name}"))
    return cols, names


def _reason_value(row: dict, name: str):
    """A reason's value for one row: a span's working days past the due day, else the column."""
    if f"_v_{name}_from" in row:
        start, end = _as_date(row[f"_v_{name}_from"]), _as_date(row[f"_v_{name}_to"])
        days = None if start is None or end is None else cal.working_days_late(start, end)
        return days or None  # past the due day on a day off only: the reason's ``otherwise``
    return row.get(f"_v_{name}")


def _reason_text(ratio: D.Ratio, row: dict) -> str:
    """"Quá hạn 3 ngày làm việc; Yêu cầu bổ sung 2 lần …": every declared reason that holds
    for a row."""
    out = []
    for i, r in enumerate(ratio.reasons):
        if not row.get(f"_r{i}"):
            continue
        values = {}
        for name in _reason_fields(r.text):
            v = _reason_value(row, name)
            if v is None or (isinstance(v, float) and v != v):
                values = None
                break
            values[name] = fmt.integer(v) if isinstance(v, (int, float)) and not isinstance(
                v, bool) else str(v)
        text = r.text.format(**values) if values is not None else r.otherwise
        if text and text not in out:
            out.append(text)
    return "; ".join(out) or D.DEFAULT_REASON


def shortfall(engine, unit, period, key: str, choice: D.Choice | None = None, *,
              page: int = 1, page_size: int = 50, by: str | None = None, group=None,
              today: dt.date | None = None) -> ShortfallPage:
    """The rows counted in a KPI's denominator but not its numerator — late and pending-overdue
    dossiers for the on-time rate, dossiers not digitized, not submitted online, fee not paid
    online…; procedures for the catalogue KPIs; ratings not satisfied; PAKN not on time.

    ``by``/``group`` narrow it to one row of ``breakdown`` (e.g. by="field", group="Hộ tịch";
    group=None with by set means the "(Không rõ)" group). Ordered by due date (oldest first),
    paged (``page`` is 1-based). Columns have Vietnamese headers; the second, "Lý do chưa đạt"
    (``REASON_COLUMN``), says why the row fails (the variant's ``reasons`` in
    kpi.definitions: "Quá hạn 3 ngày làm việc", "Chưa thanh toán trực tuyến"…); status, channel and class
    are Vietnamese words; dates are ``datetime.date``. The on-time rate's list ends with
    "Thư xin lỗi" (``LETTER_COLUMN``: "Đã gửi thư xin lỗi (dd/mm/yyyy)" or empty), for the
    detail page's table and its Excel alike."""
    import pandas as pd

    kpi, vname, ratio = _ratio_for(key, choice)
    p = _period(period)
    page = max(1, int(page))
    columns, order = _LISTING[ratio.source]
    with connect(engine) as conn:
        unit_ids, _ = _resolve_unit(conn, unit)
        eday = _source_day(conn, unit_ids, p, ratio.source, today)
        facts = _facts_for(conn, ratio, unit_ids, C.literal_bounds(p.start, eday))
        ns = C.namespace(facts)
        cond = C.ratio_exprs(ratio, ns).shortfall
        if by is not None:
            gcol = ns[_BY_COLUMN[by]]
            cond = sa.and_(cond, gcol.is_(None) if group is None else gcol == group)
        total = conn.execute(sa.select(sa.func.count()).select_from(facts).where(cond)).scalar()
        present = [c for c in columns if c in ns]
        values, spans = _reason_values(ratio.source, ns, eday)
        reason_cols, _ = _reason_columns(ratio, {**ns, **values}, spans)
        q = (sa.select(*[ns[c] for c in present], *reason_cols).where(cond)
             .order_by(*[ns[c].asc().nulls_last() for c in order if c in ns])
             .limit(page_size).offset((page - 1) * page_size))
        rows = [dict(r._mapping) for r in conn.execute(q)]
        letters = (_letter_days(conn, unit_ids, [r.get("dossier_code") for r in rows])
                   if key in LETTER_KPIS and "dossier_code" in present else None)
    reasons = [_reason_text(ratio, r) for r in rows]
    df = pd.DataFrame([{c: r[c] for c in present} for r in rows], columns=present)
    if ratio.source == "dossiers" and len(df):
        df["status"] = df["status"].map(lambda s: D.STATUS_LABELS.get(s, s) if s == s else None)
        df["channel"] = df["channel"].map(lambda c: D.CHANNEL_LABELS.get(c) if c == c else None)
        df["on_time_class"] = df["on_time_class"].map(lambda c: D.CLASS_LABELS.get(c, ""))
        df["flagged"] = df["flagged"].map(lambda f: "Có" if f is True else "")
    for c in ("received_at", "due_at", "finished_at", "returned_at", "rated_at"):
        if c in df.columns:
            df[c] = [x.date() if isinstance(x, dt.datetime) else (None if x is None or x != x
                                                                  else x) for x in df[c]]
    if "due_day" in df.columns:
        df["due_day"] = [_as_date(x) for x in df["due_day"]]
    df = df.rename(columns=columns)
    df.insert(min(1, len(df.columns)), REASON_COLUMN, pd.Series(reasons, dtype=object))
    if letters is not None:
        df[LETTER_COLUMN] = pd.Series([letter_text(letters.get(r["dossier_code"])) for r in rows],
                                      dtype=object)
    return ShortfallPage(frame=df, total=int(total or 0), page=page, page_size=page_size)


def summary_check(engine, unit, period, *, today: dt.date | None = None) -> pd.DataFrame | None:
    """Dossier counts against the summary report (Biểu 06) that matches or tiles the period.

    None when no summary answers for the period. Otherwise one row per column: ``column``
    (received, resolved, early, on_time, late, pending_in_time, pending_overdue), ``label``
    (Vietnamese), ``dossiers``, ``summary``, ``difference`` (dossiers − summary)."""
    import pandas as pd

    p = _period(period)
    with connect(engine) as conn:
        unit_ids, _ = _resolve_unit(conn, unit)
        log = CV.Log(conn, unit_ids, ("dossiers", *_OWN_SOURCES))  # read once, for this call
        _, eday = _judge(conn, unit_ids, p, today, log)
        vals = _summary_for(conn, unit_ids, p, eday, log)
        if vals is None:
            return None
        res = _measure(conn, unit_ids, [(p.start, eday)], log=log, choice=D.Choice())[0]
    s = _summary_counts(vals)
    labels = {"received": "Tiếp nhận mới trong kỳ", "resolved": "Đã giải quyết",
              **{c: D.CLASS_LABELS[c] for c in D.CLASSES}}
    rows = [[k, lab, res["counts"][k], s[k], res["counts"][k] - s[k]] for k, lab in labels.items()]
    return pd.DataFrame(rows, columns=["column", "label", "dossiers", "summary", "difference"])
