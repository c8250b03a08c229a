"""Text from files is shown as text (issue 12, item 7): Markdown, Streamlit directives, HTML
and links planted in a field name, a procedure name, a handling unit, a column header and a
file name never reach the page as markup — every Markdown-rendered string of the AppTest
output holds them only escaped (ui/safe.md), and the figures' JSON holds no live HTML."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict

from kpi import db as kdb
from kpi import schema as S
from tests.fixtures import APP, _dossier, page_database
from ui import safe

IMAGE = "![](http://x.example/pixel.png)"
LINK = "[a](http://x.example)"
COLOUR = ":red[x]"
ANCHOR = '<a href="http://x.example">y</a>'
PLANTED = (IMAGE, LINK, COLOUR, ANCHOR)
UNIT = "Xã Lộc Tân"


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    engine, _ = page_database(tmp_path, monkeypatch, "safe.duckdb", UNIT)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, UNIT)
        bid = conn.execute(sa.insert(S.batches).values(
            unit_id=uid, kind="dossiers", file_name=LINK + ".xlsx", sha256="x",
            as_of=dt.date(2026, 4, 1), uploaded_at=dt.datetime(2026, 4, 2, 8, 15),
            status="loaded").returning(S.batches.c.id)).scalar_one()
        rows = []
        for i in range(6):  # 3 of 6 late: every group falls short, so every label is shown
            rows.append(_dossier(uid, bid, f"HS-{i}", [LINK, IMAGE][i % 2], "1.1", COLOUR,
                                 dt.datetime(2026, 3, 2 + i, 8, 0), i < 3,
                                 handling_unit=ANCHOR))
        conn.execute(sa.insert(S.dossiers), rows)
    yield engine
    kdb.get_engine.cache_clear()


PLAIN_FIELDS = {"options", "defaultValue", "default", "rawValues"}  # selectbox options: plain text


def _strings(node, out: list, skip_plain: bool):
    if isinstance(node, dict):
        for k, v in node.items():
            if skip_plain and k in PLAIN_FIELDS:
                continue
            _strings(v, out, skip_plain)
    elif isinstance(node, list):
        for v in node:
            _strings(v, out, skip_plain)
    elif isinstance(node, str):
        out.append(node)


def _rendered(at) -> tuple[list[str], list[str]]:
    """(every string of every element Streamlit may render as Markdown, every figure's JSON)."""
    texts, figures = [], []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            d = MessageToDict(proto)
            kind = proto.DESCRIPTOR.name
            if kind == "PlotlyChart":
                figures.append(d.get("spec", ""))
            elif kind not in ("Arrow", "ArrowTable", "DataFrame"):
                selectbox = kind in ("Selectbox", "MultiSelect")
                _strings(d, texts, skip_plain=selectbox)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts, figures


def _check(at) -> tuple[list[str], list[str]]:
    assert not at.exception, [e.value for e in at.exception]
    texts, figures = _rendered(at)
    for planted in PLANTED:
        raw = [t for t in texts if planted in t]
        assert raw == [], (planted, raw)
    for spec in figures:
        fig = json.loads(spec)
        blob = json.dumps(fig["data"], ensure_ascii=False) + json.dumps(fig["layout"],
                                                                         ensure_ascii=False)
        assert "<a " not in blob and "<img" not in blob
    return texts, figures


def test_planted_markup_is_shown_as_text_on_the_detail_page(hostile):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/chi-tiet.py").run()
    texts, figures = _check(at)
    # The field labels are shown (escaped) as the pills of the shortfall filter …
    assert f"{safe.md(LINK)} (2)" in texts and f"{safe.md(IMAGE)} (1)" in texts
    # … and HTML-escaped in the charts: the anchor of the handling-unit chart reads as text.
    bars = [list(t["y"]) for spec in figures for t in json.loads(spec)["data"]
            if t.get("type") == "bar"]
    assert ['&lt;a href="http://x.example"&gt;y&lt;/a&gt;'] in bars
    assert sorted([LINK, IMAGE]) in [sorted(b) for b in bars]  # Plotly renders no Markdown


def test_planted_markup_in_a_header_and_a_file_name_on_the_upload_page(hostile):
    from streamlit.testing.v1 import AppTest

    from tests.filemakers import csv_bytes

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/tai-du-lieu.py").run()
    data = csv_bytes([["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả",
                       "Trạng thái", IMAGE, COLOUR],
                      ["HS-9", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026", "03/03/2026",
                       "Đang xử lý", "1", "2"]], sep=";")
    at.file_uploader(key="upload_files").set_value((ANCHOR + ".csv", data, "text/csv")).run()
    texts, _ = _check(at)
    assert f"📄 {safe.md(ANCHOR + '.csv')} · 215 B" in [e.label for e in at.expander]
    labels = [s.label for s in at.selectbox]
    assert f"«{safe.md(IMAGE)}»" in labels and f"«{safe.md(COLOUR)}»" in labels
    at.button(key="load_button").click().run()
    _check(at)


def test_md_escapes_exactly_the_markup():
    j = safe.JOINER  # invisible: breaks the links GFM finds in plain text
    assert safe.md(IMAGE) == f"!\\[\\](http:{j}//x.example/pixel.png)"
    assert safe.md(LINK) == f"\\[a\\](http:{j}//x.example)"
    assert safe.md(COLOUR) == "\\:red\\[x\\]"
    assert safe.md(ANCHOR) == f'\\<a href="http:{j}//x.example"\\>y\\</a\\>'
    assert safe.md("www.x.vn · $1$ · **b** · `c` · a@b.vn · :material/home: · :smile:") == (
        f"www{j}.x.vn · \\$1\\$ · \\*\\*b\\*\\* · \\`c\\` · a{j}\\@b.vn · :{j}material/home: · "
        f":{j}smile:")
    # Ordinary text reads unchanged, in the page source too.
    for plain in ("ho-so-2026-03.xlsx", "Đăng ký khai sinh (bản sao)", "lead_units", "10:30",
                  "Tháng 3/2026 – 98,5%", "1. đầu dòng", "Ghi chú: đã xong"):
        assert safe.md(plain) == plain
    assert safe.md("# Tiêu đề") == "\\# Tiêu đề" and safe.md(None) == ""
    # Without the joiner the text is exactly what came in.
    for planted in PLANTED:
        assert safe.md(planted).replace(j, "").replace("\\", "") == planted


def test_figure_escapes_data_text_and_keeps_our_templates():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[0.5], y=[ANCHOR], text=[ANCHOR], orientation="h",
                           hovertemplate="%{y}<br>%{x}<extra></extra>"))
    fig.update_yaxes(ticktext=[ANCHOR], tickvals=[0])
    fig.add_annotation(x=0.5, y=ANCHOR, text=ANCHOR)
    safe.figure(fig)
    esc = "&lt;a href=\"http://x.example\"&gt;y&lt;/a&gt;"
    assert list(fig.data[0].y) == [esc] and list(fig.data[0].text) == [esc]
    assert list(fig.layout.yaxis.ticktext) == [esc]
    assert (fig.layout.annotations[0].text, fig.layout.annotations[0].y) == (esc, esc)
    assert fig.data[0].hovertemplate == "%{y}<br>%{x}<extra></extra>"
    safe.figure(fig)  # once only
    assert list(fig.data[0].y) == [esc]
