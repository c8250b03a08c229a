"""Opening an uploaded file: what it really is (by content, not by name), whether it is
within the limits of access.md "Uploads", its sheets, and the raw cells of the sheet that
holds the table.

What a file is, from its bytes:
- .xlsx (a ZIP holding ``xl/``), legacy .xls (an OLE container holding a ``Workbook``),
  CSV / "Unicode Text", and an HTML table saved with an Excel name (what several systems'
  "Xuất Excel" produce; read with lxml, its rowspan/colspan become the table's merges);
- a text file under an Excel name (or any name other than .csv/.txt/.tsv) is read as CSV
  when its rows hold a header the reader knows (with a warning that says so); otherwise it
  is refused as "không phải tệp Excel";
- refused, each with its own message naming what the file is: empty, PDF, images, Word and
  PowerPoint documents, ZIPs that are not workbooks (listing what they hold), other archives,
  OpenDocument, .xlsb, Excel 2003 XML, programs and other binaries; password-protected and
  corrupt workbooks.

Limits, each refused before the file is parsed, with its own message:
- the upload size of ``.streamlit/config.toml`` (``server.maxUploadSize``, MB; Streamlit's
  own ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` overrides it, as it does for the page), for the
  upload page and the command line alike;
- at most 200,000 rows and 200 columns per sheet: an .xlsx's sheet XML is scanned as a
  stream (its dimension, the row and column of every cell, also cells and rows without a
  reference) without materialising the grid; an .xls's BIFF records likewise; an HTML
  table's rows and cells. A CSV gets the column limit (every row of the file); its rows are
  bounded by the upload size, not by the sheet limit: the CSV reader is columnar (Arrow) and
  never builds a grid, and a year of a province's dossiers (1M rows, bench/) is a CSV
  (``MAX_CSV_ROWS`` sets a row limit for CSV too);
- an .xlsx whose uncompressed content exceeds 50 times its size or 1 GB (a zip bomb).

Text (CSV, HTML without a declared charset) is decoded in an encoding decided on the whole
file, never on its first block: UTF-8 (with or without BOM), UTF-16 (BOM, or evident without
one), else Windows-1258, else charset-normalizer's guess — and only an encoding that decodes
every byte is used. A file that no encoding decodes (UTF-8 with a broken row, a byte that
means nothing) is refused naming the line; nothing is ever stored with replacement
characters.

A reader that crashes on a hostile file anyway is contained by ``ingest.worker``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Callable

from ingest.model import IngestError


class _Lazy:
    """A module imported on first use: the parent process of the command line opens files
    (size, hash) without paying for NumPy and pandas, which only the reader needs. The
    global is replaced by the module itself on first use."""

    def __init__(self, alias: str, name: str):
        self._alias, self._name = alias, name

    def __getattr__(self, attr):
        import importlib

        module = importlib.import_module(self._name)
        globals()[self._alias] = module
        return getattr(module, attr)


np = _Lazy("np", "numpy")
pd = _Lazy("pd", "pandas")

HEAD_ROWS = 60  # rows scanned for the header block
HEAD_BYTES = 256 * 1024
CHUNK = 4 << 20  # bytes read at a time when a whole file is scanned

# Limits (access.md "Uploads").
MAX_ROWS = 200_000  # rows per sheet
MAX_COLS = 200  # columns per sheet
MAX_CSV_ROWS: int | None = None  # a CSV's rows: bounded by the upload size (see the docstring)
MAX_RATIO = 50  # an .xlsx's uncompressed content at most this many times its size
MAX_UNPACKED = 1 << 30  # … and at most 1 GB
DEFAULT_UPLOAD_MB = 200
STREAMLIT_CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
TEXT_NAMES = (".csv", ".txt", ".tsv", ".tab")  # names under which a text file is expected


def _n(value: int) -> str:
    """1048576 -> '1.048.576' (Vietnamese digit grouping)."""
    return f"{int(value):,}".replace(",", ".")


def _mb(size: int) -> str:
    text = f"{size / (1 << 20):.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _bytes_text(size: int) -> str:
    """A size as people say it: '9,6 KB', '250 MB', '1 GB'."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20)):
        if size >= scale:
            text = f"{size / scale:.1f}".replace(".", ",")
            return (text[:-2] if text.endswith(",0") else text) + " " + unit
    return f"{max(1, round(size / 1024))} KB"


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

    def chunks(self, size: int = CHUNK):
        """The whole file, a block at a time."""
        if self.data is not None:
            for i in range(0, len(self.data), size):
                yield self.data[i:i + size]
            return
        with open(self.path, "rb") as fh:
            while True:
                block = fh.read(size)
                if not block:
                    return
                yield block


def open_source(source, filename: str | None) -> Source:
    """The file to read, refused (IngestError) when it is missing, a folder, or larger than
    the upload limit — before anything reads it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        src = Source(name=filename or "tệp tải lên", data=bytes(source))
        check_size(src.name, src.size)
        return src
    if hasattr(source, "read"):  # an uploaded file object
        name = filename or getattr(source, "name", None) or "tệp tải lên"
        size = _stream_size(source)
        if size is not None:
            check_size(name, size)
        data = source.read()
        check_size(name, len(data))
        return Source(name=name, data=data)
    path = Path(os.fspath(source))
    name = filename or path.name
    if not path.exists():
        raise IngestError(f"Không tìm thấy tệp “{name}” ({path}). Hãy kiểm tra lại đường dẫn.")
    if path.is_dir():
        raise IngestError(f"“{name}” là một thư mục, không phải tệp. Hãy chọn tệp dữ liệu.")
    src = Source(name=name, path=path)
    check_size(name, src.size)
    return src


def _stream_size(fh) -> int | None:
    try:
        here = fh.tell()
        end = fh.seek(0, io.SEEK_END)
        fh.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return getattr(fh, "size", None)


# ---------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------
def max_upload_mb() -> float:
    """The upload limit in MB: ``server.maxUploadSize`` of .streamlit/config.toml (the
    environment variable Streamlit itself honours first), else 200."""
    env = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    if env:
        try:
            return float(env)
        except ValueError:
            pass
    try:
        import tomllib

        with open(STREAMLIT_CONFIG, "rb") as fh:
            value = tomllib.load(fh).get("server", {}).get("maxUploadSize")
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    except (OSError, ValueError):
        pass
    return float(DEFAULT_UPLOAD_MB)


def check_size(name: str, size: int) -> None:
    limit_mb = max_upload_mb()
    if size > limit_mb * (1 << 20):
        limit = _mb(int(limit_mb * (1 << 20)))
        raise IngestError(
            f"Tệp “{name}” có dung lượng {_mb(size)} MB, vượt giới hạn {limit} MB cho mỗi tệp "
            "(server.maxUploadSize trong .streamlit/config.toml). Hãy xuất từng kỳ ngắn hơn "
            f"(ví dụ từng tháng) để mỗi tệp nhỏ hơn {limit} MB rồi tải lên từng tệp."
        )


def _where(sheet: str | None) -> str:
    return f"trang tính “{sheet}”" if sheet else "bảng"


def _rows_error(name: str, sheet: str | None, rows: int | None, cell: str | None = None,
                limit: int | None = None) -> IngestError:
    """``rows``: the row that lies past the limit (None: more rows than the limit)."""
    limit = limit or MAX_ROWS
    if rows is None:
        what = f"có hơn {_n(limit)} dòng"
    elif cell:
        what = f"có dữ liệu ở ô {cell} (dòng {_n(rows)})"
    else:
        what = f"có dữ liệu ở dòng {_n(rows)}"
    return IngestError(
        f"Tệp “{name}”: {_where(sheet)} {what}, vượt giới hạn {_n(limit)} dòng mỗi trang "
        "tính. Hãy xuất từng kỳ ngắn hơn (ví dụ từng tháng), hoặc xóa các dòng thừa ở cuối "
        "trang tính, rồi tải lên lại."
    )


def _cols_error(name: str, sheet: str | None, cols: int, cell: str | None = None,
                line: int | None = None) -> IngestError:
    if cell:
        what = f"có dữ liệu ở ô {cell} (cột {_n(cols)})"
    elif line:
        what = f"có dòng {_n(line)} gồm {_n(cols)} cột"
    else:
        what = f"có một dòng gồm {_n(cols)} cột"
    return IngestError(
        f"Tệp “{name}”: {_where(sheet)} {what}, vượt giới hạn {_n(MAX_COLS)} cột mỗi trang "
        "tính. Hãy xóa các cột thừa ở bên phải bảng (chọn các cột trống, Xóa cột), lưu lại "
        "rồi tải lên lại."
    )


def _check_extent(name: str, sheet: str | None, rows: int, cols: int, cell: str) -> None:
    """Refuse a sheet with something at (rows, cols) (1-based) past the limits."""
    if cols > MAX_COLS:
        raise _cols_error(name, sheet, cols, cell)
    if rows > MAX_ROWS:
        raise _rows_error(name, sheet, rows, cell)


def _dimension_error(name: str, sheet: str | None, ref: str, rows: int, cols: int) -> IngestError:
    over = []
    if cols > MAX_COLS:
        over.append(f"{_n(cols)} cột (giới hạn {_n(MAX_COLS)})")
    if rows > MAX_ROWS:
        over.append(f"{_n(rows)} dòng (giới hạn {_n(MAX_ROWS)})")
    return IngestError(
        f"Tệp “{name}”: {_where(sheet)} ghi kích thước vùng dữ liệu {ref}, tức "
        + " và ".join(over) + ", vượt giới hạn mỗi trang tính. Hãy xóa các dòng, cột thừa "
        "ngoài bảng (chọn chúng, Xóa), lưu lại rồi tải lên lại."
    )


def _bomb_error(name: str, size: int, unpacked: int) -> IngestError:
    return IngestError(
        f"Tệp “{name}” ({_bytes_text(size)}) khi giải nén có nội dung tới {_bytes_text(unpacked)}, "
        f"vượt giới hạn (gấp {MAX_RATIO} lần dung lượng tệp, tối đa {_bytes_text(MAX_UNPACKED)}): tệp "
        "không phải một bảng xuất bình thường và bị từ chối trước khi đọc. Hãy xuất lại tệp "
        "từ hệ thống một cửa điện tử, hoặc mở bằng Excel, lưu lại dạng .xlsx rồi tải lên lại."
    )


# ---------------------------------------------------------------------------------------
# What the file is
# ---------------------------------------------------------------------------------------
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# (magic, kind of refusal, what it is)
_MAGIC = [
    (b"%PDF", "pdf", "PDF"),
    (b"\x89PNG", "image", "PNG"),
    (b"\xff\xd8\xff", "image", "JPEG"),
    (b"GIF87a", "image", "GIF"),
    (b"GIF89a", "image", "GIF"),
    (b"II*\x00", "image", "TIFF"),
    (b"MM\x00*", "image", "TIFF"),
    (b"\x00\x00\x01\x00", "image", "ICO"),
    (b"Rar!", "archive", "RAR"),
    (b"7z\xbc\xaf", "archive", "7z"),
    (b"\x1f\x8b", "archive", "gzip"),
    (b"BZh", "archive", "bzip2"),
    (b"\xfd7zXZ\x00", "archive", "xz"),
    (b"{\\rtf", "word", "văn bản RTF"),
    (b"MZ", "other", "chương trình (.exe)"),
    (b"\x7fELF", "other", "chương trình"),
    (b"ID3", "other", "tệp âm thanh"),
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


def _pdf_error(name: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” là tệp PDF, không phải bảng tính: số liệu trong tệp PDF không đọc được. "
        "Hãy tải bản Excel (.xlsx) của danh sách từ hệ thống một cửa điện tử (nút “Xuất "
        "Excel”) rồi tải lên tệp đó."
    )


def _image_error(name: str, what: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” là ảnh {what} (ảnh chụp hoặc ảnh quét), không phải bảng tính: số liệu "
        "trong ảnh không đọc được. Hãy tải tệp Excel (.xlsx) hoặc CSV gốc từ hệ thống một cửa "
        "điện tử rồi tải lên tệp đó."
    )


def _document_error(name: str, what: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” là {what}, không phải bảng tính. Hãy tải tệp Excel (.xlsx) gốc từ hệ "
        "thống một cửa điện tử; nếu chỉ có bảng trong văn bản, hãy chép bảng sang Excel, lưu "
        "thành .xlsx rồi tải lên."
    )


def _archive_error(name: str, what: str, inside: list[str] | None = None) -> IngestError:
    held = ""
    if inside:
        shown = ", ".join(f"“{n}”" for n in inside[:5])
        held = f" (bên trong có: {shown}{', …' if len(inside) > 5 else ''})"
    return IngestError(
        f"Tệp “{name}” là tệp nén {what}, không phải sổ làm việc Excel{held}. Hãy giải nén rồi "
        "tải lên từng tệp Excel (.xlsx, .xls) hoặc CSV bên trong."
    )


def _not_excel_text_error(name: str) -> IngestError:
    return IngestError(
        f"Tệp “{name}” không phải tệp Excel: nội dung là văn bản thuần (chữ), không phải bảng "
        "tính, và không có dòng tiêu đề cột nào nhận ra được (như “Mã hồ sơ”, “Ngày tiếp "
        "nhận”). Hãy tải đúng tệp Excel (.xlsx, .xls) hoặc CSV xuất từ hệ thống một cửa điện "
        "tử."
    )


_REFUSALS = {
    "pdf": lambda name, what: _pdf_error(name),
    "image": _image_error,
    "archive": _archive_error,
    "word": _document_error,
    "other": _not_table_error,
}


def sniff_format(src: Source) -> str:
    """'xlsx' | 'xls' | 'csv' | 'html', or an IngestError saying what the file is instead."""
    if src.size == 0:
        raise IngestError(
            f"Tệp “{src.name}” rỗng (0 byte). Hãy xuất lại tệp từ hệ thống một cửa điện tử "
            "rồi tải lên lại."
        )
    head = src.head(8192)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(src)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(src)
    for magic, kind, what in _MAGIC:
        if head.startswith(magic):
            raise _REFUSALS[kind](src.name, what)
    if head.startswith(b"BM") and len(head) > 26 and head[6:10] == b"\x00\x00\x00\x00":
        raise _image_error(src.name, "BMP")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        raise _image_error(src.name, "WEBP")
    if head.startswith(b"RIFF"):
        raise _not_table_error(src.name, "tệp âm thanh/video")
    if head[4:8] == b"ftyp":
        if head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"hevc"):
            raise _image_error(src.name, "HEIC")
        raise _not_table_error(src.name, "tệp video")
    if _looks_binary(head):
        raise _not_table_error(src.name, "tệp nhị phân, không phải văn bản")
    low = _marker_text(head)
    if b"urn:schemas-microsoft-com:office:spreadsheet" in low and b"<workbook" in low:
        raise IngestError(
            f"Tệp “{src.name}” là bảng tính dạng XML 2003, chưa đọc được. Hãy mở bằng Excel, "
            "chọn Lưu thành “Sổ làm việc Excel (.xlsx)” rồi tải lên lại."
        )
    if low.lstrip().startswith(b"mime-version:") or b"content-type: multipart/related" in low:
        raise IngestError(
            f"Tệp “{src.name}” là trang web lưu thành một tệp (MHTML) mang đuôi Excel, chưa đọc "
            "được. Hãy mở tệp bằng Excel, chọn Lưu thành “Sổ làm việc Excel (.xlsx)” rồi tải "
            "lên lại."
        )
    if re.search(rb"<(html|table|!doctype html|body|tr|td)[\s>]", low):
        return "html"
    return "csv"


def _marker_text(head: bytes) -> bytes:
    """The head, lower-cased, as ASCII-ish bytes whatever its encoding (UTF-16's NULs
    dropped), to look for markers such as <html>."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(head[:4096]):
        head = head.replace(b"\x00", b"")
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    return head[:8192].lower()


def _sniff_zip(src: Source) -> str:
    try:
        with zipfile.ZipFile(src.stream()) as zf:
            names = [i.filename for i in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt_error(src.name, "tệp nén bị cắt cụt") from exc
    found = set(names)
    if "xl/workbook.bin" in found:
        raise IngestError(
            f"Tệp “{src.name}” là sổ làm việc Excel dạng nhị phân (.xlsb), chưa đọc được. Hãy mở "
            "bằng Excel, chọn Lưu thành “Sổ làm việc Excel (.xlsx)” rồi tải lên lại."
        )
    if "xl/workbook.xml" in found or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        raise _document_error(src.name, "văn bản Word (.docx)")
    if any(n.startswith("ppt/") for n in names):
        raise _document_error(src.name, "bài trình chiếu PowerPoint (.pptx)")
    if "content.xml" in found:
        mime = _zip_text(src, "mimetype")
        if "opendocument.text" in mime:
            raise _document_error(src.name, "văn bản OpenDocument (.odt)")
        raise IngestError(
            f"Tệp “{src.name}” là bảng tính OpenDocument (.ods). Hãy mở bằng Excel hoặc "
            "LibreOffice, lưu thành .xlsx rồi tải lên lại."
        )
    inside = [Path(n).name for n in names if not n.endswith("/")]
    raise _archive_error(src.name, "ZIP", inside)


def _zip_text(src: Source, member: str, limit: int = 1 << 16) -> str:
    try:
        with zipfile.ZipFile(src.stream()) as zf, zf.open(member) as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return ""


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
        raise _document_error(src.name, "văn bản Word (.doc)")
    if "PowerPoint Document" in streams:
        raise _document_error(src.name, "bài trình chiếu PowerPoint (.ppt)")
    raise _corrupt_error(src.name)


# ---------------------------------------------------------------------------------------
# Limits of a workbook, checked on its bytes before any reader parses it
# ---------------------------------------------------------------------------------------
def _col_letters(col: int) -> str:
    """1-based column number -> Excel letters (16384 -> 'XFD')."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def check_xlsx(src: Source) -> None:
    """Refuse a zip bomb, and any sheet whose used range passes the limits, from the
    archive's directory and the sheets' XML (streamed; the grid is never built)."""
    try:
        zf = zipfile.ZipFile(src.stream())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt_error(src.name, "tệp nén bị cắt cụt") from exc
    with zf:
        infos = zf.infolist()
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(1, src.size):
            raise _bomb_error(src.name, src.size, unpacked)
        for sheet, member in _xlsx_sheet_parts(zf):
            try:
                with zf.open(member) as fh:
                    _scan_sheet_xml(fh, sheet, src.name)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                raise _corrupt_error(src.name) from exc


_ATTR_RE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _tags(data: bytes, local: bytes):
    for m in re.finditer(rb"<(?:[\w.-]+:)?" + local + rb"\b([^>]*)>", data):
        yield {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(m.group(1))}


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str | None, str]]:
    """(sheet name, archive member) of every worksheet: those the workbook's relationships
    name, and any other part under xl/worksheets/."""
    import html
    import posixpath

    def small(member: str) -> bytes:
        try:
            with zf.open(member) as fh:
                return fh.read(16 << 20)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            return b""

    targets = {}
    for a in _tags(small("xl/_rels/workbook.xml.rels"), b"Relationship"):
        if a.get(b"Type", b"").endswith(b"/worksheet") and b"Target" in a:
            t = a[b"Target"].decode("utf-8", "replace")
            t = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
            targets[a.get(b"Id", b"")] = t
    out, seen = [], set()
    members = {i.filename for i in zf.infolist()}
    for a in _tags(small("xl/workbook.xml"), b"sheet"):
        member = targets.get(a.get(b"id", b""))
        if member in members and member not in seen:
            name = html.unescape(a.get(b"name", b"").decode("utf-8", "replace")) or None
            out.append((name, member))
            seen.add(member)
    for member in sorted(members):
        if member not in seen and re.fullmatch(r"xl/worksheets/[^/]+\.xml", member):
            out.append((None, member))
    return out


def _scan_sheet_xml(fh, sheet: str | None, name: str) -> None:
    """Refuse the sheet if its dimension, or any row or cell, lies past the limits.

    Fast path, for sheets written the usual way (every <row> and <c> starting with its r="…"
    reference, under no prefix or the root's, as Excel and the common writers do): the tags are
    located and their references decoded with NumPy, a block at a time. Anything else
    (implicit references, prefixes, attributes in another order) is walked exactly with
    lxml's iterparse (``_scan_sheet_exact``)."""
    rest = b""
    root_seen = False
    prefix = b""
    for chunk in iter(lambda: fh.read(CHUNK), b""):
        buf = rest + chunk
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = len(buf)
        work = buf[:cut]
        rest = buf[cut:] if len(buf) - cut <= 65536 else buf[cut:cut + 256]
        if not root_seen:
            m = re.search(rb"<([\w.-]+:)?worksheet[\s>]", work)
            if m is None:
                if len(work) > (1 << 20):
                    return _scan_sheet_exact(fh, sheet, name, restart=True)
                rest = work + rest
                continue
            prefix = m.group(1) or b""  # the root's prefix (x:) is taken off every tag
        if prefix:
            work = work.replace(b"<" + prefix, b"<").replace(b"</" + prefix, b"</")
        if not root_seen:
            root_seen = True
            dim = _DIM_RE.search(work)
            if dim:
                col2, row2 = dim.group(3) or dim.group(1), dim.group(4) or dim.group(2)
                cols, rows = _col_index(col2) + 1, int(row2)
                if cols > MAX_COLS or rows > MAX_ROWS:
                    raise _dimension_error(name, sheet, dim.group(0).split(b'"')[1].decode(), rows, cols)
        if not _scan_block(work, sheet, name):
            return _scan_sheet_exact(fh, sheet, name, restart=True)
    if not root_seen:
        _scan_sheet_exact(fh, sheet, name, restart=True)


_DIM_RE = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
@lru_cache(maxsize=1)
def _byte_classes():
    """(what may follow a tag's name: space, >, /; A-Z; 0-9) as 256-entry lookup tables."""
    tag_end = np.zeros(256, dtype=bool)
    tag_end[[32, 9, 10, 13, 62, 47]] = True
    letter = np.zeros(256, dtype=bool)
    letter[65:91] = True
    digit = np.zeros(256, dtype=bool)
    digit[48:58] = True
    return tag_end, letter, digit


def _scan_block(work: bytes, sheet: str | None, name: str) -> bool:
    """Check one block of a sheet's XML (cut before a '<'). False: the block has cells or
    rows the fast path can't place (the caller then walks the sheet exactly)."""
    _TAG_END, _LETTER, _ = _byte_classes()
    a = np.frombuffer(work + b"\0" * 24, dtype=np.uint8)
    head = a[:len(work)]
    colon = np.flatnonzero(head == 58)  # a prefixed <x:c> or <x:row> anywhere: exact walk
    if len(colon):
        after = a[colon + 1]
        if (((after == 99) & _TAG_END[a[colon + 2]])
                | ((after == 114) & (a[colon + 2] == 111) & (a[colon + 3] == 119)
                   & _TAG_END[a[colon + 4]])).any():
            return False
    nxt = a[1:len(work) + 1]
    tags = np.flatnonzero((head == 60) & ((nxt == 99) | (nxt == 114)))  # "<c", "<r"
    first = a[tags + 1]
    cells = tags[(first == 99) & _TAG_END[a[tags + 2]]]
    rows = tags[(first == 114) & (a[tags + 2] == 111) & (a[tags + 3] == 119) & _TAG_END[a[tags + 4]]]
    if not ((a[cells + 2] == 32) & (a[cells + 3] == 114) & (a[cells + 4] == 61)
            & (a[cells + 5] == 34)).all():
        return False
    if not ((a[rows + 4] == 32) & (a[rows + 5] == 114) & (a[rows + 6] == 61)
            & (a[rows + 7] == 34)).all():
        return False
    # A cell's reference r="…": 1-3 letters, then its row's 1-8 digits, then a quote.
    p = cells + 6
    l0, l1, l2 = a[p], a[p + 1], a[p + 2]
    is1, is2, is3 = _LETTER[l1], _LETTER[l2], _LETTER[a[p + 3]]
    if not _LETTER[l0].all() or is3.any() or (is2 & ~is1).any():
        return False
    letters = 1 + is1.astype(np.int64) + is2
    digits = _digit_run(a, p + letters)
    if ((digits < 1) | (digits > 8)).any():
        return False
    far = is2 | (is1 & ((l0 > 71) | ((l0 == 71) & (l1 > 82))))  # 3 letters, or past GR
    far |= (digits >= 7) | ((digits == 6) & (a[p + letters] >= 50))  # row 200000 and on
    for i in np.flatnonzero(far):
        ref = work[int(p[i]):int(p[i] + letters[i] + digits[i])].decode("ascii", "replace")
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if m is None:
            return False
        _check_extent(name, sheet, int(m.group(2)), _col_index(m.group(1).encode()) + 1, ref)
    pr = rows + 8
    digits = _digit_run(a, pr)
    if ((digits < 1) | (digits > 8)).any():
        return False
    for i in np.flatnonzero((digits >= 7) | ((digits == 6) & (a[pr] >= 50))):
        start = int(pr[i])
        number = work[start:start + int(digits[i])]
        if not number.isdigit():
            return False
        tag_end = work.find(b">", start)
        if int(number) > MAX_ROWS and tag_end > 0 and work[tag_end - 1:tag_end] != b"/":
            raise _rows_error(name, sheet, int(number))  # (an empty <row/> carries nothing)
    return True


def _digit_run(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """How many digits start at each position and are closed by a quote (0: not so; 9: too
    many — the caller walks the sheet exactly)."""
    _DIGIT = _byte_classes()[2]
    live = np.ones(len(p), dtype=bool)
    count = np.zeros(len(p), dtype=np.int64)
    for k in range(9):
        live &= _DIGIT[a[p + k]]
        count += live
    return np.where(a[p + count] == 34, count, 0)


def _scan_sheet_exact(fh, sheet: str | None, name: str, restart: bool = False) -> None:
    """Every row and cell of the sheet, references implicit or explicit, any namespace."""
    from lxml import etree

    if restart:
        fh.seek(0)
    row_i, col_i, rows_seen = 0, 0, 0
    ref_re = re.compile(r"([A-Z]+)(\d+)")
    try:
        for event, el in etree.iterparse(fh, events=("start", "end"), tag=("{*}row", "{*}c"),
                                         resolve_entities=False, no_network=True, huge_tree=True):
            local = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if local == "row":
                    r = el.get("r")
                    row_i = int(r) if r and r.isdigit() else row_i + 1
                    col_i = 0
                    rows_seen += 1
                    if rows_seen > MAX_ROWS:
                        raise _rows_error(name, sheet, None)
                    continue
                ref = ref_re.fullmatch(el.get("r") or "")
                if ref:
                    col_i, cell_row = _col_index(ref.group(1).encode()) + 1, int(ref.group(2))
                else:
                    col_i, cell_row = col_i + 1, row_i
                if col_i > MAX_COLS or cell_row > MAX_ROWS:
                    _check_extent(name, sheet, cell_row, col_i, f"{_col_letters(col_i)}{cell_row}")
            elif local == "row":
                el.clear(keep_tail=True)
                while el.getprevious() is not None:
                    del el.getparent()[0]
    except etree.XMLSyntaxError:
        return  # a broken sheet: the readers say it is corrupt


_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x0204, 0x00D6,
               0x0003, 0x0004, 0x0001, 0x0002, 0x0005, 0x0206, 0x0406}
_BIFF_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first col, …, last col
_BIFF_BOF = {0x0809, 0x0409, 0x0209, 0x0009}


def check_xls(src: Source) -> None:
    """Refuse an .xls sheet whose DIMENSIONS or any cell record lies past the limits, by
    walking the BIFF records of its Workbook stream (no cell is decoded)."""
    import olefile

    try:
        with src.stream() as fh:
            ole = olefile.OleFileIO(fh)
            stream = "Workbook" if ole.exists("Workbook") else "Book"
            data = ole.openstream(stream).read()
            ole.close()
    except Exception as exc:  # noqa: BLE001 - olefile raises assorted errors on odd files
        raise _corrupt_error(src.name) from exc
    biff5 = stream == "Book"
    unpack = struct.unpack_from
    names: dict[int, str] = {}
    depth = []  # the substreams open at this record (globals, a sheet, a chart inside it)
    pos, n = 0, len(data)
    while pos + 4 <= n:
        rt, ln = unpack("<HH", data, pos)
        body = pos + 4
        if rt == 0x0085 and ln >= 8:  # BOUNDSHEET: offset of the sheet's BOF, name
            names[unpack("<I", data, body)[0]] = _biff_sheet_name(data[body + 6:body + ln], biff5)
        elif rt in _BIFF_BOF:
            depth.append(names.get(pos, depth[-1] if depth else ""))
        elif rt == 0x000A:  # EOF
            if depth:
                depth.pop()
        elif depth:
            row = col = -1
            if rt in _BIFF_CELLS and ln >= 4:
                row, col = unpack("<HH", data, body)
            elif rt in _BIFF_MULTI and ln >= 6:
                row = unpack("<H", data, body)[0]
                col = unpack("<H", data, body + ln - 2)[0]
            elif rt == 0x0200 and ln >= 10:  # DIMENSIONS: the used range's last row + 1, col + 1
                rows, cols = (unpack("<I", data, body + 4)[0], unpack("<H", data, body + 10)[0]) \
                    if ln >= 14 else (unpack("<H", data, body + 2)[0], unpack("<H", data, body + 6)[0])
                if rows > MAX_ROWS or cols > MAX_COLS:
                    raise _dimension_error(src.name, depth[-1] or None,
                                           f"A1:{_col_letters(cols)}{rows}", rows, cols)
            if row >= MAX_ROWS or col >= MAX_COLS:
                _check_extent(src.name, depth[-1] or None, row + 1, col + 1,
                              f"{_col_letters(col + 1)}{row + 1}")
        pos = body + ln


def _biff_sheet_name(raw: bytes, biff5: bool) -> str:
    if len(raw) < 2:
        return ""
    if biff5:
        return raw[1:1 + raw[0]].decode("cp1258", "replace")
    count, flags = raw[0], raw[1]
    try:
        if flags & 1:
            return raw[2:2 + 2 * count].decode("utf-16-le")
        return raw[2:2 + count].decode("latin-1")
    except UnicodeDecodeError:
        return ""


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------
Loader = Callable[[int, list[int], Callable[[float], None]], "tuple[pd.DataFrame, np.ndarray]"]


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
    """Every table of the file, after the limits are checked on its bytes."""
    if fmt == "xlsx":
        check_xlsx(src)
    elif fmt == "xls":
        check_xls(src)
    if fmt in ("xlsx", "xls"):
        found = _calamine_tables(src)
        if found is None:
            found = _xlsx_tables(src) if fmt == "xlsx" else _xls_tables(src)
        for t in found:  # a merge can't reach past the cells the limits allow
            t.merges = [(r1, c1, min(r2, MAX_ROWS - 1), min(c2, MAX_COLS - 1))
                        for r1, c1, r2, c2 in t.merges if r1 < MAX_ROWS and c1 < MAX_COLS]
        return found
    if fmt == "html":
        return _html_tables(src)
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


# --- Text encoding, decided on the whole file --------------------------------------------
_ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                    "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "cp1258": "Windows-1258"}
_ASCII = bytes(range(128))


def text_encoding(src: Source) -> str:
    """The encoding of a text file, decided on all of its bytes (exports.md): a BOM or
    evident UTF-16, else UTF-8 when every byte is UTF-8, else Windows-1258, else
    charset-normalizer's guess — whichever decodes the whole file. Raises IngestError naming
    the line when none does (never decode with replacement characters)."""
    head = src.head(4096)
    declared = None
    if head.startswith(codecs.BOM_UTF8):
        declared = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = "utf-16"
    else:
        declared = _utf16_without_bom(head)
    if declared:
        bad = _first_bad_byte(src, declared)
        if bad:
            raise _decode_error(src, declared, *bad)
        return declared
    bad = _first_bad_byte(src, "utf-8")
    if bad is None:
        return "utf-8"
    if _mostly_utf8(src):  # UTF-8 with a broken row: no encoding reads it right
        raise _decode_error(src, "utf-8", *bad)
    legacy_bad = _first_bad_byte(src, "cp1258")
    if legacy_bad is None:
        return "cp1258"
    from charset_normalizer import from_bytes

    best = from_bytes(src.read()).best()
    if best is not None and _first_bad_byte(src, best.encoding) is None:
        return best.encoding
    raise _decode_error(src, "cp1258", *legacy_bad)


def _first_bad_byte(src: Source, encoding: str) -> tuple[int, int] | None:
    """(line, byte value) of the first byte ``encoding`` can't decode, or None."""
    if encoding in ("utf-8", "utf-8-sig") and _utf8_valid(src):
        return None  # Arrow's validator says so, 3x faster than decoding; else find the byte below
    dec = codecs.getincrementaldecoder(encoding)()
    done = 0
    try:
        for block in src.chunks():
            pending = len(dec.getstate()[0])
            try:
                dec.decode(block)
            except UnicodeDecodeError as exc:
                return _bad_at(src, done - pending + exc.start)
            done += len(block)
        pending = len(dec.getstate()[0])
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _bad_at(src, done - pending + exc.start)
    except LookupError:
        return 1, 0
    return None


def _utf8_valid(src: Source) -> bool:
    """Is every byte of the file part of valid UTF-8 (Arrow's SIMD validator, a block at a
    time, no copy; a character cut by a block's end is completed from the next block)?
    False also when unsure: the caller then decodes the file exactly."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return False
    carry = b""
    for block in src.chunks():
        start = 0
        if carry:
            start = _utf8_len(carry[0]) - len(carry)
            if start > len(block) or not _utf8_range_valid(pa, carry + block[:start], 0, len(carry) + start):
                return False
            carry = b""
        cut = len(block)
        for k in range(1, min(4, len(block) - start) + 1):
            b = block[-k]
            if b < 0x80:
                break
            if b >= 0xC0:  # a lead byte: is its sequence complete in this block?
                if k < _utf8_len(b):
                    cut = len(block) - k
                break
        if not _utf8_range_valid(pa, block, start, cut):
            return False
        carry = block[cut:]
    return not carry


def _utf8_len(lead: int) -> int:
    return 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _utf8_range_valid(pa, data: bytes, start: int, end: int) -> bool:
    if end <= start:
        return True
    offsets = pa.py_buffer(struct.pack("<qq", start, end))
    arr = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _bad_at(src: Source, offset: int) -> tuple[int, int]:
    offset = max(0, offset)
    lines, seen = 1, 0
    for block in src.chunks():
        if seen + len(block) > offset:
            lines += block[:offset - seen].count(b"\n")
            return lines, block[offset - seen]
        lines += block.count(b"\n")
        seen += len(block)
    return lines, 0


def _mostly_utf8(src: Source) -> bool:
    """Are most of the file's non-ASCII bytes valid UTF-8 sequences (a UTF-8 file with a few
    broken bytes), rather than a legacy code page's letters?"""
    dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
    high = bad = 0
    for block in src.chunks():
        high += len(block.translate(None, _ASCII))  # the bytes >= 0x80
        bad += dec.decode(block).count("\ufffd")
    bad += dec.decode(b"", final=True).count("\ufffd")
    return bad * 4 < high


def _decode_error(src: Source, encoding: str, line: int, byte: int) -> IngestError:
    label = _ENCODING_LABELS.get(encoding, encoding)
    return IngestError(
        f"Tệp “{src.name}” có ký tự không đọc được ở dòng {_n(line)} (byte 0x{byte:02X} không "
        f"hợp lệ trong bảng mã {label}): tệp không theo một bảng mã ký tự thống nhất, nên không "
        "được nạp để không lưu chữ sai. Hãy mở tệp bằng Excel, kiểm tra dòng đó (hoặc xuất lại "
        "tệp từ hệ thống), chọn Lưu thành “CSV UTF-8” hoặc .xlsx rồi tải lên lại."
    )


# --- HTML tables (an .xls that is really a web page) -----------------------------------------
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)")


def _html_encoding(src: Source) -> str:
    head = src.head(8192)
    if not head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        m = _META_CHARSET.search(_marker_text(head))
        if m:
            try:
                declared = codecs.lookup(m.group(1).decode("ascii")).name
            except (LookupError, UnicodeDecodeError):
                declared = None
            if declared and _first_bad_byte(src, declared) is None:
                return declared
    return text_encoding(src)


def _html_utf8(src: Source):
    """A binary stream of the page in UTF-8 (the parser is told so)."""
    encoding = _html_encoding(src)
    if encoding in ("utf-8", "utf_8"):
        return src.stream()
    dec = codecs.getincrementaldecoder(encoding)()
    out = io.BytesIO()
    for block in src.chunks():
        out.write(dec.decode(block).encode("utf-8"))
    out.write(dec.decode(b"", final=True).encode("utf-8"))
    out.seek(0)
    return out


def _span(value, default: int = 1) -> int:
    try:
        return max(0, int(str(value).strip()))
    except (TypeError, ValueError):
        return default


def _html_cell_text(td) -> str | None:
    for br in td.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = " ".join("".join(td.itertext()).split())
    return unicodedata.normalize("NFC", text) if text else None


def _html_tables(src: Source) -> list[Table]:
    """Every <table> of the page as a Table: rowspan/colspan become merges (the spanned
    cells left empty, as in a workbook), so two-row headers are found as in Excel."""
    from lxml import etree

    if src.size > 0 and sum(b.count(b"<tr") + b.count(b"<TR") for b in src.chunks()) > MAX_ROWS:
        raise _rows_error(src.name, None, None)
    groups: dict = {}
    count = 0
    try:
        with _html_utf8(src) as fh:
            for _, tr in etree.iterparse(fh, events=("end",), tag="tr", html=True, encoding="utf-8",
                                         recover=True, no_network=True, huge_tree=True,
                                         remove_comments=True):
                table = next(tr.iterancestors("table"), None)
                cells = [(_html_cell_text(td), _span(td.get("rowspan")), _span(td.get("colspan")))
                         for td in tr if td.tag in ("td", "th")]
                groups.setdefault(table, []).append(cells)
                count += 1
                if count > MAX_ROWS:
                    raise _rows_error(src.name, None, None)
                tr.clear(keep_tail=True)
    except etree.XMLSyntaxError:
        pass  # what was read so far stands; an empty page is refused below
    found = [rows for rows in groups.values() if any(t for r in rows for t, _, _ in r)]
    if not found:
        raise IngestError(
            f"Tệp “{src.name}” là trang web (HTML), không phải tệp Excel, và không có bảng số "
            "liệu nào. Hãy xuất lại danh sách từ hệ thống một cửa điện tử (nút “Xuất Excel”), "
            "hoặc mở tệp bằng Excel, lưu thành .xlsx rồi tải lên lại."
        )
    out = []
    for i, rows in enumerate(found):
        sheet = f"Bảng {i + 1}" if len(found) > 1 else None
        grid, merges = _html_grid(rows, src.name, sheet)

        def loader(start, columns, progress, grid=grid):
            return _frame_from_rows(grid, start, columns, progress)

        out.append(Table(sheet=sheet, head=grid[:HEAD_ROWS], merges=merges, loader=loader))
    return out


def _html_grid(rows: list[list[tuple]], name: str, sheet: str | None):
    """The table's cells laid out as a grid the way a browser does it (rowspan=0 runs to
    the end; spans clipped to the table), with the spans as (r1, c1, r2, c2) merges."""
    n = len(rows)
    down: dict[int, int] = {}  # column -> last row a rowspan from above covers
    placed: list[dict[int, str | None]] = []
    spans = []
    width = 0
    for r, cells in enumerate(rows):
        line: dict[int, str | None] = {}
        c = 0
        for text, rs, cs in cells:
            while down.get(c, -1) >= r:
                c += 1
            if c >= MAX_COLS:
                raise _cols_error(name, sheet, c + 1, line=r + 1)
            cs = max(1, min(cs, MAX_COLS - c))
            rs = n - r if rs == 0 else max(1, min(rs, n - r))
            line[c] = text
            if rs > 1 or cs > 1:
                spans.append((r, c, r + rs - 1, c + cs - 1))
            for k in range(c, c + cs):
                down[k] = max(down.get(k, -1), r + rs - 1)
            width = max(width, c + 1)
            c += cs
        placed.append(line)
    grid = [[line.get(c) for c in range(width)] for line in placed]
    merges = [(r1, c1, r2, min(c2, width - 1)) for r1, c1, r2, c2 in spans
              if (r2 > r1 or min(c2, width - 1) > c1)]
    return grid, merges


# --- CSV -------------------------------------------------------------------------------
def _decode_head(head: bytes, encoding: str, complete: bool) -> str:
    dec = codecs.getincrementaldecoder(encoding)()
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


_SEP_NAMES = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "dấu tab", "|": "dấu |"}


def _csv_table(src: Source) -> Table:
    from ingest.headers import find_header

    head = src.head(HEAD_BYTES)
    complete = src.size <= HEAD_BYTES
    encoding = text_encoding(src)
    if MAX_CSV_ROWS is not None:
        lines, last = 0, b""
        for block in src.chunks():
            lines, last = lines + block.count(b"\n"), block[-1:]
        if lines + (last != b"\n") > MAX_CSV_ROWS:
            raise _rows_error(src.name, None, None, limit=MAX_CSV_ROWS)
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
    for i, r in enumerate(rows):
        if len(r) > MAX_COLS:
            raise _cols_error(src.name, None, len(r), line=lines[i] + 1)
    warnings = []
    if _hint_ext(src.name) not in TEXT_NAMES:
        if hb is None:
            raise _not_excel_text_error(src.name)
        warnings.append(
            f"Tệp “{src.name}” thực chất là tệp CSV (văn bản, các cột cách nhau bằng "
            f"{_SEP_NAMES[sep]}), không phải tệp Excel; đã đọc như tệp CSV."
        )

    def loader(start, columns, progress):
        if start < len(lines) and hb is not None and hb.bottom < len(rows):
            width = len(rows[hb.bottom])
            if max(columns, default=0) < width:
                fast = _read_csv_arrow(src, encoding, sep, lines[start], width, columns, progress)
                if fast is not None:
                    return _finish_csv(fast, start, columns)
        return _finish_csv(_read_csv_pandas(src, encoding, sep, start, columns, progress), start, columns)

    return Table(sheet=None, head=rows, merges=[], loader=loader, warnings=warnings)


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


WHOLE_READ_BYTES = 16 << 20  # from this size a CSV is read in one multi-threaded pass


def _read_csv_arrow(src: Source, encoding, sep, skip_lines, width, columns, progress):
    """pyarrow's multi-threaded CSV reader; None when some row has a ragged field count
    (the pandas reader then pads those rows)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    # The system allocator: pyarrow's default pool cost ~1.5 s of kernel time per 1M-row
    # file in bench/ (bench/RESULTS.md).
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())

    invalid, wide = [], []

    def handler(row):
        # Kept small whatever the file holds: whether a row is ragged, and the widest row
        # over the column limit (the message names it; pyarrow's parallel read sees the rows
        # in no set order, the widest is the same every time).
        if row.actual_columns > MAX_COLS:
            if not wide or row.actual_columns > wide[0].actual_columns:
                wide[:] = [row]
        elif not invalid:
            invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    wanted = [names[c] for c in columns]
    block = 4 << 20
    options = dict(
        read_options=pcsv.ReadOptions(skip_rows=skip_lines, column_names=names,
                                      block_size=block, encoding=_arrow_encoding(encoding)),
        parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                        ignore_empty_lines=False, invalid_row_handler=handler),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.large_string() for n in names}, include_columns=wanted,
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    source = src.path if src.path is not None else pa.BufferReader(src.data)
    try:
        if src.size > WHOLE_READ_BYTES:
            # One multi-threaded read (blocks parsed on every core; the streaming reader
            # below parses one block at a time): 1M rows 0,3 s sooner (bench/RESULTS.md).
            table = pcsv.read_csv(source, **options)
            progress(0.45)
        else:
            reader = pcsv.open_csv(source, **options)
            batches = []
            for i, batch in enumerate(reader):
                batches.append(batch)
                if wide or invalid:
                    break
                progress(min(0.45, 0.05 + 0.4 * (i + 1) * block / max(1, src.size)))
            table = None if wide or invalid else pa.Table.from_batches(batches, schema=reader.schema)
        if wide:
            raise _cols_error(src.name, None, wide[0].actual_columns, line=wide[0].number)
        if invalid:
            return None
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    # The reader's working buffers are free now; hand them back to the system (the peak of a
    # 1M-row file: 0.7 -> 0.4 GB resident before the columns are cleaned).
    pa.default_memory_pool().release_unused()
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
    raw = src.read().decode(encoding)  # the encoding decodes the whole file (text_encoding)
    raw = unicodedata.normalize("NFC", raw)
    reader = csv.reader(io.StringIO(raw, newline=""), delimiter=sep)
    rows = list(islice(reader, start, None))
    wide = next((i for i, r in enumerate(rows) if len(r) > MAX_COLS), None)
    if wide is not None:
        raise _cols_error(src.name, None, len(rows[wide]), line=start + wide + 1)
    data = {c: [r[c] if c < len(r) else "" for r in rows] for c in columns}
    return pd.DataFrame(data, dtype="str")


def today_default() -> dt.date:
    from kpi import config

    return config.today()
