"""The certificate's page: its font, its geometry, its text, and the column of what a
credential certifies, laid out to fit.

The font is Source Sans Pro 2.020 (SIL OFL 1.1) from the ``font-source-sans-pro`` package,
read from the installed package data (parsed for each document; what it covers, once per
process); only its regular and semibold faces
are used, as its italics lack Greek and Cyrillic. ``Page.clean`` is the one way text gets on
the page, so every string is normalised and checked against what the font can draw.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from fpdf import FPDF, Align, XPos
from fpdf.enums import WrapMode
from fpdf.fonts import TTFFont

__all__ = [
    "BODY_BOTTOM",
    "BODY_LOWEST_TOP",
    "GREY",
    "INK",
    "LEFT",
    "MISSING",
    "PAGE_H",
    "PAGE_W",
    "RIGHT",
    "RULE",
    "STAMP",
    "Item",
    "Page",
    "draw_column",
]

_FONT_PACKAGE = "font_source_sans_pro"
_FONT_FILES = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Semibold.ttf"}
_FAMILY = "certificate-sans"
MISSING = "?"  # what stands in for a character the font cannot draw
Colour = tuple[int, int, int]
INK: Colour = (31, 41, 55)
GREY = (90, 98, 110)
RULE = (150, 156, 165)
STAMP = (170, 20, 30)
PAGE_W, PAGE_H = 297.0, 210.0
LEFT, RIGHT = 20.0, 277.0
_BODY_RIGHT = 212.0  # the text column ends here; the QR code sits to its right
BODY_BOTTOM = 174.0
BODY_LOWEST_TOP = 113.0  # where the column starts at the latest (a heading of many lines)
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
class Item:
    """One entry of the "what it certifies" column: a paragraph, a labelled row, a bullet."""

    text: str
    label: str | None = None
    bullet: bool = False
    heading: bool = False


class Page:
    """An FPDF page with the certificate's fonts, and a note of characters it could not draw."""

    def __init__(self, title: str, author: str, created: dt.datetime | None) -> None:
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(LEFT, 15, PAGE_W - RIGHT)
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
        self.body_top = BODY_LOWEST_TOP  # moved up under a short heading

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
                    char = MISSING
                kept.append(char)
            out.append("".join(kept))
        return "\n".join(line for line in out if line)

    def style(self, size: float, *, bold: bool = False, colour: Colour = INK) -> None:
        self.pdf.set_font(_FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def centred(self, y: float, text: str, size: float, *, bold: bool = False, **kw: Any) -> float:
        """``text`` centred at ``y``, shrunk (to 60%) to fit the width, then wrapped; the y
        below it."""
        smallest = size * 0.6
        self.style(size, bold=bold, **kw)
        while self.pdf.get_string_width(text) > RIGHT - LEFT and size > smallest:
            size -= 1
            self.style(size, bold=bold, **kw)
        self.pdf.set_xy(LEFT, y)
        self.pdf.multi_cell(
            RIGHT - LEFT, size * _PT * 1.25, text, align=Align.C, new_x=XPos.LMARGIN
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


@dataclass(frozen=True, slots=True)
class _Row:
    """One printed line of the column: the item it belongs to, and whether it is its first."""

    item: Item
    text: str
    first: bool


def _rows(page: Page, items: list[Item], size: float) -> tuple[list[_Row], bool]:
    """The lines of ``items`` at font ``size``, in order, and whether they are all of them:
    laying out stops once the column is full, so a long credential costs no more than a
    full column (nothing is drawn)."""
    rows: list[_Row] = []
    for item in items:
        if _height(rows, size) > BODY_BOTTOM - page.body_top:
            return rows, False
        page.style(size, bold=item.heading)
        text = page.clean(item.text, one_line=item.label is not None or item.bullet)
        lines = page.lines(_text_width(item), text, _line(size))
        rows += [_Row(item, line, number == 0) for number, line in enumerate(lines)]
    return rows, _height(rows, size) <= BODY_BOTTOM - page.body_top


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


def _text_width(item: Item) -> float:
    full = _BODY_RIGHT - LEFT
    return full - _LABEL_W if item.label else full - 5 if item.bullet else full


def _fitting(page: Page, items: list[Item]) -> tuple[float, list[_Row], bool]:
    """The largest of ``_BODY_SIZES`` at which the column fits, its rows, and whether they
    all fit (else the smallest size and the rows that were laid out)."""
    for size in _BODY_SIZES:
        rows, complete = _rows(page, items, size)
        if complete:
            break
    return size, rows, complete


def draw_column(page: Page, items: list[Item]) -> None:
    """The column of what it certifies, at the largest size at which it fits; when it does
    not fit even at the smallest, it is cut short with a pointer to the page, which shows
    all of it."""
    size, rows, complete = _fitting(page, items)
    line = _line(size)
    y = page.body_top
    for index, row in enumerate(rows):
        step = line * _GAP if index and _starts_part(rows[index - 1], row) else 0.0
        if not complete and y + step + 2 * line > BODY_BOTTOM:  # a line for the pointer
            _draw_row(page, _Row(Item(_MORE), _MORE, first=False), y, size)
            return
        y += step
        _draw_row(page, row, y, size)
        y += line


def _draw_row(page: Page, row: _Row, y: float, size: float) -> None:
    pdf = page.pdf
    line = _line(size)
    item = row.item
    x = LEFT + (_LABEL_W if item.label else 5 if item.bullet else 0)
    if row.first and item.label:
        page.style(size, bold=True, colour=GREY)
        pdf.set_xy(LEFT, y)
        pdf.cell(_LABEL_W, line, item.label)
    elif row.first and item.bullet:
        page.style(size)
        pdf.set_xy(LEFT + 1, y)
        pdf.cell(4, line, "•")
    page.style(size, bold=item.heading, colour=GREY if item.text == _MORE else INK)
    pdf.set_xy(x, y)
    pdf.cell(_BODY_RIGHT - x, line, row.text)
