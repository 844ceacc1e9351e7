"""The checks a pathway passes before it is saved: everything it names exists, it does not
require itself, and someone could complete it."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Collection, Mapping

from credstack.domain.errors import InvalidInputError
from credstack.domain.holdings import HeldCredential, HoldingSource
from credstack.domain.pathways._progress import _Engine
from credstack.domain.pathways._spec import (
    CatalogueEntry,
    CreditsFrom,
    Node,
    PathwaySpec,
    check_structure,
    credit_in,
    find_node,
    required_achievements,
    slots,
    walk,
)

_NO_OTHERS: Mapping[str, Collection[str]] = {}
#: any instant does for the feasibility check: its credentials are all still to be earned
_SOME_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def check_pathway(
    spec: PathwaySpec,
    catalogue: Mapping[str, CatalogueEntry],
    *,
    others: Mapping[str, Collection[str]] = _NO_OTHERS,
) -> None:
    """Refuse a pathway that could never be used as written.

    ``catalogue`` maps achievement id → entry (the provider's published achievements and
    foreign ones mapped to them); ``others`` maps each other pathway's target to the
    achievement ids it requires (``required_achievements``), to find cycles through them (an
    entry for ``spec.target`` itself, an earlier version, is ignored). Raises
    ``InvalidInputError`` naming the first fault: the tree's shape (``check_structure``), an
    unknown achievement, a cycle, credits or EQF levels the sources cannot reach, a
    contradictory order, or, as the last resort, a tree no set of credentials completes.
    """
    check_structure(spec)
    _check_known(spec, catalogue)
    _check_cycles(spec, others)
    _check_credits(spec, catalogue)
    _check_levels(spec, catalogue)
    _check_order(spec)
    _check_possible(spec, catalogue)


def _check_known(spec: PathwaySpec, catalogue: Mapping[str, CatalogueEntry]) -> None:
    if spec.target not in catalogue:
        raise InvalidInputError(f"target: achievement '{spec.target}' is not in the catalogue")
    for leaf in slots(spec.requirements):
        if leaf.achievement not in catalogue:
            where = leaf.id.partition("/")[0]
            raise InvalidInputError(
                f"requirement '{where}': achievement '{leaf.achievement}' is not in the catalogue"
            )


def _check_cycles(spec: PathwaySpec, others: Mapping[str, Collection[str]]) -> None:
    required = required_achievements(spec)
    if spec.target in required:
        raise InvalidInputError(f"target: '{spec.target}' is one of its own requirements")
    graph = {target: set(needs) for target, needs in others.items() if target != spec.target}
    # breadth first from what this pathway requires, back to its target
    came_from: dict[str, str] = {achievement: spec.target for achievement in sorted(required)}
    queue = sorted(required)
    while queue:
        current = queue.pop(0)
        for needed in sorted(graph.get(current, ())):
            if needed == spec.target:
                path = [needed, current]
                while path[-1] != spec.target:
                    path.append(came_from[path[-1]])
                chain = " → ".join(reversed(path))
                raise InvalidInputError(f"target: '{spec.target}' would require itself: {chain}")
            if needed not in came_from:
                came_from[needed] = current
                queue.append(needed)


def _check_credits(spec: PathwaySpec, catalogue: Mapping[str, CatalogueEntry]) -> None:
    for node in walk(spec.requirements):
        if not isinstance(node, CreditsFrom):
            continue
        most = sum(
            (credit_in(catalogue[s.achievement].credits, node.unit) for s in node.source_leaves()),
            decimal.Decimal(0),
        )
        if most < node.minimum:
            unit = node.unit.value
            raise InvalidInputError(
                f"requirement '{node.id}': needs {_number(node.minimum)} {unit} but its sources"
                f" give at most {_number(most)} {unit}"
            )


def _check_levels(spec: PathwaySpec, catalogue: Mapping[str, CatalogueEntry]) -> None:
    for node in walk(spec.requirements):
        level = node.min_eqf
        if level is None:
            continue
        if not any((catalogue[s.achievement].eqf_level or 0) >= level for s in slots(node)):
            raise InvalidInputError(
                f"requirement '{node.id}': no achievement under it is at EQF level {level} or above"
            )


def _check_order(spec: PathwaySpec) -> None:
    """The order pairs, spread to the places under each side, must leave no cycle: a
    before b and b before a, or longer, or through the nodes that contain them."""
    after: dict[str, set[str]] = {}
    for a, b in spec.order:
        late = {y.id for y in slots(_node(spec, b))}
        for x in slots(_node(spec, a)):
            after.setdefault(x.id, set()).update(late)
    state: dict[str, int] = {}  # 1: on the path being followed, 2: done
    path: list[str] = []

    def visit(place: str) -> None:
        state[place] = 1
        path.append(place)
        for following in sorted(after.get(place, ())):
            if state.get(following) == 1:
                cycle = [*path[path.index(following) :], following]
                raise InvalidInputError(
                    f"order: {' before '.join(repr(p) for p in cycle)} cannot all hold"
                )
            if following not in state:
                visit(following)
        path.pop()
        state[place] = 2

    for place in sorted(after):
        if place not in state:
            visit(place)


def _node(spec: PathwaySpec, node_id: str) -> Node:
    found = find_node(spec.requirements, node_id)
    if found is None:  # check_structure has refused it already
        raise InvalidInputError(f"order: '{node_id}' is not a requirement id")
    return found


def _check_possible(spec: PathwaySpec, catalogue: Mapping[str, CatalogueEntry]) -> None:
    """Complete with one credential of every achievement named, each as the catalogue
    describes it (all still to be earned, so order and window can be kept)?"""
    held = [
        HeldCredential(
            f"check:{achievement}",
            HoldingSource.AWARD,
            frozenset({achievement}),
            "",
            _SOME_TIME,
            catalogue[achievement].credits,
            catalogue[achievement].eqf_level,
        )
        for achievement in sorted(required_achievements(spec))
    ]
    future = frozenset(c.id for c in held)
    if not _Engine(spec, held, _SOME_TIME, future).progress().met:
        raise InvalidInputError(
            "requirements: cannot be completed even with one credential of every achievement"
            " named (each credential counts once)"
        )


def _number(amount: decimal.Decimal) -> str:
    return format(amount.normalize(), "f")
