"""The fast path: compact JSON-LD straight to RDF quads, for the documents credentials are.

The general path (``credstack.vc.jsonld``) expands a document with pyld, expands it again inside
``to_rdf``, builds pyld's node map and then its dataset: about 8 ms for one platform credential.
This module walks the compact document once and writes each quad as it meets it, already in
canonical N-Quads form, ready for ``credstack.vc.rdfc``.

**Exactness.** It does not reimplement context processing: every ``@context`` (bundled, inline,
property- or type-scoped) is processed by pyld's own ``_process_context``, and each result is
kept, so the term definitions the walk reads are pyld's. The walk itself follows pyld's
``_expand``/``_expand_object``/``_expand_value`` (JSON-LD 1.1 API §5.1.2, §5.3.2) and its
``_object_to_rdf``/``_list_to_rdf`` (§8.6), step for step, with credstack's safe-mode rules
(``jsonld._check_ids_and_types``) on every ``@id`` and ``@type``. It covers what credentials
use: node objects, ``@id``/``@type`` and their aliases, coerced values (``@id``, ``@vocab``,
datatypes), default and term languages, ``@set``, ``@list`` and ``@graph`` containers (proofs
and endorsements), and property- and type-scoped contexts with their propagation rules.

**Everything else is refused, never guessed.** A keyword it does not handle (``@graph`` as a
key, ``@reverse``, ``@nest``, ``@included``, value objects, ``@json``), a container it does not
handle (language, index, id and type maps), a term that safe mode would refuse, a relative
IRI, a context pyld refuses: each raises ``Unsupported``, and ``jsonld.canonicalize`` then runs
the general path, which gives the answer, or the error, that pyld gives. The two paths are
compared on generated credentials in ``tests/test_jsonld_rdf.py`` (decision 0015).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

import orjson
from pyld import jsonld
from pyld.jsonld import _canonicalize_double

from credstack.vc.contexts import ContextRegistry
from credstack.vc.frozen import FrozenDict, FrozenList
from credstack.vc.rdfc import SerializedQuad, escape_literal, first_degree_hashes

__all__ = ["Dataset", "Unsupported", "dataset_of", "dataset_split"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = f"<{RDF}type>"
_RDF_FIRST = f"<{RDF}first>"
_RDF_REST = f"<{RDF}rest>"
_RDF_NIL = f"<{RDF}nil>"
_XSD_STRING = XSD + "string"
_XSD_DOUBLE = XSD + "double"
_XSD_BOOLEAN = XSD + "boolean"
_XSD_INTEGER = XSD + "integer"

# credstack's safe mode (jsonld._check_ids_and_types) and pyld's to_rdf (_is_absolute_iri)
# must both accept an IRI; the fast path takes only those both accept.
_SAFE_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
#: Deeper documents are left to the general path (which refuses what it cannot expand).
_MAX_DEPTH = 100
_PYLD_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")

# Term kinds, decided once per (active context, key).
_PROPERTY, _ID, _TYPE = 0, 1, 2
_CONTAINERS = {(): 0, ("@set",): 0, ("@list",): 1, ("@graph",): 2, ("@graph", "@set"): 2}
_PLAIN, _LIST, _GRAPH = 0, 1, 2
#: Processed contexts kept per registry and thread before the cache starts again (documents
#: with inline contexts of their own would otherwise grow it without bound).
_MAX_CACHED_CONTEXTS = 4_096
#: Node objects with at least this many keys are looked up by content (``_Walk.by_content``):
#: an achievement or an issuer profile, which a cohort's credentials share; smaller ones cost
#: less to walk than to look up.
_CONTENT_KEYS = 6
#: orjson writes what is not JSON (tuples, dates, UUIDs, subclasses...) as if it were, or
#: refuses it; with these options it refuses more, and equality is checked on every hit.
_DUMPS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_DUMPS |= orjson.OPT_PASSTHROUGH_SUBCLASS


def _literal(text: str, datatype: str) -> str:
    """A literal of a number or boolean (its text needs no escaping); ``xsd:string`` is
    written as a plain literal, as RDFC-1.0's canonical N-Quads write it."""
    if datatype == _XSD_STRING:
        return f'"{text}"'
    return f'"{text}"^^<{datatype}>'


class Unsupported(Exception):  # noqa: N818 - a signal to fall back, not an error to report
    """The document uses something the fast path does not cover; use the general path."""


class _Term:
    """What the walk needs of one key in one active context (pyld's term definition, read once)."""

    __slots__ = ("coercion", "container", "direction", "iri", "kind", "language", "scoped")

    def __init__(self, ctx: dict[str, Any], key: str, expanded: Any) -> None:
        if expanded == "@id":
            self.kind = _ID
        elif expanded == "@type":
            self.kind = _TYPE
        elif (
            isinstance(expanded, str)
            and not expanded.startswith("@")
            and _PYLD_ABSOLUTE.match(expanded)
            and not expanded.startswith("_:")
        ):
            self.kind = _PROPERTY
        else:
            # another keyword, an undefined term (safe mode refuses it), a blank-node property
            raise Unsupported(key)
        self.iri = f"<{expanded}>"
        mapping = ctx["mappings"].get(key)
        self.scoped: Any = None
        self.coercion: Any = None
        container: tuple[str, ...] = ()
        if mapping:
            if mapping.get("reverse"):
                raise Unsupported(key)
            self.scoped = mapping.get("@context")
            self.coercion = mapping.get("@type")
            container = tuple(sorted(mapping.get("@container", ())))
        if container not in _CONTAINERS:
            raise Unsupported(key)
        self.container = _CONTAINERS[container]
        # get_context_value: the term's own entry wins over the context's default
        self.language = ctx.get("@language")
        self.direction = ctx.get("@direction")
        if mapping:
            self.language = mapping.get("@language", self.language)
            self.direction = mapping.get("@direction", self.direction)
        coercion = self.coercion
        if coercion == "@json" or not (
            coercion is None
            or coercion in ("@id", "@vocab", "@none")
            or (_PYLD_ABSOLUTE.match(coercion) and not coercion.startswith("_:"))
        ):
            raise Unsupported(key)


class _Ctx:
    """One pyld active context, with what the walk has read from it so far."""

    __slots__ = (
        "by_content",
        "expansions",
        "id_keys",
        "mappings",
        "memo",
        "previous",
        "raw",
        "terms",
        "transitions",
        "type_keys",
    )

    def __init__(self, raw: dict[str, Any], previous: _Ctx | None) -> None:
        self.raw = raw
        self.mappings: dict[str, Any] = raw["mappings"]
        self.previous = previous
        self.terms: dict[str, _Term] = {}
        self.expansions: dict[str, Any] = {}
        # (local context's key, mode) -> (the local context, the context it leads to); the
        # entry holds the local context, so an id used as its key cannot be reused meanwhile
        self.transitions: dict[tuple[Any, int], tuple[Any, _Ctx]] = {}
        # (active property, id of a FrozenDict) -> its quads, made once
        self.memo: dict[tuple[str, int], _Shared] = {}
        # (active property, the JSON text of a node object) -> its quads, made once
        self.by_content: dict[tuple[str, bytes], _Shared] = {}
        aliases = {k: m.get("@id") for k, m in self.mappings.items() if m}
        self.type_keys = frozenset(["@type", *(k for k, v in aliases.items() if v == "@type")])
        self.id_keys = frozenset(["@id", *(k for k, v in aliases.items() if v == "@id")])


class _Contexts:
    """pyld's processed contexts and the terms read from them, kept across documents.

    A processed context is found from the active context it was applied to and the local
    context: its identity when it cannot change (a scoped context of a processed context, a
    frozen one), its URLs, or the JSON text of one written in a document.
    """

    def __init__(self, registry: ContextRegistry, options: dict[str, Any]) -> None:
        self.registry = registry
        self.options = options
        self.processor = jsonld.JsonLdProcessor()
        self._expand_iri = self.processor._expand_iri
        self._wrapped: dict[int, _Ctx] = {}
        self.shared_count = 0
        self.initial = self.wrap(self.processor._get_initial_context(options))

    def wrap(self, raw: dict[str, Any]) -> _Ctx:
        found = self._wrapped.get(id(raw))
        if found is None or found.raw is not raw:
            previous = raw.get("previousContext")
            found = _Ctx(raw, self.wrap(previous) if previous is not None else None)
            self._wrapped[id(raw)] = found
        return found

    def term(self, ctx: _Ctx, key: str) -> _Term:
        found = ctx.terms.get(key)
        if found is None:
            if _KEYWORD_LIKE.match(key) and key not in ("@id", "@type"):
                raise Unsupported(key)
            found = ctx.terms[key] = _Term(ctx.raw, key, self.vocab_iri(ctx, key))
        return found

    def vocab_iri(self, ctx: _Ctx, value: str) -> Any:
        """pyld's vocab-relative IRI expansion of ``value`` (cached per context)."""
        expansions = ctx.expansions
        if value in expansions:
            return expansions[value]
        if len(expansions) >= _MAX_CACHED_CONTEXTS:
            expansions.clear()
        found = expansions[value] = self._expand_iri(ctx.raw, value, vocab=True, base=None)
        return found

    def apply(self, ctx: _Ctx, local: Any, mode: int, *, inline: bool = False) -> _Ctx:
        """``ctx`` with ``local`` processed on top. ``mode``: 0 plain (an embedded
        ``@context``), 1 property-scoped (override protected), 2 a key's term context
        (propagate, override protected), 3 type-scoped (no propagation)."""
        by_identity = False
        if not inline or type(local) is FrozenList or type(local) is FrozenDict:
            # a scoped context of a processed context, or a frozen one: neither can change
            key: Any = id(local)
            by_identity = True
        elif isinstance(local, str):
            key = local
        elif isinstance(local, list) and all(isinstance(item, str) for item in local):
            key = ("urls", *local)
        else:
            # written in the document: a new object each time, so its text is the key, and
            # on a hit it must equal the one processed (orjson writes NaN as null, a tuple as
            # a list); what orjson cannot write is processed each time
            try:
                key = orjson.dumps(local, option=_DUMPS)
            except TypeError:
                key = None
        entry = ctx.transitions.get((key, mode)) if key is not None else None
        if entry is not None and (
            entry[0] is local
            if by_identity
            else (type(entry[0]) is type(local) and entry[0] == local)
        ):
            return entry[1]
        try:
            processed = self.processor._process_context(
                ctx.raw,
                local,
                self.options,
                override_protected=mode in (1, 2),
                propagate=mode != 3,
            )
        except Exception as error:  # pyld's error, or our ContextError: the general path says
            raise Unsupported("context") from error
        if len(self._wrapped) >= _MAX_CACHED_CONTEXTS:
            self._wrapped.clear()
            self.initial.transitions.clear()
        found = self.wrap(processed)
        if key is not None:
            ctx.transitions[(key, mode)] = (local, found)
        return found


class _Shared:
    """The quads of one node object, made once and reused by every document that holds the
    same object (frozen) or an equal one (``by_content``); its blank nodes have labels of
    their own (``_:m<n>x<k>``)."""

    __slots__ = ("depth", "hashes", "lines", "node", "quads", "subject")

    def __init__(
        self, node: Mapping[str, Any], subject: str, walk: _Walk, hashes: dict[str, str]
    ) -> None:
        self.node = node  # kept alive: its id is the key (frozen), or compared on each use
        self.subject = subject
        self.quads = walk.quads
        self.lines = walk.lines
        self.hashes = hashes
        #: the depth it was walked at: within the depth limit at this depth or less
        self.depth = 0


class _Walk:
    """One document's walk: quads out, blank nodes numbered in the order they are met."""

    __slots__ = (
        "contexts",
        "count",
        "depth",
        "known",
        "lines",
        "prefix",
        "quads",
        "reuse",
        "split",
        "split_at",
        "used",
    )

    def __init__(self, contexts: _Contexts, prefix: str = "_:g", *, reuse: bool = True) -> None:
        self.contexts = contexts
        # quads with a blank node or in a named graph; the others written out at once
        self.quads: list[SerializedQuad] = []
        self.lines: list[str] = []
        self.count = 0
        self.depth = 0
        self.prefix = prefix
        self.reuse = reuse
        self.known: dict[str, str] = {}
        self.used: set[int] = set()
        # a top-level key whose quads are noted (``dataset_of(split=...)``), and where they are
        self.split: str | None = None
        self.split_at: tuple[int, int, int, int] | None = None

    def blank(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count}"

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        if g or s[0] == "_" or o[0] == "_":
            self.quads.append((s, p, o, g))
        else:
            self.lines.append(f"{s} {p} {o} .\n")

    def shared(self, ctx: _Ctx, key: str, item: FrozenDict) -> str:
        """A frozen node object in the default graph: its quads from the memo, made once."""
        memo = ctx.memo
        entry = memo.get((key, id(item)))
        if entry is None or entry.node is not item:
            if len(memo) >= _MAX_CACHED_CONTEXTS:
                memo.clear()
            entry = memo[(key, id(item))] = self.walked_apart(ctx, key, item)
        return self.use(ctx, key, item, entry)

    def by_content(self, ctx: _Ctx, key: str, item: Mapping[str, Any]) -> str | None:
        """A large node object in the default graph that an earlier document held too (a
        verifier reads a cohort's achievement once per credential): its quads from the memo,
        found by its JSON text and taken only if it is equal to the object they were made
        from (orjson's text alone does not tell a tuple from a list). ``None``: walk it."""
        try:
            text = orjson.dumps(item, option=_DUMPS)
        except TypeError:  # not plain JSON (orjson.JSONEncodeError is a TypeError)
            return None
        memo = ctx.by_content
        entry = memo.get((key, text))
        if entry is None:
            if len(memo) >= _MAX_CACHED_CONTEXTS:
                memo.clear()
            entry = memo[(key, text)] = self.walked_apart(ctx, key, item)
        elif self.depth > entry.depth or entry.node != item:
            return None
        return self.use(ctx, key, item, entry)

    def walked_apart(self, ctx: _Ctx, key: str, item: Mapping[str, Any]) -> _Shared:
        """``item`` walked on its own, at this depth, with blank nodes of its own."""
        self.contexts.shared_count += 1
        sub = _Walk(self.contexts, f"_:m{self.contexts.shared_count}x", reuse=False)
        sub.depth = self.depth
        subject = sub.node(ctx, key, item, "")
        inner = [f"{sub.prefix}{n}" for n in range(1, sub.count + 1)]
        hashes = first_degree_hashes(sub.quads, (b for b in inner if b != subject))
        entry = _Shared(item, subject, sub, hashes)
        entry.depth = self.depth
        return entry

    def use(self, ctx: _Ctx, key: str, item: Mapping[str, Any], entry: _Shared) -> str:
        if id(entry) in self.used:
            # the same object twice in one document: two nodes, so fresh blank nodes
            return self.node(ctx, key, item, "")
        self.used.add(id(entry))
        self.quads.extend(entry.quads)
        self.lines.extend(entry.lines)
        self.known.update(entry.hashes)
        return entry.subject

    # pyld _expand, for a JSON object that is a node object
    def node(
        self, ctx: _Ctx, active_property: str | None, element: Mapping[str, Any], graph: str
    ) -> str:
        contexts = self.contexts
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unsupported("nested too deeply")
        property_scoped = None
        if active_property is not None:
            property_scoped = contexts.term(ctx, active_property).scoped
        # a type-scoped context is not propagated into a new node object, unless the object
        # is only a reference ({"id": ...})
        previous = ctx.previous
        if previous is not None:
            if len(element) <= 2 and "@context" not in element:
                for key in element:
                    if contexts.vocab_iri(ctx, key) == "@value":
                        raise Unsupported("value object")
            if not (len(element) == 1 and next(iter(element)) in ctx.id_keys):
                ctx = previous
        if property_scoped is not None:
            ctx = contexts.apply(ctx, property_scoped, 1)
        # _prepare_nested_context: the node's own @context, then its types' scoped contexts
        if "@context" in element:
            local = element["@context"]
            if isinstance(local, dict) and len(local) == 1 and "@context" in local:
                raise Unsupported("@context")  # pyld: "keywords cannot be overridden"
            ctx = contexts.apply(ctx, local, 0, inline=True)
        type_scoped = ctx
        type_keys = type_scoped.type_keys
        types: list[str] = []
        found_type_keys = []
        for key in element:
            if key in type_keys:
                found_type_keys.append(key)
                value = element[key]
                for type_ in value if isinstance(value, list) else [value]:
                    if not isinstance(type_, str):
                        raise Unsupported("@type")
                    types.append(type_)
        if types:
            if len(found_type_keys) > 1:
                raise Unsupported("two @type keys")  # pyld applies their contexts key by key
            types.sort()
            mappings = type_scoped.mappings
            for type_ in types:
                mapping = mappings.get(type_)
                scoped = mapping.get("@context") if mapping else None
                if scoped is not None and scoped is not False:
                    ctx = contexts.apply(ctx, scoped, 3)
        # _expand_object
        node_id: str | None = None
        properties: list[tuple[str, _Term, Any]] = []
        terms = ctx.terms
        for key, value in element.items():
            if key == "@context":
                continue
            term = terms.get(key) or contexts.term(ctx, key)
            kind = term.kind
            if kind == _PROPERTY:
                properties.append((key, term, value))
            elif kind == _ID:
                if node_id is not None or not isinstance(value, str):
                    raise Unsupported("@id")
                node_id = self.iri(ctx, value)
            if (kind == _TYPE) != (key in found_type_keys):
                raise Unsupported("@type alias")  # a type-scoped context changed what it is
        if active_property is None and not properties and not types:
            raise Unsupported("free-floating node")
        subject = node_id if node_id is not None else self.blank()
        emit = self.emit
        for type_ in types:
            emit(subject, _RDF_TYPE, self.type_iri(type_scoped, type_), graph)
        for key, term, value in properties:
            if value is None:
                continue
            if active_property is None and key == self.split:
                quads, lines, known = len(self.quads), len(self.lines), len(self.known)
                self.values(ctx, key, term, value, subject, graph)
                if len(self.known) == known:  # its quads are a slice of the lists
                    self.split_at = (quads, len(self.quads), lines, len(self.lines))
            else:
                self.values(ctx, key, term, value, subject, graph)
        self.depth -= 1
        return subject

    def values(
        self, ctx: _Ctx, key: str, term: _Term, value: Any, subject: str, graph: str
    ) -> None:
        """One property of a node: its values expanded and written as quads."""
        if term.scoped is not None:
            ctx = self.contexts.apply(ctx, term.scoped, 2)
            inner = self.contexts.term(ctx, key)
            if inner.iri != term.iri or inner.container != term.container:
                raise Unsupported(key)  # a scoped context that redefines its own term
            term = inner
        predicate = term.iri
        emit = self.emit
        container = term.container
        if container == _LIST:
            items = value if isinstance(value, list) else [value]
            emit(subject, predicate, self.rdf_list(ctx, key, term, items, graph), graph)
            return
        if container == _GRAPH:
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    continue
                if not isinstance(item, dict):
                    raise Unsupported("@graph container value")
                graph_name = self.blank()
                self.node(ctx, key, item, graph_name)
                emit(subject, predicate, graph_name, graph)
            return
        if isinstance(value, list):
            for item in value:
                if item is not None:
                    emit(subject, predicate, self.value(ctx, key, term, item, graph), graph)
        else:
            emit(subject, predicate, self.value(ctx, key, term, value, graph), graph)

    def value(self, ctx: _Ctx, key: str, term: _Term, item: Any, graph: str) -> str:
        """One value (pyld _expand_value, then _object_to_rdf) as an N-Quads term."""
        coercion = term.coercion
        if isinstance(item, str):
            if coercion is None:
                if term.language is None and term.direction is None:
                    return f'"{escape_literal(item)}"'
            elif coercion == "@id":
                return self.iri(ctx, item)
            elif coercion == "@vocab":
                return self.type_iri(ctx, item)
            elif coercion != "@none":
                if coercion == _XSD_DOUBLE:
                    raise Unsupported("string typed as xsd:double")
                if coercion == _XSD_STRING:
                    return f'"{escape_literal(item)}"'
                return f'"{escape_literal(item)}"^^<{coercion}>'
            if term.direction is not None:
                raise Unsupported("@direction")
            if term.language is not None:
                return f'"{escape_literal(item)}"@{term.language}'
            return f'"{escape_literal(item)}"'
        if isinstance(item, dict):
            if self.reuse and graph == "":
                if type(item) is FrozenDict:
                    return self.shared(ctx, key, item)
                if len(item) >= _CONTENT_KEYS:
                    found = self.by_content(ctx, key, item)
                    if found is not None:
                        return found
            return self.node(ctx, key, item, graph)
        if isinstance(item, list):
            raise Unsupported("nested array")
        datatype = coercion if coercion not in (None, "@id", "@vocab", "@none") else None
        if isinstance(item, bool):
            return _literal("true" if item else "false", datatype or _XSD_BOOLEAN)
        if isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise Unsupported("number")
            if not item.is_integer() or datatype == _XSD_DOUBLE or abs(item) >= 1e21:
                return _literal(_canonicalize_double(item), datatype or _XSD_DOUBLE)
            return _literal(str(int(item)), datatype or _XSD_INTEGER)
        if isinstance(item, int):
            if datatype == _XSD_DOUBLE or abs(item) >= 1e21:
                return _literal(_canonicalize_double(float(item)), datatype or _XSD_DOUBLE)
            return _literal(str(item), datatype or _XSD_INTEGER)
        raise Unsupported("value")

    def rdf_list(self, ctx: _Ctx, key: str, term: _Term, items: list[Any], graph: str) -> str:
        """pyld _list_to_rdf: rdf:first/rdf:rest cells, or rdf:nil for an empty list."""
        objects = []
        for item in items:
            if item is None:
                continue
            if isinstance(item, list):
                raise Unsupported("list of lists")
            objects.append(self.value(ctx, key, term, item, graph))
        if not objects:
            return _RDF_NIL
        head = cell = self.blank()
        quads = self.quads
        for index, obj in enumerate(objects):
            quads.append((cell, _RDF_FIRST, obj, graph))
            following = self.blank() if index + 1 < len(objects) else _RDF_NIL
            quads.append((cell, _RDF_REST, following, graph))
            cell = following
        return head

    def iri(self, ctx: _Ctx, value: str) -> str:
        """An ``@id`` or ``@id``-coerced value: pyld's document-relative expansion with no
        base (``_expand_iri`` with ``vocab=False``), then the checks of safe mode and of
        pyld's to_rdf."""
        colon = value.find(":")
        if colon <= 0 or value[0] == "@":
            raise Unsupported("relative IRI")  # or a keyword: the general path decides
        prefix = value[:colon]
        suffix = value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            expanded = value
        else:
            mapping = ctx.mappings.get(prefix)
            expanded = mapping["@id"] + suffix if mapping and mapping.get("_prefix") else value
        return self.checked(expanded)

    def type_iri(self, ctx: _Ctx, value: str) -> str:
        """A ``@type`` or ``@vocab``-coerced value: vocab-relative expansion, then the checks."""
        return self.checked(self.contexts.vocab_iri(ctx, value))

    @staticmethod
    def checked(expanded: Any) -> str:
        if not isinstance(expanded, str) or not _PYLD_ABSOLUTE.match(expanded):
            raise Unsupported("relative IRI")
        if expanded[0] == "_" and expanded[1] == ":":
            return "_:d" + expanded[2:]
        if not _SAFE_ABSOLUTE.match(expanded):
            raise Unsupported("IRI")
        return f"<{expanded}>"


_local = threading.local()


def _contexts_for(registry: ContextRegistry, options: dict[str, Any]) -> _Contexts:
    """One cache per registry and thread (pyld's context structures are not thread-safe)."""
    caches: dict[int, _Contexts] = getattr(_local, "caches", None) or {}
    _local.caches = caches
    found = caches.get(id(registry))
    if found is None or found.registry is not registry:
        found = caches[id(registry)] = _Contexts(registry, options)
    return found


Dataset = tuple[list[SerializedQuad], list[str], dict[str, str]]


def dataset_of(
    document: Mapping[str, Any], registry: ContextRegistry, options: dict[str, Any]
) -> Dataset:
    """The RDF dataset of ``document``, for ``rdfc.canonical_nquads_of``: the quads that
    have a blank node or a named graph, as serialized quads (graph ``""`` for the default);
    the other quads as N-Quads lines; and the first-degree hashes already known for blank
    nodes of shared (frozen) parts.

    ``options`` are the pyld options of the general path (same loader and resolver). Raises
    ``Unsupported`` for anything outside the fast path; nothing else.
    """
    return _walk(document, registry, options, None)[0]


def dataset_split(
    document: Mapping[str, Any], registry: ContextRegistry, options: dict[str, Any], key: str
) -> tuple[Dataset, Dataset | None]:
    """``dataset_of(document)``, and the dataset of the document without its top-level
    ``key`` (``None`` when it cannot be told apart). A verifier checks the whole credential
    and then hashes it without its ``proof``: one walk serves both, since the other keys are
    expanded with the same contexts either way."""
    full, walk = _walk(document, registry, options, key)
    if walk.split_at is None:
        return full, None if key in document else full
    quads_from, quads_to, lines_from, lines_to = walk.split_at
    rest = (
        full[0][:quads_from] + full[0][quads_to:],
        full[1][:lines_from] + full[1][lines_to:],
        full[2],
    )
    return full, rest


# what malformed input can raise inside the walk: all mean "let the general path answer"
_CRASHES = (RecursionError, TypeError, ValueError, KeyError, AttributeError, OverflowError)


def _walk(
    document: Mapping[str, Any],
    registry: ContextRegistry,
    options: dict[str, Any],
    split: str | None,
) -> tuple[Dataset, _Walk]:
    if not isinstance(document, Mapping) or "@graph" in document:
        raise Unsupported("document")
    walk = _Walk(_contexts_for(registry, options))
    walk.split = split
    try:
        walk.node(walk.contexts.initial, None, document, "")
    except Unsupported:
        raise
    except (
        RecursionError,
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        OverflowError,
    ) as error:
        raise Unsupported(type(error).__name__) from error
    return (walk.quads, walk.lines, walk.known), walk
