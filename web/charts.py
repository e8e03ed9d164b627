"""Charts drawn on the server as inline SVG: no script, no plotting library.

A chart is one `<svg role="img">` with a `<title>` and a `<desc>` (what a screen reader
says), axis titles and tick labels in the page's language, a legend, and one bar per
value of each series. It scales with the page (a `viewBox`, the width shrinking to a
phone's screen through `.chart svg { max-width: 100%; height: auto }`).

A value may be missing for three reasons, each drawn its own way, explained in the
legend and in the bar's tooltip, and never as 0 nor as a value:
- *hidden*: a count under the public threshold ("fewer than N"): a hatched grey bar with
  a dashed outline up to N, the height the count stays under; a rate over fewer than N
  requests could be anywhere from 0 to 100 %, so it is a short hatched marker at the
  base with a small label over it ("<3") instead of a bar of any height;
- *withheld*: a count that is not small itself but is hidden so that a small one beside
  it cannot be worked out from the total (or a rate over such a count): a short dotted
  marker at the base with a solid outline and its own label ("*");
- *no data*: nothing to compute (a rate over no requests): a short grey dash on the axis.
A value of 0 is a thin bar of its series' colour on the axis, so that it differs from
all three.

Only presentation attributes are used (fill=, stroke=, x=, ...): the site's
Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

#: The drawing's own size (its user units); on a phone it is scaled down to fit.
WIDTH = 440
HEIGHT = 250
#: Its size on a wide screen (a phone's narrower screen shrinks it to fit).
SHOWN = 1.3
SMALL = 12
INK = "#1f2328"
MUTED = "#59636e"
GRID = "#d8dee4"
HATCH_BACK = "#eef1f4"
HATCH_LINE = "#8c959f"
LEFT, RIGHT, BOTTOM = 44, 8, 42
#: The height of a marker drawn at the base for a value that has no height to show, and
#: the size of its label.
MARK = 8
MARK_TEXT = 10


@dataclass(frozen=True)
class Series:
    """One row of values, a bar per label. `hidden[i]` says value i is None because it
    is under the threshold, `withheld[i]` because it protects another one (neither: there
    is nothing to count)."""

    key: str
    name: str
    colour: str
    values: Sequence[float | None]
    hidden: Sequence[bool] = field(default=())
    withheld: Sequence[bool] = field(default=())

    def is_hidden(self, index: int) -> bool:
        return (
            self.values[index] is None
            and index < len(self.hidden)
            and self.hidden[index]
            and not self.is_withheld(index)
        )

    def is_withheld(self, index: int) -> bool:
        return self.values[index] is None and index < len(self.withheld) and self.withheld[index]

    def has_no_data(self, index: int) -> bool:
        return self.values[index] is None and not (self.is_hidden(index) or self.is_withheld(index))


@dataclass(frozen=True)
class ChartText:
    """A chart's words, in the page's language."""

    title: str
    desc: str
    x_axis: str
    y_axis: str
    #: The legend's and a hidden bar's words: "fewer than 3, not shown".
    hidden: str
    #: A missing value's words: "no data".
    no_data: str
    #: The legend's and a withheld bar's words: "* withheld, to protect a smaller count".
    withheld: str = ""
    #: The label over a hidden value's marker (where it is not a bar up to N): "<3".
    hidden_mark: str = ""
    #: The label over a withheld value's marker: "*".
    withheld_mark: str = "*"


@dataclass(frozen=True)
class Scale:
    """The value axis: its top, its ticks, how a value reads, and the height a hidden
    value is drawn up to (None: it could be anywhere on the scale, so it is a marker)."""

    top: float
    ticks: Sequence[float]
    label: Callable[[float], str]
    hidden_to: float | None

    @classmethod
    def counts(cls, values: Sequence[float | None], threshold: int) -> Scale:
        """0 up to a round number at or above the largest count (and the threshold)."""
        largest = max([v for v in values if v is not None] + [threshold, 1])
        step = _nice_step(largest / 4)
        top = step * math.ceil(largest / step)
        ticks = [step * i for i in range(round(top / step) + 1)]
        return cls(top, ticks, lambda v: f"{v:,.0f}", float(threshold))

    @classmethod
    def percent(cls) -> Scale:
        """Rates from 0 to 100 %; a hidden rate could be anywhere on it (a marker)."""
        return cls(1.0, [0, 0.25, 0.5, 0.75, 1.0], lambda v: f"{v * 100:.0f}%", None)


def _nice_step(rough: float) -> float:
    """1, 2 or 5 times a power of ten, at or above `rough` (at least 1: counts)."""
    if rough <= 1:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    for m in (1, 2, 5, 10):
        if m * power >= rough:
            return float(m * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


def text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size` (CJK characters are square)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _attrs(**values: object) -> str:
    return "".join(
        f' {k.rstrip("_").replace("_", "-")}="{escape(str(v))}"'
        for k, v in values.items()
        if v is not None
    )


def _tag(name: str, content: str = "", /, **attrs: object) -> str:
    if content:
        return f"<{name}{_attrs(**attrs)}>{content}</{name}>"
    return f"<{name}{_attrs(**attrs)}/>"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[Series],
    text: ChartText,
    scale: Scale,
    *,
    names: Sequence[str] | None = None,
) -> Markup:
    """Bars, grouped by label (a group holds one bar of each series). `names` are the
    labels' long forms for the bars' tooltips (e.g. "March 2026" for "Mar")."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    long_names = list(names) if names is not None else list(labels)
    hatch, dots = f"{chart_id}-hatch", f"{chart_id}-dots"
    parts: list[str] = [
        _tag("title", escape(text.title), id=f"{chart_id}-title"),
        _tag("desc", escape(text.desc), id=f"{chart_id}-desc"),
        "<defs>"
        + _tag(
            "pattern",
            _tag("rect", width=6, height=6, fill=HATCH_BACK)
            + _tag("line", x1=0, y1=0, x2=0, y2=6, stroke=HATCH_LINE, stroke_width=2),
            id=hatch,
            width=6,
            height=6,
            patternUnits="userSpaceOnUse",
            patternTransform="rotate(45)",
        )
        + _tag(
            "pattern",
            _tag("rect", width=4, height=4, fill="#ffffff")
            + _tag("circle", cx=2, cy=2, r=0.9, fill=MUTED),
            id=dots,
            width=4,
            height=4,
            patternUnits="userSpaceOnUse",
        )
        + "</defs>",
    ]
    #: How each kind of missing value is outlined (its fill is its pattern).
    hidden_look = {"fill": f"url(#{hatch})", "stroke": HATCH_LINE, "stroke_dasharray": "3 2"}
    withheld_look = {"fill": f"url(#{dots})", "stroke": INK}

    # The legend, wrapped over as many lines as it needs.
    indexes = range(len(labels))
    entries: list[tuple[str, dict[str, str]]] = [(s.name, {"fill": s.colour}) for s in series]
    if any(s.is_hidden(i) for s in series for i in indexes):
        entries.append((text.hidden, hidden_look))
    if any(s.is_withheld(i) for s in series for i in indexes):
        entries.append((text.withheld, withheld_look))
    if any(s.has_no_data(i) for s in series for i in indexes):
        entries.append((text.no_data, {"fill": GRID}))
    x, y = float(LEFT), 14.0
    legend: list[str] = []
    for name, look in entries:
        width = 14 + text_width(name, SMALL) + 14
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 16
        swatch = (
            {"y": _num(y - 3), "height": 2}  # the no-data mark: a grey line on the axis
            if look["fill"] == GRID
            else {"y": _num(y - 9), "height": 10}
        )
        legend.append(
            _tag("rect", x=_num(x), width=10, **swatch, **look)
            + _tag("text", escape(name), x=_num(x + 14), y=_num(y), font_size=SMALL, fill=INK)
        )
        x += width
    parts.append(_tag("g", "".join(legend), class_="legend"))

    # The plot's box: below the legend and the value axis' title, above the labels.
    axis_title_y = y + 20
    top = axis_title_y + 14
    bottom = HEIGHT - BOTTOM
    left, right = LEFT, WIDTH - RIGHT

    def at(value: float) -> float:
        return bottom - (bottom - top) * (value / scale.top if scale.top else 0)

    axis: list[str] = [
        _tag(
            "text",
            escape(text.y_axis),
            x=4,
            y=_num(axis_title_y),
            font_size=SMALL,
            fill=MUTED,
        )
    ]
    for tick in scale.ticks:
        ty = at(tick)
        axis.append(
            _tag("line", x1=left, y1=_num(ty), x2=right, y2=_num(ty), stroke=GRID, stroke_width=1)
            + _tag(
                "text",
                escape(scale.label(tick)),
                x=left - 4,
                y=_num(ty + 4),
                font_size=SMALL,
                fill=MUTED,
                text_anchor="end",
            )
        )
    axis.append(
        _tag("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=INK, stroke_width=1)
        + _tag(
            "text",
            escape(text.x_axis),
            x=_num((left + right) / 2),
            y=HEIGHT - 4,
            font_size=SMALL,
            fill=MUTED,
            text_anchor="middle",
        )
    )
    parts.append(_tag("g", "".join(axis), class_="axes"))

    # The bars: a band per label, the series side by side in its middle 70 %.
    band = (right - left) / max(len(labels), 1)
    bar = band * 0.7 / max(len(series), 1)
    show_every = 1
    while show_every * band < max((text_width(lbl, SMALL) + 4 for lbl in labels), default=0):
        show_every += 1
    bars: list[str] = []
    for i, label in enumerate(labels):
        x0 = left + band * i + band * 0.15
        group: list[str] = []
        for j, s in enumerate(series):
            bx = x0 + bar * j
            value = s.values[i]
            name = f"{long_names[i]} · {s.name}"
            common = {"x": _num(bx + 0.5), "width": _num(max(bar - 1, 1))}
            if s.is_hidden(i) and scale.hidden_to is not None:
                # A count under N: a bar up to N, the most it could be.
                y_top = at(scale.hidden_to)
                group.append(
                    _tag(
                        "rect",
                        _tag("title", escape(f"{name}: {text.hidden}")),
                        **common,
                        y=_num(y_top),
                        height=_num(bottom - y_top),
                        **hidden_look,
                        class_="bar suppressed",
                        data_series=s.key,
                        data_index=i,
                    )
                )
            elif s.is_hidden(i) or s.is_withheld(i):
                # No height to show: a short marker at the base, labelled.
                hidden = s.is_hidden(i)
                words = text.hidden if hidden else text.withheld
                mark = text.hidden_mark if hidden else text.withheld_mark
                group.append(
                    _tag(
                        "rect",
                        _tag("title", escape(f"{name}: {words}")),
                        **common,
                        y=_num(bottom - MARK),
                        height=MARK,
                        **(hidden_look if hidden else withheld_look),
                        class_="bar suppressed" if hidden else "bar withheld",
                        data_series=s.key,
                        data_index=i,
                    )
                )
                if mark:
                    group.append(
                        _tag(
                            "text",
                            escape(mark),
                            x=_num(bx + bar / 2),
                            y=_num(bottom - MARK - 3),
                            font_size=MARK_TEXT,
                            fill=INK,
                            text_anchor="middle",
                            class_="mark",
                            aria_hidden="true",
                        )
                    )
            elif value is None:
                group.append(
                    _tag(
                        "rect",
                        _tag("title", escape(f"{name}: {text.no_data}")),
                        **common,
                        y=_num(bottom - 2),
                        height=2,
                        fill=GRID,
                        class_="bar no-data",
                        data_series=s.key,
                        data_index=i,
                    )
                )
            else:
                y_top = min(at(value), bottom - 1.5)
                group.append(
                    _tag(
                        "rect",
                        _tag("title", escape(f"{name}: {scale.label(value)}")),
                        **common,
                        y=_num(y_top),
                        height=_num(bottom - y_top),
                        fill=s.colour,
                        class_="bar",
                        data_series=s.key,
                        data_index=i,
                        data_value=_num(value) if value == int(value) else f"{value:.4f}",
                    )
                )
        bars.append("".join(group))
        if i % show_every == 0:
            bars.append(
                _tag(
                    "text",
                    escape(label),
                    x=_num(left + band * i + band / 2),
                    y=bottom + 16,
                    font_size=SMALL,
                    fill=INK,
                    text_anchor="middle",
                )
            )
    parts.append(_tag("g", "".join(bars), class_="bars"))

    svg = _tag(
        "svg",
        "".join(parts),
        xmlns="http://www.w3.org/2000/svg",
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        width=round(WIDTH * SHOWN),
        height=round(HEIGHT * SHOWN),
        id=chart_id,
    )
    return Markup(svg)
