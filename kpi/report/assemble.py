"""The report's input from the database, for the "Báo cáo" page and the command line alike.

    snapshot, extras = report_input(engine, "Xã Lộc Tân", "2026-03")
    kpi.report.render_bytes("pdf", snapshot, extras)

``snapshot`` is exactly the JSON of ``python -m kpi snapshot`` (shared/spec/cli.md), i.e.
``kpi.queries.snapshot(...).to_json()``; ``extras`` carries what kpi/report/common.py reads:
``report_date``, ``labels``, ``sections``, ``formulas`` (the engine's formula texts), ``previous`` ({key: value
of the previous period}), ``previous_period_label``, ``trend`` ({headline key: [["2026-03",
value], …]} over 12 months), ``notes`` (missing data, in plain Vietnamese), ``period_label``
and ``unit_header``.
"""

from __future__ import annotations

import datetime as dt

from kpi import config
from kpi import dashboard as DB
from kpi import definitions as D
from kpi import queries as Q

__all__ = ["report_input", "report_extras", "unit_header"]


def unit_header(unit: str | None) -> list[str]:
    """The issuing body's lines at the top left (Nghị định 30/2020): "ỦY BAN NHÂN DÂN" over
    the unit's name in capitals; for all units together, the default header of kpi.report."""
    if not unit or unit == Q.ALL_UNITS_LABEL:
        return []
    return ["ỦY BAN NHÂN DÂN", unit.upper()]


def report_extras(snap: Q.Snapshot, prev: Q.Snapshot | None, trend, *,
                  ratings: int | None = None, today: dt.date | None = None) -> dict:
    """The extras of one snapshot, from values already computed (no database access).

    ``trend`` is a ``kpi.queries.trend`` frame (or None); ``ratings`` the ratings dated in
    the period (``kpi.dashboard.ratings_in_period``), for the "no ratings" note; ``today``
    the date printed under the national motto (default: today, CCHC_TODAY honoured)."""
    extras: dict = {
        "period_label": snap.period.label,
        "report_date": (today or config.today()).isoformat(),
        "labels": {k.key: k.label for k in snap.kpis},
        "sections": {k.key: k.section for k in snap.kpis},
        "formulas": {k.key: k.formula for k in snap.kpis},
    }
    header = unit_header(snap.unit)
    if header:
        extras["unit_header"] = header
    if prev is not None:
        extras["previous"] = {k.key: k.value for k in prev.kpis}
        extras["previous_period_label"] = prev.period.label
    if trend is not None:
        series: dict = {}
        for key in D.HEADLINE_KEYS:
            s = DB.trend_series(trend, key)
            if s.months:
                series[key] = [[m.strftime("%Y-%m"), v] for m, v in zip(s.months, s.values)]
        extras["trend"] = series
    notes = []
    note = DB.period_note(snap)
    if note:
        notes.append(note)
    # kpi.report adds its own note for unverifiable dossiers and for KPIs without data.
    notes += [w.text for w in DB.data_warnings(snap, ratings) if w.kind != "unverifiable"]
    extras["notes"] = notes
    return extras


def report_input(engine, unit, period, choice: D.Choice | None = None, *,
                 today: dt.date | None = None) -> tuple[dict, dict]:
    """(snapshot JSON as cli.md, extras for kpi.report) of one unit and period."""
    snap = Q.snapshot(engine, unit, period, choice, today=today)
    prev = Q.snapshot(engine, unit, snap.period.previous(), choice, today=today)
    trend = Q.trend(engine, unit, snap.period, choice, keys=list(D.HEADLINE_KEYS), today=today)
    ratings = (DB.ratings_in_period(engine, unit, snap.period, today=today)
               if DB.needs_ratings_count(snap) else None)
    return snap.to_json(), report_extras(snap, prev, trend, ratings=ratings, today=today)
