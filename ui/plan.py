"""Screen pieces of the plan page (pages/ke-hoach.py): the tracker's tables with Vietnamese headers,
status as icon + word + colour, the progress chart, the editor's frame, the KPI lines beside a
goal. The data comes from ``kpi.plan.tracker``; nothing here reads or writes the database.

Empty values show as a blank cell, never "None".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import format as fmt
from kpi.definitions import KPI_BY_KEY
from kpi.plan import tracker as T

STATUS_ICONS = {T.NOT_STARTED: "⚪", T.IN_PROGRESS: "🔵", T.DONE: "✅", T.DELAYED: "🔴"}
STATUS_COLORS = {
    T.NOT_STARTED: "#9AA5B1",
    T.IN_PROGRESS: "#2F80ED",
    T.DONE: "#2E7D32",
    T.DELAYED: "#C62828",
}
OVERDUE_COLOR = "#C62828"
OVERDUE_TEXT = f"{T.OVERDUE_ICON} {T.OVERDUE_LABEL}"


def status_text(code: str) -> str:
    """"✅ Hoàn thành": the status word with its icon; no status (the first change of an
    activity has no previous one) is a blank cell, never "None"."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    label = T.status_label(code)
    return f"{STATUS_ICONS[code]} {label}" if code in STATUS_ICONS else label


def _blank(values) -> list:
    """A column for the screen: missing values (None, NaN) as an empty cell."""
    return ["" if v is None or pd.isna(v) else v for v in values]


# --------------------------------------------------------------------------- KPIs of a goal


def goal_kpi_lines(goal_id: str, values: Mapping[str, Mapping]) -> list[str]:
    """Vietnamese lines for the KPIs of a goal: value, target, Đạt / Chưa đạt (icon + word)."""
    lines = []
    for key in T.section_kpis().get(goal_id, ()):
        kpi = KPI_BY_KEY.get(key)
        label = kpi.label if kpi else key
        entry = values.get(key)
        if not entry or entry.get("value") is None:
            lines.append(f"📊 {label}: — Chưa có dữ liệu")
            continue
        text = f"📊 {label}: **{fmt.pct(entry['value'])}**"
        details = []
        if entry.get("numerator") is not None and entry.get("denominator"):
            details.append(f"{fmt.integer(entry['numerator'])}/{fmt.integer(entry['denominator'])}")
        if entry.get("target") is not None:
            details.append(f"chỉ tiêu {fmt.pct(entry['target'])}")
        if details:
            text += f" ({'; '.join(details)})"
        if entry.get("met") is True:
            text += " — ✅ Đạt"
        elif entry.get("met") is False:
            text += " — ❌ Chưa đạt"
        lines.append(text)
    return lines


# --------------------------------------------------------------------------- tables


def activities_display(df) -> pd.DataFrame:
    """Activities with Vietnamese headers: status and overdue flag as icon + word."""
    return pd.DataFrame(
        {
            "Mã hoạt động": df["activity_id"],
            "Hoạt động": df["activity"],
            "Kết quả/Sản phẩm": df["output"],
            "Chủ trì": ["; ".join(u) for u in df["lead_units"]],
            "Phối hợp": df["partner"],
            "Thời gian": df["timing"],
            "Trạng thái": [status_text(s) for s in df["status"]],
            "Cảnh báo": [
                f"{f} (hạn {fmt.date(d)})" if f else "" for f, d in zip(df["flag"], df["deadline"])
            ],
            "Ghi chú tiến độ": _blank(df["note"]),
            "Minh chứng": _blank(df["evidence"]),
            "Người cập nhật": _blank(df["updated_by"]),
            "Cập nhật lúc": [fmt.datetime(v) if v is not None else "" for v in df["updated_at"]],
        }
    )


def style_activities(display):
    """Colour the status and warning columns of ``activities_display`` (word + icon + colour)."""
    colors = {status_text(c): STATUS_COLORS[c] for c in T.STATUSES}

    def status_css(v):
        return f"color: {colors[v]}; font-weight: 600" if v in colors else ""

    def flag_css(v):
        return f"color: {OVERDUE_COLOR}; font-weight: 600" if v else ""

    return display.style.map(status_css, subset=["Trạng thái"]).map(flag_css, subset=["Cảnh báo"])


def activity_table(rows) -> None:
    """The activities of ``rows`` as a coloured table."""
    st.dataframe(style_activities(activities_display(rows)), hide_index=True, width="stretch")


def history_display(hist) -> pd.DataFrame:
    """The history with Vietnamese headers, for the screen."""
    return pd.DataFrame(
        {
            "Thời điểm": [fmt.datetime(v) for v in hist["updated_at"]],
            "Mã hoạt động": hist["activity_id"],
            "Trạng thái trước": [status_text(s) for s in hist["previous_status"]],
            "Trạng thái mới": [status_text(s) for s in hist["status"]],
            "Ghi chú tiến độ": _blank(hist["note"]),
            "Minh chứng": _blank(hist["evidence"]),
            "Người cập nhật": _blank(hist["updated_by"]),
            "Nguồn": [
                T.SOURCE_LABELS.get(s, s) + (f": {f}" if f else "")
                for s, f in zip(hist["source"], hist["file_name"])
            ],
        }
    )


def summary_display(summary, group_label: str) -> pd.DataFrame:
    """A summary (``tracker.summarize``) with Vietnamese headers and formatted progress."""
    data = {group_label: summary["group"], "Số hoạt động": summary["total"]}
    for s in T.STATUSES:
        data[status_text(s)] = summary[s]
    data[OVERDUE_TEXT] = summary["overdue"]
    data["Tiến độ (hoàn thành)"] = [fmt.pct(v) for v in summary["progress"]]
    return pd.DataFrame(data)


def overdue_lines(df) -> list[str]:
    """One Vietnamese line per overdue activity: id, activity, timing, deadline."""
    lines = []
    for r in df[df["overdue"]].to_dict("records"):
        text = r["activity"] if len(r["activity"]) <= 120 else r["activity"][:117] + "…"
        lines.append(
            f"**{r['activity_id']}** — {text} (chủ trì: {'; '.join(r['lead_units'])}; thời gian: "
            f"{r['timing']}; hạn {fmt.date(r['deadline'])}; đang: {T.status_label(r['status'])})"
        )
    return lines


# --------------------------------------------------------------------------- chart


def progress_chart(summary, title: str) -> go.Figure:
    """A horizontal stacked bar per group: activities by status (Plotly)."""
    labels = list(summary["group"])
    fig = go.Figure()
    for s in T.STATUSES:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=list(summary[s]),
                name=T.status_label(s),
                orientation="h",
                marker_color=STATUS_COLORS[s],
                hovertemplate="%{y}<br>" + T.status_label(s) + ": %{x}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        barmode="stack",
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "Số hoạt động", "dtick": 5},
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        height=120 + 42 * max(len(labels), 1),
        margin={"l": 10, "r": 60, "t": 50, "b": 10},
        separators=",.",
    )
    for label, total, progress in zip(labels, summary["total"], summary["progress"]):
        fig.add_annotation(
            x=total, y=label, text=f" {fmt.pct(progress, 0)}", showarrow=False, xanchor="left"
        )
    return fig


# --------------------------------------------------------------------------- the editor

EDITOR_COLUMNS = {"status": "Trạng thái", "note": "Ghi chú tiến độ", "evidence": "Minh chứng"}


def editor_key(df, version: int = 0) -> str:
    """A key for the page's table editor that changes with the rows shown (and after a save),
    so edits typed for one set of rows can never land on another."""
    digest = hashlib.sha1("|".join(df["activity_id"]).encode()).hexdigest()[:10]
    return f"plan_editor_{version}_{digest}"


def editor_frame(df) -> pd.DataFrame:
    """The table the page lets staff edit: the three editable columns right after the id."""
    return pd.DataFrame(
        {
            "Mã hoạt động": df["activity_id"],
            "Trạng thái": df["status_label"],
            "Ghi chú tiến độ": [v or "" for v in df["note"]],
            "Minh chứng": [v or "" for v in df["evidence"]],
            "Cảnh báo": df["flag"],
            "Hoạt động": df["activity"],
            "Chủ trì": ["; ".join(u) for u in df["lead_units"]],
            "Thời gian": df["timing"],
        }
    )


def editor_changes(before, after) -> dict[str, dict[str, object]]:
    """The status/note/evidence cells that differ between two ``editor_frame`` tables."""
    old = {r["Mã hoạt động"]: r for r in before.to_dict("records")}
    out: dict[str, dict[str, object]] = {}
    for r in after.to_dict("records"):
        prev = old.get(r["Mã hoạt động"])
        if prev is None:
            continue
        diff = {}
        for field_name, header in EDITOR_COLUMNS.items():
            a, b = T.text_or_none(prev[header]), T.text_or_none(r[header])
            if field_name == "status":
                a, b = T.parse_status(a) or a, T.parse_status(b) or b
            if a != b:
                diff[field_name] = r[header]
        if diff:
            out[r["Mã hoạt động"]] = diff
    return out
