"""The shortest remaining route: which achievements, earned next, complete a pathway.

Exact by search: sets of achievements are tried cheapest first (best-first over sets, each
set's extensions pushed with their cost, which never falls as a set grows), and each is
tried by evaluating the pathway as if the learner held them too, issued from now on in the
order the pathway asks. So the count-once rule, EQF minimums, credits per unit, order and
window all bear on the route exactly as on progress.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Literal

from credstack.domain.holdings import HeldCredential, HoldingSource
from credstack.domain.pathways._progress import PathwayProgress, _Engine
from credstack.domain.pathways._spec import CatalogueEntry, CreditsFrom, PathwaySpec, slots, walk

Measure = Literal["credentials", "workload"]
#: (workload unknown, hours, count) or (count, workload unknown, hours), then the ids
_Cost = tuple[int | float, int | float, int | float, tuple[str, ...]]


def shortest_route(
    progress: PathwayProgress,
    catalogue: Mapping[str, CatalogueEntry],
    *,
    by: Measure = "credentials",
) -> list[str] | None:
    """The achievement ids, sorted, whose credentials would complete the pathway at least
    cost: ``by="credentials"`` the fewest (ties: least workload), ``by="workload"`` the
    fewest total ``workload_hours`` (ties: fewest credentials). An entry of unknown workload
    costs more than any known one. Each achievement is earned once at most; ``[]`` when the
    pathway is complete, ``None`` when the catalogue cannot complete it.
    """
    if progress.met:
        return []
    spec, now, held = progress.spec, progress.now, list(progress.held)
    options = _options(progress, catalogue)
    extra = {a: _hypothetical(a, catalogue[a], progress) for a in options}

    def completes(chosen: tuple[str, ...]) -> bool:
        future = frozenset(extra[a].id for a in chosen)
        engine = _Engine(spec, held + [extra[a] for a in chosen], now, future)
        return engine.progress().met

    if not completes(tuple(options)):
        return None
    heap: list[tuple[_Cost, tuple[int, ...]]] = [(_cost((), catalogue, by), ())]
    while heap:
        _, chosen = heapq.heappop(heap)
        names = tuple(options[i] for i in chosen)
        if completes(names):
            return list(names)
        for i in range(chosen[-1] + 1 if chosen else 0, len(options)):
            grown = (*chosen, i)
            heapq.heappush(heap, (_cost(tuple(options[j] for j in grown), catalogue, by), grown))
    return None  # unreachable: the whole set completes it


def _options(progress: PathwayProgress, catalogue: Mapping[str, CatalogueEntry]) -> list[str]:
    """The achievements worth trying. Every one named when the pathway has an order or a
    window (a new credential may have to replace a held one that breaks it); otherwise
    those of the unfilled places, of credits sources (a new credential may carry more
    credit than a recognised one), and of places whose credential could move elsewhere."""
    spec = progress.spec
    named = {leaf.achievement for leaf in slots(spec.requirements)}
    if not (spec.order or spec.within):
        named = _worth_trying(progress, spec, named)
    return sorted(a for a in named if a in catalogue)


def _worth_trying(progress: PathwayProgress, spec: PathwaySpec, named: set[str]) -> set[str]:
    wanted = {leaf.achievement for leaf in progress.missing()}
    for node in walk(spec.requirements):
        if isinstance(node, CreditsFrom):
            wanted.update(leaf.achievement for leaf in node.source_leaves())
    for leaf in slots(spec.requirements):
        found = progress.node(leaf.id)
        held = found.credential if found is not None else None
        # a new credential here helps only if the held one could then count elsewhere
        movable = held is not None and len(held.counts_as & named) > 1
        if held is None or movable or _named_twice(spec, leaf.achievement):
            wanted.add(leaf.achievement)
    return wanted


def _named_twice(spec: PathwaySpec, achievement: str) -> bool:
    return sum(leaf.achievement == achievement for leaf in slots(spec.requirements)) > 1


def _hypothetical(
    achievement: str, entry: CatalogueEntry, progress: PathwayProgress
) -> HeldCredential:
    return HeldCredential(
        f"route:{achievement}",
        HoldingSource.AWARD,
        frozenset({achievement}),
        "",
        progress.now,
        entry.credits,
        entry.eqf_level,
        name=entry.name,
    )


def _cost(chosen: tuple[str, ...], catalogue: Mapping[str, CatalogueEntry], by: Measure) -> _Cost:
    hours = [catalogue[a].workload_hours for a in chosen]
    unknown = sum(h is None for h in hours)
    total = sum(h for h in hours if h is not None)
    if by == "workload":
        return (unknown, total, len(chosen), chosen)
    return (len(chosen), unknown, total, chosen)
