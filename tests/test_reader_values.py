"""Reader: header matching, kind detection, personal data and cell values (exports.md)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingest.headers import ALIASES, KINDS, fold, match
from ingest.reader import detect_kind, parse_file
from tests.filemakers import csv_bytes, write, xlsx

TODAY = dt.date(2026, 4, 10)


def one_column(tmp_path, header, values, extra_header=None):
    """A dossier file with code, received date and one more column holding ``values``."""
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", header]]
    for i, v in enumerate(values):
        rows.append([f"H{i + 1}", "01/03/2026", v])
    return parse_file(xlsx(tmp_path / "v.xlsx", rows), today=TODAY)


def column(p, name):
    return [None if pd.isna(v) else v for v in p.frame[name].tolist()]


def test_no_alias_collides_within_a_kind():
    for kind in KINDS:
        seen = {}
        for canon, names in ALIASES[kind].items():
            for name in names:
                key = fold(name)
                assert seen.setdefault(key, canon) == canon, (kind, name, seen[key], canon)


@pytest.mark.parametrize("header,canon", [
    ("Mã hồ sơ", "dossier_code"), ("MÃ HỒ SƠ", "dossier_code"), ("  Mã   hồ\nsơ ", "dossier_code"),
    ("Ma ho so", "dossier_code"), ("MaHoSo", "dossier_code"), ("mahoso", "dossier_code"),
    ("Số hồ sơ", "dossier_code"), ("Mã HS", "dossier_code"),
    ("Ngay tiep nhan", "received_at"), ("NgayTiepNhan", "received_at"), ("Ngày nhận", "received_at"),
    ("Ngày hẹn trả kết quả", "due_at"), ("Hạn xử lý", "due_at"), ("NgayHenTra", "due_at"),
    ("Ngày có kết quả", "finished_at"), ("NgayKetThucXuLy", "finished_at"),
    ("Ngày trả", "returned_at"), ("NgayTra", "returned_at"), ("Ngày gửi", "submitted_at"),
    ("TrangThaiHoSo", "status"), ("Hình thức tiếp nhận", "channel"), ("KenhThucHien", "channel"),
    ("Trực tuyến", "_online_flag"), ("Mức độ DVC", "service_level"),
    ("Số hoá hồ sơ", "inputs_digitized"), ("HoSoCoThanhPhanSoHoa", "inputs_digitized"),
    ("Đã ký số kết quả", "e_result"), ("Sử dụng lại dữ liệu số hóa", "data_reused"),
    ("Lệ phí", "fee"), ("Phí, lệ phí (đồng)", "fee"), ("DuocThanhToanTrucTuyen", "paid_online"),
    ("Cán bộ xử lý", "officer"), ("TenLinhVuc", "field"), ("DonViXuLy", "handling_unit"),
    ("Tên TTHC", "procedure_name"), ("MaTTHC", "procedure_code"), ("Số lần bổ sung", "supplement_count"),
    ("Ngày tiếp nhận:", "received_at"), ("Mã hồ sơ (*)", "dossier_code"),
])
def test_dossier_header_aliases(header, canon):
    assert match([header], "dossiers") == canon


def test_personal_columns_dropped_everywhere(tmp_path):
    header = ["Mã hồ sơ", "Họ tên", "Chủ hồ sơ", "Người nộp hồ sơ", "Địa chỉ", "Số điện thoại",
              "Điện thoại", "Email", "Thư điện tử", "Số CCCD", "CMND", "Số giấy tờ", "Ngày sinh",
              "Ngày tiếp nhận", "Người tiếp nhận", "Ghi chú"]
    rows = [header,
            ["P1", "Nguyễn A", "Nguyễn A", "Nguyễn A", "Thôn 1", "0912", "0913", "a@x.vn", "a@y.vn",
             "0123456789", "123", "G1", "01/01/1990", "01/03/2026", "Cán bộ Lan", ""],
            ["P2", "Lê B", "Lê B", "Lê B", "Thôn 2", "0914", "0915", "b@x.vn", "b@y.vn",
             "9876543210", "456", "G2", "02/02/1991", "45/03/2026", "Cán bộ Lan", "ghi chú"]]
    p = parse_file(xlsx(tmp_path / "pd.xlsx", rows), today=TODAY)
    assert p.dropped_personal == header[1:13]
    assert list(p.frame.columns) == ["dossier_code", "received_at", "officer", "source_row"]
    assert p.frame["officer"].tolist() == ["Cán bộ Lan"]
    assert len(p.rejects) == 1
    # Only the columns the product reads: free text ("Ghi chú") is never kept.
    assert p.rejects[0].raw == {"Mã hồ sơ": "P2", "Ngày tiếp nhận": "45/03/2026",
                                "Người tiếp nhận": "Cán bộ Lan"}
    assert p.unmapped == []


@pytest.mark.parametrize("value,code", [
    (1, 1), ("2", 2), ("3", 3), (4.0, 4), ("5", 5), ("6", 6), ("7", 7), ("8", 8), ("9", 9), ("10", 10),
    ("Mới đăng ký", 1), ("Được tiếp nhận", 2), ("Không được tiếp nhận", 3), ("Đang xử lý", 4),
    ("Yêu cầu bổ sung giấy tờ", 5), ("Chờ bổ sung", 5), ("Yêu cầu thực hiện nghĩa vụ tài chính", 6),
    ("Công dân yêu cầu rút hồ sơ", 7), ("Rút hồ sơ", 7), ("Dừng xử lý", 8), ("Đã xử lý xong", 9),
    ("Hoàn thành", 9), ("Có kết quả", 9), ("Đã trả kết quả", 10), ("ĐÃ TRẢ KẾT QUẢ", 10),
    ("da tra ket qua", 10), ("9 - Đã xử lý xong", 9),
])
def test_status_codes_and_names(tmp_path, value, code):
    p = one_column(tmp_path, "Trạng thái", [value])
    assert column(p, "status") == [code]


def test_unknown_status_rejected(tmp_path):
    p = one_column(tmp_path, "Trạng thái", ["Đã trả kết quả", "Lạ lùng", "11"])
    assert column(p, "status") == [10]
    assert [(r.row_number, r.column, r.reason) for r in p.rejects] == [
        (3, "Trạng thái", "Trạng thái không đọc được: “Lạ lùng” (cần mã 1–10 hoặc tên trạng thái, ví dụ “Đã trả kết quả”)"),
        (4, "Trạng thái", "Trạng thái không đọc được: “11” (cần mã 1–10 hoặc tên trạng thái, ví dụ “Đã trả kết quả”)"),
    ]


@pytest.mark.parametrize("value,code", [
    (1, 1), ("2", 2), ("3", 3), ("Trực tiếp", 1), ("Trực tuyến", 2), ("Nộp trực tuyến", 2),
    ("Online", 2), ("Bưu chính", 3), ("BCCI", 3), ("Qua bưu chính công ích", 3), ("TRỰC TUYẾN", 2),
])
def test_channel_values(tmp_path, value, code):
    assert column(one_column(tmp_path, "Kênh thực hiện", [value]), "channel") == [code]


def test_online_yes_no_column_means_channel(tmp_path):
    p = one_column(tmp_path, "Trực tuyến", ["x", None, "Có", "Không", 1, 0, "TRUE"])
    assert p.mapping["Trực tuyến"] == "channel"
    assert p.columns == ["received_at", "channel"]
    assert column(p, "channel") == [2, 1, 2, 1, 2, 1, 2]


@pytest.mark.parametrize("header,canon", [
    ("Số hóa hồ sơ", "inputs_digitized"), ("Kết quả điện tử", "e_result"),
    ("Tái sử dụng dữ liệu", "data_reused"),
])
def test_booleans(tmp_path, header, canon):
    values = ["Có", "Không", "x", None, 1, 0, "TRUE", "FALSE", True, False, "Đã số hóa", "Chưa số hóa", "X"]
    p = one_column(tmp_path, header, values)
    assert p.rejects == []
    assert column(p, canon) == [True, False, True, False, True, False, True, False, True, False, True, False, True]
    assert str(p.frame[canon].dtype) == "boolean"


def test_unreadable_boolean_rejected(tmp_path):
    p = one_column(tmp_path, "Đã số hóa", ["Có", "??"])
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (3, "Đã số hóa không đọc được: “??” (cần Có/Không, x hoặc để trống)")]


def test_paid_online_one_or_two_is_yes(tmp_path):
    p = one_column(tmp_path, "DuocThanhToanTrucTuyen", [0, 1, 2, "Có", None])
    assert column(p, "paid_online") == [False, True, True, True, False]


def test_amounts(tmp_path):
    p = one_column(tmp_path, "Phí, lệ phí", ["50.000", "50,000", "50000", "50.000 đ", 50000, 50000.0,
                                             "1.250.000 đồng", None, "0", "Miễn phí", "12.5"])
    assert column(p, "fee")[:10] == [50000, 50000, 50000, 50000, 50000, 50000, 1250000, 0, 0, 0]
    assert [(r.row_number, r.reason) for r in p.rejects] == [
        (12, "Phí, lệ phí không đọc được: “12.5” (cần số tiền, ví dụ 50.000)")]


def test_supplement_count(tmp_path):
    p = one_column(tmp_path, "Số lần bổ sung", [0, "1", 2.0, None, "hai"])
    assert column(p, "supplement_count") == [0, 1, 2, 0]
    assert [(r.row_number, r.column) for r in p.rejects] == [(6, "Số lần bổ sung")]


def test_text_columns_normalised(tmp_path):
    p = one_column(tmp_path, "Tên thủ tục", ["  Đăng ký   khai sinh ", None, 123])
    assert column(p, "procedure_name") == ["Đăng ký khai sinh", None, "123"]


def test_unmapped_headers_listed(tmp_path):
    p = one_column(tmp_path, "Cột lạ", ["a"])
    assert p.unmapped == ["Cột lạ"]
    assert p.columns == ["received_at"]


def test_mapping_overrides(tmp_path):
    rows = [["Số biên nhận", "Thời điểm nhận", "Cột lạ"], ["B1", "01/03/2026", "x"]]
    path = xlsx(tmp_path / "o.xlsx", rows)
    p = parse_file(path, kind="dossiers", today=TODAY,
                   mapping_overrides={"Số biên nhận": "dossier_code", "thời điểm nhận": "received_at", "Cột lạ": ""})
    assert p.mapping == {"Số biên nhận": "dossier_code", "Thời điểm nhận": "received_at"}
    assert p.unmapped == []
    assert p.frame["dossier_code"].tolist() == ["B1"]
    assert p.frame["received_at"].tolist() == [pd.Timestamp("2026-03-01")]


def test_two_columns_same_meaning_first_wins_with_warning(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hoàn thành", "Ngày kết thúc xử lý"],
            ["A1", "01/03/2026", "02/03/2026", "03/03/2026"]]
    p = parse_file(xlsx(tmp_path / "t.xlsx", rows), today=TODAY)
    assert p.frame["finished_at"].tolist() == [pd.Timestamp("2026-03-02")]
    assert p.warnings == ["Cột “Ngày kết thúc xử lý” trùng ý nghĩa với cột “Ngày hoàn thành” "
                          "(Ngày kết thúc xử lý); chỉ dùng cột “Ngày hoàn thành”."]
    assert p.unmapped == ["Ngày kết thúc xử lý"]


@pytest.mark.parametrize("header,kind", [
    (["STT", "Mã hồ sơ", "Tên thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"], "dossiers"),
    (["MaHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "KenhThucHien"], "dossiers"),
    (["STT", "Mã hồ sơ", "Ngày đánh giá", "Mức độ hài lòng"], "ratings"),
    (["Ngày đánh giá", "Kết quả đánh giá"], "ratings"),
    (["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVC", "Có phí, lệ phí"], "procedures"),
    (["Mã TTHC", "Tên TTHC", "Lĩnh vực"], "procedures"),
    (["Mã PAKN", "Nội dung", "Ngày tiếp nhận", "Hạn xử lý", "Ngày hoàn thành", "Trạng thái"], "feedback"),
])
def test_detect_kind_from_headers(tmp_path, header, kind):
    path = write(tmp_path / "k.csv", csv_bytes([header, ["x"] * len(header)]))
    assert detect_kind(path) == kind


def test_personal_group_and_override_never_read(tmp_path):
    rows = [["Mã hồ sơ", "Ngày tiếp nhận", "Chủ hồ sơ", None, "CCCD"],
            [None, None, "Tên", "Nơi ở", "Số"],
            ["A", "01/03/2026", "Nguyễn A", "Thôn 1", "0123"]]
    merges = {"Sheet1": ["A1:A2", "B1:B2", "C1:D1"]}
    p = parse_file(xlsx(tmp_path / "g.xlsx", rows, merges), today=TODAY,
                   mapping_overrides={"Tên": "officer"})
    assert p.dropped_personal == ["Tên", "Nơi ở", "Số"]
    assert list(p.frame.columns) == ["dossier_code", "received_at", "source_row"]
    assert p.warnings == ["Cột “Tên” chứa dữ liệu cá nhân nên không được ghép và không được lưu."]


def test_canonical_dates_fast_path_equals_the_full_rules(monkeypatch):
    """Dates written exactly dd/mm/yyyy[ HH:MM[:SS]] go through Arrow's strptime first; on
    20,000 random values of those shapes — impossible days, months, hours and seconds (leap
    seconds too), years outside 1900–2200 or below 100 included — the result is the full
    rules' result, value for value."""
    import numpy as np
    import pyarrow as pa

    from ingest import values as X

    rng = np.random.default_rng(13)
    n = 20_000
    d, m = rng.integers(0, 33, n), rng.integers(0, 14, n)
    y = rng.choice([26, 99, 1899, 1900, 2024, 2025, 2026, 2200, 2201, 9999], n)
    hh, mi, ss = rng.integers(0, 26, n), rng.integers(0, 62, n), rng.integers(0, 63, n)
    shape = rng.integers(0, 3, n)
    texts = []
    for i in range(n):
        day = f"{d[i]:02d}/{m[i]:02d}/{y[i]:04d}"
        texts.append(day if shape[i] == 1 else f"{day} {hh[i]:02d}:{mi[i]:02d}" if shape[i] == 0
                     else f"{day} {hh[i]:02d}:{mi[i]:02d}:{ss[i]:02d}")
    arr = pa.chunked_array([pa.array(texts[: n // 2], pa.large_string()),
                            pa.array(texts[n // 2:], pa.large_string())])
    fast_values, fast_ok = X._parse_date_arrow(arr)
    monkeypatch.setattr(X, "CANONICAL_DATES", ())
    full_values, full_ok = X._parse_date_arrow(arr)
    assert (fast_ok == full_ok).all()
    assert (fast_values[full_ok] == full_values[full_ok]).all()
    assert 0.2 < full_ok.mean() < 0.8  # both valid and invalid values were tried
