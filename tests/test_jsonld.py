"""Safe-mode expansion and canonical N-Quads details that the spec vectors do not exercise."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credstack.vc import CanonicalizationError, ContextRegistry, SafeModeError, canonicalize, expand
from credstack.vc.jsonld import escape_literal

LOCAL = ContextRegistry()
CONTEXT = {"name": "http://schema.org/name", "knows": {"@id": "http://schema.org/knows"}}


def test_control_characters_are_escaped_as_jsonld_js_does() -> None:
    """Expected output produced by jsonld.js 8 / rdf-canonize 5 (RDFC-1.0) for this input."""
    document = {
        "@context": CONTEXT,
        "name": 'a\\b"c\nd\re\tf\bg\fh\x01i\x7fj\x1fk é',
        "knows": {"name": "tab\there"},
    }
    assert canonicalize(document, LOCAL) == (
        "_:c14n0 <http://schema.org/knows> _:c14n1 .\n"
        "_:c14n0 <http://schema.org/name> "
        '"a\\\\b\\"c\\nd\\re\\tf\\bg\\fh\\u0001i\\u007Fj\\u001Fk é" .\n'
        '_:c14n1 <http://schema.org/name> "tab\\there" .\n'
    )


_UNESCAPE = re.compile(r'\\([btnfr"\\])|\\u([0-9A-F]{4})')
_ECHARS = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


@given(st.text())
def test_escaping_is_reversible_and_leaves_no_raw_control_characters(text: str) -> None:
    escaped = escape_literal(text)
    assert not re.search(r'[\x00-\x1f\x7f]|(?<!\\)"', escaped)
    assert _UNESCAPE.sub(lambda m: _ECHARS[m[1]] if m[1] else chr(int(m[2], 16)), escaped) == text


def test_undefined_term_is_refused_by_name() -> None:
    with pytest.raises(SafeModeError, match='"colour"'):
        expand({"@context": CONTEXT, "name": "x", "colour": "red"}, LOCAL)


def test_relative_type_is_refused() -> None:
    with pytest.raises(SafeModeError, match="Widget"):
        expand({"@context": CONTEXT, "@type": "Widget", "name": "x"}, LOCAL)


def test_invalid_jsonld_is_a_canonicalisation_error() -> None:
    with pytest.raises(CanonicalizationError):
        expand({"@context": {"name": {"@id": 5}}, "name": "x"}, LOCAL)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    document: dict[str, object] = {"@context": CONTEXT, "name": "leaf"}
    for _ in range(5000):
        document = {"@context": CONTEXT, "knows": document}
    with pytest.raises(CanonicalizationError):
        canonicalize(document, LOCAL)
