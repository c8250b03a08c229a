"""Text in the Excel files the product writes (access.md "Uploads", last point).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a
spreadsheet may read as a formula (``=HYPERLINK(…)``, ``=cmd|…``) — when the file opens, or
when someone edits the cell. Every writer stores such a text as a string cell with Excel's
quote prefix (the ``'`` users type themselves): no formula is ever created, and the value
reads exactly the same (no character is added to it). The one rule, for both libraries::

    kpi.excel.looks_like_formula(text)                    # the test
    kpi.excel.write_text(ws, row, col, text, fmt, quoted)  # xlsxwriter: ``quoted`` has quote_prefix
    kpi.excel.set_text(cell, value)                        # openpyxl: the cell keeps the text
"""

from __future__ import annotations

import unicodedata

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                  "strings_to_numbers": False}  # xlsxwriter: a string is never anything else


HEADER = {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#E8ECF1"}


def workbook(target, **options):
    """An xlsxwriter workbook on ``target`` (a path or a binary buffer) whose strings are never
    read as formulas, links or numbers; ``options`` add to xlsxwriter's."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, {"in_memory": True, **WRITER_OPTIONS, **options})


def looks_like_formula(value) -> bool:
    """Whether a spreadsheet could read the text ``value`` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def quote_format(workbook, props: dict | None = None):
    """An xlsxwriter format with ``props`` and the quote prefix."""
    return workbook.add_format({**(props or {}), "quote_prefix": True})


def write_text(ws, row: int, col: int, value, cell_format=None, quoted_format=None) -> None:
    """xlsxwriter: write ``value`` as a string cell (NFC); formula-looking text gets
    ``quoted_format`` (a format with ``quote_prefix``: ``quote_format``)."""
    text = unicodedata.normalize("NFC", str(value))
    if looks_like_formula(text):
        if quoted_format is None:
            raise ValueError("a formula-looking text needs a quote_prefix format")
        ws.write_string(row, col, text, quoted_format)
    else:
        ws.write_string(row, col, text, cell_format)


def set_text(cell, value) -> None:
    """openpyxl: put ``value`` in ``cell``; a formula-looking text stays a string cell with
    the quote prefix (openpyxl would otherwise store ``=…`` as a formula)."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
