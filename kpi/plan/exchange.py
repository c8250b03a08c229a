"""The plan tracker as an Excel file and back: ``export_excel`` writes one row per activity
with the three editable columns marked and a drop-down of the status words; ``import_excel``
reads an edited copy and applies only what changed, through ``tracker.update_statuses`` (one
transaction, one history row per changed activity). A file with any error is refused whole.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from kpi import config, excel
from kpi.plan.parser import clean, fold
from kpi.plan.tracker import (
    STATUS_LABELS,
    PlanError,
    activity_ids,
    bad_status_message,
    parse_status,
    require_unit,
    text_or_none,
    tracker,
    update_statuses,
)


class PlanImportError(PlanError):
    """An uploaded tracker file refused as a whole (nothing was changed)."""


def excel_file_name(unit: str, year: int) -> str:
    """theo-doi-ke-hoach-2026-xa-loc-tan.xlsx"""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(unit)).strip("-")
    return f"theo-doi-ke-hoach-{year}-{slug or 'don-vi'}.xlsx"


# (field, header, width). The three editable columns are marked in the file.
EXCEL_COLUMNS = [
    ("activity_id", "Mã hoạt động", 14),
    ("section_name", "Phần", 28),
    ("goal", "Mục tiêu", 40),
    ("task", "Nhiệm vụ", 40),
    ("activity", "Hoạt động", 60),
    ("output", "Kết quả/Sản phẩm", 30),
    ("lead_unit", "Chủ trì", 26),
    ("partner", "Phối hợp", 22),
    ("timing", "Thời gian", 22),
    ("deadline", "Hạn hoàn thành", 14),
    ("status_label", "Trạng thái", 18),
    ("note", "Ghi chú tiến độ", 40),
    ("evidence", "Minh chứng", 30),
    ("updated_by", "Người cập nhật", 18),
    ("updated_at", "Cập nhật lúc", 17),
    ("flag", "Cảnh báo", 14),
]
EDITABLE_HEADERS = ("Trạng thái", "Ghi chú tiến độ", "Minh chứng")
INFO_SHEET = "Thông tin"


@dataclass
class ImportResult:
    rows_read: int
    changed: list[str]
    unchanged: int

    def message(self) -> str:
        if not self.changed:
            return f"Đã đọc {self.rows_read} dòng; không có thay đổi nào so với dữ liệu hiện có."
        return (
            f"Đã đọc {self.rows_read} dòng: cập nhật {len(self.changed)} hoạt động "
            f"({', '.join(self.changed[:10])}{'…' if len(self.changed) > 10 else ''}), "
            f"{self.unchanged} dòng không đổi."
        )


def export_excel(engine, unit: str | None, year: int, today: dt.date | None = None) -> bytes:
    """The tracker as an .xlsx workbook: one row per activity with its id, Vietnamese headers,
    a drop-down of the four status words; a second sheet names the unit and the plan year."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from kpi import format as fmt

    unit = require_unit(unit)
    df = tracker(engine, unit, year, today)
    wb = Workbook()
    ws = wb.active
    ws.title = f"Kế hoạch {year}"
    header_fill = PatternFill("solid", fgColor="0B5394")
    edit_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, (_, header, width) in enumerate(EXCEL_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill if header not in EDITABLE_HEADERS else PatternFill("solid", fgColor="BF9000")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[cell.column_letter].width = width
    for i, rec in enumerate(df.to_dict("records"), start=2):
        for col, (name, header, _) in enumerate(EXCEL_COLUMNS, start=1):
            value = rec[name]
            if name == "deadline":
                value = fmt.date(value) if value else ""
            elif name == "updated_at":
                value = fmt.datetime(value) if value is not None else ""
            cell = ws.cell(row=i, column=col)
            excel.set_text(cell, value)  # note/evidence text never becomes a formula
            cell.alignment = wrap
            if header in EDITABLE_HEADERS:
                cell.fill = edit_fill
    status_col = [h for _, h, _ in EXCEL_COLUMNS].index("Trạng thái") + 1
    letter = ws.cell(row=1, column=status_col).column_letter
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_LABELS.values()) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Trạng thái không hợp lệ",
        error="Chọn một trong: " + ", ".join(STATUS_LABELS.values()),
    )
    dv.add(f"{letter}2:{letter}{len(df) + 1}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(EXCEL_COLUMNS)).column_letter}{len(df) + 1}"

    info = wb.create_sheet(INFO_SHEET)
    for r, (k, v) in enumerate(
        [
            ("Đơn vị", unit),
            ("Năm kế hoạch", year),
            ("Ngày xuất", fmt.datetime(config.now())),
            ("Hướng dẫn", "Chỉ sửa các cột Trạng thái, Ghi chú tiến độ, Minh chứng (nền vàng) rồi "
                          "tải tệp lên trang Kế hoạch. Không sửa cột Mã hoạt động."),
            ("Trạng thái hợp lệ", ", ".join(STATUS_LABELS.values())),
        ],
        start=1,
    ):
        info.cell(row=r, column=1, value=k).font = Font(bold=True)
        excel.set_text(info.cell(row=r, column=2), v)
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _find_table(wb) -> tuple[object, int, dict[str, int]] | None:
    """The sheet, header row and {header key: column} of the tracker table."""
    wanted = {fold(h) for _, h, _ in EXCEL_COLUMNS}
    id_key = fold("Mã hoạt động")
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 10)):
            keys = {fold(c.value): c.column for c in row if isinstance(c.value, str) and fold(c.value) in wanted}
            if id_key in keys:
                return ws, row[0].row, keys
    return None


def _check_info_sheet(wb, unit: str, year: int) -> list[str]:
    if INFO_SHEET not in wb.sheetnames:
        return []
    info = {}
    for row in wb[INFO_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and isinstance(row[0], str):
            info[fold(row[0])] = row[1]
    errors = []
    file_year = info.get(fold("Năm kế hoạch"))
    if file_year not in (None, "") and str(file_year).strip() != str(year):
        errors.append(
            f"Tệp là bảng theo dõi kế hoạch năm {file_year}, không phải năm {year}. "
            f"Chọn đúng năm kế hoạch hoặc tải tệp của năm {year}."
        )
    file_unit = text_or_none(info.get(fold("Đơn vị")))
    if file_unit and fold(file_unit) != fold(unit):
        errors.append(
            f"Tệp là bảng theo dõi của đơn vị «{file_unit}», không phải «{unit}». "
            "Chọn đúng đơn vị hoặc tải tệp của đơn vị này."
        )
    return errors


def read_excel_updates(data: bytes, unit: str, year: int) -> tuple[int, dict[str, dict[str, object]], list[str]]:
    """Read an uploaded tracker workbook: (rows read, {activity id: values}, errors).

    Values are the file's status, and its note and evidence where the file has those columns.
    Errors name the row as Excel shows it. Blank rows are skipped.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        return 0, {}, [
            "Không đọc được tệp như một tệp Excel (.xlsx). Hãy tải lên tệp đã xuất từ trang "
            "Kế hoạch (nút «Tải bảng theo dõi (Excel)»), sửa rồi lưu lại dạng .xlsx."
        ]
    errors = _check_info_sheet(wb, unit, year)
    found = _find_table(wb)
    if found is None:
        return 0, {}, errors + [
            "Không tìm thấy cột «Mã hoạt động» trong tệp. Hãy dùng tệp xuất từ trang Kế hoạch "
            "và giữ nguyên dòng tiêu đề."
        ]
    ws, header_row, cols = found
    if fold("Trạng thái") not in cols:
        return 0, {}, errors + ["Không tìm thấy cột «Trạng thái» trong tệp; giữ nguyên dòng tiêu đề."]
    known = set(activity_ids(year))
    c_id = cols[fold("Mã hoạt động")]
    c_status = cols[fold("Trạng thái")]
    optional = {f: cols.get(fold(h)) for f, h in (("note", "Ghi chú tiến độ"), ("evidence", "Minh chứng"))}
    seen: dict[str, int] = {}
    updates: dict[str, dict[str, object]] = {}
    rows_read = 0
    for row in ws.iter_rows(min_row=header_row + 1):
        by_col = {c.column: c.value for c in row}
        aid = text_or_none(by_col.get(c_id))
        status_raw = by_col.get(c_status)
        others = [by_col.get(c) for c in optional.values() if c]
        if aid is None and text_or_none(status_raw) is None and not any(text_or_none(v) for v in others):
            continue
        rows_read += 1
        n = row[0].row
        if aid is None:
            errors.append(f"Dòng {n}: thiếu mã hoạt động.")
            continue
        aid = clean(aid)
        if aid not in known:
            errors.append(f"Dòng {n}: mã hoạt động «{aid}» không có trong kế hoạch năm {year}.")
            continue
        if aid in seen:
            errors.append(f"Dòng {n}: mã hoạt động «{aid}» lặp lại (đã có ở dòng {seen[aid]}).")
            continue
        seen[aid] = n
        code = parse_status(status_raw)
        if code is None:
            errors.append(bad_status_message(status_raw, f"Dòng {n}"))
            continue
        values: dict[str, object] = {"status": code}
        for f, c in optional.items():
            if c:
                values[f] = text_or_none(by_col.get(c))
        updates[aid] = values
    return rows_read, updates, errors


def import_excel(engine, unit: str | None, year: int, data: bytes, updated_by: str | None,
                 file_name: str | None = None, actor: str | None = None) -> ImportResult:  # fmt: skip
    """Apply an edited tracker workbook: only activities whose status, note or evidence differ
    from what is stored change (each with a history row). A file with any error — unknown id,
    unknown status word, a repeated id, another unit or year — is refused as a whole with
    ``PlanImportError`` (messages with row numbers) and changes nothing."""
    unit = require_unit(unit)
    errors = [] if text_or_none(updated_by) else ["Vui lòng nhập tên người cập nhật."]
    rows_read, updates, file_errors = read_excel_updates(data, unit, year)
    errors += file_errors
    if errors:
        raise PlanImportError(errors)
    changed = update_statuses(
        engine, unit, year, updates, updated_by, source="excel", file_name=file_name, actor=actor
    )
    return ImportResult(rows_read=rows_read, changed=changed, unchanged=rows_read - len(changed))
