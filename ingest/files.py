"""Opening an uploaded file: what it really is (by content, not by name), its sheets, and
the raw cells of the sheet that holds the table.

Formats: .xlsx (openpyxl, read-only), legacy .xls (xlrd), CSV / "Unicode Text" (pandas C
reader). Refused with an ``IngestError``: empty files, images and other binaries, password
protected or corrupt workbooks.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ingest.model import IngestError

HEAD_ROWS = 60  # rows scanned for the header block
HEAD_BYTES = 256 * 1024


# ---------------------------------------------------------------------------------------
# Source
# ---------------------------------------------------------------------------------------
@dataclass
class Source:
    name: str
    path: Path | None = None
    data: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def head(self, n: int = HEAD_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def stream(self):
        """A fresh binary stream over the whole file."""
        if self.data is not None:
            return io.BytesIO(self.data)
        return open(self.path, "rb")

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        return self.path.read_bytes()


def open_source(source, filename: str | None) -> Source:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(name=filename or "tệp tải lên", data=bytes(source))
    if hasattr(source, "read"):  # an uploaded file object
        data = source.read()
        return Source(name=filename or getattr(source, "name", None) or "tệp tải lên", data=data)
    path = Path(os.fspath(source))
    name = filename or path.name
    if not path.exists():
        raise IngestError(f"Không tìm thấy tệp “{name}” ({path}). Hãy kiểm tra lại đường dẫn.")
    if path.is_dir():
        raise IngestError(f"“{name}” là một thư mục, không phải tệp. Hãy chọn tệp dữ liệu.")
    return Source(name=name, path=path)


# ---------------------------------------------------------------------------------------
# What the file is
# ---------------------------------------------------------------------------------------
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = [
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"BM", None),  # checked below (bitmap) — too short a magic to trust alone
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"RIFF", "tệp ảnh/âm thanh (RIFF)"),
    (b"%PDF", "tệp PDF"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
    (b"MZ", "chương trình (.exe)"),
    (b"\x00\x00\x00\x18ftyp", "tệp video/ảnh HEIC"),
    (b"\x00\x00\x00\x1cftyp", "tệp video/ảnh HEIC"),
    (b"\x00\x00\x00 ftyp", "tệp video/ảnh HEIC"),
]


def _hint_ext(name: str) -> str:
    return Path(name).suffix.lower()


def _password_error(name: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” được đặt mật khẩu nên không đọc được. Hãy mở tệp bằng Excel, gỡ mật "
        "khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc › Mã hóa bằng mật khẩu, xóa mật khẩu), "
        "lưu lại rồi tải lên lại."
    )


def _corrupt_error(name: str, detail: str = "") -> IngestError:
    extra = f" ({detail})" if detail else ""
    return IngestError(
        f"Tệp “{name}” bị hỏng hoặc không đúng định dạng bảng tính Excel, không mở được{extra}. "
        "Hãy mở tệp bằng Excel, chọn Lưu thành (.xlsx) rồi tải lên lại, hoặc xuất lại tệp "
        "từ hệ thống một cửa."
    )


def _not_table_error(name: str, what: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” không phải bảng tính hay tệp CSV (có vẻ là {what}). Hãy chọn đúng tệp "
        "Excel (.xlsx, .xls) hoặc CSV xuất từ hệ thống một cửa điện tử."
    )


def sniff_format(src: Source) -> str:
    """'xlsx' | 'xls' | 'csv', or an IngestError saying what the file is instead."""
    if src.size == 0:
        raise IngestError(
            f"Tệp “{src.name}” rỗng (0 byte). Hãy xuất lại tệp từ hệ thống một cửa điện tử "
            "rồi tải lên lại."
        )
    head = src.head(4096)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(src.stream()) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _corrupt_error(src.name, "tệp nén bị cắt cụt") from exc
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            raise _not_table_error(src.name, "văn bản Word")
        if any(n.startswith("ppt/") for n in names):
            raise _not_table_error(src.name, "bài trình chiếu PowerPoint")
        if "content.xml" in names:
            raise IngestError(
                f"Tệp “{src.name}” là bảng tính OpenDocument (.ods). Hãy mở bằng Excel hoặc "
                "LibreOffice, lưu thành .xlsx rồi tải lên lại."
            )
        raise _not_table_error(src.name, "tệp nén .zip")
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(src)
    for magic, what in _BINARY_MAGIC:
        if what and head.startswith(magic):
            raise _not_table_error(src.name, what)
    if head.startswith(b"BM") and b"\x00" in head[:64]:
        raise _not_table_error(src.name, "ảnh BMP")
    if _looks_binary(head):
        raise _not_table_error(src.name, "tệp nhị phân, không phải văn bản")
    low = head[:2048].lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head or (
        low.lstrip().startswith(b"<?xml") and b"<workbook" in low
    ):
        raise IngestError(
            f"Tệp “{src.name}” là bảng tính dạng XML 2003, chưa đọc được. Hãy mở bằng Excel, "
            "chọn Lưu thành “Sổ làm việc Excel (.xlsx)” rồi tải lên lại."
        )
    if re.search(rb"<(html|table|!doctype html)", low.replace(b"\x00", b"")):
        raise IngestError(
            f"Tệp “{src.name}” thực chất là trang web (HTML) mang đuôi Excel. Hãy mở tệp bằng "
            "Excel, chọn Lưu thành “Sổ làm việc Excel (.xlsx)” rồi tải lên lại."
        )
    return "csv"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    sample = head[:4096]
    if not sample:
        return False
    nul = sample.count(b"\x00")
    if nul and _utf16_without_bom(sample):
        return False
    if nul:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > len(sample) * 0.05


def _utf16_without_bom(sample: bytes) -> str | None:
    even = sample[0::2].count(b"\x00")
    odd = sample[1::2].count(b"\x00")
    half = len(sample) / 2
    if odd > half * 0.6 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.6 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _sniff_ole(src: Source) -> str:
    import msoffcrypto
    import olefile

    try:
        with src.stream() as fh:
            office = msoffcrypto.OfficeFile(fh)
            if office.is_encrypted():
                raise _password_error(src.name)
    except IngestError:
        raise
    except Exception:  # noqa: BLE001 - msoffcrypto raises assorted errors on odd files
        pass
    try:
        with src.stream() as fh:
            ole = olefile.OleFileIO(fh)
            streams = {"/".join(p) for p in ole.listdir()}
            ole.close()
    except Exception as exc:  # noqa: BLE001
        raise _corrupt_error(src.name) from exc
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        raise _password_error(src.name)
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "WordDocument" in streams:
        raise _not_table_error(src.name, "văn bản Word (.doc)")
    if "PowerPoint Document" in streams:
        raise _not_table_error(src.name, "bài trình chiếu PowerPoint (.ppt)")
    raise _corrupt_error(src.name)


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------
Loader = Callable[[int, list[int], Callable[[float], None]], tuple[pd.DataFrame, np.ndarray]]


@dataclass
class Table:
    """One sheet (or the CSV): its first rows, its merged cells and a loader for the rest."""

    sheet: str | None
    head: list[list]
    merges: list[tuple[int, int, int, int]]  # 0-based inclusive (row1, col1, row2, col2)
    loader: Loader  # (first data row, columns, progress) -> (raw cells, 1-based row numbers)
    hidden: bool = False
    warnings: list[str] = field(default_factory=list)


def tables(src: Source, fmt: str) -> list[Table]:
    if fmt in ("xlsx", "xls"):
        fast = _calamine_tables(src)
        if fast is not None:
            return fast
        return _xlsx_tables(src) if fmt == "xlsx" else _xls_tables(src)
    return [_csv_table(src)]


# --- xlsx and xls through calamine (Rust; several times faster than openpyxl) ----------
def _calamine_tables(src: Source) -> list[Table] | None:
    """Every sheet through python-calamine, or None (not installed, or a file it can't
    read: the openpyxl / xlrd readers then try, and say what is wrong)."""
    try:
        import python_calamine as cal
    except ImportError:
        return None
    try:
        if src.path is not None:
            wb = cal.CalamineWorkbook.from_path(str(src.path))
        else:
            wb = cal.CalamineWorkbook.from_filelike(io.BytesIO(src.data))
        metas = list(wb.sheets_metadata)
        out = []
        for i, meta in enumerate(metas):
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = wb.get_sheet_by_index(i)
            head = sheet.to_python(skip_empty_area=False, nrows=HEAD_ROWS)
            merges = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]

            def loader(start, columns, progress, sheet=sheet):
                rows = sheet.to_python(skip_empty_area=False)
                progress(0.45)
                return _frame_from_rows(rows, start, columns, progress)

            out.append(Table(sheet=meta.name, head=[list(r) for r in head], merges=merges,
                             loader=loader, hidden="Visible" not in str(meta.visible)))
        return out
    except Exception:  # noqa: BLE001 - fall back to the pure-Python readers
        return None


def _frame_from_rows(rows: list, start: int, columns: list[int], progress) -> tuple[pd.DataFrame, np.ndarray]:
    body = rows[start:]
    # Trailing empty rows carry nothing.
    while body and not any(v is not None and v != "" for v in body[-1]):
        body.pop()
    data = {}
    n = len(body)
    for j, c in enumerate(columns):
        col = np.empty(n, dtype=object)
        col[:] = [r[c] if c < len(r) else None for r in body]
        data[c] = pd.Series(col, dtype=object)
        progress(0.5 + 0.1 * (j + 1) / max(1, len(columns)))
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    return frame, np.arange(start + 1, start + 1 + n, dtype=np.int64)


# --- xlsx ------------------------------------------------------------------------------
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _xlsx_merges(ws) -> list[tuple[int, int, int, int]]:
    out = []
    try:
        with ws._get_source() as fh:  # the sheet's XML inside the archive
            tail = b""
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                buf = tail + chunk
                for m in _MERGE_RE.finditer(buf):
                    c1, r1 = _col_index(m.group(1)), int(m.group(2)) - 1
                    if m.group(3):
                        c2, r2 = _col_index(m.group(3)), int(m.group(4)) - 1
                    else:
                        c2, r2 = c1, r1
                    out.append((r1, c1, r2, c2))
                tail = buf[-200:]
    except Exception:  # noqa: BLE001 - merges only help; a sheet without them still reads
        return []
    return sorted(set(out))


def _xlsx_tables(src: Source) -> list[Table]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(src.stream(), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        raise _corrupt_error(src.name) from exc
    out = []
    try:
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue  # a chart sheet
            ws.reset_dimensions()
            head = [list(r) for r in islice(ws.iter_rows(values_only=True), HEAD_ROWS)]
            merges = _xlsx_merges(ws)

            def loader(start, columns, progress, ws=ws):
                rows = []
                for i, r in enumerate(ws.iter_rows(values_only=True)):
                    rows.append(r)
                    if i % 20000 == 0 and i:
                        progress(min(0.45, 0.05 + i / 2_000_000))
                return _frame_from_rows(rows, start, columns, progress)

            out.append(Table(sheet=ws.title, head=head, merges=merges, loader=loader,
                             hidden=getattr(ws, "sheet_state", "visible") != "visible"))
    except Exception as exc:  # noqa: BLE001
        raise _corrupt_error(src.name) from exc
    return out


# --- xls -------------------------------------------------------------------------------
def _xls_tables(src: Source) -> list[Table]:
    import xlrd

    data = src.read()
    book = None
    for formatting in (True, False):
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=formatting, on_demand=True)
            break
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise _password_error(src.name) from exc
            if not formatting:
                raise _corrupt_error(src.name) from exc
        except Exception as exc:  # noqa: BLE001
            if not formatting:
                raise _corrupt_error(src.name) from exc
    datemode = book.datemode

    def value(cell):
        t = cell.ctype
        if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        if t == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
            except Exception:  # noqa: BLE001
                return cell.value
        if t == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        return cell.value

    out = []
    try:
        for idx in range(book.nsheets):
            sh = book.sheet_by_index(idx)
            head = [[value(c) for c in sh.row(r)] for r in range(min(HEAD_ROWS, sh.nrows))]
            merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]

            def loader(start, columns, progress, sh=sh):
                rows = []
                for r in range(sh.nrows):
                    rows.append([value(c) for c in sh.row(r)] if r >= start else ())
                    if r % 20000 == 0 and r:
                        progress(min(0.45, 0.05 + r / max(1, sh.nrows) * 0.4))
                return _frame_from_rows(rows, start, columns, progress)

            out.append(Table(sheet=sh.name, head=head, merges=merges, loader=loader,
                             hidden=getattr(sh, "visibility", 0) != 0))
    except Exception as exc:  # noqa: BLE001
        raise _corrupt_error(src.name) from exc
    return out


# --- CSV -------------------------------------------------------------------------------
def _encoding(src: Source, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bomless = _utf16_without_bom(head[:4096])
    if bomless:
        return bomless
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < HEAD_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1258")
        return "cp1258"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        raise IngestError(
            f"Không nhận ra bảng mã ký tự của tệp “{src.name}”. Hãy mở tệp bằng Excel và lưu "
            "thành “CSV UTF-8” hoặc .xlsx rồi tải lên lại."
        )
    return best.encoding


def _decode_head(head: bytes, encoding: str, complete: bool) -> str:
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = dec.decode(head, final=complete)
    if not complete:  # drop the partial last line
        cut = max(text.rfind("\n"), 0)
        text = text[:cut]
    return unicodedata.normalize("NFC", text)


def _csv_rows(text: str, sep: str, limit: int) -> tuple[list[list[str]], list[int]]:
    """The first records, and for each record (plus one past the last) the 0-based physical
    line it starts on (quoted values may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    out, lines = [], [0]
    try:
        for row in islice(reader, limit):
            out.append(row)
            lines.append(reader.line_num)
    except csv.Error:
        pass
    return out, lines


def _csv_table(src: Source) -> Table:
    from ingest.headers import find_header

    head = src.head(HEAD_BYTES)
    complete = src.size <= HEAD_BYTES
    encoding = _encoding(src, head)
    text = _decode_head(head, encoding, complete)
    best = None
    for sep in (",", ";", "\t", "|"):
        rows, lines = _csv_rows(text, sep, HEAD_ROWS)
        hb = find_header(rows)
        width = max((len(r) for r in rows), default=0)
        score = (hb.score if hb else 0, len(hb.columns) if hb else 0, width)
        if best is None or score > best[0]:
            best = (score, sep, rows, lines, hb)
    _, sep, rows, lines, hb = best

    def loader(start, columns, progress):
        if start < len(lines) and hb is not None and hb.bottom < len(rows):
            width = len(rows[hb.bottom])
            if max(columns, default=0) < width:
                fast = _read_csv_arrow(src, encoding, sep, lines[start], width, columns, progress)
                if fast is not None:
                    return _finish_csv(fast, start, columns)
        return _finish_csv(_read_csv_pandas(src, encoding, sep, start, columns, progress), start, columns)

    return Table(sheet=None, head=rows, merges=[], loader=loader)


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _read_csv_arrow(src: Source, encoding, sep, skip_lines, width, columns, progress):
    """pyarrow's multi-threaded CSV reader; None when some row has a ragged field count
    (the pandas reader then pads those rows)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    # The system allocator: pyarrow's default pool cost ~1.5 s of kernel time per 1M-row
    # file in bench/ (bench/RESULTS.md).
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())

    invalid = []

    def handler(row):
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    wanted = [names[c] for c in columns]
    block = 4 << 20
    try:
        reader = pcsv.open_csv(
            src.path if src.path is not None else pa.BufferReader(src.data),
            read_options=pcsv.ReadOptions(skip_rows=skip_lines, column_names=names,
                                          block_size=block, encoding=_arrow_encoding(encoding)),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                            ignore_empty_lines=False, invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, include_columns=wanted,
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
        batches = []
        for i, batch in enumerate(reader):
            batches.append(batch)
            if invalid:
                return None
            progress(min(0.45, 0.05 + 0.4 * (i + 1) * block / max(1, src.size)))
        if invalid:
            return None
        table = pa.Table.from_batches(batches, schema=reader.schema)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    data = {}
    for c, n in zip(columns, wanted):
        arr = table.column(n)
        arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
        data[c] = pd.Series(pd.arrays.ArrowStringArray(arr, dtype=pd.StringDtype(na_value=np.nan)))
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))


def _read_csv_pandas(src: Source, encoding, sep, start, columns, progress) -> pd.DataFrame:
    ncols = max(columns) + 1 if columns else 1
    kw = dict(
        sep=sep, header=None, dtype=str, keep_default_na=False, na_values=[],
        skip_blank_lines=False, skiprows=start, names=list(range(ncols)), usecols=columns,
        encoding=encoding, engine="c", quotechar='"', doublequote=True,
    )
    chunks = []
    est_rows = None
    try:
        reader = pd.read_csv(src.stream(), chunksize=200_000, **kw)
        with reader:
            for chunk in reader:
                chunks.append(chunk)
                if est_rows is None:
                    est_rows = max(1, int(src.size / max(1.0, _bytes_per_row(src))))
                done = sum(len(c) for c in chunks)
                progress(min(0.45, 0.05 + 0.4 * done / est_rows))
    except UnicodeDecodeError:
        kw["encoding_errors"] = "replace"
        chunks = [pd.read_csv(src.stream(), **kw)]
    except pd.errors.ParserError:
        chunks = [_read_csv_slow(src, encoding, sep, start, columns)]
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)


def _finish_csv(frame: pd.DataFrame, start: int, columns: list[int]):
    frame = frame.reset_index(drop=True)
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
        if not isinstance(frame[c].dtype, pd.StringDtype):
            frame[c] = frame[c].astype("str")
    frame = frame[columns]
    # Trailing blank lines carry nothing.
    n = len(frame)
    if n:
        nonblank = np.zeros(n, dtype=bool)
        for c in columns:
            nonblank |= (frame[c].fillna("") != "").to_numpy(dtype=bool)
        last = np.flatnonzero(nonblank)
        n = int(last[-1]) + 1 if len(last) else 0
        frame = frame.iloc[:n]
    return frame, np.arange(start + 1, start + 1 + n, dtype=np.int64)


def _bytes_per_row(src: Source) -> float:
    # The file's mean row length, estimated from its size and the first chunk.
    head = src.head(1 << 20)
    lines = head.count(b"\n") or 1
    return len(head) / lines


def _read_csv_slow(src: Source, encoding, sep, start, columns) -> pd.DataFrame:
    """Python's csv module, for files pandas' fast reader refuses (ragged quoting)."""
    raw = src.read().decode(encoding, errors="replace")
    raw = unicodedata.normalize("NFC", raw)
    reader = csv.reader(io.StringIO(raw, newline=""), delimiter=sep)
    rows = list(islice(reader, start, None))
    data = {c: [r[c] if c < len(r) else "" for r in rows] for c in columns}
    return pd.DataFrame(data, dtype="str")


def today_default() -> dt.date:
    from kpi import config

    return config.today()
