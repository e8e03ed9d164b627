"""The server-side SVG charts: valid XML, accessible (role, title, desc), one bar per
value of each series; hidden values drawn hatched (a count up to the threshold, a rate
as a short labelled marker, never as a value), withheld ones dotted and labelled, missing
ones a dash, none of them as 0; the legend showing each as it is drawn; text escaped;
and a drawing that scales (a viewBox)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from web.charts import MARK, ChartText, Scale, Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"
TEXT = ChartText(
    title="每月受理与办结",
    desc="每月受理的诉求件数。",
    x_axis="受理月份",
    y_axis="件数",
    hidden="少于 3，不显示",
    no_data="无数据",
    withheld="* 不公开",
    hidden_mark="<3",
)
MONTHS = ["1月", "2月", "3月", "4月", "5月"]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on anything that is not well-formed XML


def _bars(root: ET.Element, series: str | None = None) -> list[ET.Element]:
    return [
        r
        for r in root.iter(f"{SVG}rect")
        if "bar" in (r.get("class") or "").split()
        and (series is None or r.get("data-series") == series)
    ]


def _chart() -> ET.Element:
    placed = Series("placed", "受理", "#b3261e", [0, 12, None, 30, 4], [False, False, True])
    resolved = Series("resolved", "办结", "#0969da", [0, 10, 0, 25, None], [False] * 4 + [True])
    return _parse(bar_chart("c1", MONTHS, [placed, resolved], TEXT, Scale.counts([30], 3)))


def test_a_chart_is_an_accessible_scalable_image() -> None:
    root = _chart()
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.get("viewBox") == "0 0 440 250"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "c1-title", TEXT.title)
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", "c1-desc", TEXT.desc)
    words = {t.text for t in root.iter(f"{SVG}text")}
    # The axes' titles, every month, the legend (with the hidden bars' entry), the ticks.
    assert {"受理月份", "件数", *MONTHS, "受理", "办结", "少于 3，不显示"} <= words
    assert {"0", "10", "20", "30"} <= words
    # No inline style anywhere (the site's Content-Security-Policy forbids them).
    assert not [e for e in root.iter() if e.get("style") is not None]
    assert not list(root.iter(f"{SVG}style"))


def test_one_bar_per_value_and_hidden_ones_hatched() -> None:
    root = _chart()
    for key in ("placed", "resolved"):
        bars = _bars(root, key)
        assert [int(b.get("data-index") or -1) for b in bars] == list(range(len(MONTHS)))
    hidden = [b for b in _bars(root) if "suppressed" in (b.get("class") or "")]
    assert [(b.get("data-series"), b.get("data-index")) for b in hidden] == [
        ("placed", "2"),
        ("resolved", "4"),
    ]
    for bar in hidden:
        assert bar.get("fill") == "url(#c1-hatch)"
        assert bar.get("data-value") is None
        assert bar.findtext(f"{SVG}title", "").endswith("少于 3，不显示")
    assert root.find(f".//{SVG}pattern[@id='c1-hatch']") is not None
    # A hidden count reaches the threshold's height (it is under it), never 0.
    heights = {b.get("data-value"): float(b.get("height") or 0) for b in _bars(root, "placed")}
    assert float(hidden[0].get("height") or 0) == pytest.approx(heights["30"] / 10, rel=0.01)
    # 0 is a thin bar of its own colour, different from a hidden one.
    assert 0 < heights["0"] < 2
    assert [b.get("fill") for b in _bars(root, "resolved")][:1] == ["#0969da"]


def test_missing_rates_and_hidden_rates() -> None:
    rates = Series(
        "on_time_rate",
        "按时办结率",
        "#1a7f37",
        [None, 0.5, None, 1.0, None],
        hidden=[False, False, True],
        withheld=[False] * 4 + [True],
    )
    root = _parse(bar_chart("c2", MONTHS, [rates], TEXT, Scale.percent()))
    bars = _bars(root)
    assert [b.get("class") for b in bars] == [
        "bar no-data",
        "bar",
        "bar suppressed",
        "bar",
        "bar withheld",
    ]
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert {"0%", "50%", "100%", "无数据", "少于 3，不显示", "* 不公开"} <= set(words)
    full, half = float(bars[3].get("height") or 0), float(bars[1].get("height") or 0)
    assert half == pytest.approx(full / 2, rel=0.01)
    # A hidden rate could be anything from 0 to 100 %: not a bar of any height, but a
    # short hatched marker at the base (well under the smallest tick) with its label.
    hidden, withheld = bars[2], bars[4]
    for marker in (hidden, withheld):
        assert float(marker.get("height") or 0) == MARK < full / 8
        assert marker.get("data-value") is None
        assert float(marker.get("y") or 0) + MARK == pytest.approx(
            float(bars[3].get("y") or 0) + full
        )
    assert hidden.get("fill") == "url(#c2-hatch)" and hidden.get("stroke-dasharray")
    assert hidden.findtext(f"{SVG}title", "").endswith("少于 3，不显示")
    # Withheld: dotted, a solid outline, its own words.
    assert withheld.get("fill") == "url(#c2-dots)" and withheld.get("stroke-dasharray") is None
    assert withheld.findtext(f"{SVG}title", "").endswith("* 不公开")
    marks = [t for t in root.iter(f"{SVG}text") if t.get("class") == "mark"]
    assert [m.text for m in marks] == ["<3", "*"]
    centre = float(hidden.get("x") or 0) + float(hidden.get("width") or 0) / 2
    assert float(marks[0].get("x") or 0) == pytest.approx(centre, abs=0.2)
    assert float(marks[0].get("y") or 0) < float(hidden.get("y") or 0)


def test_the_legend_shows_each_kind_as_it_is_drawn() -> None:
    placed = Series(
        "placed",
        "受理",
        "#b3261e",
        [5, None, None, 0, 7],
        hidden=[False, True],
        withheld=[False, False, True],
    )
    root = _parse(bar_chart("c5", MONTHS, [placed], TEXT, Scale.counts([7], 3)))
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert legend is not None
    swatches = {
        t.text: r for r, t in zip(legend.iter(f"{SVG}rect"), legend.iter(f"{SVG}text"), strict=True)
    }
    assert list(swatches) == ["受理", "少于 3，不显示", "* 不公开"]  # no "no data" here
    bars = _bars(root)
    for kind, bar in (("少于 3，不显示", bars[1]), ("* 不公开", bars[2])):
        for look in ("fill", "stroke", "stroke-dasharray"):
            assert swatches[kind].get(look) == bar.get(look), (kind, look)
    # A withheld count is not small: it is not drawn up to the threshold like a hidden
    # one, but as the short marker at the base, labelled "*".
    assert float(bars[1].get("height") or 0) > MARK
    assert float(bars[2].get("height") or 0) == MARK
    assert bars[2].get("class") == "bar withheld"
    # 0 is its own colour's thin bar.
    assert bars[3].get("fill") == "#b3261e" and float(bars[3].get("height") or 0) < 2


def test_text_is_escaped_and_bad_input_refused() -> None:
    sneaky = ChartText(
        title='<script>alert("x")</script>',
        desc="a & b",
        x_axis="x",
        y_axis="y",
        hidden="h",
        no_data="n",
    )
    s = Series("s", "<b>名</b>", "#000", [1, 2])
    markup = bar_chart("c3", ["<i>", "&"], [s], sneaky, Scale.counts([2], 3))
    assert "<script>" not in markup and "<b>" not in markup
    root = _parse(markup)
    assert root[0].text == '<script>alert("x")</script>'
    assert {"<i>", "&", "<b>名</b>"} <= {t.text for t in root.iter(f"{SVG}text")}
    with pytest.raises(ValueError):
        bar_chart("c4", ["a", "b"], [Series("s", "s", "#000", [1])], sneaky, Scale.percent())


@pytest.mark.parametrize(
    ("largest", "top", "step"),
    [(0, 3, 1), (2, 3, 1), (7, 8, 2), (26, 30, 10), (90, 100, 50), (1234, 1500, 500)],
)
def test_count_scales_end_on_a_round_number(largest: int, top: int, step: int) -> None:
    scale = Scale.counts([largest, None], 3)
    assert scale.top == top and scale.hidden_to == 3
    assert list(scale.ticks) == [step * i for i in range(top // step + 1)]
    assert Scale.percent().hidden_to is None  # a hidden rate is a marker, not a bar
