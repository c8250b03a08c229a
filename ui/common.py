"""Shared pieces of every page: the engine, the shared sidebar (unit, period, definitions),
the current choice as a ``Selection``, friendly errors, the context line.

The sidebar is drawn by app.py on every run with the controls the page declares
(``ui.nav.NavPage.controls``); the values of the controls a page hides are kept, so they hold
across pages. The selections live in the page's address too (``?unit=…&period=2026-03&
on_time=resolved``, the detail page adds ``kpi=…``): a link opens the same view.
Session-state keys (stable, read by every page):

    unit              the unit's name
    period_type       month | quarter | year | ytd | custom
    period_month      "2026-03"        period_quarter  "2026-Q1"     period_year  "2026"
    period_ytd        "2026-YTD"       period_range    (start date, end date)
    <choice>_def      per KPI with several variants (kpi.definitions.choice_kpis): the
                      variant picked — on_time_def (766 | resolved | due), satisfaction_def
                      (766 | ratings)

A page opened on its own (no sidebar) gets the same defaults: the configured unit, the latest
month with data, each KPI's default variant.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa
import streamlit as st

from kpi import config
from kpi import dashboard as DB
from kpi import db as kdb
from kpi import definitions as D
from kpi import format as fmt
from kpi import periods as P
from kpi import queries as Q
from kpi.plan.tracker import PlanError
from ui import data, safe
from ui.data import Selection

PERIOD_TYPES = dict(P.CHOICE_KINDS)  # month, quarter, half, year, window (@15), ytd, custom
PERIOD_KEYS = {"month": "period_month", "quarter": "period_quarter", "year": "period_year",
               "ytd": "period_ytd", "custom": "period_range", "half": "period_half",
               "window": "period_window"}
S = st.session_state


def engine():
    """The database engine named by CCHC_DB_URL (or the default), initialised once."""
    return data.engine(config.db_url())


@contextlib.contextmanager
def friendly_errors():
    """Database problems and refused plan requests (``PlanError``) as a Vietnamese message
    (what is wrong, what to do), never a traceback; the page stops there."""
    try:
        yield
    except kdb.DatabaseBusy:
        st.warning("Một lần tải dữ liệu đang chạy, cơ sở dữ liệu tạm thời bận. Vui lòng tải "
                   "lại trang sau ít phút.", icon="⏳")
        st.stop()
    except kdb.DatabaseUnavailable as exc:
        st.error(str(exc), icon="❌")
        st.stop()
    except Q.UnknownUnit as exc:
        st.info(f"{safe.md(exc)} Hãy tải dữ liệu của đơn vị ở trang «Tải dữ liệu».", icon="ℹ️")
        st.stop()
    except P.PeriodError as exc:
        st.warning(str(exc), icon="⚠️")
        st.stop()
    except PlanError as exc:
        st.error("\n\n".join(safe.md(m) for m in exc.messages), icon="❌")
        st.stop()
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        st.error("Không đọc được cơ sở dữ liệu. Hãy tải lại trang sau ít phút; nếu vẫn không "
                 f"được, báo cho cán bộ quản trị hệ thống (chi tiết kỹ thuật: {detail}).",
                 icon="❌")
        st.stop()


def current_unit() -> str | None:
    """The chosen unit, limited to the signed-in account's units (ui/auth.py)."""
    from ui import auth

    return auth.scoped_unit(S.get("unit") or config.unit_name())


# --------------------------------------------------------------------------- period choice

def _ytd_code(p: P.Period) -> str:
    return f"{p.start.year}-YTD"


def _choices(kind: str, span, today) -> dict[str, P.Period]:
    """{code: period} of a kind, newest first."""
    out = {}
    for p in DB.period_choices(kind, span, today):
        out[_ytd_code(p) if kind == "ytd" else p.code] = p
    return out


def _default_code(kind: str, choices: dict[str, P.Period], latest: P.Period) -> str | None:
    """The choice holding the latest month with data, else the newest."""
    for code, p in choices.items():
        if p.start <= latest.start and latest.end <= p.end:
            return code
        if kind == "ytd" and p.start.year == latest.start.year:
            return code
    return next(iter(choices), None)


def _custom_range(value, latest: P.Period) -> tuple[dt.date, dt.date]:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(value):
        return value[0], value[1]
    if isinstance(value, (tuple, list)) and len(value) == 1 and value[0]:
        return value[0], value[0]
    return latest.start, latest.end


def _period_from_state(span, today) -> P.Period:
    kind = S.get("period_type", "month")
    latest = DB.default_period(span, today)
    if kind == "custom":
        start, end = _custom_range(S.get("period_range"), latest)
        return P.custom(min(start, end), max(start, end))
    choices = _choices(kind if kind in PERIOD_KEYS else "month", span, today)
    code = S.get(PERIOD_KEYS.get(kind, "period_month"))
    if code in choices:
        return choices[code]
    default = _default_code(kind, choices, latest)
    return choices[default] if default else latest


def selection() -> Selection:
    """The current choice of the sidebar (or its defaults when the page runs on its own)."""
    url = config.db_url()
    today = config.today()
    unit = current_unit()
    with friendly_errors():
        engine()
        span = data.span(url, unit) if unit in data.units(url) else None
    return Selection(url=url, unit=unit, period=_period_from_state(span, today),
                     choice=_choice_from_state(), today=today)


# --------------------------------------------------------------------------- definitions choice

def choice_state_key(kpi: D.Kpi) -> str:
    """The session-state key of a KPI's variant choice: "on_time_def"."""
    return f"{kpi.choice}_def"


def _choice_from_state() -> D.Choice:
    picked = {}
    for kpi in D.choice_kpis():
        name = S.get(choice_state_key(kpi))
        if name in kpi.variants:
            picked[kpi.key] = name
    return D.Choice(picked)


def _variant_label(kpi: D.Kpi, name: str) -> str:
    label = kpi.variants[name].label
    return f"{label} (mặc định)" if name == kpi.default else label


def _choice_radios(sb) -> None:
    """One radio per KPI with several variants: the variants' labels and explanations."""
    for kpi in D.choice_kpis():
        key = choice_state_key(kpi)
        if S.get(key) not in kpi.variants:
            S[key] = kpi.default
        names = list(kpi.variants)
        sb.radio(kpi.choice_label, names, format_func=lambda n, k=kpi: _variant_label(k, n),
                 captions=[kpi.variants[n].explanation for n in names], key=key)


# --------------------------------------------------------------------------- the sidebar

# The controls a page may ask the sidebar for (ui.nav.NavPage.controls).
UNIT, PERIOD, CHOICES = "unit", "period", "choices"
CONTROLS = (UNIT, PERIOD, CHOICES)
# The names of the selections in the page's address (?unit=…&period=2026-03&on_time=resolved):
# the command line's words (cli.md); a KPI's variant choice goes by its choice name.
URL_UNIT, URL_PERIOD = "unit", "period"
_URL_PENDING = "_url_pending"  # the address's values not applied yet (read once per session)
_URL_RUNS = "_url_runs"  # runs of the sidebar in this session (the address counts on the first)


def _widget_keys() -> list[str]:
    return ["unit", "period_type", *PERIOD_KEYS.values(),
            *(choice_state_key(k) for k in D.choice_kpis())]


def _keep_hidden_state() -> None:
    """Streamlit forgets the value of a widget a run does not draw; a page that hides the period
    (Tải dữ liệu) must not reset it for the next page: re-assigning the values keeps them."""
    for key in _widget_keys():
        if key in S:
            S[key] = S[key]


def _read_url() -> dict:
    """The address's values, once per session (the first run); later runs: what is left."""
    if _URL_PENDING not in S:
        try:
            S[_URL_PENDING] = {k: st.query_params.get(k) for k in st.query_params}
        except Exception:  # noqa: BLE001 — a page run outside a server has no address
            S[_URL_PENDING] = {}
    return S[_URL_PENDING]


def _apply_url_period(text: str, span, today) -> bool:
    """Put a period code of the address (a code the sidebar offers, or "a..b") in the state."""
    for kind in PERIOD_KEYS:
        if kind != "custom" and text in _choices(kind, span, today):
            S["period_type"], S[PERIOD_KEYS[kind]] = kind, text
            return True
    if ".." in text:
        try:
            p = P.parse_period(text, today)
        except (P.PeriodError, ValueError):
            return False
        S["period_type"], S["period_range"] = "custom", (p.start, p.end)
        return True
    return False


def url_value(name: str, options) -> str | None:
    """A page's own selection from the address (the detail page's KPI): the value once, on the
    session's first run (the page the link opened), when it is one of ``options``; else None —
    a link to the overview that names a KPI does not override a tile clicked later."""
    value = _read_url().pop(name, None)
    if S.get(_URL_RUNS, 0) > 1:
        return None
    return value if value in options else None


def keep_in_url(name: str, value) -> None:
    """Write one of the page's selections into the address, so the link opens the same view."""
    with contextlib.suppress(Exception):
        st.query_params[name] = str(value)


def _period_url_code() -> str | None:
    kind = S.get("period_type")
    if kind == "custom":
        value = S.get("period_range")
        if isinstance(value, (tuple, list)) and value and all(value):
            a, b = (value[0], value[-1])
            return f"{min(a, b).isoformat()}..{max(a, b).isoformat()}"
        return None
    return S.get(PERIOD_KEYS.get(kind, ""))


def _write_url(controls) -> None:
    """The address holds exactly the selections this page uses."""
    out = {}
    if UNIT in controls and S.get("unit"):
        out[URL_UNIT] = S["unit"]
    if PERIOD in controls and _period_url_code():
        out[URL_PERIOD] = _period_url_code()
    if CHOICES in controls:
        for kpi in D.choice_kpis():
            out[kpi.choice] = S.get(choice_state_key(kpi), kpi.default)
    with contextlib.suppress(Exception):
        if {k: st.query_params.get(k) for k in st.query_params} != out:
            st.query_params.from_dict(out)


def sidebar(controls=CONTROLS) -> None:
    """The sidebar shared by the pages, with only the ``controls`` the page uses (its
    ``ui.nav.NavPage.controls``): unit, period type and value, definitions; "dữ liệu đến ngày"
    with the unit. The values first come from the page's address (once per session, invalid ones
    fall back to the defaults with a note), then the address follows them."""
    url = config.db_url()
    today = config.today()
    sb = st.sidebar
    _keep_hidden_state()
    S[_URL_RUNS] = S.get(_URL_RUNS, 0) + 1
    pending = _read_url()
    bad = []
    with friendly_errors():
        engine()
        names = data.units(url)
    from ui import auth

    default = auth.scoped_unit(config.unit_name())
    options = auth.visible_units(sorted(set(names) | ({default} if default else set())))
    if URL_UNIT in pending:
        value = pending.pop(URL_UNIT)
        if value in options:
            S["unit"] = value
        else:
            bad.append("đơn vị")
    if options:
        if S.get("unit") not in options:
            S["unit"] = default if default in options else options[0]
        if UNIT in controls:
            sb.selectbox("Đơn vị", options, key="unit")
    unit = S.get("unit") if S.get("unit") in options else None
    with friendly_errors():
        span = data.span(url, unit) if unit in names else None
        stamp = data.data_through(url, unit) if unit in names else None
    latest = DB.default_period(span, today)

    if URL_PERIOD in pending and not _apply_url_period(str(pending.pop(URL_PERIOD)), span,
                                                       today):
        bad.append("kỳ báo cáo")
    if S.get("period_type") not in PERIOD_TYPES:
        S["period_type"] = "month"
    kind = S["period_type"]
    if kind == "custom":
        if not isinstance(S.get("period_range"), (tuple, list)):
            S["period_range"] = (latest.start, latest.end)
    else:
        choices = _choices(kind, span, today)
        key = PERIOD_KEYS[kind]
        if S.get(key) not in choices:
            S[key] = _default_code(kind, choices, latest)
    if PERIOD in controls:
        sb.selectbox("Loại kỳ báo cáo", list(PERIOD_TYPES), format_func=PERIOD_TYPES.get,
                     key="period_type")
        if kind == "custom":
            sb.date_input("Từ ngày – đến ngày", key="period_range", format="DD/MM/YYYY")
        else:
            sb.selectbox(PERIOD_TYPES[kind], list(choices),
                         format_func=lambda c: choices[c].label, key=key)

    for kpi in D.choice_kpis():
        if kpi.choice in pending:
            value = pending.pop(kpi.choice)
            if value in kpi.variants:
                S[choice_state_key(kpi)] = value
            else:
                bad.append(fmt.in_sentence(kpi.choice_label))
    if CHOICES in controls:
        _choice_radios(sb)
    if UNIT in controls:
        sb.caption(f"📅 Dữ liệu đến ngày **{fmt.date(stamp)}**" if stamp else
                   "📅 Chưa có dữ liệu cho đơn vị này.")
    if bad:
        sb.caption(f"⚠️ Đường dẫn có lựa chọn không hợp lệ ({', '.join(bad)}): đã dùng lựa "
                   "chọn mặc định.")
    _write_url(controls)


# --------------------------------------------------------------------------- page helpers

def require_data(sel: Selection) -> None:
    """Stop the page with a plain message when the unit has no data at all."""
    with friendly_errors():
        known = data.units(sel.url)
    if not sel.unit:
        st.info("Chưa chọn đơn vị (xã, phường). Đặt biến CCHC_UNIT hoặc tải dữ liệu ở trang "
                "«Tải dữ liệu».", icon="ℹ️")
        st.stop()
    if sel.unit not in known:
        st.info(f"Chưa có dữ liệu của {safe.md(sel.unit)}. Hãy tải tệp xuất từ hệ thống một cửa ở "
                "trang «Tải dữ liệu».", icon="ℹ️")
        st.stop()


def definitions_text(sel: Selection) -> str:
    """"Đúng hạn theo Bộ chỉ số 766 · Hài lòng theo Bộ chỉ số 766"."""
    return " · ".join(f"{kpi.short_label} {kpi.variants[sel.choice.variant(kpi.key)].short}"
                      for kpi in D.choice_kpis())


def context_line(sel: Selection, snap: Q.Snapshot) -> None:
    """Unit · period (dates) · "Dữ liệu đến ngày …" (data_through: the newest as-of date of
    the dossier exports, not an upload time) · the definitions; the coverage note of a period
    not fully covered ("tạm tính", the missing days) or not ended yet."""
    p = snap.period
    dates = f" ({fmt.date_range(p.start, p.end)})" if p.kind in ("month", "quarter",
                                                                 "year") else ""
    st.caption(f"**{safe.md(snap.unit)}** · {p.label}{dates} · "
               f"Dữ liệu đến ngày **{fmt.date(snap.data_through)}** · {definitions_text(sel)}")
    note = DB.period_note(snap)
    if note:
        st.caption(f"🕒 {note}")


def status_markdown(d: DB.KpiDisplay) -> str:
    """"✅ Đạt" in its colour (icon + word + colour)."""
    return f":{d.status_color}[{d.status_icon} **{d.status_text}**]"
