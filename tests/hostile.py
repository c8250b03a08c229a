"""Hostile and odd files, built byte by byte for the tests of ingest.files and ingest.worker
(access.md "Uploads"): workbooks whose one cell sits far away, zip bombs, very wide sheets,
documents and images under an Excel name, HTML tables saved as .xls, text in legacy
encodings."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + NS + '" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="{target}"/></Relationships>'
)


def sheet_xml(body: str, dimension: str | None = None, prefix: str = "") -> str:
    """A worksheet part; ``body`` is the inside of <sheetData>."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}>{dim}'
            f"<{p}sheetData>{body}</{p}sheetData></{p}worksheet>")


def inline(ref: str | None, text: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    r = f' r="{ref}"' if ref else ""
    return f'<{p}c{r} t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'


def raw_xlsx(path: Path, sheet: str, name: str = "Sheet1",
             target: str = "worksheets/sheet1.xml", extra: dict[str, bytes] | None = None) -> Path:
    """The smallest workbook Excel opens: one sheet whose XML is given as it is."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(name=name))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(target=target))
        z.writestr(target[1:] if target.startswith("/") else "xl/" + target, sheet)
        for member, data in (extra or {}).items():
            z.writestr(member, data)
    return path


def header_cells(row: int = 1) -> str:
    return (f'<row r="{row}">' + inline(f"A{row}", "Mã hồ sơ") + inline(f"B{row}", "Ngày tiếp nhận")
            + "</row>")


def data_cells(row: int, code: str = "HS-1", day: str = "02/03/2026") -> str:
    return f'<row r="{row}">' + inline(f"A{row}", code) + inline(f"B{row}", day) + "</row>"


def far_cell_xlsx(path: Path, ref: str = "XFD1048576") -> Path:
    """A 2 KB workbook with a header, one dossier and one more cell far away — the file
    that made calamine ask for 512 GB and abort (issue 12)."""
    digits = "".join(ch for ch in ref if ch.isdigit())
    body = header_cells() + data_cells(2) + f'<row r="{digits}"><c r="{ref}"><v>1</v></c></row>'
    return raw_xlsx(path, sheet_xml(body))


def wide_xlsx(path: Path, columns: int = 16_384, rows: int = 12) -> Path:
    """A sheet ``columns`` wide (the 89 s CPU trial of issue 12 was 16,384 columns)."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, columns + 1)]
    parts = [header_cells()]
    for r in range(2, rows + 2):
        parts.append(f'<row r="{r}">' + "".join(f'<c r="{L}{r}"><v>{r}</v></c>' for L in letters) + "</row>")
    return raw_xlsx(path, sheet_xml("".join(parts)))


def zip_bomb_xlsx(path: Path, unpacked: int = 8 << 20) -> Path:
    """A workbook whose sheet inflates to ``unpacked`` bytes from a few KB (blank padding)."""
    pad = " " * unpacked
    body = header_cells() + data_cells(2)
    return raw_xlsx(path, sheet_xml(body).replace("<sheetData>", pad + "<sheetData>", 1))


def docx(path: Path) -> Path:
    import docx as python_docx

    doc = python_docx.Document()
    doc.add_paragraph("Báo cáo tình hình giải quyết hồ sơ tháng 3")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Mã hồ sơ", "Ngày tiếp nhận"
    table.cell(1, 0).text, table.cell(1, 1).text = "HS-1", "02/03/2026"
    doc.save(str(path))
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64) + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def html_table(rows_html: str, head: str = '<meta charset="utf-8">') -> bytes:
    """A page the way a "Xuất Excel" button writes it (Excel's HTML namespaces and all)."""
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f"<head>{head}<!--[if gte mso 9]><xml><x:ExcelWorkbook></x:ExcelWorkbook></xml><![endif]-->"
        "</head><body>" + rows_html + "</body></html>"
    ).encode("utf-8")


def to_bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# --- child hooks for ingest.worker tests ("tests.hostile:NAME"; they run in the child) ------
def hook_no_limits() -> None:
    """Let the real readers meet the hostile workbook (the limits would refuse it first)."""
    import ingest.files

    ingest.files.check_xlsx = lambda src: None
    ingest.files.check_xls = lambda src: None


def hook_eat_memory() -> None:
    """Allocate past any sane cap, a block at a time (as a runaway reader does)."""
    blocks = []
    while True:
        blocks.append(bytearray(64 << 20))


def hook_segfault() -> None:
    import ctypes

    ctypes.string_at(0)


def hook_abort() -> None:
    os.abort()


def hook_sleep() -> None:
    import time

    time.sleep(60)


def hook_bug() -> None:
    raise KeyError("a bug in the reader")
