"""Real-layout exports built for the tests (exports.md "What real files look like"): the
official tracking book, the summary layouts the systems print, a Viettel-style two-row
header. Each builder returns rows and merges; the tests write them as xlsx, xls or CSV."""

from __future__ import annotations

from pathlib import Path

from tests import filemakers as fm

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def col(i: int) -> str:
    return LETTERS[i]


def down(cols: str | list[int], top: int, rows: int) -> list[str]:
    """Header cells merged down ``rows`` rows from 1-based row ``top``."""
    idx = [LETTERS.index(c) for c in cols] if isinstance(cols, str) else cols
    return [f"{col(i)}{top}:{col(i)}{top + rows - 1}" for i in idx]


def to_xls_merges(merges: list[str]) -> list[tuple[int, int, int, int]]:
    """Excel ranges -> xlwt's (row1, row2, col1, col2), 0-based inclusive."""
    out = []
    for rng in merges:
        a, b = rng.split(":")
        c1, r1 = LETTERS.index(a[0]), int(a[1:]) - 1
        c2, r2 = LETTERS.index(b[0]), int(b[1:]) - 1
        out.append((r1, r2, c1, c2))
    return out


def write(shape: str, path: Path, rows, merges) -> Path:
    """``shape``: xlsx | xls | csv (a CSV has no merges: its header cells stand unmerged)."""
    if shape == "xlsx":
        return fm.xlsx(path.with_suffix(".xlsx"), {"Sheet1": rows}, {"Sheet1": merges})
    if shape == "xls":
        return fm.xls(path.with_suffix(".xls"), {"Sheet1": rows}, {"Sheet1": to_xls_merges(merges)})
    if shape == "csv":
        return fm.write(path.with_suffix(".csv"), fm.csv_bytes(rows, sep=";"))
    raise AssertionError(shape)


# --- the tracking book (Sổ theo dõi hồ sơ, Mẫu số 06, Thông tư 01/2018/TT-VPCP) -----------
BOOK_TITLE = [
    ["UBND XÃ LỘC TÂN", None, None, None, None, None, None, None, None, None,
     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["SỔ THEO DÕI HỒ SƠ"],
    ["Từ ngày 01/03/2026 đến ngày 31/03/2026"],
    [],
]
BOOK_R1 = ["STT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Họ tên chủ hồ sơ", "Địa chỉ chủ hồ sơ",
           "Số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", None,
           "Chuyển hồ sơ đến cơ quan giải quyết", None, None, "Nhận kết quả từ cơ quan giải quyết", None,
           None, "Trả kết quả", None, "Ghi chú"]
BOOK_R2 = [None] * 8 + ["Nhận hồ sơ", "Hẹn trả kết quả", "Ngày, tháng, năm", "Ký nhận", None,
                        "Ngày, tháng, năm", "Ký nhận", None, "Ngày nhận kết quả",
                        "Cá nhân, tổ chức nhận kết quả (Ký tên)", None]
BOOK_R3 = [None] * 11 + ["Bên giao (Ký tên)", "Bên nhận (Ký tên)", None, "Bên giao (Ký tên)",
                         "Bên nhận (Ký tên)", None, None, None]
# Columns: I received, J due, K handed over (not kept), N finished, Q returned.
BOOK_DATA = [
    [1, "TB-001", "Đăng ký khai sinh", 1, "Nguyễn Văn An", "Thôn 1", "0912345678", "UBND xã Lộc Tân",
     "02/03/2026", "03/03/2026", "02/03/2026", None, None, "03/03/2026", None, None, "03/03/2026", None, None],
    [2, "TB-002", "Chứng thực bản sao", 1, "Lê Thị Bình", "Thôn 2", "0987654321", "UBND xã Lộc Tân",
     "05/03/2026", "05/03/2026", None, None, None, None, None, None, None, None, "Chờ ký"],
    [3, "TB-003", "Đăng ký kết hôn", 1, "Trần Văn Cường", "Thôn 3", "0901234567", "UBND xã Lộc Tân",
     "10/03/2026", "12/03/2026", "10/03/2026", None, None, "13/03/2026", None, None, None, None, None],
    [4, "TB-004", "Xác nhận tình trạng hôn nhân", 1, "Phạm Thị Dung", "Thôn 4", "0977000111",
     "UBND xã Lộc Tân", "16/03/2026", "20/03/2026", "25/03/2026", None, None, None, None, None,
     "18/03/2026", None, None],
]
BOOK_PERSONAL = ["Nguyễn Văn An", "Thôn 1", "0912345678", "Lê Thị Bình", "0987654321", "Trần Văn Cường",
                 "0901234567", "Phạm Thị Dung", "0977000111"]


def tracking_book(depth: int = 3):
    """The book with a three-row header (signature columns split "Bên giao | Bên nhận"
    under "Ký nhận") or a two-row one (one signature column per group)."""
    top = len(BOOK_TITLE) + 1
    if depth == 3:
        header = [BOOK_R1, BOOK_R2, BOOK_R3]
        data = BOOK_DATA
        merges = down("ABCDEFGHS", top, 3) + [
            f"I{top}:J{top}", *down("IJ", top + 1, 2),
            f"K{top}:M{top}", *down("K", top + 1, 2), f"L{top + 1}:M{top + 1}",
            f"N{top}:P{top}", *down("N", top + 1, 2), f"O{top + 1}:P{top + 1}",
            f"Q{top}:R{top}", *down("QR", top + 1, 2),
        ]
    else:
        keep = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 18]  # one signature column each
        r1 = [BOOK_R1[i] for i in keep]
        r2 = [BOOK_R2[i] for i in keep]
        r2[11] = "Bên nhận (Ký tên)"
        r2[13] = "Bên nhận (Ký tên)"
        header = [r1, r2]
        data = [[row[i] for i in keep] for row in BOOK_DATA]
        merges = down("ABCDEFGHQ", top, 2) + [f"I{top}:J{top}", f"K{top}:L{top}", f"M{top}:N{top}",
                                              f"O{top}:P{top}"]
    nums = [[f"({i})" for i in range(1, len(header[0]) + 1)]]
    return BOOK_TITLE + header + nums + data + fm.FOOTER, merges


# --- summaries ------------------------------------------------------------------------
SUM_TITLE = [
    ["UBND XÃ LỘC TÂN", None, None, None, None, None, None, None, None, None, "Biểu số 06/VPCP/KSTT"],
    [],
    ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"],
    ["Kỳ báo cáo: Tháng 03 năm 2026 (từ ngày 01/03/2026 đến ngày 31/03/2026)"],
]
SIGNATURES = [[], [None, "Người lập biểu", None, None, None, None, None, "Thủ trưởng đơn vị"],
              [None, "(Ký, ghi rõ họ tên)", None, None, None, None, None, "(Ký tên, đóng dấu)"]]


THIRD_ROW_DATA = [
    [1, "Hộ tịch", 130, 80, 40, 10, 120, 70, 45, 5, 10, 8, 2],
    [2, "Chứng thực", 60, 20, 40, 0, 58, 50, 8, 0, 2, 2, 0],
    [3, "Đất đai", 25, 5, 15, 5, 15, 5, 6, 4, 10, 6, 4],
]


def summary_third_row(label: str = "Lĩnh vực, công việc giải quyết theo cấp", data=None, total=True):
    """The 13 columns of Biểu số 06 with a third header row: "Trong đó" split into
    "Trực tuyến | Trực tiếp, dịch vụ bưu chính" (and the resolved / pending classes), then
    a column-number row with formulas."""
    r1 = ["STT", label, "Số hồ sơ nhận giải quyết", None, None, None, "Kết quả giải quyết", None, None, None,
          "Số hồ sơ đang giải quyết", None, None]
    r2 = [None, None, "Tổng số", "Trong đó", None, "Từ kỳ trước", "Tổng số", "Trong đó", None, None,
          "Tổng số", "Trong đó", None]
    r3 = [None, None, None, "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", None, None, "Trước hạn", "Đúng hạn",
          "Quá hạn", None, "Trong hạn", "Quá hạn"]
    nums = ["(1)", "(2)", "(3)=(4)+(5)+(6)", "(4)", "(5)", "(6)", "(7)=(8)+(9)+(10)", "(8)", "(9)", "(10)",
            "(11)=(12)+(13)", "(12)", "(13)"]
    data = [list(r) for r in (data or THIRD_ROW_DATA)]
    rows = SUM_TITLE + [r1, r2, r3, nums] + data
    if total:
        rows.append(["Tổng cộng", None] + [sum(r[k] for r in data) for k in range(2, 13)])
    t = len(SUM_TITLE) + 1
    merges = down("AB", t, 3) + [f"C{t}:F{t}", f"G{t}:J{t}", f"K{t}:M{t}"] + down("CFGK", t + 1, 2) + [
        f"D{t + 1}:E{t + 1}", f"H{t + 1}:J{t + 1}", f"L{t + 1}:M{t + 1}"]
    return rows + SIGNATURES, merges


UNIT_ROWS = [
    [1, "Xã Lộc Tân", 130, 80, 40, 10, 120, 70, 45, 5, 10, 8, 2],
    [2, "Xã Lộc An", 60, 20, 40, 0, 58, 50, 8, 0, 2, 2, 0],
    [3, "Xã Lộc Thành", 25, 5, 15, 5, 15, 5, 6, 4, 10, 6, 4],
]


def summary_by_unit(data=UNIT_ROWS):
    """Biểu số 06 by unit: a "Đơn vị" column instead of "Lĩnh vực"."""
    return summary_third_row(label="Đơn vị", data=data)


# A system's own 15-column table: "Số đầu kỳ (3 = 4 + 5)" = carried over + received in the
# period (no channel split), "Sớm hạn | Đúng hạn | Trễ hạn", "Chưa đến hạn | Quá hạn",
# then "Tổng số trễ hạn", "Hồ sơ trả lại", "Hồ sơ rút" (not kept), total row "Tổng số".
SYS15_DATA = [
    # STT, field, start(3)=4+5, carried, new, resolved(6)=7+8+9, early, on time, late,
    # pending(10)=11+12, in time, overdue, total late(13)=9+12, returned, withdrawn
    [1, "Hộ tịch", 150, 30, 120, 140, 100, 35, 5, 10, 8, 2, 7, 1, 2],
    [2, "Chứng thực", 210, 10, 200, 205, 180, 20, 5, 5, 5, 0, 5, 0, 0],
    [3, "Đất đai", 40, 15, 25, 22, 4, 10, 8, 18, 9, 9, 17, 2, 1],
]


def summary_system15(total_label: str = "Tổng số"):
    r1 = ["STT", "Lĩnh vực", "Số đầu kỳ (3 = 4 + 5)", "Trong đó", None, "Đã giải quyết", None, None, None,
          "Đang giải quyết", None, None, "Tổng số trễ hạn", "Hồ sơ trả lại", "Hồ sơ rút"]
    r2 = [None, None, None, "Kỳ trước chuyển qua", "Tiếp nhận trong kỳ", "Tổng số", "Sớm hạn", "Đúng hạn",
          "Trễ hạn", "Tổng số", "Chưa đến hạn", "Quá hạn", None, None, None]
    nums = ["1", "2", "3 = 4 + 5", "4", "5", "6 = 7 + 8 + 9", "7", "8", "9", "10 = 11 + 12", "11", "12",
            "13 = 9 + 12", "14", "15"]
    data = [list(r) for r in SYS15_DATA]
    total = [total_label, None] + [sum(r[k] for r in data) for k in range(2, 15)]
    t = len(SUM_TITLE) + 1
    merges = down("ABCMNO", t, 2) + [f"D{t}:E{t}", f"F{t}:I{t}", f"J{t}:L{t}"]
    return SUM_TITLE + [r1, r2, nums] + data + [total] + SIGNATURES, merges


# By field, received split "Trong đó: Số kỳ trước chuyển qua | Số mới tiếp nhận" (no channel
# split), total row "Tổng số": 12 columns.
CARRIED_DATA = [
    # STT, field, received total, carried, new, resolved, early, on time, late, pending, in time, overdue
    [1, "Hộ tịch", 140, 20, 120, 120, 80, 35, 5, 20, 18, 2],
    [2, "Chứng thực", 150, 3, 147, 145, 140, 5, 0, 5, 5, 0],
    [3, "Đất đai", 60, 30, 30, 42, 10, 20, 12, 18, 14, 4],
]


def summary_carried_split():
    r1 = ["STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None, None, "Số hồ sơ đã giải quyết", None, None, None,
          "Số hồ sơ đang giải quyết", None, None]
    r2 = [None, None, "Tổng số", "Trong đó", None, "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số",
          "Trong hạn", "Quá hạn"]
    r3 = [None, None, None, "Số kỳ trước chuyển qua", "Số mới tiếp nhận"] + [None] * 7
    nums = [f"({i})" for i in range(1, 13)]
    data = [list(r) for r in CARRIED_DATA]
    total = ["Tổng số", None] + [sum(r[k] for r in data) for k in range(2, 12)]
    t = len(SUM_TITLE) + 1
    merges = (down("AB", t, 3) + [f"C{t}:E{t}", f"F{t}:I{t}", f"J{t}:L{t}"] + down("CFGHIJKL", t + 1, 2)
              + [f"D{t + 1}:E{t + 1}"])
    return SUM_TITLE + [r1, r2, r3, nums] + data + [total] + SIGNATURES, merges


# The portal's table: new receipts split three ways, then carried over; 14 columns.
PORTAL_DATA = [
    # STT, field, total, new online, new direct, new BCCI, carried, resolved, early, on time,
    # late, pending, in time, overdue
    [1, "Hộ tịch", 700, 400, 200, 50, 50, 650, 600, 40, 10, 50, 45, 5],
    [2, "Chứng thực", 900, 300, 550, 10, 40, 880, 860, 15, 5, 20, 20, 0],
    [3, "Đất đai", 100, 20, 30, 10, 40, 67, 30, 18, 19, 33, 25, 8],
]


def summary_portal():
    r1 = ["STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", None, None, None, None, "Số hồ sơ đã giải quyết",
          None, None, None, "Số hồ sơ đang giải quyết", None, None]
    r2 = [None, None, "Tổng số", "Số mới tiếp nhận trực tuyến", "Số mới tiếp nhận trực tiếp",
          "Số mới tiếp nhận qua BCCI", "Số kỳ trước chuyển qua", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
          "Tổng số", "Trong hạn", "Quá hạn"]
    nums = [f"({i})" for i in range(1, 15)]
    data = [list(r) for r in PORTAL_DATA]
    total = ["Tổng cộng", None] + [sum(r[k] for r in data) for k in range(2, 14)]
    t = len(SUM_TITLE) + 1
    merges = down("AB", t, 2) + [f"C{t}:G{t}", f"H{t}:K{t}", f"L{t}:N{t}"]
    return SUM_TITLE + [r1, r2, nums] + data + [total] + SIGNATURES, merges


# --- a Viettel-style two-row header whose first data row reads like a header ----------
VIETTEL_R1 = ["STT", "Mã hồ sơ", "Thủ tục hành chính", "Thông tin hồ sơ", None, None, "Trạng thái"]
VIETTEL_R2 = [None, None, None, "Ngày tiếp nhận", "Hạn xử lý", "Kênh thực hiện", None]
VIETTEL_DATA = [
    [1, "000.00.12.H12-260302-0001", "Hồ sơ đăng ký khai sinh", "02/03/2026", "03/03/2026", "Trực tuyến",
     "Đã trả kết quả"],
    [2, "000.00.12.H12-260303-0002", "Chứng thực bản sao", "03/03/2026", "03/03/2026", "Trực tiếp", "Đang xử lý"],
]


def viettel():
    return [VIETTEL_R1, VIETTEL_R2] + VIETTEL_DATA, down("ABCG", 1, 2) + ["D1:F1"]
