"""Shared pieces of every page: the database engine, the unit, friendly errors."""

from __future__ import annotations

import contextlib

import streamlit as st

from kpi import config
from kpi import db as kdb
from kpi.inventory import units_with_data


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    engine = kdb.get_engine(url)
    kdb.init_db(engine)
    return engine


def engine():
    """The database engine named by CCHC_DB_URL (or the default), initialised once."""
    return _engine(config.db_url())


@contextlib.contextmanager
def friendly_errors():
    """Turn database problems into a Vietnamese message instead of a traceback."""
    try:
        yield
    except kdb.DatabaseBusy:
        st.warning("⏳ Một lần tải dữ liệu đang chạy, cơ sở dữ liệu tạm thời bận. Vui lòng tải lại trang sau ít phút.")
        st.stop()
    except kdb.DatabaseUnavailable as exc:
        st.error(f"❌ {exc}")
        st.stop()


def current_unit() -> str | None:
    return st.session_state.get("unit") or config.unit_name()


def sidebar() -> None:
    """The sidebar shared by all pages: the unit."""
    with friendly_errors():
        names = units_with_data(engine())
    default = config.unit_name()
    options = sorted(set(names) | ({default} if default else set()))
    if not options:
        return
    if st.session_state.get("unit") not in options:
        st.session_state["unit"] = default if default in options else options[0]
    st.sidebar.selectbox("Đơn vị", options, key="unit")
