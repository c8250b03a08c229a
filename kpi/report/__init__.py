"""Renderers of the compliance snapshot ("báo cáo kết quả thực hiện chỉ tiêu"): PDF, DOCX, XLSX.

    from kpi.report import render, render_bytes
    render("pdf", snapshot, "bao-cao.pdf", extras={"period_label": "Tháng 3/2026"})
    data = render_bytes("xlsx", snapshot, extras)      # for st.download_button

``snapshot`` is the dict of ``python -m kpi snapshot --format json`` (shared/spec/cli.md);
``extras`` are optional labels, previous values, trend, notes… (see kpi/report/common.py).

The reports sent upward live beside it: ``kpi.report.periodic`` (the periodic CCHC report,
DOCX and PDF, with the texts of ``kpi.report.texts``) and ``kpi.report.bieu06`` (Biểu số 06
from the dossiers, xlsx); ``python -m kpi report`` writes both.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from .common import Report, build

FORMATS = ("pdf", "docx", "xlsx")

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

__all__ = ["FORMATS", "MEDIA_TYPES", "Report", "build", "file_name", "render", "render_bytes"]


def _writer(fmt: str):
    key = (fmt or "").strip().lower().lstrip(".")
    if key == "pdf":
        from . import pdf as module
    elif key == "docx":
        from . import docx as module
    elif key == "xlsx":
        from . import xlsx as module
    else:
        raise ValueError(
            f"Định dạng báo cáo không hỗ trợ: {fmt!r}. Chọn một trong: pdf, docx, xlsx."
        )
    return module


def render(fmt: str, snapshot: dict, out_path, extras: dict | None = None) -> Path:
    """Write the snapshot as ``fmt`` (pdf, docx or xlsx) to ``out_path``; return the path."""
    module = _writer(fmt)
    report = build(snapshot, extras)
    path = Path(out_path)
    module.write(report, path)
    return path


def render_bytes(fmt: str, snapshot: dict, extras: dict | None = None) -> bytes:
    """The same file as bytes (a Streamlit download button, an HTTP response)."""
    module = _writer(fmt)
    buf: BinaryIO = io.BytesIO()
    module.write(build(snapshot, extras), buf)
    return buf.getvalue()


def file_name(fmt: str, snapshot: dict) -> str:
    """A download name: bao-cao-chi-tieu_2026-03-01_2026-03-31.pdf."""
    period = snapshot.get("period") or {}
    return f"bao-cao-chi-tieu_{period.get('start', '')}_{period.get('end', '')}.{fmt.lower()}"
