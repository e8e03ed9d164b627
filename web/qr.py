"""QR codes as inline SVG, for a phone to scan what a page shows (a signed checkpoint).

The modules come from the `qrcode` package's SVG path image factory (one `<path>` of
unit squares, no Pillow); the `<svg>` around them is built here, element by element,
with ElementTree, so every attribute and the accessible label are escaped, and the path
is accepted only if it is nothing but the factory's squares. The result is markup for a
template (`Markup`), with no script, style, link or id in it: several codes may share
a page, and the site's Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree import ElementTree as ET

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage
from qrcode.util import MODE_8BIT_BYTE, QRData

#: Error correction level M: about 15% of the code may be damaged or glared and it still
#: reads, and a checkpoint (about 250 bytes) fits in a version-11 code.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
#: The quiet zone around the code, in modules (the standard asks for 4).
BORDER = 4
#: Screen pixels per module: a version-11 code (61 modules and the border) is 276 px wide.
MODULE_PX = 4

SVG_NS = "http://www.w3.org/2000/svg"
#: The factory's path at box size 10 (one user unit per module): "M4,4H5V5H4z" per square.
_SQUARES = re.compile(r"(?:M\d+,\d+H\d+V\d+H\d+z)*")
_VIEW_BOX = re.compile(r"0 0 (\d+) \1")


def qr_code(data: bytes | str) -> qrcode.QRCode:
    """The QR code of `data` (text as UTF-8), one byte-mode segment, the smallest version
    that holds it at `ERROR_CORRECTION`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECTION,
        box_size=10,
        border=BORDER,
        image_factory=SvgPathFillImage,
    )
    code.add_data(QRData(raw, mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return code


@lru_cache(maxsize=256)
def _squares(data: bytes | str) -> tuple[int, str]:
    """The code's side in modules (with the border) and the factory's path of its dark
    modules, checked to be nothing but squares. Making them takes tens of milliseconds
    (`qrcode` tries all eight masks), and what the site encodes (a signed checkpoint)
    never changes, so the recent ones are kept."""
    made = qr_code(data).make_image().get_image()
    view_box = _VIEW_BOX.fullmatch(made.get("viewBox", ""))
    squares = next((el.get("d", "") for el in made if str(el.tag).endswith("path")), "")
    if view_box is None or not _SQUARES.fullmatch(squares):
        raise ValueError("the qrcode package drew something other than squares")
    return int(view_box.group(1)), squares


def qr_svg(data: bytes | str, label: str, *, module_px: int = MODULE_PX) -> Markup:
    """`data` as an inline `<svg>` QR code labelled `label` for screen readers, black on
    white, `module_px` pixels a module (it scales down with the page when a stylesheet
    lets it)."""
    side, squares = _squares(data)
    pixels = str(side * module_px)
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {side} {side}",
            "width": pixels,
            "height": pixels,
            "role": "img",
            "aria-label": label,
            "shape-rendering": "crispEdges",
            "class": "qr",
        },
    )
    ET.SubElement(svg, "title").text = label
    ET.SubElement(svg, "rect", {"width": str(side), "height": str(side), "fill": "#ffffff"})
    ET.SubElement(svg, "path", {"d": squares, "fill": "#000000"})
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))
