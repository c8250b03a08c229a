"""Demo data (ingest.demo): determinism, realistic shapes, file layout, the committed files,
and --load-if-empty."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
from collections import Counter

import openpyxl
import pytest
import sqlalchemy as sa

from ingest import demo
from kpi import config
from kpi import db as kdb
from kpi.schema import batches, dossiers, units

END = dt.date(2026, 11, 27)  # the end the committed files were generated with
COMMITTED = config.DATA_DIR / "demo"
CODE_RE = re.compile(r"^000\.00\.19\.H36-(\d{6})-(\d{4})$")
TEXT_DT_RE = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


def _fingerprint(ds: list[demo.Dossier], as_of: dt.date) -> list[tuple]:
    out = []
    for d in ds:
        st = d.state(as_of)
        out.append((d.code, d.procedure.code, d.channel, d.submitted_at, d.received_at, st.status,
                    st.due_at, st.finished_at, st.returned_at, st.supplement_count, st.e_result,
                    d.digitized, d.reused, d.fee, d.paid_online, d.officer, d.owner, d.phone))
    return out


@pytest.fixture(scope="module")
def full() -> list[demo.Dossier]:
    return demo.generate(demo.DEFAULT_SEED, END)


@pytest.fixture(scope="module")
def figures(full) -> dict[str, dict]:
    return {f["month"]: f for f in demo.month_figures(full, END)}


# ---------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------
def test_same_seed_same_rows_other_seed_other_rows():
    end = dt.date(2025, 2, 28)
    a = demo.generate(2026, end)
    b = demo.generate(2026, end)
    c = demo.generate(7, end)
    assert len(a) > 800
    assert _fingerprint(a, end) == _fingerprint(b, end)
    assert _fingerprint(a, end) != _fingerprint(c, end)


def test_a_day_is_the_same_whatever_the_range():
    feb = demo.generate(2026, dt.date(2025, 2, 28), start=dt.date(2025, 2, 1))
    q1 = demo.generate(2026, dt.date(2025, 3, 31))
    q1_feb = [d for d in q1 if d.received_at.month == 2]
    assert _fingerprint(feb, dt.date(2025, 3, 31)) == _fingerprint(q1_feb, dt.date(2025, 3, 31))


def test_written_month_is_byte_identical_and_equals_the_committed_file(tmp_path):
    end = dt.date(2025, 3, 31)
    rows = demo.month_files(demo.generate(2026, end), end)[-1]
    first, as_of, ds = rows
    assert (first, as_of) == (dt.date(2025, 3, 1), end)
    one = demo.write_dossier_month(tmp_path / "a.xlsx", first, as_of, ds).read_bytes()
    two = demo.write_dossier_month(tmp_path / "b.xlsx", first, as_of, ds).read_bytes()
    assert one == two
    assert one == (COMMITTED / "ho-so-2025-03.xlsx").read_bytes()


# ---------------------------------------------------------------------------------------
# Invariants of every row
# ---------------------------------------------------------------------------------------
def test_rows_are_consistent_and_nothing_happens_after_end():
    end = dt.date(2026, 11, 18)  # mid-month: the current month's file stops here
    ds = demo.generate(2026, end, start=dt.date(2026, 9, 1))
    codes = [d.code for d in ds]
    assert len(codes) == len(set(codes))
    for d in ds:
        m = CODE_RE.match(d.code)
        assert m and m.group(1) == d.received_at.strftime("%y%m%d")
        assert d.submitted_at <= d.received_at
    files = demo.month_files(ds, end)
    assert [(f, a) for f, a, _ in files][-1] == (dt.date(2026, 11, 1), end)
    for first, as_of, rows in files:
        for d in rows:
            st = d.state(as_of)
            events = [d.submitted_at, d.received_at, st.finished_at, st.returned_at]
            assert all(e.date() <= as_of <= end for e in events if e is not None)
            if st.status == 3:
                assert st.due_at is None
                continue
            assert st.due_at.date() >= d.received_at.date()
            if st.finished_at:
                assert st.finished_at >= d.received_at
            if st.returned_at:
                assert st.status == 10 and st.returned_at >= st.finished_at
            if st.status in demo.PENDING:
                assert st.finished_at is None and st.returned_at is None


def test_working_day_due_dates():
    from kpi.calendar import add_working_days, is_working_day

    ds = demo.generate(2026, dt.date(2026, 2, 28), start=dt.date(2026, 2, 1))  # Tết 16–20/2
    checked = 0
    for d in ds:
        assert is_working_day(d.received_at.date())
        if d.outcome == "refused" or d.supplements:
            continue
        due = d.due_initial.date()
        assert is_working_day(due)
        if d.days:
            assert due == add_working_days(d.received_at.date(), d.days)
            checked += 1
    assert checked > 100
    assert not [d for d in ds if dt.date(2026, 2, 16) <= d.received_at.date() <= dt.date(2026, 2, 20)]


def test_carried_over_rows_converge_on_the_final_state(full):
    files = demo.month_files(full, END)
    last_seen: dict[str, tuple] = {}
    for first, as_of, rows in files:
        assert len({d.code for d in rows}) == len(rows)
        for d in rows:
            last_seen[d.code] = (as_of, d.state(as_of))
    for d in full:
        as_of, st = last_seen[d.code]
        assert st == d.state(END), d.code
    # Overlap exists: rows received before their file's month, with a newer status.
    carried = sum(1 for first, _, rows in files for d in rows if d.received_at.date() < first)
    assert carried > 1000


# ---------------------------------------------------------------------------------------
# Shapes of the dynamics (shares computed from the generated rows)
# ---------------------------------------------------------------------------------------
def test_monthly_volumes_and_tet(figures):
    counts = {m: f["received"] for m, f in figures.items()}
    full_months = [m for m in counts if m != "2026-11"]
    assert all(300 <= counts[m] <= 1600 for m in full_months), counts
    assert statistics.mean(counts[m] for m in ["2025-01", "2025-02", "2025-03"]) < 700
    assert min(counts[m] for m in ["2025-07", "2025-08", "2025-09"]) > 900  # post-merger step
    assert counts["2026-02"] < 0.75 * counts["2026-01"]  # Tết month
    assert counts["2026-02"] < counts["2026-03"]
    assert counts["2026-01"] > statistics.mean(counts[m] for m in ["2026-03", "2026-04", "2026-05"])


def test_rates_rise_over_the_period(figures):
    first = [figures[m] for m in ["2025-01", "2025-02", "2025-03"]]
    last = [figures[m] for m in ["2026-09", "2026-10", "2026-11"]]
    mean = lambda rows, k: statistics.mean(r[k] for r in rows)  # noqa: E731
    assert 0.30 <= mean(first, "online") <= 0.42
    assert 0.60 <= mean(last, "online") <= 0.72
    assert 0.48 <= mean(first, "digitized") <= 0.62
    assert 0.78 <= mean(last, "digitized") <= 0.90
    assert mean(first, "paid_online") < 0.40 < 0.70 < mean(last, "paid_online")


def test_late_shares_and_the_backlog_month(figures):
    lates = {m: f["late"] for m, f in figures.items()}
    assert 0.008 <= statistics.median(lates.values()) <= 0.025
    worst = max(lates, key=lates.get)
    assert worst == "2025-08" and 0.05 <= lates[worst] <= 0.08
    assert sum(1 for v in lates.values() if v > 0.03) == 1
    assert sum(f["pending_overdue"] for f in figures.values()) > 20


def test_status_mix(full):
    st = Counter(d.state(END).status for d in full)
    n = len(full)
    assert 0.003 <= st[7] / n <= 0.008  # withdrawn
    assert 5 <= st[8] <= 60  # a few stopped
    assert 0 < st[3] / n < 0.01  # refused at intake (online)
    sups = Counter(len(d.supplements) for d in full)
    assert 0.02 < sum(v for k, v in sups.items() if k) / n < 0.05
    assert sups[2] + sups[3] > 30
    # Month-end snapshots show supplement requests and financial obligations pending.
    month_end = Counter(d.state(a).status for _, a, rows in demo.month_files(full, END) for d in rows)
    assert month_end[5] > 30 and month_end[6] > 50 and month_end[2] > 50 and month_end[9] > 300


def test_ratings_sample_and_satisfaction(full):
    ratings = demo.ratings_of(full, demo.DEFAULT_SEED, END)
    returned = sum(1 for d in full if d.state(END).status == 10)
    assert 0.20 <= len(ratings) / returned <= 0.30
    labels = Counter(r[2] for r in ratings)
    satisfied = (labels["Rất hài lòng"] + labels["Hài lòng"]) / len(ratings)
    assert 0.95 <= satisfied <= 0.97
    assert all(r[1].date() <= END and r[1] >= r[0].returned_at for r in ratings)
    assert len({r[0].code for r in ratings}) == len(ratings)


def test_feedback_mostly_on_time(full):
    for year, expected in [(2025, 36), (2026, 32)]:
        rows = demo.feedback_of(full, demo.DEFAULT_SEED, year, END)
        assert len(rows) == expected
        late = [r for r in rows if r["Ngày hoàn thành"] and r["Ngày hoàn thành"].date() > r["Hạn xử lý"].date()]
        assert 1 <= len(late) <= 2
        assert 0.3 <= sum(1 for r in rows if r["Mã hồ sơ"]) / len(rows) <= 0.7
        assert all(r["Ngày tiếp nhận"].date() <= END for r in rows)


def test_catalogue_rates():
    procs = demo.PROCEDURES
    assert 100 <= len(procs) <= 120
    eligible = [p for p in procs if p.eligible]
    fee = [p for p in procs if p.has_fee]
    assert all(p.eligible for p in procs if p.full_online)
    assert 0.82 <= sum(p.full_online for p in eligible) / len(eligible) <= 0.88
    assert 0.70 <= sum(p.online_payment for p in fee) / len(fee) <= 0.80
    assert 0.64 <= sum(p.boundary_free for p in procs) / len(procs) <= 0.72
    durations = {p.code: p.nominal_days for p in procs}
    assert durations["1.001193"] == 0 and durations["2.000815"] == 0  # same day
    assert durations["1.004873"] == 3 and durations["2.001035"] == 2 and durations["1.001612"] == 3
    assert durations["1.013225"] == 15 and 10 <= durations["1.012753"] <= 30


# ---------------------------------------------------------------------------------------
# The committed files
# ---------------------------------------------------------------------------------------
def test_committed_files_exist_for_each_month():
    names = demo.demo_file_names(END)
    months = [n for n in names if n.startswith("ho-so-")]
    assert months[0] == "ho-so-2025-01.xlsx" and months[-1] == "ho-so-2026-11.xlsx" and len(months) == 23
    present = sorted(p.name for p in COMMITTED.glob("*.xlsx"))
    assert present == sorted(names)
    assert [p.name for p in demo.demo_files(COMMITTED)] == names
    assert sum(p.stat().st_size for p in COMMITTED.iterdir()) < 6_000_000


def _sheet_rows(name: str):
    wb = openpyxl.load_workbook(COMMITTED / name)
    assert wb.sheetnames[1] == "Hướng dẫn"
    return wb, list(wb.worksheets[0].iter_rows(values_only=True))


def test_dossier_file_layout():
    wb, rows = _sheet_rows("ho-so-2026-03.xlsx")
    ws = wb.worksheets[0]
    assert rows[0][0] == "UBND XÃ LỘC TÂN" and rows[0][9] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert rows[1][0] == "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" and rows[1][9] == "Độc lập - Tự do - Hạnh phúc"
    assert rows[3][0] == "DANH SÁCH HỒ SƠ"
    assert rows[4][0] == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    top, sub = rows[6], rows[7]
    assert top[11] == "Thời gian" and sub[11:15] == ("Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", "Ngày trả kết quả")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"L7:O7", "A7:A8", "B7:B8", "P7:P8"} <= merged
    headers = [s or t for t, s in zip(top, sub)]
    for h in ["STT", "Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Đơn vị tiếp nhận", "Ngày nộp",
              "Trạng thái", "Kênh thực hiện", "Mức độ", "Số lần bổ sung", "Lệ phí", "Thanh toán trực tuyến",
              "Người tiếp nhận", "Chủ hồ sơ", "Số điện thoại"]:
        assert h in headers
    assert list(rows[8]) == [f"({i})" for i in range(1, 24)]
    footer = next(i for i, r in enumerate(rows) if r[0] == "Tổng cộng")
    data = rows[9:footer]
    assert rows[footer][3] == f"{len(data):,} hồ sơ".replace(",", ".")
    assert [r[0] for r in data] == list(range(1, len(data) + 1))
    assert any(r and r[0] == "Người lập biểu" for r in rows[footer:])
    col = {h: i for i, h in enumerate(headers)}
    statuses = {r[col["Trạng thái"]] for r in data}
    assert statuses <= set(demo.STATUS_NAMES.values()) and "Đã trả kết quả" in statuses
    assert all(isinstance(r[col["Ngày tiếp nhận"]], dt.datetime) for r in data)
    assert all(re.fullmatch(r"0\d{2}\*{4}\d{3}", r[col["Số điện thoại"]]) for r in data)
    # Carried-over rows from February with their March status.
    assert any(r[col["Ngày tiếp nhận"]] < dt.datetime(2026, 3, 1) for r in data)


def test_text_date_month_and_current_month():
    _, rows = _sheet_rows("ho-so-2025-04.xlsx")
    footer = next(i for i, r in enumerate(rows) if r[0] == "Tổng cộng")
    data = rows[9:footer]
    assert all(TEXT_DT_RE.match(r[11]) for r in data)
    assert {r[17] for r in data} <= {"x", None}
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", r[20]) for r in data)

    _, rows = _sheet_rows("ho-so-2026-11.xlsx")
    assert rows[4][0] == "Từ ngày 01/11/2026 đến ngày 27/11/2026"
    footer = next(i for i, r in enumerate(rows) if r[0] == "Tổng cộng")
    events = [v for r in rows[9:footer] for v in (r[10], r[11], r[13], r[14]) if v is not None]
    assert max(events).date() == END


def test_summary_file_adds_up(full):
    _, rows = _sheet_rows("bieu-06-quy-IV-2024.xlsx")
    assert any(r[0] == "Biểu số 06/VPCP/KSTT" for r in rows)
    colnum = next(i for i, r in enumerate(rows) if r[0] == "(1)")
    assert list(rows[colnum]) == [f"({i})" for i in range(1, 14)]
    footer = next(i for i, r in enumerate(rows) if r[0] == "Tổng cộng")
    body = rows[colnum + 1:footer]
    assert len(body) >= 8
    for r in body:
        n = list(r[2:13])
        assert n[0] == n[1] + n[2] + n[3] == n[4] + n[8]
        assert n[4] == n[5] + n[6] + n[7] and n[8] == n[9] + n[10]
    assert list(rows[footer][2:13]) == [sum(r[k] for r in body) for k in range(2, 13)]
    sim = demo.generate(demo.DEFAULT_SEED, dt.date(2024, 12, 31), start=demo.SIM_START)
    counts = demo.summary_counts(sim, *demo.SUMMARY_PERIOD)
    assert {r[1]: list(r[2:13]) for r in body} == counts


def test_other_files_headers():
    _, rows = _sheet_rows("danh-muc-tthc.xlsx")
    head = rows[6]  # a one-row header, then the column numbers
    assert rows[7][0] == "(1)"
    assert head[:12] == ("STT", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVC",
                         "Đủ điều kiện toàn trình", "Có phí, lệ phí", "Thanh toán trực tuyến",
                         "Không phụ thuộc địa giới hành chính", "Yêu cầu trả kết quả giấy", "Thời hạn giải quyết")
    body = [r for r in rows[8:] if isinstance(r[0], int)]
    assert len(body) == len(demo.PROCEDURES)
    assert {r[5] for r in body} == {"Toàn trình", "Một phần"}
    _, rows = _sheet_rows("danh-gia-hai-long-2025.xlsx")
    assert rows[6][:4] == ("STT", "Mã hồ sơ", "Ngày đánh giá", "Mức độ hài lòng")
    _, rows = _sheet_rows("pakn-2026.xlsx")
    assert rows[6][:8] == ("STT", "Mã PAKN", "Mã hồ sơ", "Nội dung phản ánh, kiến nghị", "Ngày tiếp nhận",
                           "Hạn xử lý", "Ngày hoàn thành", "Trạng thái")


# ---------------------------------------------------------------------------------------
# Command line and --load-if-empty
# ---------------------------------------------------------------------------------------
def test_cli_write_small_range(tmp_path, capsys):
    out = tmp_path / "demo"
    (out).mkdir()
    (out / "ho-so-2030-01.xlsx").write_bytes(b"stale")  # a demo file of another range
    (out / "ghi-chu.xlsx").write_bytes(b"not ours")
    assert demo.main(["--write", str(out), "--end", "2025-02-10"]) == 0
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == sorted(demo.demo_file_names(dt.date(2025, 2, 10)) + ["ghi-chu.xlsx"])
    text = capsys.readouterr().out
    assert "2025-02" in text and "Trực tuyến" in text
    with pytest.raises(SystemExit) as exc:
        demo.main([])
    assert exc.value.code == 2


def _messages():
    lines: list[str] = []
    return lines, lines.append


def test_load_if_empty_skips_when_there_are_dossiers(db_url):
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, "Xã Khác")
        conn.execute(sa.insert(dossiers).values(unit_id=uid, dossier_code="X-1", batch_id=0, created_batch_id=0))
    lines, log = _messages()
    assert demo.load_if_empty(db_url, "Xã Lộc Tân", log=log) == 0
    assert lines == ["Đã có dữ liệu, bỏ qua nạp dữ liệu mẫu."]
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == 1


def test_load_if_empty_without_the_loader(duck_url, monkeypatch):
    monkeypatch.setitem(sys.modules, "ingest.load", None)
    lines, log = _messages()
    assert demo.load_if_empty(duck_url, None, log=log) == 1
    assert len(lines) == 1 and lines[0].startswith("Chưa có mô-đun nạp dữ liệu (ingest/load.py")
    with kdb.connect(kdb.get_engine(duck_url)) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == 0


def test_load_if_empty_without_files(duck_url, tmp_path):
    lines, log = _messages()
    assert demo.load_if_empty(duck_url, None, demo_dir=tmp_path, log=log) == 1
    assert "python -m ingest.demo --write data/demo" in lines[0]


def test_load_if_empty_loads_every_file(db_url, tmp_path):
    end = dt.date(2025, 2, 10)
    demo.write_demo(tmp_path, end=end, log=lambda _: None)
    expected = demo.generate(demo.DEFAULT_SEED, end)
    lines, log = _messages()
    assert demo.load_if_empty(db_url, "Xã Lộc Tân", demo_dir=tmp_path, log=log) == 0
    n = len(demo.demo_files(tmp_path))
    assert lines == [f"Cơ sở dữ liệu trống: đã nạp dữ liệu mẫu của Xã Lộc Tân từ {n}/{n} tệp "
                     f"({len(expected):,} hồ sơ).".replace(",", ".")]
    engine = kdb.get_engine(db_url)
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(units.c.name)).scalars().all() == ["Xã Lộc Tân"]
        assert conn.execute(sa.select(batches.c.uploaded_by).distinct()).scalars().all() == ["demo"]
        got = dict(conn.execute(sa.select(dossiers.c.dossier_code, dossiers.c.status)).all())
    assert got == {d.code: d.state(end).status for d in expected}
    lines.clear()
    assert demo.load_if_empty(db_url, "Xã Lộc Tân", demo_dir=tmp_path, log=log) == 0
    assert lines == ["Đã có dữ liệu, bỏ qua nạp dữ liệu mẫu."]
