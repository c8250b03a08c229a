"""ui.warm: the warm-up at server start fills exactly the cache entries the overview's first
visit reads (same arguments as the shared sidebar's), on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from kpi import coverage as CV
from kpi import dashboard as DB
from kpi import definitions as D
from kpi import periods as P
from kpi import queries as Q
from kpi import yearview as YV
from tests.fixtures import TODAY, UNIT, app, build_fixture
from tests.test_pages_overview import HEADLINE_VALUES
from ui import warm


def _count_engine_calls(monkeypatch) -> list[str]:
    """Every call the cached wrappers of ui.data make into the KPI engine, by name."""
    calls: list[str] = []
    for mod, name in ((Q, "snapshot"), (Q, "previous_snapshot"), (Q, "trend"),
                      (Q, "list_units"), (YV, "year_view"), (DB, "data_span"),
                      (DB, "ratings_in_period"), (CV, "data_through")):
        original = getattr(mod, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(mod, name, spy)
    return calls


def _setup(db_url, monkeypatch):
    monkeypatch.setenv("CCHC_DB_URL", db_url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    build_fixture(db_url)
    st.cache_data.clear()


def test_default_selection_is_the_sidebars(db_url, monkeypatch):
    _setup(db_url, monkeypatch)
    sel = warm.default_selection(db_url, UNIT)
    assert sel.unit == UNIT and sel.url == db_url
    assert sel.today == dt.date(2026, 4, 15)
    assert sel.period == P.month(2026, 3)
    assert sel.choice == D.Choice() and sel.choice.to_json() == {"on_time": "766",
                                                                 "satisfaction": "766"}


def test_first_visit_after_warm_up_computes_nothing(db_url, monkeypatch):
    _setup(db_url, monkeypatch)
    steps = warm.warm(db_url)
    assert list(steps) == ["engine", "units", f"{UNIT}: data_through", f"{UNIT}: selection",
                           f"{UNIT}: snapshot", f"{UNIT}: previous_snapshot", f"{UNIT}: trend",
                           f"{UNIT}: warnings", f"{UNIT}: year_view"]
    calls = _count_engine_calls(monkeypatch)
    at = app()
    assert [m.value for m in at.metric] == HEADLINE_VALUES  # the same numbers
    assert calls == []  # every entry the overview read was already there

    # Without the warm-up the same visit computes them (the spies do see the calls).
    st.cache_data.clear()
    at = app()
    assert [m.value for m in at.metric] == HEADLINE_VALUES
    assert {"list_units", "data_span", "data_through", "snapshot", "previous_snapshot",
            "trend", "year_view"} <= set(calls)
    st.cache_data.clear()


def test_warm_skips_unknown_units(db_url, monkeypatch):
    _setup(db_url, monkeypatch)
    assert list(warm.warm(db_url, units=["Xã Không Có"])) == ["engine", "units"]
    st.cache_data.clear()


def test_start_runs_once_and_waits_for_the_runtime(duck_url):
    """Outside a server (no Streamlit runtime) the thread only pre-imports, then gives up
    after its timeout: entries made without the runtime would not be the server's."""
    thread = warm.start(duck_url, timeout=0.2)
    assert thread is not None and thread.daemon
    assert warm.start(duck_url) is None  # once per process
    timings = warm.wait(30)
    assert sorted(timings) == ["imports", "total"]


def test_launcher_serves_the_app_and_warms_itself(duck_url, tmp_path):
    """`make run`'s command: ``python -m ui.warm`` answers like ``streamlit run app.py`` and
    says on stderr when the overview's data is ready."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from kpi import config
    from kpi import db as kdb

    build_fixture(duck_url)
    kdb.get_engine(duck_url).dispose()  # DuckDB: one process holds the file
    kdb.get_engine.cache_clear()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.log"
    env = {**os.environ, "CCHC_DB_URL": duck_url, "CCHC_UNIT": UNIT, "CCHC_TODAY": TODAY}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.warm", "--server.port", str(port), "--server.headless",
             "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=config.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while "Khởi động: đã chuẩn bị sẵn số liệu" not in log.read_text("utf-8", "replace"):
                assert proc.poll() is None, log.read_text("utf-8", "replace")
                assert time.monotonic() < deadline, log.read_text("utf-8", "replace")
                time.sleep(0.1)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                assert r.status == 200 and r.read() == b"ok"
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    text = log.read_text("utf-8", "replace")
    assert "Traceback" not in text and "warm-up failed" not in text
