"""The fast JSON-LD path (``credstack.vc.jsonld_rdf``) against the general one (pyld).

``canonicalize`` turns a document into RDF itself when it can and falls back to the general
path (``canonicalize_general``) when ``dataset_of`` raises ``Unsupported`` (decision 0015).
These tests hold it to that promise: for every document the fast path accepts, the canonical
N-Quads are the general path's, byte for byte; for every other document the answer, or the
error, is the general path's. Three sources of documents:

* generated Open Badges 3.0 credentials using every field of the data model
  (``tests/ob_strategies.py``), which the fast path must take (otherwise nothing is shown);
* the same credentials with hostile changes (undefined terms, relative IRIs, value objects,
  containers, inline and unknown contexts, ...);
* every JSON-LD document in ``../shared`` (vectors/ and conformance/), as it is and without its
  top-level proof.

Coverage of the ``../shared`` documents (69 with an ``@context``, 51 of them with a top-level
proof, so 120 cases), measured with the Python fast path at commit 0a40186: it takes 83 of the
120 cases (69 %), 52 of the 69 documents in at least one form. The 37 it leaves to the general
path are refused there too: 11 use a context credstack does not bundle (citizenship/v4rc1, the
draft CLR contexts; ContextError) and 26 are refused by safe mode (SafeModeError: the
validator's negative samples with undefined terms and relative types, 1EdTech types without
the extensions context, a proof of a type the contexts do not define). No document gives a
different answer through the two paths.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from credstack.ob.microcredential import extension_context
from credstack.vc import jsonld
from credstack.vc.contexts import default_registry
from credstack.vc.errors import CanonicalizationError, SafeModeError, VCError
from credstack.vc.frozen import freeze
from credstack.vc.jsonld import _options, canonicalize, canonicalize_general
from tests.conftest import SHARED, ob_badge
from tests.ob_strategies import OB_V3P0, VC_V2, hostile_credentials, ob_credentials

REGISTRY = default_registry()


@pytest.fixture(autouse=True, params=["compiled", "python"])
def fast_variant(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here runs on both forms of the fast path: compiled (when a current build is
    installed) and plain Python (the same source). The path chosen before is restored."""
    before = jsonld.active_path
    if before == "general":
        yield "general"  # CREDSTACK_JSONLD_PATH=general: only the general path is asked for
        return
    if jsonld.use_path(request.param) != request.param:
        jsonld.use_path(before)
        pytest.skip("no current compiled build (scripts/build_native.py)")
    try:
        yield request.param
    finally:
        jsonld.use_path(before)


def examples(count: int) -> settings:
    """Settings for properties over large documents: they take a while to draw, so no
    deadline and no health check on drawing time; ``count`` bounds the run time."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def fast_path_takes(document: Any) -> bool:
    """Whether the fast path that ``canonicalize`` uses (``jsonld_rdf``, or its compiled copy
    when that is installed and current) handles ``document`` itself rather than falling back."""
    try:
        jsonld.fast_path.dataset_of(document, REGISTRY, _options(REGISTRY))
    except jsonld.fast_path.Unsupported:
        return False
    return True


def require_fast_path() -> None:
    if jsonld.active_path == "general":
        pytest.skip("CREDSTACK_JSONLD_PATH=general: there is no fast path to compare")


def outcome(function: Callable[..., str], document: Any) -> tuple[str, str]:
    """``("ok", N-Quads)`` or ``(error class, message)``; any other exception propagates, as
    both paths promise to raise only ``VCError``."""
    try:
        return ("ok", function(document, REGISTRY))
    except VCError as error:
        return (type(error).__name__, str(error))


def line_diff(fast: tuple[str, str], general: tuple[str, str]) -> str:
    """The two outcomes as a readable diff (canonical N-Quads are one quad per line)."""
    if fast[0] != general[0]:
        return (
            f"fast path: {fast[0]} {fast[1][:2000]!r}\n"
            f"general path: {general[0]} {general[1][:2000]!r}"
        )
    lines = difflib.unified_diff(
        general[1].splitlines(), fast[1].splitlines(), "general", "fast", lineterm="", n=0
    )
    return "\n".join(line[:400] for line in list(lines)[:40])


def assert_same_outcome(document: Any) -> tuple[str, str]:
    snapshot = copy.deepcopy(document)
    fast = outcome(canonicalize, document)
    general = outcome(canonicalize_general, document)
    assert fast == general, line_diff(fast, general)
    assert document == snapshot or _has_nan(snapshot), "canonicalisation changed its input"
    return fast


def _has_nan(value: Any) -> bool:
    # NaN != NaN, so a document holding one never equals its copy
    return "NaN" in json.dumps(value)


# ---------------------------------------------------------------------------------------------
# Generated credentials


@examples(35)
@given(ob_credentials())
def test_fast_path_equals_general_path(document: dict[str, Any]) -> None:
    require_fast_path()
    assert fast_path_takes(document), "the fast path refused a plain OB 3.0 credential"
    result = assert_same_outcome(document)
    assert result[0] == "ok", result


@examples(4)
@given(ob_credentials(complete=True))
def test_complete_credentials_use_every_term_of_every_type(document: dict[str, Any]) -> None:
    """The strategy's claim: a ``complete`` credential uses every term that the type-scoped
    contexts of its classes define (so the differential test above sees them all)."""
    used: dict[str, set[str]] = {}
    for node in _objects(document):
        types = node.get("type", node.get("@type", []))
        for type_ in types if isinstance(types, list) else [types]:
            used.setdefault(type_, set()).update(node)
    expected = _scoped_terms()
    assessment_terms = {"supervision", "identityVerification"}
    expected["MicroCredentialElements"] = set(extension_context()) - {
        "@protected",
        "MicroCredentialElements",
        "microCredential",
        "AssessmentRecord",
        "assessmentRecord",
        "identityVerification",
    }
    expected["AssessmentRecord"] = assessment_terms
    missing = {
        type_: sorted(terms - used.get(type_, set()) - {"id", "type", "@protected"})
        for type_, terms in expected.items()
    }
    assert not {type_: terms for type_, terms in missing.items() if terms}
    # and the terms every node may use
    everywhere = set().union(*used.values())
    assert {"name", "description", "image", "narrative", "url", "alignment", "endorsement"} <= (
        everywhere
    )
    assert {"endorsementJwt", "inLanguage", "awardedDate", "microCredential"} <= everywhere


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@context":
                yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


# the classes of the data model whose terms are type-scoped (credentialSchema, refreshService
# and 1EdTechRevocationList types have no terms of their own; JsonSchema's jsonSchema is @json)
_SCOPED_TYPES = {
    OB_V3P0: (
        "Achievement",
        "AchievementSubject",
        "Address",
        "Alignment",
        "EndorsementSubject",
        "Evidence",
        "GeoCoordinates",
        "IdentifierEntry",
        "IdentityObject",
        "Image",
        "Profile",
        "Related",
        "Result",
        "ResultDescription",
        "RubricCriterionLevel",
    ),
    VC_V2: ("VerifiableCredential", "BitstringStatusListEntry", "DataIntegrityProof"),
}
# VC 2.0 terms that are not part of an OB 3.0 credential
_NOT_IN_OB = {"confidenceMethod"}


def _scoped_terms() -> dict[str, set[str]]:
    loader = REGISTRY.document_loader()
    terms: dict[str, set[str]] = {}
    for url, types in _SCOPED_TYPES.items():
        context = loader(url, {})["document"]["@context"]
        for type_ in types:
            terms[type_] = set(context[type_]["@context"]) - _NOT_IN_OB
    return terms


# ---------------------------------------------------------------------------------------------
# Hostile documents


@examples(70)
@given(hostile_credentials(), st.integers(0, 3))
def test_hostile_documents_give_the_general_paths_answer(document: Any, frozen: int) -> None:
    """Either both paths give the same N-Quads or the same error (class and message)."""
    if frozen == 0:
        # frozen parts are made into quads once and reused: the second call uses the memo
        document = freeze(document)
        assert_same_outcome(document)
    event("fast path" if fast_path_takes(document) else "general path")
    assert_same_outcome(document)


@examples(8)
@given(ob_credentials(complete=False), ob_credentials(complete=False), st.booleans())
def test_frozen_parts_shared_between_documents(
    first: dict[str, Any], second: Any, same_context: bool
) -> None:
    """Frozen parts (issuer, achievement, endorsements, the @context itself) of one credential
    placed in another, and one of them twice in the same document: the fast path turns each
    into quads once and reuses them, the general path never does."""
    first = freeze(first)
    second = dict(second)
    if same_context:
        second["@context"] = first["@context"]
    second["issuer"] = first["issuer"]
    subject = first["credentialSubject"]
    achievement = (subject[0] if isinstance(subject, list) else subject)["achievement"]
    second["credentialSubject"] = [
        {"id": "did:example:a", "type": "AchievementSubject", "achievement": achievement},
        {"type": ["AchievementSubject"], "achievement": achievement},
    ]
    if "endorsement" in first:
        second["endorsement"] = first["endorsement"]
    for document in (first, second, first, second):
        assert_same_outcome(document)


@examples(8)
@given(ob_credentials(complete=False), ob_credentials(complete=False))
def test_parts_equal_in_content_shared_between_documents(first: Any, second: Any) -> None:
    """What a verifier sees: each credential parsed afresh, the issuer and achievement equal
    in content but never the same objects. The fast path finds their quads by content; the
    answers stay the general path's, and a changed copy is not taken for the original."""
    text = json.dumps(first)
    subject = first["credentialSubject"]
    achievement = (subject[0] if isinstance(subject, list) else subject)["achievement"]
    second = dict(second)
    second["issuer"] = first["issuer"]
    second["credentialSubject"] = {"type": "AchievementSubject", "achievement": achievement}
    second = json.loads(json.dumps(second))
    changed = json.loads(json.dumps(second))
    changed_subject = changed["credentialSubject"]["achievement"]
    changed_subject["name"] = f"{changed_subject.get('name', '')} (changed)"
    for document in (json.loads(text), second, json.loads(text), changed, second):
        assert_same_outcome(document)


_BIG_NODE = {
    "id": "https://example.org/achievements/1",
    "type": ["Achievement"],
    "name": "Data analysis",
    "description": "Analyse data.",
    "criteria": {"narrative": "Pass."},
    "achievementType": "Course",
}


def _with_achievement(achievement: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:3f2d8a7e-4f3b-4d39-9a41-2c5d6b7e8f90",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Badge",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": achievement},
    }


@pytest.mark.parametrize(
    "other",
    [
        # orjson writes these as it writes the node above, or as each other: equality decides
        {**_BIG_NODE, "type": ("Achievement",)},
        {**_BIG_NODE, "creditsAvailable": float("nan")},
        {**_BIG_NODE, "creditsAvailable": None},
        {**_BIG_NODE, "creditsAvailable": float("inf")},
        {**_BIG_NODE, "creditsAvailable": True},
        {**_BIG_NODE, "creditsAvailable": 1},
        {**_BIG_NODE, "creditsAvailable": 1.0},
    ],
    ids=["tuple", "nan", "null", "inf", "true", "one", "one-point-zero"],
)
def test_a_node_written_alike_is_not_taken_for_another(other: dict[str, Any]) -> None:
    for first in (_BIG_NODE, {**_BIG_NODE, "creditsAvailable": None}):
        for document in (first, other, first, other):
            assert_same_outcome(_with_achievement(copy.copy(document)))


def test_a_node_changed_after_it_was_read_is_read_again() -> None:
    require_fast_path()
    node = json.loads(json.dumps(_BIG_NODE))
    before = assert_same_outcome(_with_achievement(node))
    node["name"] = "Changed after verification"
    assert assert_same_outcome(_with_achievement(node)) != before
    fresh = json.loads(json.dumps(_BIG_NODE))
    assert assert_same_outcome(_with_achievement(fresh)) == before


def test_a_node_read_shallow_is_not_reused_beyond_the_depth_limit() -> None:
    # The same node under the same term and context, first near the top (its nested node is
    # well within the depth limit), then 98 levels down (its nested node is beyond it): the
    # fast path must walk it again there, and leave the document to the general path.
    require_fast_path()
    context = {"@vocab": "https://example.org/vocab#"}
    big = {"@id": "urn:x:big", "@type": "T", "p": "1", "q": "2", "r": {"s": "3"}, "t": "4"}
    shallow = {"@context": context, "@id": "urn:x:top", "a": copy.deepcopy(big)}
    assert fast_path_takes(shallow)
    assert_same_outcome(shallow)
    deep: dict[str, Any] = {"@id": "urn:x:98", "a": copy.deepcopy(big)}
    for level in reversed(range(98)):
        deep = {"@id": f"urn:x:{level}", "n": deep}
    deep = {"@context": context, **deep}
    assert not fast_path_takes(deep)
    assert_same_outcome(deep)


# ---------------------------------------------------------------------------------------------
# The reference documents in ../shared


def _shared_cases() -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{SHARED} is absent"))]
    cases = []
    for folder in ("vectors", "conformance"):
        for path in sorted((SHARED / folder).rglob("*")):
            if path.suffix not in (".json", ".jsonld") or not path.is_file():
                continue
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if not isinstance(document, dict) or "@context" not in document:
                continue
            name = str(path.relative_to(SHARED))
            cases.append(pytest.param(path, False, id=name))
            if "proof" in document:
                cases.append(pytest.param(path, True, id=f"{name}-without-proof"))
    return cases


SHARED_CASES = _shared_cases()


def _load(path: Path, without_proof: bool) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if without_proof:
        del document["proof"]
    return document


@pytest.mark.parametrize(("path", "without_proof"), SHARED_CASES)
def test_shared_document_same_through_both_paths(path: Path, without_proof: bool) -> None:
    assert_same_outcome(_load(path, without_proof))


def test_fast_path_covers_most_shared_documents() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"reference data not available: {SHARED}")
    require_fast_path()
    taken = [fast_path_takes(_load(*case.values)) for case in SHARED_CASES]
    # measured: 83 of 120 (see the module docstring)
    assert len(taken) >= 100
    assert sum(taken) / len(taken) >= 0.65, f"{sum(taken)} of {len(taken)}"


# ---------------------------------------------------------------------------------------------
# Discrepancies found


def test_number_in_a_term_typed_xsd_string() -> None:
    # found by the generated documents: once written "7"^^<...#string> instead of "7"
    document = {
        "@context": {
            "t": {
                "@id": "https://example.org/vocab#t",
                "@type": "http://www.w3.org/2001/XMLSchema#string",
            }
        },
        "t": [7, True],
    }
    assert fast_path_takes(document)
    assert canonicalize(document, REGISTRY) == canonicalize_general(document, REGISTRY)


@pytest.mark.parametrize("nested", [False, True], ids=["top-level", "nested"])
def test_a_context_wrapped_in_context_is_refused_as_pyld_refuses_it(nested: bool) -> None:
    # found by the hostile documents: the fast path once processed the wrapped context
    wrapped = {"@context": {"p": "https://example.org/vocab#p"}}
    document: dict[str, Any] = {"@context": wrapped, "p": "x"}
    if nested:
        document = {"@context": wrapped["@context"], "p": {"@context": wrapped, "p": "y"}}
    general = outcome(canonicalize_general, document)
    assert general[0] == "CanonicalizationError"
    assert outcome(canonicalize, document) == general


def test_the_same_proof_twice_can_be_canonicalized() -> None:
    # found by the generated documents: the same endorsement embedded twice gives two equal
    # proof graphs, whose node Hash N-Degree Quads listed nine times (9! equal orders), and
    # the dataset was refused as too costly; only distinct orders are tried now
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "expires": "2030-01-01T00:00:00Z",
        "verificationMethod": "did:example:accreditor#key-1",
        "proofPurpose": "assertionMethod",
        "domain": "example.org",
        "nonce": "abc",
        "proofValue": "z3FXQ",
    }
    endorsement = {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:0e0b2c9e-5b1e-4c51-9f6b-9a1f7e9e2d10",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": "did:example:accreditor", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:issuer", "type": ["EndorsementSubject"]},
        "proof": proof,
    }
    profile = {"id": "did:example:issuer", "type": ["Profile"], "endorsement": [endorsement]}
    document = ob_badge("did:example:issuer")
    document["issuer"] = profile
    document["credentialSubject"]["achievement"]["creator"] = profile
    fast = outcome(canonicalize, document)
    assert fast == outcome(canonicalize_general, document)
    assert fast[0] == "ok", fast


@pytest.mark.parametrize("function", [canonicalize, canonicalize_general])
def test_an_integer_too_large_for_a_double_is_a_canonicalisation_error(
    function: Callable[..., str],
) -> None:
    # found by the hostile documents: it escaped as OverflowError from both paths
    text = '{"@context": {"n": "https://example.org/vocab#n"}, "n": 1' + "0" * 309 + "}"
    document = json.loads(text)  # n = 10**309: no double is that large
    with pytest.raises(VCError):
        function(document, REGISTRY)


def _nested(depth: int) -> dict[str, Any]:
    """A chain of ``depth`` nodes, each the ``n`` of the one above (ids keep them apart)."""
    node: dict[str, Any] = {"@id": f"urn:x:{depth}"}
    for level in reversed(range(depth)):
        node = {"@id": f"urn:x:{level}", "n": node}
    return {"@context": {"n": "https://example.org/vocab#n"}, **node}


@pytest.mark.parametrize("depth", [20, 300])
def test_a_deeply_nested_document_gets_one_answer(depth: int) -> None:
    # found by the hostile documents: at 300 levels pyld's to_rdf overflowed the stack while
    # the fast path answered; deep documents are now the general path's, which refuses them
    document = _nested(depth)
    fast = outcome(canonicalize, document)
    assert fast == outcome(canonicalize_general, document)
    assert fast[0] == ("ok" if depth == 20 else "CanonicalizationError")


@pytest.mark.parametrize("function", [canonicalize, canonicalize_general])
def test_a_lone_surrogate_is_a_canonicalisation_error(function: Callable[..., str]) -> None:
    # found by the hostile documents: it escaped as UnicodeEncodeError from both paths
    for text in (
        '{"@context": {"n": "https://example.org/vocab#n"}, "n": "a\\ud800"}',
        '{"@context": {"n": "https://example.org/vocab#n"}, "@id": "urn:x", "n": "a\\ud800"}',
    ):
        with pytest.raises(CanonicalizationError, match="lone surrogate"):
            function(json.loads(text), REGISTRY)


@pytest.mark.parametrize("function", [canonicalize, canonicalize_general])
def test_an_identifier_with_white_space_is_refused(function: Callable[..., str]) -> None:
    # found by the hostile documents: pyld's to_rdf drops such a node and all it says, so
    # the signature would not cover text the holder sees
    document = {
        "@context": {"n": "https://ex.org/n", "k": "https://ex.org/k"},
        "k": {"@id": "https://ex.org/a b", "n": "unsigned text"},
        "n": "x",
    }
    with pytest.raises(SafeModeError, match="white space"):
        function(document, REGISTRY)
