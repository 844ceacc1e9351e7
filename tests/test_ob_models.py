"""OB 3.0 / CLR 2.0 wire models against the spec's examples and the 1EdTech validator's samples.

What must hold: every conformant document parses and comes back unchanged from
``to_json_ld()`` (a proof signs those exact bytes' meaning); every sample the 1EdTech validator
rejects for its shape is reported with the path of the property at fault; recipient
identifiers hash as the spec's worked example does; and ``validate_credential`` never raises.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft201909Validator
from pydantic import ValidationError

import credstack.ob
from credstack.ob import (
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Address,
    Alignment,
    Association,
    ClrCredential,
    ClrSubject,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    GeoCoordinates,
    IdentifierEntry,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    Related,
    Result,
    ResultDescription,
    RubricCriterionLevel,
    credential_model_for,
    identity_hash_matches,
    schema_errors,
    validate_credential,
)
from credstack.ob._common import WireModel
from tests.conftest import SHARED, load_json

EXAMPLES = ("vectors", "ob3-1edtech", "examples")
VECTORS = ("vectors", "ob3-1edtech")
SAMPLES = ("conformance", "ob30-validator-samples")
SCHEMA = ("schemas", "ob_v3p0_achievementcredential_schema.json")

# Validator samples that do not have the shape OB 3.0 / CLR 2.0 require, each with the path
# of a problem validate_credential must report. The first twelve are the ones the 1EdTech
# validator's tests reject for their shape; the rest it rejects (or ignores) for other reasons,
# but they also break the data model, as noted.
NONCONFORMING: dict[str, str] = {
    "ob30/simple-err-type.json": "type",
    "ob30/simple-err-issuer.json": "issuer",
    "ob30/simple-err-issuer-type.json": "issuer.type",
    "ob30/simple-err-issuer-parentorg-type.json": "issuer.parentOrg.type",
    "ob30/simple-err-issuer-otheridentifier-type.json": "issuer.otherIdentifier[1].type",
    "ob30/simple-err-evidence-type.json": "evidence[1].type",
    "ob30/simple-err-credential-subject-type.json": "credentialSubject.type",
    "ob30/simple-err-credential-subject-identifier-type.json": (
        "credentialSubject.identifier[0].type"
    ),
    "ob30/simple-err-credential-subject-result-type.json": "credentialSubject.result[1].type",
    "ob30/simple-err-credential-subject-profile-type.json": "credentialSubject.source.type",
    "ob30/simple-err-credential-subject-achievement-result-description-type.json": (
        "credentialSubject.achievement.resultDescription[2].type"
    ),
    "ob30/simple-err-context.json": "@context",
    # No credentialSubject.achievement, which OB 3.0 requires ([1]).
    "ob30/simple-err-issued.json": "credentialSubject.achievement",
    "ob30/simple-noproof.json": "credentialSubject.achievement",
    # VC 1.1 copy of complete.json: identityType "email" is not an IdentifierTypeEnum value.
    "ob30/complete_v1.json": "credentialSubject.identifier[0].identityType",
    # An embedded EndorsementCredential without the required name.
    "clr20/complex.json": (
        "credentialSubject.verifiableCredential[0].credentialSubject.achievement"
        ".endorsement[0].name"
    ),
}
VECTOR_FILES = [
    f"{kind}-{state}-credential.json" for kind in ("ob", "clr") for state in ("signed", "unsigned")
]
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _json_files(*parts: str) -> list[str]:
    """The JSON files under a shared folder, relative to it (one placeholder when absent, so
    the parametrised tests skip with a reason instead of vanishing)."""
    folder = SHARED.joinpath(*parts)
    if not folder.is_dir():
        return ["<reference data not available>"]
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.json")
        if path.name not in {"index.json", "expected.json"}
    )


CONFORMING_SAMPLES = [name for name in _json_files(*SAMPLES) if name not in NONCONFORMING]


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_json(*SCHEMA)
    return schema


def _round_trip(document: dict[str, Any]) -> dict[str, Any]:
    model = credential_model_for(document)
    assert model is not None, "document names no known credential type"
    return model.model_validate(document).to_json_ld()


@cache
def _simple_sample() -> dict[str, Any]:
    document: dict[str, Any] = load_json(*SAMPLES, "ob30", "simple.json")
    return document


def _simple() -> dict[str, Any]:
    """A fresh copy of the validator's minimal valid OpenBadgeCredential."""
    return copy.deepcopy(_simple_sample())


# --- exact round trips --------------------------------------------------------------------


@pytest.mark.parametrize("name", _json_files(*EXAMPLES))
def test_spec_example_round_trips_exactly(name: str) -> None:
    document = load_json(*EXAMPLES, name)
    assert _round_trip(document) == document


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_signed_and_unsigned_vector_round_trips_exactly(name: str) -> None:
    document = load_json(*VECTORS, name)
    assert _round_trip(document) == document


@pytest.mark.parametrize("name", CONFORMING_SAMPLES)
def test_validator_sample_round_trips_exactly(name: str) -> None:
    document = load_json(*SAMPLES, name)
    assert validate_credential(document) == []
    assert _round_trip(document) == document


def test_round_trip_keeps_value_shapes_and_unknown_properties() -> None:
    document = _simple()
    document["issuer"]["type"] = "Profile"  # a single string stays a string
    document["credentialSubject"]["achievement"]["tag"] = ["one"]  # a one-item list stays a list
    document["credentialSubject"]["creditsEarned"] = 3  # an int does not become 3.0
    document["credentialSubject"]["achievement"]["ext:unknown"] = {"nested": [1, None, True]}
    document["proof"] = document["proof"][0]  # a single proof object stays an object
    assert _round_trip(document) == document
    assert json.dumps(_round_trip(document), sort_keys=True) == json.dumps(document, sort_keys=True)


def test_dates_keep_their_wire_text() -> None:
    document = _simple()
    document["validFrom"] = "2010-01-01T00:00:00.000+00:00"
    assert _round_trip(document)["validFrom"] == "2010-01-01T00:00:00.000+00:00"


def test_issuer_may_be_a_uri() -> None:
    document = _simple()
    document["issuer"] = "https://example.com/issuers/876543"
    credential = OpenBadgeCredential.model_validate(document)
    assert credential.issuer == "https://example.com/issuers/876543"
    assert credential.to_json_ld() == document


def test_clr_nests_open_badge_credentials() -> None:
    document = load_json(*VECTORS, "clr-signed-credential.json")
    clr = ClrCredential.model_validate(document)
    nested = clr.credential_subject.verifiable_credential[0]
    assert isinstance(nested, OpenBadgeCredential)
    assert nested.to_json_ld() == document["credentialSubject"]["verifiableCredential"][0]


def test_built_credential_serialises_with_wire_names() -> None:
    achievement = Achievement(
        id="https://example.edu/achievements/1",
        type=["Achievement"],
        criteria=Criteria(narrative="Do the thing."),
        description="A thing was done.",
        name="Thing",
        achievement_type="Badge",
    )
    credential = OpenBadgeCredential(
        context=[VC_V2, OB_CONTEXT],
        id="urn:uuid:2b4d1ab0-6a5e-4f3e-9c27-7f4a2f2a9e11",
        type=["VerifiableCredential", "OpenBadgeCredential"],
        issuer=Profile(id="https://example.edu/issuers/1", type=["Profile"], name="Example"),
        valid_from="2024-05-01T12:00:00Z",
        name="Thing badge",
        credential_subject=AchievementSubject(
            type=["AchievementSubject"],
            identifier=[IdentityObject.for_email("a@example.com", salt="Kosher")],
            achievement=achievement,
        ),
    )
    document = credential.to_json_ld()
    assert document["@context"] == [VC_V2, OB_CONTEXT]
    assert document["validFrom"] == "2024-05-01T12:00:00Z"
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Badge"
    assert document["credentialSubject"]["identifier"][0]["identityType"] == "emailAddress"
    assert "proof" not in document  # unset optional properties are left out
    assert validate_credential(document) == []
    assert _round_trip(document) == document


# --- type rules -----------------------------------------------------------------------------

ACHIEVEMENT = {
    "id": "urn:uuid:1",
    "type": ["Achievement"],
    "criteria": {"narrative": "n"},
    "description": "d",
    "name": "n",
}
MINIMAL_OB = {
    "@context": [VC_V2, OB_CONTEXT],
    "id": "urn:uuid:1",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": "https://example.edu/issuers/1",
    "validFrom": "2024-05-01T12:00:00Z",
    "credentialSubject": {
        "id": "did:example:1",
        "type": "AchievementSubject",
        "achievement": ACHIEVEMENT,
    },
}
SET_TYPED: list[tuple[type[WireModel], dict[str, Any], str]] = [
    (Achievement, ACHIEVEMENT, "Achievement"),
    (AchievementSubject, {"id": "did:example:1", "achievement": ACHIEVEMENT}, "AchievementSubject"),
    (Profile, {"id": "https://example.edu/1"}, "Profile"),
    (Result, {}, "Result"),
    (Evidence, {}, "Evidence"),
    (ResultDescription, {"id": "urn:1", "name": "n", "resultType": "Status"}, "ResultDescription"),
    (RubricCriterionLevel, {"id": "urn:1", "name": "n"}, "RubricCriterionLevel"),
    (Alignment, {"targetName": "n", "targetUrl": "https://example.edu"}, "Alignment"),
    (Address, {}, "Address"),
    (Related, {"id": "urn:1"}, "Related"),
    (EndorsementSubject, {"id": "urn:1"}, "EndorsementSubject"),
    (ClrSubject, {"verifiableCredential": [MINIMAL_OB]}, "ClrSubject"),
]
SINGLE_TYPED: list[tuple[type[WireModel], dict[str, Any], str]] = [
    (
        IdentityObject,
        {"hashed": False, "identityHash": "a@example.com", "identityType": "emailAddress"},
        "IdentityObject",
    ),
    (IdentifierEntry, {"identifier": "1", "identifierType": "sourcedId"}, "IdentifierEntry"),
    (Image, {"id": "https://example.edu/i.png"}, "Image"),
    (GeoCoordinates, {"latitude": 1, "longitude": 2.5}, "GeoCoordinates"),
    (
        Association,
        {"associationType": "isParentOf", "sourceId": "urn:1", "targetId": "urn:2"},
        "Association",
    ),
]


@pytest.mark.parametrize(("model", "fields", "required"), SET_TYPED)
def test_set_typed_object_needs_its_type(
    model: type[WireModel], fields: dict[str, Any], required: str
) -> None:
    for accepted in (required, [required], ["Other", required]):
        document = {**fields, "type": accepted}
        assert model.model_validate(document).to_json_ld() == document
    with pytest.raises(ValidationError, match=f"must include '{required}'"):
        model.model_validate({**fields, "type": ["Invalid" + required]})


@pytest.mark.parametrize(("model", "fields", "required"), SINGLE_TYPED)
def test_single_typed_object_needs_exactly_its_type(
    model: type[WireModel], fields: dict[str, Any], required: str
) -> None:
    document = {**fields, "type": required}
    assert model.model_validate(document).to_json_ld() == document
    with pytest.raises(ValidationError, match=f"'{required}'"):
        model.model_validate({**fields, "type": "Invalid" + required})


@pytest.mark.parametrize(
    ("model", "types", "problem"),
    [
        (OpenBadgeCredential, ["OpenBadgeCredential"], "must include 'VerifiableCredential'"),
        (OpenBadgeCredential, ["VerifiableCredential"], "must include one of"),
        (EndorsementCredential, ["VerifiableCredential"], "must include 'EndorsementCredential'"),
        (ClrCredential, ["VerifiableCredential"], "must include 'ClrCredential'"),
    ],
)
def test_credential_type_rules(model: type[WireModel], types: list[str], problem: str) -> None:
    document = {**_simple(), "type": types}
    with pytest.raises(ValidationError, match=problem):
        model.model_validate(document)


def test_achievement_credential_is_the_same_class() -> None:
    document = {**_simple(), "type": ["VerifiableCredential", "AchievementCredential"]}
    assert AchievementCredential is OpenBadgeCredential
    assert credential_model_for(document) is OpenBadgeCredential
    assert validate_credential(document) == []


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("credentialSubject", "achievement", "achievementType"), "Bogus", "AchievementType"),
        (("credentialSubject", "achievement", "achievementType"), "ext:MyType", None),
        (("credentialSubject", "creditsEarned"), "42", "must be a number"),
        (("credentialSubject", "creditsEarned"), True, "must be a number"),
        (("credentialSubject", "creditsEarned"), 4.5, None),
        (("credentialSubject", "result"), [{"type": ["Result"], "status": "Done"}], "Status"),
        (("name",), 5, "name: must be a string"),
        (("issuer",), 5, "issuer: must be a URI string or a Profile object"),
        (("issuer",), {"id": "urn:1", "type": "Other"}, "issuer.type: must include 'Profile'"),
        (("credentialSubject",), [], "credentialSubject: must be an object"),
        (("@context",), [OB_CONTEXT], "must start with"),
    ],
)
def test_property_rules(path: tuple[str, ...], value: Any, problem: str | None) -> None:
    document = _simple()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = validate_credential(document)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    "value",
    [
        "2010-01-01T00:00:00Z",
        "2022-11-10T07:38:00-08:00",
        "2024-02-29T23:59:59.123456+14:00",
        "2010-01-01T24:00:00Z",
    ],
)
def test_valid_from_accepts_xsd_date_times_with_timezone(value: str) -> None:
    assert validate_credential({**_simple(), "validFrom": value}) == []


@pytest.mark.parametrize(
    "value",
    [
        "2010-01-01T00:00:00",
        "2010-01-01",
        "2010-01-01 00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2010-13-01T00:00:00Z",
        "2010-01-01T25:00:00Z",
        "2010-01-01T24:00:01Z",
        "2010-01-01T00:00:00+15:00",
        "1/1/2010",
    ],
)
def test_valid_from_rejects_other_text(value: str) -> None:
    assert validate_credential({**_simple(), "validFrom": value}) == [
        "validFrom: must be an XSD dateTime with a timezone, e.g. '2024-05-01T12:00:00Z'"
    ]


def test_vc_1_1_issuance_date_stands_in_for_valid_from() -> None:
    document = _simple()
    document["issuanceDate"] = document.pop("validFrom")
    assert validate_credential(document) == []
    del document["issuanceDate"]
    assert validate_credential(document) == [
        "(root): must have 'validFrom' (or, for VC 1.1, 'issuanceDate')"
    ]


def test_minimal_credential_is_valid() -> None:
    assert validate_credential(MINIMAL_OB) == []


def test_clr_subject_needs_a_credential() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        ClrSubject.model_validate({"type": "ClrSubject", "verifiableCredential": []})


def test_subject_needs_id_or_identifier() -> None:
    document = _simple()
    del document["credentialSubject"]["id"]
    assert validate_credential(document) == [
        "credentialSubject: must have an 'id' and/or an 'identifier'"
    ]


# --- recipient identifiers ------------------------------------------------------------------

SPEC_EXAMPLE_HASH = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def test_for_email_reproduces_the_spec_example() -> None:
    # OB 3.0 IdentityHash: "a@example.com" salted with "Kosher".
    identity = IdentityObject.for_email("a@example.com", salt="Kosher")
    assert identity.identity_hash == SPEC_EXAMPLE_HASH
    assert identity.to_json_ld() == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": SPEC_EXAMPLE_HASH,
        "identityType": "emailAddress",
        "salt": "Kosher",
    }


def test_for_email_hashes_utf8_email_then_salt() -> None:
    expected = hashlib.sha256("józef@example.com".encode() + b"pepper").hexdigest()
    identity = IdentityObject.for_email("józef@example.com", salt="pepper")
    assert identity.identity_hash == "sha256$" + expected


def test_for_email_draws_a_fresh_salt() -> None:
    first = IdentityObject.for_email("a@example.com")
    second = IdentityObject.for_email("a@example.com")
    assert first.salt is not None
    assert len(first.salt) == 32
    int(first.salt, 16)
    assert first.salt != second.salt
    assert first.matches("a@example.com")
    assert second.matches("a@example.com")


def test_matches_follows_the_spec_algorithm() -> None:
    identity = IdentityObject.for_email("a@example.com", salt="Kosher")
    assert identity.matches("a@example.com")
    assert not identity.matches("b@example.com")
    # The spec hashes the identifier as given: no case folding, no trimming.
    assert not identity.matches("A@example.com")
    assert not identity.matches(" a@example.com")
    assert not identity.matches_identifier("a@example.com", "name")


def test_matches_accepts_uppercase_hex_and_md5() -> None:
    upper = IdentityObject.model_validate(
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": SPEC_EXAMPLE_HASH.upper().replace("SHA256$", "sha256$"),
            "identityType": "emailAddress",
            "salt": "Kosher",
        }
    )
    assert upper.matches("a@example.com")
    md5 = "md5$" + hashlib.md5(b"a@example.comKosher", usedforsecurity=False).hexdigest()
    assert identity_hash_matches(md5, "a@example.com", "Kosher")
    assert not identity_hash_matches("sha1$00", "a@example.com", "Kosher")


def test_plain_identifier_holds_the_value() -> None:
    identity = IdentityObject.plain("student@1edtech.edu")
    assert identity.to_json_ld() == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "student@1edtech.edu",
        "identityType": "emailAddress",
    }
    assert identity.matches("student@1edtech.edu")
    assert not identity.matches("other@1edtech.edu")


def test_sample_identifiers_match_their_plain_values() -> None:
    document = load_json(*SAMPLES, "ob30", "complete.json")
    credential = OpenBadgeCredential.model_validate(document)
    identifiers = credential.credential_subject.identifier or []
    assert [i.matches("student@1edtech.edu") for i in identifiers] == [True, False]


@pytest.mark.parametrize("identity_hash", ["sha256$abc", "plain@example.com", "md5$" + "0" * 64])
def test_hashed_identifier_needs_an_identity_hash(identity_hash: str) -> None:
    with pytest.raises(ValidationError, match="identityHash must be"):
        IdentityObject.model_validate(
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": identity_hash,
                "identityType": "emailAddress",
            }
        )


# --- validate_credential --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "path"), sorted(NONCONFORMING.items()))
def test_nonconforming_sample_is_reported_at_its_path(name: str, path: str) -> None:
    problems = validate_credential(load_json(*SAMPLES, name))
    assert any(problem.startswith(f"{path}: ") for problem in problems), problems


def test_samples_the_validator_accepts_have_no_problems() -> None:
    expected = load_json(*SAMPLES, "expected.json")["samples"]
    accepted = [
        name
        for name, entry in expected.items()
        if entry["expected"] in {"valid", "valid-with-warning"} and name.endswith(".json")
    ]
    assert "ob30/simple.json" in accepted
    for name in accepted:
        assert name not in NONCONFORMING
        assert validate_credential(load_json(*SAMPLES, name)) == [], name


@pytest.mark.parametrize(
    ("value", "kind"),
    [([], "an array"), ("{}", "a string"), (None, "null"), (3.5, "a number"), (True, "a boolean")],
)
def test_non_object_is_one_problem(value: object, kind: str) -> None:
    assert validate_credential(value) == [f"(root): must be a JSON object, not {kind}"]


def test_unknown_credential_type_is_one_problem() -> None:
    assert validate_credential({"type": ["VerifiableCredential", "OtherCredential"]}) == [
        "type: must include one of 'ClrCredential', 'EndorsementCredential', "
        "'OpenBadgeCredential', 'AchievementCredential'"
    ]


def test_any_mapping_is_accepted() -> None:
    assert validate_credential(MappingProxyType(_simple())) == []


def test_schema_problems_are_added_and_marked() -> None:
    schema = _schema()
    assert validate_credential(_simple(), schema=schema) == []
    document = load_json(*SAMPLES, "ob30", "simple-err-issuer-parentorg-type.json")
    problems = validate_credential(document, schema=schema)
    assert "issuer.parentOrg.type: must include 'Profile'" in problems
    assert any(p.startswith("issuer.parentOrg.type: ") and p.endswith("(schema)") for p in problems)


# --- schema_errors --------------------------------------------------------------------------


def _achievement_examples() -> list[str]:
    folder = SHARED.joinpath(*EXAMPLES)
    if not folder.is_dir():
        return ["<reference data not available>"]
    index = json.loads(folder.joinpath("index.json").read_text(encoding="utf-8"))["examples"]
    return sorted(
        name
        for name, entry in index.items()
        if entry["schema_class"] == "org.1edtech.ob.v3p0.achievementcredential.class"
    )


@pytest.mark.parametrize("name", _achievement_examples())
def test_spec_examples_meet_the_achievement_credential_schema(name: str) -> None:
    assert schema_errors(load_json(*EXAMPLES, name), _schema()) == []


@pytest.mark.parametrize(
    "parts",
    [
        (*SAMPLES, "ob30", "simple.json"),
        (*SAMPLES, "ob30", "complete.json"),
        (*VECTORS, "ob-unsigned-credential.json"),
    ],
)
def test_validator_samples_meet_the_schema(parts: tuple[str, ...]) -> None:
    assert schema_errors(load_json(*parts), _schema()) == []


def test_single_proof_object_is_wrapped_for_the_schema_only() -> None:
    document = load_json(*VECTORS, "ob-signed-credential.json")
    original = copy.deepcopy(document)
    assert isinstance(document["proof"], dict)
    raw = list(Draft201909Validator(_schema()).iter_errors(document))
    assert [list(error.absolute_path) for error in raw] == [["proof"]]  # the known quirk
    assert schema_errors(document, _schema()) == []
    assert document == original


def test_schema_errors_name_the_deepest_property() -> None:
    document = load_json(*SAMPLES, "ob30", "simple-err-issuer-otheridentifier-type.json")
    assert schema_errors(document, _schema()) == [
        "issuer.otherIdentifier[1].type: 'InvalidIdentifierEntry' is not one of ['IdentifierEntry']"
    ]


def test_endorsement_does_not_fit_the_achievement_schema() -> None:
    # NOTE.md: the schema is for AchievementCredentials; endorsements need their own.
    document = load_json(*EXAMPLES, "endorsement.json")
    assert validate_credential(document) == []
    assert schema_errors(document, _schema()) != []


# --- never raises ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=24,
)
CREDENTIAL_KEYS = st.sampled_from(
    [
        "@context",
        "id",
        "issuer",
        "validFrom",
        "issuanceDate",
        "credentialSubject",
        "proof",
        "evidence",
        "credentialSchema",
        "endorsement",
        "name",
    ]
)
CREDENTIAL_TYPES = st.sampled_from(
    [
        ["VerifiableCredential", "OpenBadgeCredential"],
        ["VerifiableCredential", "EndorsementCredential"],
        ["VerifiableCredential", "ClrCredential"],
        "AchievementCredential",
    ]
)


def _assert_problem_list(problems: object) -> None:
    assert isinstance(problems, list)
    assert all(isinstance(problem, str) for problem in problems)


@given(JSON_VALUES)
def test_validate_credential_never_raises_on_json(value: Any) -> None:
    _assert_problem_list(validate_credential(value))


@given(CREDENTIAL_TYPES, st.dictionaries(CREDENTIAL_KEYS, JSON_VALUES, max_size=6))
def test_validate_credential_never_raises_on_credential_shapes(
    types: Any, fields: dict[str, Any]
) -> None:
    _assert_problem_list(validate_credential({**fields, "type": types}))


@given(st.dictionaries(CREDENTIAL_KEYS, JSON_VALUES, max_size=3))
def test_validate_credential_never_raises_on_altered_samples(changes: dict[str, Any]) -> None:
    document = {**_simple(), **changes}
    _assert_problem_list(validate_credential(document, schema=_schema()))


# --- public surface -------------------------------------------------------------------------


def test_public_names() -> None:
    assert set(credstack.ob.__all__) == {
        "ACHIEVEMENT_TYPES",
        "ALIGNMENT_TARGET_TYPES",
        "ASSOCIATION_TYPES",
        "IDENTIFIER_TYPES",
        "RESULT_STATUSES",
        "RESULT_TYPES",
        "Achievement",
        "AchievementCredential",
        "AchievementSubject",
        "Address",
        "Alignment",
        "Association",
        "ClrCredential",
        "ClrSubject",
        "CredentialModel",
        "CredentialSchema",
        "CredentialStatus",
        "Criteria",
        "EndorsementCredential",
        "EndorsementSubject",
        "Evidence",
        "GeoCoordinates",
        "IdentifierEntry",
        "IdentityObject",
        "Image",
        "OpenBadgeCredential",
        "Profile",
        "Proof",
        "RefreshService",
        "Related",
        "Result",
        "ResultDescription",
        "RubricCriterionLevel",
        "TermsOfUse",
        "credential_model_for",
        "format_path",
        "identity_hash",
        "identity_hash_matches",
        "is_identity_hash",
        "schema_errors",
        "validate_credential",
    }
    for name in credstack.ob.__all__:
        assert hasattr(credstack.ob, name), name


def test_credential_identifiers_are_what_the_identity_model_writes() -> None:
    # awards_v3p0 writes IdentityObjects directly (once per credential); they must be the
    # model's own JSON, key order included
    from credstack.domain.awards import Recipient
    from credstack.ob.awards_v3p0 import _identifiers
    from credstack.ob.identity import IdentityObject

    recipient = Recipient(email="Ada@Example.org", name="Ada Lovelace")
    written = _identifiers(recipient, "5a1t")
    expected = [
        IdentityObject.for_email("ada@example.org", "5a1t").to_json_ld(),
        IdentityObject.plain("Ada Lovelace", "name").to_json_ld(),
    ]
    assert written == expected
    assert [list(w) for w in written] == [list(e) for e in expected]
    assert _identifiers(Recipient(did="did:example:x"), "s") == []
