"""Tổng quan — the standing of each plan target for the chosen unit and period.

It opens with one sentence on the year (kpi.yearview: how many headline targets the year to
date meets, and for each one missed its gap in dossiers); on a phone it starts with a compact
status table. Five tiles for the headline KPIs (value, bullet graph against the target, Đạt / Chưa đạt,
change vs the previous period, 12-month sparkline, numerator/denominator, the formula), a
button from each tile to its detail page, and beside each the year to date with its verdict,
the rate the rest of the year needs and the year-end forecast; then the other plan targets in
a compact table, and plain warnings for missing data. A period no export covers shows "Chưa có
dữ liệu" and no verdict; a partly covered one is "tạm tính" with its missing days.
"""

from __future__ import annotations

import streamlit as st

from kpi import dashboard as DB
from kpi import definitions as D
from kpi import format as fmt
from ui import charts, common, data, nav

nav.require_frame()
nav.guard("tong-quan")

sel = common.selection()
st.title("Tổng quan")
common.require_data(sel)

with common.friendly_errors():
    snap = data.snapshot(sel)
    prev = data.previous_snapshot(sel)
    trend = data.trend(sel)  # every KPI: the same cache entry as the detail page
    warnings = data.warnings(sel)
    year = data.year_view(sel)

rows = DB.display_rows(snap, prev)
by_key = {r.key: r for r in rows}
headline = [by_key[k] for k in D.HEADLINE_KEYS]

# On a narrow screen (a phone) the page starts with the compact status table; wide screens
# hide it (the tiles say the same).
st.html("<style>@media (min-width: 768px) { .st-key-phone_status { display: none; } }</style>")
with st.container(key="phone_status"):
    st.dataframe(DB.status_table(rows), hide_index=True, width="stretch", key="status_table",
                 height=35 * (len(rows) + 1) + 3)

st.markdown(f"**{year.sentence}**")
common.context_line(sel, snap)
label = fmt.in_sentence(snap.period.label)
summary = DB.met_summary(rows, snap)
if snap.no_data:
    st.markdown(f"**{summary}** cho {label}: không đánh giá đạt hay chưa đạt.")
elif all(r.target is None for r in rows):
    st.markdown(f"**{summary}**: số liệu {label} chỉ để theo dõi.")
else:
    st.markdown(f"**{summary}** của kế hoạch trong {label} · so sánh với "
                f"{fmt.in_sentence(prev.period.label)}.")

for w in warnings:
    st.warning(w.text, icon="⚠️")


def tile(d: DB.KpiDisplay) -> None:
    with st.container(border=True):
        st.markdown(f"**{d.label}** · _{d.section}_")
        arrow = d.direction if d.direction in ("up", "down") else "off"
        st.metric(
            d.short_label, d.value_text,
            delta=d.change_text if d.change is not None else None,
            delta_color={"up": "green", "down": "red"}.get(arrow, "gray"), delta_arrow=arrow,
            help=f"Công thức: {d.formula_with_counts}", label_visibility="collapsed",
        )
        st.markdown(f"{common.status_markdown(d)} · chỉ tiêu {d.target_text}")
        y = year.kpi(d.key)
        # A year without a target says so once (the line above); a fully covered year shows
        # its result, with nothing left to need or forecast.
        final = y.forecast.final
        head = (f"Kết quả cả năm {year.year}" if final else f"Lũy kế từ đầu năm {year.year}")
        lines = [f"{head}: **{y.value_text}**"
                 + (f" · {y.verdict_text}" if y.target is not None else "")]
        if not final:
            lines += ([y.required_text] if y.target is not None else []) + [y.forecast.text]
        st.caption("  \n".join(lines))
        charts.show_svg(charts.tile_svg(d, series[d.key], scale=scales[d.key]))
        st.caption(f"{d.ratio_text} {d.noun} · "
                   "12 tháng gần nhất (đường đứt: chỉ tiêu)")
        with st.expander("Công thức"):
            st.markdown(f"{d.formula}\n\n- {d.numerator_label}: **{fmt.integer(d.numerator)}**"
                        f"\n- {d.denominator_label}: **{fmt.integer(d.denominator)}**"
                        f"\n- Kết quả: **{d.value_text}**")
            if d.note:
                st.caption(d.note)
        if st.button("Xem chi tiết →", key=f"goto_{d.key}", width="stretch"):
            st.session_state["detail_kpi"] = d.key
            st.switch_page("pages/chi-tiet.py")


series = {d.key: DB.trend_series(trend, d.key) for d in headline}
scales = charts.sparkline_scales([(d, series[d.key]) for d in headline])  # one per family
for col, d in zip(st.columns(len(headline)), headline):
    with col:
        tile(d)

st.subheader("Các chỉ tiêu khác của kế hoạch")
others = [r for r in rows if not r.headline]
st.dataframe(DB.targets_table(others), hide_index=True, width="stretch", key="other_targets")
with st.expander("Công thức các chỉ tiêu khác"):
    for d in others:
        st.markdown(f"**{d.label}** ({d.section}): {d.formula_with_counts}")
        if d.note:
            st.caption(d.note)
pick = st.selectbox("Xem chi tiết chỉ tiêu khác", [r.key for r in others],
                    format_func=lambda k: by_key[k].label, key="overview_other_kpi")
if st.button("Xem chi tiết →", key="goto_other"):
    st.session_state["detail_kpi"] = pick
    st.switch_page("pages/chi-tiet.py")
