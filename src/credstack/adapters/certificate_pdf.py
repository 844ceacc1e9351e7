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
bundled font files (fpdf2 parses them for each document, as it subsets them in place) and
writes nothing. The page's primitives (font, text, the fitted column) are in
``_certificate_page``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

import segno
from fpdf import Align, XPos, YPos
from fpdf.enums import WrapMode

from credstack.adapters._certificate_page import (
    BODY_BOTTOM,
    BODY_LOWEST_TOP,
    GREY,
    INK,
    LEFT,
    MISSING,
    PAGE_H,
    PAGE_W,
    RIGHT,
    RULE,
    STAMP,
    Item,
    Page,
    draw_column,
)
from credstack.domain.badge_images import default_badge_png
from credstack.ob.credential_summary import CredentialSummary, summarise_credential
from credstack.services.exports import PrintableCredential, Standing
from credstack.vc.credential_fields import parse_instant

__all__ = ["MEDIA_TYPE", "render_certificate"]

__all__ = ["MEDIA_TYPE", "render_certificate"]

MEDIA_TYPE = "application/pdf"
_QR_SIZE = 44.0


def render_certificate(printable: PrintableCredential) -> bytes:
    """The certificate of ``printable`` as the bytes of a one-page A4 landscape PDF."""
    summary = summarise_credential(json.loads(printable.award.credential))
    issued = parse_instant(summary.valid_from)
    name = summary.name or "Untitled credential"
    page = Page(
        title=f"{name} · {summary.learner}" if summary.learner else name,
        author=summary.issuer or "",
        created=issued,
    )
    _frame(page)
    _heading(page, summary, name, printable)
    draw_column(page, _items(summary))
    _qr_code(page, printable.page_url)
    _footer(page, summary, printable)
    if printable.standing is not Standing.VALID:
        _stamp(page, printable.standing)
    return page.output()


def _frame(page: Page) -> None:
    pdf = page.pdf
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.7)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.25)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)


def _heading(
    page: Page, summary: CredentialSummary, name: str, printable: PrintableCredential
) -> None:
    pdf = page.pdf
    issuer = page.clean(summary.issuer or "")
    y = page.centred(16, issuer, 13, bold=True, colour=GREY) if issuer else 16.0
    badge = 28.0
    try:
        pdf.image(io.BytesIO(printable.badge_png), x=PAGE_W / 2 - badge / 2, y=y + 2, h=badge)
    except Exception:  # a definition's picture fpdf2 cannot read: its default badge instead
        fallback = default_badge_png(name, seed=printable.award.achievement_id)
        pdf.image(io.BytesIO(fallback), x=PAGE_W / 2 - badge / 2, y=y + 2, h=badge)
    y += badge + 5
    if summary.learner:
        y = page.centred(y, "This certifies that", 12, colour=GREY)
        y = page.centred(y + 1, page.clean(summary.learner), 30, bold=True)
        y = page.centred(y + 1, "has earned", 12, colour=GREY)
    else:
        y = page.centred(y, "This certifies that the holder of this credential has earned", 12)
    y = page.centred(y + 1, page.clean(name), 22, bold=True)
    page.body_top = min(BODY_LOWEST_TOP, y + 9)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.25)
    pdf.line(LEFT, page.body_top - 4, RIGHT, page.body_top - 4)


def _items(summary: CredentialSummary) -> list[Item]:
    """What the credential certifies, in the order of its page."""
    items = [Item(summary.description)] if summary.description else []
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
    items += [Item(value, label=label) for label, value in rows if value]
    if summary.outcomes:
        items.append(Item("Learning outcomes", heading=True))
        items += [Item(outcome, bullet=True) for outcome in summary.outcomes]
    return items


def _qr_code(page: Page, url: str) -> None:
    """The QR code of ``url`` (error correction M), drawn as vector squares, the address
    under it. Runs of dark modules in a row are one rectangle each."""
    pdf = page.pdf
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    module = _QR_SIZE / len(matrix)
    left = RIGHT - _QR_SIZE
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
    page.style(7, colour=GREY)
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


def _footer(page: Page, summary: CredentialSummary, printable: PrintableCredential) -> None:
    """Issuer and dates, the credential's id, its standing and how to verify it."""
    pdf = page.pdf
    y = BODY_BOTTOM + 4
    pdf.set_draw_color(*RULE)
    pdf.line(LEFT, y - 1.5, RIGHT, y - 1.5)
    issued = [f"Issued by {page.clean(summary.issuer)}"] if summary.issuer else ["Issued"]
    if summary.valid_from:
        issued.append(f"on {_day(summary.valid_from)}")
    if summary.valid_until:
        issued.append(f"· valid until {_day(summary.valid_until)}")
    shown_id = page.clean(summary.credential_id or printable.award.credential_id)
    page.style(9.5)
    pdf.set_xy(LEFT, y)
    pdf.cell(RIGHT - LEFT, 4.6, " ".join(issued), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    page.style(8, colour=GREY)
    pdf.cell(RIGHT - LEFT, 3.8, f"Credential ID: {shown_id}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    withdrawn = printable.standing is not Standing.VALID
    page.style(8, bold=withdrawn, colour=STAMP if withdrawn else INK)
    pdf.multi_cell(RIGHT - LEFT, 3.6, _standing_line(printable), new_x=XPos.LMARGIN)
    if page.lost_characters:
        page.style(8, colour=GREY)
        pdf.multi_cell(
            RIGHT - LEFT,
            3.6,
            f'"{MISSING}" stands for a character this certificate\'s font cannot print; the '
            "credential and its page hold the exact text.",
            new_x=XPos.LMARGIN,
        )


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


def _stamp(page: Page, standing: Standing) -> None:
    """The standing across the page, large and half transparent: still readable under it,
    and plain on a black-and-white print."""
    pdf = page.pdf
    page.style(96, bold=True, colour=STAMP)
    word = standing.value.upper()
    width = pdf.get_string_width(word)
    with (
        pdf.local_context(fill_opacity=0.22, text_color=STAMP),
        pdf.rotation(18, x=PAGE_W / 2, y=PAGE_H / 2),
    ):
        pdf.set_xy(PAGE_W / 2 - width / 2, PAGE_H / 2 - 16)
        pdf.cell(width, 32, word, align=Align.C)


def _day(value: str) -> str:
    """An ISO 8601 date-time string's day, in UTC (ISO 8601: read the same everywhere)."""
    instant = parse_instant(value)
    return instant.astimezone(dt.UTC).date().isoformat() if instant else value[:10]
