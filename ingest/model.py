"""What reading a file produces, and the error a refused file raises.

The reader (ingest.reader) turns an uploaded file into a ParsedFile; the loader
(ingest.load) writes a ParsedFile to the database. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and pyarrow are imported when a frame is used, not with the model
    import pandas as pd
    import pyarrow as pa


class IngestError(Exception):
    """A file that cannot be loaded at all. ``str(exc)`` is a Vietnamese message for the user
    saying what is wrong and what to do."""


class MappingNeeded(IngestError):
    """A file that loads once staff map something by hand on the upload page: a required
    column the reader did not find (``missing``, canonical names; every header found is
    offered in ``parsed.unmapped``), or status/channel words it does not know, so that no
    row is valid (``parsed.unknown_values``). ``parsed`` is what was read, with no valid
    rows; ``str(exc)`` is the refusal the command line prints."""

    def __init__(self, message: str, parsed: "ParsedFile", missing: list[str] | None = None):
        super().__init__(message)
        self.parsed = parsed
        self.missing = list(missing or [])

    def __reduce__(self):
        return (MappingNeeded, (str(self), self.parsed, self.missing))


@dataclass
class Reject:
    """One row refused by validation."""

    row_number: int  # 1-based row number in the original file (as Excel/the viewer shows it)
    column: str | None  # the file's own header of the offending column (None: whole row)
    reason: str  # plain Vietnamese reason
    raw: dict[str, str]  # the row's raw cell values by the file's headers, personal data left out


@dataclass
class ParsedFile:
    kind: str  # dossiers | ratings | procedures | feedback | summary
    # One row per valid record: the kind's key column(s) and the canonical value columns the
    # file carried (names as in kpi.schema), typed: datetimes as pandas datetime64 (naive
    # local), booleans as pandas "boolean", integers as "Int64", text as str/None.
    # Plus "source_row" (int): the row number in the original file.
    frame: pd.DataFrame
    columns: list[str]  # canonical value columns the file carried (key columns excluded)
    rows_read: int  # data rows read (header, title, column-number and footer rows excluded)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Vietnamese, e.g. duplicate codes
    as_of: dt.date | None = None  # end date stated in the title, else latest date in rows
    period: tuple[dt.date, dt.date] | None = None  # period stated in the title (or --period)
    sheet: str | None = None  # the sheet that held the table (workbooks)
    header_row: int | None = None  # 1-based row number of the (first) header row
    mapping: dict[str, str] = field(default_factory=dict)  # file header -> canonical column
    unmapped: list[str] = field(default_factory=list)  # headers not recognised (kept out)
    dropped_personal: list[str] = field(default_factory=list)  # personal-data headers dropped
    title: list[str] = field(default_factory=list)  # lines of the title block
    # Words of a coded column the product does not know, by column ("status", "channel"):
    # {word as the file wrote it: number of rows}. Their rows are rejected; staff can map
    # each word on the upload page (parse_file's value_overrides).
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)
    # The header row's normalised header paths in order: files with the same one share the
    # mappings staff made by hand.
    header_signature: str = ""
    paths: dict[str, str] = field(default_factory=dict)  # file header -> its header path
    # Summary tables listing units: the units named by the rows, in file order. When the
    # rows belong to units named in the file (no unit given to parse_file), the frame has a
    # "unit" column saying whose each row is.
    units: list[str] = field(default_factory=list)
    # Column mappings remembered for the unit that the read applied ({header: canonical};
    # parse_file's remembered_columns).
    remembered_columns: dict[str, str] = field(default_factory=dict)

    # The frame may be held as an Arrow table (what the reader builds for record kinds, and
    # what travels back from the parse worker): ``frame`` turns it into the pandas frame
    # described above on first use; the loader takes the Arrow table as it is
    # (``arrow_table``), so a big file's text never becomes a Python object per cell.

    @property
    def row_count(self) -> int:
        table = self.__dict__.get("_table")
        return table.num_rows if table is not None else len(self.__dict__["_frame"])

    def arrow_table(self) -> "pa.Table":
        """The frame as an Arrow table (no copy when it is held as one)."""
        table = self.__dict__.get("_table")
        if table is not None:
            return table
        import pyarrow as pa

        frame = self.__dict__["_frame"]
        return pa.Table.from_pandas(frame, preserve_index=False)

    def column_min(self, column: str):
        """The smallest value of a frame column (None when absent or all blank)."""
        table = self.__dict__.get("_table")
        if table is None:
            frame = self.__dict__["_frame"]
            if column not in frame.columns:
                return None
            value = frame[column].min()
            return None if value is None or value != value else value
        if column not in table.column_names:
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        value = pc.min(table.column(column))
        if pa.types.is_timestamp(value.type) and value.type.unit == "ns":
            # as_py of a nanosecond timestamp imports pandas for it: microseconds are enough
            value = value.cast(pa.timestamp("us", value.type.tz), safe=False)
        return value.as_py()


def _get_frame(self) -> "pd.DataFrame":
    frame = self.__dict__.get("_frame")
    if frame is None:
        frame = arrow_to_frame(self.__dict__["_table"])
        self.__dict__["_frame"] = frame
    return frame


def _set_frame(self, value) -> None:
    if hasattr(value, "schema") and hasattr(value, "num_rows"):  # a pyarrow Table
        self.__dict__["_table"], self.__dict__["_frame"] = value, None
    else:
        self.__dict__["_table"], self.__dict__["_frame"] = None, value


ParsedFile.frame = property(_get_frame, _set_frame)


DTYPES_KEY = b"cchc.dtypes"


def frame_to_arrow(frame: "pd.DataFrame") -> "pa.Table":
    """A reader's frame as an Arrow table (text columns backed by Arrow go over without a
    copy); its schema metadata records the pandas dtypes ``arrow_to_frame`` gives back:
    "object" for text (str and None), "Int64", "boolean", "int64", "datetime64[ns]" ..."""
    import json

    import pandas as pd
    import pyarrow as pa

    arrays, dtypes = [], {}
    for name in frame.columns:
        s = frame[name]
        if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
            dtypes[name] = "object"
            if isinstance(s.array, pd.arrays.ArrowStringArray):
                arr = s.array.__arrow_array__()
            else:
                arr = pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
            if arr.type != pa.large_string():
                arr = arr.cast(pa.large_string())
        else:
            dtypes[name] = str(s.dtype)
            arr = pa.Array.from_pandas(s)
        arrays.append(arr)
    table = pa.table(arrays, names=[str(c) for c in frame.columns])
    return table.replace_schema_metadata({DTYPES_KEY: json.dumps(dtypes).encode()})


def arrow_to_frame(table: "pa.Table") -> "pd.DataFrame":
    """The pandas frame of an Arrow table made by ``frame_to_arrow``: text as object (str,
    None for blank), every other column in its recorded dtype."""
    import json

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    meta = table.schema.metadata or {}
    dtypes = json.loads(meta[DTYPES_KEY]) if DTYPES_KEY in meta else {}
    out = {}
    for name in table.column_names:
        col = table.column(name)
        want = dtypes.get(name)
        if pa.types.is_large_string(col.type) or pa.types.is_string(col.type) or want == "object":
            col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
            enc = pc.dictionary_encode(col)
            if len(enc.dictionary) * 4 < len(col):  # few distinct values: one object each
                values = np.empty(len(enc.dictionary) + 1, dtype=object)
                values[:-1] = enc.dictionary.to_pylist()
                values[-1] = None
                idx = pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False)
                out[name] = pd.Series(values[idx], dtype=object)
            else:
                out[name] = pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
            continue
        s = col.to_pandas()
        if want and str(s.dtype) != want:
            s = s.astype(want)
        out[name] = s
    return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows))
