"""What reading a file produces, and the error a refused file raises.

The reader (ingest.reader) turns an uploaded file into a ParsedFile; the loader
(ingest.load) writes a ParsedFile to the database. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


class IngestError(Exception):
    """A file that cannot be loaded at all. ``str(exc)`` is a Vietnamese message for the user
    saying what is wrong and what to do."""


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
