"""Plotly figures of the pages: bullet graphs, sparklines, trends, breakdown bars.

Stephen Few's bullet graph: one dark bar for the value, a black tick for the target, grey
qualitative bands behind; the met / not met verdict is written next to it in words, so the
figures survive a black-and-white printer. Numbers use Vietnamese separators (98,5%).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from kpi.dashboard import KpiDisplay, Series
from ui import safe

INK = "#1F2933"  # the value bar, lines
TICK = "#000000"  # the target
BANDS = ("#C9CED6", "#DDE1E6", "#EEF0F3")  # poor, fair, good (darkest = worst)
FONT = dict(family="sans-serif", size=12, color=INK)
# Charts without zoom or toolbar (axes are fixed): tiles, the print page.
STATIC = {"displayModeBar": False, "scrollZoom": False, "doubleClick": False}
INTERACTIVE = {"displayModeBar": False}


def show(fig: go.Figure, key: str, interactive: bool = False) -> None:
    """Draw a figure as built here (our greys and fonts, not the Streamlit theme); every text
    that came from data is HTML-escaped first (ui/safe.py: no live <a href> in a label)."""
    st.plotly_chart(safe.figure(fig), config=INTERACTIVE if interactive else STATIC, theme=None, key=key)


def _base(fig: go.Figure, height: int, margin=(4, 4, 4, 4)) -> go.Figure:
    left, right, top, bottom = margin
    fig.update_layout(
        height=height, margin=dict(l=left, r=right, t=top, b=bottom), showlegend=False,
        separators=",.", font=FONT, paper_bgcolor="white", plot_bgcolor="white",
    )
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


def _bands(target: float | None) -> list[tuple[float, float]]:
    """Qualitative ranges: well below the target, just below it, at or above it."""
    if target is None:
        return [(0.0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0)]
    low = max(0.0, target - 0.1)
    return [(0.0, low), (low, target), (target, 1.0)]


def tile_chart(d: KpiDisplay, s: Series, height: int = 150) -> go.Figure:
    """A tile's two small charts in one figure (one chart to draw instead of two): the
    bullet graph on top (0–100%), the 12-month sparkline below (dashed: the target)."""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.38, 0.62], vertical_spacing=0.2)
    shapes = []
    for (x0, x1), color in zip(_bands(d.target), BANDS):
        if x1 > x0:
            shapes.append(dict(type="rect", xref="x", yref="y", x0=x0, x1=x1, y0=0, y1=1,
                               fillcolor=color, line_width=0, layer="below"))
    if d.value is not None:
        shapes.append(dict(type="rect", xref="x", yref="y", x0=0, x1=d.value, y0=0.32,
                           y1=0.68, fillcolor=INK, line_width=0))
    if d.target is not None:
        shapes.append(dict(type="line", xref="x", yref="y", x0=d.target, x1=d.target, y0=0.1,
                           y1=0.9, line=dict(color=TICK, width=3)))
        shapes.append(dict(type="line", xref="x2 domain", yref="y2", x0=0, x1=1, y0=s.target,
                           y1=s.target, line=dict(color=TICK, width=1, dash="dash"))
                      if s.target is not None else None)
    fig.update_layout(shapes=[x for x in shapes if x])
    fig.add_trace(go.Scatter(x=[d.value if d.value is not None else 0], y=[0.5], mode="markers",
                             marker=dict(opacity=0), hoverinfo="text",
                             hovertext=f"Kết quả {d.value_text} · chỉ tiêu {d.target_text}"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=s.labels, y=s.values, mode="lines+markers", connectgaps=False,
                             line=dict(color=INK, width=2), marker=dict(size=3, color=INK),
                             hovertemplate="%{x}: %{y:.1%}<extra></extra>"), row=2, col=1)
    known = [(x, y) for x, y in zip(s.labels, s.values) if y is not None]
    if known:
        fig.add_trace(go.Scatter(x=[known[-1][0]], y=[known[-1][1]], mode="markers",
                                 marker=dict(size=7, color=INK), hoverinfo="skip"), row=2, col=1)
    fig.update_xaxes(range=[0, 1], tickformat=".0%", tickvals=[0, 0.5, 1], showgrid=False,
                     zeroline=False, ticks="outside", ticklen=3, tickfont=dict(size=10),
                     row=1, col=1)
    fig.update_yaxes(range=[0, 1], visible=False, row=1, col=1)
    fig.update_xaxes(visible=False, type="category", row=2, col=1)
    values = [v for v in s.values if v is not None] + ([s.target] if s.target is not None else [])
    if values:
        lo, hi = min(values), max(values)
        pad = max(0.01, (hi - lo) * 0.15)
        fig.update_yaxes(range=[lo - pad, hi + pad], row=2, col=1)
    fig.update_yaxes(visible=False, row=2, col=1)
    return _base(fig, height, (12, 14, 2, 4))


def trend_chart(s: Series, title: str = "", height: int = 320) -> go.Figure:
    """A KPI's monthly values with the target line (the detail page)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=s.labels, y=s.values, mode="lines+markers+text", name="Kết quả",
                             text=s.texts, textposition="top center", textfont=dict(size=10),
                             line=dict(color=INK, width=2), marker=dict(size=7, color=INK),
                             hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    if s.target is not None:
        fig.add_trace(go.Scatter(x=s.labels, y=[s.target] * len(s.labels), mode="lines",
                                 name="Chỉ tiêu", line=dict(color=TICK, width=1.5, dash="dash"),
                                 hovertemplate="Chỉ tiêu: %{y:.0%}<extra></extra>"))
    known = [v for v in s.values if v is not None] + ([s.target] if s.target else [])
    lo = min(known) if known else 0.0
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(tickformat=".0%", range=[max(0.0, lo - 0.1), 1.04], title=None,
                     gridcolor="#E5E7EB")
    fig.update_layout(title=dict(text=title, font=dict(size=14)) if title else None,
                      showlegend=True, legend=dict(orientation="h", y=-0.18))
    return _base(fig, height, (48, 16, 36 if title else 16, 40)).update_layout(showlegend=True)


def breakdown_bars(labels: list[str], values: list[float | None], texts: list[str],
                   target: float | None, height: int | None = None) -> go.Figure:
    """One bar per group (first = worst, drawn at the top) with the target as a line."""
    n = len(labels)
    xs = [v if v is not None else 0 for v in values]
    fig = go.Figure(go.Bar(x=xs, y=labels, orientation="h", text=texts, textposition="outside",
                           marker_color=INK, cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line=dict(color=TICK, width=2, dash="dash"))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    fig.update_xaxes(range=[0, 1.12], tickformat=".0%", gridcolor="#E5E7EB")
    return _base(fig, height or max(140, 34 * n + 50), (8, 24, 8, 24))


def bullets_table(rows: list[KpiDisplay]) -> go.Figure:
    """Every KPI as a bullet graph, one row each (the print page)."""
    n = len(rows)
    fig = go.Figure()
    shapes = []
    names = [f"{r.short_label} — {r.value_text} ({r.status_text})" for r in rows]
    for i, r in enumerate(rows):
        y0, y1 = i - 0.4, i + 0.4
        for (x0, x1), color in zip(_bands(r.target), BANDS):
            if x1 > x0:
                shapes.append(dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=color,
                                   line_width=0, layer="below"))
        if r.value is not None:
            shapes.append(dict(type="rect", x0=0, x1=r.value, y0=i - 0.15, y1=i + 0.15,
                               fillcolor=INK, line_width=0))
        if r.target is not None:
            shapes.append(dict(type="line", x0=r.target, x1=r.target, y0=i - 0.32, y1=i + 0.32,
                               line=dict(color=TICK, width=3)))
    fig.add_trace(go.Scatter(x=[0] * n, y=list(range(n)), mode="markers",
                             marker=dict(opacity=0), hoverinfo="skip"))
    fig.update_layout(shapes=shapes)
    fig.update_yaxes(tickvals=list(range(n)), ticktext=names, range=[n - 0.5, -0.5],
                     showgrid=False, zeroline=False, automargin=True, ticks="")
    fig.update_xaxes(range=[0, 1.001], tickformat=".0%", tickvals=[i / 10 for i in range(11)],
                     showgrid=False, zeroline=False, ticks="outside")
    return _base(fig, 26 * n + 44, (8, 32, 6, 28))


def trend_grid(series: list[Series], titles: list[str], cols: int = 3) -> go.Figure:
    """Small multiples of the monthly trend (the print page): solid line = value, dashed =
    target; black and grey only."""
    rows = (len(series) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.2,
                        horizontal_spacing=0.07)
    for i, s in enumerate(series):
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(go.Scatter(x=s.labels, y=s.values, mode="lines+markers",
                                 line=dict(color=INK, width=2), marker=dict(size=4, color=INK),
                                 hovertemplate="%{x}: %{y:.1%}<extra></extra>"), row=r, col=c)
        if s.target is not None:
            fig.add_trace(go.Scatter(x=s.labels, y=[s.target] * len(s.labels), mode="lines",
                                     line=dict(color=TICK, width=1, dash="dash"),
                                     hoverinfo="skip"), row=r, col=c)
        known = [v for v in s.values if v is not None] + ([s.target] if s.target else [])
        lo = min(known) if known else 0.0
        fig.update_yaxes(tickformat=".0%", range=[max(0.0, lo - 0.05), 1.005],
                         gridcolor="#E5E7EB", row=r, col=c, tickfont=dict(size=9))
        fig.update_xaxes(type="category", tickangle=-45, tickfont=dict(size=8), row=r, col=c,
                         nticks=6)
    fig.update_annotations(font=dict(size=12))
    return _base(fig, 210 * rows, (40, 10, 30, 40))
