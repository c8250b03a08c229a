"""What a rejected row may keep: only the cells of the columns the product reads for its kind
(exports.md) — never free text, never a column it does not recognise, which may hold a name or
a phone number. Used by migration 0003 to clean rows stored before this rule."""

from __future__ import annotations

from ingest import headers as H
from ingest import summary as S


def reads_header(kind: str, header: str) -> bool:
    """Is ``header`` (a file's header, or a header path joined by " - ") one of the columns
    the product reads for ``kind``? Rejected rows keep only those (exports.md): never free
    text, never a column it does not recognise, which may hold a name or a phone number."""
    chain = [p for p in header.split(" - ") if p] or [header]
    if kind == "summary":
        return any(S.classify(c) not in (None, "", "stt") for c in (chain, [header]))
    if kind not in H.ALIASES:
        return False
    return any(bool(H.match_column(c, kind)) and not H.match_column(c, kind).startswith("_summary")
               for c in (chain, [header]))


def keep_read_columns(kind: str, raw: dict) -> dict:
    """The cells of a rejected row that the product reads, by the file's headers."""
    return {k: v for k, v in raw.items() if isinstance(k, str) and reads_header(kind, k)}
