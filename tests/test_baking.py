"""Baked badges (OB 3.0 §"Baked Badge"): round trips, the 1EdTech samples, hostile images.

PNGs are built here from zlib and struct so every byte of a malformed case is visible in the
test; the validator's baked samples come from ``../shared`` and are skipped when it is absent.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credstack.vc.baking import (
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    bake,
    bake_png,
    bake_svg,
    sniff_format,
    unbake,
    unbake_png,
    unbake_svg,
)
from credstack.vc.errors import BakingError, VCError
from tests.conftest import shared_path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
OB_NS = "https://purl.imsglobal.org/ob/v3p0"
SAMPLES = ("conformance", "ob30-validator-samples", "ob30")

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Teamwork — Zusammenarbeit ✓",
    "description": "contains ]]> and <tags> & ampersands",
}
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl-_"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(*extra: bytes) -> bytes:
    """A valid 1×1 greyscale PNG, with ``extra`` chunks between IDAT and IEND."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x80")
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + b"".join(extra)
        + chunk(b"IEND", b"")
    )


def itxt(keyword: bytes, text: bytes, *, flag: int = 0, method: int = 0) -> bytes:
    return chunk(b"iTXt", keyword + b"\0" + bytes([flag, method]) + b"\0\0" + text)


def chunks_of(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def svg_doc(body: str = '<circle r="4"/>', root_attrs: str = "", prolog: str = "") -> bytes:
    return f'{prolog}<svg xmlns="{SVG_NS}" viewBox="0 0 8 8"{root_attrs}>{body}</svg>'.encode()


def raises(message: str) -> Any:
    return pytest.raises(BakingError, match=re.escape(message))


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("image", [tiny_png(), svg_doc()], ids=["png", "svg"])
def test_json_credential_round_trip(image: bytes) -> None:
    baked = bake(image, CREDENTIAL)
    assert json.loads(unbake(baked)) == CREDENTIAL
    assert unbake(baked) == json.dumps(CREDENTIAL, ensure_ascii=False)


@pytest.mark.parametrize("image", [tiny_png(), svg_doc()], ids=["png", "svg"])
def test_jws_round_trip(image: bytes) -> None:
    assert unbake(bake(image, JWS)) == JWS


@pytest.mark.parametrize("image", [tiny_png(), svg_doc()], ids=["png", "svg"])
def test_rebaking_replaces_the_credential_and_is_idempotent(image: bytes) -> None:
    once = bake(image, CREDENTIAL)
    twice = bake(once, JWS)
    assert unbake(twice) == JWS
    assert bake(twice, CREDENTIAL) == once
    marker = b"openbadgecredential" if image.startswith(PNG_SIGNATURE) else b"<openbadges:cred"
    assert twice.count(marker) == 1


def test_png_chunk_is_uncompressed_itxt_just_before_iend() -> None:
    original = tiny_png(chunk(b"tEXt", b"Comment\0hello"))
    baked = bake_png(original, JWS)
    kinds = [kind for kind, _ in chunks_of(baked)]
    assert kinds == [b"IHDR", b"IDAT", b"tEXt", b"iTXt", b"IEND"]
    assert chunks_of(baked)[3][1] == b"openbadgecredential\0\0\0\0\0" + JWS.encode()
    assert baked[: len(original) - 12] == original[:-12]  # every original chunk untouched


def test_png_rebake_removes_every_credential_chunk() -> None:
    stray = chunk(b"tEXt", b"openbadgecredential\0old")
    baked = bake_png(tiny_png(stray, itxt(b"openbadgecredential", b"older")), JWS)
    assert [kind for kind, _ in chunks_of(baked)].count(b"iTXt") == 1
    assert b"old" not in baked
    assert unbake_png(baked) == JWS


def test_png_reads_compressed_itxt() -> None:
    text = json.dumps(CREDENTIAL).encode()
    png = tiny_png(itxt(b"openbadgecredential", zlib.compress(text), flag=1))
    assert unbake_png(png) == text.decode()


def test_png_ignores_bytes_after_iend() -> None:
    assert unbake_png(bake_png(tiny_png(), JWS) + b"trailing") == JWS


def test_svg_element_goes_right_after_root_tag_and_markup_is_kept() -> None:
    original = svg_doc(prolog='<?xml version="1.0" encoding="UTF-8"?>\n<!-- art -->\n')
    baked = bake_svg(original, JWS)
    element = f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode()
    declaration = f' xmlns:openbadges="{OB_NS}"'.encode()
    assert f'viewBox="0 0 8 8"{declaration.decode()}>'.encode() + element in baked
    assert baked.replace(element, b"").replace(declaration, b"") == original


def test_svg_json_goes_in_cdata() -> None:
    baked = bake_svg(svg_doc(), '{"a": 1}')
    assert b'<openbadges:credential><![CDATA[{"a": 1}]]></openbadges:credential>' in baked


def test_svg_existing_namespace_declaration_is_reused() -> None:
    original = svg_doc(root_attrs=f' xmlns:openbadges="{OB_NS}"')
    baked = bake_svg(original, JWS)
    assert baked.count(b"xmlns:openbadges") == 1


def test_svg_with_self_closing_prefixed_root() -> None:
    original = f'<s:svg xmlns:s="{SVG_NS}" width="8" />'.encode()
    baked = bake_svg(original, JWS)
    assert baked.endswith(b"</openbadges:credential></s:svg>")
    assert unbake_svg(baked) == JWS


def test_svg_preserves_awkward_payload_characters() -> None:
    payload = '{"x": "]]>", "y": "a\r\nb\rc]]]>>"}'
    assert unbake_svg(bake_svg(svg_doc(), payload)) == payload


def test_svg_unbake_reads_any_prefix_and_strips_surrounding_whitespace() -> None:
    body = f'<g/><ob:credential xmlns:ob="{OB_NS}">\n  <![CDATA[ {{"a": 1}} ]]>\n</ob:credential>'
    assert unbake_svg(svg_doc(body)) == '{"a": 1}'


# --- the 1EdTech validator's baked samples ---------------------------------------------------


def jws_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


@pytest.mark.parametrize("name", ["simple-json.png", "simple-json.svg"])
def test_sample_json_badges_unbake_to_a_credential(name: str) -> None:
    image = shared_path(*SAMPLES, name).read_bytes()
    credential = json.loads(unbake(image))
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


# The _v1 samples use the same OB 3.0 carrier (keyword, namespace); "v1" is their payload, a
# VC 1.1-shaped JWT with the credential under the "vc" claim. Baking reads them unchanged.
@pytest.mark.parametrize(
    ("name", "vc_claim"),
    [
        ("simple-jwt.png", False),
        ("simple-jwt.svg", False),
        ("simple-jwt_v1.png", True),
        ("simple-jwt_v1.svg", True),
    ],
)
def test_sample_jwt_badges_unbake_to_a_compact_jws(name: str, vc_claim: bool) -> None:
    image = shared_path(*SAMPLES, name).read_bytes()
    token = unbake(image)
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
    claims = jws_claims(token)
    credential = claims["vc"] if vc_claim else claims
    assert "OpenBadgeCredential" in credential["type"]


@pytest.mark.parametrize("name", ["simple-json.png", "simple-json.svg", "simple-jwt.svg"])
def test_samples_can_be_rebaked(name: str) -> None:
    image = shared_path(*SAMPLES, name).read_bytes()
    baked = bake(image, JWS)
    assert unbake(baked) == JWS
    assert sniff_format(baked) == sniff_format(image)
    if name.endswith(".svg"):  # DOCTYPE and namespace declaration kept as they were
        assert baked.count(b"<!DOCTYPE svg PUBLIC") == 1
        assert baked.count(b"xmlns:openbadges") == 1


# --- sniffing and the credential argument ----------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (tiny_png(), "png"),
        (svg_doc(), "svg"),
        (b"\xef\xbb\xbf  \n" + svg_doc(prolog="<?xml version='1.0'?>"), "svg"),
    ],
)
def test_sniff_format(image: bytes, expected: str) -> None:
    assert sniff_format(image) == expected


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"", "not a PNG or SVG image"),
        (b"GIF89a\x01\x00\x01\x00", "not a PNG or SVG image"),
        (b"\xff\xd8\xff\xe0JFIF", "not a PNG or SVG image"),
        (b"<html><body/></html>", "not a PNG or SVG image"),
        (b"\x1f\x8b\x08\x00", "gzip-compressed"),
    ],
)
def test_not_an_image(image: bytes, message: str) -> None:
    with raises(message):
        unbake(image)
    with raises(message):
        bake(image, JWS)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "a..c", "a.b.c ", "[]", "{", "a.b.c="])
def test_bake_refuses_a_string_that_is_neither_a_jws_nor_a_json_object(token: str) -> None:
    with raises("credential string is neither a compact JWS"):
        bake(tiny_png(), token)


def test_bake_keeps_json_text_byte_for_byte() -> None:
    """An issuer bakes the exact text it signed and stored, not a re-serialisation."""
    text = '{\n  "id": "urn:uuid:1",\n  "name": "Caf\u00e9 \u2615"\n}'
    for image in (tiny_png(), b'<svg xmlns="http://www.w3.org/2000/svg"/>'):
        assert unbake(bake(image, text)) == text


@pytest.mark.parametrize("credential", [{"x": float("nan")}, {"x": {1, 2}}, {"x": object()}])
def test_bake_refuses_a_credential_that_is_not_json(credential: dict[str, Any]) -> None:
    with raises("credential cannot be serialised as JSON"):
        bake(tiny_png(), credential)


def test_baking_error_is_a_vc_error() -> None:
    with pytest.raises(VCError):
        unbake(b"nothing")


# --- malformed and hostile PNGs --------------------------------------------------------------


def corrupt_crc(png: bytes, index: int) -> bytes:
    """``png`` with the CRC of its ``index``-th chunk flipped."""
    pos = 8
    for _ in range(index):
        (length,) = struct.unpack_from(">I", png, pos)
        pos += 12 + length
    (length,) = struct.unpack_from(">I", png, pos)
    crc_at = pos + 8 + length
    return png[:crc_at] + bytes([png[crc_at] ^ 0xFF]) + png[crc_at + 1 :]


BAKED_PNG = bake_png(tiny_png(), JWS)


@pytest.mark.parametrize(
    ("png", "message"),
    [
        (b"\x89PNG\r\n\x1a", "not a PNG file"),
        (PNG_SIGNATURE, "PNG is truncated: it ends before the IEND chunk"),
        (BAKED_PNG[:-12], "PNG is truncated: it ends before the IEND chunk"),
        (BAKED_PNG[:50], "PNG chunk IDAT at offset 33 is truncated"),
        (BAKED_PNG[:-20], "PNG chunk iTXt at offset"),
        (corrupt_crc(BAKED_PNG, 2), "PNG chunk iTXt at offset"),
        (corrupt_crc(BAKED_PNG, 0), "PNG chunk IHDR at offset 8 has a bad CRC"),
        (PNG_SIGNATURE + chunk(b"IEND", b""), "PNG does not start with an IHDR chunk"),
        (PNG_SIGNATURE + chunk(b"IH!R", b""), "has an invalid type 'IH!R'"),
        (tiny_png(), "PNG has no openbadgecredential iTXt chunk"),
        (
            tiny_png(chunk(b"tEXt", b"openbadgecredential\0" + JWS.encode())),
            "no openbadgecredential",
        ),
        (tiny_png(itxt(b"openbadges", JWS.encode())), "Open Badges 2.0 assertion"),
        (
            tiny_png(itxt(b"openbadgecredential", b"a"), itxt(b"openbadgecredential", b"b")),
            "2 openbadgecredential iTXt chunks",
        ),
        (tiny_png(chunk(b"iTXt", b"openbadgecredential\0")), "no compression fields"),
        (tiny_png(chunk(b"iTXt", b"openbadgecredential\0\0\0text")), "missing null separators"),
        (tiny_png(itxt(b"openbadgecredential", b"x", flag=2)), "invalid compression flag 2"),
        (tiny_png(itxt(b"openbadgecredential", b"x", flag=1, method=8)), "unknown compression 8"),
        (tiny_png(itxt(b"openbadgecredential", b"not zlib", flag=1)), "not valid zlib data"),
        (
            tiny_png(itxt(b"openbadgecredential", zlib.compress(b"abc")[:-3], flag=1)),
            "truncated zlib",
        ),
        (tiny_png(itxt(b"openbadgecredential", b"\xff\xfe")), "is not valid UTF-8"),
        (
            tiny_png(itxt(b"openbadgecredential", b" \n ")),
            "openbadgecredential iTXt chunk is empty",
        ),
    ],
)
def test_malformed_png(png: bytes, message: str) -> None:
    with raises(message):
        unbake_png(png)


def test_png_chunk_length_beyond_the_data() -> None:
    png = tiny_png()
    huge = png[:8] + struct.pack(">I", 0x7FFFFFFF) + png[12:]
    with raises("PNG chunk IHDR at offset 8 is truncated: it declares 2147483647 bytes"):
        unbake_png(huge)


def test_png_bad_crc_is_refused_when_baking_too() -> None:
    with raises("has a bad CRC"):
        bake_png(corrupt_crc(tiny_png(), 1), JWS)


def test_png_decompression_bomb() -> None:
    bomb = zlib.compress(b"a" * (MAX_PAYLOAD_BYTES + 1), 9)
    with raises(f"decompresses to more than {MAX_PAYLOAD_BYTES} bytes"):
        unbake_png(tiny_png(itxt(b"openbadgecredential", bomb, flag=1)))


def test_oversized_images_are_refused_before_parsing() -> None:
    too_big = PNG_SIGNATURE + b"\0" * (MAX_IMAGE_BYTES - 7)
    with raises(f"image is {MAX_IMAGE_BYTES + 1} bytes; the limit is {MAX_IMAGE_BYTES}"):
        unbake_png(too_big)
    with raises(f"image is {MAX_IMAGE_BYTES + 1} bytes"):
        unbake(b"<svg" + too_big[4:])


@pytest.mark.parametrize("bake_fn", [bake_png, bake_svg])
def test_oversized_and_empty_payloads_are_refused(bake_fn: Any) -> None:
    image = tiny_png() if bake_fn is bake_png else svg_doc()
    with raises(f"the limit is {MAX_PAYLOAD_BYTES}"):
        bake_fn(image, "a" * (MAX_PAYLOAD_BYTES + 1))
    with raises("credential payload is empty"):
        bake_fn(image, " \n")
    with raises("credential payload is not valid Unicode"):
        bake_fn(image, "\ud800")


# --- malformed and hostile SVGs --------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)
XXE = '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
EXTERNAL_DTD = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://example.com/svg11.dtd">'
CRED = f'<ob:credential xmlns:ob="{OB_NS}" verify="{JWS}"/>'


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (svg_doc("<text>&lol2;</text>", prolog=LAUGHS), "DOCTYPE has an internal subset"),
        (svg_doc("<text>&xxe;</text>", prolog=XXE), "DOCTYPE has an internal subset"),
        (svg_doc("<text>&nbsp;</text>" + CRED, prolog=EXTERNAL_DTD), "undeclared entity '&nbsp;'"),
        (svg_doc("<g>"), "SVG is not well-formed XML: mismatched tag at line 1"),
        (b"<svg><g/></svg>", "the root element is svg (no namespace), not {" + SVG_NS),
        (f'<html xmlns="{SVG_NS}"><svg/></html>'.encode(), "the root element is {" + SVG_NS),
        (svg_doc(), "SVG has no openbadges:credential element"),
        (svg_doc(CRED + CRED), "SVG has 2 openbadges:credential elements; only one is allowed"),
        (svg_doc(f"<g>{CRED}</g>{CRED}"), "SVG has 2 openbadges:credential elements"),
        (
            svg_doc('<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="a"/>'),
            "Open Badges 2.0 assertion",
        ),
        (svg_doc(f'<ob:credential xmlns:ob="{OB_NS}"/>'), "element is empty"),
        (svg_doc(f'<ob:credential xmlns:ob="{OB_NS}" verify=" ">\n</ob:credential>'), "empty"),
        (
            svg_doc(f'<ob:credential xmlns:ob="{OB_NS}" verify="{JWS}">x</ob:credential>'),
            "has both a verify attribute and text",
        ),
        (
            svg_doc(f'<ob:credential xmlns:ob="{OB_NS}"><g/>{{}}</ob:credential>'),
            "contains child elements",
        ),
        (
            svg_doc(f'<ob:credential xmlns:ob="{OB_NS}"><ob:credential/></ob:credential>'),
            "nested openbadges:credential elements",
        ),
    ],
)
def test_malformed_svg(svg: bytes, message: str) -> None:
    with raises(message):
        unbake_svg(svg)


@pytest.mark.parametrize("prolog", [LAUGHS, XXE])
def test_svg_with_entities_is_refused_when_baking(prolog: str) -> None:
    with raises("DOCTYPE has an internal subset"):
        bake_svg(svg_doc(prolog=prolog), JWS)


def test_svg_with_only_an_external_dtd_is_read_without_fetching_it() -> None:
    assert unbake_svg(svg_doc(CRED, prolog=EXTERNAL_DTD)) == JWS


def test_svg_two_credentials_are_replaced_by_one_when_baking() -> None:
    baked = bake_svg(svg_doc(f"<g>{CRED}</g>{CRED}"), '{"a": 1}')
    assert unbake_svg(baked) == '{"a": 1}'
    assert baked.count(b"credential") == 2  # the new element's start and end tags


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (svg_doc(prolog='<?xml version="1.0" encoding="ISO-8859-1"?>'), "declares encoding"),
        (
            "\ufeff".encode("utf-16-le") + svg_doc().decode().encode("utf-16-le"),
            "SVG is UTF-16 encoded",
        ),
        (
            svg_doc(root_attrs=' xmlns:openbadges="http://openbadges.org"'),
            "binds the openbadges prefix to 'http://openbadges.org'",
        ),
    ],
)
def test_svg_that_cannot_be_baked(svg: bytes, message: str) -> None:
    with raises(message):
        bake_svg(svg, JWS)


def test_svg_refuses_payload_characters_xml_cannot_carry() -> None:
    with raises("contains U+0000, which XML cannot carry"):
        bake_svg(svg_doc(), '{"a": "\x00"}')
    with raises("contains U+FFFE"):
        bake_svg(svg_doc(), "\ufffe")


# --- properties ------------------------------------------------------------------------------

XML_CHARS = st.characters(codec="utf-8", exclude_characters="\ufffe\uffff").filter(
    lambda c: c in "\t\n\r" or ord(c) >= 0x20
)
XML_TEXT = st.text(XML_CHARS, min_size=1)
SVG_PAYLOADS = XML_TEXT | st.tuples(XML_TEXT, XML_TEXT).map("]]>".join)
PNG_IMAGE = tiny_png()
SVG_IMAGE = svg_doc()


@given(st.text(min_size=1).filter(lambda p: p.strip(" \t\r\n")))
def test_png_round_trips_any_text(payload: str) -> None:
    assert unbake_png(bake_png(PNG_IMAGE, payload)) == payload


@given(SVG_PAYLOADS.filter(lambda p: p.strip(" \t\r\n")))
def test_svg_round_trips_any_xml_text(payload: str) -> None:
    # Surrounding whitespace is not part of the payload (pretty-printed SVGs add it).
    assert unbake_svg(bake_svg(SVG_IMAGE, payload)) == payload.strip(" \t\r\n")
