"""What a learner must do to earn a micro-credential: requirements combined all-of / any-N-of.

A definition's requirements form a tree. Its leaves are things a learner does, each of one
kind: an auto-graded quiz, evidence an assessor reviews, or a completion another system
reports. Its inner nodes combine them: *all of* these, or *any N of* these. Whether the tree
is met, and what is left, follows from the outcomes recorded for the leaves; nothing else.
Pure rules, no I/O: the services record outcomes and ask ``evaluate`` after each one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Iterator, Mapping
from typing import Any

from credstack.domain.awards import EvidenceItem, ResultValue
from credstack.domain.errors import InvalidInputError

__all__ = [
    "AllOf",
    "AnyOf",
    "Leaf",
    "LeafKind",
    "Node",
    "Outcome",
    "Progress",
    "evaluate",
    "find_leaf",
    "leaves",
    "parse_requirements",
    "requirements_data",
]

_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
#: deeper trees are refused: no definition needs them, and a parser must stop somewhere
MAX_DEPTH = 8


class LeafKind(enum.StrEnum):
    QUIZ = "quiz"
    EVIDENCE = "evidence"
    EXTERNAL = "external"


@dataclasses.dataclass(frozen=True, slots=True)
class Leaf:
    """One thing to do. ``ref`` names it within its kind: the quiz id, the rubric id, or the
    name of the external system that reports the completion."""

    id: str
    kind: LeafKind
    ref: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True)
class AllOf:
    id: str
    children: tuple[Node, ...]
    title: str


@dataclasses.dataclass(frozen=True, slots=True)
class AnyOf:
    """Any ``count`` of the children (``count`` is between 1 and their number)."""

    id: str
    count: int
    children: tuple[Node, ...]
    title: str


Node = Leaf | AllOf | AnyOf


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What was recorded for a leaf: met or not, when, and what shows it (scores, rubric
    levels; what was submitted or completed), for the credential's ``result`` and
    ``evidence``. ``summary`` is the line a learner reads ("passed, 85%", "returned")."""

    requirement_id: str
    met: bool
    at: dt.datetime
    results: tuple[ResultValue, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    summary: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """A node's state: met or not; of its children, how many are met and how many must be."""

    node: Node
    met: bool
    done: int
    needed: int
    children: tuple[Progress, ...] = ()

    def left(self) -> list[Leaf]:
        """The unmet leaves under this node, when it is not met (every one that could still
        count: for *any N of*, the learner chooses which)."""
        if self.met:
            return []
        if isinstance(self.node, Leaf):
            return [self.node]
        return [leaf for child in self.children for leaf in child.left()]

    def met_outcomes(self, outcomes: Mapping[str, Outcome]) -> list[Outcome]:
        """The outcomes of the met leaves under this node: what the credential cites."""
        if isinstance(self.node, Leaf):
            found = outcomes.get(self.node.id)
            return [found] if self.met and found is not None else []
        return [o for child in self.children for o in child.met_outcomes(outcomes)]


def evaluate(tree: Node, outcomes: Mapping[str, Outcome]) -> Progress:
    """The progress of ``tree`` given the outcomes recorded so far, by leaf id. A leaf is met
    when its outcome says so; *all of* when every child is; *any N of* when N children are."""
    if isinstance(tree, Leaf):
        found = outcomes.get(tree.id)
        met = found is not None and found.met
        return Progress(tree, met, int(met), 1)
    children = tuple(evaluate(child, outcomes) for child in tree.children)
    done = sum(child.met for child in children)
    needed = len(children) if isinstance(tree, AllOf) else tree.count
    return Progress(tree, done >= needed, done, needed, children)


def leaves(tree: Node) -> Iterator[Leaf]:
    """Every leaf of ``tree``, in order."""
    if isinstance(tree, Leaf):
        yield tree
        return
    for child in tree.children:
        yield from leaves(child)


def find_leaf(tree: Node, requirement_id: str) -> Leaf | None:
    """The leaf of ``tree`` with this id, if there is one."""
    return next((leaf for leaf in leaves(tree) if leaf.id == requirement_id), None)


def requirements_data(tree: Node) -> dict[str, Any]:
    """``tree`` as plain data, the form ``parse_requirements`` reads (it round-trips): what
    is stored and what the API shows."""
    data: dict[str, Any] = {"id": tree.id, "title": tree.title}
    if isinstance(tree, Leaf):
        data[tree.kind.value] = tree.ref
    elif isinstance(tree, AllOf):
        data["all_of"] = [requirements_data(child) for child in tree.children]
    else:
        data["any_of"] = [requirements_data(child) for child in tree.children]
        data["count"] = tree.count
    return data


def parse_requirements(data: object) -> Node:
    """The tree described by ``data`` (parsed YAML or JSON), checked whole.

    A leaf is ``{"id": ..., "quiz": <quiz id>}`` (or ``"evidence": <rubric id>``, or
    ``"external": <system name>``) with an optional ``"title"``; a combination is
    ``{"id": ..., "all_of": [...]}`` or ``{"id": ..., "any_of": [...], "count": N}``.
    Ids are slugs, unique in the tree. Raises ``InvalidInputError`` naming the place at fault.
    """
    seen: set[str] = set()
    return _node(data, "requirements", 1, seen)


def _node(data: object, where: str, depth: int, seen: set[str]) -> Node:
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where}: requirements nest deeper than {MAX_DEPTH} levels")
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"{where}: must be an object with an 'id'")
    node_id = _id(data, where, seen)
    title = data.get("title", node_id)
    if not isinstance(title, str) or not title.strip():
        raise InvalidInputError(f"{where}.title: must be a non-empty text")
    kinds = [key for key in ("quiz", "evidence", "external", "all_of", "any_of") if key in data]
    if len(kinds) != 1:
        raise InvalidInputError(
            f"{where}: must have exactly one of quiz, evidence, external, all_of, any_of"
        )
    allowed = {"id", "title", kinds[0]} | ({"count"} if kinds[0] == "any_of" else set())
    extra = sorted(set(data) - allowed)
    if extra:
        raise InvalidInputError(f"{where}: unknown field {', '.join(map(str, extra))}")
    kind = kinds[0]
    if kind in ("all_of", "any_of"):
        return _combination(data, kind, node_id, title.strip(), f"{where}.{kind}", depth, seen)
    ref = data[kind]
    if not isinstance(ref, str) or not _ID.fullmatch(ref):
        raise InvalidInputError(f"{where}.{kind}: must be the id (a slug) of the {kind}")
    return Leaf(node_id, LeafKind(kind), ref, title.strip())


def _combination(
    data: Mapping[str, Any],
    kind: str,
    node_id: str,
    title: str,
    where: str,
    depth: int,
    seen: set[str],
) -> Node:
    items = data[kind]
    if not isinstance(items, list) or not items:
        raise InvalidInputError(f"{where}: must be a non-empty list of requirements")
    children = tuple(_node(item, f"{where}[{i}]", depth + 1, seen) for i, item in enumerate(items))
    if kind == "all_of":
        return AllOf(node_id, children, title)
    count = data.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(children):
        raise InvalidInputError(
            f"{where[: -len('.any_of')]}.count: must be a whole number from 1 to {len(children)}"
        )
    return AnyOf(node_id, count, children, title)


def _id(data: Mapping[str, Any], where: str, seen: set[str]) -> str:
    node_id = data.get("id")
    if not isinstance(node_id, str) or not _ID.fullmatch(node_id):
        raise InvalidInputError(
            f"{where}.id: must be 1-64 lower-case letters, digits or inner hyphens"
        )
    if node_id in seen:
        raise InvalidInputError(f"{where}.id: '{node_id}' is used twice")
    seen.add(node_id)
    return node_id
