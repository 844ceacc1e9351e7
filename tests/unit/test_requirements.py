"""Requirements combined all-of / any-N-of (``domain.requirements``): parsing and evaluation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credstack.domain.errors import InvalidInputError
from credstack.domain.requirements import (
    AllOf,
    AnyOf,
    Leaf,
    LeafKind,
    Node,
    Outcome,
    evaluate,
    find_leaf,
    leaves,
    parse_requirements,
    requirements_data,
)

AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)

PROGRAMME = {
    "id": "data-analysis",
    "all_of": [
        {"id": "basics-quiz", "quiz": "basics", "title": "Basics quiz"},
        {
            "id": "projects",
            "title": "Two of three projects",
            "count": 2,
            "any_of": [
                {"id": "cleaning", "evidence": "project-rubric"},
                {"id": "charts", "evidence": "project-rubric"},
                {"id": "model", "evidence": "project-rubric"},
            ],
        },
        {"id": "lab-hours", "external": "moodle", "title": "Lab hours (reported by Moodle)"},
    ],
}


def met(*ids: str) -> dict[str, Outcome]:
    return {i: Outcome(i, True, AT, summary="pass") for i in ids}


def test_a_programme_is_parsed_whole() -> None:
    tree = parse_requirements(PROGRAMME)
    assert isinstance(tree, AllOf)
    projects = tree.children[1]
    assert isinstance(projects, AnyOf)
    assert projects.count == 2
    assert [leaf.kind for leaf in leaves(tree)] == [
        LeafKind.QUIZ, LeafKind.EVIDENCE, LeafKind.EVIDENCE, LeafKind.EVIDENCE, LeafKind.EXTERNAL,
    ]  # fmt: skip
    assert tree.children[0] == Leaf("basics-quiz", LeafKind.QUIZ, "basics", "Basics quiz")


def test_progress_and_what_is_left() -> None:
    tree = parse_requirements(PROGRAMME)
    start = evaluate(tree, {})
    assert (start.met, start.done, start.needed) == (False, 0, 3)
    half = evaluate(tree, met("basics-quiz", "charts"))
    assert (half.done, half.needed) == (1, 3)
    assert half.children[1].done == 1
    assert [leaf.id for leaf in half.left()] == ["cleaning", "model", "lab-hours"]
    failed = {**met("basics-quiz", "charts"), "model": Outcome("model", False, AT)}
    assert evaluate(tree, failed).children[1].done == 1  # a failed outcome is not met
    done = evaluate(tree, met("basics-quiz", "charts", "model", "lab-hours"))
    assert done.met
    assert done.left() == []
    outcomes = met("basics-quiz", "charts", "model", "lab-hours")
    assert [o.requirement_id for o in done.met_outcomes(outcomes)] == [
        "basics-quiz", "charts", "model", "lab-hours",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("quiz", "must be an object"),
        ({"quiz": "basics"}, "requirements.id: must be"),
        ({"id": "a", "quiz": "basics", "external": "moodle"}, "exactly one of"),
        ({"id": "a"}, "exactly one of"),
        ({"id": "a", "all_of": []}, "requirements.all_of: must be a non-empty list"),
        ({"id": "a", "any_of": [{"id": "b", "quiz": "q"}]}, "requirements.count: must be"),
        ({"id": "a", "count": 2, "any_of": [{"id": "b", "quiz": "q"}]}, "from 1 to 1"),
        ({"id": "a", "count": True, "any_of": [{"id": "b", "quiz": "q"}]}, "count"),
        ({"id": "a", "all_of": [{"id": "a", "quiz": "q"}]}, "all_of[0].id: 'a' is used twice"),
        ({"id": "a", "quiz": "Not A Slug"}, "requirements.quiz: must be the id"),
        ({"id": "a", "quiz": "q", "points": 3}, "unknown field points"),
        ({"id": "a", "quiz": "q", "title": " "}, "requirements.title"),
        ({"id": "a", "all_of": [{"id": "b", "all_of": ["x"]}]}, "all_of[0].all_of[0]: must be"),
    ],
)
def test_what_cannot_be_a_requirement_is_named(data: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        parse_requirements(data)
    assert message in str(error.value)


def test_a_tree_too_deep_is_refused() -> None:
    data: dict[str, Any] = {"id": "leaf", "quiz": "q"}
    for depth in range(9):
        data = {"id": f"n{depth}", "all_of": [data]}
    with pytest.raises(InvalidInputError, match="deeper than 8"):
        parse_requirements(data)


# --- properties --------------------------------------------------------------------------------

_counter = iter(range(10**9))


def _leaf() -> st.SearchStrategy[Node]:
    return st.builds(lambda: Leaf(f"l{next(_counter)}", LeafKind.QUIZ, "q", "a quiz"))


def _combine(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    many = st.lists(children, min_size=1, max_size=4).map(tuple)
    all_of = many.map(lambda kids: AllOf(f"n{next(_counter)}", kids, "all"))
    any_of = many.flatmap(
        lambda kids: st.integers(1, len(kids)).map(
            lambda n: AnyOf(f"n{next(_counter)}", n, kids, "any")
        )
    )
    return st.one_of(all_of, any_of)


trees = st.recursive(_leaf(), _combine, max_leaves=12)


@given(trees, st.data())
def test_evaluation_follows_the_rules_and_more_outcomes_never_undo_it(
    tree: Node, data: st.DataObject
) -> None:
    ids = [leaf.id for leaf in leaves(tree)]
    chosen = data.draw(st.sets(st.sampled_from(ids)))
    progress = evaluate(tree, met(*chosen))

    def check(p: Any) -> None:
        node = p.node
        if isinstance(node, Leaf):
            assert p.met == (node.id in chosen)
            return
        kids = [child.met for child in p.children]
        needed = len(kids) if isinstance(node, AllOf) else node.count
        assert p.met == (sum(kids) >= needed)
        for child in p.children:
            check(child)

    check(progress)
    more = data.draw(st.sets(st.sampled_from(ids)))
    if progress.met:
        assert evaluate(tree, met(*chosen, *more)).met
    everything = evaluate(tree, met(*ids))
    assert everything.met
    assert everything.left() == []
    assert evaluate(tree, {}).met is False


def test_requirements_data_round_trips_and_leaves_are_found() -> None:
    tree = parse_requirements(PROGRAMME)
    assert parse_requirements(requirements_data(tree)) == tree
    found = find_leaf(tree, "charts")
    assert found is not None
    assert found.kind is LeafKind.EVIDENCE
    assert find_leaf(tree, "projects") is None  # a combination, not a leaf
    assert find_leaf(tree, "nothing") is None
