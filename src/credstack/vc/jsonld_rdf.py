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

import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.jsonld import _canonicalize_double

from credstack.vc.contexts import ContextRegistry
from credstack.vc.rdfc import SerializedQuad, escape_literal

__all__ = ["Unsupported", "dataset_of"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = f"<{RDF}type>"
_RDF_FIRST = f"<{RDF}first>"
_RDF_REST = f"<{RDF}rest>"
_RDF_NIL = f"<{RDF}nil>"
_XSD_STRING = XSD + "string"
_XSD_DOUBLE = XSD + "double"
_XSD_BOOLEAN_SUFFIX = f"^^<{XSD}boolean>"
_XSD_INTEGER = XSD + "integer"

# credstack's safe mode (jsonld._check_ids_and_types) and pyld's to_rdf (_is_absolute_iri)
# must both accept an IRI; the fast path takes only those both accept.
_SAFE_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_PYLD_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")

# Term kinds, decided once per (active context, key).
_PROPERTY, _ID, _TYPE, _CONTEXT = 0, 1, 2, 3
_CONTAINERS = {(): 0, ("@set",): 0, ("@list",): 1, ("@graph",): 2, ("@graph", "@set"): 2}
_PLAIN, _LIST, _GRAPH = 0, 1, 2
#: Processed contexts kept per registry and thread before the cache starts again (documents
#: with inline contexts of their own would otherwise grow it without bound).
_MAX_CACHED_CONTEXTS = 4_096


class Unsupported(Exception):  # noqa: N818 - a signal to fall back, not an error to report
    """The document uses something the fast path does not cover; use the general path."""


class _Term:
    """What the walk needs of one key in one active context (pyld's term definition, read once)."""

    __slots__ = ("container", "coercion", "direction", "iri", "kind", "language", "scoped")

    def __init__(self, ctx: dict[str, Any], key: str, expand_iri: Any) -> None:
        expanded = expand_iri(ctx, key, vocab=True)
        if expanded == "@id":
            self.kind = _ID
        elif expanded == "@type":
            self.kind = _TYPE
        elif expanded == "@context":
            self.kind = _CONTEXT
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


class _Contexts:
    """pyld's processed contexts and the terms read from them, kept across documents.

    Processed contexts are keyed by the active context they were applied to and by the local
    context: a URL, or the identity of a scoped context object held by a processed context
    (kept alive here, so the identity cannot be reused), or the JSON text of an inline one.
    """

    def __init__(self, registry: ContextRegistry, options: dict[str, Any]) -> None:
        self.registry = registry
        self.options = options
        self.processor = jsonld.JsonLdProcessor()
        self.initial: dict[str, Any] = self.processor._get_initial_context(options)
        self._processed: dict[tuple[int, Any, int], tuple[Any, dict[str, Any]]] = {}
        # per active context: the context itself (kept alive), its terms, its key expansions
        self._terms: dict[int, tuple[dict[str, Any], dict[str, _Term], dict[str, Any]]] = {}
        self._expand_iri = self.processor._expand_iri

    def term(self, ctx: dict[str, Any], key: str) -> _Term:
        entry = self._terms.get(id(ctx))
        if entry is None:
            entry = self._terms[id(ctx)] = (ctx, {}, {})
        terms = entry[1]
        found = terms.get(key)
        if found is None:
            if _KEYWORD_LIKE.match(key) and key not in ("@id", "@type", "@context"):
                raise Unsupported(key)
            found = terms[key] = _Term(ctx, key, self._expand_iri)
        return found

    def keyword(self, ctx: dict[str, Any], key: str) -> Any:
        """What ``key`` expands to as a property name (vocab-relative), without raising."""
        entry = self._terms.get(id(ctx))
        if entry is None:
            entry = self._terms[id(ctx)] = (ctx, {}, {})
        expansions = entry[2]
        if key not in expansions:
            expansions[key] = self._expand_iri(ctx, key, vocab=True)
        return expansions[key]

    def type_context(self, ctx: dict[str, Any], type_: str) -> Any:
        """A type's scoped context (pyld's get_context_value(ctx, type, '@context'))."""
        mapping = ctx["mappings"].get(type_)
        return mapping.get("@context") if mapping else None

    def apply(
        self, ctx: dict[str, Any], local: Any, mode: int, *, inline: bool = False
    ) -> dict[str, Any]:
        """``ctx`` with ``local`` processed on top. ``mode``: 0 plain (an embedded
        ``@context``), 1 property-scoped (override protected), 2 a key's term context
        (propagate, override protected), 3 type-scoped (no propagation)."""
        if inline:
            # contexts written in the document: new objects each time, so key them by text
            key: Any = local if isinstance(local, str) else json.dumps(local)
        else:
            key = id(local)
        cache_key = (id(ctx), key, mode)
        found = self._processed.get(cache_key)
        if found is not None:
            return found[1]
        try:
            processed = self.processor._process_context(
                ctx,
                local,
                self.options,
                override_protected=mode in (1, 2),
                propagate=mode != 3,
            )
        except Exception as error:  # pyld's error, or our ContextError: the general path says
            raise Unsupported("context") from error
        if len(self._processed) >= _MAX_CACHED_CONTEXTS:
            self._processed.clear()
            self._terms.clear()
        # keep ctx and local alive: their ids are part of the key
        self._processed[cache_key] = ((ctx, local), processed)
        return processed


class _Walk:
    """One document's walk: quads out, blank nodes numbered in the order they are met."""

    __slots__ = ("contexts", "count", "quads")

    def __init__(self, contexts: _Contexts) -> None:
        self.contexts = contexts
        self.quads: list[SerializedQuad] = []
        self.count = 0

    def blank(self) -> str:
        self.count += 1
        return f"_:g{self.count}"

    # pyld _expand, for a JSON object that is a node object
    def node(
        self, ctx: dict[str, Any], active_property: str | None, element: dict[str, Any], graph: str
    ) -> str:
        contexts = self.contexts
        property_scoped = None
        if active_property is not None:
            property_scoped = contexts.term(ctx, active_property).scoped
        # a type-scoped context is not propagated into a new node object, unless the object
        # is only a reference ({"id": ...})
        previous = ctx.get("previousContext")
        if previous is not None:
            reverts = True
            if len(element) <= 2 and "@context" not in element:
                for key in sorted(element):
                    expanded = contexts.keyword(ctx, key)
                    if expanded == "@value":
                        raise Unsupported("value object")
                    if expanded == "@id" and len(element) == 1:
                        reverts = False
                        break
            if reverts:
                ctx = previous
        if property_scoped is not None:
            ctx = contexts.apply(ctx, property_scoped, 1)
        # _prepare_nested_context: the node's own @context, then its types' scoped contexts
        if "@context" in element:
            local = element["@context"]
            ctx = contexts.apply(ctx, local, 0, inline=True)
        type_scoped = ctx
        types: list[str] = []
        type_keys: list[str] = []
        node_id: str | None = None
        for key in sorted(element):
            if key == "@context":
                continue
            if contexts.keyword(type_scoped, key) == "@type":
                type_keys.append(key)
                value = element[key]
                for type_ in value if isinstance(value, list) else [value]:
                    if not isinstance(type_, str):
                        raise Unsupported("@type")
                    types.append(type_)
        for type_ in sorted(types):
            scoped = contexts.type_context(type_scoped, type_)
            if scoped is not None and scoped is not False:
                ctx = contexts.apply(ctx, scoped, 3)
        # _expand_object
        properties: list[tuple[str, _Term, Any]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            term = contexts.term(ctx, key)
            kind = term.kind
            if kind == _PROPERTY:
                if key in type_keys:
                    raise Unsupported("@type alias")
                properties.append((key, term, value))
            elif kind == _ID:
                if node_id is not None or not isinstance(value, str):
                    raise Unsupported("@id")
                node_id = self.iri(ctx, value, vocab=False)
            elif kind == _TYPE:
                if key not in type_keys:
                    raise Unsupported("@type alias")  # a type-scoped context made it one
            else:
                raise Unsupported(key)
        if active_property is None and not properties and not types:
            raise Unsupported("free-floating node")
        subject = node_id if node_id is not None else self.blank()
        quads = self.quads
        for type_ in types:
            quads.append((subject, _RDF_TYPE, self.iri(type_scoped, type_, vocab=True), graph))
        for key, term, value in properties:
            self.values(ctx, key, term, value, subject, graph)
        return subject

    def values(
        self, ctx: dict[str, Any], key: str, term: _Term, value: Any, subject: str, graph: str
    ) -> None:
        """One property of a node: its values expanded and written as quads."""
        term_ctx = ctx
        if term.scoped is not None:
            term_ctx = self.contexts.apply(ctx, term.scoped, 2)
            inner = self.contexts.term(term_ctx, key)
            if inner.iri != term.iri or inner.container != term.container:
                raise Unsupported(key)  # a scoped context that redefines its own term
            value_term = inner
        else:
            value_term = term
        if value is None:
            return  # dropped, even in a list container
        items = value if isinstance(value, list) else [value]
        predicate = term.iri
        quads = self.quads
        if term.container == _LIST:
            quads.append((subject, predicate, self.rdf_list(term_ctx, key, value_term, items, graph), graph))
            return
        for item in items:
            if item is None:
                continue
            if term.container == _GRAPH:
                if not isinstance(item, dict):
                    raise Unsupported("@graph container value")
                graph_name = self.blank()
                self.node(term_ctx, key, item, graph_name)
                quads.append((subject, predicate, graph_name, graph))
                continue
            quads.append((subject, predicate, self.value(term_ctx, key, value_term, item, graph), graph))

    def value(self, ctx: dict[str, Any], key: str, term: _Term, item: Any, graph: str) -> str:
        """One value (pyld _expand_value, then _object_to_rdf) as an N-Quads term."""
        if isinstance(item, dict):
            return self.node(ctx, key, item, graph)
        if isinstance(item, list):
            raise Unsupported("nested array")
        coercion = term.coercion
        if isinstance(item, str):
            if coercion == "@id":
                return self.iri(ctx, item, vocab=False)
            if coercion == "@vocab":
                return self.iri(ctx, item, vocab=True)
        datatype = coercion if coercion not in (None, "@id", "@vocab", "@none") else None
        if isinstance(item, bool):
            text = "true" if item else "false"
            return f'"{text}"^^<{datatype}>' if datatype else f'"{text}"{_XSD_BOOLEAN_SUFFIX}'
        if isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise Unsupported("number")
            if not item.is_integer() or datatype == _XSD_DOUBLE or abs(item) >= 1e21:
                return f'"{_canonicalize_double(item)}"^^<{datatype or _XSD_DOUBLE}>'
            return f'"{int(item)}"^^<{datatype or _XSD_INTEGER}>'
        if isinstance(item, int):
            if datatype == _XSD_DOUBLE or abs(item) >= 1e21:
                return f'"{_canonicalize_double(float(item))}"^^<{datatype or _XSD_DOUBLE}>'
            return f'"{item}"^^<{datatype or _XSD_INTEGER}>'
        if not isinstance(item, str):
            raise Unsupported("value")
        if datatype is not None:
            if datatype == _XSD_DOUBLE:
                raise Unsupported("string typed as xsd:double")
            if datatype == _XSD_STRING:
                return f'"{escape_literal(item)}"'
            return f'"{escape_literal(item)}"^^<{datatype}>'
        if term.direction is not None:
            raise Unsupported("@direction")
        if term.language is not None:
            return f'"{escape_literal(item)}"@{term.language}'
        return f'"{escape_literal(item)}"'

    def rdf_list(
        self, ctx: dict[str, Any], key: str, term: _Term, items: list[Any], graph: str
    ) -> str:
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

    def iri(self, ctx: dict[str, Any], value: str, *, vocab: bool) -> str:
        """An ``@id``, ``@type`` or coerced value as an N-Quads IRI or blank node, if safe
        mode and pyld's to_rdf both accept it."""
        expanded = self.contexts._expand_iri(ctx, value, vocab=vocab, base=None)
        if not isinstance(expanded, str) or not _PYLD_ABSOLUTE.match(expanded):
            raise Unsupported("relative IRI")
        if expanded.startswith("_:"):
            return "_:d" + expanded[2:]
        if not _SAFE_ABSOLUTE.match(expanded) or expanded.startswith("@"):
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


def dataset_of(
    document: Mapping[str, Any], registry: ContextRegistry, options: dict[str, Any]
) -> list[SerializedQuad]:
    """The RDF dataset of ``document`` as serialized quads (graph ``""`` for the default).

    ``options`` are the pyld options of the general path (same loader and resolver). Raises
    ``Unsupported`` for anything outside the fast path; nothing else.
    """
    if not isinstance(document, Mapping) or "@graph" in document:
        raise Unsupported("document")
    walk = _Walk(_contexts_for(registry, options))
    try:
        walk.node(walk.contexts.initial, None, document, "")  # type: ignore[arg-type]
    except Unsupported:
        raise
    except (RecursionError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise Unsupported(type(error).__name__) from error
    return walk.quads
