"""Other vendors' variants of the layouts of exports.md (issue 13 item 4), made fresh by hand:
other header wording and order, extra title rows, column-number rows, footers, group labels
over short leaves, a date leaf "Ngày <event>" under a group that says nothing of dates, a
15-column summary with percentage and note columns, the portal's field names. Each is loaded
through the service and its stored values and KPIs checked, on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ingest import files, service
from ingest.headers import match_column
from kpi import db as kdb
from kpi import queries as Q
from kpi.schema import dossiers, summaries
from tests import layouts as LY
from tests.filemakers import csv_bytes, xlsx

UNIT = "Xã Lộc Tân"
TODAY = dt.date(2026, 4, 10)
D = dt.datetime
TITLE = [["ỦY BAN NHÂN DÂN XÃ LỘC TÂN"], ["BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"], [], ["DANH SÁCH HỒ SƠ ĐÃ TIẾP NHẬN"],
         ["Từ ngày 01/03/2026 đến ngày 31/03/2026"], []]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", TODAY.isoformat())


def stored(engine, *cols):
    with kdb.connect(engine) as conn:
        q = sa.select(*[dossiers.c[c] for c in cols]).order_by(dossiers.c.dossier_code)
        return [tuple(r) for r in conn.execute(q)]


def ratio(snap, key):
    k = snap.kpi(key)
    return (k.numerator, k.denominator) if k.value is not None else None


@pytest.mark.parametrize("shape", ["xlsx", "xls"])
def test_reordered_headers_title_numbers_row_footer(engine, tmp_path, shape):
    rows = TITLE + [
        ["STT", "Số hồ sơ", "Tên TTHC", "Hình thức nộp", "Tình trạng xử lý", "Ngày nhận", "Hạn xử lý",
         "Ngày có kết quả", "Chủ hồ sơ"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
        [1, "H1", "Đăng ký khai sinh", "Nộp trực tuyến", "Đã trả kết quả", "02/03/2026", "05/03/2026", "04/03/2026",
         "Nguyễn Văn A"],
        [2, "H2", "Chứng thực", "Trực tiếp", "Đang xử lý", "03/03/2026", "06/03/2026", None, "Trần Thị B"],
        [3, "H3", "Chứng thực", "BCCI", "Đã trả kết quả", "04/03/2026", "05/03/2026", "09/03/2026", "Lê C"],
        ["Tổng cộng: 3 hồ sơ"], [], [None, "Người lập biểu", None, None, None, "Lãnh đạo đơn vị"]]
    r = service.load(engine, LY.write(shape, tmp_path / "ds", rows, []), unit=UNIT)
    assert (r.rows_read, r.inserted, r.rejected) == (3, 3, 0)
    assert stored(engine, "dossier_code", "procedure_name", "channel", "status", "received_at", "due_at",
                  "finished_at") == [
        ("H1", "Đăng ký khai sinh", 2, 10, D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 4)),
        ("H2", "Chứng thực", 1, 4, D(2026, 3, 3), D(2026, 3, 6), None),
        ("H3", "Chứng thực", 3, 10, D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 9)),
    ]
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert ratio(snap, "on_time_rate") == (1, 3)  # H2 pending past its due day counts (766)
    assert ratio(snap, "online_submission_rate") == (1, 3)


@pytest.mark.parametrize("shape", ["xlsx", "xls"])
def test_group_over_short_leaves_and_dated_event_leaf(engine, tmp_path, shape):
    # "Thời gian" over "Tiếp nhận | Hẹn trả"; "Kết quả giải quyết" (no date word) over
    # "Ngày kết thúc | Ngày trả kết quả": the leaf says the date and its event.
    rows = TITLE + [["STT", "Mã hồ sơ", "Thủ tục", "Thời gian", None, "Kết quả giải quyết", None, "Trạng thái"],
                    [None, None, None, "Tiếp nhận", "Hẹn trả", "Ngày kết thúc", "Ngày trả kết quả", None],
                    [1, "K1", "Khai sinh", "02/03/2026", "05/03/2026", "04/03/2026", "06/03/2026", "Đã trả kết quả"],
                    [2, "K2", "Kết hôn", "03/03/2026", "06/03/2026", "08/03/2026", None, "Đã trả kết quả"]]
    merges = ["A7:A8", "B7:B8", "C7:C8", "D7:E7", "F7:G7", "H7:H8"]
    up = service.read(engine, LY.write(shape, tmp_path / "tg", rows, merges), unit=UNIT)
    assert up.parsed.mapping == {"Mã hồ sơ": "dossier_code", "Thủ tục": "procedure_name", "Tiếp nhận": "received_at",
                                 "Hẹn trả": "due_at", "Ngày kết thúc": "finished_at",
                                 "Ngày trả kết quả": "returned_at", "Trạng thái": "status"}
    r = service.load_upload(engine, up, unit=UNIT)
    assert (r.inserted, r.rejected) == (2, 0)
    assert stored(engine, "dossier_code", "received_at", "due_at", "finished_at", "returned_at") == [
        ("K1", D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 4), D(2026, 3, 6)),
        ("K2", D(2026, 3, 3), D(2026, 3, 6), D(2026, 3, 8), None),
    ]
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert ratio(snap, "on_time_rate") == (1, 2)  # K2 finished two days after its due day


def test_date_word_then_event_names_the_date():
    assert [match_column([h], "dossiers") for h in (
        "Ngày kết thúc", "Thời điểm hoàn thành", "Ngày hẹn trả kết quả giải quyết", "Ngày chuyển hồ sơ",
        "Ngày sinh", "Ngày ký")] == ["finished_at", "finished_at", "due_at", "", None, None]
    assert match_column(["Ngày kết thúc"], "feedback") == "finished_at"
    assert match_column(["Ngày trả kết quả"], "feedback") is None  # feedback keeps no return date


def test_portal_field_names_and_accent_free_csv(engine, tmp_path):
    portal = tmp_path / "portal.csv"
    portal.write_bytes(csv_bytes([
        ["MaHoSo", "MaTTHC", "TenTTHC", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "TrangThaiHoSo",
         "KenhThucHien", "DuocThanhToanTrucTuyen"],
        ["P1", "1.001", "Khai sinh", "20260302080700", "20260305170000", "20260304150000", "10", "2", "1"],
        ["P2", "1.002", "Kết hôn", "20260303", "20260306", "", "4", "1", "0"]]))
    plain = tmp_path / "khong-dau.csv"
    plain.write_bytes(csv_bytes([
        ["Ma ho so", "Ngay tiep nhan", "Ngay hen tra", "Tinh trang xu ly", "Kenh", "Linh vuc"],
        ["Q1", "02/03/2026 8:07:00 SA", "05/03/2026", "Da tra ket qua", "Truc tuyen", "Ho tich"],
        ["Q2", "03/03/2026 2:15:00 CH", "06/03/2026", "Dang xu ly", "Truc tiep", "Ho tich"]], sep=";"))
    assert service.load(engine, portal, unit=UNIT).inserted == 2
    assert service.load(engine, plain, unit=UNIT).inserted == 2
    assert stored(engine, "dossier_code", "received_at", "due_at", "finished_at", "status", "channel",
                  "paid_online") == [
        ("P1", D(2026, 3, 2, 8, 7), D(2026, 3, 5, 17, 0), D(2026, 3, 4, 15, 0), 10, 2, True),
        ("P2", D(2026, 3, 3), D(2026, 3, 6), None, 4, 1, False),
        ("Q1", D(2026, 3, 2, 8, 7), D(2026, 3, 5), None, 10, 2, None),
        ("Q2", D(2026, 3, 3, 14, 15), D(2026, 3, 6), None, 4, 1, None),
    ]


def test_summary_with_other_wording_percent_and_note_columns(engine, tmp_path):
    rows = [["BÁO CÁO TÌNH HÌNH GIẢI QUYẾT TTHC"], ["Tháng 03 năm 2026"], [],
            ["STT", "Lĩnh vực", "Số hồ sơ tiếp nhận", None, None, None, "Số hồ sơ đã xử lý", None, None, None,
             "Số hồ sơ đang xử lý", None, None, "Tỷ lệ đúng hạn (%)", "Ghi chú"],
            [None, None, "Tổng số", "Trong đó", None, None, "Tổng số", "Trước hạn", "Đúng hạn", "Trễ hạn", "Tổng số",
             "Trong hạn", "Quá hạn", None, None],
            [None, None, None, "Trực tuyến", "Trực tiếp", "Kỳ trước chuyển sang", None, None, None, None, None, None,
             None, None, None],
            [1, "Hộ tịch", 100, 60, 30, 10, 90, 50, 35, 5, 10, 8, 2, 94.4, ""],
            [2, "Đất đai", 20, 5, 10, 5, 10, 2, 3, 5, 10, 4, 6, 50, "chậm"],
            ["Tổng số", None, 120, 65, 40, 15, 100, 52, 38, 10, 20, 12, 8, None, None]]
    merges = {"Sheet1": ["A4:A6", "B4:B6", "C4:F4", "G4:J4", "K4:M4", "N4:N6", "O4:O6", "C5:C6", "D5:F5", "G5:G6",
                         "H5:H6", "I5:I6", "J5:J6", "K5:K6", "L5:L6", "M5:M6"]}
    r = service.load(engine, xlsx(tmp_path / "bc.xlsx", rows, merges), unit=UNIT)
    assert (r.kind, r.rows_read, r.inserted) == ("summary", 2, 2)
    with kdb.connect(engine) as conn:
        got = [tuple(x) for x in conn.execute(sa.select(
            summaries.c.field, summaries.c.received_online, summaries.c.received_direct, summaries.c.carried_over,
            summaries.c.early, summaries.c.on_time, summaries.c.late).order_by(summaries.c.field))]
    assert got == [("Hộ tịch", 60, 30, 10, 50, 35, 5), ("Đất đai", 5, 10, 5, 2, 3, 5)]
    snap = Q.snapshot(engine, UNIT, "2026-03", today=TODAY)
    assert ratio(snap, "on_time_rate") == (102, 120)  # early + on time + pending in time, of all
    assert ratio(snap, "online_submission_rate") == (65, 105)


def test_utf8_check_across_block_boundaries(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 7)  # every few bytes a block ends, often inside a letter
    text = "Mã hồ sơ;Ngày tiếp nhận\nHS-Đ1;02/03/2026\n" * 5
    good = files.Source(name="a.csv", data=text.encode())
    assert files._utf8_valid(good) and files._first_bad_byte(good, "utf-8") is None
    broken = files.Source(name="b.csv", data=text.encode()[:-3] + b"\xe1\xba" + b"\n")
    assert not files._utf8_valid(broken)
    assert files._first_bad_byte(broken, "utf-8") == (10, 0xE1)
    cut = files.Source(name="c.csv", data=text.encode() + "ệ".encode()[:2])
    assert not files._utf8_valid(cut) and files._first_bad_byte(cut, "utf-8") == (11, 0xE1)
