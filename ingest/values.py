"""Cell values of the exports -> typed columns (exports.md, kpi-definitions.md).

Every parser takes a pandas Series of raw cells (``str`` for CSV, mixed Python objects for
workbooks) and returns ``(values, bad)``: the typed Series and a numpy bool mask of cells
that were not blank but could not be read. Work is vectorised: text columns go through
pyarrow compute, coded columns are parsed once per distinct value (``pd.factorize``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.headers import clean, fold

# ---------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------


_STR_DTYPE = pd.StringDtype(na_value=np.nan)


def _is_str_series(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype)


def _arrow(s: pd.Series) -> pa.ChunkedArray:
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        arr = s.array.__arrow_array__()
    else:
        arr = pa.array(s.astype(object).where(s.notna(), None), type=pa.large_string())
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def arrow_text(s: pd.Series) -> pa.ChunkedArray:
    """The text cells of a column as Arrow strings (no copy when Arrow-backed already)."""
    return _arrow(s)


def str_series(arr, index=None) -> pd.Series:
    """A pyarrow string array as a pandas ``str`` Series, without copying."""
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arr, dtype=_STR_DTYPE), index=index)


def _clean_arrow(arr):
    """NFC, whitespace collapsed and trimmed; each step only when the column needs it (a
    column already clean is given back as it is: no copy of a big file's text)."""
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    if not pc.all(pc.string_is_ascii(arr)).as_py():
        normal = pc.utf8_normalize(arr, "NFC")
        if not normal.equals(arr):
            arr = normal
    if pc.any(pc.match_substring_regex(arr, r"\s\s|[\t\r\n\x{a0}\x{2007}\x{202f}]")).as_py():
        arr = pc.replace_substring_regex(arr, r"\s+", " ")
    if pc.any(pc.match_substring_regex(arr, r"^[\s\x{0b}\x{85}\pZ]|[\s\x{0b}\x{85}\pZ]$")).as_py():
        arr = pc.utf8_trim_whitespace(arr)
    return arr


_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 10, 11, 12, 13, 32]] = True


def _ascii_clean(arr: pa.ChunkedArray) -> bool:
    """An all-ASCII string column that needs no clean-up: no tab or line break, no double
    space, no value starting or ending with a space. Read from the Arrow buffers with NumPy
    (a double space across two values only sends the column to the full clean-up)."""
    for chunk in arr.chunks:
        if len(chunk) == 0:
            continue
        _, offsets_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue
        kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=kind)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]]
        if not len(data):
            continue
        if (data < 32).any() and np.isin(data, (9, 10, 11, 12, 13)).any():
            return False
        if data.tobytes().find(b"  ") >= 0:
            return False
        starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
        full = ends > starts
        if _ASCII_SPACE[data[starts[full]]].any() or _ASCII_SPACE[data[ends[full] - 1]].any():
            return False
    return True


SAMPLE_ROWS = 20_000


def _few_distinct(arr: pa.ChunkedArray):
    """The column dictionary-encoded when it holds few distinct values (under a quarter of
    its rows), else None. A sample of its first rows decides first whether encoding the
    whole column (hashing every value) is worth trying: a column of mostly distinct values
    (codes, times of day) is not encoded at all."""
    head = arr.slice(0, SAMPLE_ROWS)
    if pc.count_distinct(head).as_py() * 2 > len(head):
        return None
    enc = pc.dictionary_encode(arr).combine_chunks()
    return enc if len(enc.dictionary) * 4 < len(arr) else None


def as_text(s: pd.Series) -> pd.Series:
    """Display text of every cell: NFC, whitespace collapsed, '' for blank (str dtype)."""
    if _is_str_series(s):
        arr = _arrow(s)
        if len(arr) > 50_000:
            if not arr.null_count and pc.all(pc.string_is_ascii(arr)).as_py():
                # Codes, dates, numbers: checked on the column's bytes (no hashing of a
                # million distinct codes, no regex per cell); a clean column as it is.
                if _ascii_clean(arr):
                    return str_series(arr, s.index)
                return str_series(_clean_arrow(arr), s.index)
            enc = _few_distinct(arr)
            if enc is not None:
                words = enc.dictionary
                cleaned = _clean_arrow(words)
                if cleaned is words and not arr.null_count:
                    return str_series(arr, s.index)  # already clean: the column as it is
                arr = pc.fill_null(pc.take(cleaned, enc.indices), "")
                return str_series(arr, s.index)
        return str_series(_clean_arrow(arr), s.index)
    return _per_unique(s, clean, dtype="str")


def _factorize(s: pd.Series):
    try:
        return pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # an incomparable mix of cell types: key them by type and text
        keys = s.map(lambda v: None if v is None else (type(v).__name__, str(v)))
        codes, _ = pd.factorize(keys, use_na_sentinel=True)
        first = {}
        for i, c in enumerate(codes):
            if c >= 0 and c not in first:
                first[c] = s.iloc[i]
        return codes, [first[c] for c in range(len(first))]


def _per_unique(s: pd.Series, fn: Callable, dtype=None) -> pd.Series:
    """Apply ``fn`` once per distinct value of ``s`` (blank cells get ``fn(None)``)."""
    codes, uniques = _factorize(s)
    mapped = [fn(u) for u in uniques] + [fn(None)]
    if dtype is not None:
        table = pd.array(mapped, dtype=dtype)
        pos = np.where(codes < 0, len(mapped) - 1, codes)
        return pd.Series(table[pos], index=s.index, dtype=dtype)
    out = np.empty(len(mapped), dtype=object)
    out[:] = mapped
    return pd.Series(out[codes], index=s.index, dtype=object)  # code -1 takes the last


def blank_mask(text: pd.Series) -> np.ndarray:
    return (text == "").to_numpy(dtype=bool)


def parse_text(text: pd.Series) -> pd.Series:
    """Text as str, blank as None (object dtype)."""
    out = text.astype(object)
    return out.where(text != "", None)


def parse_text_arrow(text: pd.Series) -> pd.Series:
    """Text with blank as missing, kept in Arrow (pandas ``str`` dtype): no Python object per
    cell (the record reader's frames go to the database as Arrow, ingest.model)."""
    if not _is_str_series(text):
        return parse_text(text)
    arr = _arrow(text)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return str_series(arr, text.index)


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------
# AM/PM, and the Vietnamese locale's SA (sáng) / CH (chiều): "02/11/2026 8:07:00 CH" is 20:07.
_AMPM = r"(?P<ap>[AaPp]\.?[Mm]\.?|[Ss][Aa]|[Cc][Hh])"
_DMY = (
    r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<H>\d{1,2})[:hg](?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*" + _AMPM + r"?)?$"
)
_YMD = (
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_TIME_FIRST = (
    r"^(?P<H>\d{1,2})[:hg](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*" + _AMPM + r"?[ ,]+(?:ngày\s+)?"
    r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"
)
# The national portal's compact form: yyyyMMddHHmmss (also yyyyMMddHHmm, yyyyMMdd).
_COMPACT = (
    r"^(?P<y>(?:19|20|21)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
)
_SERIAL = r"^(?P<n>\d{5}(?:\.\d+)?)$"
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
SERIAL_MIN, SERIAL_MAX = 10000, 100000  # 1927 .. 2173


def _ints(struct, name: str) -> np.ndarray:
    """An extracted regex group as int64 (-1 where missing)."""
    try:
        col = pc.struct_field(struct, name)
    except (KeyError, pa.ArrowInvalid, IndexError):
        return np.full(len(struct), -1, dtype=np.int64)
    col = pc.if_else(pc.equal(col, ""), None, col)
    return pc.fill_null(pc.cast(col, pa.int64()), -1).to_numpy(zero_copy_only=False)


def _assemble(y, m, d, H, M, S) -> tuple[np.ndarray, np.ndarray]:
    """Components -> datetime64[s] and a validity mask (31/02 is invalid, not 3 March)."""
    H = np.where(H < 0, 0, H)
    M = np.where(M < 0, 0, M)
    S = np.where(S < 0, 0, S)
    ok = (y >= 1900) & (y <= 2200) & (m >= 1) & (m <= 12) & (d >= 1) & (H < 24) & (M < 60) & (S < 60)
    yy = np.where(ok, y, 1970)
    mm = np.where(ok, m, 1)
    months = (yy - 1970) * 12 + (mm - 1)
    start = months.astype("datetime64[M]").astype("datetime64[D]")
    nxt = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
    dim = (nxt - start).astype(np.int64)
    ok &= d <= dim
    dd = np.where(ok, d, 1)
    ts = start.astype("datetime64[s]") + (dd - 1) * 86400 + H * 3600 + M * 60 + S
    return ts.astype("datetime64[s]"), ok


def _parse_date_text(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse of date strings. Returns (datetime64[s] values, parsed mask)."""
    arr = _arrow(text) if len(text) else pa.chunked_array([], type=pa.large_string())
    if len(arr) > 50_000:
        enc = _few_distinct(arr)
        if enc is not None:  # few distinct values: parse those only
            values, parsed = _parse_date_arrow(pa.chunked_array([enc.dictionary]))
            idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
            missing = idx < 0
            idx = np.where(missing, 0, idx)
            return (np.where(missing, np.datetime64("NaT"), values[idx]).astype("datetime64[s]"),
                    np.where(missing, False, parsed[idx]))
    return _parse_date_arrow(arr)


def _parse_date_arrow(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    n = len(arr)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    parsed = np.zeros(n, dtype=bool)
    if n == 0:
        return values, parsed
    nonblank = pc.fill_null(pc.not_equal(arr, ""), False).to_numpy(zero_copy_only=False)
    todo = _parse_canonical(arr, np.flatnonzero(nonblank), values, parsed)
    for pattern in (_DMY, _YMD, _TIME_FIRST, _COMPACT):
        if len(todo) == 0:
            break
        sub = arr.take(pa.array(todo)) if len(todo) < n else arr
        st = pc.extract_regex(sub, pattern)
        matched = st.is_valid().to_numpy(zero_copy_only=False)
        if not matched.any():
            continue
        y, m, d = _ints(st, "y"), _ints(st, "m"), _ints(st, "d")
        hh, mi, ss = _ints(st, "H"), _ints(st, "M"), _ints(st, "S")
        if pattern in (_DMY, _TIME_FIRST):
            ap = pc.replace_substring(pc.utf8_lower(pc.fill_null(pc.struct_field(st, "ap"), "")), ".", "")
            ap = ap.to_numpy(zero_copy_only=False)
            after_noon = (ap == "pm") | (ap == "ch")
            morning = (ap == "am") | (ap == "sa")
            hh = np.where(after_noon & (hh >= 0) & (hh < 12), hh + 12, hh)
            hh = np.where(morning & (hh == 12), 0, hh)
        y = np.where((y >= 0) & (y < 100), y + 2000, y)  # 01/03/26
        ts, ok = _assemble(y, m, d, hh, mi, ss)
        if pattern == _YMD:  # ISO time with an offset: to local time (UTC+7)
            tz = pc.fill_null(pc.struct_field(st, "tz"), "").to_numpy(zero_copy_only=False)
            shift = np.array([_tz_shift(z) for z in tz], dtype=np.int64) if any(tz) else 0
            ts = ts + np.asarray(shift).astype("timedelta64[s]")
        ok &= matched
        idx = todo[ok]
        values[idx] = ts[ok]
        parsed[idx] = True
        todo = todo[~matched]
    if len(todo):
        sub = arr.take(pa.array(todo))
        st = pc.extract_regex(sub, _SERIAL)
        matched = st.is_valid().to_numpy(zero_copy_only=False)
        if matched.any():
            nums = pc.cast(pc.struct_field(st, "n"), pa.float64(), safe=False)
            nums = pc.fill_null(nums, -1.0).to_numpy(zero_copy_only=False)
            ok = matched & (nums >= SERIAL_MIN) & (nums < SERIAL_MAX)
            values[todo[ok]] = _serial_to_dt(nums[ok])
            parsed[todo[ok]] = True
    return values, parsed


# The forms nearly every export writes, parsed by Arrow's strptime (about three times the
# regular expressions' speed on 1M dates): (format, the exact shape of a value written in it).
CANONICAL_DATES = (
    ("%d/%m/%Y %H:%M", r"^\d\d/\d\d/\d{4} \d\d:\d\d$"),
    ("%d/%m/%Y", r"^\d\d/\d\d/\d{4}$"),
    ("%d/%m/%Y %H:%M:%S", r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$"),
)


def _parse_canonical(arr: pa.ChunkedArray, todo: np.ndarray, values: np.ndarray,
                     parsed: np.ndarray) -> np.ndarray:
    """Parse the values at ``todo`` written exactly in a ``CANONICAL_DATES`` shape into
    ``values``/``parsed``; returns the positions left for the regular expressions. strptime
    rolls an impossible day or second over (31/02 → 03/03, :60 → the next minute), so a value
    counts only when the day and second it gives are the ones written, and its year is one the full rules accept: the result is the
    full rules' result, sooner (a test compares them on random values)."""
    n = len(arr)
    for fmt, shape in CANONICAL_DATES:
        if not len(todo):
            break
        sub = arr if len(todo) == n else arr.take(pa.array(todo))
        same = pc.match_substring_regex(sub, shape)
        if not pc.any(same).as_py():
            continue
        ts = pc.strptime(sub, format=fmt, unit="s", error_is_null=True)
        def written(start):
            return pc.cast(pc.if_else(same, pc.utf8_slice_codeunits(sub, start, start + 2), "0"), pa.int64())

        year = pc.year(ts)
        ok = pc.and_(pc.and_(same, pc.equal(pc.day(ts), written(0))),
                     pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2200)))
        if "%S" in fmt:  # a leap second (:60, :61) rolls the minute over as well
            ok = pc.and_(ok, pc.equal(pc.second(ts), written(17)))
        ok = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
        if ok.any():
            values[todo[ok]] = ts.to_numpy(zero_copy_only=False)[ok].astype("datetime64[s]")
            parsed[todo[ok]] = True
            todo = todo[~ok]
    return todo


def _tz_shift(z: str) -> int:
    """Seconds to add to a time written with offset ``z`` to get Vietnam's local time."""
    if not z:
        return 0
    if z == "Z":
        return 7 * 3600
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return 7 * 3600 - offset


def _serial_to_dt(nums: np.ndarray) -> np.ndarray:
    secs = np.round(nums * 86400).astype(np.int64)
    return _EXCEL_EPOCH + secs.astype("timedelta64[s]")


def _native_date(v):
    """A workbook cell that is already a date (or an Excel serial number)."""
    if isinstance(v, dt.datetime):
        return np.datetime64(v.replace(tzinfo=None, microsecond=0), "s")
    if isinstance(v, dt.date):
        return np.datetime64(dt.datetime(v.year, v.month, v.day), "s")
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        f = float(v)
        if SERIAL_MIN <= f < SERIAL_MAX:
            return _serial_to_dt(np.array([f]))[0]
        if f.is_integer() and len(str(int(f))) in (8, 12, 14):  # yyyyMMdd[HHmm[ss]] as a number
            return _compact_date(str(int(f)))
        return "bad"
    return None


def _compact_date(digits: str):
    m = re.fullmatch(_COMPACT, digits)
    if not m:
        return "bad"
    parts = [int(m.group(k) or 0) for k in ("y", "m", "d", "H", "M", "S")]
    try:
        return np.datetime64(dt.datetime(*parts), "s")
    except ValueError:
        return "bad"


def parse_dates(raw: pd.Series, text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Dates: Excel date cells, Excel serials, dd/mm/yyyy[ HH:mm[:ss][ SA|CH]], HH:mm dd/mm/yyyy,
    yyyy-mm-dd, yyyyMMddHHmmss. Day first."""
    values, parsed = _parse_date_text(text)
    if not _is_str_series(raw) and raw.dtype == object:
        native = raw.map(lambda v: None if isinstance(v, str) else _native_date(v))
        is_dt = native.map(lambda v: isinstance(v, np.datetime64)).to_numpy(dtype=bool)
        if is_dt.any():
            values[is_dt] = np.array(native[is_dt].tolist(), dtype="datetime64[s]")
            parsed[is_dt] = True
        bad_num = native.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        parsed[bad_num] = False
    bad = ~parsed & ~blank_mask(text)
    out = pd.Series(values.astype("datetime64[ns]"), index=raw.index)
    out[bad] = pd.NaT
    return out, bad


# ---------------------------------------------------------------------------------------
# Coded values (parsed once per distinct value)
# ---------------------------------------------------------------------------------------
_BAD = object()  # marker: not blank, not readable


def _coded(text: pd.Series, fn: Callable[[str], object], dtype: str, blank=None) -> tuple[pd.Series, np.ndarray]:
    """Parse each distinct value once; returns typed values and the unreadable mask."""
    codes, uniques = _factorize(text)
    mapped = [blank if (u is None or u == "") else fn(u) for u in uniques] + [blank]
    is_bad = np.array([m is _BAD for m in mapped], dtype=bool)
    table = pd.array([None if m is _BAD else m for m in mapped], dtype=dtype)
    pos = np.where(codes < 0, len(mapped) - 1, codes)
    return pd.Series(table[pos], index=text.index, dtype=dtype), is_bad[pos]


def _number(text: str) -> float | None:
    t = text.strip().replace(" ", "")
    if re.fullmatch(r"[+-]?\d+(?:[.,]0+)?", t):
        return float(re.split(r"[.,]", t)[0])
    if re.fullmatch(r"[+-]?\d+\.\d+", t):
        return float(t)
    return None


def _leading_code(text: str) -> int | None:
    m = re.match(r"^\s*(\d{1,2})(?:[.,]0+)?\s*(?:$|[.\-:)–]\s*\S)", text)
    return int(m.group(1)) if m else None


STATUS_NAMES = {
    1: ["Mới đăng ký", "Mới đăng kí", "Đăng ký mới", "Chờ tiếp nhận"],
    2: ["Được tiếp nhận", "Đã tiếp nhận", "Tiếp nhận"],
    3: ["Không được tiếp nhận", "Từ chối tiếp nhận", "Từ chối", "Không tiếp nhận"],
    4: ["Đang xử lý", "Đang giải quyết", "Đang thụ lý", "Chờ phê duyệt", "Chuyển xử lý"],
    5: ["Yêu cầu bổ sung giấy tờ", "Chờ bổ sung", "Yêu cầu bổ sung", "Bổ sung hồ sơ",
        "Chờ bổ sung hồ sơ", "Yêu cầu bổ sung hồ sơ"],
    6: ["Yêu cầu thực hiện nghĩa vụ tài chính", "Chờ thực hiện nghĩa vụ tài chính",
        "Thực hiện nghĩa vụ tài chính", "Chờ thanh toán"],
    7: ["Công dân yêu cầu rút hồ sơ", "Rút hồ sơ", "Đã rút hồ sơ", "Yêu cầu rút hồ sơ", "Đã rút"],
    8: ["Dừng xử lý", "Đã dừng xử lý", "Dừng giải quyết"],
    9: ["Đã xử lý xong", "Hoàn thành", "Có kết quả", "Đã hoàn thành", "Đã có kết quả",
        "Xử lý xong", "Đã giải quyết", "Chờ trả kết quả"],
    10: ["Đã trả kết quả", "Trả kết quả", "Đã trả"],
}
_STATUS_BY_FOLD = {fold(n): code for code, names in STATUS_NAMES.items() for n in names}

# Timeliness systems append to a status ("Đang xử lý - Quá hạn", "Hoàn thành - Đúng hạn",
# "Đã trả kết quả (trễ hạn)"): the status is the part before it; the dates decide timeliness.
_TIMELINESS = [
    "chưa đến hạn", "sắp đến hạn", "sắp hết hạn", "chưa quá hạn", "quá hạn", "trễ hạn",
    "đúng hạn", "trước hạn", "sớm hạn", "trong hạn", "còn hạn", "đến hạn", "hết hạn",
]


def _accent_free(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_TIMELINESS_RE = re.compile(
    r"^(?P<base>.*?\S)\s*(?:[-–—:;,/|]\s*|[(\[]\s*)?(?:hồ sơ\s+|ho so\s+)?(?:giải quyết\s+|giai quyet\s+)?(?:"
    + "|".join(re.escape(w) for w in sorted(set(_TIMELINESS + [_accent_free(w) for w in _TIMELINESS]), key=len, reverse=True))
    + r")\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)


def split_timeliness(text: str) -> tuple[str, bool]:
    """'Đang xử lý - Quá hạn' -> ('Đang xử lý', True); text without a suffix -> (text, False)."""
    m = _TIMELINESS_RE.match(clean(text))
    if m and fold(m.group("base")):
        return m.group("base").rstrip(" -–—:;,/|(["), True
    return clean(text), False


def _code_of(text: str, names: dict[str, int], overrides: dict[str, int], top: int):
    key = fold(text)
    if key in overrides:
        return overrides[key]
    code = _leading_code(text)
    if code is not None:
        return code if 1 <= code <= top else _BAD
    hit = names.get(key)
    return hit if hit is not None else _BAD


def _status(text: str, overrides: dict[str, int] = {}):  # noqa: B006 - read only
    code = _code_of(text, _STATUS_BY_FOLD, overrides, 10)
    if code is _BAD:
        base, suffixed = split_timeliness(text)
        if suffixed:
            code = _code_of(base, _STATUS_BY_FOLD, overrides, 10)
    return code


def _folded_overrides(overrides: dict | None, top: int, what: str) -> dict[str, int]:
    """{word as staff mapped it: code} -> {folded word: code}; a code out of range is an
    IngestError."""
    out = {}
    for word, code in (overrides or {}).items():
        try:
            number = int(code)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= top:
            from ingest.model import IngestError

            raise IngestError(
                f"Không thể ghép giá trị “{word}” vào {what} “{code}”: cần một mã từ 1 đến {top}. "
                "Hãy chọn lại trên trang Tải dữ liệu."
            )
        if fold(str(word)):
            out[fold(str(word))] = number
    return out


def parse_status(text: pd.Series, overrides: dict | None = None):
    """Status codes 1–10 or their names (a timeliness suffix dropped) -> Int64. ``overrides``:
    words staff mapped by hand {word: code}."""
    over = _folded_overrides(overrides, 10, "trạng thái")
    return _coded(text, lambda v: _status(v, over), "Int64")


def unknown_words(text: pd.Series, bad: np.ndarray, strip_timeliness: bool = False) -> dict[str, int]:
    """{word as the file wrote it: number of rows} of the cells that could not be read
    (a status word without its timeliness suffix), most frequent first."""
    if not bad.any():
        return {}
    counts = text[bad].value_counts(sort=False)
    out: dict[str, int] = {}
    for word, n in counts.items():
        base = split_timeliness(word)[0] if strip_timeliness else word
        out[base] = out.get(base, 0) + int(n)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


_CHANNELS = {
    1: ["Trực tiếp", "Nộp trực tiếp", "Tại quầy", "Tại bộ phận một cửa", "Một cửa", "Offline"],
    2: ["Trực tuyến", "Nộp trực tuyến", "Online", "Qua mạng", "Dịch vụ công trực tuyến", "DVC trực tuyến",
        "DVCTT", "Cổng dịch vụ công"],
    3: ["Bưu chính", "BCCI", "Qua bưu chính công ích", "Bưu chính công ích", "Qua bưu chính",
        "Dịch vụ bưu chính", "Dịch vụ bưu chính công ích", "Qua dịch vụ bưu chính công ích"],
}
_CHANNEL_BY_FOLD = {fold(n): code for code, names in _CHANNELS.items() for n in names}


def parse_channel(text: pd.Series, overrides: dict | None = None):
    """1/2/3 or their names -> Int64 (``overrides``: words staff mapped by hand)."""
    over = _folded_overrides(overrides, 3, "kênh thực hiện")
    return _coded(text, lambda v: _code_of(v, _CHANNEL_BY_FOLD, over, 3), "Int64")


_TRUE = {"co", "x", "1", "true", "yes", "y", "v", "dung", "roi", "ok", "dat", "codung"}
_FALSE = {"khong", "0", "false", "no", "n", "sai", "chua", "ko", "k"}
_TRUE_SYMBOLS = {"✓", "✔", "√", "☑", "☒", "●"}
_FALSE_SYMBOLS = {"-", "–", "✗", "✘", "☐", "○"}


def _bool(text: str, extra_true: set[str] = frozenset()):
    t = text.strip()
    if t in _TRUE_SYMBOLS:
        return True
    if t in _FALSE_SYMBOLS:
        return False
    n = _number(t)
    if n is not None:
        if n == 1 or n in extra_true:
            return True
        if n == 0:
            return False
        return _BAD
    f = fold(t)
    if f in _TRUE:
        return True
    if f in _FALSE:
        return False
    low = clean(t).casefold()
    if low.startswith(("chưa", "không")):  # Chưa số hóa, Không có
        return False
    if low.startswith(("đã", "có")):  # Đã số hóa, Có kết quả điện tử
        return True
    return _BAD


def parse_bool(text: pd.Series, extra_true: set[float] = frozenset()):
    """Có/Không, x/blank, 1/0, TRUE/FALSE, Đã …/Chưa … -> boolean; blank -> False."""
    return _coded(text, lambda v: _bool(v, extra_true), "boolean", blank=False)


def parse_paid_online(text: pd.Series):
    """Thanh toán trực tuyến: 1 or 2 (portal codes) = yes, plus the usual yes/no words."""
    return parse_bool(text, extra_true={2.0})


_ONLINE_WORDS = {fold(n) for n in _CHANNELS[2]}
_OFFLINE_WORDS = {fold(n) for n in _CHANNELS[1] + _CHANNELS[3]}


def parse_online_flag(text: pd.Series, overrides: dict | None = None):
    """A yes/no 'Trực tuyến' column -> channel 2 when yes, 1 otherwise."""
    over = _folded_overrides(overrides, 3, "kênh thực hiện")

    def fn(v: str):
        f = fold(v)
        if f in over:
            return over[f]
        if f in _ONLINE_WORDS:
            return 2
        if f in _OFFLINE_WORDS:
            return 1
        b = _bool(v)
        if b is _BAD:
            return _BAD
        return 2 if b else 1

    return _coded(text, fn, "Int64", blank=1)


_FREE = {"mienphi", "khong", "khongthu", "khongco", "khongphi", "0"}


def _amount(text: str):
    t = clean(text).casefold()
    t = re.sub(r"(vnđ|vnd|đồng|đ|dong)\.?$", "", t).strip()
    t = t.replace(" ", "")
    if fold(t) in _FREE:
        return 0
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", t) or re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):
        return int(re.sub(r"[.,]", "", t))
    if re.fullmatch(r"\d+(?:[.,]0{1,2})?", t):
        return int(re.split(r"[.,]", t)[0])
    return _BAD


def parse_amount(text: pd.Series):
    """Amounts in VND: 50.000, 50,000, 50000, 50.000 đ; blank or 'Miễn phí' -> 0."""
    return _coded(text, _amount, "Int64", blank=0)


def _count(text: str):
    n = _number(text)
    if n is None or n < 0 or not float(n).is_integer():
        return _BAD
    return int(n)


def parse_count(text: pd.Series, blank=0):
    """Non-negative integers (supplement_count, summary counts)."""
    return _coded(text, _count, "Int64", blank=blank)


def full_online_from_level(text: pd.Series) -> pd.Series:
    """Service level -> provided full-process online (Toàn trình, Mức 4)."""

    def fn(v):
        if not v:
            return False
        f = fold(v)
        return "toantrinh" in f or f in {"muc4", "mucdo4", "4"}

    return _per_unique(text, fn).astype("boolean")


def parse_fee_text(text: pd.Series):
    """A procedure's fee cell: an amount, or words. -> (fee Int64, has_fee boolean, bad)."""

    def fn(v):
        if not v:
            return (0, False)  # a blank fee in a catalogue: no fee
        a = _amount(v)
        if a is not _BAD:
            return (a, a > 0)
        b = _bool(v)
        if b is not _BAD:
            return (None, b)
        if re.search(r"\d", v):  # "50.000 đồng/hồ sơ", "Theo quy định: 20.000"
            m = re.search(r"\d{1,3}(?:[.,]\d{3})+|\d+", v)
            amount = int(re.sub(r"[.,]", "", m.group(0)))
            return (amount, amount > 0)
        return (None, True)  # "Theo quy định của Bộ Tài chính": a fee exists

    pairs = _per_unique(text, fn)
    fee = pairs.map(lambda p: p[0]).astype("Int64")
    has = pairs.map(lambda p: p[1]).astype("boolean")
    return fee, has


# ---------------------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------------------
_RATING_WORDS = {
    "rathailong": (True, False),
    "hailong": (True, False),
    "binhthuong": (False, False),
    "chuahailong": (False, True),
    "khonghailong": (False, True),
    "ratkhonghailong": (False, True),
    "like": (True, False),
    "thich": (True, False),
    "dislike": (False, True),
    "khongthich": (False, True),
}


def _rating_number(v: str):
    m = re.fullmatch(r"(\d+)(?:[.,]0+)?\s*(?:sao|điểm|diem|\*|★)?(?:\s*/\s*\d+)?", v.strip().casefold())
    return int(m.group(1)) if m else None


def parse_ratings(text: pd.Series):
    """-> (rating_label, satisfied, negative, bad mask, scale) per kpi-definitions.md."""
    numbers = _per_unique(text, lambda v: _rating_number(v) if v else None)
    present = [n for n in numbers.dropna().unique().tolist()]
    scale = (0, 2) if 0 in present else (1, 5)

    def fn(v):
        if not v:
            return (None, None, None, True)
        n = _rating_number(v)
        if n is not None:
            if not scale[0] <= n <= scale[1]:
                return (v, None, None, False)
            if scale == (0, 2):
                return (str(n), n == 2, n == 0, True)
            return (str(n), n >= 4, n <= 2, True)
        if v in ("👍",):
            return (v, True, False, True)
        if v in ("👎",):
            return (v, False, True, True)
        hit = _RATING_WORDS.get(fold(v))
        if hit is None:
            return (v, None, None, False)
        return (v, hit[0], hit[1], True)

    parts = _per_unique(text, fn)
    label = parts.map(lambda p: p[0]).astype(object)
    satisfied = parts.map(lambda p: p[1]).astype("boolean")
    negative = parts.map(lambda p: p[2]).astype("boolean")
    bad = ~parts.map(lambda p: p[3]).to_numpy(dtype=bool)
    return label, satisfied, negative, bad, scale


# ---------------------------------------------------------------------------------------
# Periods stated in titles
# ---------------------------------------------------------------------------------------
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DATE = r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"


def _mk(d, m, y) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _month_end(y: int, m: int) -> dt.date:
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def title_as_of(lines: list[str]) -> dt.date | None:
    """The date a title says the data is current to: '(Cập nhật đến ngày 27/11/2026)',
    'Tính đến ngày 31/03/2026', 'Số liệu đến ngày …'."""
    low = unicodedata.normalize("NFC", " ".join(clean(x) for x in lines)).casefold()
    m = re.search(r"(?:cập nhật|tính|số liệu)\s+(?:đến|tới)\s+(?:hết\s+)?ngày\s*" + _DATE, low)
    return _mk(*m.group(1, 2, 3)) if m else None


def parse_period(lines: list[str]) -> tuple[dt.date, dt.date] | None:
    """The period a title states: 'Từ ngày … đến ngày …', 'Tháng 01 năm 2026',
    'Quý I năm 2026', '6 tháng đầu năm 2026', 'Năm 2026'."""
    text = " ".join(clean(x) for x in lines)
    low = unicodedata.normalize("NFC", text).casefold()
    m = re.search(r"từ\s*(?:ngày\s*)?" + _DATE + r"\s*(?:đến|tới|-|–)\s*(?:ngày\s*)?" + _DATE, low)
    if m:
        a, b = _mk(*m.group(1, 2, 3)), _mk(*m.group(4, 5, 6))
        if a and b and a <= b:
            return a, b
    m = re.search(r"(?<![\w])quý\s+(iv|iii|ii|i|[1-4])\s*(?:năm\s*|/\s*)(\d{4})", low)
    if m:
        q = _ROMAN.get(m.group(1)) or int(m.group(1))
        y = int(m.group(2))
        return dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    m = re.search(r"(6|sáu|9|chín)\s+tháng\s+(đầu|cuối)\s+năm\s*(\d{4})", low)
    if m:
        y = int(m.group(3))
        n = 6 if m.group(1) in ("6", "sáu") else 9
        if m.group(2) == "đầu":
            return dt.date(y, 1, 1), _month_end(y, n)
        return dt.date(y, 7, 1), dt.date(y, 12, 31)
    # "Tháng 01 năm 2026", "tháng 1/2026" (not "ngày 05 tháng 04 năm 2026", a signing date)
    for m in re.finditer(r"(?<!\d\s)(?<!\d)tháng\s+(\d{1,2})\s*(?:năm\s*|/\s*)(\d{4})", low):
        before = low[max(0, m.start() - 12): m.start()]
        if re.search(r"ngày\s*\d{1,2}\s*$", before):
            continue
        mo, y = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return dt.date(y, mo, 1), _month_end(y, mo)
    for line in lines:
        m = re.fullmatch(r"\(?\s*(?:kỳ báo cáo:?\s*)?năm\s+(\d{4})\s*\)?", clean(line).casefold())
        if m:
            y = int(m.group(1))
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
    return None


# ---------------------------------------------------------------------------------------
# Unit names ("UBND xã Lộc Tân", "Xã Lộc Tân", "Lộc Tân" are one unit)
# ---------------------------------------------------------------------------------------
_UNIT_PREFIXES = [
    "uy ban nhan dan", "ubnd", "bo phan mot cua", "bo phan tiep nhan va tra ket qua",
    "trung tam phuc vu hanh chinh cong", "bo phan phuc vu hanh chinh cong", "tt phvhcc",
]
_UNIT_TYPES = ["thi tran", "dac khu", "xa", "phuong"]


def unit_key(name: str) -> tuple[str, str]:
    """(type, core) of a unit's name: 'UBND xã Lộc Tân' -> ('xa', 'loctan')."""
    words = " ".join(re.sub(r"[^0-9a-z]+", " ", _accent_free(clean(name)).casefold()).split())
    changed = True
    while changed:
        changed = False
        for prefix in _UNIT_PREFIXES:
            if words.startswith(prefix + " "):
                words = words[len(prefix) + 1:]
                changed = True
    kind = ""
    for t in _UNIT_TYPES:
        if words.startswith(t + " "):
            kind, words = t, words[len(t) + 1:]
            break
    return kind, words.replace(" ", "")


def same_unit(a: str, b: str) -> bool:
    """Do two spellings name the same unit? ('Xã Lộc Tân' and 'UBND xã Lộc Tân' do;
    'Xã Lộc Tân' and 'Phường Lộc Tân' do not)."""
    (ta, ca), (tb, cb) = unit_key(a), unit_key(b)
    return bool(ca) and ca == cb and (ta == tb or not ta or not tb)
