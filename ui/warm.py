"""The server warms itself at start, so the first visit after a restart is as fast as the next.

    python -m ui.warm [streamlit options]     (what `make run` runs)

is ``streamlit run app.py [options]`` with one thing more: right after the process starts, a
background thread imports the modules the pages use (pandas, SQLAlchemy, DuckDB, kpi.*, ui.*)
and, once Streamlit's runtime exists, fills the ``st.cache_data`` entries of the default view of
the overview for each unit (``ui.data``: units, span, data_through, snapshot, previous snapshot,
12-month trend, warnings, year view) with exactly the arguments the shared sidebar will pass
(``default_selection``). A visit that arrives while the warm-up computes an entry waits for that
computation (Streamlit's per-entry compute lock) instead of running it again.

Without the warm-up the first visit paid the imports in the script thread and every query of the
default view (bench/browser.py: 3,9 s on the demo data and on 1M dossiers). ``streamlit run
app.py`` still works as before (no warm-up). Entries expire after ``ui.data.TTL`` like any other;
the launcher warms again one second after they expired, so the default view stays ready (a
few seconds of work every ten minutes at 1M dossiers; nothing recomputed while still fresh).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import sys
import threading
import time

_LOG = logging.getLogger("cchc.warm")

# The modules a visit to the overview imports (heaviest first): imported by the warm-up thread
# while the server starts, so the first run of the script finds them in sys.modules.
MODULES = (
    "pandas", "sqlalchemy", "duckdb", "duckdb_engine", "kpi.queries", "kpi.dashboard",
    "kpi.yearview", "kpi.coverage", "kpi.report", "ui.data", "ui.common", "ui.charts", "ui.nav",
)

_started = threading.Event()  # start() once per process
_done = threading.Event()
_timings: dict[str, float] = {}


def preimport(modules=MODULES) -> None:
    for name in modules:
        importlib.import_module(name)


def default_selection(url: str, unit: str | None, today: dt.date | None = None):
    """The ``ui.data.Selection`` the sidebar gives a new session on ``unit`` (period type month,
    the month holding the latest data, each KPI's default variant): the same cache keys."""
    from kpi import config
    from kpi import dashboard as DB
    from kpi import definitions as D
    from ui import common, data

    today = today or config.today()
    span = data.span(url, unit)
    latest = DB.default_period(span, today)
    choices = common._choices("month", span, today)
    code = common._default_code("month", choices, latest)
    period = choices[code] if code else latest
    # The sidebar's radios put each default variant in the session before the page reads it.
    choice = D.Choice({k.key: k.default for k in D.choice_kpis()})
    return data.Selection(url=url, unit=unit, period=period, choice=choice, today=today)


def warm(url: str | None = None, units: list[str] | None = None) -> dict[str, float]:
    """Fill the cache entries of the overview's default view for each unit of ``url`` (the
    configured unit first). Returns seconds per step ("<unit>: trend"…). Needs Streamlit's
    runtime for the entries to be the server's (``start`` waits for it)."""
    from kpi import config
    from ui import data

    url = url or config.db_url()
    out: dict[str, float] = {}

    def step(name, fn, *args):
        t = time.perf_counter()
        value = fn(*args)
        out[name] = time.perf_counter() - t
        return value

    step("engine", data.engine, url)
    known = step("units", data.units, url)
    default = config.unit_name()
    todo = units if units is not None else sorted(known, key=lambda u: u != default)
    for unit in todo:
        if unit not in known:
            continue
        step(f"{unit}: data_through", data.data_through, url, unit)
        sel = step(f"{unit}: selection", default_selection, url, unit)
        for name in ("snapshot", "previous_snapshot", "trend", "warnings", "year_view"):
            step(f"{unit}: {name}", getattr(data, name), sel)
    return out


def _run(url: str | None, timeout: float, refresh: float | bool | None) -> None:
    t0 = time.perf_counter()
    try:
        preimport()
        _timings["imports"] = time.perf_counter() - t0
        from streamlit import runtime

        deadline = time.monotonic() + timeout
        while not runtime.exists():  # the cache entries must be the runtime's
            if time.monotonic() > deadline:
                _LOG.warning("warm-up: no Streamlit runtime after %.0f s, skipped", timeout)
                return
            time.sleep(0.05)
        _timings.update(warm(url))
        print(f"Khởi động: đã chuẩn bị sẵn số liệu của trang Tổng quan trong "
              f"{time.perf_counter() - t0:.2f} s".replace(".", ","), file=sys.stderr, flush=True)
    except Exception:  # noqa: BLE001 — a failed warm-up only costs the first visit time
        _LOG.exception("warm-up failed (the first visit computes the data itself)")
    finally:
        _timings["total"] = time.perf_counter() - t0
        _done.set()
    if refresh is True:
        from ui.data import TTL

        refresh = TTL + 1
    while refresh:  # keep the default view warm: recompute each entry just after it expired
        time.sleep(refresh)
        try:
            warm(url)
        except Exception:  # noqa: BLE001
            _LOG.exception("warm-up refresh failed")


def start(url: str | None = None, timeout: float = 120.0,
          refresh: float | bool | None = None) -> threading.Thread | None:
    """Start the warm-up in a daemon thread, once per process (later calls: None). It waits up
    to ``timeout`` seconds for Streamlit's runtime; then, every ``refresh`` seconds (None: never),
    warms again, so an entry expired after ``ui.data.TTL`` is recomputed before a visit asks
    (True: one second after the TTL)."""
    if _started.is_set():
        return None
    _started.set()
    thread = threading.Thread(target=_run, args=(url, timeout, refresh), name="cchc-warm-up",
                              daemon=True)
    thread.start()
    return thread


def wait(timeout: float | None = None) -> dict[str, float] | None:
    """The warm-up's timings once it has finished (None: still running after ``timeout``)."""
    return dict(_timings) if _done.wait(timeout) else None


def main(argv: list[str] | None = None) -> None:
    """``streamlit run app.py`` with the warm-up started first; ``argv``: Streamlit's options."""
    from kpi import config
    from streamlit.web import cli

    start(refresh=True)
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(config.ROOT / "app.py"), *args]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
