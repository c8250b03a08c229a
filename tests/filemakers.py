"""Build export files the way the one-stop systems make them (for reader tests).

Rows are lists of cell values; ``None`` is an empty cell. Workbook helpers take merges as
Excel ranges ("C5:E5").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

TITLE_DOSSIERS = [
    ["UBND XÃ LỘC TÂN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    [None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
    [],
    ["DANH SÁCH HỒ SƠ"],
    ["Từ ngày 01/03/2026 đến ngày 31/03/2026"],
    [],
]

FOOTER = [
    [],
    ["Tổng cộng: 3 hồ sơ"],
    [],
    [None, "Người lập biểu", None, None, "Lộc Tân, ngày 01 tháng 04 năm 2026"],
    [None, "(Ký, ghi rõ họ tên)", None, None, "KT. CHỦ TỊCH"],
    [],
    [None, "Nguyễn Văn Lập", None, None, "Trần Thị Duyệt"],
]


def xlsx(path: Path, sheets, merges: dict[str, list[str]] | None = None,
         date_format: str = "dd/mm/yyyy") -> Path:
    """``sheets``: rows of one sheet, or {sheet name: rows}."""
    import openpyxl

    if not isinstance(sheets, dict):
        sheets = {"Sheet1": sheets}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c, value=v)
                if isinstance(v, dt.datetime):
                    cell.number_format = date_format + (" hh:mm" if v.hour or v.minute else "")
                elif isinstance(v, dt.date):
                    cell.number_format = date_format
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def xls(path: Path, sheets, merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> Path:
    """Legacy .xls with xlwt. Merges are (row1, row2, col1, col2), 0-based inclusive."""
    import xlwt

    if not isinstance(sheets, dict):
        sheets = {"Sheet1": sheets}
    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    dt_style = xlwt.easyxf(num_format_str="DD/MM/YYYY HH:MM")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = {(r1, c1): (r1, r2, c1, c2) for r1, r2, c1, c2 in (merges or {}).get(name, [])}
        covered = set()
        for r1, r2, c1, c2 in merged.values():
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        covered.add((r, c))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in covered:
                    continue
                style = None
                if isinstance(v, dt.datetime):
                    style = dt_style
                elif isinstance(v, dt.date):
                    style = date_style
                if (r, c) in merged:
                    r1, r2, c1, c2 = merged[(r, c)]
                    args = (r1, r2, c1, c2, "" if v is None else v)
                    ws.write_merge(*args, style) if style else ws.write_merge(*args)
                elif v is not None:
                    ws.write(r, c, v, style) if style else ws.write(r, c, v)
        for r1, r2, c1, c2 in merged.values():
            if r1 >= len(rows) or c1 >= len(rows[r1]):
                ws.write_merge(r1, r2, c1, c2, "")
    wb.save(str(path))
    return path


def csv_bytes(rows, sep: str = ",", encoding: str = "utf-8", bom: bool = False,
              line_end: str = "\r\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=line_end)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    if encoding in ("utf-16", "utf-16-le"):
        return text.encode("utf-16")  # with BOM, as Excel's "Unicode Text"
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return data


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way Vietnamese Windows writes it: base letters (or the few
    precomposed ones the code page has) followed by combining tone marks."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = [m for m in parts[1:] if m in "\u0300\u0301\u0303\u0309\u0323"]
        others = [m for m in parts[1:] if m not in tones]
        head = unicodedata.normalize("NFC", parts[0] + "".join(others))
        out += head.encode("cp1258") + "".join(tones).encode("cp1258")
    return bytes(out)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def encrypt_xlsx(plain: Path, out: Path, password: str = "123456") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(plain, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    return out


# A small valid PNG (1x1 transparent pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def workbook_engines(request, monkeypatch):
    """For a parametrised fixture: 'calamine' (the fast path) or 'python' (openpyxl / xlrd)."""
    if request.param == "python":
        import ingest.files

        monkeypatch.setattr(ingest.files, "_calamine_tables", lambda src: None)
    return request.param
