"""QR codes as inline SVG (`web.qr`): what the site draws reads back as what it encodes.

No decoder is installed for this: a QR decoder that installs from PyPI without system
libraries needs an image stack (Pillow or numpy) besides. So this module holds a small
one, written from ISO/IEC 18004 and independent of the `qrcode` package that draws the
codes: it reads the modules back from the SVG's path (or from a screenshot's pixels, see
`png_matrix`), checks the finder patterns, reads the format (and version) information
and its BCH code, unmasks, reads the codewords in the standard's zigzag, de-interleaves
the blocks, checks every block's Reed-Solomon codewords, and parses the segments. The
only table it takes on trust is the number of blocks and error-correction codewords per
block at level M, and the Reed-Solomon check would fail if that table were wrong.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from xml.etree import ElementTree as ET

import pytest

from web.qr import BORDER, qr_code, qr_svg

Matrix = list[list[bool]]

# -- reading a code's modules --------------------------------------------------------------

_SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def svg_matrix(svg: str) -> Matrix:
    """The modules an SVG drawn by `web.qr` shows, border included (True: dark)."""
    root = ET.fromstring(svg)
    side = int(root.get("viewBox", "").split()[2])
    matrix = [[False] * side for _ in range(side)]
    (path,) = (el for el in root if el.tag.endswith("path"))
    d = path.get("d", "")
    assert _SQUARE.sub("", d) == "", "the path holds something other than squares"
    for x0, y0, x1, y1, x2 in _SQUARE.findall(d):
        assert x2 == x0
        for y in range(int(y0), int(y1)):
            for x in range(int(x0), int(x1)):
                matrix[y][x] = True
    return matrix


def png_pixels(data: bytes) -> tuple[int, int, list[list[int]]]:
    """Width, height and the grey level (0-255) of every pixel of an 8-bit, not
    interlaced PNG (what Chromium's screenshots are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    assert depth == 8 and interlace == 0, "only 8-bit, non-interlaced PNGs are read here"
    raw, stride, bpp = zlib.decompress(idat), width * channels, channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        previous = line
    grey = [
        [
            sum(row[x * channels : x * channels + min(3, channels)]) // min(3, channels)
            for x in range(width)
        ]
        for row in rows
    ]
    return width, height, grey


def png_matrix(data: bytes, side: int) -> Matrix:
    """The modules of a screenshot of a QR code `side` modules wide (border included),
    each read at its centre."""
    width, height, grey = png_pixels(data)
    return [
        [
            grey[int((y + 0.5) * height / side)][int((x + 0.5) * width / side)] < 128
            for x in range(side)
        ]
        for y in range(side)
    ]


def symbol_of(matrix: Matrix) -> Matrix:
    """The symbol inside its quiet zone (which must be at least 4 modules of light)."""
    dark = [(y, x) for y, row in enumerate(matrix) for x, v in enumerate(row) if v]
    top, bottom = min(y for y, _ in dark), max(y for y, _ in dark)
    left, right = min(x for _, x in dark), max(x for _, x in dark)
    assert min(top, left, len(matrix) - 1 - bottom, len(matrix[0]) - 1 - right) >= 4
    return [row[left : right + 1] for row in matrix[top : bottom + 1]]


# -- decoding (ISO/IEC 18004) ----------------------------------------------------------------

#: Level M: error-correction codewords per block, and blocks, by version (1-40).
ECC_PER_BLOCK_M = (
    10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
    26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
)  # fmt: skip
BLOCKS_M = (
    1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
    17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
)  # fmt: skip
LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _bch(value: int, generator: int, degree: int) -> int:
    remainder = value << degree
    for shift in range(remainder.bit_length() - 1, degree - 1, -1):
        if remainder >> shift & 1:
            remainder ^= generator << (shift - degree)
    return (value << degree) | remainder


#: Every valid format word (15 bits, masked) -> (level bits, mask pattern).
FORMAT_WORDS = {_bch(v, 0b10100110111, 10) ^ 0b101010000010010: (v >> 3, v & 7) for v in range(32)}


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    size = 17 + 4 * version
    return [6, *sorted(size - 7 - i * step for i in range(count - 1))]


def function_modules(version: int) -> Matrix:
    """The modules that are not data: finders with separators and format areas, timing,
    alignment patterns, version information."""
    n = 17 + 4 * version
    used = [[False] * n for _ in range(n)]

    def block(top: int, left: int, height: int, width: int) -> None:
        for y in range(top, top + height):
            for x in range(left, left + width):
                used[y][x] = True

    block(0, 0, 9, 9)
    block(0, n - 8, 9, 8)
    block(n - 8, 0, 8, 9)
    block(6, 0, 1, n)
    block(0, 6, n, 1)
    centres = _alignment_centres(version)
    corners = {(6, 6), (6, centres[-1] if centres else 6), (centres[-1] if centres else 6, 6)}
    for cy in centres:
        for cx in centres:
            if (cy, cx) not in corners:
                block(cy - 2, cx - 2, 5, 5)
    if version >= 7:
        block(0, n - 11, 6, 3)
        block(n - 11, 0, 3, 6)
    return used


def _finder_ok(m: Matrix, top: int, left: int) -> bool:
    for y in range(7):
        for x in range(7):
            ring = max(abs(y - 3), abs(x - 3))
            if m[top + y][left + x] != (ring != 2):
                return False
    return True


def _format(m: Matrix) -> tuple[str, int]:
    n = len(m)
    first = (
        [(8, k) for k in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - k, 8) for k in range(9, 15)]
    )
    second = [(n - 1 - k, 8) for k in range(7)] + [(8, n - 15 + k) for k in range(7, 15)]
    words = [int("".join("1" if m[y][x] else "0" for y, x in at), 2) for at in (first, second)]
    assert words[0] == words[1], "the two copies of the format information differ"
    assert words[0] in FORMAT_WORDS, "the format information is not a valid BCH word"
    level, mask = FORMAT_WORDS[words[0]]
    assert m[n - 8][8], "the dark module is missing"
    return LEVELS[level], mask


def _version_info(m: Matrix, version: int) -> None:
    n = len(m)
    for at in (lambda i: (i // 3, n - 11 + i % 3), lambda i: (n - 11 + i % 3, i // 3)):
        word = sum(1 << i for i in range(18) if m[at(i)[0]][at(i)[1]])
        assert word == _bch(version, 0b1111100100101, 12), "the version information is wrong"


_MASKS = (
    lambda y, x: (x + y) % 2 == 0,
    lambda y, x: y % 2 == 0,
    lambda y, x: x % 3 == 0,
    lambda y, x: (x + y) % 3 == 0,
    lambda y, x: (y // 2 + x // 3) % 2 == 0,
    lambda y, x: x * y % 2 + x * y % 3 == 0,
    lambda y, x: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda y, x: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


def _gf_mul(x: int, y: int) -> int:
    z = 0
    for i in reversed(range(8)):
        z = (z << 1) ^ ((z >> 7) * 0x11D)
        z ^= ((y >> i) & 1) * x
    return z


def _rs_remainder(data: list[int], degree: int) -> list[int]:
    divisor = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            divisor[j] = _gf_mul(divisor[j], root)
            if j + 1 < degree:
                divisor[j] ^= divisor[j + 1]
        root = _gf_mul(root, 0x02)
    result = [0] * degree
    for byte in data:
        factor = byte ^ result.pop(0)
        result.append(0)
        for i, coefficient in enumerate(divisor):
            result[i] ^= _gf_mul(coefficient, factor)
    return result


def _data_codewords(m: Matrix, version: int, mask: int) -> list[int]:
    n = len(m)
    used = function_modules(version)
    bits: list[int] = []
    right = n - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for vert in range(n):
            y = n - 1 - vert if upward else vert
            for x in (right, right - 1):
                if not used[y][x]:
                    bits.append(int(m[y][x] != _MASKS[mask](y, x)))
        right -= 2
    codewords = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]
    blocks, ecc = BLOCKS_M[version - 1], ECC_PER_BLOCK_M[version - 1]
    short_count = blocks - len(codewords) % blocks
    short_len = len(codewords) // blocks
    rows: list[list[int]] = [[] for _ in range(blocks)]
    taken = iter(codewords)
    for i in range(short_len + 1):
        for j in range(blocks):
            if i != short_len - ecc or j >= short_count:
                rows[j].append(next(taken))
    data: list[int] = []
    for row in rows:
        assert _rs_remainder(row[:-ecc], ecc) == row[-ecc:], "a block fails Reed-Solomon"
        data.extend(row[:-ecc])
    return data


def _segments(data: list[int], version: int) -> bytes:
    bits = "".join(f"{b:08b}" for b in data)
    pos, out = 0, bytearray()

    def take(count: int) -> int:
        nonlocal pos
        assert pos + count <= len(bits), "a segment runs past the data"
        value = int(bits[pos : pos + count], 2)
        pos += count
        return value

    band = 0 if version <= 9 else 1 if version <= 26 else 2
    while len(bits) - pos >= 4:
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0100:
            out += bytes(take(8) for _ in range(take((8, 16, 16)[band])))
        elif mode == 0b0001:
            count = take((10, 12, 14)[band])
            digits = ""
            while count >= 3:
                digits += f"{take(10):03d}"
                count -= 3
            if count:
                digits += f"{take(7 if count == 2 else 4):0{count}d}"
            out += digits.encode()
        elif mode == 0b0010:
            count = take((9, 11, 13)[band])
            chars = ""
            while count >= 2:
                pair = take(11)
                chars += ALPHANUMERIC[pair // 45] + ALPHANUMERIC[pair % 45]
                count -= 2
            if count:
                chars += ALPHANUMERIC[take(6)]
            out += chars.encode()
        else:
            raise AssertionError(f"mode {mode:04b} is not decoded here")
    return bytes(out)


def decode(matrix: Matrix) -> bytes:
    """What a QR code (level M, with or without its quiet zone) holds."""
    m = symbol_of(matrix) if not _finder_ok(matrix, 0, 0) else matrix
    n = len(m)
    version = (n - 17) // 4
    assert n == 17 + 4 * version and 1 <= version <= 40, f"{n} modules is no QR version"
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert _finder_ok(m, top, left), "a finder pattern is missing"
    level, mask = _format(m)
    assert level == "M", f"this decoder reads level M only, not {level}"
    if version >= 7:
        _version_info(m, version)
    return _segments(_data_codewords(m, version, mask), version)


def decode_svg(svg: str) -> bytes:
    return decode(svg_matrix(svg))


# -- tests ------------------------------------------------------------------------------------

CHECKPOINT = {
    "tree_size": 2847,
    "root": "01da33d5b79888d602163ea48ccf5b5a458cb4489a20a1f951c77de58245f3e4",
    "made_at": "2026-11-26T21:00:14.867+00:00",
    "signature": "FWnt5QeJi4BOMsW/KIvPqpwJsF5Ebw4HB6BbpGQ+7Md9hDUL1PjQH9dyVEiBNN6N"
    "fQYD5nVxrfzrQTTrHYMqAA==",
    "key_id": "1747a2a47ae0a5e0",
}


@pytest.mark.parametrize(
    "data",
    [
        "1",
        "https://example.org/checkpoints/12",
        json.dumps(CHECKPOINT, separators=(",", ":")),
        "检查点：账本的签名指纹 " * 12,
        "x" * 600,
    ],
    ids=["short", "url", "checkpoint", "chinese", "long"],
)
def test_the_svg_reads_back_as_its_data(data: str) -> None:
    svg = str(qr_svg(data, "QR"))
    modules = svg_matrix(svg)
    # The modules drawn are the ones qrcode's own matrix has, border included...
    assert modules == qr_code(data).get_matrix()
    assert len(modules) - len(symbol_of(modules)) == 2 * BORDER
    # ...and an independent decoder reads the data back from them.
    assert decode(modules) == data.encode("utf-8")


def test_the_decoder_notices_a_damaged_code() -> None:
    data = json.dumps(CHECKPOINT, separators=(",", ":"))
    modules = svg_matrix(str(qr_svg(data, "QR")))
    symbol = symbol_of(modules)
    n = len(symbol)
    # A data module in the bottom-right corner, outside every function pattern.
    assert not function_modules((n - 17) // 4)[n - 1][n - 1]
    symbol[n - 1][n - 1] = not symbol[n - 1][n - 1]
    with pytest.raises(AssertionError, match="Reed-Solomon"):
        decode(symbol)
    symbol[n - 1][n - 1] = not symbol[n - 1][n - 1]
    symbol[8][2] = not symbol[8][2]  # a format bit
    with pytest.raises(AssertionError, match="format"):
        decode(symbol)


def test_the_svg_is_only_shapes_with_an_escaped_label() -> None:
    label = 'Checkpoint <script>alert("x")</script> & more'
    svg = str(qr_svg("data", label))
    assert "<script" not in svg
    root = ET.fromstring(svg)
    elements = [el.tag.split("}")[-1] for el in root.iter()]
    assert elements == ["svg", "title", "rect", "path"]
    allowed = {"xmlns", "viewBox", "width", "height", "role", "aria-label", "d", "fill"}
    allowed |= {"shape-rendering", "class"}
    for el in root.iter():
        assert set(el.attrib) <= allowed, el.attrib
    assert root.get("aria-label") == label
    assert root.find("{http://www.w3.org/2000/svg}title").text == label  # type: ignore[union-attr]
    side = int(root.get("viewBox", "").split()[2])
    assert root.get("width") == root.get("height") == str(side * 4)


def test_the_same_data_gives_the_same_code_whatever_the_label() -> None:
    first, second = str(qr_svg("same", "一")), str(qr_svg("same", "two"))
    assert first != second
    assert svg_matrix(first) == svg_matrix(second)
    assert decode_svg(first) == b"same"
