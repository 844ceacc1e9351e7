"""Baked badges: carry an Open Badges 3.0 credential inside its PNG or SVG image.

OB 3.0 §"Baked Badge" lets a credential travel as the badge picture itself: a PNG gets an
``iTXt`` chunk with keyword ``openbadgecredential``; an SVG gets an ``<openbadges:credential>``
element (namespace ``https://purl.imsglobal.org/ob/v3p0``) whose ``verify`` attribute holds a
compact JWS, or whose CDATA content holds the JSON credential. The text is the credential
exactly as signed, so baking never touches its bytes and unbaking returns them unchanged.

Images come from strangers, so reading them is the risky half:

* every PNG chunk's length is checked against the data and its CRC verified before use;
  a compressed ``iTXt`` (which the spec forbids but some tools write) is read with a cap on
  its decompressed size;
* SVG is parsed with expat, never with a parser that loads DTDs: an internal DTD subset or any
  entity declaration is refused outright (billion laughs, XXE). A DOCTYPE that only names an
  external DTD is tolerated, because Illustrator-style exports, including the 1EdTech
  validator's own baked samples, carry ``<!DOCTYPE svg PUBLIC ... svg11.dtd>``; expat never
  fetches it, and a reference to an entity it might have declared is refused;
* inputs are capped at ``MAX_IMAGE_BYTES`` and payloads at ``MAX_PAYLOAD_BYTES``.

Baking edits the original bytes rather than re-encoding: PNG chunks are copied as they are
(the credential chunk goes just before ``IEND``, where the 1EdTech samples put it, so every
original chunk keeps its order and offset), and an SVG is rewritten textually after expat has
checked it and located the root start tag, so the artwork's markup survives byte for byte.
Baking an image that already carries a credential replaces it: the spec allows only one.

Only OB 3.0 carriers are read. Open Badges 2.0 images (PNG keyword ``openbadges``, SVG
namespace ``http://openbadges.org``) hold an assertion, not a credential; they are reported
as such rather than silently returned.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.parsers import expat

from credstack.vc.errors import BakingError

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_PAYLOAD_BYTES",
    "ImageFormat",
    "bake",
    "bake_png",
    "bake_svg",
    "sniff_format",
    "unbake",
    "unbake_png",
    "unbake_svg",
]

ImageFormat = Literal["png", "svg"]

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""Largest image accepted for baking or unbaking; badge images are far smaller."""

MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
"""Largest credential (UTF-8 bytes) baked or extracted, also after decompression."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEYWORD = b"openbadgecredential"
_OB2_PNG_KEYWORD = b"openbadges"
_TEXT_CHUNKS = frozenset({b"iTXt", b"tEXt", b"zTXt"})
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG §5.3: lengths are limited to 2^31 - 1

_SVG_NS = "http://www.w3.org/2000/svg"
_OB_NS = "https://purl.imsglobal.org/ob/v3p0"
_OB2_NS = "http://openbadges.org"
_OB_ELEMENT = f"{_OB_NS} credential"  # expat's "uri localname" with namespace_separator=" "
_XML_WS = " \t\r\n"

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_START_TAG = re.compile(rb"<[^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>")
_TAG_NAME = re.compile(rb"<([^\s/>]+)")
_SVG_ROOT_HINT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


def sniff_format(image: bytes) -> ImageFormat:
    """Tell a PNG from an SVG by their first bytes; raise ``BakingError`` for anything else.

    SVG is recognised as XML text with an ``svg`` element near the start; whether it really is
    a well-formed SVG document is left to ``bake_svg``/``unbake_svg``, which parse it.
    """
    if image.startswith(_PNG_SIGNATURE):
        return "png"
    if image.startswith(b"\x1f\x8b"):
        raise BakingError("image is gzip-compressed (SVGZ?); decompress it before baking")
    head = image[:65536].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head.startswith(b"<") and _SVG_ROOT_HINT.search(head):
        return "svg"
    raise BakingError("not a PNG or SVG image; only these formats can carry a baked credential")


def bake(image: bytes, credential: Mapping[str, Any] | str) -> bytes:
    """Return ``image`` (PNG or SVG, sniffed) carrying ``credential``.

    A mapping is an embedded-proof credential and is baked as compact UTF-8 JSON; a string is
    baked exactly as given when it is a VC-JWT compact JWS or the text of a JSON object (so an
    issuer can bake the very bytes it signed and stored). Raises ``BakingError`` for anything
    else or an unusable image.
    """
    payload = _credential_text(credential)
    if sniff_format(image) == "png":
        return bake_png(image, payload)
    return bake_svg(image, payload)


def unbake(image: bytes) -> str:
    """The credential text (JSON or compact JWS) baked into a PNG or SVG image.

    Raises ``BakingError`` when the image is malformed, unsafe, or carries no credential.
    """
    if sniff_format(image) == "png":
        return unbake_png(image)
    return unbake_svg(image)


def _credential_text(credential: Mapping[str, Any] | str) -> str:
    """The text a credential is baked as: the JWS itself, or its JSON serialisation."""
    if isinstance(credential, str):
        if _JWS.fullmatch(credential) or _is_json_object(credential):
            return credential
        raise BakingError(
            "credential string is neither a compact JWS (three base64url parts separated by "
            "'.') nor a JSON object"
        )
    if not isinstance(credential, Mapping):
        raise BakingError("credential must be a mapping (JSON) or a compact JWS string")
    try:
        return json.dumps(dict(credential), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BakingError(f"credential cannot be serialised as JSON: {exc}") from exc


def _is_json_object(text: str) -> bool:
    if not text.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _payload_bytes(payload: str) -> bytes:
    """Check a payload is worth baking and return its UTF-8 bytes."""
    if not payload.strip(_XML_WS):
        raise BakingError("credential payload is empty")
    try:
        data = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BakingError(f"credential payload is not valid Unicode: {exc.reason}") from exc
    _check_size("credential payload", len(data), MAX_PAYLOAD_BYTES)
    return data


def _check_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise BakingError(f"{what} is {size} bytes; the limit is {limit}")


# --- PNG ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    kind: bytes
    data: bytes

    def keyword(self) -> bytes | None:
        """The keyword of a text chunk (PNG §11.3.3: 1-79 bytes, then a null)."""
        if self.kind not in _TEXT_CHUNKS:
            return None
        keyword, sep, _ = self.data[:80].partition(b"\0")
        return keyword if sep else None

    def encode(self) -> bytes:
        crc = zlib.crc32(self.kind + self.data)
        return struct.pack(">I", len(self.data)) + self.kind + self.data + struct.pack(">I", crc)


def _read_chunks(png: bytes) -> list[_Chunk]:
    """Split a PNG datastream into its chunks up to ``IEND`` (PNG §5.2-5.6).

    Every length is checked against the remaining data and every CRC verified, so a damaged
    or hostile file is refused instead of half-read. Bytes after ``IEND`` are ignored.
    """
    _check_size("image", len(png), MAX_IMAGE_BYTES)
    if not png.startswith(_PNG_SIGNATURE):
        raise BakingError("not a PNG file")
    chunks: list[_Chunk] = []
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 8 > len(png):
            raise BakingError("PNG is truncated: it ends before the IEND chunk")
        length, kind = struct.unpack_from(">I4s", png, pos)
        name = kind.decode("latin-1")
        if not re.fullmatch(rb"[A-Za-z]{4}", kind):
            raise BakingError(f"PNG chunk at offset {pos} has an invalid type {name!r}")
        available = len(png) - pos - 12
        if length > _MAX_CHUNK_LENGTH or length > available:
            raise BakingError(
                f"PNG chunk {name} at offset {pos} is truncated: it declares {length} bytes "
                f"but only {max(available, 0)} remain"
            )
        chunk = _Chunk(kind, png[pos + 8 : pos + 8 + length])
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        if zlib.crc32(kind + chunk.data) != crc:
            raise BakingError(f"PNG chunk {name} at offset {pos} has a bad CRC")
        if not chunks and kind != b"IHDR":
            raise BakingError("PNG does not start with an IHDR chunk")
        chunks.append(chunk)
        if kind == b"IEND":
            return chunks
        pos += 12 + length


def bake_png(png: bytes, payload: str) -> bytes:
    """Return ``png`` with ``payload`` in an uncompressed ``openbadgecredential`` iTXt chunk.

    Any existing credential chunk (iTXt, or a stray tEXt/zTXt with that keyword) is removed
    first, since a PNG may carry only one; bytes after ``IEND`` are dropped. Raises
    ``BakingError`` for a malformed PNG or an empty or oversized payload.
    """
    text = _payload_bytes(payload)
    chunks = [c for c in _read_chunks(png) if c.keyword() != _PNG_KEYWORD]
    # iTXt layout (PNG §11.3.3.4): keyword NUL, compression flag 0, method 0, empty language
    # tag NUL, empty translated keyword NUL, then the UTF-8 text.
    credential = _Chunk(b"iTXt", _PNG_KEYWORD + b"\0\0\0\0\0" + text)
    chunks.insert(len(chunks) - 1, credential)
    return _PNG_SIGNATURE + b"".join(chunk.encode() for chunk in chunks)


def unbake_png(png: bytes) -> str:
    """The text of the PNG's ``openbadgecredential`` iTXt chunk (OB 3.0 PNG extracting).

    Raises ``BakingError`` when the PNG is malformed, has no such chunk, or has more than one.
    """
    chunks = _read_chunks(png)
    found = [c for c in chunks if c.kind == b"iTXt" and c.keyword() == _PNG_KEYWORD]
    if len(found) > 1:
        raise BakingError(
            f"PNG has {len(found)} openbadgecredential iTXt chunks; only one is allowed"
        )
    if not found:
        if any(c.keyword() == _OB2_PNG_KEYWORD for c in chunks):
            raise BakingError(
                "PNG carries an Open Badges 2.0 assertion (keyword 'openbadges'), "
                "not an OB 3.0 credential"
            )
        raise BakingError("PNG has no openbadgecredential iTXt chunk")
    return _itxt_text(found[0].data)


def _itxt_text(data: bytes) -> str:
    """Decode an ``openbadgecredential`` iTXt chunk's text field (PNG §11.3.3.4)."""
    _, _, rest = data.partition(b"\0")
    if len(rest) < 2:
        raise BakingError("openbadgecredential iTXt chunk is malformed: no compression fields")
    flag, method, rest = rest[0], rest[1], rest[2:]
    _, sep1, rest = rest.partition(b"\0")  # language tag
    _, sep2, text = rest.partition(b"\0")  # translated keyword
    if not (sep1 and sep2):
        raise BakingError("openbadgecredential iTXt chunk is malformed: missing null separators")
    if flag == 1:
        if method != 0:
            raise BakingError(f"openbadgecredential iTXt chunk uses unknown compression {method}")
        text = _inflate(text)
    elif flag != 0:
        raise BakingError(f"openbadgecredential iTXt chunk has invalid compression flag {flag}")
    _check_size("credential payload", len(text), MAX_PAYLOAD_BYTES)
    try:
        payload = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("openbadgecredential iTXt text is not valid UTF-8") from exc
    if not payload.strip(_XML_WS):
        raise BakingError("openbadgecredential iTXt chunk is empty")
    return payload


def _inflate(data: bytes) -> bytes:
    """Decompress a zlib stream, refusing one that expands past ``MAX_PAYLOAD_BYTES``."""
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_PAYLOAD_BYTES + 1)
    except zlib.error as exc:
        raise BakingError(f"openbadgecredential iTXt chunk is not valid zlib data: {exc}") from exc
    if len(text) > MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
        raise BakingError(
            f"openbadgecredential iTXt chunk decompresses to more than {MAX_PAYLOAD_BYTES} bytes"
        )
    if not inflater.eof:
        raise BakingError("openbadgecredential iTXt chunk has a truncated zlib stream")
    return text


# --- SVG ---------------------------------------------------------------------------------------


@dataclass
class _Element:
    """An ``<openbadges:credential>`` element: its byte span and what it holds."""

    start: int
    tag_end: int
    self_closing: bool
    verify: str | None
    depth: int
    end: int = -1
    text: list[str] = field(default_factory=list)
    has_children: bool = False


def _start_tag(data: bytes, start: int) -> tuple[int, bool]:
    """End offset of the start tag at ``start`` and whether it is an empty-element tag.

    Expat has already checked the tag, so a quote-aware match cannot go astray.
    """
    match = _START_TAG.match(data, start)
    if match is None:  # pragma: no cover - expat accepted the tag
        raise BakingError(f"cannot locate the end of the start tag at offset {start}")
    return match.end(), data[match.end() - 2 : match.end()] == b"/>"


def _refuse_doctype(name: str, sysid: str | None, pubid: str | None, internal: int) -> None:
    if internal:
        raise BakingError(
            "SVG DOCTYPE has an internal subset (entity declarations); refusing to parse it"
        )


def _refuse_entity(name: str, *_: object) -> None:
    raise BakingError(f"SVG declares the entity {name!r}; refusing to parse it")


def _refuse_skipped(name: str, is_parameter: int) -> None:
    raise BakingError(f"SVG references the undeclared entity '&{name};'; refusing to parse it")


def _refuse_external(*_: object) -> int:
    raise BakingError("SVG references an external entity; refusing to load it")


class _SvgScan:
    """One safe expat pass over an SVG, noting what baking and unbaking need.

    That is: the declared encoding, where the root start tag lies and how it binds the
    ``openbadges`` prefix, and every credential element with its byte span and content.
    Raises ``BakingError`` when the document is oversized, not well-formed, declares or
    references entities, or its root is not ``svg`` in the SVG namespace.
    """

    def __init__(self, svg: bytes) -> None:
        _check_size("image", len(svg), MAX_IMAGE_BYTES)
        self.svg = svg
        self.encoding: str | None = None
        self.root_start = self.root_tag_end = -1
        self.root_self_closing = False
        self.root_prefix_uri: str | None = None
        self.credentials: list[_Element] = []
        self.has_ob2 = False
        self._depth = 0
        self._open: _Element | None = None
        self._pending_ns: dict[str, str] = {}
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parse()

    def _parse(self) -> None:
        parser = self._parser
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_entity
        parser.SkippedEntityHandler = _refuse_skipped
        parser.ExternalEntityRefHandler = _refuse_external
        parser.XmlDeclHandler = self._xml_decl
        parser.StartNamespaceDeclHandler = self._namespace
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        try:
            parser.Parse(self.svg, True)
        except expat.ExpatError as exc:
            reason = expat.ErrorString(exc.code)
            raise BakingError(
                f"SVG is not well-formed XML: {reason} at line {exc.lineno}, column {exc.offset}"
            ) from exc

    def _xml_decl(self, version: str, encoding: str | None, standalone: int) -> None:
        self.encoding = encoding

    def _namespace(self, prefix: str | None, uri: str) -> None:
        # Reported just before the start tag that declares it.
        self._pending_ns[prefix or ""] = uri

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        index = self._parser.CurrentByteIndex  # the "<" of this start tag
        if self._depth == 0:
            self._root(name, index)
        if self._open is not None:
            self._open.has_children = True
        if name == _OB_ELEMENT:
            if self._open is not None:
                raise BakingError("SVG has nested openbadges:credential elements")
            tag_end, closed = _start_tag(self.svg, index)
            self._open = _Element(index, tag_end, closed, attributes.get("verify"), self._depth)
            self.credentials.append(self._open)
        self.has_ob2 = self.has_ob2 or name.startswith(_OB2_NS + " ")
        self._pending_ns = {}
        self._depth += 1

    def _root(self, name: str, index: int) -> None:
        if name != f"{_SVG_NS} svg":
            uri, _, local = name.rpartition(" ")
            shown = f"{{{uri}}}{local}" if uri else f"{local} (no namespace)"
            raise BakingError(
                f"not an SVG document: the root element is {shown}, not {{{_SVG_NS}}}svg"
            )
        self.root_start = index
        self.root_tag_end, self.root_self_closing = _start_tag(self.svg, index)
        self.root_prefix_uri = self._pending_ns.get("openbadges")

    def _end(self, name: str) -> None:
        self._depth -= 1
        element = self._open
        if element is None or self._depth != element.depth:
            return
        if element.self_closing:
            element.end = element.tag_end
        else:  # the index is the "</" of the end tag, which holds no quotes
            element.end = self.svg.index(b">", self._parser.CurrentByteIndex) + 1
        self._open = None

    def _text(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)


def _cdata(text: str) -> str:
    """Wrap ``text`` in CDATA so that expat gives back exactly ``text``.

    "]]>" would end the section early, so it is split across two sections; a carriage return
    would be normalised to a line feed by any XML parser, so it leaves the section as ``&#13;``.
    Splitting keeps the credential's own bytes untouched, unlike rewriting its JSON (``\\u003e``).
    """
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


def _credential_markup(payload: str) -> bytes:
    """The ``<openbadges:credential>`` element for ``payload`` (OB 3.0 SVG baking)."""
    illegal = _XML_ILLEGAL.search(payload)
    if illegal:
        raise BakingError(
            f"credential payload contains U+{ord(illegal.group()):04X}, which XML cannot carry"
        )
    if _JWS.fullmatch(payload):  # base64url and dots only: safe in an attribute as is
        element = f'<openbadges:credential verify="{payload}"></openbadges:credential>'
    else:
        element = f"<openbadges:credential>{_cdata(payload)}</openbadges:credential>"
    return element.encode("utf-8")


def _require_utf8(svg: bytes, scan: _SvgScan) -> None:
    """Baking splices UTF-8 bytes into the document, so the document must be UTF-8 too."""
    if svg.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BakingError("SVG is UTF-16 encoded; only UTF-8 SVG can be baked")
    if scan.encoding is not None and scan.encoding.lower() not in ("utf-8", "utf8"):
        raise BakingError(f"SVG declares encoding {scan.encoding!r}; only UTF-8 SVG can be baked")


def bake_svg(svg: bytes, payload: str) -> bytes:
    """Return ``svg`` (UTF-8) with ``payload`` in an ``<openbadges:credential>`` element.

    Follows OB 3.0 SVG baking: the root gets ``xmlns:openbadges`` and, directly after its
    start tag, the element; a compact JWS goes in ``verify``, anything else in CDATA. Existing
    credential elements are removed. The rest of the document is kept byte for byte.
    Raises ``BakingError`` for an unsafe, malformed or non-UTF-8 SVG, or an unusable payload.
    """
    _payload_bytes(payload)
    element = _credential_markup(payload)
    scan = _SvgScan(svg)
    _require_utf8(svg, scan)
    if scan.root_prefix_uri not in (None, _OB_NS):
        raise BakingError(
            f"SVG root binds the openbadges prefix to {scan.root_prefix_uri!r}; "
            "remove that binding (an Open Badges 2.0 assertion?) before baking"
        )
    declare = b"" if scan.root_prefix_uri else f' xmlns:openbadges="{_OB_NS}"'.encode()
    edits = [(c.start, c.end, b"") for c in scan.credentials]
    if scan.root_self_closing:
        name = _TAG_NAME.match(svg, scan.root_start)
        assert name is not None  # expat parsed this start tag
        closing = b"</" + name.group(1) + b">"
        edits.append((scan.root_tag_end - 2, scan.root_tag_end, declare + b">" + element + closing))
    else:
        edits.append((scan.root_tag_end - 1, scan.root_tag_end, declare + b">" + element))
    result = svg
    for begin, stop, replacement in sorted(edits, reverse=True):
        result = result[:begin] + replacement + result[stop:]
    return result


def unbake_svg(svg: bytes) -> str:
    """The credential in the SVG's ``<openbadges:credential>`` element (OB 3.0 SVG extracting).

    Returns the ``verify`` attribute (VC-JWT) or the element's text (JSON), without the
    surrounding whitespace that pretty-printed SVGs put around it. Raises ``BakingError`` when
    the SVG is unsafe or malformed, or has no credential element, more than one, or an
    ambiguous or empty one.
    """
    scan = _SvgScan(svg)
    if len(scan.credentials) > 1:
        raise BakingError(
            f"SVG has {len(scan.credentials)} openbadges:credential elements; only one is allowed"
        )
    if not scan.credentials:
        if scan.has_ob2:
            raise BakingError(
                f"SVG carries an Open Badges 2.0 assertion (namespace {_OB2_NS}), "
                "not an OB 3.0 credential"
            )
        raise BakingError("SVG has no openbadges:credential element")
    element = scan.credentials[0]
    if element.has_children:
        raise BakingError("openbadges:credential element contains child elements")
    text = "".join(element.text).strip(_XML_WS)
    verify = (element.verify or "").strip(_XML_WS)
    if verify and text:
        raise BakingError("openbadges:credential element has both a verify attribute and text")
    payload = verify or text
    if not payload:
        raise BakingError("openbadges:credential element is empty")
    _check_size("credential payload", len(payload.encode()), MAX_PAYLOAD_BYTES)
    return payload
