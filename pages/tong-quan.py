"""Tổng quan — the standing of each plan target for the chosen unit and period.

Five tiles for the headline KPIs (value, bullet graph against the target, Đạt / Chưa đạt,
change vs the previous period, 12-month sparkline, numerator/denominator, the formula), a
button from each tile to its detail page, then the other plan targets in a compact table,
and plain warnings for missing data.
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

common.context_line(sel, snap)
rows = DB.display_rows(snap, prev)
by_key = {r.key: r for r in rows}
headline = [by_key[k] for k in D.HEADLINE_KEYS]
st.markdown(f"**{DB.met_summary(rows)}** của kế hoạch trong {snap.period.label.lower()}"
            f" · so sánh với {prev.period.label.lower()}.")

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
        charts.show(charts.tile_chart(d, DB.trend_series(trend, d.key)), f"tile_{d.key}")
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
