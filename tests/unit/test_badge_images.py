"""Default badge images: well-formed SVG and PNG, readable colours, and both bake and unbake.

The PNG is taken apart here with struct and zlib, chunk by chunk, so a broken encoder fails
on the byte it gets wrong rather than in some image library's error message.
"""

from __future__ import annotations

import json
import re
import struct
import time
import xml.etree.ElementTree as ET
import zlib
from typing import Any

import pytest

import credstack.domain.badge_images as badge_images
from credstack.domain.badge_images import _PALETTE, default_badge_png, default_badge_svg
from credstack.domain.errors import InvalidInputError
from credstack.vc import bake, sniff_format, unbake

SVG_NS = "http://www.w3.org/2000/svg"
S = f"{{{SVG_NS}}}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEX = re.compile(r"#[0-9A-Fa-f]{6}")

NASTY_TITLES = [
    "<script>alert(1)</script>&\"'",
    "]]> & &amp; <!-- not a comment --> <![CDATA[x]]>",
    "Teamwork 🤝 and 👩‍👩‍👧‍👦 families 🇪🇺",
    "مقدمة في علوم البيانات",
    "Éclair\tmaking\nwith\r\nline breaks",
    "数据科学入门课程与实践项目",
]

CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Data Science 101 — <Grundlagen> & ✓",
}


def test_public_surface() -> None:
    assert set(badge_images.__all__) == {"default_badge_png", "default_badge_svg"}


# --- colours -----------------------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written ``#RRGGBB``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colours", _PALETTE, ids=lambda c: c.fill)
def test_every_palette_pair_meets_wcag_aa(colours: Any) -> None:
    assert contrast(colours.text, colours.fill) >= 4.5


@pytest.mark.parametrize("colours", _PALETTE, ids=lambda c: c.fill)
def test_every_ring_is_lighter_than_its_fill(colours: Any) -> None:
    assert relative_luminance(colours.ring) > relative_luminance(colours.fill)


def svg_colours(svg: bytes) -> tuple[str, str]:
    """The fill of the badge (the second circle) and the fill of the text group."""
    root = ET.fromstring(svg)
    circles = root.findall(f"{S}circle")
    group = root.find(f"{S}g")
    assert group is not None
    return circles[1].get("fill", ""), group.get("fill", "")


def test_text_in_rendered_svgs_is_readable() -> None:
    seen = set()
    for n in range(64):
        fill, text = svg_colours(default_badge_svg("Badge", seed=f"seed-{n}"))
        assert HEX.fullmatch(fill)
        assert HEX.fullmatch(text)
        assert contrast(fill, text) >= 4.5
        seen.add(fill)
    assert len(seen) > 1  # different seeds do give different colours


def test_colour_follows_the_seed_not_the_title() -> None:
    assert svg_colours(default_badge_svg("One", seed="x")) == svg_colours(
        default_badge_svg("Two", seed="x")
    )
    titles = [f"Course {n}" for n in range(32)]
    assert len({svg_colours(default_badge_svg(t))[0] for t in titles}) > 1


# --- SVG ---------------------------------------------------------------------------------------


def text_lines(svg: bytes) -> list[tuple[str, float]]:
    """The drawn lines of text, with their font sizes, top to bottom."""
    root = ET.fromstring(svg)
    return [
        (element.text or "", float(element.get("font-size", "0")))
        for element in root.iter(f"{S}text")
    ]


def test_svg_is_an_accessible_svg_document() -> None:
    svg = default_badge_svg("Data Science 101")
    assert svg.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(svg)
    assert root.tag == f"{S}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 256 256"
    title = root.find(f"{S}title")
    assert title is not None
    assert title.text == "Data Science 101"
    assert root.get("aria-labelledby") == title.get("id")
    assert len(root.findall(f"{S}circle")) >= 2
    assert [line for line, _ in text_lines(svg)] == ["Data Science 101"]


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_svg_title_round_trips_through_escaping(title: str) -> None:
    svg = default_badge_svg(title, issuer=title)
    root = ET.fromstring(svg)
    element = root.find(f"{S}title")
    assert element is not None
    assert element.text == title
    desc = root.find(f"{S}desc")
    assert desc is not None
    assert desc.text == f"Issued by {title}"
    allowed = {f"{S}{tag}" for tag in ("svg", "title", "desc", "circle", "g", "text")}
    assert {element.tag for element in root.iter()} <= allowed


def test_svg_replaces_what_xml_cannot_carry() -> None:
    root = ET.fromstring(default_badge_svg("Bad\x00\x1b byte \ud800"))
    element = root.find(f"{S}title")
    assert element is not None
    assert element.text == "Bad\ufffd\ufffd byte \ufffd"


def test_svg_has_no_scripts_links_or_fetched_fonts() -> None:
    svg = default_badge_svg("<script>x</script>", issuer="javascript:alert(1)")
    assert b"<script" not in svg
    assert b"href" not in svg
    assert b"url(" not in svg
    assert b"@import" not in svg
    assert b"@font-face" not in svg
    root = ET.fromstring(svg)
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)


def test_long_title_wraps_to_three_lines_with_an_ellipsis() -> None:
    title = "Advanced Certificate in Sustainable Supply Chain Management and Logistics"
    lines = [line for line, _ in text_lines(default_badge_svg(title))]
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(len(line) <= 18 for line in lines)
    assert title.startswith(" ".join(lines).rstrip("…"))


def test_title_that_fits_in_three_lines_has_no_ellipsis() -> None:
    lines = [line for line, _ in text_lines(default_badge_svg("Intro to Data Science and Ethics"))]
    assert 1 < len(lines) <= 3
    assert not any("…" in line for line in lines)
    assert " ".join(lines) == "Intro to Data Science and Ethics"


def test_overlong_word_is_broken() -> None:
    word = "Donaudampfschifffahrtsgesellschaftskapitänspatent"
    lines = [line for line, _ in text_lines(default_badge_svg(word))]
    assert len(lines) == 3
    assert all(len(line) <= 18 for line in lines)
    assert word.startswith("".join(lines).rstrip("…"))


@pytest.mark.parametrize("prefix", ["", "x", "xx", "xxx", "xxxx"])
def test_wrapping_never_splits_an_emoji_sequence(prefix: str) -> None:
    family = "👩‍👩‍👧‍👦"  # four emoji joined by zero-width joiners: one picture
    lines = [line for line, _ in text_lines(default_badge_svg(prefix + family * 20))]
    assert len(lines) == 3
    for line in lines:
        body = line.rstrip("…").removeprefix(prefix)
        assert body
        assert body.replace(family, "") == ""


def test_wrapping_keeps_flags_and_accents_whole() -> None:
    for title in ["🇪🇺" * 30, "e\u0301" * 40]:
        lines = [line for line, _ in text_lines(default_badge_svg(title))]
        unit = title[:2]
        assert all(line.rstrip("…").replace(unit, "") == "" for line in lines)


def test_issuer_is_smaller_and_below_the_title() -> None:
    svg = default_badge_svg("Data Science 101", issuer="Hochschule Beispielstadt")
    lines = text_lines(svg)
    assert [line for line, _ in lines] == ["Data Science 101", "Hochschule Beispielstadt"]
    assert lines[1][1] < lines[0][1]
    ys = [float(e.get("y", "0")) for e in ET.fromstring(svg).iter(f"{S}text")]
    assert ys[1] > ys[0]


def test_long_issuer_is_cut_to_one_line() -> None:
    issuer = "Hochschule für Angewandte Wissenschaften Hamburg (HAW Hamburg)"
    lines = text_lines(default_badge_svg("Badge", issuer=issuer))
    assert len(lines) == 2
    assert lines[1][0].endswith("…")
    assert issuer.startswith(lines[1][0].rstrip("…"))


def test_no_issuer_means_no_issuer_line() -> None:
    svg = default_badge_svg("Data Science 101", issuer="   ")
    assert len(text_lines(svg)) == 1
    assert ET.fromstring(svg).find(f"{S}desc") is None


def test_svg_is_deterministic() -> None:
    a = default_badge_svg("Teamwork 🤝", issuer="Uni", seed="s1")
    assert a == default_badge_svg("Teamwork 🤝", issuer="Uni", seed="s1")
    assert a != default_badge_svg("Teamwork 🤝", issuer="Uni", seed="s2")


def test_ids_differ_between_badges() -> None:
    first = ET.fromstring(default_badge_svg("One")).get("aria-labelledby")
    second = ET.fromstring(default_badge_svg("Two")).get("aria-labelledby")
    assert first != second


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_blank_title_is_refused(title: str) -> None:
    with pytest.raises(InvalidInputError):
        default_badge_svg(title)
    with pytest.raises(ValueError, match="title"):
        default_badge_png(title)


# --- PNG ---------------------------------------------------------------------------------------


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, data) chunks, checking the signature, lengths and CRCs."""
    assert png[:8] == PNG_SIGNATURE
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        assert len(data) == length
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        pos += 12 + length
    assert pos == len(png)
    return chunks


def png_pixels(png: bytes) -> tuple[int, list[bytes]]:
    """The size and the unfiltered RGBA rows of a square PNG written by the module."""
    chunks = png_chunks(png)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert chunks[-1][1] == b""
    width, height, depth, colour_type, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour_type, compression, filtering, interlace) == (8, 6, 0, 0, 0)
    assert width == height
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    assert len(raw) == width * (1 + 4 * width)
    stride = 1 + 4 * width
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter type None, as written
    return width, [row[1:] for row in rows]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, int, int, int]:
    r, g, b, a = rows[y][4 * x : 4 * x + 4]
    return r, g, b, a


@pytest.mark.parametrize("size", [16, 17, 64, 256, 1024])
def test_png_is_a_valid_rgba_image_of_the_size(size: int) -> None:
    width, rows = png_pixels(default_badge_png("Data Science 101", size=size))
    assert width == size
    assert len(rows) == size
    for x, y in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert pixel(rows, x, y)[3] == 0
    assert pixel(rows, size // 2, size // 2)[3] == 255


def test_png_default_size_is_256() -> None:
    width, _ = png_pixels(default_badge_png("Badge"))
    assert width == 256


def test_png_draws_the_badge_colours_and_antialiases_the_edge() -> None:
    title = "Data Science"
    svg_fill, svg_text = svg_colours(default_badge_svg(title))
    _, rows = png_pixels(default_badge_png(title))
    colours = {"#{:02X}{:02X}{:02X}".format(*pixel(rows, x, 128)[:3]) for x in range(256)}
    assert svg_fill in colours
    assert svg_text in colours  # the initials, in the same text colour as the SVG
    alphas = {pixel(rows, x, 128)[3] for x in range(256)}
    assert {0, 255} <= alphas
    assert alphas - {0, 255}  # partly covered pixels at the edge


def test_png_ring_is_lighter_than_the_fill() -> None:
    _, rows = png_pixels(default_badge_png("Badge"))
    ring = pixel(rows, 128, 12)  # just inside the top edge
    fill = pixel(rows, 128, 40)  # inside the ring, above the initials
    assert ring[3] == fill[3] == 255
    assert sum(ring[:3]) > sum(fill[:3])


def ink(title: str) -> set[tuple[int, int]]:
    """Where the text colour is drawn in a 64-pixel badge."""
    _, rows = png_pixels(default_badge_png(title, size=64))
    _, text = svg_colours(default_badge_svg(title))
    return {
        (x, y)
        for y in range(64)
        for x in range(64)
        if "#{:02X}{:02X}{:02X}".format(*pixel(rows, x, y)[:3]) == text
    }


def test_png_initials_come_from_the_first_two_words() -> None:
    assert ink("data science 101") == ink("Dora Sings")  # "DS" both times
    assert ink("Data Science") != ink("Data Ethics")
    assert ink("Éclair making") == ink("Eclair Making")
    assert ink("🎉 party time") == ink("Party Time")
    assert ink("Python") != ink("Python Basics")


def test_png_falls_back_to_a_mark_without_ascii_letters() -> None:
    arabic, chinese = ink("مقدمة في علوم البيانات"), ink("数据科学")
    assert arabic  # something is drawn
    assert arabic == chinese
    assert arabic != ink("X")


def test_png_is_deterministic() -> None:
    assert default_badge_png("Teamwork", seed="a") == default_badge_png("Teamwork", seed="a")
    pngs = {default_badge_png("Teamwork", seed=f"s{n}") for n in range(16)}
    assert len(pngs) > 1


@pytest.mark.parametrize("size", [8, 15, 1025, 5000, 0, -256])
def test_png_size_out_of_range_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        default_badge_png("Badge", size=size)


def test_png_256_is_fast() -> None:
    start = time.perf_counter()
    default_badge_png("Data Science 101", size=256)
    assert time.perf_counter() - start < 0.5


# --- baking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["Data Science 101", *NASTY_TITLES])
def test_both_images_bake_and_unbake_a_credential(title: str) -> None:
    svg = default_badge_svg(title, issuer="Example Academy")
    png = default_badge_png(title)
    assert sniff_format(svg) == "svg"
    assert sniff_format(png) == "png"
    for image in (svg, png):
        baked = bake(image, CREDENTIAL)
        assert sniff_format(baked) == sniff_format(image)
        assert json.loads(unbake(baked)) == CREDENTIAL


def test_baked_images_are_still_valid() -> None:
    baked_png = bake(default_badge_png("Badge", size=32), CREDENTIAL)
    kinds = [kind for kind, _ in png_chunks(baked_png)]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert b"iTXt" in kinds
    baked_svg = bake(default_badge_svg("Badge"), CREDENTIAL)
    root = ET.fromstring(baked_svg)
    assert root.tag == f"{S}svg"
    title = root.find(f"{S}title")
    assert title is not None
    assert title.text == "Badge"
