"""Streamlit's file drop zone in Vietnamese.

The drop zone of ``st.file_uploader`` speaks English ("Upload", "200MB per file • XLSX") and
has no option to change it; a little CSS draws our words over it, and hides the size it
prints beside each chosen file ("163.7KB": the page shows it in Vietnamese). Static CSS only: the size
comes from the server's ``maxUploadSize`` and the file types are checked to be plain
extension names, so no user text ever goes into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from kpi import format as fmt

_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Chọn tệp"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "Kéo thả tệp vào đây · tối đa %(mb)s MB mỗi tệp · %(types)s"; font-size: 0.875rem; }
[data-testid="stFileChip"] [data-testid="stFileChipName"] ~ * { display: none; }
</style>"""


def uploader_css(types: Sequence[str], max_mb: int | None = None) -> str:
    """The CSS that says "Chọn tệp" and "Kéo thả tệp vào đây · tối đa 200 MB mỗi tệp · XLSX"."""
    names = [str(t).strip().lstrip(".").upper() for t in types]
    bad = [n for n in names if not re.fullmatch(r"[A-Z0-9]{1,10}", n)]
    if bad or not names:
        raise ValueError(f"file types must be plain extensions, got {list(types)!r}")
    if max_mb is None:
        max_mb = int(st.get_option("server.maxUploadSize"))
    return _CSS % {"mb": int(max_mb), "types": ", ".join(names)}


def vietnamese_uploader(types: Sequence[str], max_mb: int | None = None) -> None:
    """Put the Vietnamese drop-zone words on this page (call before ``st.file_uploader``)."""
    st.html(uploader_css(types, max_mb))


def uploader(label: str, types: Sequence[str], *, key: str, max_mb: int | None = None,
             help: str | None = None):
    """``st.file_uploader`` in Vietnamese: our drop-zone words with the page's own size limit
    (``max_mb``, enforced by Streamlit too; default the server's), and for a chosen file one
    plain-text line with its name and its size in Vietnamese ("163,7 KB")."""
    vietnamese_uploader(types, max_mb)
    names = [str(t).strip().lstrip(".").lower() for t in types]
    upload = st.file_uploader(label, type=names, key=key, max_upload_size=max_mb, help=help)
    if upload is not None:
        st.text(file_line(upload.name, upload.size))
    return upload


def file_line(name: str, size: int | None) -> str:
    """"Tệp đã chọn: theo-doi.xlsx · 163,7 KB" (shown as text, never Markdown)."""
    return f"Tệp đã chọn: {name} · {fmt.file_size(size)}"
