"""No English and no raw keys on screen: every element of every page (AppTest on the fixture
database of tests/fixtures.py) is read — texts, labels, options, table headers and cells, chart
texts — and scanned for code names (``on_time_rate``, ``pending_overdue``), Python's
``None``/``nan``/``True``, Streamlit's English ("Upload", "per file"), sizes like "163.7KB",
periods lowered inside a sentence ("quý iv"). The shortfall Excel is scanned the same way."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from google.protobuf.json_format import MessageToDict
from openpyxl import load_workbook

from kpi import dashboard as DB
from kpi import db as kdb
from kpi import definitions as D
from kpi.plan import tracker
from tests.fixtures import UNIT, app
from ui import nav

SNAKE = re.compile(r"(?<![\w.-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w.-])")  # on_time_rate, pending_overdue, period_month
ENGLISH = re.compile(r"\b(None|nan|NaN|NaT|True|False|null|Upload|Browse files|per file|Error|"
                     r"Page not found|Total|Other|Others)\b")
SIZE = re.compile(r"\d+\.\d\s?[KMG]B|\b\d+[KMG]B\b")  # "163.7KB", "200MB"
LOWER_PERIOD = re.compile(r"\bquý [ivx]+\b")
RAW = {*D.KPI_KEYS, *D.CLASS_LABELS, "766", "resolved", "due", "ratings"}
RAW.discard("766")  # the Decision's number is a word of the definitions' labels
# Chart text fields worth reading (the rest of a Plotly spec is English by nature).
CHART_FIELDS = ("text", "hovertext", "hovertemplate", "name", "ticktext", "x", "y")
SKIPPED = {"html", "plotly_chart", "arrow_data_frame", "arrow_table", "empty"}
# Proto fields that are addresses, not words a reader sees.
NOT_SHOWN = {"id", "formId", "url", "deltaPath", "fragmentId", "type", "format", "key",
             "dataType", "spec", "data", "styles", "columns", "config", "theme", "icon",
             "selectionMode", "widthConfig", "heightConfig", "labelVisibility", "placeholder",
             "acceptMultipleFiles", "displayMode", "useContainerWidth", "columnOrder",
             "arrowData", "deltaColor", "deltaArrow", "help"}


def _strings(obj, out: list[str], field: str = "") -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in NOT_SHOWN:
                _strings(v, out, k)
    elif isinstance(obj, list):
        for v in obj:
            _strings(v, out, field)
    elif isinstance(obj, str) and obj.startswith("<svg"):  # a tile: its texts and label
        root = ET.fromstring(obj)
        out += [t for t in root.itertext() if t.strip()] + [root.get("aria-label", "")]
    elif isinstance(obj, str):
        out.append(obj)


def _chart_strings(spec: str, out: list[str]) -> None:
    fig = json.loads(spec)
    for trace in fig.get("data", []):
        for f in CHART_FIELDS:
            v = trace.get(f)
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, list):
                out += [x for x in v if isinstance(x, str)]
    layout = fig.get("layout", {})
    for a in layout.get("annotations", []):
        out.append(a.get("text", ""))
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            out += [x for x in axis.get("ticktext", []) if isinstance(x, str)]


def shown(at) -> list[str]:
    """Every text a reader sees on the page: elements, labels, options, tables, chart texts."""
    out: list[str] = []
    for node in at._tree:
        kind = getattr(node, "type", "")
        if kind in ("arrow_data_frame", "arrow_table") or hasattr(node, "value") and kind in (
                "dataframe",):
            frame = node.value
            frame = getattr(frame, "data", frame)  # a Styler
            out += [str(c) for c in frame.columns]
            out += [str(x) for x in frame.astype(object).where(frame.notna(), "").values.ravel()]
            continue
        if kind == "plotly_chart":
            _chart_strings(node.proto.spec, out)
            continue
        if kind in SKIPPED or getattr(node, "proto", None) is None:
            continue
        _strings(MessageToDict(node.proto), out)
    return out


def problems(texts: list[str]) -> list[str]:
    bad = []
    for t in texts:
        for rx in (SNAKE, ENGLISH, SIZE, LOWER_PERIOD):
            if m := rx.search(t):
                bad.append(f"{m.group(0)!r} in {t[:120]!r}")
        words = set(re.findall(r"[A-Za-z0-9_]+", t))
        if words & RAW:
            bad.append(f"{sorted(words & RAW)} in {t[:120]!r}")
    return bad


def test_the_scan_finds_what_it_looks_for():
    assert problems(["on_time_rate", "Giá trị None", "Upload", "200MB per file", "163.7KB",
                     "trong quý iv/2026", "pending_overdue", "resolved"]) == [
        "'on_time_rate' in 'on_time_rate'", "['on_time_rate'] in 'on_time_rate'",
        "'None' in 'Giá trị None'", "'Upload' in 'Upload'", "'per file' in '200MB per file'",
        "'200MB' in '200MB per file'", "'163.7KB' in '163.7KB'",
        "'quý iv' in 'trong quý iv/2026'", "'pending_overdue' in 'pending_overdue'",
        "['pending_overdue'] in 'pending_overdue'", "['resolved'] in 'resolved'"]
    assert problems(["Quý IV/2026", "trong quý IV/2026", "1.295 dòng", "163,7 KB",
                     "Theo Bộ chỉ số 766", "chua-dat_dung-han_thang-3-2026.xlsx"]) == []


def test_every_page_speaks_vietnamese(fixture_url):
    tracker.set_status(kdb.get_engine(fixture_url), UNIT, 2026, "I.1-01", "Đang thực hiện", "An")
    at = app()
    seen = {}
    for p in nav.PAGES:
        at.switch_page(p.file).run()
        assert not at.exception, p.file
        texts = shown(at)
        assert len(texts) > 10, p.file
        seen[p.url_path] = problems(texts)
    assert seen == {p.url_path: [] for p in nav.PAGES}


@pytest.mark.parametrize("key", ["on_time_rate", "satisfaction_rate", "online_payment_rate",
                                 "full_online_procedure_rate", "feedback_on_time_rate"])
def test_the_detail_page_speaks_vietnamese_for_every_kind_of_kpi(fixture_url, key):
    at = app("pages/chi-tiet.py")
    at.selectbox(key="detail_kpi").set_value(key).run()
    assert not at.exception
    assert problems(shown(at)) == []


def test_a_quarter_in_a_sentence_keeps_its_numeral(fixture_url):
    at = app()
    at.selectbox(key="period_type").set_value("quarter").run()
    texts = shown(at)
    assert any("trong quý I/2026 · so sánh với quý IV/2025" in t for t in texts), texts[:20]
    assert problems(texts) == []


def test_the_shortfall_excel_has_vietnamese_headers_and_cells(fixture_url):
    engine = kdb.get_engine(fixture_url)
    for key in ("on_time_rate", "digitization_rate", "online_payment_rate"):
        data = DB.shortfall_xlsx(engine, UNIT, "2026-03", key, today=dt.date(2026, 4, 15))
        wb = load_workbook(io.BytesIO(data))
        cells = [str(c) for ws in wb for row in ws.values for c in row if c is not None
                 and not isinstance(c, (int, float, dt.datetime))]
        assert cells and problems(cells) == [], key
        name = DB.shortfall_file_name(key, "2026-03")
        assert key not in name and name.startswith("chua-dat_")


def test_the_plan_workbook_has_vietnamese_headers_and_name(fixture_url):
    from kpi.plan import exchange

    engine = kdb.get_engine(fixture_url)
    tracker.set_status(engine, UNIT, 2026, "I.1-01", "Đang thực hiện", "An")
    wb = load_workbook(io.BytesIO(exchange.export_excel(engine, UNIT, 2026)))
    cells = [str(c) for ws in wb for row in ws.values for c in row if isinstance(c, str)]
    assert len(cells) > 100 and problems(cells) == []
    assert exchange.excel_file_name(UNIT, 2026) == "theo-doi-ke-hoach-2026-xa-loc-tan.xlsx"


def _workbook_strings(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [str(c) for ws in wb for row in ws.values for c in row if isinstance(c, str)]


def test_every_report_workbook_speaks_vietnamese(fixture_url):
    """The snapshot's Excel, Biểu số 06 and the work list's Excel: no code key in any cell."""
    from kpi import worklist
    from kpi.periods import parse_period
    from kpi.report import render_bytes
    from kpi.report import bieu06
    from kpi.report.assemble import report_input

    engine = kdb.get_engine(fixture_url)
    period = parse_period("2026-03")
    data, extras = report_input(engine, UNIT, period, None)
    snapshot_cells = _workbook_strings(render_bytes("xlsx", data, extras))
    assert len(snapshot_cells) > 50 and problems(snapshot_cells) == []
    buf = io.BytesIO()
    bieu06.write_xlsx(bieu06.compute(engine, UNIT, period, today=dt.date(2026, 4, 15)), buf)
    bieu_cells = _workbook_strings(buf.getvalue())
    assert len(bieu_cells) > 10 and problems(bieu_cells) == []
    wl = worklist.work_list(engine, UNIT, today=dt.date(2026, 4, 15))
    work_cells = _workbook_strings(worklist.to_xlsx(wl))
    assert len(work_cells) > 10 and problems(work_cells) == []
