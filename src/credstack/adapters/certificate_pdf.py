"""The printable certificate of a credential: one A4 landscape PDF page, with a QR code.

A certificate is a picture of a credential for paper and for people: it proves nothing by
itself, so it says where the proof is. Its QR code (and the address printed under it) leads to
the credential's page, which verifies the signed credential live; the footer says the
credential verifies online there and offline from its digital form.

Everything shown is read from the signed credential (``ob.credential_summary``, the reading
the credential page uses), never from the database. The page is drawn with fpdf2 in Source
Sans Pro (SIL OFL 1.1, from the ``font-source-sans-pro`` package: Latin, Greek, Cyrillic),
embedded as a subset so that any PDF reader shows it and copied text is the real text. A
character the font lacks (CJK, for one) is printed as "?" and a footnote says so and where the
exact text is: never a crash, never a silent blank. A revoked, suspended or expired
credential still gets its certificate, stamped with that standing across the page
(docs/decisions/0021-printable-certificate.md).

``render_certificate`` is a pure function of what it is given: it reads nothing but the
bundled font files (once per process) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

import segno
from fpdf import FPDF, Align, XPos, YPos
from fpdf.enums import WrapMode
from fpdf.fonts import TTFFont

from credstack.domain.badge_images import default_badge_png
from credstack.ob.credential_summary import CredentialSummary, summarise_credential
from credstack.services.exports import PrintableCredential, Standing
from credstack.vc.credential_fields import parse_instant

__all__ = ["MEDIA_TYPE", "render_certificate"]

MEDIA_TYPE = "application/pdf"

_FONT_PACKAGE = "font_source_sans_pro"
_FONT_FILES = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Semibold.ttf"}
_FAMILY = "certificate-sans"
_MISSING = "?"  # what stands in for a character the font cannot draw
_Colour = tuple[int, int, int]
_INK: _Colour = (31, 41, 55)
_GREY = (90, 98, 110)
_RULE = (150, 156, 165)
_STAMP = (170, 20, 30)
_PAGE_W, _PAGE_H = 297.0, 210.0
_LEFT, _RIGHT = 20.0, 277.0
_BODY_RIGHT = 212.0  # the text column ends here; the QR code sits to its right
_BODY_BOTTOM = 174.0
_BODY_LOWEST_TOP = 113.0  # where the column starts at the latest (a heading of many lines)
_QR_SIZE = 44.0
_LABEL_W = 40.0
_BODY_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5)
_GAP = 0.5  # between parts (description, details, outcomes), in lines
_MORE = "… (the rest is on the credential page: scan the QR code)"
_PT = 0.3528  # millimetres per point


@cache
def _font_path(style: str) -> str:
    return str(resources.files(_FONT_PACKAGE).joinpath("files", _FONT_FILES[style]))


@cache
def _coverage() -> frozenset[int]:
    """The code points every style of the certificate font can draw (read once)."""
    pdf = FPDF()
    covered: set[int] | None = None
    for style in _FONT_FILES:
        pdf.add_font(_FAMILY, style, _font_path(style))
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            covered = set(font.cmap) if covered is None else covered & set(font.cmap)
    return frozenset(covered or ())


@dataclass(frozen=True, slots=True)
class _Item:
    """One entry of the "what it certifies" column: a paragraph, a labelled row, a bullet."""

    text: str
    label: str | None = None
    bullet: bool = False
    heading: bool = False


class _Page:
    """An FPDF page with the certificate's fonts, and a note of characters it could not draw."""

    def __init__(self, title: str, author: str, created: dt.datetime | None) -> None:
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(_LEFT, 15, _PAGE_W - _RIGHT)
        for style in _FONT_FILES:
            pdf.add_font(_FAMILY, style, _font_path(style))
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator("credstack")
        # the credential's date, not the hour of the download: the same credential in the
        # same standing gives the same bytes
        pdf.set_creation_date(created or dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        pdf.add_page()
        self.pdf = pdf
        self.lost_characters = False
        self.body_top = _BODY_LOWEST_TOP  # moved up under a short heading

    def clean(self, text: str, *, one_line: bool = True) -> str:
        """``text`` as it can be printed: NFC, controls out, unprintable characters as "?"."""
        text = unicodedata.normalize("NFC", text)
        lines = text.splitlines() if not one_line else [text]
        out = []
        for line in lines:
            kept = []
            for char in " ".join(line.split()):
                if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
                    continue
                if ord(char) not in _coverage():
                    self.lost_characters = True
                    char = _MISSING
                kept.append(char)
            out.append("".join(kept))
        return "\n".join(line for line in out if line)

    def style(self, size: float, *, bold: bool = False, colour: _Colour = _INK) -> None:
        self.pdf.set_font(_FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def centred(self, y: float, text: str, size: float, *, bold: bool = False, **kw: Any) -> float:
        """``text`` centred at ``y``, shrunk (to 60%) to fit the width, then wrapped; the y
        below it."""
        smallest = size * 0.6
        self.style(size, bold=bold, **kw)
        while self.pdf.get_string_width(text) > _RIGHT - _LEFT and size > smallest:
            size -= 1
            self.style(size, bold=bold, **kw)
        self.pdf.set_xy(_LEFT, y)
        self.pdf.multi_cell(
            _RIGHT - _LEFT, size * _PT * 1.25, text, align=Align.C, new_x=XPos.LMARGIN
        )
        return self.pdf.get_y()

    def lines(self, width: float, text: str, height: float) -> list[str]:
        """How ``text`` wraps in ``width`` at the current font (nothing is drawn)."""
        result = self.pdf.multi_cell(
            width, height, text, dry_run=True, output="LINES", wrapmode=WrapMode.WORD
        )
        assert isinstance(result, list)  # what output="LINES" gives
        return [str(line) for line in result]

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def render_certificate(printable: PrintableCredential) -> bytes:
    """The certificate of ``printable`` as the bytes of a one-page A4 landscape PDF."""
    summary = summarise_credential(json.loads(printable.award.credential))
    issued = parse_instant(summary.valid_from)
    name = summary.name or "Untitled credential"
    page = _Page(
        title=f"{name} · {summary.learner}" if summary.learner else name,
        author=summary.issuer or "",
        created=issued,
    )
    _frame(page)
    _heading(page, summary, name, printable)
    _body(page, _items(summary))
    _qr_code(page, printable.page_url)
    _footer(page, summary, printable)
    if printable.standing is not Standing.VALID:
        _stamp(page, printable.standing)
    return page.output()


def _frame(page: _Page) -> None:
    pdf = page.pdf
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.7)
    pdf.rect(8, 8, _PAGE_W - 16, _PAGE_H - 16)
    pdf.set_line_width(0.25)
    pdf.rect(11, 11, _PAGE_W - 22, _PAGE_H - 22)


def _heading(
    page: _Page, summary: CredentialSummary, name: str, printable: PrintableCredential
) -> None:
    pdf = page.pdf
    issuer = page.clean(summary.issuer or "")
    y = page.centred(16, issuer, 13, bold=True, colour=_GREY) if issuer else 16.0
    badge = 28.0
    try:
        pdf.image(io.BytesIO(printable.badge_png), x=_PAGE_W / 2 - badge / 2, y=y + 2, h=badge)
    except Exception:  # a definition's picture fpdf2 cannot read: its default badge instead
        fallback = default_badge_png(name, seed=printable.award.achievement_id)
        pdf.image(io.BytesIO(fallback), x=_PAGE_W / 2 - badge / 2, y=y + 2, h=badge)
    y += badge + 5
    if summary.learner:
        y = page.centred(y, "This certifies that", 12, colour=_GREY)
        y = page.centred(y + 1, page.clean(summary.learner), 30, bold=True)
        y = page.centred(y + 1, "has earned", 12, colour=_GREY)
    else:
        y = page.centred(y, "This certifies that the holder of this credential has earned", 12)
    y = page.centred(y + 1, page.clean(name), 22, bold=True)
    page.body_top = min(_BODY_LOWEST_TOP, y + 9)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.25)
    pdf.line(_LEFT, page.body_top - 4, _RIGHT, page.body_top - 4)


def _items(summary: CredentialSummary) -> list[_Item]:
    """What the credential certifies, in the order of its page."""
    items = [_Item(summary.description)] if summary.description else []
    rows = (
        ("How it was earned", summary.criteria),
        ("Result", ", ".join(summary.results)),
        ("Skills", ", ".join(summary.skills)),
        ("Workload", f"{summary.workload} hours" if summary.workload else None),
        ("Credits", f"{summary.ects} ECTS" if summary.ects else None),
        ("Level", f"EQF {summary.level}" if summary.level else None),
        ("Assessment", summary.assessment),
        ("Quality assurance", summary.quality),
    )
    items += [_Item(value, label=label) for label, value in rows if value]
    if summary.outcomes:
        items.append(_Item("Learning outcomes", heading=True))
        items += [_Item(outcome, bullet=True) for outcome in summary.outcomes]
    return items


@dataclass(frozen=True, slots=True)
class _Row:
    """One printed line of the column: the item it belongs to, and whether it is its first."""

    item: _Item
    text: str
    first: bool


def _rows(page: _Page, items: list[_Item], size: float) -> tuple[list[_Row], bool]:
    """The lines of ``items`` at font ``size``, in order, and whether they are all of them:
    laying out stops once the column is full, so a long credential costs no more than a
    full column (nothing is drawn)."""
    rows: list[_Row] = []
    for item in items:
        if _height(rows, size) > _BODY_BOTTOM - page.body_top:
            return rows, False
        page.style(size, bold=item.heading)
        text = page.clean(item.text, one_line=item.label is not None or item.bullet)
        lines = page.lines(_text_width(item), text, _line(size))
        rows += [_Row(item, line, number == 0) for number, line in enumerate(lines)]
    return rows, _height(rows, size) <= _BODY_BOTTOM - page.body_top


def _line(size: float) -> float:
    return size * _PT * 1.3


def _height(rows: list[_Row], size: float) -> float:
    """Rows take a line each; a new part starts half a line lower."""
    parts = sum(1 for before, row in pairwise(rows) if _starts_part(before, row))
    return _line(size) * (len(rows) + _GAP * parts)


def _starts_part(before: _Row, row: _Row) -> bool:
    """Whether ``row`` begins another kind of entry than ``before``'s (the description, the
    labelled details, the outcomes under their heading)."""
    if not row.first:
        return False
    kind = (row.item.label is not None, row.item.bullet or row.item.heading)
    return kind != (before.item.label is not None, before.item.bullet or before.item.heading)


def _text_width(item: _Item) -> float:
    full = _BODY_RIGHT - _LEFT
    return full - _LABEL_W if item.label else full - 5 if item.bullet else full


def _fitting(page: _Page, items: list[_Item]) -> tuple[float, list[_Row], bool]:
    """The largest of ``_BODY_SIZES`` at which the column fits, its rows, and whether they
    all fit (else the smallest size and the rows that were laid out)."""
    for size in _BODY_SIZES:
        rows, complete = _rows(page, items, size)
        if complete:
            break
    return size, rows, complete


def _body(page: _Page, items: list[_Item]) -> None:
    """The column of what it certifies, at the largest size at which it fits; when it does
    not fit even at the smallest, it is cut short with a pointer to the page, which shows
    all of it."""
    size, rows, complete = _fitting(page, items)
    line = _line(size)
    y = page.body_top
    for index, row in enumerate(rows):
        step = line * _GAP if index and _starts_part(rows[index - 1], row) else 0.0
        if not complete and y + step + 2 * line > _BODY_BOTTOM:  # a line for the pointer
            _draw_row(page, _Row(_Item(_MORE), _MORE, first=False), y, size)
            return
        y += step
        _draw_row(page, row, y, size)
        y += line


def _draw_row(page: _Page, row: _Row, y: float, size: float) -> None:
    pdf = page.pdf
    line = _line(size)
    item = row.item
    x = _LEFT + (_LABEL_W if item.label else 5 if item.bullet else 0)
    if row.first and item.label:
        page.style(size, bold=True, colour=_GREY)
        pdf.set_xy(_LEFT, y)
        pdf.cell(_LABEL_W, line, item.label)
    elif row.first and item.bullet:
        page.style(size)
        pdf.set_xy(_LEFT + 1, y)
        pdf.cell(4, line, "•")
    page.style(size, bold=item.heading, colour=_GREY if item.text == _MORE else _INK)
    pdf.set_xy(x, y)
    pdf.cell(_BODY_RIGHT - x, line, row.text)


def _qr_code(page: _Page, url: str) -> None:
    """The QR code of ``url`` (error correction M), drawn as vector squares, the address
    under it. Runs of dark modules in a row are one rectangle each."""
    pdf = page.pdf
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    module = _QR_SIZE / len(matrix)
    left = _RIGHT - _QR_SIZE
    top = page.body_top + 1  # 4 modules and more below the rule: the quiet zone QR needs
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        for start, length in _runs(cells):
            # a hair of overlap, so no rasteriser leaves a seam between neighbours
            pdf.rect(
                left + start * module,
                top + row * module,
                length * module + 0.02,
                module + 0.02,
                style="F",
            )
    page.style(7, colour=_GREY)
    pdf.set_xy(left - 3, top + _QR_SIZE + 5)  # below the quiet zone
    pdf.multi_cell(
        _QR_SIZE + 6, 3, page.clean(url), align=Align.C, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN
    )


def _runs(cells: bytes | bytearray) -> Iterator[tuple[int, int]]:
    start = None
    for column, dark in enumerate([*cells, 0]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            yield start, column - start
            start = None


def _footer(page: _Page, summary: CredentialSummary, printable: PrintableCredential) -> None:
    """Issuer and dates, the credential's id, its standing and how to verify it."""
    pdf = page.pdf
    y = _BODY_BOTTOM + 4
    pdf.set_draw_color(*_RULE)
    pdf.line(_LEFT, y - 1.5, _RIGHT, y - 1.5)
    issued = [f"Issued by {page.clean(summary.issuer)}"] if summary.issuer else ["Issued"]
    if summary.valid_from:
        issued.append(f"on {_day(summary.valid_from)}")
    if summary.valid_until:
        issued.append(f"· valid until {_day(summary.valid_until)}")
    shown_id = page.clean(summary.credential_id or printable.award.credential_id)
    page.style(9.5)
    pdf.set_xy(_LEFT, y)
    pdf.cell(_RIGHT - _LEFT, 4.6, " ".join(issued), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    page.style(8, colour=_GREY)
    pdf.cell(_RIGHT - _LEFT, 3.8, f"Credential ID: {shown_id}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    withdrawn = printable.standing is not Standing.VALID
    page.style(8, bold=withdrawn, colour=_STAMP if withdrawn else _INK)
    text = _standing_line(printable)
    if page.lost_characters:
        text += (
            f' "{_MISSING}" stands for a character this certificate\'s font cannot print; the '
            "credential and its page hold the exact text."
        )
    pdf.multi_cell(_RIGHT - _LEFT, 3.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _standing_line(printable: PrintableCredential) -> str:
    since = printable.since.date().isoformat() if printable.since else ""
    if printable.standing is Standing.REVOKED:
        return (
            f"REVOKED on {since}: this credential was revoked by its issuer and no longer "
            "verifies. Scan the QR code to see its current status."
        )
    if printable.standing is Standing.SUSPENDED:
        return (
            f"SUSPENDED since {since}: this credential does not verify while its issuer "
            "keeps it suspended. Scan the QR code to see its current status."
        )
    expired = ""
    if printable.standing is Standing.EXPIRED:
        expired = f"EXPIRED on {since}: this credential was valid until that day. "
    return (
        f"{expired}This credential is verifiable online (scan the QR code, or open the address "
        "under it) and offline: its digital form (JSON, or the badge image with the credential "
        "inside) carries the issuer's digital signature, which any Open Badges 3.0 verifier "
        "checks."
    )


def _stamp(page: _Page, standing: Standing) -> None:
    """The standing across the page, large and half transparent: still readable under it,
    and plain on a black-and-white print."""
    pdf = page.pdf
    page.style(96, bold=True, colour=_STAMP)
    word = standing.value.upper()
    width = pdf.get_string_width(word)
    with (
        pdf.local_context(fill_opacity=0.22, text_color=_STAMP),
        pdf.rotation(18, x=_PAGE_W / 2, y=_PAGE_H / 2),
    ):
        pdf.set_xy(_PAGE_W / 2 - width / 2, _PAGE_H / 2 - 16)
        pdf.cell(width, 32, word, align=Align.C)


def _day(value: str) -> str:
    """An ISO 8601 date-time string's day, in UTC (ISO 8601: read the same everywhere)."""
    instant = parse_instant(value)
    return instant.astimezone(dt.UTC).date().isoformat() if instant else value[:10]
