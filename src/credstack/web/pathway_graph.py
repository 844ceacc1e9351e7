"""The picture of a learner's progress on a pathway (issue 8): an SVG drawing of the
requirement tree, one box per requirement saying what it asks and whether it is met.

Pure: a ``PathwayProgress`` in, the SVG's text out, no I/O, and the same input gives the same
bytes (so a page can cache it and a test can compare it). The layout is an indented tree,
the way a file tree is drawn: every box on a row of its own, in the order the pathway is
written, shifted right by its depth, with elbow lines from each parent to its children
(decision 0033 says why not a top-down or layered drawing). Boxes therefore never overlap
and the picture keeps one width however wide the tree grows.

What is met is told by a glyph, a word and the border's pattern, the colour only adding to
them; all colours are fixed on a solid background of the SVG's own, so a dark page shows the
same light card. Text is escaped by ElementTree, and characters XML cannot hold are replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator, Mapping
from types import MappingProxyType

from credstack.domain.holdings import HoldingSource
from credstack.domain.pathways import (
    AllOf,
    AtLeast,
    CredentialLeaf,
    CreditsFrom,
    Node,
    NodeProgress,
    PathwayProgress,
)

__all__ = ["State", "pathway_svg"]

#: the layout, in pixels (user units of the viewBox)
BOX_WIDTH = 440
INDENT = 32
MARGIN = 16
GAP = 12
PAD = 10
TITLE_SIZE, TITLE_LINE = 15, 19
TEXT_SIZE, TEXT_LINE = 13, 17
HEADING_SIZE, HEADING_LINE = 18, 23
#: the colours (each text colour has at least 4.5:1 on the fill it is drawn on; see tests)
BACKGROUND, CARD_BORDER, INK, INK_SOFT, EDGE = "#ffffff", "#8c8c8c", "#1a1a1a", "#3b3b3b", "#545454"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"
_NO_NAMES: Mapping[str, str] = MappingProxyType({})
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
#: what XML 1.0 cannot carry (most control characters, lone surrogates, U+FFFE and U+FFFF)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class State(enum.StrEnum):
    """What a box says of its requirement (the ``data-state`` of its group)."""

    MET = "met"
    NEXT = "next"  # a missing credential on the shortest remaining route
    MISSING = "missing"  # a credential the learner still needs (or may choose, for at least N)
    NOT_MET = "not-met"  # a combination or credits node not met yet
    NOT_NEEDED = "not-needed"  # unmet, but under a met requirement: it no longer matters


@dataclasses.dataclass(frozen=True, slots=True)
class _Look:
    fill: str
    stroke: str
    stroke_width: str
    dashes: str | None  # the border's pattern: the second sign besides the glyph and word
    glyph: str
    word: str
    word_colour: str


_LOOKS = {
    State.MET: _Look("#e7f5ec", "#1d6b36", "3", None, "\u2713", "Met", "#1a5c2f"),
    State.NEXT: _Look("#fff4e3", "#8a4a00", "3", "9 4", "\u2192", "Next", "#7a4100"),
    State.MISSING: _Look("#ffffff", "#545454", "1.5", "6 4", "\u25cb", "Missing", INK_SOFT),
    State.NOT_MET: _Look("#ffffff", "#545454", "1.5", None, "\u25cb", "Not met", INK_SOFT),
    State.NOT_NEEDED: _Look("#f2f2f2", "#767676", "1", "2 3", "\u2013", "Not needed", "#4a4a4a"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class _Box:
    """One requirement placed: where its box is and the lines written in it."""

    progress: NodeProgress
    state: State
    depth: int
    x: int
    y: int
    height: int
    title: str
    title_lines: tuple[str, ...]
    kind: str
    status: str
    parent: str | None


def pathway_svg(
    progress: PathwayProgress,
    *,
    route: Collection[str] = (),
    names: Mapping[str, str] = _NO_NAMES,
) -> str:
    """The SVG document (text, no XML declaration, to inline in a page or serve as
    ``image/svg+xml``) that draws ``progress``'s requirement tree.

    ``route``: achievement ids of the shortest remaining route (``shortest_route``); the
    missing credentials among them are marked "next". ``names``: display names of
    achievement ids (the catalogue's), used for credential leaves left untitled and for
    sources named by id. The SVG has ``role="img"``, a ``<title>`` and a ``<desc>`` (a text
    summary: how much is met, what is missing, what is next) that name it; each box is a
    group with ``data-node`` (the requirement id) and ``data-state`` (a ``State``).
    """
    next_up = frozenset(route)
    boxes = _layout(progress, next_up, names)
    heading, summary = _clean(progress.spec.name), _summary(progress, next_up, names)
    deepest = max(box.depth for box in boxes)
    width = MARGIN * 2 + BOX_WIDTH + INDENT * max(deepest, 4)
    heading_lines = _wrap(heading, width - 2 * MARGIN, HEADING_SIZE, 2, bold=True)
    short = _wrap(_short_summary(progress), width - 2 * MARGIN, TEXT_SIZE, 2)
    notes = _notes(progress, names, width - 2 * MARGIN)
    top = MARGIN + len(heading_lines) * HEADING_LINE + len(short) * TEXT_LINE + GAP
    placed = [dataclasses.replace(box, y=box.y + top) for box in boxes]
    bottom = placed[-1].y + placed[-1].height + GAP
    height = bottom + len(notes) * TEXT_LINE + MARGIN

    prefix = f"pathway-{progress.spec.id}"
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg",
        "role": "img",
        "aria-labelledby": f"{prefix}-title {prefix}-desc",
        "width": str(width),
        "height": str(height),
        "viewBox": f"0 0 {width} {height}",
        "font-family": FONT,
        "data-pathway": progress.spec.id,
    })  # fmt: skip
    _sub(svg, "title", {"id": f"{prefix}-title"}, f"{heading}: your progress")
    _sub(svg, "desc", {"id": f"{prefix}-desc"}, summary)
    _sub(svg, "rect", {"x": "0.5", "y": "0.5", "width": str(width - 1), "height": str(height - 1),
                       "rx": "8", "fill": BACKGROUND, "stroke": CARD_BORDER})  # fmt: skip
    y = MARGIN
    for line in heading_lines:
        y += HEADING_LINE
        _text(svg, MARGIN, y - 5, line, HEADING_SIZE, INK, bold=True)
    for line in short:
        y += TEXT_LINE
        _text(svg, MARGIN, y - 4, line, TEXT_SIZE, INK_SOFT)
    _draw_edges(svg, placed)
    for box in placed:
        _draw_box(svg, box)
    y = bottom
    for line in notes:
        y += TEXT_LINE
        _text(svg, MARGIN, y - 4, line, TEXT_SIZE, INK_SOFT)
    return ET.tostring(svg, encoding="unicode")


# --- what the boxes say ---------------------------------------------------------------------


def _layout(
    progress: PathwayProgress, route: frozenset[str], names: Mapping[str, str]
) -> list[_Box]:
    """The boxes in tree order, each below the last (y from 0; the caller adds the header)."""
    missing = {leaf.id for leaf in progress.missing()}
    boxes: list[_Box] = []
    y = 0
    for node, depth, parent, settled in _walk(progress.root, 0, None, False):
        state = _state(node, missing, route, settled)
        title = _title(node.node, names)
        lines = tuple(_wrap(title, BOX_WIDTH - 2 * PAD, TITLE_SIZE, 2, bold=True))
        height = PAD * 2 + len(lines) * TITLE_LINE + 2 * TEXT_LINE
        x = MARGIN + depth * INDENT
        kind, status = _kind(node.node, names), _status(node, state, names)
        boxes.append(_Box(node, state, depth, x, y, height, title, lines, kind, status, parent))
        y += height + GAP
    return boxes


def _walk(
    node: NodeProgress, depth: int, parent: str | None, settled: bool
) -> Iterator[tuple[NodeProgress, int, str | None, bool]]:
    """Parents first; ``settled``: some ancestor is met (what is under it no longer counts)."""
    yield node, depth, parent, settled
    for child in node.children:
        yield from _walk(child, depth + 1, node.node.id, settled or node.met)


def _state(node: NodeProgress, missing: set[str], route: frozenset[str], settled: bool) -> State:
    if node.met:
        return State.MET
    if isinstance(node.node, CredentialLeaf) and node.node.id in missing:
        return State.NEXT if node.node.achievement in route else State.MISSING
    return State.NOT_NEEDED if settled else State.NOT_MET


def _title(node: Node, names: Mapping[str, str]) -> str:
    """The node's title; an untitled leaf (its title is its id or achievement) and a source
    named by achievement id take the achievement's display name when there is one."""
    if isinstance(node, CredentialLeaf) and node.title in {node.id, node.achievement}:
        return _clean(names.get(node.achievement, node.title))
    return _clean(node.title)


def _kind(node: Node, names: Mapping[str, str]) -> str:
    if isinstance(node, CredentialLeaf):
        kind = f"The credential: {names.get(node.achievement, node.achievement)}"
    elif isinstance(node, AllOf):
        kind = f"All of these {len(node.children)}"
    elif isinstance(node, AtLeast):
        kind = f"At least {node.count} of these {len(node.children)}"
    else:
        kind = f"{_amount(node.minimum)} {node.unit.value} from these {len(node.sources)}"
    if node.min_eqf is not None:
        kind += f", EQF level {node.min_eqf} or above"
    return _clean(kind)


def _status(progress: NodeProgress, state: State, names: Mapping[str, str]) -> str:
    """The status line: the glyph and word, then what counted or how far it is."""
    look, node = _LOOKS[state], progress.node
    head = f"{look.glyph} {look.word}"
    if isinstance(node, CredentialLeaf):
        found = progress.credential
        if found is not None:
            name = found.name or names.get(node.achievement, node.achievement)
            other = " (recognised)" if found.source is HoldingSource.RECOGNISED else ""
            return _clean(f"{head}: {name}{other}")
        return f"{head}: earn it" if state is State.NEXT else head
    if isinstance(node, CreditsFrom):
        total = progress.credits.amount if progress.credits is not None else decimal.Decimal(0)
        return f"{head}: {_amount(total)} of {_amount(node.minimum)} {node.unit.value}"
    return f"{head}: {progress.done} of {progress.needed}"


def _short_summary(progress: PathwayProgress) -> str:
    root = progress.root
    if progress.met:
        return "\u2713 Complete: every requirement needed is met."
    return f"Not complete yet: {_root_count(root)}."


def _root_count(root: NodeProgress) -> str:
    node = root.node
    if isinstance(node, CreditsFrom):
        total = root.credits.amount if root.credits is not None else decimal.Decimal(0)
        return f"{_amount(total)} of {_amount(node.minimum)} {node.unit.value}"
    if isinstance(node, AtLeast):
        return f"{min(root.done, root.needed)} of the {root.needed} requirements needed met"
    if isinstance(node, AllOf):
        return f"{root.done} of {root.needed} requirements met"
    return "the credential is missing"


def _summary(progress: PathwayProgress, route: frozenset[str], names: Mapping[str, str]) -> str:
    """The ``<desc>``: the picture in words, for whoever cannot see it."""
    if progress.met:
        return "Complete: every requirement needed is met."
    missing = [_title(leaf, names) for leaf in progress.missing()]
    parts = [_root_count(progress.root), f"missing: {', '.join(missing)}"]
    if route:
        parts.append(f"next: {', '.join(_clean(names.get(a, a)) for a in sorted(route))}")
    if progress.window_closes is not None:
        parts.append(f"each must be issued by {_date(progress.window_closes)}")
    return "; ".join(parts) + "."


def _notes(progress: PathwayProgress, names: Mapping[str, str], width: int) -> list[str]:
    """Lines under the tree: the window and the order, which no box shows."""
    spec, notes = progress.spec, []
    if spec.within is not None:
        note = f"All within {spec.within.amount} {spec.within.unit.value}"
        if progress.window_closes is not None and not progress.met:
            note += f": the last may be issued on {_date(progress.window_closes)}"
        notes.append(note + ".")
    titles = {found.node.id: _title(found.node, names) for found in _nodes(progress.root)}
    for before, after in spec.order:
        notes.append(f"{titles.get(before, before)} before {titles.get(after, after)}.")
    return [_wrap(_clean(note), width, TEXT_SIZE, 1)[0] for note in notes]


def _nodes(node: NodeProgress) -> Iterator[NodeProgress]:
    yield node
    for child in node.children:
        yield from _nodes(child)


# --- drawing -------------------------------------------------------------------------------


def _draw_edges(svg: ET.Element, boxes: list[_Box]) -> None:
    """Elbow lines: down from the parent's box at half an indent, then right into the child
    (the trunk runs left of every box between, which are all indented further)."""
    where = {box.progress.node.id: box for box in boxes}
    for box in boxes:
        if box.parent is None:
            continue
        parent = where[box.parent]
        trunk, middle = parent.x + INDENT // 2, box.y + box.height // 2
        _sub(svg, "path", {
            "d": f"M{trunk} {parent.y + parent.height}V{middle}H{box.x}",
            "fill": "none", "stroke": EDGE, "stroke-width": "1.5",
            "data-from": box.parent, "data-to": box.progress.node.id,
        })  # fmt: skip


def _draw_box(svg: ET.Element, box: _Box) -> None:
    look = _LOOKS[box.state]
    group = _sub(svg, "g", {"data-node": box.progress.node.id, "data-state": box.state.value})
    _sub(group, "title", {}, "\n".join([box.title, box.kind, box.status]))
    rect = {
        "x": str(box.x),
        "y": str(box.y),
        "width": str(BOX_WIDTH),
        "height": str(box.height),
        "rx": "6",
        "fill": look.fill,
        "stroke": look.stroke,
        "stroke-width": look.stroke_width,
    }
    if look.dashes:
        rect["stroke-dasharray"] = look.dashes
    _sub(group, "rect", rect)
    x, y = box.x + PAD, box.y + PAD
    for line in box.title_lines:
        y += TITLE_LINE
        _text(group, x, y - 5, line, TITLE_SIZE, INK, bold=True)
    inner = BOX_WIDTH - 2 * PAD
    y += TEXT_LINE
    _text(group, x, y - 4, _wrap(box.kind, inner, TEXT_SIZE, 1)[0], TEXT_SIZE, INK_SOFT)
    y += TEXT_LINE
    status = _wrap(box.status, inner, TEXT_SIZE, 1, bold=True)[0]
    _text(group, x, y - 4, status, TEXT_SIZE, look.word_colour, bold=True)


def _text(parent: ET.Element, x: int, y: int, text: str, size: int, colour: str, *,
          bold: bool = False) -> None:  # fmt: skip
    attributes = {"x": str(x), "y": str(y), "font-size": str(size), "fill": colour}
    if bold:
        attributes["font-weight"] = "bold"
    _sub(parent, "text", attributes, text)


def _sub(
    parent: ET.Element, tag: str, attributes: dict[str, str], text: str | None = None
) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


# --- text ----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """``text`` as XML can carry it (ElementTree escapes ``<``, ``&`` and quotes, but writes
    a control character as it is, which no parser accepts)."""
    return _NOT_XML.sub("\ufffd", text)


def _width(text: str, size: int, bold: bool = False) -> float:
    """A generous estimate of the width ``text`` takes (no font metrics here): wide East
    Asian characters one em, combining marks none, the rest 0.6 em (0.66 bold)."""
    narrow = 0.66 if bold else 0.6
    total = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 1.0 if unicodedata.east_asian_width(char) in {"W", "F"} else narrow
    return total * size


def _wrap(text: str, width: int, size: int, most: int, *, bold: bool = False) -> list[str]:
    """``text`` in at most ``most`` lines of ``width``, broken at spaces (inside a word too
    long for a line), the last line ending in an ellipsis when some is left out."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if len(lines) > most:
            break  # enough is known: the rest is cut anyway
        joined = f"{current} {word}" if current else word
        if _width(joined, size, bold) <= width:
            current = joined
            continue
        if current:
            lines.append(current)
        while _width(word, size, bold) > width and len(lines) <= most:
            cut = _fits(word, width, size, bold)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) <= most:
        return lines or [""]
    last = lines[most - 1]
    while last and _width(last + "\u2026", size, bold) > width:
        last = last[:-1]
    return [*lines[: most - 1], last.rstrip() + "\u2026"]


def _fits(word: str, width: int, size: int, bold: bool) -> int:
    """How many of ``word``'s first characters fit in ``width`` (one at least)."""
    used = 0.0
    for count, char in enumerate(word):
        used += _width(char, size, bold)
        if used > width:
            return max(count, 1)
    return len(word)


def _amount(amount: decimal.Decimal) -> str:
    """``2.5``, ``5``: the amount without exponent or trailing zeros."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


def _date(moment: dt.datetime) -> str:
    """``5 January 2029``: the same on every machine, whatever its locale."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
