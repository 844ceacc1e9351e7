"""A learner's progress on a pathway: which held credential counts for which requirement.

The count-once rule: one credential fills one place (a leaf, or one source of a credits
node) in the whole pathway, however many it matches. Which place is found by search, not
greedily: among the assignments that break no order or window constraint, the one that
(1) completes the pathway, then (2) meets the most nodes, then (3) counts the most
credentials. First a maximum matching of credentials to places (the most places filled);
if it reaches the bound of the whole tree (every place with a candidate filled, each
credential free to serve several), that is the answer, as it usually is at pathway sizes.
Otherwise branch and bound over the places that have candidates, starting from the
matching's rank: a branch is pruned when letting every undecided place take any unused
candidate could not beat the best found, and dropped when it breaks the order or window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Sequence

from credstack.domain.holdings import Credit, CreditUnit, HeldCredential
from credstack.domain.pathways._spec import (
    AllOf,
    CredentialLeaf,
    CreditsFrom,
    Node,
    PathwaySpec,
    credit_in,
    find_node,
    slots,
)

_ZERO = decimal.Decimal(0)


class ComponentLossPolicy(enum.StrEnum):
    """What happens to a stacked credential when a component stops standing (revoked,
    suspended, expired) after the award and the pathway is no longer complete without it.

    The provider chooses per pathway; ``still_complete`` tells whether the loss matters (the
    learner may hold another credential that takes its place).
    """

    #: the stacked credential stays valid: it was rightly earned when issued
    KEEP = "keep"
    #: it stays valid, and the case is put before the provider for review
    FLAG = "flag"
    #: it is revoked as its component was
    REVOKE = "revoke"


@dataclasses.dataclass(frozen=True, slots=True)
class NodeProgress:
    """A node's state under the chosen assignment.

    Leaves: ``credential`` is the one counted (``done`` 1 of ``needed`` 1). Combinations:
    ``done`` children met of ``needed``. Credits nodes: ``credits`` is the sum counted, met
    when it reaches the node's minimum; ``done`` sources filled of ``needed``, all of them.
    """

    node: Node
    met: bool
    done: int
    needed: int
    children: tuple[NodeProgress, ...] = ()
    credential: HeldCredential | None = None
    credits: Credit | None = None

    def counted(self) -> list[HeldCredential]:
        """The credentials counted under this node, in tree order."""
        if self.credential is not None:
            return [self.credential]
        return [c for child in self.children for c in child.counted()]

    def missing(self) -> list[CredentialLeaf]:
        """The unfilled places under this node when it is not met (every one that could
        still count: for *at least N* and credits, the learner chooses which)."""
        if self.met:
            return []
        if isinstance(self.node, CredentialLeaf):
            return [self.node]
        return [leaf for child in self.children for leaf in child.missing()]


@dataclasses.dataclass(frozen=True, slots=True)
class PathwayProgress:
    """A learner's progress on ``spec`` at ``now`` from what they ``held``.

    ``met``: the pathway is complete (the chosen assignment never breaks order or window).
    ``window_closes``: with a window, the last instant a credential may be issued and still
    count with those counted (the first one's issue plus the window). ``not_counted``: held
    credentials matching a requirement's achievement that did not count (not standing, EQF
    too low, outside the window or order, or their place taken), so a page can say so.
    """

    spec: PathwaySpec
    now: dt.datetime
    met: bool
    root: NodeProgress
    held: tuple[HeldCredential, ...]
    window_closes: dt.datetime | None
    not_counted: tuple[HeldCredential, ...]

    def missing(self) -> list[CredentialLeaf]:
        """The unfilled places of the unmet parts (``[]`` when complete)."""
        return self.root.missing()

    def counted(self) -> list[HeldCredential]:
        """Every credential counted: the components of the stacked credential."""
        return self.root.counted()

    def node(self, requirement_id: str) -> NodeProgress | None:
        """The progress of the node with this id."""
        stack = [self.root]
        while stack:
            found = stack.pop()
            if found.node.id == requirement_id:
                return found
            stack.extend(found.children)
        return None


def evaluate_pathway(
    spec: PathwaySpec, held: Sequence[HeldCredential], now: dt.datetime
) -> PathwayProgress:
    """``spec``'s progress from the learner's ``held`` credentials at ``now``.

    Counts only credentials that stand and were issued by ``now``; a credential below a
    node's ``min_eqf`` (or of unknown level) does not count under it; credits count in the
    node's unit only. See the module's docstring for the assignment chosen.
    """
    return _Engine(spec, held, now).progress()


def still_complete(spec: PathwaySpec, held: Sequence[HeldCredential], now: dt.datetime) -> bool:
    """Whether ``spec`` is complete from ``held`` at ``now``: asked again after a component
    stops standing, before acting on the pathway's ``ComponentLossPolicy``."""
    return evaluate_pathway(spec, held, now).met


@dataclasses.dataclass(frozen=True, slots=True)
class _Place:
    leaf: CredentialLeaf
    min_eqf: int | None
    unit: CreditUnit | None  # the unit of the credits node it is a source of


@dataclasses.dataclass(frozen=True, slots=True)
class _Group:
    needed: int
    children: tuple[_Compiled, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class _Credits:
    minimum: decimal.Decimal
    places: tuple[int, ...]


#: the tree compiled for scoring: a place index (a leaf), a combination, or a credits node
_Compiled = int | _Group | _Credits


class _Engine:
    """The search for one evaluation. ``future`` names hypothetical credentials (routes,
    feasibility checks) issued after ``now`` in whatever order the pathway asks."""

    def __init__(
        self,
        spec: PathwaySpec,
        held: Sequence[HeldCredential],
        now: dt.datetime,
        future: frozenset[str] = frozenset(),
    ) -> None:
        self.spec, self.now, self.future = spec, now, future
        self.held = tuple(held)
        self.places: list[_Place] = []
        self.compiled = self._compile(spec.requirements, None)
        self.index = {place.leaf.id: i for i, place in enumerate(self.places)}
        usable = [c for c in self.held if c.standing and (c.issued_at <= now or c.id in future)]
        self.creds = sorted(usable, key=lambda c: (c.id not in future, c.issued_at, c.id))
        self.is_future = [c.id in future for c in self.creds]
        self.amounts = [
            [credit_in(c.credits, p.unit) if p.unit else _ZERO for c in self.creds]
            for p in self.places
        ]
        self.candidates = [
            [j for j, c in enumerate(self.creds) if self._fits(c, j, i)]
            for i in range(len(self.places))
        ]
        self.pairs = [
            ({self.index[leaf.id] for leaf in slots(_node(spec, a))},
             {self.index[leaf.id] for leaf in slots(_node(spec, b))})
            for a, b in spec.order
        ]  # fmt: skip

    def _compile(self, node: Node, min_eqf: int | None) -> _Compiled:
        if node.min_eqf is not None:
            min_eqf = max(node.min_eqf, min_eqf or 0)
        if isinstance(node, CredentialLeaf):
            self.places.append(_Place(node, min_eqf, None))
            return len(self.places) - 1
        if isinstance(node, CreditsFrom):
            first = len(self.places)
            for leaf in node.source_leaves():
                level = max(leaf.min_eqf or 0, min_eqf or 0) or None
                self.places.append(_Place(leaf, level, node.unit))
            return _Credits(node.minimum, tuple(range(first, len(self.places))))
        needed = len(node.children) if isinstance(node, AllOf) else node.count
        return _Group(needed, tuple(self._compile(child, min_eqf) for child in node.children))

    def _fits(self, credential: HeldCredential, j: int, i: int) -> bool:
        place = self.places[i]
        if place.leaf.achievement not in credential.counts_as:
            return False
        if place.min_eqf is not None and (credential.eqf_level or 0) < place.min_eqf:
            return False
        return place.unit is None or self.amounts[i][j] > 0

    # --- scoring -------------------------------------------------------------------------

    def _score(
        self, node: _Compiled, filled: list[bool], amount: list[decimal.Decimal]
    ) -> tuple[bool, int]:
        """``(met, nodes met)`` of ``node`` with these places filled with these credits."""
        if isinstance(node, int):
            return filled[node], int(filled[node])
        if isinstance(node, _Credits):
            total = sum((amount[i] for i in node.places if filled[i]), _ZERO)
            met = total >= node.minimum
            return met, sum(filled[i] for i in node.places) + met
        met_children = count = 0
        for child in node.children:
            child_met, child_count = self._score(child, filled, amount)
            met_children += child_met
            count += child_count
        met = met_children >= node.needed
        return met, count + met

    def _rank(
        self, assign: list[int | None], decided: int, order: list[int], used: set[int]
    ) -> tuple[bool, int, int]:
        """The best any completion of ``assign`` could reach (exact when all is decided)."""
        filled = [a is not None for a in assign]
        amount = [self.amounts[i][a] if a is not None else _ZERO for i, a in enumerate(assign)]
        for i in order[decided:]:
            free = [j for j in self.candidates[i] if j not in used]
            if free:
                filled[i] = True
                amount[i] = max(self.amounts[i][j] for j in free)
        met, count = self._score(self.compiled, filled, amount)
        return met, count, sum(filled)

    def _breaks(self, assign: list[int | None]) -> bool:
        """Whether the credentials assigned break the window or an order pair (adding more
        never mends that, so the branch is dropped)."""
        within = self.spec.within
        if within is not None:
            times = [self._time(a) for a in assign if a is not None]
            if times and within.end(min(times)) < max(times):
                return True
        for before, after in self.pairs:
            early = [x for i in before if (x := assign[i]) is not None]
            late = [y for i in after if (y := assign[i]) is not None]
            if any(not self._before(x, y) for x in early for y in late):
                return True
        return False

    def _time(self, j: int) -> dt.datetime:
        # a credential still to be earned is issued at ``now`` at the earliest
        return self.now if self.is_future[j] else self.creds[j].issued_at

    def _before(self, x: int, y: int) -> bool:
        if self.is_future[y]:
            return True  # held ones precede it; future ones are earned in the order asked
        return not self.is_future[x] and self.creds[x].issued_at < self.creds[y].issued_at

    # --- search --------------------------------------------------------------------------

    def assignment(self) -> list[int | None]:
        """The best assignment: place index → credential index, or None."""
        order = [i for i, found in enumerate(self.candidates) if found]
        assign: list[int | None] = [None] * len(self.places)
        used: set[int] = set()
        ceiling = self._rank(assign, 0, order, used)
        best_rank, best = (False, -1, -1), list(assign)
        # a maximum matching (most places filled) often reaches the ceiling at once, and
        # otherwise is a good first bound to prune with
        seed = self._matching(order)
        if not self._breaks(seed):
            best_rank, best = self._rank(seed, len(order), order, set()), seed
            if best_rank == ceiling:
                return best

        def search(p: int) -> bool:
            nonlocal best_rank, best
            if p == len(order):
                rank = self._rank(assign, p, order, used)
                if rank > best_rank:
                    best_rank, best = rank, list(assign)
                return rank == ceiling
            if self._rank(assign, p, order, used) <= best_rank:
                return False
            i = order[p]
            for j in self.candidates[i]:
                if j in used:
                    continue
                assign[i] = j
                used.add(j)
                if not self._breaks(assign) and search(p + 1):
                    return True
                used.discard(j)
                assign[i] = None
            return search(p + 1)

        search(0)
        return best

    def _matching(self, order: list[int]) -> list[int | None]:
        """Most places filled, one credential each (augmenting paths, Kuhn's algorithm)."""
        assign: list[int | None] = [None] * len(self.places)
        owner: dict[int, int] = {}  # credential index → place index

        def augment(i: int, seen: set[int]) -> bool:
            for j in self.candidates[i]:
                if j in seen:
                    continue
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j], assign[i] = i, j
                    return True
            return False

        for i in order:
            augment(i, set())
        return assign

    def progress(self) -> PathwayProgress:
        assign = self.assignment()
        chosen = {
            self.places[i].leaf.id: self.creds[j] for i, j in enumerate(assign) if j is not None
        }
        root = _node_progress(self.spec.requirements, chosen)
        counted = {c.id for c in chosen.values()}
        wanted = {place.leaf.achievement for place in self.places}
        not_counted = tuple(c for c in self.held if c.id not in counted and c.counts_as & wanted)
        closes = None
        past = [c.issued_at for c in chosen.values() if c.id not in self.future]
        if self.spec.within is not None and past:
            closes = self.spec.within.end(min(past))
        return PathwayProgress(self.spec, self.now, root.met, root, self.held, closes, not_counted)


def _node(spec: PathwaySpec, node_id: str) -> Node:
    found = find_node(spec.requirements, node_id)
    if found is None:  # check_structure refuses such an order; a spec built in code may not
        raise ValueError(f"order names '{node_id}', which is not a requirement id")
    return found


def _node_progress(node: Node, chosen: dict[str, HeldCredential]) -> NodeProgress:
    if isinstance(node, CredentialLeaf):
        found = chosen.get(node.id)
        return NodeProgress(node, found is not None, int(found is not None), 1, credential=found)
    if isinstance(node, CreditsFrom):
        children = tuple(_node_progress(leaf, chosen) for leaf in node.source_leaves())
        total = _sum(credit_in(c.credits, node.unit) for child in children for c in child.counted())
        done = sum(child.met for child in children)
        credit = Credit(total, node.unit)
        return NodeProgress(
            node, total >= node.minimum, done, len(children), children, None, credit
        )
    children = tuple(_node_progress(child, chosen) for child in node.children)
    needed = len(children) if isinstance(node, AllOf) else node.count
    done = sum(child.met for child in children)
    return NodeProgress(node, done >= needed, done, needed, children)


def _sum(amounts: Iterable[decimal.Decimal]) -> decimal.Decimal:
    return sum(amounts, _ZERO)
