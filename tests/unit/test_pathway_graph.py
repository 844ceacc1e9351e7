"""The pathway picture (``web.pathway_graph``): a well-formed, accessible SVG of the tree whose
boxes say what is met, missing and next, with every text escaped, the same bytes for the same
input, and a layout in which no two boxes (nor a line and a box) ever meet."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack.domain.holdings import Credit, CreditUnit, HeldCredential, HoldingSource
from credstack.domain.pathways import (
    CatalogueEntry,
    PathwayProgress,
    evaluate_pathway,
    parse_pathway_data,
    shortest_route,
    walk,
)
from credstack.services.pathway_files import parse_pathway
from credstack.web.pathway_graph import pathway_svg

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SVG = "{http://www.w3.org/2000/svg}"
DOC = Path(__file__).parents[2] / "docs" / "pathways.md"
D = decimal.Decimal

CATALOGUE = {
    "data-analyst-certificate": CatalogueEntry("Data Analyst", None, (), 5),
    "data-foundations": CatalogueEntry("Foundations", 50, (Credit(D(2), CreditUnit.ECTS),), 5),
    "data-visualisation": CatalogueEntry(
        "Visualisation", 60, (Credit(D("2.5"), CreditUnit.ECTS),), 5
    ),
    "statistical-modelling": CatalogueEntry("Modelling", 125, (Credit(D(5), CreditUnit.ECTS),), 6),
    "open-data-literacy": CatalogueEntry("Open data", 75, (Credit(D(3), CreditUnit.ECTS),), 5),
    "data-ethics": CatalogueEntry("Ethics", 50, (Credit(D(2), CreditUnit.ECTS),), 5),
}
NAMES = {key: entry.name for key, entry in CATALOGUE.items()}


def held(
    cid: str,
    achievement: str,
    *,
    ects: str = "0",
    name: str = "",
    days: int = 30,
    source: HoldingSource = HoldingSource.AWARD,
) -> HeldCredential:
    credits = (Credit(D(ects), CreditUnit.ECTS),) if ects != "0" else ()
    at = NOW - dt.timedelta(days=days)
    return HeldCredential(cid, source, frozenset({achievement}), "acme", at, credits, 6, True, name)


def doc_progress(*credentials: HeldCredential) -> PathwayProgress:
    found = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found is not None
    return evaluate_pathway(parse_pathway(found.group(1)), list(credentials), NOW)


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises ParseError unless well-formed


def groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.attrib["data-node"]: g for g in root.iter(f"{SVG}g")}


def states(root: ET.Element) -> dict[str, str]:
    return {node: g.attrib["data-state"] for node, g in groups(root).items()}


def visible(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def tooltip(group: ET.Element) -> str:
    found = group.find(f"{SVG}title")
    assert found is not None
    return found.text or ""


def desc(root: ET.Element) -> str:
    found = root.find(f"{SVG}desc")
    assert found is not None
    return found.text or ""


# --- the document --------------------------------------------------------------------------


def test_the_svg_is_an_image_named_by_its_title_and_described_in_words() -> None:
    root = parsed(pathway_svg(doc_progress(), names=NAMES))
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    first, second, background = list(root)[:3]
    assert (first.tag, second.tag) == (f"{SVG}title", f"{SVG}desc")
    assert root.attrib["aria-labelledby"].split() == [first.attrib["id"], second.attrib["id"]]
    assert first.text == "Professional Certificate in Data Analysis: your progress"
    assert desc(root).startswith("0 of 3 requirements met; missing: Data foundations,")
    # a solid background of its own, the whole size of the picture: it reads the same on a
    # dark page
    width, height = int(root.attrib["width"]), int(root.attrib["height"])
    assert root.attrib["viewBox"] == f"0 0 {width} {height}"
    assert background.tag == f"{SVG}rect"
    assert background.attrib["fill"] == "#ffffff"
    assert float(background.attrib["width"]) >= width - 1
    assert float(background.attrib["height"]) >= height - 1


def test_every_requirement_has_a_box_with_its_title_and_edges_go_parent_to_child() -> None:
    progress = doc_progress()
    root = parsed(pathway_svg(progress))
    boxes = groups(root)
    spec_nodes = [n.id for n in walk(progress.spec.requirements)]
    sources = [
        f"electives/{a}" for a in ("statistical-modelling", "open-data-literacy", "data-ethics")
    ]
    assert list(boxes) == ["certificate", "foundations", "visualisation", "electives", *sources]
    assert set(spec_nodes) <= set(boxes)
    titles = {
        "certificate": "Professional Certificate in Data Analysis",
        "foundations": "Data foundations",
        "visualisation": "Data visualisation",
    }
    for node, title in titles.items():
        assert tooltip(boxes[node]).splitlines()[0] == title
        assert title in visible(boxes[node])
    edges = [(p.attrib["data-from"], p.attrib["data-to"]) for p in root.iter(f"{SVG}path")]
    assert edges == [
        ("certificate", "foundations"),
        ("certificate", "visualisation"),
        ("certificate", "electives"),
    ] + [("electives", s) for s in sources]


def test_kinds_are_said_in_words() -> None:
    data = {
        "id": "p",
        "name": "P",
        "target": "t",
        "requirements": {
            "id": "all",
            "title": "Everything",
            "all_of": [
                {
                    "id": "two",
                    "title": "Two of three",
                    "at_least": 2,
                    "min_eqf": 5,
                    "of": [
                        {"id": "a", "credential": "a"},
                        {"id": "b", "credential": "b"},
                        {"id": "c", "title": "Course C", "credential": "c"},
                    ],
                },
                {
                    "id": "cr",
                    "title": "Credit",
                    "credits": {"min": 2.5, "unit": "hours"},
                    "from": ["d"],
                },
            ],
        },
    }
    root = parsed(
        pathway_svg(evaluate_pathway(parse_pathway_data(data), [], NOW), names={"a": "Alpha"})
    )
    boxes = groups(root)
    assert "All of these 2" in visible(boxes["all"])
    assert "At least 2 of these 3, EQF level 5 or above" in visible(boxes["two"])
    assert "2.5 hours from these 1" in visible(boxes["cr"])
    assert "0 of 2.5 hours" in visible(boxes["cr"])
    # an untitled leaf takes its achievement's name; a titled one keeps its title
    assert visible(boxes["a"]).startswith("Alpha The credential: Alpha")
    assert visible(boxes["c"]).startswith("Course C The credential: c")
    assert visible(boxes["cr/d"]).startswith("d The credential: d")


# --- what is met, missing and next ---------------------------------------------------------


def test_nothing_held_everything_missing_and_the_route_marked_next() -> None:
    progress = doc_progress()
    route = shortest_route(progress, CATALOGUE)
    assert route == ["data-foundations", "data-visualisation", "statistical-modelling"]
    root = parsed(pathway_svg(progress, route=route, names=NAMES))
    assert states(root) == {
        "certificate": "not-met",
        "foundations": "next",
        "visualisation": "next",
        "electives": "not-met",
        "electives/statistical-modelling": "next",
        "electives/open-data-literacy": "missing",
        "electives/data-ethics": "missing",
    }
    boxes = groups(root)
    assert "\u2192 Next: earn it" in visible(boxes["foundations"])
    assert "\u25cb Missing" in visible(boxes["electives/data-ethics"])
    assert "0 of 5 ECTS" in visible(boxes["electives"])
    assert "next: Foundations, Visualisation, Modelling." in desc(root)
    # without a route nothing is "next": only missing
    plain = states(parsed(pathway_svg(progress)))
    assert "next" not in plain.values()
    assert plain["foundations"] == "missing"


def test_part_met_shows_what_counted_and_the_credit_so_far() -> None:
    progress = doc_progress(
        held("f1", "data-foundations", ects="2", name="Data Foundations 2026", days=200),
        held(
            "o1",
            "open-data-literacy",
            ects="3",
            name="Open Data (Uni)",
            source=HoldingSource.RECOGNISED,
        ),
    )
    route = shortest_route(progress, CATALOGUE)
    root = parsed(pathway_svg(progress, route=route or (), names=NAMES))
    boxes = groups(root)
    assert states(root)["foundations"] == "met"
    assert "\u2713 Met: Data Foundations 2026" in visible(boxes["foundations"])
    assert "\u2713 Met: Open Data (Uni) (recognised)" in visible(
        boxes["electives/open-data-literacy"]
    )
    assert "\u25cb Not met: 3 of 5 ECTS" in visible(boxes["electives"])
    assert states(root)["visualisation"] == "next"
    assert desc(root).startswith("1 of 3 requirements met; missing: Data visualisation, ")
    assert "each must be issued by" in desc(root)
    # each state has a border of its own too, not only its colour
    borders = {
        g.attrib["data-state"]: (r.attrib["stroke-width"], r.attrib.get("stroke-dasharray"))
        for g in boxes.values()
        if (r := g.find(f"{SVG}rect")) is not None
    }
    assert set(borders) == {"met", "next", "missing", "not-met"}
    assert len(set(borders.values())) == len(borders)
    assert borders["met"] == ("3", None)


def test_complete_every_needed_met_and_the_spare_source_not_needed() -> None:
    progress = doc_progress(
        held("f1", "data-foundations", days=300),
        held("v1", "data-visualisation", days=200),
        held("m1", "statistical-modelling", ects="5", name="Modelling I"),
    )
    assert progress.met
    root = parsed(pathway_svg(progress, route=shortest_route(progress, CATALOGUE) or ()))
    found = states(root)
    assert found["certificate"] == found["electives"] == "met"
    assert found["electives/open-data-literacy"] == "not-needed"
    assert "\u2013 Not needed" in visible(groups(root)["electives/data-ethics"])
    assert "5 of 5 ECTS" in visible(groups(root)["electives"])
    assert desc(root) == "Complete: every requirement needed is met."


# --- escaping, determinism -------------------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    'Tom & Jerry\'s "best" <b>course</b>',
    "データ分析の基礎と応用",
    "Ελληνικά · Кириллица · العربية",
    "]]> &amp; &#x3c; <!-- -->",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_every_text_is_escaped_and_reads_back_as_written(title: str) -> None:
    data = {
        "id": "p",
        "name": title,
        "target": "t",
        "requirements": {
            "id": "all",
            "title": title,
            "all_of": [
                {"id": "a", "title": title, "credential": "a"},
                {"id": "b", "credential": "b"},
            ],
        },
    }
    progress = evaluate_pathway(parse_pathway_data(data), [held("x", "a", name=title)], NOW)
    svg = pathway_svg(progress, route=["b"], names={"b": title})
    for raw in ("<script", "<b>", "<!--"):
        assert raw not in svg
    root = parsed(svg)
    boxes = groups(root)
    for node in ("all", "a", "b"):
        assert tooltip(boxes[node]).splitlines()[0] == title
    assert f"Met: {title}" in tooltip(boxes["a"])
    assert root.find(f"{SVG}title").text == f"{title}: your progress"  # type: ignore[union-attr]
    assert desc(root).endswith(f"missing: {title}; next: {title}.")


def test_characters_xml_cannot_hold_are_replaced_not_written() -> None:
    data = {
        "id": "p",
        "name": "Bell\x07 and \ufffe",
        "target": "t",
        "requirements": {"id": "a", "title": "Null\x00byte\x1b", "credential": "a"},
    }
    root = parsed(pathway_svg(evaluate_pathway(parse_pathway_data(data), [], NOW)))
    assert tooltip(groups(root)["a"]).splitlines()[0] == "Null\ufffdbyte\ufffd"


def test_a_long_title_is_wrapped_cut_with_an_ellipsis_and_kept_whole_in_its_tooltip() -> None:
    title = "word " * 1_000 + "x" * 4_000
    data = {
        "id": "p",
        "name": "P",
        "target": "t",
        "requirements": {"id": "a", "title": title.strip(), "credential": "a"},
    }
    started = time.perf_counter()
    root = parsed(pathway_svg(evaluate_pathway(parse_pathway_data(data), [], NOW)))
    assert time.perf_counter() - started < 1
    box = groups(root)["a"]
    lines = [t.text or "" for t in box.iter(f"{SVG}text")]
    assert len(lines) == 4  # two of title, the kind, the status
    assert lines[1].endswith("\u2026")
    assert tooltip(box).splitlines()[0] == title.strip()
    unbroken = {
        "id": "p",
        "name": "P",
        "target": "t",
        "requirements": {"id": "a", "title": "x" * 10_000, "credential": "a"},
    }
    box = groups(parsed(pathway_svg(evaluate_pathway(parse_pathway_data(unbroken), [], NOW))))["a"]
    assert [t.text for t in box.iter(f"{SVG}text")][1].endswith("x\u2026")  # type: ignore[union-attr]


def test_the_same_input_gives_the_same_bytes_whatever_order_the_route_comes_in() -> None:
    progress = doc_progress(held("f1", "data-foundations", ects="2"))
    route = ["statistical-modelling", "data-visualisation"]
    first = pathway_svg(progress, route=route, names=NAMES)
    assert first == pathway_svg(progress, route=list(reversed(route)), names=dict(NAMES))
    assert first == pathway_svg(progress, route=frozenset(route), names=NAMES)
    again = doc_progress(held("f1", "data-foundations", ects="2"))
    assert pathway_svg(again, route=tuple(route), names=NAMES) == first


# --- colours ---------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_enough_in_every_state() -> None:
    progress = doc_progress(held("f1", "data-foundations", ects="2"))
    every_state = [
        pathway_svg(progress, route=["data-visualisation"]),
        pathway_svg(
            doc_progress(
                held("f", "data-foundations", days=300),
                held("v", "data-visualisation", days=200),
                held("m", "statistical-modelling", ects="5"),
            )
        ),
    ]
    seen = set()
    for svg in every_state:
        root = parsed(svg)
        background = root.findall(f"{SVG}rect")[0].attrib["fill"]
        for text in root.findall(f"{SVG}text"):
            assert contrast(text.attrib["fill"], background) >= 4.5
        for path in root.iter(f"{SVG}path"):
            assert contrast(path.attrib["stroke"], background) >= 3  # lines: non-text contrast
        for group in root.iter(f"{SVG}g"):
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            seen.add(group.attrib["data-state"])
            assert contrast(rect.attrib["stroke"], background) >= 3
            for text in group.iter(f"{SVG}text"):
                assert contrast(text.attrib["fill"], rect.attrib["fill"]) >= 4.5
    assert seen == {"met", "next", "missing", "not-met", "not-needed"}


# --- the layout ----------------------------------------------------------------------------

IDS = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
TITLES = st.sampled_from(
    [
        "Short",
        "A rather long title that will need wrapping over two lines "
        "and then some more words to be cut",
        "データ分析の基礎と応用" * 4,
        None,
    ]
)


@st.composite
def requirement_data(draw: st.DrawFn, depth: int = 1) -> dict[str, Any]:
    """Plain pathway data for a tree of up to 8 levels (ids made unique by the caller)."""
    kinds = ["leaf", "credits"] + (["all", "at"] * 2 if depth < 8 else [])
    kind = draw(st.sampled_from(kinds))
    node: dict[str, Any] = {"id": "n"}
    title = draw(TITLES)
    if title is not None:
        node["title"] = title
    if kind == "leaf":
        node["credential"] = draw(IDS)
    elif kind == "credits":
        node["credits"] = {"min": draw(st.integers(1, 6)), "unit": "ECTS"}
        node["from"] = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    else:
        most = 4 if depth < 3 else 2
        children = draw(st.lists(requirement_data(depth + 1), min_size=1, max_size=most))
        if kind == "all":
            node["all_of"] = children
        else:
            node["at_least"] = draw(st.integers(1, len(children)))
            node["of"] = children
    return node


def _number(node: dict[str, Any], counter: list[int]) -> None:
    counter[0] += 1
    node["id"] = f"n{counter[0]}"
    for child in node.get("all_of", []) + node.get("of", []):
        _number(child, counter)


def _achievements(node: dict[str, Any]) -> list[str]:
    if "credential" in node:
        return [node["credential"]]
    found = [s for s in node.get("from", [])]
    for child in node.get("all_of", []) + node.get("of", []):
        found += _achievements(child)
    return found


def _rect(element: ET.Element) -> tuple[float, float, float, float]:
    a = element.attrib
    x, y, w, h = (float(a[k]) for k in ("x", "y", "width", "height"))
    half = float(a.get("stroke-width", "1")) / 2  # the border is drawn half outside
    return x - half, y - half, x + w + half, y + h + half


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=150, deadline=None)
@given(tree=requirement_data(), data=st.data())
def test_no_two_boxes_overlap_and_no_line_crosses_a_box(
    tree: dict[str, Any], data: st.DataObject
) -> None:
    _number(tree, [0])
    spec = parse_pathway_data({"id": "p", "name": "Generated", "target": "t", "requirements": tree})
    achievements = sorted(set(_achievements(tree)))
    owned = data.draw(st.lists(st.sampled_from(achievements), unique=True))
    mine = [held(f"c{i}", a, ects=str(i % 3 + 1)) for i, a in enumerate(owned)]
    route = data.draw(st.lists(st.sampled_from(achievements), unique=True))
    root = parsed(pathway_svg(evaluate_pathway(spec, mine, NOW), route=route))

    boxes = {node: _rect(g.find(f"{SVG}rect")) for node, g in groups(root).items()}  # type: ignore[arg-type]
    assert len(boxes) == sum(1 for _ in walk(spec.requirements)) + sum(
        1 for n in walk(spec.requirements) for s in getattr(n, "sources", ()) if isinstance(s, str)
    )
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    placed = list(boxes.items())
    for i, (name, box) in enumerate(placed):
        assert min(box[0], box[1]) >= 0, name
        assert box[2] <= width, name
        assert box[3] <= height, name
        for other, second in placed[i + 1 :]:
            assert not _overlap(box, second), (name, other)
    for path in root.iter(f"{SVG}path"):
        parent, child = path.attrib["data-from"], path.attrib["data-to"]
        found = re.fullmatch(r"M(\d+) (\d+)V(\d+)H(\d+)", path.attrib["d"])
        assert found is not None
        x, top, middle, end = map(float, found.groups())
        trunk = (x - 0.5, top + 0.5, x + 0.5, middle - 0.5)
        stub = (x + 0.5, middle - 0.5, end - 0.5, middle + 0.5)
        for name, box in boxes.items():
            if name not in {parent, child}:
                assert not _overlap(trunk, box), (parent, child, name)
                assert not _overlap(stub, box), (parent, child, name)
