"""The breakdown bars (top 12 + "Khác", wrapped labels, room for the values) and the tiles'
sparklines (one scale per KPI family, the target drawn)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kpi import dashboard as DB
from kpi import queries as Q
from kpi.dashboard import Series
from tests.fixtures import app
from ui import charts

LONG = ("Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do thay "
        "đổi thông tin về người được cấp Giấy chứng nhận")


def frame(n: int) -> pd.DataFrame:
    """n groups, worst first: group i has 10 dossiers, i of them on time."""
    rows = [[f"P{i:02d}", f"P{i:02d} - Thủ tục {i}", i, 10, 0, i / 10, 10 - i] for i in range(n)]
    return pd.DataFrame(rows, columns=["group", "label", "numerator", "denominator", "unknown",
                                       "value", "shortfall"])


def test_top_twelve_and_the_rest_as_one_bar():
    gs = DB.chart_groups(frame(20))
    assert len(gs) == 13
    assert [g.label for g in gs[:2]] == ["P00 - Thủ tục 0", "P01 - Thủ tục 1"]
    other = gs[-1]
    # The 8 groups left: 12 + 13 + … + 19 = 124 on time out of 80.
    assert (other.group, other.label, other.shortfall) == (DB.OTHERS, "Khác (8 nhóm)", 80 - 124)
    assert other.value == pytest.approx(124 / 80) and other.text == "155,0%"
    # Thirteen groups are drawn as they are ("Khác" for one group would hide its name).
    assert [g.label for g in DB.chart_groups(frame(13))] == [f"P{i:02d} - Thủ tục {i}"
                                                             for i in range(13)]


def test_long_names_wrap_and_are_plain_text():
    assert charts.wrap_label(LONG) == (
        "Đăng ký biến động quyền sử dụng<br>đất, quyền sở hữu tài sản gắn<br>liền với đất do "
        "thay đổi thông…")
    assert charts.wrap_label("Khai sinh") == "Khai sinh"
    assert charts.wrap_label('<a href="http://x">Mở</a> & <b>') == (
        '&lt;a href="http://x"&gt;Mở&lt;/a&gt; &amp; &lt;b&gt;')


def test_breakdown_bars_keep_every_value_readable():
    labels = [LONG, "Chứng thực bản sao", "Chứng thực bản sao"]
    fig = charts.breakdown_bars(labels, [1.0, 0.5, None], ["100,0%", "50,0%", "—"], 0.8)
    bar = fig.data[0]
    assert bar.textposition == "outside" and bar.cliponaxis is False
    assert bar.y[0].count("<br>") == 2
    assert len(set(bar.y)) == 3  # two groups of the same name stay two bars
    assert list(bar.customdata) == labels
    assert bar.hovertemplate == "%{customdata}: %{text}<extra></extra>"
    assert fig.layout.xaxis.range == (0, 1.18)  # room beyond 100% for "100,0%"
    assert fig.layout.margin.r == 56
    assert fig.layout.height == 54 + 30 + 30 + 50  # three lines for the long name


def _display(key: str, value: float | None, target: float | None, source="dossiers"):
    from kpi import definitions as D

    v = Q.KpiValue(key=key, label=key, short_label=key, section="",
                   definition=D.KPI_BY_KEY[key].default,
                   source=source, value=value, numerator=0, denominator=0, unknown=0,
                   unverifiable=0, target=target, met=None, target_text=None, formula="",
                   numerator_label="", denominator_label="", note="")
    return v


def _series(key, values, target):
    return Series(key=key, months=[], labels=[f"T{i + 1}/2026" for i in range(len(values))],
                  values=values, texts=["" for _ in values], target=target, numerators=[],
                  denominators=[])


def test_sparklines_share_one_scale_per_family():
    from kpi import definitions as D

    on_time = DB.kpi_display(_display("on_time_rate", 0.98, 0.98))
    online = DB.kpi_display(_display("online_submission_rate", 0.62, 0.6))
    rated = DB.kpi_display(Q.KpiValue(**{**_display("satisfaction_rate", 0.9, 0.95).__dict__,
                                         "source": "ratings", "definition": "ratings"}))
    assert D.SOURCES["ratings"].noun == rated.noun == "đánh giá"
    items = [(on_time, _series("on_time_rate", [0.97, None, 0.99], 0.98)),
             (online, _series("online_submission_rate", [0.56, 0.64], 0.6)),
             (rated, _series("satisfaction_rate", [0.91, 0.93], 0.95))]
    scales = charts.sparkline_scales(items)
    # Dossier rates: 56%…99% → 55%…100%; ratings alone: 91%…95% → 90%…100%.
    assert scales == {"on_time_rate": (0.55, 1.0), "online_submission_rate": (0.55, 1.0),
                      "satisfaction_rate": (0.9, 1.0)}
    fig = charts.tile_chart(on_time, items[0][1], scale=scales["on_time_rate"])
    assert fig.layout.yaxis2.range == (0.55, 1.0)
    assert fig.layout.yaxis2.tickvals == (0.55, 1.0)
    [target] = [s for s in fig.layout.shapes if s.yref == "y2"]
    assert (target.y0, target.y1, target.line.dash) == (0.98, 0.98, "dash")
    # Without a family: its own values, still with the target.
    assert charts.tile_chart(online, items[1][1]).layout.yaxis2.range == (0.55, 0.65)
    assert charts.sparkline_scales([(on_time, _series("on_time_rate", [None], None))]) == {
        "on_time_rate": (0.95, 1.0)}


def test_the_overview_tiles_share_the_dossier_scale(fixture_url):
    at = app()
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    tiles = [s for s in specs if "yaxis2" in s["layout"]]
    assert len(tiles) == 5
    # Fixture: on time 96–98,5%, online 50–65%, digitization 75–100%, payment 75% (≥ 80%
    # targets, 60% online): one range for the five dossier rates.
    assert {tuple(t["layout"]["yaxis2"]["range"]) for t in tiles} == {(0.45, 1.0)}
