"""Default badge images for micro-credential definitions that come without one.

A credential can only be exported as a baked badge (OB 3.0 §"Baked Badge") if there is a
picture to bake it into, and many providers never upload one. Rather than refuse the export,
credstack draws a plain badge from the definition's title: an SVG with the title written out,
and a PNG with its initials for places where SVG is not accepted.

Both are pure functions of their inputs (no clock, no randomness, no I/O), so the same
definition always gets the same picture and a re-export re-bakes identical image bytes. The
colour comes from a SHA-256 of the seed (or the title), so neighbouring badges in a list tend
to differ without anyone storing a choice. Every palette entry keeps its text at WCAG 2 AA
contrast (at least 4.5:1) against the badge fill, because the title is the badge's content.

The PNG is encoded by hand (zlib and struct) and drawn in pure Python with a 5x7 bitmap font:
it needs no imaging library, and a 256x256 badge takes a few milliseconds because only the
anti-aliased edge of the circle is computed pixel by pixel; everything else is copied in spans.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from credstack.domain.errors import InvalidInputError

__all__ = ["default_badge_png", "default_badge_svg"]


@dataclass(frozen=True)
class _Colours:
    """One palette entry: the badge fill, the lighter ring around it, the text on the fill."""

    fill: str
    ring: str
    text: str


# Dark fills under white text (contrast 6.2:1 to 10.4:1); each ring is its fill mixed 45% with
# white. tests/unit/test_badge_images.py checks every pair with the WCAG formula.
_PALETTE: tuple[_Colours, ...] = (
    _Colours("#1D4E89", "#839EBE", "#FFFFFF"),
    _Colours("#0B6E4F", "#79AF9E", "#FFFFFF"),
    _Colours("#7B2D5F", "#B68CA7", "#FFFFFF"),
    _Colours("#9A3412", "#C78F7D", "#FFFFFF"),
    _Colours("#4338CA", "#9892E2", "#FFFFFF"),
    _Colours("#6B21A8", "#AE85CF", "#FFFFFF"),
    _Colours("#334155", "#8F96A2", "#FFFFFF"),
    _Colours("#9F1239", "#CA7D92", "#FFFFFF"),
)

# XML 1.0 §2.2 cannot carry these at all, not even as character references.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ELLIPSIS = "…"
_LINE_UNITS = 16  # one unit is a narrow character; wide (CJK, emoji) ones count as two
_MAX_LINES = 3
_ISSUER_UNITS = 24
_ISSUER_SIZE, _ISSUER_GAP = 13, 10
_FILL_RADIUS = 108
_FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, sans-serif"
)
_MIN_SIZE, _MAX_SIZE = 16, 1024
_OUTER, _RING = 0.47, 0.055  # PNG badge radius and ring width, as fractions of the size


def _colours(title: str, seed: str | None) -> _Colours:
    """The palette entry for a badge: the first four bytes of SHA-256(seed or title)."""
    digest = hashlib.sha256((seed or title).encode("utf-8", "surrogatepass")).digest()
    return _PALETTE[int.from_bytes(digest[:4], "big") % len(_PALETTE)]


def _require_title(title: str) -> None:
    if not title.strip():
        raise InvalidInputError("a badge title must contain something other than whitespace")


# --- SVG ---------------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    """``text`` as XML character data that a parser gives back unchanged.

    Characters XML cannot carry (C0 controls, lone surrogates) become U+FFFD, the only loss;
    a carriage return is written as ``&#13;`` because parsers would otherwise turn it into a
    line feed.
    """
    text = _XML_ILLEGAL.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def _clusters(word: str) -> list[str]:
    """Split ``word`` into user-perceived characters, closely enough to never break an emoji.

    A combining mark, variation selector or skin-tone modifier stays with the character before
    it, a zero-width joiner glues its neighbours together, and regional indicators pair up
    into flags. (Full UAX #29 segmentation would need a dependency; this covers what titles
    contain.)
    """
    clusters: list[str] = []
    joined = False
    for char in word:
        code = ord(char)
        extends = (
            unicodedata.combining(char) != 0
            or unicodedata.category(char) in ("Mn", "Me", "Mc")
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or code == 0x200D
        )
        is_flag_half = (
            0x1F1E6 <= code <= 0x1F1FF
            and bool(clusters)
            and len(clusters[-1]) == 1
            and 0x1F1E6 <= ord(clusters[-1]) <= 0x1F1FF
        )
        if clusters and (extends or joined or is_flag_half):
            clusters[-1] += char
        else:
            clusters.append(char)
        joined = code == 0x200D
    return clusters


def _units(cluster: str) -> int:
    """How many narrow-character widths ``cluster`` takes up: two for wide scripts and emoji."""
    return 2 if unicodedata.east_asian_width(cluster[0]) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_units(c) for c in _clusters(text))


def _fit(text: str, units: int) -> str:
    """The longest start of ``text`` (whole clusters) that is at most ``units`` wide."""
    kept: list[str] = []
    used = 0
    for cluster in _clusters(text):
        used += _units(cluster)
        if used > units:
            break
        kept.append(cluster)
    return "".join(kept)


def _wrap(text: str, units: int, max_lines: int) -> list[str]:
    """Greedy word wrap of ``text`` into at most ``max_lines`` lines of ``units`` width.

    A word wider than a line is broken between clusters. If text is left over, the last line
    is cut to make room for an ellipsis, so a reader can tell the title goes on.
    """
    pieces: list[str] = []
    for word in text.split():
        while _width(word) > units:
            head = _fit(word, units)  # never empty: a cluster is at most two units wide
            pieces.append(head)
            word = word[len(head) :]
        pieces.append(word)
    lines: list[str] = []
    for piece in pieces:
        if lines and _width(lines[-1]) + 1 + _width(piece) <= units:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(lines[-1], units - 1).rstrip() + _ELLIPSIS
    return lines


def _truncate(text: str, units: int) -> str:
    """``text`` on one line of ``units`` width, cut with an ellipsis if it is wider."""
    text = " ".join(text.split())
    return text if _width(text) <= units else _fit(text, units - 1).rstrip() + _ELLIPSIS


def _font_size(widest: int, lines: int, issuer: bool) -> int:
    """The largest title font size (14-30 px) at which every line stays inside the fill.

    A narrow glyph is taken as 0.56 em wide. The check is made at the chord through the
    farthest edge of the text block, the worst place for any line, with 8 px to spare a side.
    """
    for size in range(30, 14, -1):
        block = lines * round(size * 1.2) + (_ISSUER_GAP + _ISSUER_SIZE if issuer else 0)
        reach = block / 2
        chord = 2 * math.sqrt(max(0.0, _FILL_RADIUS**2 - reach**2))
        if widest * 0.56 * size <= chord - 16:
            return size
    return 14


def default_badge_svg(title: str, *, issuer: str | None = None, seed: str | None = None) -> bytes:
    """A round badge for ``title`` as a UTF-8 SVG document, ready for ``credstack.vc.bake``.

    The title is wrapped onto at most three lines (an ellipsis shows it was cut) and appears
    whole in ``<title>`` for screen readers; ``issuer``, if given, is written smaller
    underneath. Colours come from ``seed`` (or the title when there is no seed). Any Unicode
    is accepted and escaped; characters XML cannot carry become U+FFFD. The document has no
    scripts, links or web fonts, so it is safe to serve inline. The same arguments always give
    the same bytes. Raises ``InvalidInputError`` (a ``ValueError``) for a blank title.
    """
    _require_title(title)
    colours = _colours(title, seed)
    issuer = issuer.strip() if issuer else None
    # Ids are derived from the content so two badges inlined in one HTML page do not clash.
    key = "\x00".join((title, issuer or "", seed or ""))
    ident = "badge-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]

    lines = _wrap(_XML_ILLEGAL.sub("\ufffd", title), _LINE_UNITS, _MAX_LINES)
    size = _font_size(max(_width(line) for line in lines), len(lines), bool(issuer))
    line_height = round(size * 1.2)
    block = len(lines) * line_height + (_ISSUER_GAP + _ISSUER_SIZE if issuer else 0)
    top = 128 - block / 2

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" '
        f'height="256" role="img" aria-labelledby="{ident}-title"'
        + (f' aria-describedby="{ident}-desc">' if issuer else ">"),
        f'<title id="{ident}-title">{_xml_text(title)}</title>',
    ]
    if issuer:
        out.append(f'<desc id="{ident}-desc">Issued by {_xml_text(issuer)}</desc>')
    out += [
        f'<circle cx="128" cy="128" r="124" fill="{colours.ring}"/>',
        f'<circle cx="128" cy="128" r="{_FILL_RADIUS}" fill="{colours.fill}"/>',
        f'<circle cx="128" cy="128" r="101" fill="none" stroke="{colours.ring}" '
        'stroke-width="1.5" stroke-opacity="0.6"/>',
        f'<g fill="{colours.text}" font-family="{_FONT_FAMILY}" text-anchor="middle" '
        'aria-hidden="true">',
    ]
    for index, line in enumerate(lines):
        baseline = top + index * line_height + size * 0.95
        out.append(
            f'<text x="128" y="{baseline:.1f}" font-size="{size}" font-weight="700">'
            f"{_xml_text(line)}</text>"
        )
    if issuer:
        shown = _truncate(_XML_ILLEGAL.sub("\ufffd", issuer), _ISSUER_UNITS)
        baseline = top + len(lines) * line_height + _ISSUER_GAP + _ISSUER_SIZE * 0.9
        out.append(
            f'<text x="128" y="{baseline:.1f}" font-size="{_ISSUER_SIZE}">{_xml_text(shown)}</text>'
        )
    out += ["</g>", "</svg>", ""]
    return "\n".join(out).encode("utf-8")


# --- PNG ---------------------------------------------------------------------------------------


# 5x7 capitals and digits; "#" is ink. The check mark stands in when a title has no letters.
_GLYPHS: dict[str, str] = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".###. #...# #.... .###. ....# #...# .###.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
    "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.",
    "9": ".###. #...# #...# .#### ....# ...#. .##..",
    "✓": "....... ......# .....## #...##. ##.##.. .###... ..#....",
}
_GLYPH_HEIGHT = 7


def _initials(title: str) -> str:
    """Up to two initials: the first ASCII letter or digit of each of the first words with one.

    Accents are folded away first (NFKD), so "Éclair" gives "E"; words without any (emoji,
    other scripts) are skipped, and a title with none at all gets a check mark.
    """
    letters: list[str] = []
    for word in title.split():
        folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
        found = next((c for c in folded if c.isalnum()), None)
        if found:
            letters.append(found.upper())
        if len(letters) == 2:
            break
    return "".join(letters) or "✓"


def _rgba(colour: str) -> bytes:
    return bytes.fromhex(colour.lstrip("#")) + b"\xff"


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk (PNG §5.3): length, type, data, CRC-32 of type and data."""
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _draw_badge(size: int, colours: _Colours) -> list[bytearray]:
    """RGBA rows of a filled circle with a ring, anti-aliased, on a transparent square.

    Coverage of a pixel is approximated by how far its centre lies inside the edge, clamped
    to [0, 1]; this is only evaluated near the edges, while the solid fill is copied as a span.
    """
    fill, ring = _rgba(colours.fill), _rgba(colours.ring)
    fill_rgb, ring_rgb = fill[:3], ring[:3]
    centre = size / 2
    outer = size * _OUTER
    inner = outer - max(1.5, size * _RING)
    rows: list[bytearray] = []
    for y in range(size):
        row = bytearray(size * 4)
        dy = y + 0.5 - centre
        if abs(dy) >= outer + 0.5:
            rows.append(row)
            continue
        half = math.sqrt((outer + 0.5) ** 2 - dy * dy)
        first, last = max(0, math.floor(centre - half)), min(size, math.ceil(centre + half))
        solid_lo = solid_hi = size  # the span whose pixels lie wholly inside the fill
        if abs(dy) < inner - 0.5:
            solid_half = math.sqrt((inner - 0.5) ** 2 - dy * dy)
            solid_lo = math.ceil(centre - solid_half - 0.5)
            solid_hi = math.floor(centre + solid_half - 0.5) + 1
            row[solid_lo * 4 : solid_hi * 4] = fill * (solid_hi - solid_lo)
        for x in range(first, last):
            if solid_lo <= x < solid_hi:
                continue
            distance = math.hypot(x + 0.5 - centre, dy)
            if inner + 0.5 <= distance <= outer - 0.5:
                row[x * 4 : x * 4 + 4] = ring
                continue
            alpha = min(1.0, max(0.0, outer - distance + 0.5))
            if alpha == 0.0:
                continue
            mix = min(1.0, max(0.0, inner - distance + 0.5))  # 1 = fill, 0 = ring
            pixel = bytes(round(r + (f - r) * mix) for f, r in zip(fill_rgb, ring_rgb, strict=True))
            row[x * 4 : x * 4 + 4] = pixel + bytes((round(alpha * 255),))
        rows.append(row)
    return rows


def _draw_text(rows: list[bytearray], text: str, colour: bytes, box: float) -> None:
    """Stamp ``text`` in the bitmap font, scaled by a whole factor to fit ``box`` and centred.

    Whole-pixel scaling keeps every glyph edge on the pixel grid, so the text stays crisp
    without anti-aliasing.
    """
    glyphs = [_GLYPHS[char].split() for char in text]
    columns = sum(len(g[0]) for g in glyphs) + len(glyphs) - 1  # one blank column between
    size = len(rows)
    scale = max(1, math.floor(min(box / columns, box / _GLYPH_HEIGHT)))
    left = (size - columns * scale) // 2
    top = (size - _GLYPH_HEIGHT * scale) // 2
    for line in range(_GLYPH_HEIGHT):
        spans: list[tuple[int, int]] = []
        x = left
        for glyph in glyphs:
            for match in re.finditer("#+", glyph[line]):
                spans.append((x + match.start() * scale, x + match.end() * scale))
            x += (len(glyph[0]) + 1) * scale
        for y in range(top + line * scale, top + (line + 1) * scale):
            for start, end in spans:
                rows[y][start * 4 : end * 4] = colour * (end - start)


def default_badge_png(title: str, *, seed: str | None = None, size: int = 256) -> bytes:
    """A round badge showing the initials of ``title`` as a ``size``x``size`` RGBA PNG.

    The badge has the same colours as ``default_badge_svg`` for the same title and seed, and
    the corners are transparent. The same arguments always give the same bytes (for a given
    zlib). Raises ``InvalidInputError`` (a ``ValueError``) for a blank title or a size outside
    16-1024 pixels: smaller cannot show the initials, larger only costs time and space.
    """
    _require_title(title)
    if not _MIN_SIZE <= size <= _MAX_SIZE:
        raise InvalidInputError(f"badge size must be {_MIN_SIZE} to {_MAX_SIZE} pixels, not {size}")
    colours = _colours(title, seed)
    rows = _draw_badge(size, colours)
    # The largest square inside the fill is 0.707 of its diameter; leave a margin inside it.
    _draw_text(rows, _initials(title), _rgba(colours.text), size * 2 * (_OUTER - _RING) * 0.6)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 (None) on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )
