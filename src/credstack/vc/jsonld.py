"""JSON-LD processing for signing and verifying: safe-mode expansion and RDFC-1.0 canonicalisation.

pyld is the general processor. Two things are added on top of it:

* **Safe mode** (VC Data Integrity §4.4 "Processing errors"; jsonld.js ``safe: true``): a
  property the contexts do not define is silently dropped by plain JSON-LD expansion, so it
  would be left out of the canonical form and therefore out of the signature. Here any dropped
  property, any relative ``@type`` or relative ``@id`` makes the operation fail instead.
* **Isolation**: each registry gets its own context cache, so a context one caller added is
  never served to another caller that did not add it.
* **Canonical literal escaping**: pyld escapes only ``\\ \t \n \r "`` in N-Quads literals and
  writes other control characters raw. RDFC-1.0 output is canonical N-Quads, whose literals use
  ECHAR for ``\b \t \n \f \r " \\`` and ``\\uXXXX`` (upper-case hex) for the other characters
  in U+0000-U+001F and U+007F, as rdf-canonize (jsonld.js) does. The difference changes the
  hashes, so a credential with, say, a form feed in a description would verify here and fail
  elsewhere; ``escape_literal`` replaces pyld's function (see docs/decisions/0004).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld import nquads as pyld_nquads
from pyld.context_resolver import ContextResolver

from credstack.vc import jsonld_rdf as _python_fast_path
from credstack.vc import rdfc as _python_rdfc
from credstack.vc.contexts import ContextRegistry, default_registry
from credstack.vc.errors import CanonicalizationError, ContextError, SafeModeError
from credstack.vc.rdfc import canonical_nquads, escape_literal, quads_from_pyld

__all__ = [
    "PATHS",
    "active_path",
    "canonicalize",
    "canonicalize_general",
    "check_safe_mode",
    "escape_literal",
    "expand",
    "fast_path",
    "hash_canonical",
    "reusing_datasets",
    "use_path",
]

# pyld's serializer looks the function up in its module at call time, so this takes effect for
# every canonicalisation in the process, including pyld's own URDNA2015 hashing of quads.
pyld_nquads.escape = escape_literal

# OverflowError: an integer beyond the double range (JSON allows any number of digits)
_PYLD_CRASHES = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# pyld's to_rdf silently drops a node whose identifier holds white space, with all it says: a
# signature would not cover it, so safe mode refuses such identifiers instead
_WHITE_SPACE = re.compile(r"\s")
# pyld's resolver and its LRU cache are not thread-safe (concurrent use corrupts the cache and
# mis-expands documents), so each thread keeps its own, one per registry.
_local = threading.local()


def _compiled_fast_path() -> tuple[Any, Any] | None:
    """The mypyc-compiled copies of jsonld_rdf and rdfc (scripts/build_native.py), if they
    are installed and were built from exactly the sources beside this module."""
    try:
        jsonld_rdf = importlib.import_module("credstack_native.jsonld_rdf")
        rdfc = importlib.import_module("credstack_native.rdfc")
    except ImportError:
        return None
    stamp = Path(jsonld_rdf.__file__ or "").with_name("SOURCE_SHA256")
    digest = hashlib.sha256()
    for module in (_python_rdfc, _python_fast_path):
        digest.update(Path(module.__file__ or "").read_bytes())
    if not stamp.is_file() or stamp.read_text().strip() != digest.hexdigest():
        return None  # built from other sources: never run a stale copy
    return jsonld_rdf, rdfc


class _GeneralOnly:
    """Stands in for the fast path when only the general one may run: declines everything."""

    class Unsupported(Exception):  # noqa: N818 - the fast path's signal, as there
        pass

    @classmethod
    def dataset_of(cls, *_: Any) -> Any:
        raise cls.Unsupported("the general path was chosen")

    dataset_split = dataset_of


#: ``CREDSTACK_JSONLD_PATH``: ``compiled`` or ``python`` (the fast path, compiled or not) or
#: ``general`` (pyld only); unset: the compiled fast path when it is installed and current.
PATHS = ("compiled", "python", "general")
fast_path: Any = _python_fast_path
_fast_rdfc: Any = _python_rdfc
#: Which path ``canonicalize`` takes: one of ``PATHS``.
active_path = "python"


def use_path(name: str | None = None) -> str:
    """Choose the canonicalisation path for this process (benchmarks compare them); ``None``
    picks the fastest available. Returns the path in use: asking for ``compiled`` where no
    current build is installed gives ``python``. Worker processes read
    ``CREDSTACK_JSONLD_PATH`` instead."""
    global fast_path, _fast_rdfc, active_path  # the process-wide choice, made once or by bench
    if name not in (None, *PATHS):
        raise ValueError(f"unknown JSON-LD path '{name}': one of {', '.join(PATHS)}")
    compiled = _compiled_fast_path() if name in (None, "compiled") else None
    if compiled is not None:
        fast_path, _fast_rdfc, active_path = compiled[0], compiled[1], "compiled"
    elif name == "general":
        fast_path, _fast_rdfc, active_path = _GeneralOnly, _python_rdfc, "general"
    else:
        fast_path, _fast_rdfc, active_path = _python_fast_path, _python_rdfc, "python"
    return active_path


def _resolver(registry: ContextRegistry) -> ContextResolver:
    """One context cache per registry and thread: pyld's global cache would leak contexts
    between registries, and a shared one breaks under threads."""
    resolvers: dict[int, tuple[ContextRegistry, ContextResolver]] = (
        getattr(_local, "resolvers", None) or {}
    )
    _local.resolvers = resolvers
    key = id(registry)
    entry = resolvers.get(key)
    if entry is None or entry[0] is not registry:
        entry = (registry, ContextResolver(LRUCache(maxsize=256), registry.document_loader()))
        resolvers[key] = entry
    return entry[1]


def _options(registry: ContextRegistry) -> dict[str, Any]:
    return {
        "documentLoader": registry.document_loader(),
        "contextResolver": _resolver(registry),
        # None keeps relative IRIs relative so safe mode can refuse them (with "" pyld 3
        # resolves them against its made-up http://example.org/base/).
        "base": None,
        "processingMode": "json-ld-1.1",
    }


def _raise_dropped(term: str | None) -> None:
    raise SafeModeError(f'term "{term}" is not defined by the document\'s contexts')


def _unwrap(error: jsonld.JsonLdError) -> Exception:
    """Find the error of ours that pyld wrapped, or describe pyld's own one."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ContextError | SafeModeError):
            return cause
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return CanonicalizationError(f"invalid JSON-LD: {error.args[0] if error.args else error}")


def _check_ids_and_types(node: Any, path: str = "$") -> None:
    """Safe mode for values: every @type and @id must be an absolute IRI or a blank node."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_ids_and_types(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        return
    types = node.get("@type", [])
    for t in types if isinstance(types, list) else [types]:
        if isinstance(t, str) and (
            not (_ABSOLUTE_IRI.match(t) or t.startswith("_:")) or _WHITE_SPACE.search(t)
        ):
            raise SafeModeError(f'type "{t}" is not defined by the document\'s contexts')
    node_id = node.get("@id")
    if isinstance(node_id, str) and not (_ABSOLUTE_IRI.match(node_id) or node_id.startswith("_:")):
        raise SafeModeError(f'"{node_id}" is a relative IRI; identifiers must be absolute')
    if isinstance(node_id, str) and _WHITE_SPACE.search(node_id):
        raise SafeModeError(f'"{node_id}" holds white space, which no IRI may')
    for key, value in node.items():
        if key not in ("@type", "@id", "@context"):
            _check_ids_and_types(value, path)


def expand(document: Mapping[str, Any], registry: ContextRegistry | None = None) -> list[Any]:
    """Expand ``document`` in safe mode.

    Raises ``ContextError`` for a context that is not served, ``SafeModeError`` for an undefined
    term or type, ``CanonicalizationError`` for any other JSON-LD error.
    """
    registry = registry or default_registry()
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    try:
        expanded: list[Any] = processor.expand(dict(document), _options(registry))
    except jsonld.JsonLdError as error:
        raise _unwrap(error) from error
    except RecursionError as error:
        raise CanonicalizationError("document is nested too deeply") from error
    except _PYLD_CRASHES as error:
        # pyld lets some malformed input escape as plain Python errors (an empty @context
        # string raises ValueError); callers are promised a VCError.
        raise CanonicalizationError(f"invalid JSON-LD: {error}") from error
    _check_ids_and_types(expanded)
    return expanded


# Inside ``reusing_datasets``: datasets already made, by the identity of a document's values
_reused: contextvars.ContextVar[dict[tuple[Any, ...], tuple[Any, Any]] | None] = (
    contextvars.ContextVar("credstack_jsonld_reused", default=None)
)


@contextlib.contextmanager
def reusing_datasets() -> Iterator[None]:
    """Within this block, ``check_safe_mode`` keeps the dataset of the document without its
    ``proof`` and ``canonicalize`` uses it for a document made of the very same values.

    For a verifier, which checks a credential and then hashes it without its proof, and
    changes neither in between: the key is the identity of the values, so it is only sound
    while nothing is changed, which is why it is scoped to a block.
    """
    token = _reused.set({})
    try:
        yield
    finally:
        _reused.reset(token)


def _identity_key(document: Mapping[str, Any], registry: ContextRegistry) -> tuple[Any, ...]:
    return (id(registry), *((key, id(value)) for key, value in document.items()))


def check_safe_mode(document: Mapping[str, Any], registry: ContextRegistry | None = None) -> None:
    """Raise what ``expand`` raises, without expanding when the fast path can tell.

    A document the fast path turns into RDF is one pyld expands in safe mode to the same
    data (that is the fast path's contract, tested against pyld); anything else is expanded
    by pyld, which gives the exact error.
    """
    registry = registry or default_registry()
    reused = _reused.get()
    try:
        if reused is None or "proof" not in document:
            fast_path.dataset_of(document, registry, _options(registry))
            return
        _, rest = fast_path.dataset_split(document, registry, _options(registry), "proof")
    except fast_path.Unsupported:
        expand(document, registry)
        return
    if rest is not None:
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        # the values are held, so their ids cannot be reused while the entry lives
        reused[_identity_key(unsecured, registry)] = (list(unsecured.values()), rest)


def canonicalize(document: Mapping[str, Any], registry: ContextRegistry | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, after safe-mode expansion.

    The fast path (``credstack.vc.jsonld_rdf``) turns the document into RDF directly; for
    anything it does not cover it steps aside and the general path (pyld) answers, so the
    result, or the error, is always the general path's (decision 0015). The output is the
    sorted canonical N-Quads, each line ending in a newline.
    """
    registry = registry or default_registry()
    reused = _reused.get()
    entry = reused.get(_identity_key(document, registry)) if reused else None
    if entry is not None:
        quads, lines, known_hashes = entry[1]
    else:
        try:
            quads, lines, known_hashes = fast_path.dataset_of(
                document, registry, _options(registry)
            )
        except fast_path.Unsupported:
            return canonicalize_general(document, registry)
    with _unicode_checked():
        return _encodable(str(_fast_rdfc.canonical_nquads_of(quads, lines, known_hashes)))


@contextlib.contextmanager
def _unicode_checked() -> Iterator[None]:
    """A lone surrogate (JSON may escape one, ``\\ud800``) has no UTF-8 form, so it cannot
    be hashed or signed: an error of canonicalisation, not a crash."""
    try:
        yield
    except UnicodeEncodeError as error:
        raise CanonicalizationError(
            "the document holds text that is not valid Unicode (a lone surrogate)"
        ) from error


def _encodable(text: str) -> str:
    text.encode("utf-8")  # raises UnicodeEncodeError for a lone surrogate
    return text


def canonicalize_general(
    document: Mapping[str, Any], registry: ContextRegistry | None = None
) -> str:
    """``canonicalize`` through pyld alone: the reference the fast path is measured against.

    Expansion and the RDF dataset come from pyld; RDFC-1.0 (the W3C Recommendation of
    URDNA2015) is ``credstack.vc.rdfc``.
    """
    registry = registry or default_registry()
    expanded = expand(document, registry)
    try:
        dataset = jsonld.JsonLdProcessor().to_rdf(expanded, _options(registry))
    except jsonld.JsonLdError as error:
        raise _unwrap(error) from error
    except RecursionError as error:
        raise CanonicalizationError("document is nested too deeply") from error
    except _PYLD_CRASHES as error:
        raise CanonicalizationError(f"invalid JSON-LD: {error}") from error
    # pyld gives the RDF dataset; credstack.vc.rdfc canonicalises it (RDFC-1.0). pyld's own
    # URDNA2015 counts a quad twice for a blank node that occurs twice in it, unlike the spec
    # and rdf-canonize (tests/interop/test_rdfc_interop.py).
    with _unicode_checked():
        return _encodable(canonical_nquads(quads_from_pyld(dataset)))


def hash_canonical(nquads: str) -> bytes:
    """SHA-256 of canonical N-Quads, as the eddsa-rdfc-2022 and Ed25519Signature2020 suites use."""
    return hashlib.sha256(nquads.encode("utf-8")).digest()


use_path(os.environ.get("CREDSTACK_JSONLD_PATH") or None)
