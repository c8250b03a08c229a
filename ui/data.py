"""Cached wrappers of the KPI engine (``kpi.queries``, ``kpi.dashboard``, ``kpi.report``) for the
pages. Every function takes plain, hashable arguments — the database URL, or a ``Selection``
(unit, period, definitions, today) — so one cache entry answers every page that shows the same
choice. ``data_changed()`` (called by pages/tai-du-lieu.py after a load, an undo or a change of the
remembered mappings) empties them all; entries also expire after ``TTL`` seconds, so a
command-line load shows up too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from kpi import coverage as CV
from kpi import dashboard as DB
from kpi import db as kdb
from kpi import definitions as D
from kpi import queries as Q
from kpi import yearview as YV
from kpi.periods import Period
from kpi.report import assemble, render_bytes

TTL = 10 * 60  # seconds


@dataclass(frozen=True)
class Selection:
    """What the shared sidebar chose, as one hashable value."""

    url: str
    unit: str | None
    period: Period
    choice: D.Choice = D.Choice()  # the variants picked in the sidebar
    today: dt.date | None = None

    @property
    def args(self) -> tuple:
        return (self.unit, self.period, self.choice)


def data_changed() -> None:
    """The stored data changed (a load, an undo, a remembered mapping): every cached answer
    of every page is stale, so all of them are cleared; engines stay."""
    st.cache_data.clear()


@st.cache_resource(show_spinner=False)
def engine(url: str):
    """The engine for ``url`` with its tables created (once per process and URL)."""
    e = kdb.get_engine(url)
    kdb.init_db(e)
    return e


@st.cache_data(show_spinner=False, ttl=TTL)
def units(url: str) -> list[str]:
    return Q.list_units(engine(url))


@st.cache_data(show_spinner=False, ttl=TTL)
def span(url: str, unit: str | None) -> tuple[dt.date, dt.date] | None:
    return DB.data_span(engine(url), unit)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=256)
def snapshot(sel: Selection) -> Q.Snapshot:
    return Q.snapshot(engine(sel.url), *sel.args, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=256)
def previous_snapshot(sel: Selection) -> Q.Snapshot:
    return Q.previous_snapshot(engine(sel.url), *sel.args, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=128)
def trend(sel: Selection, keys: tuple[str, ...] | None = None):
    return Q.trend(engine(sel.url), *sel.args, keys=list(keys) if keys else None,
                   today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=256)
def breakdown(sel: Selection, key: str, by: str):
    return Q.breakdown(engine(sel.url), sel.unit, sel.period, key, by, sel.choice,
                       today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=256)
def shortfall(sel: Selection, key: str, by: str | None = None, group=None, page: int = 1,
              page_size: int = 100) -> Q.ShortfallPage:
    return Q.shortfall(engine(sel.url), sel.unit, sel.period, key, sel.choice, page=page,
                       page_size=page_size, by=by, group=group, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=64)
def summary_check(sel: Selection):
    """Dossier counts beside the Biểu số 06 summary of the period (None: no summary)."""
    return Q.summary_check(engine(sel.url), sel.unit, sel.period, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=128)
def warnings(sel: Selection) -> list[DB.DataWarning]:
    """Plain warnings about data missing for the period (no ratings, no catalogue…)."""
    snap = snapshot(sel)
    ratings = None
    if DB.needs_ratings_count(snap):
        ratings = DB.ratings_in_period(engine(sel.url), sel.unit, sel.period, today=sel.today)
    return DB.data_warnings(snap, ratings)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=32)
def report_input(sel: Selection) -> tuple[dict, dict]:
    """``kpi.report.assemble.report_input``: (snapshot JSON as cli.md, extras)."""
    return assemble.report_input(engine(sel.url), *sel.args, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=32)
def report_file(sel: Selection, fmt: str) -> bytes:
    """The PDF, DOCX or XLSX snapshot report as bytes."""
    snapshot_json, extras = report_input(sel)
    return render_bytes(fmt, snapshot_json, extras)


def shortfall_xlsx(sel: Selection, key: str, by: str | None = None, group=None,
                   group_label: str | None = None) -> bytes:
    """All rows behind the shortfall as an Excel file (built when the user clicks)."""
    return DB.shortfall_xlsx(engine(sel.url), sel.unit, sel.period, key, sel.choice, by=by,
                             group=group, group_label=group_label, today=sel.today)


@st.cache_data(show_spinner=False, ttl=TTL)
def data_through(url: str, unit: str | None) -> dt.date | None:
    """The newest as-of date of the unit's loaded dossier exports ("Dữ liệu đến ngày")."""
    return CV.data_through(engine(url), unit)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=32)
def month_strip(url: str, unit: str | None, year: int) -> dict[str, list[str]]:
    """Per kind of file, the coverage of each month of ``year`` (the upload page's strip)."""
    return CV.month_strip(engine(url), unit, year)


@st.cache_data(show_spinner=False, ttl=TTL, max_entries=64)
def year_view(sel: Selection, keys: tuple[str, ...] = D.HEADLINE_KEYS) -> YV.YearView:
    """The year of the period in view: year to date, required rate, forecast."""
    return YV.year_view(engine(sel.url), sel.unit, sel.period, sel.choice, keys=keys,
                        today=sel.today)
