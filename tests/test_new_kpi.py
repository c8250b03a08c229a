"""Issue 9, "done when": a new ratio KPI of a 2027 plan is a declaration, a target line in
data/targets/2027.toml and a test — and it shows in the snapshot JSON, on the overview and the
detail pages and in the PDF, DOCX and XLSX reports without any other file changing.

Here the declaration is added to ``kpi.definitions.KPIS`` for the test only (a real one is a
``Kpi(...)`` appended to that list) and the 2027 targets file lives in a temporary folder.
A choice between variants is a declaration too: a KPI with two variants gets its command-line
flag, its sidebar radio and its place in the JSON's "definitions".
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from kpi import __main__ as cli
from kpi import db as kdb
from kpi import definitions as D
from kpi import queries as Q
from kpi import targets as T
from kpi.report import build, render_bytes
from kpi.report.assemble import report_input
from kpi.schema import batches, dossiers
from tests.fixtures import UNIT, _dossier, app, build_fixture, texts

KEY = "postal_submission_rate"
LABEL = "Tỷ lệ hồ sơ tiếp nhận qua dịch vụ bưu chính công ích"
TODAY = "2027-02-10"

POSTAL = D.Kpi(
    KEY,
    LABEL,
    "II.3.5",
    short_label="Qua BCCI",
    variants={
        "default": D.Ratio(
            "dossiers",
            denominator=D.all_(D.true("received_in_period"), D.true("accepted")),
            numerator=D.eq("channel", 3),
            requires=(D.Need("status"), D.Need("channel")),
            formula="Hồ sơ tiếp nhận qua bưu chính công ích trong kỳ / tổng số hồ sơ tiếp nhận "
            "trong kỳ",
            numerator_label="Hồ sơ tiếp nhận qua bưu chính công ích",
            denominator_label="Hồ sơ tiếp nhận trong kỳ",
        )
    },
)

TARGETS_2027 = f"""
year = 2027
plan = "Kế hoạch cải cách hành chính năm 2027"

[targets.{KEY}]
value = 0.20
text = "Tối thiểu 20% hồ sơ thủ tục hành chính được tiếp nhận qua dịch vụ bưu chính công ích."
"""


def declare(monkeypatch, *kpis: D.Kpi) -> None:
    """What appending ``kpis`` to KPIS in kpi/definitions.py does, for this test only."""
    every = [*D.KPIS, *kpis]
    D.check_declarations(every)
    monkeypatch.setattr(D, "KPIS", every)
    monkeypatch.setattr(D, "KPI_BY_KEY", {k.key: k for k in every})
    monkeypatch.setattr(D, "KPI_KEYS", [k.key for k in every])
    monkeypatch.setattr(D, "HEADLINE_KEYS", [k.key for k in every if k.headline])


@pytest.fixture
def plan_2027(tmp_path, monkeypatch):
    """The new KPI declared, a 2027 targets file (the 2026 one kept), and a database whose
    January 2027 holds 40 accepted dossiers, all finished early: 10 by post (channel 3), 20
    online, 10 at the desk — so the new KPI is 10/40 = 25,0% against ≥ 20%. One more dossier,
    received at the desk in December 2026 and due on 11/01/2027, is still pending: overdue in
    January, and December's value of the new KPI is 0/1."""
    declare(monkeypatch, POSTAL)
    targets = tmp_path / "targets"
    targets.mkdir()
    shutil.copy(T.TARGETS_DIR / "2026.toml", targets / "2026.toml")
    (targets / "2027.toml").write_text(TARGETS_2027, encoding="utf-8")
    monkeypatch.setattr(T, "TARGETS_DIR", targets)

    url = f"duckdb:///{tmp_path / 'plan2027.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", UNIT)
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    kdb.get_engine.cache_clear()
    engine = build_fixture(url)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.find_unit(conn, UNIT)
        bid = conn.execute(sa.insert(batches).values(
            unit_id=uid, kind="dossiers", file_name="ho-so-2027-01.xlsx", sha256="2027",
            as_of=dt.date(2027, 2, 1), uploaded_at=dt.datetime(2027, 2, 2, 8, 0),
            status="loaded").returning(batches.c.id)).scalar_one()
        conn.execute(sa.insert(dossiers), [
            _dossier(uid, bid, f"HS-2701-{i:04d}", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                     dt.datetime(2027, 1, 4, 8, 0) + dt.timedelta(days=i % 20), False,
                     channel=3 if i < 10 else (2 if i < 30 else 1), as_of=dt.date(2027, 2, 1))
            for i in range(40)
        ] + [_dossier(uid, bid, "HS-2612-0001", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                      dt.datetime(2026, 12, 21, 9, 0), False, status=4,
                      due_at=dt.datetime(2027, 1, 11), finished_at=None, returned_at=None,
                      as_of=dt.date(2027, 2, 1))])
    yield engine
    kdb.get_engine.cache_clear()


def test_the_snapshot_json_carries_the_new_kpi(plan_2027, capsys):
    assert T.target_for(KEY, 2027).section == "II.3.5"  # the declaration's section
    data = Q.snapshot(plan_2027, UNIT, "2027-01").to_json()
    assert [k["key"] for k in data["kpis"]] == D.KPI_KEYS
    assert data["kpis"][-1] == {"key": KEY, "value": 0.25, "numerator": 10, "denominator": 40,
                                "target": 0.2, "met": True}
    # The command line prints the same entry.
    assert cli.main(["snapshot", "--period", "2027-01"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["kpis"][-1] == data["kpis"][-1]
    # 2026 has no such target: value without a verdict.
    march = Q.snapshot(plan_2027, UNIT, "2026-03").kpi(KEY)
    assert (march.numerator, march.denominator, march.target, march.met) == (0, 200, None, None)


def test_the_overview_lists_it_among_the_other_targets(plan_2027):
    at = app()
    assert at.selectbox(key="period_month").value == "2027-01"
    md = texts(at.markdown)
    # md[0]: the year's sentence (the 2027 plan sets none of the five headline targets).
    assert md[0].startswith("**Kế hoạch năm 2027 chưa đặt chỉ tiêu chính nào")
    assert md[1].startswith("**Đạt ") and "/12 chỉ tiêu**" in md[1]
    _status, table = [d.value for d in at.dataframe]
    assert table.values.tolist()[-1] == [LABEL, "II.3.5", "≥ 20%", "25,0%", "10/40", "✅ Đạt",
                                         "+25,0 điểm %"]
    assert (f"**{LABEL}** (II.3.5): Hồ sơ tiếp nhận qua bưu chính công ích trong kỳ / tổng số "
            "hồ sơ tiếp nhận trong kỳ = 10 / 40 = 25,0%") in md


def test_the_detail_page_shows_it_in_depth(plan_2027):
    at = app("pages/chi-tiet.py")
    at.selectbox(key="detail_kpi").set_value(KEY).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kết quả"] == "25,0%"
    assert metrics["Chỉ tiêu kế hoạch"] == "≥ 20%"
    assert metrics["Tử số / mẫu số (hồ sơ)"] == "10/40"
    assert f":green[✅ **Đạt**] · {LABEL} (II.3.5) · Tháng 1/2027" in texts(at.markdown)
    by_channel = [d.value for d in at.dataframe if "Tổng (hồ sơ)" in d.value.columns][2]
    assert by_channel[["Nhóm", "Tỷ lệ", "Tổng (hồ sơ)"]].values.tolist() == [
        ["Trực tuyến", "0,0%", "20"], ["Trực tiếp", "0,0%", "10"],
        ["Bưu chính công ích (BCCI)", "100,0%", "10"]]
    assert ("**30 hồ sơ** trong mẫu số nhưng không đạt (trang 1/1, bấm tiêu đề cột để sắp xếp)."
            in texts(at.markdown))


def test_every_report_file_carries_it(plan_2027):
    snapshot, extras = report_input(plan_2027, UNIT, "2027-01")
    assert snapshot["kpis"][-1]["key"] == KEY
    pdf = " ".join(" ".join(p.extract_text() for p in
                            PdfReader(io.BytesIO(render_bytes("pdf", snapshot, extras))).pages)
                   .split())
    assert f"12 {LABEL} II.3.5 ≥ 20% 25,0% 10/40 ✓ Đạt" in pdf
    doc = Document(io.BytesIO(render_bytes("docx", snapshot, extras)))
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    [row] = [r for r in rows if LABEL in r]
    assert row[:6] == ["12", LABEL, "II.3.5", "≥ 20%", "25,0%", "10/40"]
    wb = load_workbook(io.BytesIO(render_bytes("xlsx", snapshot, extras)))
    [line] = [r for r in wb["Chỉ tiêu"].values if LABEL in r]
    assert line[:8] == (12, LABEL, "II.3.5", 0.2, 0.25, 10, 40, "Đạt") and KEY not in line


SPEED = D.Kpi(
    "early_rate",
    "Tỷ lệ hồ sơ giải quyết trước hạn",
    "II.3.1",
    short_label="Trước hạn",
    choice="early",
    default="resolved",
    variants={
        "resolved": D.Ratio(
            "dossiers",
            denominator=D.isin("on_time_class", (D.EARLY, D.ON_TIME, D.LATE)),
            numerator=D.eq("on_time_class", D.EARLY),
            requires=(D.Need("status"),),
            formula="Trước hạn / (Trước hạn + Đúng hạn + Quá hạn)",
            numerator_label="Hồ sơ giải quyết trước hạn",
            denominator_label="Hồ sơ đã giải quyết trong kỳ",
            label="Trên số hồ sơ đã giải quyết",
            explanation="Trước hạn / số hồ sơ đã giải quyết.",
        ),
        "handled": D.Ratio(
            "dossiers",
            denominator=D.isin("on_time_class", D.CLASSES),
            numerator=D.eq("on_time_class", D.EARLY),
            requires=(D.Need("status"),),
            formula="Trước hạn / hồ sơ đã và đang giải quyết",
            numerator_label="Hồ sơ giải quyết trước hạn",
            denominator_label="Hồ sơ đã và đang giải quyết trong kỳ",
            label="Trên số hồ sơ đã và đang giải quyết",
            explanation="Trước hạn / số hồ sơ đã và đang giải quyết.",
        ),
    },
)


def test_a_third_choice_is_a_declaration(plan_2027, monkeypatch, capsys):
    declare(monkeypatch, SPEED)
    assert D.Choice().to_json() == {"on_time": "766", "satisfaction": "766", "early": "resolved"}
    # The command line: a flag named after the choice, with the variants and the default.
    assert cli.main(["snapshot", "--period", "2027-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["definitions"] == {"on_time": "766", "satisfaction": "766", "early": "resolved"}
    assert [(k["numerator"], k["denominator"]) for k in data["kpis"] if k["key"] == "early_rate"
            ] == [(40, 40)]
    assert cli.main(["snapshot", "--period", "2027-01", "--early-definition", "handled"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["definitions"]["early"] == "handled"
    assert [(k["numerator"], k["denominator"]) for k in data["kpis"] if k["key"] == "early_rate"
            ] == [(40, 41)]  # the December dossier, pending overdue, is being handled
    # The sidebar: a radio with the variants' labels; the caption names the one picked.
    at = app()
    radio = at.radio(key="early_def")
    assert radio.label == "Cách tính tỷ lệ hồ sơ giải quyết trước hạn"
    assert radio.options == ["Trên số hồ sơ đã giải quyết (mặc định)",
                             "Trên số hồ sơ đã và đang giải quyết"]
    radio.set_value("handled").run()
    assert at.caption[0].value.endswith(
        "· Đúng hạn theo Bộ chỉ số 766 · Hài lòng theo Bộ chỉ số 766 · Trước hạn trên số hồ sơ "
        "đã và đang giải quyết")
    # The report states the definition chosen.
    snapshot, extras = report_input(plan_2027, UNIT, "2027-01", D.Choice.of(early="handled"))
    assert snapshot["definitions"]["early"] == "handled"
    assert ("Tỷ lệ hồ sơ giải quyết trước hạn tính trên số hồ sơ đã và đang giải quyết: trước "
            "hạn / số hồ sơ đã và đang giải quyết.") in build(snapshot, extras).definition_lines
