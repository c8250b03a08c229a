"""The pages' charts: the overview tiles as inline SVG (bullet graph + sparkline: no Plotly on
the overview), Plotly figures for the trends, the breakdown bars and the print page.

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


def family(d: KpiDisplay) -> str:
    """The family of a KPI whose sparklines share one scale: what it counts (hồ sơ, đánh giá,
    thủ tục, phản ánh, kiến nghị), so rates of the same things compare at a glance."""
    return d.noun


def sparkline_scales(items) -> dict[str, tuple[float, float]]:
    """{KPI key: (low, high)} for ``[(KpiDisplay, Series)…]``: one range per family, from the
    lowest to the highest value or target of its members, widened to whole 5% steps (never
    beyond 0–100%)."""
    import math

    ranges: dict[str, list[float]] = {}
    for d, s in items:
        vals = [v for v in s.values if v is not None]
        vals += [t for t in (s.target, d.target) if t is not None]
        ranges.setdefault(family(d), []).extend(vals)
    out = {}
    for d, _ in items:
        vals = ranges[family(d)]
        if not vals:
            out[d.key] = (0.0, 1.0)
            continue
        lo = max(0.0, math.floor(round(min(vals) * 20 - 0.2, 9)) / 20)
        hi = min(1.0, math.ceil(round(max(vals) * 20 + 0.2, 9)) / 20)
        out[d.key] = (lo, hi if hi > lo else min(1.0, lo + 0.05))
    return out


# The tile's picture, drawn as inline SVG from our own numbers (no text from files in it): the
# overview then needs no Plotly at all, which halves its time to ready in a browser
# (bench/browser.py). viewBox units; the picture scales with the tile's width.
TILE_W, TILE_H = 160, 92
_PLOT_X0, _PLOT_X1 = 27.0, 155.0  # both charts share the horizontal extent
_BULLET_Y0, _BULLET_Y1 = 2.0, 20.0
_SPARK_Y0, _SPARK_Y1 = 42.0, 88.0  # top (high), bottom (low)


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def tile_svg(d: KpiDisplay, s: Series, scale: tuple[float, float] | None = None) -> str:
    """A tile's two small charts as one SVG: the bullet graph (0–100%: grey bands, the value
    as a dark bar, the target as a black tick) and the 12-month sparkline below on ``scale``
    (the family's, from ``sparkline_scales``; default its own), its two ends labelled, the
    target dashed, the last month a larger dot; each month's value in a tooltip."""
    import html

    esc = html.escape
    w = _PLOT_X1 - _PLOT_X0

    def bx(v: float) -> float:
        return _PLOT_X0 + w * min(1.0, max(0.0, v))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {TILE_W} {TILE_H}" '
             f'width="100%" style="display:block;width:100%;height:auto" role="img" '
             f'data-kpi="{esc(d.key)}" '
             f'aria-label="{esc(f"Kết quả {d.value_text}, chỉ tiêu {d.target_text}")}" '
             f'font-family="sans-serif" fill="{INK}">']
    parts.append(f"<title>{esc(f'Kết quả {d.value_text}, chỉ tiêu {d.target_text}')}</title>")
    for (x0, x1), color in zip(_bands(d.target), BANDS):
        if x1 > x0:
            parts.append(f'<rect x="{_n(bx(x0))}" y="{_n(_BULLET_Y0)}" width="{_n(bx(x1) - bx(x0))}"'
                         f' height="{_n(_BULLET_Y1 - _BULLET_Y0)}" fill="{color}"/>')
    if d.value is not None:
        parts.append(f'<rect class="value" x="{_n(_PLOT_X0)}" y="7" width="{_n(bx(d.value) - _PLOT_X0)}"'
                     f' height="8" fill="{INK}"/>')
    if d.target is not None:
        parts.append(f'<line class="target" x1="{_n(bx(d.target))}" x2="{_n(bx(d.target))}" y1="3" '
                     f'y2="19" stroke="{TICK}" stroke-width="2.5"/>')
    for v, anchor in ((0, "start"), (0.5, "middle"), (1, "end")):
        parts.append(f'<text x="{_n(bx(v))}" y="31" font-size="9.5" text-anchor="{anchor}">'
                     f"{esc(pct_text(v))}</text>")

    if scale is None:
        scale = sparkline_scales([(d, s)])[d.key]
    lo, hi = scale
    span = (hi - lo) or 1.0

    def sy(v: float) -> float:
        v = min(hi, max(lo, v))
        return _SPARK_Y1 - (_SPARK_Y1 - _SPARK_Y0) * (v - lo) / span

    n = max(1, len(s.values) - 1)

    def sx(i: int) -> float:
        return _PLOT_X0 + w * i / n if len(s.values) > 1 else _PLOT_X0 + w / 2

    parts.append(f'<g class="scale" data-low="{_n(lo)}" data-high="{_n(hi)}" font-size="9">'
                 f'<text x="{_n(_PLOT_X0 - 3)}" y="{_n(_SPARK_Y0 + 3)}" text-anchor="end">'
                 f"{esc(pct_text(hi))}</text>"
                 f'<text x="{_n(_PLOT_X0 - 3)}" y="{_n(_SPARK_Y1)}" text-anchor="end">'
                 f"{esc(pct_text(lo))}</text></g>")
    target = s.target if s.target is not None else d.target
    if target is not None and lo <= target <= hi:
        parts.append(f'<line class="spark-target" data-value="{_n(target)}" x1="{_n(_PLOT_X0)}" '
                     f'x2="{_n(_PLOT_X1)}" y1="{_n(sy(target))}" y2="{_n(sy(target))}" '
                     f'stroke="{TICK}" stroke-width="1" stroke-dasharray="4 3"/>')
    segment: list[str] = []
    segments = []
    for i, v in enumerate(s.values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_n(sx(i))},{_n(sy(v))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{INK}" '
                     f'stroke-width="1.6"/>')
    known = [i for i, v in enumerate(s.values) if v is not None]
    for i in known:
        r = 3.2 if i == known[-1] else 1.4
        tip = f"{s.labels[i]}: {s.texts[i]}" if i < len(s.labels) else ""
        parts.append(f'<circle cx="{_n(sx(i))}" cy="{_n(sy(s.values[i]))}" r="{r}" '
                     f'fill="{INK}"><title>{esc(tip)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def pct_text(v: float) -> str:
    """A scale label: '45%', '100%', '97,5%'."""
    from kpi import format as fmt

    return fmt.pct_compact(v)


def show_svg(svg: str) -> None:
    """Draw an SVG built here (numbers and our own words only, escaped: no text from files).
    ``st.html`` would strip SVG; Markdown keeps it inline, with its tooltips."""
    st.markdown(svg, unsafe_allow_html=True)


def label_positions(values: list[float | None], target: float | None) -> list[str]:
    """Where each month's value label goes: on the side of its point away from the target
    line (above when the value reaches the target, below when it falls short), so the dashed
    line never runs through a label."""
    return ["bottom center" if target is not None and v is not None and v < target
            else "top center" for v in values]


def trend_chart(s: Series, title: str = "", height: int = 320) -> go.Figure:
    """A KPI's monthly values with the target line (the detail page)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=s.labels, y=s.values, mode="lines+markers+text", name="Kết quả",
                             text=s.texts, textposition=label_positions(s.values, s.target),
                             textfont=dict(size=10), cliponaxis=False,
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
    return _base(fig, height, (48, 16, 36 if title else 24, 40)).update_layout(showlegend=True)


LABEL_WIDTH = 32  # characters per line of a bar's label
LABEL_LINES = 3  # at most; longer names end with "…" (the full name is in the hover and the table)


def _plain(text: str) -> str:
    """Text from the files as Plotly text: its pseudo-HTML characters as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap_label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """A long procedure name on at most ``lines`` lines of about ``width`` characters
    (" <br>" between them, broken only between words), the last ending with "…" when cut;
    escaped for Plotly."""
    import textwrap

    parts = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=False,
                          break_on_hyphens=False) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        last = parts[-1]
        if len(last) > width - 1:  # room for "…": drop whole words, never cut inside one
            cut = last[: width - 1].rsplit(" ", 1)
            last = cut[0] if len(cut) > 1 else last[: width - 1]
        parts[-1] = last.rstrip() + "…"
    # The space stays before each line break: the SVG draws nothing for it, but the label's
    # text (copied, read aloud, searched) keeps "hộ kinh doanh", not "hộkinh doanh".
    return " <br>".join(_plain(p) for p in parts)


def breakdown_bars(labels: list[str], values: list[float | None], texts: list[str],
                   target: float | None, height: int | None = None) -> go.Figure:
    """One bar per group (first = worst, drawn at the top) with the target as a line. Long
    labels wrap on up to three lines; the value is written beyond its bar with room kept on the
    right, so neither is clipped. Give it ``kpi.dashboard.chart_groups`` (top 12 + "Khác")."""
    n = len(labels)
    xs = [v if v is not None else 0 for v in values]
    ticks = [wrap_label(label) for label in labels]
    # Unique categories even when two names wrap alike (the y axis is categorical).
    seen: dict[str, int] = {}
    ys = []
    for t in ticks:
        seen[t] = seen.get(t, 0) + 1
        ys.append(t if seen[t] == 1 else t + "\u200b" * (seen[t] - 1))
    fig = go.Figure(go.Bar(x=xs, y=ys, orientation="h", text=texts, textposition="outside",
                           marker_color=INK, cliponaxis=False, customdata=[_plain(x) for x in labels],
                           textfont=dict(size=12, color=INK),
                           hovertemplate="%{customdata}: %{text}<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line=dict(color=TICK, width=2, dash="dash"), layer="below")
    fig.update_yaxes(autorange="reversed", type="category", automargin=True,
                     tickfont=dict(size=11))
    fig.update_xaxes(range=[0, 1.18], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     gridcolor="#E5E7EB")
    lines = [t.count("<br>") + 1 for t in ticks] or [1]
    rows = sum(max(30, 14 * k + 12) for k in lines)
    # Labels escaped here (_plain) around our own "<br>": ui.safe.figure must not redo it.
    return safe.escaped(_base(fig, height or max(140, rows + 50), (8, 56, 8, 24)))


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


def trend_forecast_chart(s: Series, future: list[str], pace: float | None,
                         worst: float | None, best: float | None, year_end: float | None,
                         year_end_text: str, low: float | None = None,
                         high: float | None = None, height: int = 340) -> go.Figure:
    """The detail page's trend with the year's forecast drawn on it (kpi.yearview): the
    months still to come (``future`` labels, "T7/2026"…) at the pace of the last three
    covered months (dotted), the band between the worst and best month of the last six
    (grey), and the year-end value with its range at the last month (a diamond; its words
    "Dự báo cuối năm …" in the legend and the hover, never over the value labels)."""
    fig = trend_chart(s, height=height)
    if pace is None or not future:
        return fig
    known = [(x, y) for x, y in zip(s.labels, s.values) if y is not None]
    xs = ([known[-1][0]] if known else []) + list(future)
    start = [known[-1][1]] if known else []
    if worst is not None and best is not None:
        fig.add_trace(go.Scatter(x=xs, y=start + [best] * len(future), mode="lines",
                                 line=dict(width=0), hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=xs, y=start + [worst] * len(future), mode="lines",
                                 line=dict(width=0), fill="tonexty", fillcolor="rgba(31,41,51,0.12)",
                                 name="Tháng tốt nhất – kém nhất (6 tháng gần nhất)",
                                 hoverinfo="skip"))
    if s.target is not None:  # the target line goes on over the months to come
        fig.add_trace(go.Scatter(x=list(future), y=[s.target] * len(future), mode="lines",
                                 line=dict(color=TICK, width=1.5, dash="dash"), showlegend=False,
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xs, y=start + [pace] * len(future), mode="lines",
                             name="Nhịp 3 tháng gần nhất", line=dict(color=INK, width=1.5, dash="dot"),
                             hovertemplate="%{x}: %{y:.1%}<extra>Nhịp 3 tháng gần nhất</extra>"))
    if year_end is not None:
        err = None
        if low is not None and high is not None:
            err = dict(type="data", symmetric=False, array=[max(0.0, high - year_end)],
                       arrayminus=[max(0.0, year_end - low)], color=INK, thickness=1.5, width=6)
        # The forecast's words go in the legend and the hover, not on the plot, where they
        # would cover the last months' value labels.
        fig.add_trace(go.Scatter(x=[future[-1]], y=[year_end], mode="markers",
                                 marker=dict(symbol="diamond", size=10, color=INK), error_y=err,
                                 name=_plain(year_end_text),
                                 hovertemplate=f"{_plain(year_end_text)}<extra></extra>"))
    values = [v for v in s.values if v is not None] + [x for x in (worst, best, pace, low, s.target)
                                                        if x is not None]
    lo = min(values) if values else 0.0
    fig.update_yaxes(range=[max(0.0, lo - 0.1), 1.04])
    return fig
