"""A pathway's definition: the requirements tree, order and window, read from and written to
plain data (parsed YAML or JSON) so that what is saved loads back equal.

Parsed by hand, as ``domain.requirements`` is: the tree's node kinds are told apart by which
key they carry, and every error names the place at fault (``requirements.all_of[1].credits.
min: must be a positive number``), which a tagged Pydantic union words less plainly.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import decimal
import enum
import re
from collections.abc import Iterator, Mapping
from typing import Any

from credstack.domain.errors import InvalidInputError
from credstack.domain.holdings import Credit, CreditUnit

_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
#: deeper trees are refused: no pathway needs them, and a parser must stop somewhere
MAX_DEPTH = 8
_MAX_WINDOW = {"days": 36_500, "months": 1_200, "years": 100}
_NODE_KEYS = ("credential", "all_of", "at_least", "credits")


@dataclasses.dataclass(frozen=True, slots=True)
class CredentialLeaf:
    """A held credential that counts as ``achievement`` (one credential fills one leaf)."""

    id: str
    achievement: str
    title: str
    min_eqf: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AllOf:
    id: str
    children: tuple[Node, ...]
    title: str
    min_eqf: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AtLeast:
    """At least ``count`` of the children."""

    id: str
    count: int
    children: tuple[Node, ...]
    title: str
    min_eqf: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CreditsFrom:
    """At least ``minimum`` credits in ``unit`` from credentials counting as the ``sources``:
    achievement ids, or credential leaves (which may carry their own title and ``min_eqf``
    and be named in the pathway's order). Each source is filled by one credential at most."""

    id: str
    minimum: decimal.Decimal
    unit: CreditUnit
    sources: tuple[str | CredentialLeaf, ...]
    title: str
    min_eqf: int | None = None

    def source_leaves(self) -> tuple[CredentialLeaf, ...]:
        """The sources as leaves: an achievement id ``x`` becomes the leaf ``<id>/x`` (a key
        no slug can take), so that progress shows every source the same way."""
        return tuple(
            CredentialLeaf(f"{self.id}/{source}", source, source)
            if isinstance(source, str)
            else source
            for source in self.sources
        )


Node = CredentialLeaf | AllOf | AtLeast | CreditsFrom


class WindowUnit(enum.StrEnum):
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """The longest span from the first counted credential's issue to the last one's."""

    amount: int
    unit: WindowUnit

    def end(self, start: dt.datetime) -> dt.datetime:
        """The last instant the window opened at ``start`` allows (calendar months and years:
        29 February plus a year is 28 February)."""
        if self.unit is WindowUnit.DAYS:
            return start + dt.timedelta(days=self.amount)
        months = self.amount * (12 if self.unit is WindowUnit.YEARS else 1)
        years, month = divmod(start.month - 1 + months, 12)
        year = start.year + years
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return start.replace(year=year, month=month + 1, day=day)


@dataclasses.dataclass(frozen=True, slots=True)
class PathwaySpec:
    """What a provider writes about one pathway (one version of it: storage keeps versions).

    ``target`` is the provider's achievement issued when the pathway is complete; ``order``
    pairs ``(a, b)`` of requirement ids mean every credential counted under ``a`` was issued
    before every one counted under ``b``.
    """

    id: str
    name: str
    target: str
    requirements: Node
    description: str = ""
    order: tuple[tuple[str, str], ...] = ()
    within: Window | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """An achievement a pathway may name, as checks and routes see it: the provider's
    published ones and foreign ones mapped to them."""

    name: str
    workload_hours: float | None = None
    credits: tuple[Credit, ...] = ()
    eqf_level: int | None = None


def credit_in(credits: tuple[Credit, ...], unit: CreditUnit) -> decimal.Decimal:
    """The credit in ``unit`` among ``credits`` (nothing from other units: they never mix)."""
    return sum((c.amount for c in credits if c.unit is unit), decimal.Decimal(0))


def walk(tree: Node) -> Iterator[Node]:
    """Every node of ``tree``, parents first; a credits node's leaf sources included, not its
    achievement-id sources."""
    yield tree
    if isinstance(tree, AllOf | AtLeast):
        for child in tree.children:
            yield from walk(child)
    elif isinstance(tree, CreditsFrom):
        yield from (source for source in tree.sources if isinstance(source, CredentialLeaf))


def slots(tree: Node) -> Iterator[CredentialLeaf]:
    """Every place one credential can fill, in order: the leaves and every credits source."""
    if isinstance(tree, CredentialLeaf):
        yield tree
    elif isinstance(tree, CreditsFrom):
        yield from tree.source_leaves()
    else:
        for child in tree.children:
            yield from slots(child)


def required_achievements(spec: PathwaySpec) -> frozenset[str]:
    """The achievement ids ``spec`` names (what ``check_pathway``'s ``others`` maps to)."""
    return frozenset(leaf.achievement for leaf in slots(spec.requirements))


# --- plain data ---------------------------------------------------------------------------


def pathway_data(spec: PathwaySpec) -> dict[str, Any]:
    """``spec`` as plain data, the form ``parse_pathway_data`` reads back equal."""
    data: dict[str, Any] = {"id": spec.id, "name": spec.name}
    if spec.description:
        data["description"] = spec.description
    data["target"] = spec.target
    data["requirements"] = _node_data(spec.requirements)
    if spec.order:
        data["order"] = [[a, b] for a, b in spec.order]
    if spec.within is not None:
        data["within"] = {spec.within.unit.value: spec.within.amount}
    return data


def _node_data(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "title": node.title}
    if node.min_eqf is not None:
        data["min_eqf"] = node.min_eqf
    if isinstance(node, CredentialLeaf):
        data["credential"] = node.achievement
    elif isinstance(node, AllOf):
        data["all_of"] = [_node_data(child) for child in node.children]
    elif isinstance(node, AtLeast):
        data["at_least"] = node.count
        data["of"] = [_node_data(child) for child in node.children]
    else:
        amount = node.minimum
        number: int | float = int(amount) if amount == amount.to_integral_value() else float(amount)
        data["credits"] = {"min": number, "unit": node.unit.value}
        data["from"] = [s if isinstance(s, str) else _node_data(s) for s in node.sources]
    return data


def parse_pathway_data(data: object) -> PathwaySpec:
    """The pathway ``data`` (parsed YAML or JSON) describes, its shape checked whole.

    Fields: ``id`` (slug), ``name``, optional ``description``, ``target`` (achievement id),
    ``requirements`` (the tree; see docs/pathways.md), optional ``order`` (a list of
    ``[a, b]`` requirement id pairs) and ``within`` (``{"years": 3}``, or months or days).
    Raises ``InvalidInputError`` naming the place at fault. What the shape cannot show (ids
    used twice, at least 4 of 3) is refused too; the catalogue's checks are
    ``check_pathway``'s.
    """
    if not isinstance(data, Mapping):
        raise InvalidInputError("pathway: must be an object")
    extra = sorted(set(data) - {"id", "name", "description", "target", "requirements"} - {
        "order", "within",
    })  # fmt: skip
    if extra:
        raise InvalidInputError(f"pathway: unknown field {', '.join(map(str, extra))}")
    spec = PathwaySpec(
        id=_slug(data.get("id"), "id"),
        name=_text(data.get("name"), "name"),
        target=_slug(data.get("target"), "target"),
        requirements=_node(data.get("requirements"), "requirements", 1),
        description=_text(data.get("description", ""), "description", empty=True),
        order=_order(data.get("order", [])),
        within=_window(data["within"]) if data.get("within") is not None else None,
    )
    check_structure(spec)
    return spec


def _node(data: object, where: str, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{where}: requirements nest deeper than {MAX_DEPTH} levels")
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"{where}: must be an object with an 'id'")
    node_id = _slug(data.get("id"), f"{where}.id")
    title = _text(data.get("title", node_id), f"{where}.title")
    kinds = [key for key in _NODE_KEYS if key in data]
    if len(kinds) != 1:
        raise InvalidInputError(f"{where}: must have exactly one of {', '.join(_NODE_KEYS)}")
    kind = kinds[0]
    partner = {"at_least": {"of"}, "credits": {"from"}}.get(kind, set())
    extra = sorted(set(data) - {"id", "title", "min_eqf", kind} - partner)
    if extra:
        raise InvalidInputError(f"{where}: unknown field {', '.join(map(str, extra))}")
    min_eqf = _eqf(data.get("min_eqf"), f"{where}.min_eqf")
    if kind == "credential":
        achievement = _slug(data[kind], f"{where}.credential")
        return CredentialLeaf(node_id, achievement, title, min_eqf)
    if kind == "credits":
        minimum, unit = _credits(data[kind], f"{where}.credits")
        sources = _list(data.get("from"), f"{where}.from")
        parsed = tuple(_source(item, f"{where}.from[{i}]", depth) for i, item in enumerate(sources))
        return CreditsFrom(node_id, minimum, unit, parsed, title, min_eqf)
    key = "all_of" if kind == "all_of" else "of"
    items = _list(data.get(key), f"{where}.{key}")
    children = tuple(_node(item, f"{where}.{key}[{i}]", depth + 1) for i, item in enumerate(items))
    if kind == "all_of":
        return AllOf(node_id, children, title, min_eqf)
    count = data["at_least"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInputError(f"{where}.at_least: must be a whole number, 1 or more")
    return AtLeast(node_id, count, children, title, min_eqf)


def _source(data: object, where: str, depth: int) -> str | CredentialLeaf:
    if isinstance(data, str):
        return _slug(data, where)
    node = _node(data, where, depth + 1)
    if not isinstance(node, CredentialLeaf):
        raise InvalidInputError(f"{where}: must be an achievement id or a credential leaf")
    return node


def _credits(data: object, where: str) -> tuple[decimal.Decimal, CreditUnit]:
    if not isinstance(data, Mapping) or set(data) != {"min", "unit"}:
        raise InvalidInputError(f"{where}: must be {{min: <number>, unit: <unit>}}")
    amount = data["min"]
    try:
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            raise decimal.InvalidOperation
        minimum = decimal.Decimal(str(amount))
    except decimal.InvalidOperation:
        minimum = decimal.Decimal(0)
    if not minimum.is_finite() or minimum <= 0 or minimum > 100_000:
        raise InvalidInputError(f"{where}.min: must be a positive number")
    try:
        unit = CreditUnit(data["unit"])
    except ValueError:
        units = ", ".join(u.value for u in CreditUnit)
        raise InvalidInputError(f"{where}.unit: must be one of {units}") from None
    return minimum, unit


def _order(data: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(data, list):
        raise InvalidInputError("order: must be a list of [before, after] requirement id pairs")
    pairs = []
    for i, pair in enumerate(data):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInputError(f"order[{i}]: must be a pair [before, after]")
        pairs.append((_slug(pair[0], f"order[{i}][0]"), _slug(pair[1], f"order[{i}][1]")))
    return tuple(pairs)


def _window(data: object) -> Window:
    if not isinstance(data, Mapping) or len(data) != 1 or next(iter(data)) not in _MAX_WINDOW:
        raise InvalidInputError("within: must be one of {years: N}, {months: N}, {days: N}")
    unit, amount = next(iter(data.items()))
    if isinstance(amount, bool) or not isinstance(amount, int):
        amount = 0
    if not 1 <= amount <= _MAX_WINDOW[unit]:
        raise InvalidInputError(
            f"within.{unit}: must be a whole number from 1 to {_MAX_WINDOW[unit]}"
        )
    return Window(amount, WindowUnit(unit))


def _list(data: object, where: str) -> list[Any]:
    if not isinstance(data, list) or not data:
        raise InvalidInputError(f"{where}: must be a non-empty list")
    return data


def _slug(value: object, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInputError(
            f"{where}: must be 1-64 lower-case letters, digits or inner hyphens"
        )
    return value


def _text(value: object, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > 10_000 or not (empty or value.strip()):
        raise InvalidInputError(f"{where}: must be a non-empty text")
    return value.strip()


def _eqf(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 8:
        raise InvalidInputError(f"{where}: must be an EQF level from 1 to 8")
    return value


# --- structure -----------------------------------------------------------------------------


def check_structure(spec: PathwaySpec) -> None:
    """Refuse what the tree's shape makes meaningless, whoever built ``spec``: an empty
    combination, ids used twice (nodes, or an achievement twice in one ``from``), at least
    N of fewer than N, an order naming unknown ids, itself, or a node that contains the other.
    Raises ``InvalidInputError``."""
    seen: set[str] = set()
    for node in walk(spec.requirements):
        if node.id in seen:
            raise InvalidInputError(f"requirements: the id '{node.id}' is used twice")
        seen.add(node.id)
        if isinstance(node, AllOf | AtLeast) and not node.children:
            raise InvalidInputError(f"requirement '{node.id}': has nothing under it")
        if isinstance(node, AtLeast) and node.count > len(node.children):
            raise InvalidInputError(
                f"requirement '{node.id}': at least {node.count} of {len(node.children)}"
                " can never be met"
            )
        if isinstance(node, CreditsFrom):
            _check_sources(node)
    for a, b in spec.order:
        for name in (a, b):
            if name not in seen:
                raise InvalidInputError(f"order: '{name}' is not a requirement id")
        if a == b:
            raise InvalidInputError(f"order: '{a}' cannot come before itself")
        for outer, inner in ((a, b), (b, a)):
            if inner in _ids_under(spec.requirements, outer):
                raise InvalidInputError(f"order: '{outer}' contains '{inner}'")


def _check_sources(node: CreditsFrom) -> None:
    if not node.sources:
        raise InvalidInputError(f"requirement '{node.id}': has nothing under it")
    names = [s for s in node.sources if isinstance(s, str)]
    for name in names:
        if names.count(name) > 1:
            raise InvalidInputError(f"requirement '{node.id}': lists '{name}' twice")


def find_node(tree: Node, node_id: str) -> Node | None:
    """The node of ``tree`` with this id (a leaf source of a credits node included)."""
    return next((node for node in walk(tree) if node.id == node_id), None)


def _ids_under(tree: Node, node_id: str) -> set[str]:
    node = find_node(tree, node_id)
    return {n.id for n in walk(node)} - {node_id} if node is not None else set()
