"""Hypothesis strategies: Open Badges 3.0 credentials that use every field of the data model.

``ob_credentials()`` draws OpenBadgeCredential / AchievementCredential documents (VC Data Model
2.0 + OB 3.0.3 contexts) that are valid JSON-LD in credstack's safe mode: every property is
used only where the contexts define it. That matters because the OB context defines most
terms in **type-scoped** contexts, which apply only inside a node of that type and do not
propagate into nested nodes: ``achievementType`` is a term only directly inside a node typed
``Achievement``, ``caption`` only inside an ``Image``, ``issuer`` and ``proof`` only inside a
``VerifiableCredential``. The terms every node may use are the top-level ones of the two
contexts (``id``, ``type``, ``name``, ``description``, ``image``, ``narrative``, ``url``,
``alignment``, ``endorsement``, ``endorsementJwt``, ``inLanguage``, ``awardedDate``, ...).

What is drawn, beyond the fields themselves:

* strings with Unicode of every kind (astral characters, combining marks, right-to-left text,
  zero-width and bidi controls, C0 controls including ``\\x00 \\b \\f``, ``\\x7f``, quotes and
  backslashes, text that looks like N-Quads) and, now and then, texts thousands of characters
  long;
* numbers where the data model or JSON-LD allows them: integers, big integers, negative
  numbers, floats (``0.1``, ``1e-7``, ``1.5e300``), integral floats (``2.0``), ``-0.0``;
  booleans; date and date-time strings;
* one value or an array of one or many; nested results, alignments, rubric levels, profiles;
* embedded ``EndorsementCredential`` documents with their own ``@context`` and Data Integrity
  proofs; top-level proofs, one or several (``proof`` is a ``@graph`` container);
* optionally the 1EdTech ``extensions.json`` context (for ``1EdTechRevocationList`` and the
  other 1EdTech types) and credstack's inline micro-credential context
  (``credstack.ob.microcredential``) with its ``microCredential`` object in the achievement;
* node identifiers from a small shared pool, so that the same node is described in several
  places (and merged), and blank-node identifiers (``_:b1``), also across proof graphs.

``complete=True`` gives documents in which every optional field of every class is present.

``hostile_credentials()`` draws small credentials with one to three changes at random places,
some that break them (undefined terms, relative IRIs, keywords and containers the fast path
does not cover, unknown contexts) and some that keep them valid JSON-LD (inline contexts,
blank nodes, merged nodes, IRIs as keys, other key orders).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from credstack.domain.achievements import MicroCredentialElements
from credstack.domain.awards import Assessment, IdentityVerification
from credstack.ob.microcredential import assessment_document, elements_document, extension_context

__all__ = [
    "NASTY_STRINGS",
    "OB_EXTENSIONS",
    "OB_V3P0",
    "VC_V2",
    "date_times",
    "dates",
    "hostile_credentials",
    "iris",
    "numbers",
    "ob_credentials",
    "scalars",
    "texts",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

Draw = Callable[[SearchStrategy[Any]], Any]

# ---------------------------------------------------------------------------------------------
# Scalars

#: Pieces of text that have broken JSON-LD or N-Quads code somewhere.
NASTY_STRINGS: tuple[str, ...] = (
    "\x00",
    "\b",
    "\f",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x01",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u2029",
    '"',
    "'",
    "\\",
    "\\n",
    "\\u0041",
    '\\"',
    "e\u0301",  # e + combining acute
    "\u0301",  # a lone combining mark
    "Z\u0351\u0315\u0327a\u0362\u0336lgo",
    "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd",  # Hebrew with points (RTL)
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic (RTL)
    "abc\u202edef\u202c",  # right-to-left override
    "\u200f\u200e\u200d\u200c\u200b",  # marks, joiners, zero width space
    "\ufeff",
    "\ufffd",
    "\U0001d518\U0001d52b\U0001d526",  # mathematical fraktur (astral)
    "\U0001f469\U0001f3fd\u200d\U0001f52c",  # emoji ZWJ sequence
    "\U0001f1fa\U0001f1e6",  # flag
    "\U0010ffff",
    "\u00df\u1e9e\u0130\u0131",  # case-mapping troublemakers
    "\u4e2d\u6587\u0020\u65e5\u672c\u8a9e",
    "<https://example.org/x>",
    ' .\n_:b0 <https://example.org/p> "o" .',
    '"^^<http://www.w3.org/2001/XMLSchema#string>',
    "@en",
    "@id",
    "_:b0",
    "",
)

_words = st.sampled_from(
    ["Statistics 101", "Ünïcödé", "naïve café", "O'Brien", "A+", "1EdTech University", " "]
)
_pieces = st.one_of(st.sampled_from(NASTY_STRINGS), _words, st.text(max_size=8))
_short_texts = st.one_of(
    _pieces, st.lists(_pieces, min_size=2, max_size=4).map("".join), st.text(max_size=24)
)
_long_texts = st.builds(
    lambda parts, size: ("".join(parts) * size)[:size],
    st.lists(_pieces.filter(bool), min_size=1, max_size=4),
    st.integers(1_000, 6_000),
)


@cache
def texts(min_size: int = 0) -> SearchStrategy[str]:
    """Any Unicode string (no lone surrogates, which UTF-8 cannot carry): mostly short and
    full of troublemakers, one in sixteen thousands of characters long."""
    strategy = st.integers(0, 15).flatmap(lambda i: _long_texts if i == 15 else _short_texts)
    if min_size:
        strategy = strategy.filter(lambda text: len(text) >= min_size)
    return strategy


#: Numbers JSON can carry and pyld turns into RDF: xsd:integer for integral values below 1e21
#: (2.0 included), xsd:double in canonical form otherwise.
_NUMBER_EXAMPLES = (
    0,
    1,
    -1,
    -0.0,
    0.0,
    0.1,
    -0.1,
    1e-7,
    1.5e300,
    -1.5e300,
    2.0,
    36.0,
    42.5,
    5e-324,
    1.7976931348623157e308,
    2**53,
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    10**20,
    10**21,
    1e20,
    1e21,
    123456789012345678901234567890,
    0.30000000000000004,
)
numbers: SearchStrategy[int | float] = st.one_of(
    st.sampled_from(_NUMBER_EXAMPLES),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e6, max_value=1e6),
)
scalars: SearchStrategy[Any] = st.one_of(texts(), numbers, st.booleans())

date_times: SearchStrategy[str] = st.one_of(
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "Z"),
    st.datetimes().map(lambda d: d.isoformat() + "+02:00"),
    st.sampled_from(
        ["2026-01-01T00:00:00Z", "2010-01-01T00:00:00.123Z", "1970-01-01T00:00:00-05:00"]
    ),
)
dates: SearchStrategy[str] = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    date_times,  # the OB examples put date-times in xsd:date fields
)

# IRIs: absolute (so that safe mode accepts them), without whitespace (pyld's to_rdf drops
# IRIs with whitespace), but otherwise with any characters, Unicode included.
_iri_chars = st.characters(
    blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
    blacklist_characters="\x1c\x1d\x1e\x1f\x85",
)
_segments = st.text(_iri_chars, max_size=10)
_hosts = st.sampled_from(
    ["example.org", "1edtech.edu", "xn--bcher-kva.example", "bücher.example", "[::1]:8443"]
)
_uuids = st.uuids().map(str)
_fresh_iris = st.one_of(
    st.builds(lambda host, path: f"https://{host}/{path}", _hosts, _segments),
    st.builds(lambda host, a, b: f"http://{host}/{a}?q={b}#{a}", _hosts, _segments, _segments),
    _uuids.map(lambda u: f"urn:uuid:{u}"),
    _segments.map(lambda s: f"did:example:{s or 'x'}"),
    st.sampled_from(
        [
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:web:example.org:issuers:1",
            "urn:isbn:0451450523",
            "mailto:registrar@example.org",
            "tag:example.org,2026:badge",
        ]
    ),
)
#: A handful of identifiers that several nodes share, so that nodes merge.
_POOL = (
    "https://example.org/shared/1",
    "https://example.org/shared/2",
    "did:example:shared",
    "urn:uuid:3b1c2a8e-0d6e-4f1a-9c55-1d2f3e4a5b6c",
)
iris: SearchStrategy[str] = st.one_of(_fresh_iris, st.sampled_from(_POOL))
_blank_ids = st.integers(0, 3).map(lambda i: f"_:b{i}")
_ids_or_blank = st.integers(0, 7).flatmap(lambda i: _blank_ids if i == 0 else iris)
_any_uris = st.one_of(iris, texts())  # xsd:anyURI literals: the context does not check them
_jwts = st.builds(
    lambda a, b, c: f"eyJ{a}.eyJ{b}.{c}",
    *[st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=30)] * 3,
)
_base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_multibase = st.text(_base58, min_size=1, max_size=90).map(lambda s: "z" + s)
_languages = st.sampled_from(["en", "en-US", "fr", "nl-BE", "zh-Hant-TW", "ar", "he", "x-klingon"])


# ---------------------------------------------------------------------------------------------
# Helpers


@cache
def _one_or_many(strategy: SearchStrategy[Any], max_size: int = 3) -> SearchStrategy[Any]:
    """A value, or an array of one or several (JSON-LD reads both the same)."""
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=max_size))


@cache
def _type_value(*names: str) -> SearchStrategy[Any]:
    """``"Profile"`` or ``["Profile"]`` (several names always as an array, in any order)."""
    if len(names) == 1:
        return st.booleans().map(lambda as_list: [names[0]] if as_list else names[0])
    return st.permutations(list(names))


_SMALL: ContextVar[bool] = ContextVar("small documents", default=False)


class _Node:
    """Builds one node: required fields, then each optional field drawn (or all of them)."""

    def __init__(self, draw: Draw, complete: bool) -> None:
        self.draw = draw
        self.complete = complete
        # "@id"/"@type" are as good as their aliases "id"/"type"; use them now and then
        self.keywords = draw(st.integers(0, 9)) == 0

    def build(
        self,
        type_: SearchStrategy[Any] | None,
        required: Mapping[str, SearchStrategy[Any]],
        optional: Mapping[str, SearchStrategy[Any]],
        *,
        node_id: SearchStrategy[str] | None = None,
        id_required: bool = False,
    ) -> dict[str, Any]:
        draw = self.draw
        fields: dict[str, Any] = {}
        if node_id is not None and (id_required or self.complete or draw(st.booleans())):
            fields["@id" if self.keywords else "id"] = draw(node_id)
        if type_ is not None:
            fields["@type" if self.keywords else "type"] = draw(type_)
        for key, strategy in required.items():
            fields[key] = draw(strategy)
        # half the optional fields; one in four for the small documents hostile_credentials uses
        wanted = st.integers(0, 3).map(lambda i: i == 3) if _SMALL.get() else st.booleans()
        for key, strategy in optional.items():
            if self.complete or draw(wanted):
                fields[key] = draw(strategy)
        # key order must not matter: the fast path walks in document order, pyld sorts
        order = list(fields)
        if draw(st.booleans()):
            random.Random(draw(st.integers(0, 2**32))).shuffle(order)
        return {key: fields[key] for key in order}


# ---------------------------------------------------------------------------------------------
# OB 3.0 classes (each in the scope its terms are defined in)


@cache
@st.composite
def images(draw: Draw, complete: bool = False) -> Any:
    """``image``: an IRI (the term is @id-coerced) or an ``Image`` node with a caption."""
    if not complete and draw(st.booleans()):
        return draw(iris)
    return _Node(draw, complete).build(
        _type_value("Image"), {}, {"caption": texts()}, node_id=iris, id_required=True
    )


@cache
@st.composite
def identifier_entries(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("IdentifierEntry"),
        {"identifier": texts(), "identifierType": _identifier_types},
        {},
    )


_identifier_types = st.one_of(
    st.sampled_from(["sourcedId", "systemId", "emailAddress", "nationalIdentityNumber", "isbn"]),
    texts().map(lambda t: "ext:" + t),
)


@cache
@st.composite
def geo_coordinates(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("GeoCoordinates"), {"latitude": numbers, "longitude": numbers}, {}
    )


@cache
@st.composite
def addresses(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("Address"),
        {},
        {
            "addressCountry": texts(),
            "addressCountryCode": st.sampled_from(["US", "NL", "BE", "IL", "JP"]),
            "addressRegion": texts(),
            "addressLocality": texts(),
            "streetAddress": texts(),
            "postOfficeBoxNumber": texts(),
            "postalCode": texts(),
            "geo": geo_coordinates(complete),
        },
        node_id=_ids_or_blank,
    )


@cache
@st.composite
def profiles(draw: Draw, complete: bool = False, depth: int = 2, ext: bool = False) -> Any:
    """An OB 3.0 ``Profile`` (issuer, creator, source, parent organisation)."""
    nested = depth > 0
    optional: dict[str, SearchStrategy[Any]] = {
        "name": texts(),
        "url": _any_uris,
        "phone": texts(),
        "description": texts(),
        "endorsementJwt": _one_or_many(_jwts),
        "image": images(complete),
        "email": texts(),
        "address": addresses(complete),
        "otherIdentifier": _one_or_many(identifier_entries(complete)),
        "official": texts(),
        "familyName": texts(),
        "givenName": texts(),
        "additionalName": texts(),
        "patronymicName": texts(),
        "honorificPrefix": texts(),
        "honorificSuffix": texts(),
        "familyNamePrefix": texts(),
        "dateOfBirth": dates,
    }
    if nested:
        optional["parentOrg"] = st.one_of(iris, profiles(complete and depth > 1, depth - 1, ext))
        optional["endorsement"] = _one_or_many(endorsement_credentials(complete, depth - 1, ext), 2)
    return _Node(draw, complete).build(
        _type_value("Profile"), {}, optional, node_id=iris, id_required=True
    )


@cache
@st.composite
def alignments(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("Alignment"),
        {"targetName": texts(), "targetUrl": _any_uris},
        {
            "targetCode": texts(),
            "targetDescription": texts(),
            "targetFramework": texts(),
            "targetType": st.one_of(
                st.sampled_from(["CFItem", "CFRubric", "CTDL", "ext:Skill"]), texts()
            ),
        },
    )


@cache
@st.composite
def criteria(draw: Draw, complete: bool = False) -> Any:
    """``criteria``: an IRI, or an object with an id and/or a narrative (an object with only an
    id is a node reference, which keeps a type-scoped context where it is)."""
    shape = "both" if complete else draw(st.sampled_from(["iri", "id", "narrative", "both"]))
    if shape == "iri":
        return draw(iris)
    node: dict[str, Any] = {}
    if shape in ("id", "both"):
        node["id"] = draw(iris)
    if shape in ("narrative", "both"):
        node["narrative"] = draw(texts())
    if complete or draw(st.integers(0, 4)) == 0:
        node["type"] = draw(_type_value("Criteria"))
    return node


@cache
@st.composite
def rubric_criterion_levels(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("RubricCriterionLevel"),
        {"name": texts()},
        {
            "alignment": _one_or_many(alignments(complete)),
            "description": texts(),
            "level": texts(),
            "points": st.one_of(texts(), numbers),
        },
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def result_descriptions(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("ResultDescription"),
        {
            "name": texts(),
            "resultType": st.one_of(
                st.sampled_from(
                    ["GradePointAverage", "LetterGrade", "Percent", "RubricCriterionLevel"]
                ),
                texts().map(lambda t: "ext:" + t),
            ),
        },
        {
            "alignment": _one_or_many(alignments(complete)),
            # an @list container: order matters, an empty array is rdf:nil
            "allowedValue": st.one_of(
                st.lists(st.one_of(texts(), numbers, st.booleans()), max_size=5), texts()
            ),
            "requiredLevel": _any_uris,
            "requiredValue": st.one_of(texts(), numbers),
            "rubricCriterionLevel": _one_or_many(rubric_criterion_levels(complete)),
            "valueMax": st.one_of(texts(), numbers),
            "valueMin": st.one_of(texts(), numbers),
        },
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def related(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("Related"),
        {},
        {"inLanguage": _languages, "version": texts()},
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def micro_credentials(draw: Draw, complete: bool = False) -> dict[str, Any]:
    """credstack's ``microCredential`` object, made by ``elements_document`` itself."""
    text = texts(min_size=1).map(lambda t: t[:500])
    hours = draw(st.one_of(st.none(), st.floats(min_value=0.5, max_value=100_000)))
    elements = MicroCredentialElements(
        learning_outcomes=draw(st.lists(texts(min_size=1), min_size=1, max_size=4)),
        workload_hours=hours,
        ects=draw(st.floats(min_value=0, max_value=1_000))
        if complete or hours is None or draw(st.booleans())
        else None,
        eqf_level=draw(st.one_of(st.none(), st.integers(1, 8))) if not complete else 7,
        assessment_type=draw(text),
        participation_form=draw(st.sampled_from(["online", "onsite", "blended"])),
        quality_assurance=draw(text),
        prerequisites=draw(st.one_of(st.none(), texts(min_size=1))),
        supervision=draw(
            st.one_of(
                st.none(),
                st.sampled_from(
                    [
                        "unsupervised-without-identity-verification",
                        "supervised-onsite-with-identity-verification",
                    ]
                ),
            )
        ),
        stackability=draw(st.one_of(st.none(), st.sampled_from(["stand-alone", "stackable"]))),
        further_information=draw(st.one_of(st.none(), texts(min_size=1))),
    )
    document = elements_document(elements)
    if complete:
        # every element, also the optional ones the model left out
        document.setdefault("eqfLevel", 7)
        document.setdefault("prerequisites", "none")
        document.setdefault("supervision", "unsupervised-without-identity-verification")
        document.setdefault("stackability", "stackable")
        document.setdefault("furtherInformation", "https://example.org/more")
        document.setdefault("notionalWorkloadHours", 2.5)
        document.setdefault("ectsCredits", 5)
    return document


@cache
@st.composite
def achievements(
    draw: Draw, complete: bool = False, micro: bool = False, ext: bool = False
) -> dict[str, Any]:
    optional: dict[str, SearchStrategy[Any]] = {
        "achievementType": st.one_of(
            st.sampled_from(["Badge", "Certificate", "Degree", "MicroCredential", "Course"]),
            texts().map(lambda t: "ext:" + t),
        ),
        "alignment": _one_or_many(alignments(complete)),
        "creator": profiles(complete, 1, ext),
        "creditsAvailable": st.one_of(numbers, texts()),
        "endorsement": _one_or_many(endorsement_credentials(complete, 0, ext), 2),
        "endorsementJwt": _one_or_many(_jwts),
        "fieldOfStudy": texts(),
        "humanCode": texts(),
        "image": images(complete),
        "inLanguage": _languages,
        "otherIdentifier": _one_or_many(identifier_entries(complete)),
        "related": _one_or_many(related(complete)),
        "resultDescription": _one_or_many(result_descriptions(complete)),
        "specialization": texts(),
        "tag": _one_or_many(texts(), 5),
        "version": texts(),
    }
    if micro:
        optional["microCredential"] = micro_credentials(complete)
    return _Node(draw, complete).build(
        _type_value("Achievement"),
        {"name": texts(), "description": texts(), "criteria": criteria(complete)},
        optional,
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def identity_objects(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("IdentityObject"),
        {
            "identityHash": st.one_of(
                st.text("0123456789abcdef", min_size=64, max_size=64).map(lambda h: "sha256$" + h),
                texts(),
            ),
            "identityType": _identifier_types,
            "hashed": st.booleans(),
        },
        {"salt": texts()},
    )


@cache
@st.composite
def results(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("Result"),
        {},
        {
            "achievedLevel": _any_uris,
            "alignment": _one_or_many(alignments(complete)),
            "resultDescription": _any_uris,
            "status": st.sampled_from(
                ["Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional"]
            ),
            "value": st.one_of(texts(), numbers),
        },
        node_id=_ids_or_blank,
    )


@cache
@st.composite
def achievement_subjects(
    draw: Draw, complete: bool = False, micro: bool = False, ext: bool = False
) -> dict[str, Any]:
    """``AchievementSubject``: identified by an id, by IdentityObjects, or both."""
    identified_by = "both" if complete else draw(st.sampled_from(["id", "identifier", "both"]))
    required: dict[str, SearchStrategy[Any]] = {"achievement": achievements(complete, micro, ext)}
    if identified_by in ("identifier", "both"):
        required["identifier"] = _one_or_many(identity_objects(complete))
    optional: dict[str, SearchStrategy[Any]] = {}
    if micro:
        optional["assessmentRecord"] = assessment_records()
    return _Node(draw, complete).build(
        _type_value("AchievementSubject"),
        required,
        optional
        | {
            "activityEndDate": dates,
            "activityStartDate": dates,
            "creditsEarned": st.one_of(numbers, texts()),
            "image": images(complete),
            "licenseNumber": texts(),
            "narrative": texts(),
            "result": _one_or_many(results(complete)),
            "role": texts(),
            "source": profiles(complete, 0, ext),
            "term": texts(),
        },
        node_id=iris if identified_by != "identifier" else None,
        id_required=True,
    )


def assessment_records() -> SearchStrategy[dict[str, Any]]:
    """credstack's ``assessmentRecord``, made by ``assessment_document`` itself."""
    checks = [
        ("unsupervised-without-identity-verification", IdentityVerification.NONE),
        ("supervised-without-identity-verification", IdentityVerification.EMAIL),
        ("supervised-online-with-identity-verification", IdentityVerification.ONLINE),
        ("supervised-onsite-with-identity-verification", IdentityVerification.ONSITE),
    ]
    return st.sampled_from(checks).map(lambda pair: assessment_document(Assessment(*pair)))


@cache
@st.composite
def evidence(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("Evidence"),
        {},
        {
            "narrative": texts(),
            "name": texts(),
            "description": texts(),
            "genre": texts(),
            "audience": texts(),
        },
        node_id=_ids_or_blank,
    )


@cache
@st.composite
def credential_schemas(draw: Draw, complete: bool = False, ext: bool = False) -> dict[str, Any]:
    types = ["JsonSchema", "https://example.org/schema#Validator"]
    if ext:
        types.append("1EdTechJsonSchemaValidator2019")
    return _Node(draw, complete).build(
        st.sampled_from(types), {}, {}, node_id=iris, id_required=True
    )


@cache
@st.composite
def status_entries(draw: Draw, complete: bool = False, ext: bool = False) -> dict[str, Any]:
    """``credentialStatus``: a Bitstring Status List entry (VC 2.0 context) or a 1EdTech
    revocation list (extensions context)."""
    if ext and not complete and draw(st.booleans()):
        return _Node(draw, complete).build(
            _type_value("1EdTechRevocationList"), {}, {}, node_id=iris, id_required=True
        )
    message = st.fixed_dictionaries({"status": st.sampled_from(["0x0", "0x1"]), "message": texts()})
    return _Node(draw, complete).build(
        _type_value("BitstringStatusListEntry"),
        {
            "statusPurpose": st.sampled_from(["revocation", "suspension", "message"]),
            "statusListIndex": st.one_of(st.integers(0, 2**20).map(str), st.integers(0, 2**40)),
            "statusListCredential": iris,
        },
        {
            "statusSize": st.integers(1, 8),
            "statusMessage": _one_or_many(message),
            "statusReference": iris,
        },
        node_id=_ids_or_blank,
    )


@cache
@st.composite
def refresh_services(draw: Draw, complete: bool = False, ext: bool = False) -> dict[str, Any]:
    types = ["https://w3id.org/vc-refresh-service#VerifiableCredentialRefreshService2021"]
    if ext:
        types.append("1EdTechCredentialRefresh")
    return _Node(draw, complete).build(
        st.sampled_from(types), {}, {}, node_id=iris, id_required=True
    )


@cache
@st.composite
def terms_of_use(draw: Draw, complete: bool = False) -> dict[str, Any]:
    """No context defines terms-of-use vocabulary: absolute IRIs as type and keys."""
    return _Node(draw, complete).build(
        st.sampled_from(["https://www.w3.org/ns/odrl/2/Policy", "https://example.org/tou#Terms"]),
        {},
        {
            "http://www.w3.org/ns/odrl/2/uid": texts(),
            "https://schema.org/description": texts(),
            "https://example.org/tou#count": numbers,
        },
        node_id=iris,
    )


@cache
@st.composite
def related_resources(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        None,
        {},
        {
            "digestSRI": st.text(_base58, min_size=8, max_size=64).map(lambda s: "sha384-" + s),
            "digestMultibase": _multibase,
            "mediaType": st.sampled_from(["image/png", "application/ld+json"]),
        },
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def render_methods(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        st.sampled_from(["https://example.org/render#SvgRenderingTemplate"]),
        {},
        {"name": texts(), "https://example.org/render#template": texts()},
        node_id=iris,
    )


@cache
@st.composite
def data_integrity_proofs(draw: Draw, complete: bool = False) -> dict[str, Any]:
    """A Data Integrity proof (``DataIntegrityProof``): its terms are type-scoped."""
    purposes = st.sampled_from(
        [
            "assertionMethod",
            "authentication",
            "capabilityInvocation",
            "capabilityDelegation",
            "keyAgreement",
        ]
    )
    return _Node(draw, complete).build(
        _type_value("DataIntegrityProof"),
        {
            "cryptosuite": st.sampled_from(
                ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-sd-2023"]
            ),
            "verificationMethod": st.one_of(iris, iris.map(lambda i: i + "#key-1")),
            "proofPurpose": purposes,
            "proofValue": _multibase,
        },
        {
            "created": date_times,
            "expires": date_times,
            "challenge": texts(),
            "domain": _one_or_many(texts()),
            "nonce": texts(),
            "previousProof": _one_or_many(iris, 2),
        },
        node_id=st.one_of(_uuids.map(lambda u: f"urn:uuid:{u}"), _blank_ids),
    )


@cache
def _proofs(complete: bool) -> SearchStrategy[Any]:
    """One proof or a proof set: proofs that differ, as real signatures do, or now and then
    two copies of one proof (the same endorsement embedded twice gives that too): automorphic
    blank-node graphs, which RDFC-1.0 tells apart only by N-degree hashing."""
    proof = data_integrity_proofs(complete)
    unique = st.lists(proof, min_size=1, max_size=3, unique_by=lambda p: p["proofValue"])
    twice = proof.map(lambda p: [p, copy.deepcopy(p)])
    return st.one_of(proof, unique, twice)


@cache
@st.composite
def endorsement_subjects(draw: Draw, complete: bool = False) -> dict[str, Any]:
    return _Node(draw, complete).build(
        _type_value("EndorsementSubject"),
        {},
        {"endorsementComment": texts()},
        node_id=iris,
        id_required=True,
    )


@cache
@st.composite
def endorsement_credentials(
    draw: Draw, complete: bool = False, depth: int = 0, ext: bool = False
) -> dict[str, Any]:
    """An embedded ``EndorsementCredential``, with its own ``@context`` and proofs."""
    own_ext = draw(st.booleans())
    context = [VC_V2, OB_V3P0, OB_EXTENSIONS] if own_ext else [VC_V2, OB_V3P0]
    ext = ext or own_ext
    node = _Node(draw, complete)
    document = node.build(
        _type_value("VerifiableCredential", "EndorsementCredential"),
        {
            "name": texts(),
            "issuer": profiles(False, depth, ext),
            "validFrom": date_times,
            "credentialSubject": endorsement_subjects(complete),
        },
        {
            "description": texts(),
            "awardedDate": date_times,
            "validUntil": date_times,
            "credentialSchema": _one_or_many(credential_schemas(complete, ext), 2),
            "credentialStatus": status_entries(complete, ext),
            "refreshService": refresh_services(complete, ext),
            "proof": _proofs(complete),
        },
        node_id=iris,
        id_required=True,
    )
    return {"@context": context, **document}


@cache
@st.composite
def ob_credentials(draw: Draw, complete: bool | None = None) -> dict[str, Any]:
    """An OpenBadgeCredential (or AchievementCredential) with any subset of its fields; every
    field of every class when ``complete`` (``None``: drawn, one time in five)."""
    if complete is None:
        complete = draw(st.integers(0, 4)) == 0
    ext = complete or draw(st.booleans())
    micro = complete or draw(st.booleans())
    context: list[Any] = [VC_V2, OB_V3P0]
    extra: list[Any] = []
    if ext:
        extra.append(OB_EXTENSIONS)
    if micro:
        extra.append(extension_context())
    context += draw(st.permutations(extra))
    credential_type = list(
        draw(
            st.sampled_from(
                [
                    ("VerifiableCredential", "OpenBadgeCredential"),
                    ("VerifiableCredential", "AchievementCredential"),
                    ("OpenBadgeCredential", "VerifiableCredential"),
                    ("VerifiableCredential", "OpenBadgeCredential", "AchievementCredential"),
                ]
            )
        )
    )
    subject = achievement_subjects(complete, micro, ext)
    node = _Node(draw, complete)
    document = node.build(
        st.just(credential_type),
        {
            "issuer": st.one_of(profiles(complete, 2, ext), iris)
            if not complete
            else profiles(True, 2, ext),
            "validFrom": date_times,
            "name": texts(),
            "credentialSubject": st.one_of(subject, st.lists(subject, min_size=1, max_size=2))
            if not complete
            else subject,
        },
        {
            "description": texts(),
            "image": images(complete),
            "awardedDate": date_times,
            "validUntil": date_times,
            "endorsement": _one_or_many(endorsement_credentials(complete, 0, ext), 2),
            "endorsementJwt": _one_or_many(_jwts),
            "evidence": _one_or_many(evidence(complete)),
            "credentialSchema": _one_or_many(credential_schemas(complete, ext), 2),
            "credentialStatus": _one_or_many(status_entries(complete, ext), 2),
            "refreshService": refresh_services(complete, ext),
            "termsOfUse": _one_or_many(terms_of_use(complete), 2),
            "relatedResource": _one_or_many(related_resources(complete), 2),
            "renderMethod": render_methods(complete),
            "proof": _proofs(complete),
        },
        node_id=st.one_of(_uuids.map(lambda u: f"urn:uuid:{u}"), iris),
        id_required=draw(st.integers(0, 9)) != 0,
    )
    return {"@context": context, **document}


# ---------------------------------------------------------------------------------------------
# Hostile mutations: what a careless or malicious issuer may write

EX = "https://example.org/vocab#"

#: Keys that are undefined where they land: terms of other scopes, typos, keywords, IRIs.
_STRAY_KEYS = (
    # terms defined only in another type's scope (or only at the top level of a credential)
    *("achievementType", "caption", "genre", "audience", "proofValue", "cryptosuite"),
    *("endorsementComment", "statusPurpose", "latitude", "identityHash", "hashed", "targetUrl"),
    *("level", "points", "allowedValue", "resultType", "credentialSubject", "issuer", "proof"),
    *("validFrom", "evidence", "achievement", "result", "creator", "addressCountry", "geo"),
    *("familyName", "jsonSchema", "encodedList", "holder", "verifiableCredential", "identifier"),
    *("microCredential", "learningOutcome", "eqfLevel", "identityVerification"),
    # defined everywhere, some with surprising definitions (@json, scoped contexts, @graph)
    *("name", "description", "jti", "_sd", "exp", "cnf", "kid", "...", "digestSRI", "url"),
    # undefined spellings
    *("colour", "Name", "name ", "", " ", "ñame", "\u0000", "Profile", "OpenBadgeCredential"),
    # IRIs and compact IRIs (no prefix is defined: they stay what they are)
    *("ex:term", "urn:x:y", EX + "p", "_:p", "https://example.org/a b", "name:x", "id:x"),
    # keywords and keyword-like keys
    *("@foo", "@", "@1", "@graph", "@reverse", "@included", "@nest", "@index", "@value"),
    *("@language", "@list", "@set", "@json", "@none", "@direction", "@base", "@vocab"),
)
_WEIRD_IRIS = (
    *("relative", "#frag", "", "./a", "../b", "?q=1", "//host/x", "a b", "foo bar:baz"),
    *("1abc:x", ":x", "@id", "@type", "@foo", "https://example.org/a b", "https://e.org/a\tb"),
    *("_:", "_:b1", "_:b 1", "ex:x", "name:x", "Achievement:x", "https:", "did:", "urn:uuid:"),
    *("HTTPS://EXAMPLE.ORG/", "https://example.org/\u00e9\u202e", 'https://e.org/<>"{}|\\^`'),
    *("https://www.w3.org/ns/credentials/v2", "Profile", "assertionMethod"),
)
_WEIRD_TYPES = (
    *("Widget", "Profile2", "ex:Widget", EX + "T", "_:t", "@id", "@json", "@vocab", "@none"),
    *("", "Profile Achievement", "VerifiableCredential", "VerifiablePresentation"),
    *("Achievement", "Profile", "Address", "JsonSchema", "BitstringStatusList"),
    *("DataIntegrityProof", "Ed25519Signature2020", "EnvelopedVerifiableCredential", "name"),
    *("AchievementCredential", "EndorsementCredential", "IdentityObject", "1EdTechRevocationList"),
)
_CONTEXT_URLS = (
    "https://example.org/unknown/context.jsonld",
    "http://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/v3",
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
    "relative.jsonld",
    "",
)
_special_numbers = st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), -0.0, 10**22, 1e308 * 10, 2**1023 * 1.5, 10**100]
)
_small_values = st.one_of(
    scalars,
    _special_numbers,
    st.sampled_from([None, [], {}, [None], [[]], [[1, "a"]], [{}], {"id": "https://e.org/n"}]),
    st.builds(dict, st.just([("name", "x")])),
)


def _value_objects(value: Any) -> SearchStrategy[Any]:
    return st.sampled_from(
        [
            {"@value": value},
            {"@value": value, "@language": "en"},
            {"@value": value, "@language": "EN-gb"},
            {"@value": value, "@language": "not a tag!"},
            {"@value": value, "@type": EX + "datatype"},
            {"@value": value, "@type": "http://www.w3.org/2001/XMLSchema#string"},
            {"@value": value, "@type": "http://www.w3.org/2001/XMLSchema#double"},
            {"@value": value, "@type": "relative"},
            {"@value": value, "@direction": "rtl"},
            {"@value": value, "@direction": "rtl", "@language": "ar"},
            {"@value": value, "@index": "i"},
            {"@value": None},
            {"@value": [value]},
            {"@value": {"a": [value]}, "@type": "@json"},
            {"@value": value, "@language": "en", "@type": EX + "datatype"},
            {"@value": value, "name": "extra"},
            {"@value": value, "@context": {"@language": "fr"}},
        ]
    )


def _list_objects(value: Any) -> SearchStrategy[Any]:
    return st.sampled_from(
        [
            {"@list": [value, value]},
            {"@list": []},
            {"@list": value},
            {"@list": [None, value]},
            {"@list": [{"@list": [value]}]},
            [{"@list": [value]}, value],
            {"@list": [[value]]},
            {"@set": [value, [value]]},
            {"@set": []},
            {"@list": [value], "@index": "x"},
            {"@list": [value], "name": "extra"},
        ]
    )


#: Inline contexts, each with keys that use what it defines (``None``: no key to add).
_INLINE_CONTEXTS: tuple[tuple[Any, dict[str, Any] | None], ...] = (
    ({"ex": EX}, {"ex:thing": "x", "@id": "ex:node", "ex:other": {"@id": "ex:n2"}}),
    ({"ex": {"@id": EX, "@prefix": True}}, {"ex:thing": 1, "type": "ex:Kind"}),
    ({"ex": {"@id": EX}}, {"ex:thing": 1}),
    ({"@vocab": EX}, {"whatever": "x", "nested": {"more": [1, 2.5]}, "type": "Thing"}),
    ({"@vocab": ""}, {"whatever": "x"}),
    ({"@language": "en"}, {"name": "hello", "description": ["a", "b"]}),
    ({"@language": "EN-us"}, {"name": "hello"}),
    ({"@language": None}, None),
    ({"@direction": "rtl"}, {"name": "\u05e9\u05dc\u05d5\u05dd"}),
    ({"@base": "https://example.org/base/"}, {"id": "relative/id"}),
    ({"@version": 1.1}, None),
    ({"@propagate": False, "t": EX + "t"}, {"t": {"t": {"t": 1}}}),
    ({"@protected": True, "foo": EX + "foo"}, {"foo": "bar"}),
    ({"name": EX + "name"}, {"name": "redefined"}),
    ({"name": {"@id": "https://schema.org/name"}}, {"name": "same"}),
    ({"name": None}, {"name": "gone"}),
    (None, {"name": "after null"}),
    ([], None),
    ([None, {"n": EX + "n"}], {"n": 1}),
    ({"t": {"@id": EX + "t", "@type": "@json"}}, {"t": {"a": [1, {"b": None}], "z": 1.0}}),
    ({"t": {"@id": EX + "t", "@container": "@list"}}, {"t": [1, [2], None, "x"]}),
    ({"t": {"@id": EX + "t", "@container": "@list"}}, {"t": [[]]}),
    ({"t": {"@id": EX + "t", "@container": "@list", "@type": "@id"}}, {"t": [EX + "a", "rel"]}),
    ({"t": {"@id": EX + "t", "@container": ["@set"], "@type": "@id"}}, {"t": [EX + "a"]}),
    ({"t": {"@id": EX + "t", "@container": "@index"}}, {"t": {"a": "x", "b": ["y"]}}),
    ({"t": {"@id": EX + "t", "@container": "@id"}}, {"t": {EX + "k": {"name": "x"}}}),
    ({"t": {"@id": EX + "t", "@container": "@type"}}, {"t": {EX + "K": {"name": "x"}}}),
    ({"t": {"@id": EX + "t", "@container": "@language"}}, {"t": {"en": "x", "fr": ["y", "z"]}}),
    ({"t": {"@id": EX + "t", "@container": "@language"}}, {"t": {"@none": "x", "EN": None}}),
    ({"t": {"@id": EX + "t", "@container": "@graph"}}, {"t": [{"name": "x"}, {EX + "q": 1}]}),
    ({"t": {"@id": EX + "t", "@container": "@graph"}}, {"t": "https://example.org/g"}),
    ({"t": {"@id": EX + "t", "@container": ["@graph", "@index"]}}, {"t": {"i": {"name": "x"}}}),
    ({"t": {"@id": EX + "t", "@container": ["@graph", "@id"]}}, {"t": {EX + "g": {EX + "q": 1}}}),
    ({"t": {"@reverse": EX + "r"}}, {"t": {"id": "https://example.org/r"}}),
    ({"t": {"@reverse": EX + "r", "@type": "@id"}}, {"t": "https://example.org/r"}),
    ({"t": "@nest"}, {"t": {"name": "nested"}}),
    ({"t": {"@id": EX + "t", "@nest": "n"}, "n": "@nest"}, {"n": {"t": 1}}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#string"}}, {"t": "s"}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#string"}}, {"t": 7}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#string"}}, {"t": True}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#double"}}, {"t": [1, "2"]}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#integer"}}, {"t": 2.5}),
    ({"t": {"@id": EX + "t", "@type": "http://www.w3.org/2001/XMLSchema#boolean"}}, {"t": "no"}),
    ({"t": {"@id": EX + "t", "@language": "de"}}, {"t": ["a", 1, True, None]}),
    ({"t": {"@id": EX + "t", "@language": None}, "@language": "fr"}, {"t": "a", "name": "b"}),
    ({"t": {"@id": EX + "t", "@direction": "ltr"}}, {"t": "a"}),
    ({"t": {"@id": EX + "t", "@type": "@vocab"}}, {"t": ["Profile", "Achievement", "x", EX]}),
    ({"t": {"@id": EX + "t", "@type": "@vocab"}, "@vocab": EX}, {"t": ["Undefined"]}),
    ({"t": {"@id": EX + "t", "@type": "@none"}, "@language": "en"}, {"t": "a"}),
    ({"t": {"@id": EX + "t", "@type": "@id"}}, {"t": ["_:b1", "ex:x", "rel", 5, {"name": "x"}]}),
    ({"t": {"@id": EX + "t", "@context": {"u": EX + "u"}}}, {"t": {"u": 1, "t": 2}}),
    ({"t": {"@id": EX + "t", "@context": {"t": {"@id": EX + "t", "@type": "@id"}}}}, {"t": EX}),
    (
        {"t": {"@id": EX + "t", "@context": {"t": {"@id": EX + "t2", "@container": "@list"}}}},
        {"t": {"t": [1, 2]}},
    ),
    ({"t": {"@id": EX + "t", "@context": None}}, {"t": {"name": "x"}}),
    ({"t": {"@id": EX + "t", "@context": "https://example.org/unknown"}}, {"t": {"x": 1}}),
    ({"t": {"@id": "@type"}}, {"t": "Profile"}),
    ({"t": "@type"}, {"t": ["Achievement", "Profile"]}),
    ({"t": "@id"}, {"t": "https://example.org/also-id"}),
    ({"t": "@graph"}, {"t": [{"name": "x"}]}),
    ({"t": "@value"}, {"t": "x"}),
    ({"t": "@language"}, {"t": "en"}),
    ({"t": {"@id": "_:p"}}, {"t": "blank-node property"}),
    ({"t": {"@id": "relative-iri"}}, {"t": "x"}),
    ({"t": {"@id": EX + "t", "@protected": True}}, {"t": "x"}),
    ({"@import": "https://www.w3.org/ns/credentials/v2"}, None),
    ({"@import": "https://example.org/unknown", "z": EX + "z"}, {"z": 1}),
    ({"T": {"@id": EX + "T", "@context": {"tt": EX + "tt"}}}, {"type": "T", "tt": {"tt": 1}}),
    ({"T": {"@id": EX + "T", "@context": {"tt": EX + "tt"}}}, {"@type": ["T"], "tt": [1, 2]}),
    ({"Profile": {"@id": EX + "Profile"}}, {"type": "Profile"}),
    ({"Achievement": {"@id": EX + "A", "@context": {"tag": EX + "tag"}}}, None),
    ("https://example.org/unknown", None),
    (5, None),
    ({"@context": {"n": EX + "n"}}, None),
    ({"n": {"@id": EX + "n", "@type": "@id", "@container": "@set"}}, {"n": ["_:b0", "_:b1"]}),
)


def _nodes(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in ``value`` (``@context`` values excluded), parents first."""
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(v for k, v in item.items() if k != "@context")
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _add_context(node: dict[str, Any], context: Any) -> None:
    existing = node.get("@context")
    if existing is None:
        node["@context"] = context
    elif isinstance(existing, list):
        node["@context"] = [*existing, context]
    else:
        node["@context"] = [existing, context]


def _some_key(draw: Draw, node: dict[str, Any], *, keep: tuple[str, ...] = ("@context",)) -> Any:
    keys = [key for key in node if key not in keep]
    return draw(st.sampled_from(keys)) if keys else None


def _mutate_stray_key(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    node[draw(st.sampled_from(_STRAY_KEYS))] = draw(_small_values)


def _mutate_id(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    value = draw(st.one_of(st.sampled_from(_WEIRD_IRIS), _blank_ids, _small_values))
    node[draw(st.sampled_from(["id", "@id"]))] = value


def _mutate_type(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = "@type" if "@type" in node else "type"
    extra = draw(st.sampled_from(_WEIRD_TYPES))
    existing = node.get(key)
    if draw(st.booleans()) and existing is not None:
        node[key] = [*(existing if isinstance(existing, list) else [existing]), extra]
    else:
        node[key] = draw(st.one_of(st.just(extra), _small_values))


def _mutate_iri_value(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node)
    if key is not None:
        node[key] = draw(st.sampled_from(_WEIRD_IRIS))


def _mutate_graph(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> Any:
    inner = {"id": draw(iris), "name": draw(texts())}
    choice = draw(st.integers(0, 3))
    if choice == 0:  # the whole credential as a graph
        context = document.pop("@context", None)
        return {"@context": context, "@graph": [document]}
    node["@graph"] = [inner] if choice == 1 else (inner if choice == 2 else [])
    return None


def _mutate_reverse(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    node["@reverse"] = draw(
        st.sampled_from(
            [
                {"https://schema.org/knows": {"id": "https://example.org/r"}},
                {"name": {"id": "https://example.org/r"}},
                {"https://schema.org/knows": "https://example.org/r"},
                {"@reverse": {}},
                {},
                "string",
            ]
        )
    )


def _mutate_value_object(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node) or "name"
    node[key] = draw(scalars.flatmap(_value_objects))


def _mutate_list(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node) or "name"
    node[key] = draw(scalars.flatmap(_list_objects))


def _mutate_context(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    context, uses = draw(st.sampled_from(_INLINE_CONTEXTS))
    _add_context(node, copy.deepcopy(context))
    if uses is not None:
        node.update(copy.deepcopy(uses))


def _mutate_context_url(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    target = node if draw(st.booleans()) else document
    _add_context(target, draw(st.sampled_from(_CONTEXT_URLS)))


def _mutate_top_context(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    context = document.get("@context")
    if not isinstance(context, list) or not context:
        return
    choice = draw(st.integers(0, 5))
    if choice == 0:
        document["@context"] = list(reversed(context))
    elif choice == 1:
        document["@context"] = context[:1]  # OB context missing
    elif choice == 2:
        document["@context"] = [context[0], *context]
    elif choice == 3:
        document["@context"] = context[0]
    elif choice == 4:
        document["@context"] = [draw(st.sampled_from(_CONTEXT_URLS)), *context]
    else:
        del document["@context"]


def _mutate_null(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node, keep=())
    if key is not None:
        node[key] = None


def _mutate_empty(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node, keep=())
    if key is not None:
        node[key] = draw(st.sampled_from([[], {}, [[]], [None], ""]))


def _mutate_nested_array(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node, keep=())
    if key is not None:
        value = node[key]
        node[key] = draw(st.sampled_from([[[value], value], [[value]], [value, [[]]]]))


def _mutate_keyword(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    keyword, value = draw(
        st.sampled_from(
            [
                ("@included", [{"id": "https://example.org/i", "name": "x"}]),
                ("@nest", {"name": "x"}),
                ("@index", "x"),
                ("@id", "https://example.org/second-id"),
                ("@type", "Profile"),
                ("@language", "en"),
                ("@value", "x"),
                ("@list", [1]),
                ("@set", [1]),
                ("@direction", "rtl"),
                ("@foo", 1),
                ("@", 1),
            ]
        )
    )
    node[keyword] = copy.deepcopy(value)


def _mutate_value(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node)
    if key is not None:
        node[key] = draw(_small_values)


def _mutate_same_object_twice(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node, keep=("@context", "id", "type", "@id", "@type"))
    if key is not None and isinstance(node[key], dict):
        node[key] = [node[key], node[key]]  # one object, twice: two blank nodes unless it has an id


def _mutate_blank_id(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    node["@id" if "@id" in node else "id"] = draw(_blank_ids)


def _mutate_iri_key(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = draw(st.sampled_from([EX + "p", "https://schema.org/name", "urn:x:p", "tag:p", "ex:p"]))
    node[key] = draw(st.one_of(scalars, st.lists(scalars, max_size=3), _small_nodes))


def _mutate_numbers(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = _some_key(draw, node, keep=("@context", "id", "type", "@id", "@type"))
    if key is not None:
        node[key] = draw(st.one_of(numbers, st.booleans(), st.lists(numbers, max_size=3)))


def _mutate_key_order(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    items = list(node.items())
    random.Random(draw(st.integers(0, 2**32))).shuffle(items)
    node.clear()
    node.update(items)


def _mutate_keyword_aliases(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    for alias, keyword in (("id", "@id"), ("type", "@type")):
        if alias in node and keyword not in node:
            node[keyword] = node.pop(alias)
        elif keyword in node and alias not in node:
            node[alias] = node.pop(keyword)


def _mutate_merge(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    """Describe a node a second time elsewhere (same id, other properties): pyld merges them."""
    node_id = node.get("id", node.get("@id"))
    if isinstance(node_id, str):
        document.setdefault("evidence", [])
        if not isinstance(document["evidence"], list):
            document["evidence"] = [document["evidence"]]
        document["evidence"].append({"id": node_id, "type": "Evidence", "name": draw(texts())})


def _mutate_jwt_claims(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    """The JWT claim terms of the VC 2.0 context, defined everywhere (``cnf`` has a scoped
    context of its own, ``exp`` a datatype, ``iss`` is @id-coerced)."""
    claims = {
        "cnf": {"kid": draw(iris)},
        "exp": draw(st.one_of(st.integers(0, 2**40), texts())),
        "iat": draw(numbers),
        "nbf": draw(st.integers(0, 2**40)),
        "iss": draw(iris),
        "sub": draw(st.one_of(iris, _blank_ids)),
        "aud": draw(_one_or_many(iris)),
        "jti": draw(iris),
        "kid": draw(iris),
        "_sd_alg": "sha-256",
    }
    for key in draw(st.lists(st.sampled_from(sorted(claims)), min_size=1, max_size=4)):
        node[key] = claims[key]


def _mutate_allowed_value(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    """Other things in an @list container: nodes, nulls, one value, nested lists."""
    for found in _nodes(document):
        if "allowedValue" in found:
            found["allowedValue"] = draw(
                st.one_of(
                    st.lists(st.one_of(scalars, _small_nodes, st.none()), max_size=4),
                    _small_nodes,
                    st.just([[1, 2], 3]),
                )
            )
            return
    node["ex:list"] = [1, 2]


def _mutate_duplicate_type(draw: Draw, document: dict[str, Any], node: dict[str, Any]) -> None:
    key = "@type" if "@type" in node else "type"
    value = node.get(key)
    if isinstance(value, str):
        node[key] = [value, value]
    elif isinstance(value, list) and value:
        node[key] = [*value, value[0]]


_small_nodes = st.builds(
    lambda name, node_id: {"name": name} if node_id is None else {"id": node_id, "name": name},
    texts(),
    st.one_of(st.none(), iris, _blank_ids),
)

#: Changes that break a credential, or that the fast path does not cover.
_HOSTILE = (
    _mutate_stray_key,
    _mutate_id,
    _mutate_type,
    _mutate_iri_value,
    _mutate_graph,
    _mutate_reverse,
    _mutate_value_object,
    _mutate_list,
    _mutate_context,
    _mutate_context_url,
    _mutate_null,
    _mutate_empty,
    _mutate_nested_array,
    _mutate_keyword,
    _mutate_value,
)
#: Changes that leave valid JSON-LD, mostly inside what the fast path covers.
_UNUSUAL = (
    _mutate_context,
    _mutate_top_context,
    _mutate_same_object_twice,
    _mutate_blank_id,
    _mutate_iri_key,
    _mutate_numbers,
    _mutate_key_order,
    _mutate_keyword_aliases,
    _mutate_merge,
    _mutate_empty,
    _mutate_jwt_claims,
    _mutate_allowed_value,
    _mutate_duplicate_type,
)


@cache
@st.composite
def hostile_credentials(draw: Draw) -> Any:
    """A small credential from ``ob_credentials`` with one to three changes, each at a node
    drawn from all of its JSON objects: undefined terms, relative IRIs as ids and types,
    ``@graph``, ``@reverse``, value objects, lists, language maps and other containers, inline
    contexts (nested ones too), unknown contexts, ``null``, empty and nested arrays, keywords,
    values of the wrong kind; and changes that keep it valid (blank nodes, IRIs as keys, merged
    nodes, one object twice, other key orders, numbers, contexts in other orders)."""
    token = _SMALL.set(True)
    try:
        document: Any = copy.deepcopy(draw(ob_credentials(complete=False)))
    finally:
        _SMALL.reset(token)
    mutations = st.one_of(st.sampled_from(_UNUSUAL), st.sampled_from(_HOSTILE))
    for _ in range(draw(st.integers(1, 3))):
        nodes = _nodes(document)
        node = nodes[draw(st.integers(0, len(nodes) - 1))]
        replaced = draw(mutations)(draw, document, node)
        if replaced is not None:
            document = replaced
    return document
