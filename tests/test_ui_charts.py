"""The breakdown bars (top 12 + "Khác", wrapped labels, room for the values) and the tiles'
sparklines (one scale per KPI family, the target drawn)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from kpi import dashboard as DB
from kpi import definitions as D
from kpi import queries as Q
from kpi.dashboard import Series
from tests.fixtures import app
from ui import charts

SVG = "{http://www.w3.org/2000/svg}"
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
        "Đăng ký biến động quyền sử dụng <br>đất, quyền sở hữu tài sản gắn <br>liền với đất do "
        "thay đổi thông…")
    assert charts.wrap_label("Khai sinh") == "Khai sinh"
    assert charts.wrap_label('<a href="http://x">Mở</a> & <b>') == (
        '&lt;a href="http://x"&gt;Mở&lt;/a&gt; &amp; &lt;b&gt;')


def test_wrapped_vietnamese_names_keep_their_spaces_and_words():
    name = "Đăng ký thành lập hộ kinh doanh và thay đổi nội dung đăng ký hộ kinh doanh"
    wrapped = charts.wrap_label(name, width=20)
    assert wrapped == ("Đăng ký thành lập hộ <br>kinh doanh và thay <br>đổi nội dung đăng…")
    # Read as text (line breaks dropped), no two words are glued together.
    assert wrapped.replace("<br>", "") == "Đăng ký thành lập hộ kinh doanh và thay đổi nội dung đăng…"
    # A cut never falls inside a word: "Chứng thực" is not cut to "Chứng thự…".
    assert charts.wrap_label("Cấp bản sao trích lục hộ tịch Chứng thực", width=12, lines=2) == (
        "Cấp bản sao <br>trích lục…")
    assert charts.wrap_label("Cấp bản sao trích lục hộ tịch", width=12, lines=3) == (
        "Cấp bản sao <br>trích lục hộ <br>tịch")


def test_value_labels_stay_off_the_target_line():
    assert charts.label_positions([0.955, 0.978, 0.98, 0.986, None, 0.929], 0.98) == [
        "bottom center", "bottom center", "top center", "top center", "top center",
        "bottom center"]
    assert charts.label_positions([0.5, 0.9], None) == ["top center", "top center"]


def test_forecast_text_is_in_the_legend_not_on_the_plot():
    s = DB.Series(key="on_time_rate", months=[], labels=["T9/2026", "T10/2026", "T11/2026"],
                  values=[0.955, 0.978, 0.992], texts=["95,5%", "97,8%", "99,2%"], target=0.98,
                  numerators=[1, 1, 1], denominators=[1, 1, 1])
    text = "Dự báo cuối năm 98,3% (khoảng 98,2%–98,3%)"
    fig = charts.trend_forecast_chart(s, ["T12/2026"], 0.98, 0.95, 0.99, 0.983, text, 0.982, 0.983)
    result = fig.data[0]
    assert result.textposition == ("bottom center", "bottom center", "top center")
    assert result.cliponaxis is False
    (year_end,) = [t for t in fig.data if t.name == text]
    assert year_end.mode == "markers" and year_end.text is None
    assert year_end.hovertemplate == text + "<extra></extra>"
    assert all(t.mode != "text" and not (t.mode or "").endswith("+text") for t in fig.data[1:])
    assert fig.layout.showlegend is True


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
    svg = charts.tile_svg(on_time, items[0][1], scale=scales["on_time_rate"])
    root = ET.fromstring(svg)
    [scale] = root.iter(f"{SVG}g")
    assert (scale.get("data-low"), scale.get("data-high")) == ("0.55", "1")
    assert [t.text for t in scale] == ["100%", "55%"]
    [target] = [e for e in root.iter(f"{SVG}line") if e.get("class") == "spark-target"]
    assert target.get("data-value") == "0.98" and target.get("stroke-dasharray") == "4 3"
    # 98% on a 55–100% scale drawn from y=88 (low) to y=42 (high): 88 − 46 × 43/45.
    assert float(target.get("y1")) == pytest.approx(88 - 46 * 0.43 / 0.45, abs=0.01)
    # The month without data breaks the line: two points, each its own segment.
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    tips = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert tips == ["T1/2026: ", "T3/2026: "]
    # The bullet: value bar to 98% of the width, the target tick at 98%.
    [bar] = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "value"]
    assert float(bar.get("width")) == pytest.approx(128 * 0.98, abs=0.01)
    # Without a family: its own values, still with the target.
    own = ET.fromstring(charts.tile_svg(online, items[1][1]))
    assert [(g.get("data-low"), g.get("data-high")) for g in own.iter(f"{SVG}g")] == [
        ("0.55", "0.65")]
    assert charts.sparkline_scales([(on_time, _series("on_time_rate", [None], None))]) == {
        "on_time_rate": (0.95, 1.0)}


def test_tile_text_is_escaped():
    d = DB.kpi_display(_display("on_time_rate", None, None))
    svg = charts.tile_svg(d, _series("on_time_rate", [None, None], None))
    root = ET.fromstring(svg)  # well-formed
    assert root.get("aria-label") == "Kết quả —, chỉ tiêu —"
    assert not [e for e in root.iter(f"{SVG}rect") if e.get("class") == "value"]


def test_the_overview_tiles_share_the_dossier_scale(fixture_url):
    at = app()
    tiles = [ET.fromstring(m.value) for m in at.markdown if m.value.startswith("<svg")]
    assert [t.get("data-kpi") for t in tiles] == list(D.HEADLINE_KEYS)
    # Fixture: on time 96–98,5%, online 50–65%, digitization 75–100%, payment 75% (≥ 80%
    # targets, 60% online): one range for the five dossier rates.
    assert {(g.get("data-low"), g.get("data-high")) for t in tiles
            for g in t.iter(f"{SVG}g")} == {("0.45", "1")}
    assert not at.get("plotly_chart")  # no Plotly on the overview: it loads twice as fast
