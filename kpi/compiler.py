"""One compiler for every KPI: declarations (kpi.definitions) → SQLAlchemy Core.

For each source table the compiler builds a *facts* subquery: the table's rows relevant to a
period plus the derived columns the declarations use (``on_time_class``,
``received_in_period``…). Every ratio then compiles to three conditional counts over those
facts — ``COUNT(*) FILTER (WHERE …)`` for numerator, denominator and unknown — so a whole
snapshot is one aggregate query per source, and a 12-month trend is the same query joined to a
12-row ``VALUES`` table of periods and grouped by it.

Period bounds are SQL expressions (``Bounds``): bind parameters for one period, columns of the
periods table for many. ``e`` is the day the period is judged as of: min(end, today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kpi import definitions as D
from kpi import schema as S

# ------------------------------------------------------------------------------------ bounds


@dataclass
class Bounds:
    s: sa.ColumnElement  # first day (DATE)
    e: sa.ColumnElement  # as-of day: min(end, today) (DATE)
    s_ts: sa.ColumnElement  # start of the first day (TIMESTAMP)
    e1_ts: sa.ColumnElement  # start of the day after the as-of day (TIMESTAMP)
    periods: sa.FromClause | None = None  # the VALUES table when many periods
    idx: sa.ColumnElement | None = None


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def literal_bounds(start: dt.date, as_of_day: dt.date) -> Bounds:
    return Bounds(
        s=sa.literal(start, sa.Date),
        e=sa.literal(as_of_day, sa.Date),
        s_ts=sa.literal(_ts(start), sa.DateTime),
        e1_ts=sa.literal(_ts(as_of_day + dt.timedelta(days=1)), sa.DateTime),
    )


def values_bounds(spans: list[tuple[dt.date, dt.date]]) -> Bounds:
    """Bounds over a VALUES table of (start, as-of day) spans, indexed 0..n-1."""
    rows = [
        (i, s, e, _ts(s), _ts(e + dt.timedelta(days=1))) for i, (s, e) in enumerate(spans)
    ]
    v = sa.values(
        sa.column("idx", sa.Integer),
        sa.column("s", sa.Date),
        sa.column("e", sa.Date),
        sa.column("s_ts", sa.DateTime),
        sa.column("e1_ts", sa.DateTime),
        name="periods",
    ).data(rows)
    return Bounds(s=v.c.s, e=v.c.e, s_ts=v.c.s_ts, e1_ts=v.c.e1_ts, periods=v, idx=v.c.idx)


def _unit_cond(col, unit_ids: list[int] | None):
    if unit_ids is None:
        return sa.true()
    if len(unit_ids) == 1:
        return col == unit_ids[0]
    return col.in_(unit_ids)


def _day(x):
    return sa.cast(x, sa.Date)


_NULL_BOOL = sa.cast(sa.null(), sa.Boolean)


# ------------------------------------------------------------------------------- dossier facts


@dataclass
class Options:
    """What the facts need to join (skipped when the data has nothing to join)."""

    join_catalogue: bool = True  # procedures.paper_result for no_result
    join_flags: bool = True  # negative ratings / PAKN naming a dossier


def finish_expr(d):
    """End of processing: finish date for status 8/9/10; status 10 without one: return date."""
    st = d.c.status
    return sa.case(
        (st.in_([8, 9, 10]),
         sa.func.coalesce(d.c.finished_at, sa.case((st == 10, d.c.returned_at)))),
    )


def on_time_class_expr(d, b: Bounds):
    st = d.c.status
    fin = finish_expr(d)
    due_day = _day(d.c.due_at)
    many_supplements = sa.func.coalesce(d.c.supplement_count, 0) > 1
    finished = sa.case(
        (many_supplements, D.LATE),
        (d.c.due_at.is_(None), D.ON_TIME),
        (_day(fin) < due_day, D.EARLY),
        (_day(fin) == due_day, D.ON_TIME),
        else_=D.LATE,
    )
    pending = sa.case(
        (many_supplements, D.PENDING_OVERDUE),
        (d.c.due_at.is_(None), D.UNVERIFIABLE),
        (due_day >= b.e, D.PENDING_IN_TIME),
        else_=D.PENDING_OVERDUE,
    )
    return sa.case(
        (st.is_(None), sa.case((d.c.finished_at < b.s_ts, D.OUT))),
        (st.in_([1, 3]), D.OUT),
        (st == 7, D.WITHDRAWN),
        (sa.and_(st.in_([8, 9, 10]), fin.is_(None)), D.UNVERIFIABLE),
        (fin < b.s_ts, D.OUT),
        (fin < b.e1_ts, finished),
        else_=pending,
    )


def dossier_relevance(d, b: Bounds):
    """Rows that can matter to the period: received by the as-of day and either received in
    the period or not (known to be) finished before it. Conservative: the derived columns
    decide membership."""
    fin = finish_expr(d)
    return sa.and_(
        b.s_ts < b.e1_ts,  # a period that has not started yet holds nothing
        d.c.received_at < b.e1_ts,
        sa.or_(
            d.c.received_at >= b.s_ts,
            sa.and_(
                sa.or_(d.c.status.is_(None), d.c.status.notin_([1, 3, 7])),
                sa.or_(fin.is_(None), fin >= b.s_ts),
            ),
        ),
    )


def _flags_subquery(unit_ids):
    r, f = S.ratings, S.feedback
    epoch = sa.literal(dt.date(1900, 1, 1), sa.Date)
    neg = sa.select(
        r.c.unit_id, r.c.dossier_code, sa.func.coalesce(_day(r.c.rated_at), epoch).label("day")
    ).where(r.c.negative.is_(True), r.c.dossier_code.is_not(None), _unit_cond(r.c.unit_id, unit_ids))
    pakn = sa.select(
        f.c.unit_id, f.c.dossier_code, sa.func.coalesce(_day(f.c.received_at), epoch).label("day")
    ).where(f.c.dossier_code.is_not(None), _unit_cond(f.c.unit_id, unit_ids))
    u = sa.union_all(neg, pakn).subquery("flag_rows")
    return (
        sa.select(u.c.unit_id, u.c.dossier_code, sa.func.min(u.c.day).label("first_day"))
        .group_by(u.c.unit_id, u.c.dossier_code)
        .subquery("flags")
    )


def dossier_facts(b: Bounds, unit_ids, opts: Options | None = None) -> sa.Subquery:
    opts = opts or Options()
    d = S.dossiers.alias("d")
    st = d.c.status
    fin = finish_expr(d)
    frm = d
    if b.periods is not None:
        frm = frm.join(b.periods, dossier_relevance(d, b))
    if opts.join_catalogue:
        p = S.procedures.alias("p")
        frm = frm.outerjoin(
            p, sa.and_(p.c.unit_id == d.c.unit_id, p.c.procedure_code == d.c.procedure_code)
        )
        no_result = sa.func.coalesce(sa.not_(p.c.paper_result), sa.false())
    else:
        no_result = sa.false()
    if opts.join_flags:
        fl = _flags_subquery(unit_ids)
        frm = frm.outerjoin(
            fl, sa.and_(fl.c.unit_id == d.c.unit_id, fl.c.dossier_code == d.c.dossier_code)
        )
        flagged = sa.func.coalesce(fl.c.first_day <= b.e, sa.false())
    else:
        flagged = sa.false()

    finished_in = sa.func.coalesce(sa.and_(fin >= b.s_ts, fin < b.e1_ts), sa.false())
    resolved_in = sa.case(
        (st.is_(None),
         sa.case((sa.and_(d.c.finished_at >= b.s_ts, d.c.finished_at < b.e1_ts), _NULL_BOOL),
                 else_=sa.false())),
        else_=sa.and_(st.in_([9, 10]), finished_in),
    )
    cols = [c for c in d.c]
    derived = [
        st.notin_([1, 3]).label("accepted"),
        (d.c.received_at >= b.s_ts).label("received_in_period"),
        on_time_class_expr(d, b).label("on_time_class"),
        resolved_in.label("resolved_in_period"),
        no_result.label("no_result"),
        flagged.label("flagged"),
    ]
    if b.idx is not None:
        derived.append(b.idx.label("period_idx"))
    q = sa.select(*cols, *derived).select_from(frm).where(_unit_cond(d.c.unit_id, unit_ids))
    if b.periods is None:
        q = q.where(dossier_relevance(d, b))
    return q.subquery("facts")


# ------------------------------------------------------------------------------ other sources


def _source_facts(b: Bounds, frm, cols: list, relevant, unit_col, unit_ids) -> sa.Subquery:
    """The facts subquery of a non-dossier source: one period filters by ``relevant``; many
    periods join the period list on it and label each row with its period."""
    if b.periods is not None:
        frm = frm.join(b.periods, relevant)
        cols = [*cols, b.idx.label("period_idx")]
    q = sa.select(*cols).select_from(frm).where(_unit_cond(unit_col, unit_ids))
    if b.periods is None:
        q = q.where(relevant)
    return q.subquery("facts")


def ratings_facts(b: Bounds, unit_ids) -> sa.Subquery:
    r = S.ratings.alias("r")
    in_period = sa.and_(r.c.rated_at >= b.s_ts, r.c.rated_at < b.e1_ts)
    cols = [*r.c, sa.true().label("rated_in_period")]
    return _source_facts(b, r, cols, in_period, r.c.unit_id, unit_ids)


COMMUNE_LEVEL_PATTERNS = ("%xã%", "%Xã%", "%XÃ%", "%xa%", "%Xa%", "%XA%")


def procedures_facts(b: Bounds | None, unit_ids) -> sa.Subquery:
    p = S.procedures.alias("p")
    commune = sa.or_(p.c.level.is_(None), *[p.c.level.like(x) for x in COMMUNE_LEVEL_PATTERNS])
    cols = [*p.c, commune.label("commune_level")]
    frm = p
    if b is not None and b.periods is not None:
        frm = p.join(b.periods, sa.true())
        cols.append(b.idx.label("period_idx"))
    return sa.select(*cols).select_from(frm).where(_unit_cond(p.c.unit_id, unit_ids)).subquery(
        "facts")


def feedback_facts(b: Bounds, unit_ids, default_due: dict[dt.date, dt.date]) -> sa.Subquery:
    """PAKN facts; ``default_due`` maps a receipt day to its default due day (15 working days
    after receipt) for rows without a due date (computed in Python from the calendar)."""
    f = S.feedback.alias("f")
    frm = f
    if default_due:
        dd = sa.values(sa.column("rday", sa.Date), sa.column("due", sa.Date),
                       name="default_due").data(sorted(default_due.items()))
        frm = frm.outerjoin(dd, dd.c.rday == _day(f.c.received_at))
        dflt = dd.c.due
    else:
        dflt = sa.cast(sa.null(), sa.Date)
    due_day = sa.func.coalesce(_day(f.c.due_at), dflt)
    fin = f.c.finished_at
    handled = sa.and_(b.s_ts < b.e1_ts, f.c.received_at < b.e1_ts,
                      sa.or_(fin.is_(None), fin >= b.s_ts))
    on_time = sa.case(
        (sa.and_(fin.is_not(None), fin < b.e1_ts), _day(fin) <= due_day),
        else_=due_day >= b.e,
    )
    cols = [*f.c, sa.true().label("handled"), on_time.label("feedback_on_time"),
            due_day.label("due_day")]
    return _source_facts(b, frm, cols, handled, f.c.unit_id, unit_ids)


# ------------------------------------------------------------------------------------ filters


def compile_filter(f, ns) -> sa.ColumnElement:
    """A declaration filter → a boolean SQL expression over the namespace ``ns`` (name → column)."""
    if f is None:
        return sa.true()
    if isinstance(f, D.All):
        return sa.and_(*[compile_filter(x, ns) for x in f.items])
    if isinstance(f, D.AnyOf):
        return sa.or_(*[compile_filter(x, ns) for x in f.items])
    if isinstance(f, D.Not):
        return sa.not_(compile_filter(f.item, ns))
    if isinstance(f, (list, tuple)):
        return sa.and_(*[compile_filter(x, ns) for x in f])
    if not isinstance(f, D.Cond):
        raise TypeError(f"not a filter: {f!r}")
    col = ns[f.column]
    op, v = f.op, f.value
    if op == "=":
        return col == v
    if op == "!=":
        return col != v
    if op == ">":
        return col > v
    if op == ">=":
        return col >= v
    if op == "<":
        return col < v
    if op == "<=":
        return col <= v
    if op == "in":
        return col.in_(list(v))
    if op == "not in":
        return col.notin_(list(v))
    if op == "is true":
        # Plain boolean (NULL stays NULL: three-valued logic marks unknown rows).
        return col if isinstance(col.type, sa.Boolean) else col == sa.true()
    if op == "is false":
        return sa.not_(col)
    if op == "is null":
        return col.is_(None)
    if op == "not null":
        return col.is_not(None)
    if op == "like any":
        return sa.or_(*[col.like(x) for x in v])
    raise ValueError(f"unknown filter op {op!r}")


@dataclass
class RatioExprs:
    denominator: sa.ColumnElement  # known and in the denominator
    numerator: sa.ColumnElement  # in the numerator
    unknown: sa.ColumnElement  # would be in the denominator, but a needed column is missing
    shortfall: sa.ColumnElement  # in the denominator, not in the numerator


def ratio_exprs(ratio: D.Ratio, ns) -> RatioExprs:
    den = compile_filter(ratio.denominator, ns)
    num = compile_filter(ratio.numerator, ns)
    missing = []
    for need in ratio.requires:
        need = need if isinstance(need, D.Need) else D.Need(need)
        cond = ns[need.column].is_(None)
        if need.unless is not None:
            cond = sa.and_(cond, sa.not_(sa.func.coalesce(compile_filter(need.unless, ns),
                                                          sa.false())))
        missing.append(cond)
    miss = sa.or_(*missing) if missing else sa.false()
    known_den = sa.and_(den, sa.not_(miss))
    return RatioExprs(
        denominator=known_den,
        numerator=sa.and_(known_den, num),
        unknown=sa.or_(den.is_(None), sa.and_(den, miss)),
        shortfall=sa.and_(known_den, sa.not_(sa.func.coalesce(num, sa.false()))),
    )


def count_if(cond, name: str, weight=None):
    """COUNT(*) FILTER (WHERE cond), or SUM(weight) FILTER (WHERE cond) over a cube."""
    if weight is None:
        return sa.func.count().filter(cond).label(name)
    return sa.func.sum(weight).filter(cond).label(name)


def ratio_aggregates(prefix: str, ratio: D.Ratio, ns, weight=None) -> list:
    e = ratio_exprs(ratio, ns)
    return [
        count_if(e.numerator, f"{prefix}__num", weight),
        count_if(e.denominator, f"{prefix}__den", weight),
        count_if(e.unknown, f"{prefix}__unk", weight),
    ]


COUNT_COLUMNS = ("on_time_class", "received_in_period", "accepted", "status")


def dossier_count_aggregates(ns, weight=None) -> list:
    k = ns["on_time_class"]
    rip = ns["received_in_period"]
    out = [count_if(k == c, f"cls__{c}", weight) for c in (*D.CLASSES, D.UNVERIFIABLE)]
    out += [
        count_if(sa.and_(k.in_(list(D.CLASSES)), sa.not_(rip)), "carried_over", weight),
        count_if(sa.and_(rip, ns["accepted"]), "received", weight),
        count_if(sa.and_(rip, ns["status"] == 7), "withdrawn", weight),
        count_if(rip, "rows_received", weight),
        count_if(k.is_(None), "status_unknown", weight),
    ]
    return out


# ------------------------------------------------------------------------------------ cubes
#
# A snapshot over millions of dossiers first groups the facts by the few columns the
# declarations look at (a "cube" of a few hundred rows with a count ``n``), then evaluates
# every KPI's filters on the cube: SUM(n) FILTER (WHERE …). Same declarations, same compiler,
# one scan of the table.


def _filter_columns(f, out: dict) -> None:
    if f is None:
        return
    if isinstance(f, (D.All, D.AnyOf)):
        for x in f.items:
            _filter_columns(x, out)
    elif isinstance(f, D.Not):
        _filter_columns(f.item, out)
    elif isinstance(f, (list, tuple)):
        for x in f:
            _filter_columns(x, out)
    elif isinstance(f, D.Cond):
        out.setdefault(f.column, set()).add((f.op, f.value))


def referenced_columns(ratios) -> dict[str, set]:
    """Column name → the (op, value) uses of it in the declarations (Need → ('not null',))."""
    out: dict[str, set] = {}
    for r in ratios:
        _filter_columns(r.denominator, out)
        _filter_columns(r.numerator, out)
        for need in r.requires:
            need = need if isinstance(need, D.Need) else D.Need(need)
            out.setdefault(need.column, set()).add(("not null", None))
            _filter_columns(need.unless, out)
    return out


def _cube_key(col, uses: set):
    """A column as a cube key; a number only compared with 0 (or NULL) is reduced to its sign,
    which keeps those comparisons exact and the cube small."""
    if isinstance(col.type, (sa.Integer, sa.BigInteger, sa.Numeric)) and uses and all(
        (op in ("not null", "is null")) or (op in (">", ">=", "<", "<=", "=", "!=") and v == 0)
        for op, v in uses
    ) and col.name not in ("status", "channel"):
        return sa.func.sign(col).label(col.name)
    return col


def cube(facts: sa.Subquery, ratios, extra: tuple = (), group: tuple = ()) -> sa.Subquery:
    """GROUP BY the columns ``ratios`` (and ``extra`` names) use, plus ``group`` expressions;
    a count column ``n``."""
    ns = namespace(facts)
    uses = referenced_columns(ratios)
    for name in extra:
        uses.setdefault(name, {("any", None)})
    keys = [_cube_key(ns[name], u) for name, u in uses.items()]
    keys += list(group)
    return sa.select(*keys, sa.func.count().label("n")).group_by(*keys).subquery("cube")


def namespace(facts: sa.Subquery) -> dict:
    return {c.name: c for c in facts.c}
