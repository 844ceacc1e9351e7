"""RDFC-1.0 (W3C RDF Dataset Canonicalization, 2024), written out step by step.

pyld's URDNA2015 is the reference; this is the same algorithm, run on quads whose terms are
already written in canonical N-Quads form (``SerializedQuad``), so that hashing a blank node's
quads and writing the output is string work only. Both the general path (pyld's dataset,
``quads_from_pyld``) and the fast path (``credstack.vc.jsonld_rdf``) feed it.
``tests/test_rdfc.py`` checks it against pyld on generated datasets (ties and automorphisms
included) and against the W3C vectors.

Terms of ``Quad`` are tuples ``(kind, value, datatype, language)`` with kind ``"I"`` (IRI),
``"B"`` (blank node, value without ``_:``) or ``"L"`` (literal); a quad is ``(subject,
predicate, object, graph)`` with ``graph`` ``None`` for the default graph.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from credstack.vc.errors import CanonicalizationError

__all__ = [
    "Quad",
    "SerializedQuad",
    "Term",
    "canonical_nquads",
    "canonical_nquads_of",
    "escape_literal",
    "first_degree_hashes",
    "quads_from_pyld",
    "serialize_quad",
    "serialize_term",
]

Term = tuple[str, str, str, str]
Quad = tuple[Term, Term, Term, Term | None]
#: A quad with its terms already in canonical N-Quads form, graph ``""`` for the default graph.
SerializedQuad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Hash N-Degree Quads calls allowed per dataset (RDFC-1.0 §4.4: implementations guard
#: against poison graphs); OB credentials need a handful.
MAX_N_DEGREE_CALLS = 10_000


# Canonical N-Quads escaping of string literals (decision 0004): ECHAR for the seven
# characters that have one, \\uXXXX for the other control characters, everything else as is.
_ECHAR = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\x7f"\\\\]')


def escape_literal(value: str) -> str:
    """A string literal's body in canonical N-Quads form (RDF 1.2 N-Triples §"Canonical")."""
    return _NEEDS_ESCAPE.sub(
        lambda match: _ECHAR.get(match.group(), f"\\u{ord(match.group()):04X}"), value
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def serialize_term(term: Term) -> str:
    """A term in canonical N-Quads form (blank nodes keep their own label)."""
    kind, value, datatype, language = term
    if kind == "I":
        return f"<{value}>"
    if kind == "B":
        return f"_:{value}"
    text = f'"{escape_literal(value)}"'
    if language:
        return f"{text}@{language}"
    if datatype and datatype != XSD_STRING:
        return f"{text}^^<{datatype}>"
    return text


def serialize_quad(quad: Quad) -> SerializedQuad:
    """``quad`` with each term written out (the form ``canonical_nquads_of`` works on)."""
    subject, predicate, obj, graph = quad
    return (
        serialize_term(subject),
        serialize_term(predicate),
        serialize_term(obj),
        "" if graph is None else serialize_term(graph),
    )


def _line(quad: SerializedQuad, labels: Mapping[str, str]) -> str:
    """One N-Quads line; blank nodes are written with ``labels`` (their own when absent)."""
    s, p, o, g = quad
    if s[0] == "_":
        s = labels.get(s, s)
    if o[0] == "_":
        o = labels.get(o, o)
    if not g:
        return f"{s} {p} {o} .\n"
    if g[0] == "_":
        g = labels.get(g, g)
    return f"{s} {p} {o} {g} .\n"


def _distinct_permutations(items: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """The permutations of ``items`` that differ (§4.8.3 step 5.4 permutes the related
    blank nodes, and a node related through several quads is listed once per quad, so repeats
    are common: the same proof graph twice lists its node nine times, 9! orders of one
    list). Equal permutations give equal paths, so the smallest path is the same."""
    if len(set(items)) == len(items):
        yield from itertools.permutations(items)
        return
    # Narayana's next permutation: each distinct order once, in lexicographic order
    pool = sorted(items)
    while True:
        yield tuple(pool)
        i = len(pool) - 2
        while i >= 0 and pool[i] >= pool[i + 1]:
            i -= 1
        if i < 0:
            return
        j = len(pool) - 1
        while pool[j] <= pool[i]:
            j -= 1
        pool[i], pool[j] = pool[j], pool[i]
        pool[i + 1 :] = reversed(pool[i + 1 :])


class _IdentifierIssuer:
    """§4.3 Issue Identifier Algorithm: prefix + counter, remembering the order of issue."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is None:
            found = f"{self.prefix}{self.counter}"
            self.issued[existing] = found
            self.counter += 1
        return found

    def copy(self) -> _IdentifierIssuer:
        twin = _IdentifierIssuer(self.prefix)
        twin.counter = self.counter
        twin.issued = dict(self.issued)
        return twin


class _Canonicalizer:
    """One run of the algorithm over serialized quads; blank nodes are terms starting ``_:``."""

    def __init__(self, quads: Iterable[SerializedQuad]) -> None:
        # quads without blank nodes are written out at once; the rest wait for their labels
        self.quads: list[SerializedQuad] = []
        self.lines: list[str] = []
        self.bnode_quads: dict[str, list[SerializedQuad]] = {}
        self.canonical = _IdentifierIssuer("c14n")
        self.first_degree: dict[str, str] = {}
        self.calls = 0
        # §4.4.3 step 2: map every blank node to the quads it occurs in.
        bnode_quads = self.bnode_quads
        for quad in quads:
            s, p, o, g = quad
            blank = False
            if s[0] == "_":
                bnode_quads.setdefault(s, []).append(quad)
                blank = True
            if o[0] == "_" and o != s:
                bnode_quads.setdefault(o, []).append(quad)
                blank = True
            if g:
                if g[0] == "_":
                    if g != s and g != o:
                        bnode_quads.setdefault(g, []).append(quad)
                    blank = True
                if not blank:
                    self.lines.append(f"{s} {p} {o} {g} .\n")
            elif not blank:
                self.lines.append(f"{s} {p} {o} .\n")
            if blank:
                self.quads.append(quad)

    # §4.6 Hash First Degree Quads
    def hash_first_degree(self, reference: str) -> str:
        cached = self.first_degree.get(reference)
        if cached is not None:
            return cached
        lines = []
        for s, p, o, g in self.bnode_quads[reference]:
            if s[0] == "_":
                s = "_:a" if s == reference else "_:z"
            if o[0] == "_":
                o = "_:a" if o == reference else "_:z"
            if g:
                if g[0] == "_":
                    g = "_:a" if g == reference else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        digest = _sha256("".join(lines))
        self.first_degree[reference] = digest
        return digest

    # §4.7 Hash Related Blank Node
    def hash_related(
        self, related: str, quad: SerializedQuad, issuer: _IdentifierIssuer, position: str
    ) -> str:
        if related in self.canonical.issued:
            identifier = "_:" + self.canonical.issued[related]
        elif related in issuer.issued:
            identifier = "_:" + issuer.issued[related]
        else:
            identifier = self.hash_first_degree(related)
        text = position
        if position != "g":
            text += quad[1]
        return _sha256(text + identifier)

    # §4.8 Hash N-Degree Quads
    def hash_n_degree(
        self, identifier: str, issuer: _IdentifierIssuer
    ) -> tuple[str, _IdentifierIssuer]:
        self.calls += 1
        if self.calls > MAX_N_DEGREE_CALLS:
            raise CanonicalizationError("the dataset is too costly to canonicalize")
        related_by_hash: dict[str, list[str]] = {}
        for quad in self.bnode_quads[identifier]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term and term[0] == "_" and term != identifier:
                    digest = self.hash_related(term, quad, issuer, position)
                    related_by_hash.setdefault(digest, []).append(term)
        data = ""
        for related_hash in sorted(related_by_hash):
            data += related_hash
            chosen_path = ""
            chosen_issuer: _IdentifierIssuer | None = None
            for permutation in _distinct_permutations(related_by_hash[related_hash]):
                path, path_issuer = self._path(permutation, issuer, chosen_path)
                if path is None or path_issuer is None:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path, chosen_issuer = path, path_issuer
            data += chosen_path
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return _sha256(data), issuer

    def _path(
        self, permutation: Sequence[str], issuer: _IdentifierIssuer, chosen_path: str
    ) -> tuple[str | None, _IdentifierIssuer | None]:
        """§4.8.3 step 5.4: the path for one permutation, or ``None`` once it cannot win."""
        issuer_copy = issuer.copy()
        path = ""
        recursion: list[str] = []
        for related in permutation:
            if related in self.canonical.issued:
                path += "_:" + self.canonical.issued[related]
            else:
                if related not in issuer_copy.issued:
                    recursion.append(related)
                path += "_:" + issuer_copy.issue(related)
            if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                return None, None
        for related in recursion:
            result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
            path += "_:" + issuer_copy.issue(related)
            path += f"<{result_hash}>"
            issuer_copy = result_issuer
            if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                return None, None
        return path, issuer_copy

    # §4.4.3 Canonicalization Algorithm
    def run(self, known: Mapping[str, str] | None = None) -> list[str]:
        if known:
            self.first_degree.update(known)
        by_hash: dict[str, list[str]] = {}
        for bnode in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(bnode), []).append(bnode)
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
                del by_hash[digest]
        for digest in sorted(by_hash):
            results = []
            for bnode in by_hash[digest]:
                if bnode in self.canonical.issued:
                    continue
                temporary = _IdentifierIssuer("b")
                temporary.issue(bnode)
                results.append(self.hash_n_degree(bnode, temporary))
            for _, issuer in sorted(results, key=lambda result: result[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        labels = {bnode: "_:" + label for bnode, label in self.canonical.issued.items()}
        lines = set(self.lines)
        lines.update([_line(quad, labels) for quad in self.quads])
        return sorted(lines)


def canonical_nquads_of(
    quads: Iterable[SerializedQuad],
    lines: Iterable[str] = (),
    known_hashes: Mapping[str, str] | None = None,
) -> str:
    """RDFC-1.0 canonical N-Quads of a dataset of serialized quads: each term as written in
    canonical N-Quads (``<iri>``, ``_:label``, ``"literal"^^<datatype>``), the graph ``""``
    for the default graph. Duplicates are removed, lines sorted, blank nodes relabelled
    ``c14n0``, ``c14n1``, ... Raises ``CanonicalizationError`` when the dataset needs more
    work than ``MAX_N_DEGREE_CALLS``.

    ``lines`` are quads without blank nodes written out already (duplicates allowed).
    ``known_hashes`` are first-degree hashes (§4.6) computed before, by
    ``first_degree_hashes``, for blank nodes whose every quad was in the set they were
    computed from: a part shared by many documents is hashed once.
    """
    canonicalizer = _Canonicalizer(dict.fromkeys(quads))
    canonicalizer.lines.extend(lines)
    return "".join(canonicalizer.run(known_hashes))


def first_degree_hashes(quads: Sequence[SerializedQuad], bnodes: Iterable[str]) -> dict[str, str]:
    """§4.6 Hash First Degree Quads of ``bnodes`` within ``quads``; valid in any larger
    dataset in which no further quad mentions these blank nodes."""
    canonicalizer = _Canonicalizer(dict.fromkeys(quads))
    return {bnode: canonicalizer.hash_first_degree(bnode) for bnode in bnodes}


def canonical_nquads(quads: Iterable[Quad]) -> str:
    """RDFC-1.0 canonical N-Quads of the dataset ``quads`` (tuples of terms); see
    ``canonical_nquads_of``."""
    return canonical_nquads_of(serialize_quad(quad) for quad in quads)


def _term_from_pyld(term: Mapping[str, Any]) -> Term:
    kind = term["type"]
    if kind == "IRI":
        return ("I", term["value"], "", "")
    if kind == "blank node":
        return ("B", term["value"].removeprefix("_:"), "", "")
    language = term.get("language") or ""
    datatype = term.get("datatype") or (RDF_LANG_STRING if language else XSD_STRING)
    return ("L", term["value"], datatype, language)


def quads_from_pyld(dataset: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Quad]:
    """Quads of a pyld dataset (``jsonld.to_rdf`` output without a format)."""
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        graph: Term | None = None
        if graph_name != "@default":
            graph = (
                ("B", graph_name.removeprefix("_:"), "", "")
                if graph_name.startswith("_:")
                else ("I", graph_name, "", "")
            )
        for triple in triples:
            quads.append(
                (
                    _term_from_pyld(triple["subject"]),
                    _term_from_pyld(triple["predicate"]),
                    _term_from_pyld(triple["object"]),
                    graph,
                )
            )
    return quads
