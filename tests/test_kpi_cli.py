"""``python -m kpi snapshot`` through a subprocess: JSON shape, exit codes, messages."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from kpi.commands import snapshot as cli
from kpi import definitions as D
from kpi import schema as S
from kpi.db import connect, get_engine
from tests.fixtures import insert, make_unit, ts

ROOT = Path(__file__).resolve().parent.parent
UNIT = "Xã Lộc Tân"


def run(*args, env=None):
    e = {**os.environ, "CCHC_TODAY": "2026-04-02", "PYTHONPATH": str(ROOT)}
    e.pop("CCHC_DB_URL", None)
    e.pop("CCHC_UNIT", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=ROOT, env=e,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def _fill(url):
    engine = get_engine(url)
    uid = make_unit(engine, UNIT)
    insert(engine, S.dossiers, uid, [
        dict(dossier_code="A", status=10, received_at=ts("2026-03-02 08:00"),
             due_at=ts("2026-03-10"), finished_at=ts("2026-03-05"), channel=2),
        dict(dossier_code="B", status=4, received_at=ts("2026-03-03 08:00"),
             due_at=ts("2026-03-20"), channel=1),
        dict(dossier_code="W", status=7, received_at=ts("2026-03-04 08:00"), channel=1),
    ])
    with connect(engine, write=True) as conn:
        for kind, at, status in (("dossiers", "2026-04-02 08:15:00", "loaded"),
                                 ("dossiers", "2026-04-03 09:00:00", "undone")):
            conn.execute(sa.insert(S.batches).values(
                unit_id=uid, kind=kind, file_name="hs.xlsx", sha256="x", status=status,
                uploaded_at=dt.datetime.fromisoformat(at), covers_from=dt.date(2026, 3, 1),
                as_of=dt.date(2026, 3, 31) if status == "loaded" else dt.date(2026, 4, 3)))


def test_snapshot_json_exact_shape(db_url):
    _fill(db_url)
    r = run("snapshot", "--db", db_url, "--unit", UNIT, "--period", "2026-03")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert list(data) == ["unit", "period", "as_of", "definitions", "kpis", "counts",
                          "data_through", "coverage"]
    # The loaded export runs 01/03–31/03 (the undone one, to 03/04, does not count).
    assert data["data_through"] == "2026-03-31"
    assert data["coverage"] == {"status": "complete", "missing": []}
    assert data["unit"] == UNIT
    assert data["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert data["as_of"] == "2026-04-02T08:15:00+07:00"  # the undone batch is not used
    assert data["definitions"] == {"on_time": "766", "satisfaction": "766"}
    assert [k["key"] for k in data["kpis"]] == D.KPI_KEYS
    for k in data["kpis"]:
        assert list(k) == ["key", "value", "numerator", "denominator", "target", "met"]
    on_time = data["kpis"][0]
    # A early; B pending overdue at 31/03 (due 20/03); W withdrawn.
    assert on_time == {"key": "on_time_rate", "value": 0.5, "numerator": 1, "denominator": 2,
                       "target": 0.98, "met": False}
    digit = next(k for k in data["kpis"] if k["key"] == "data_reuse_rate")
    assert digit == {"key": "data_reuse_rate", "value": None, "numerator": 0, "denominator": 0,
                     "target": 0.8, "met": None}
    assert data["counts"] == {"received": 3, "resolved": 1, "pending": 1, "pending_overdue": 1,
                              "withdrawn": 1, "unverifiable": 0}
    r2 = run("snapshot", "--db", db_url, "--period", "2026-03", "--on-time-definition",
             "resolved", "--satisfaction-definition", "ratings", env={"CCHC_UNIT": UNIT})
    assert r2.returncode == 0, r2.stderr
    d2 = json.loads(r2.stdout)
    assert d2["definitions"] == {"on_time": "resolved", "satisfaction": "ratings"}
    assert d2["kpis"][0]["numerator"] == 1 and d2["kpis"][0]["denominator"] == 1


def test_exit_1_messages(duck_url, tmp_path):
    _fill(duck_url)
    r = run("snapshot", "--db", duck_url, "--unit", UNIT, "--period", "2026-13")
    assert r.returncode == 1 and "Tháng không hợp lệ" in r.stderr and r.stdout == ""
    r = run("snapshot", "--db", duck_url, "--unit", "Xã Không Có", "--period", "2026-03")
    assert r.returncode == 1 and "Không tìm thấy đơn vị" in r.stderr
    missing = tmp_path / "khong-co.duckdb"
    r = run("snapshot", "--db", f"duckdb:///{missing}", "--unit", UNIT, "--period", "2026-03")
    assert r.returncode == 1 and "Không tìm thấy tệp cơ sở dữ liệu" in r.stderr
    assert not missing.exists()
    r = run("snapshot", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/none", "--unit",
            UNIT, "--period", "2026-03")
    assert r.returncode == 1 and "Không kết nối được cơ sở dữ liệu" in r.stderr
    assert "Traceback" not in r.stderr


def test_exit_2_wrong_arguments(duck_url):
    for args in (["snapshot", "--db", duck_url, "--unit", UNIT],  # no --period
                 ["snapshot", "--period", "2026-03", "--on-time-definition", "x"],
                 ["snapshot", "--period", "2026-03", "--bogus"],
                 ["snapshot", "--period", "2026-03", "--format", "pdf"],  # no --out
                 []):
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "cách dùng" in r.stderr and "lỗi" in r.stderr


def test_pdf_through_report_module(duck_url, tmp_path):
    _fill(duck_url)
    out = tmp_path / "bao-cao.pdf"
    r = run("snapshot", "--db", duck_url, "--unit", UNIT, "--period", "2026-03", "--format",
            "pdf", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:5] == b"%PDF-"


def test_without_report_module(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "kpi.report", None)  # import fails
    assert cli.render_file("docx", {}, str(tmp_path / "x.docx"), {}) == 1
    assert "kpi.report" in capsys.readouterr().err
