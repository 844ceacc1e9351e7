"""The platform's use cases on a real database (SQLite, and PostgreSQL when configured).

Issuers and their sealed keys, key rotation, definition versions, single and bulk awards,
exports, and the promise behind all of them: a use case that fails leaves nothing behind.
Credentials are checked with ``credstack.vc.verify`` as an outside verifier would.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from credstack.bootstrap import build_services
from credstack.domain.achievements import AchievementSpec, ResultDescription, Status
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.ob import identity_hash_matches, schema_errors, validate_credential
from credstack.ob.awards_v3p0 import EQF_URL
from credstack.services.achievements import (
    list_achievements,
    publish_achievement,
    save_achievement,
    show_achievement,
)
from credstack.services.awards import issue_award, list_awards
from credstack.services.bulk_awards import BulkOutcome, issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.exports import ExportFormat, export_credential
from credstack.services.issuers import (
    create_issuer,
    did_document,
    list_issuers,
    rotate_key,
    show_issuer,
)
from credstack.settings import Settings
from credstack.storage.rows import AwardRow, IssuerRow, SigningKeyRow
from credstack.vc import Ed25519KeyPair, verify
from credstack.vc.dids import did_web_url
from credstack.vc.fetching import MappingFetcher
from credstack.vc.verification import Verdict, VerificationReport
from tests.conftest import load_json
from tests.fakes import FixedClock

ISSUER = "uni-example"
ACHIEVEMENT = "data-101"
EMAIL = "ann.learner@example.org"
LEARNER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
KEK_A = base64.b64encode(bytes(range(32))).decode()
KEK_B = base64.b64encode(bytes(range(32, 64))).decode()

SPEC = AchievementSpec(
    id=ACHIEVEMENT,
    name="Introduction to Data Science",
    description="Tidy data, plots and a first model.",
    criteria="Pass the final project.",
    language="en",
    result_descriptions=[
        ResultDescription(
            id="grade",
            name="Final grade",
            result_type="LetterGrade",
            allowed_values=["A", "B", "C"],
        )
    ],
)
MICRO_SPEC = AchievementSpec.model_validate(
    SPEC.model_dump()
    | {
        "id": "data-102",
        "alignments": [
            {
                "target_name": "Data analysis",
                "target_url": "http://data.europa.eu/esco/skill/abc",
                "target_framework": "ESCO",
            }
        ],
        "micro_credential": {
            "learning_outcomes": ["Clean a data set", "Fit and explain a linear model"],
            "workload_hours": 25,
            "ects": 1,
            "eqf_level": 5,
            "assessment_type": "Graded project",
            "participation_form": "online",
            "quality_assurance": "Internal review board",
            "stackability": "stackable",
        },
    }
)


# --- helpers ---------------------------------------------------------------------------------


def engine_of(deps: ServiceDeps) -> Engine:
    engine: Engine = deps.uow.engine  # type: ignore[attr-defined]
    return engine


def count(deps: ServiceDeps, row: type[Any]) -> int:
    with engine_of(deps).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(row)).scalar_one())


def make_issuer(deps: ServiceDeps, id: str = ISSUER, **fields: Any) -> str:
    fields.setdefault("name", "University of Example")
    fields.setdefault("country_code", "AT")
    create_issuer(deps, id=id, **fields)
    return id


def published(deps: ServiceDeps, spec: AchievementSpec = SPEC, issuer: str = ISSUER) -> str:
    save_achievement(deps, issuer, spec)
    publish_achievement(deps, spec.id)
    return spec.id


def award_to(email: str = EMAIL, achievement: str = ACHIEVEMENT, **fields: Any) -> AwardRequest:
    return AwardRequest(achievement, Recipient.parse(email), **fields)


def check(data: str | bytes, clock: FixedClock, fetcher: Any = None) -> VerificationReport:
    return verify(data, now=clock.now() + dt.timedelta(minutes=1), fetcher=fetcher)


def assert_valid(data: str | bytes, clock: FixedClock, fetcher: Any = None) -> None:
    report = check(data, clock, fetcher)
    assert report.verdict is Verdict.VALID, report.to_dict()


def credential(award: Award) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(award.credential)
    return document


@pytest.fixture
def issued(deps: ServiceDeps) -> ServiceDeps:
    """``deps`` with a did:key issuer and a published definition."""
    make_issuer(deps)
    published(deps)
    return deps


# --- issuers ---------------------------------------------------------------------------------


def test_issuer_without_domain_gets_a_did_key_for_its_key(deps: ServiceDeps) -> None:
    issuer = create_issuer(
        deps,
        id=ISSUER,
        name="  University of Example ",
        country_code="at",
        country="Austria",
        url="https://uni.example",
        email="badges@uni.example",
        description="A university.",
    )
    assert issuer.did.startswith("did:key:z6Mk")
    assert issuer.name == "University of Example"
    assert issuer.address.country_code == "AT"
    details = show_issuer(deps, ISSUER)
    assert details.issuer == issuer
    [key] = details.keys
    assert key.active
    assert key.controller == issuer.did
    assert key.verification_method == f"{issuer.did}#{key.public_multibase}"
    assert issuer.did == f"did:key:{key.public_multibase}"
    assert list_issuers(deps) == [issuer]


def test_issuer_with_domain_gets_a_did_web(deps: ServiceDeps) -> None:
    issuer = create_issuer(
        deps, id=ISSUER, name="Training", country_code="DE", domain="Training.Example"
    )
    assert issuer.did == "did:web:training.example"
    assert issuer.domain == "training.example"
    [key] = show_issuer(deps, ISSUER).keys
    assert key.verification_method == f"did:web:training.example#{key.public_multibase}"
    document = did_document(deps, ISSUER)
    assert document["id"] == "did:web:training.example"
    assert document["assertionMethod"] == [key.verification_method]


def test_did_key_issuer_has_no_did_document(deps: ServiceDeps) -> None:
    make_issuer(deps)
    with pytest.raises(InvalidInputError, match="did:key"):
        did_document(deps, ISSUER)


def test_duplicate_issuer_id_is_a_conflict_and_keeps_the_first(deps: ServiceDeps) -> None:
    first = create_issuer(deps, id=ISSUER, name="First", country_code="AT")
    with pytest.raises(ConflictError, match=ISSUER):
        create_issuer(deps, id=ISSUER, name="Second", country_code="DE")
    assert list_issuers(deps) == [first]
    assert count(deps, SigningKeyRow) == 1


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        pytest.param({"country_code": "Austria"}, "AUSTRIA", id="country-name"),
        pytest.param({"country_code": "A1"}, "A1", id="country-digit"),
        pytest.param({"country_code": ""}, "country", id="country-empty"),
        pytest.param({"id": "Uni_Example"}, "Uni_Example", id="id"),
        pytest.param({"name": "   "}, "name", id="name"),
        pytest.param({"url": "ftp://uni.example"}, "ftp://uni.example", id="url"),
        pytest.param({"email": "not-an-address"}, "not-an-address", id="email"),
        pytest.param({"domain": "not a domain"}, "domain", id="domain"),
    ],
)
def test_bad_issuer_field_is_refused_and_nothing_is_written(
    deps: ServiceDeps, fields: dict[str, str], named: str
) -> None:
    arguments = {"id": ISSUER, "name": "University", "country_code": "AT"} | fields
    with pytest.raises(InvalidInputError, match=named):
        create_issuer(deps, **arguments)
    assert list_issuers(deps) == []
    assert count(deps, SigningKeyRow) == 0


# --- private keys at rest --------------------------------------------------------------------


def test_private_key_is_stored_sealed(deps: ServiceDeps) -> None:
    make_issuer(deps)
    [record] = show_issuer(deps, ISSUER).keys
    with engine_of(deps).connect() as connection:
        sealed = connection.execute(
            select(SigningKeyRow.sealed_secret).where(SigningKeyRow.id == record.id)
        ).scalar_one()
    seed = deps.vault.open(record.id, bytes(sealed))
    # The seed really is this key's private half, so its absence below means something.
    assert Ed25519KeyPair.from_seed(seed).public_multibase == record.public_multibase
    assert seed not in bytes(sealed)
    assert seed.hex().encode() not in bytes(sealed)
    assert base64.b64encode(seed) not in bytes(sealed)


def test_keys_sealed_under_another_kek_cannot_sign(
    deps: ServiceDeps, settings: Settings, clock: FixedClock
) -> None:
    make_issuer(deps)
    published(deps)
    award = issue_award(deps, award_to())
    other_settings = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, key_encryption_key=KEK_B
    )
    other = build_services(other_settings, clock=clock)
    try:
        with pytest.raises(InvalidInputError, match="key-encryption key"):
            issue_award(other, award_to("bob@example.org"))
        with pytest.raises(InvalidInputError, match="key-encryption key"):
            export_credential(other, award.id, ExportFormat.JWT)
        assert [a.id for a in list_awards(other)] == [award.id]
        assert show_award_jwt(other, award.id) is None
    finally:
        engine_of(other).dispose()


def show_award_jwt(deps: ServiceDeps, award_id: str) -> str | None:
    with engine_of(deps).connect() as connection:
        return connection.execute(select(AwardRow.jwt).where(AwardRow.id == award_id)).scalar_one()


# --- key rotation ----------------------------------------------------------------------------


def test_rotating_a_did_key_issuer_changes_its_did_and_old_credentials_still_verify(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    deps = issued
    old_did = show_issuer(deps, ISSUER).issuer.did
    before = issue_award(deps, award_to("before@example.org"))
    clock.advance(days=30)

    new_key = rotate_key(deps, ISSUER)

    details = show_issuer(deps, ISSUER)
    old_key = details.keys[0]
    assert [k.id for k in details.keys] == [old_key.id, new_key.id]
    assert old_key.retired_at == clock.now()
    assert new_key.active
    assert details.issuer.did == new_key.controller == f"did:key:{new_key.public_multibase}"
    assert details.issuer.did != old_did

    clock.advance(days=1)
    after = issue_award(deps, award_to("after@example.org"))
    assert credential(before)["issuer"]["id"] == old_did
    assert credential(after)["issuer"]["id"] == details.issuer.did
    assert credential(after)["proof"]["verificationMethod"] == new_key.verification_method
    assert after.signing_key_id == new_key.id
    for award in (before, after):
        assert_valid(award.credential, clock)
        assert_valid(export_credential(deps, award.id, ExportFormat.JWT).content, clock)


def test_rotating_a_did_web_issuer_keeps_its_did_and_publishes_every_key(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    make_issuer(deps, domain="training.example")
    published(deps)
    before = issue_award(deps, award_to("before@example.org"))
    old_key = show_issuer(deps, ISSUER).keys[0]
    clock.advance(days=30)

    new_key = rotate_key(deps, ISSUER)

    clock.advance(days=1)
    after = issue_award(deps, award_to("after@example.org"))
    issuer = show_issuer(deps, ISSUER).issuer
    assert issuer.did == "did:web:training.example"
    assert credential(after)["issuer"]["id"] == issuer.did
    assert credential(after)["proof"]["verificationMethod"] == new_key.verification_method
    assert credential(before)["proof"]["verificationMethod"] == old_key.verification_method
    document = did_document(deps, ISSUER)
    assert document["assertionMethod"] == [
        old_key.verification_method,
        new_key.verification_method,
    ]
    methods = {m["id"]: m["publicKeyMultibase"] for m in document["verificationMethod"]}
    assert methods == {
        old_key.verification_method: old_key.public_multibase,
        new_key.verification_method: new_key.public_multibase,
    }

    url = did_web_url(issuer.did)
    assert url == "https://training.example/.well-known/did.json"
    fetcher = MappingFetcher({url: document})
    for award in (before, after):
        assert_valid(award.credential, clock, fetcher)
    assert url in fetcher.requests

    # The document is what makes the old credential verify: without its key it fails.
    only_new = {
        **document,
        "verificationMethod": [
            m for m in document["verificationMethod"] if m["id"] == new_key.verification_method
        ],
        "assertionMethod": [new_key.verification_method],
        "authentication": [new_key.verification_method],
    }
    assert check(before.credential, clock, MappingFetcher({url: only_new})).verdict is (
        Verdict.INVALID
    )
    assert_valid(after.credential, clock, MappingFetcher({url: only_new}))


def test_rotating_an_unknown_issuer_is_not_found(deps: ServiceDeps) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        rotate_key(deps, "nobody")


def test_failed_rotation_keeps_the_old_key_active(
    issued: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = issued
    before = show_issuer(deps, ISSUER)

    def refuse(key_id: str, secret: bytes) -> bytes:
        raise RuntimeError("vault unavailable")

    monkeypatch.setattr(deps.vault, "seal", refuse)
    with pytest.raises(RuntimeError, match="vault unavailable"):
        rotate_key(deps, ISSUER)
    monkeypatch.undo()
    assert show_issuer(deps, ISSUER) == before
    issue_award(deps, award_to())  # the old key still signs


# --- definitions and their versions ----------------------------------------------------------


def test_definition_is_saved_as_draft_version_1(deps: ServiceDeps, clock: FixedClock) -> None:
    make_issuer(deps)
    version = save_achievement(deps, ISSUER, SPEC)
    assert (version.version, version.status) == (1, Status.DRAFT)
    assert version.created_at == clock.now()
    assert version.published_at is None
    assert show_achievement(deps, ACHIEVEMENT) == version
    assert list_achievements(deps, ISSUER) == [version]


def test_saving_the_same_definition_again_makes_no_new_version(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    make_issuer(deps)
    first = save_achievement(deps, ISSUER, SPEC)
    clock.advance(hours=1)
    again = save_achievement(deps, ISSUER, AchievementSpec.model_validate(SPEC.model_dump()))
    assert again == first
    publish_achievement(deps, ACHIEVEMENT)
    assert save_achievement(deps, ISSUER, SPEC).version == 1
    assert show_achievement(deps, ACHIEVEMENT).status is Status.PUBLISHED


def test_editing_a_draft_changes_it_in_place(deps: ServiceDeps) -> None:
    make_issuer(deps)
    save_achievement(deps, ISSUER, SPEC)
    edited = save_achievement(deps, ISSUER, SPEC.model_copy(update={"name": "Data Science I"}))
    assert edited.version == 1
    assert show_achievement(deps, ACHIEVEMENT).spec.name == "Data Science I"
    with pytest.raises(NotFoundError):
        show_achievement(deps, ACHIEVEMENT, 2)


def test_publishing_freezes_a_version_and_editing_starts_version_2(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    make_issuer(deps)
    save_achievement(deps, ISSUER, SPEC)
    clock.advance(hours=1)
    v1 = publish_achievement(deps, ACHIEVEMENT)
    assert (v1.version, v1.status, v1.published_at) == (1, Status.PUBLISHED, clock.now())

    clock.advance(hours=1)
    v2 = save_achievement(deps, ISSUER, SPEC.model_copy(update={"name": "Data Science I"}))

    assert (v2.version, v2.status, v2.published_at) == (2, Status.DRAFT, None)
    assert v2.created_at == clock.now()
    assert show_achievement(deps, ACHIEVEMENT, 1) == v1
    assert show_achievement(deps, ACHIEVEMENT, 1).spec == SPEC
    assert show_achievement(deps, ACHIEVEMENT) == v2
    assert list_achievements(deps) == [v2]


def test_awards_keep_the_version_they_were_issued_under(deps: ServiceDeps) -> None:
    make_issuer(deps)
    published(deps)
    first = issue_award(deps, award_to("one@example.org"))
    save_achievement(deps, ISSUER, SPEC.model_copy(update={"name": "Data Science I"}))
    # While version 2 is a draft, awards are still issued under version 1.
    second = issue_award(deps, award_to("two@example.org"))
    publish_achievement(deps, ACHIEVEMENT)
    third = issue_award(deps, award_to("three@example.org"))

    assert [a.achievement_version for a in (first, second, third)] == [1, 1, 2]
    stored = {a.id: a.achievement_version for a in list_awards(deps)}
    assert stored == {first.id: 1, second.id: 1, third.id: 2}
    achievements = [credential(a)["credentialSubject"]["achievement"] for a in (first, third)]
    assert [a["name"] for a in achievements] == [SPEC.name, "Data Science I"]
    assert [a["version"] for a in achievements] == ["1", "2"]
    assert achievements[0]["id"] != achievements[1]["id"]


def test_publishing_twice_is_a_conflict(deps: ServiceDeps) -> None:
    make_issuer(deps)
    published(deps)
    with pytest.raises(ConflictError, match="published already"):
        publish_achievement(deps, ACHIEVEMENT)
    assert show_achievement(deps, ACHIEVEMENT).version == 1


def test_awarding_an_unpublished_definition_says_to_publish_it(deps: ServiceDeps) -> None:
    make_issuer(deps)
    save_achievement(deps, ISSUER, SPEC)
    with pytest.raises(InvalidInputError, match="publish"):
        issue_award(deps, award_to())
    with pytest.raises(InvalidInputError, match="publish"):
        list(issue_awards(deps, ACHIEVEMENT, [(2, award_to())]))
    assert count(deps, AwardRow) == 0


def test_another_issuer_cannot_take_a_definition_id(deps: ServiceDeps) -> None:
    make_issuer(deps)
    make_issuer(deps, "other-uni")
    original = save_achievement(deps, ISSUER, SPEC)
    with pytest.raises(ConflictError, match=ISSUER):
        save_achievement(deps, "other-uni", SPEC.model_copy(update={"name": "Stolen"}))
    assert show_achievement(deps, ACHIEVEMENT) == original
    assert list_achievements(deps, "other-uni") == []


def test_definition_for_an_unknown_issuer_is_not_found(deps: ServiceDeps) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        save_achievement(deps, "nobody", SPEC)


# --- issuing one award -----------------------------------------------------------------------


def test_award_by_email_carries_only_a_salted_hash_of_the_address(issued: ServiceDeps) -> None:
    award = issue_award(issued, award_to(EMAIL, narrative="Built a churn model."))
    subject = credential(award)["credentialSubject"]
    assert "id" not in subject
    [identifier] = subject["identifier"]
    assert identifier["type"] == "IdentityObject"
    assert identifier["hashed"] is True
    assert identifier["identityType"] == "emailAddress"
    assert identifier["identityHash"].startswith("sha256$")
    assert len(identifier["salt"]) >= 16
    assert identity_hash_matches(identifier["identityHash"], EMAIL, identifier["salt"])
    assert not identity_hash_matches(
        identifier["identityHash"], "other@example.org", identifier["salt"]
    )
    assert not identity_hash_matches(identifier["identityHash"], EMAIL)  # salted
    for text_form in (award.credential, award.credential.lower()):
        assert EMAIL not in text_form
        assert "ann.learner" not in text_form
    jwt = export_credential(issued, award.id, ExportFormat.JWT).content.decode()
    payload = base64.urlsafe_b64decode(jwt.split(".")[1] + "==").decode()
    assert "ann.learner" not in payload.lower()


def test_two_awards_to_one_address_use_different_salts(deps: ServiceDeps) -> None:
    make_issuer(deps)
    published(deps)
    published(deps, MICRO_SPEC)
    hashes = [
        credential(issue_award(deps, award_to(EMAIL, achievement=a)))["credentialSubject"][
            "identifier"
        ][0]["identityHash"]
        for a in (ACHIEVEMENT, MICRO_SPEC.id)
    ]
    assert hashes[0] != hashes[1]


def test_recipient_name_travels_as_a_plain_name_identifier(issued: ServiceDeps) -> None:
    request = AwardRequest(ACHIEVEMENT, Recipient.parse(EMAIL, name="Ann Learner"))
    identifiers = credential(issue_award(issued, request))["credentialSubject"]["identifier"]
    assert identifiers[1] == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Ann Learner",
        "identityType": "name",
    }


def test_award_by_did_names_the_did_as_subject(issued: ServiceDeps, clock: FixedClock) -> None:
    award = issue_award(issued, award_to(LEARNER_DID))
    subject = credential(award)["credentialSubject"]
    assert subject["id"] == LEARNER_DID
    assert "identifier" not in subject
    assert award.recipient == Recipient(did=LEARNER_DID)
    assert_valid(award.credential, clock)


def test_award_details_appear_in_the_credential(issued: ServiceDeps, clock: FixedClock) -> None:
    until = clock.now() + dt.timedelta(days=365)
    award = issue_award(
        issued,
        award_to(
            narrative="Built a churn model.",
            evidence_url="https://uni.example/projects/42",
            result="B",
            valid_until=until,
        ),
    )
    document = credential(award)
    assert document["validFrom"] == "2026-11-24T09:00:00Z"
    assert document["validUntil"] == "2027-11-24T09:00:00Z"
    assert document["evidence"] == [{"id": "https://uni.example/projects/42", "type": ["Evidence"]}]
    subject = document["credentialSubject"]
    assert subject["narrative"] == "Built a churn model."
    [result] = subject["result"]
    assert result["value"] == "B"
    [description] = subject["achievement"]["resultDescription"]
    assert result["resultDescription"] == description["id"]
    assert award.valid_until == until
    assert_valid(award.credential, clock)


def test_exports_hand_out_the_stored_credential_and_every_form_verifies(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(issued, award_to())
    [stored] = list_awards(issued)
    assert stored.credential == award.credential

    exported = export_credential(issued, award.id, ExportFormat.JSON)
    assert exported.content == award.credential.encode("utf-8")
    assert exported.media_type == "application/vc+ld+json"
    # By credential id too, as a verifier would ask for it.
    assert export_credential(issued, award.credential_id, ExportFormat.JSON) == exported

    for fmt in ExportFormat:
        content = export_credential(issued, award.id, fmt).content
        report = check(content, clock)
        assert report.verdict is Verdict.VALID, (fmt, report.to_dict())
        assert report.credential is not None
        assert report.credential["id"] == award.credential_id


def test_baked_images_carry_the_stored_credential(issued: ServiceDeps) -> None:
    from credstack.vc import unbake

    award = issue_award(issued, award_to())
    for fmt in (ExportFormat.PNG, ExportFormat.SVG):
        baked = unbake(export_credential(issued, award.id, fmt).content)
        assert json.loads(baked) == credential(award), fmt


def test_jwt_export_is_signed_once_and_stored(issued: ServiceDeps, clock: FixedClock) -> None:
    award = issue_award(issued, award_to())
    assert show_award_jwt(issued, award.id) is None
    first = export_credential(issued, award.id, ExportFormat.JWT)
    clock.advance(days=3)
    second = export_credential(issued, award.id, ExportFormat.JWT)
    assert first.content == second.content
    assert first.media_type == "application/vc+jwt"
    assert show_award_jwt(issued, award.id) == first.content.decode("ascii")


def test_micro_credential_carries_the_eu_elements_and_passes_validation(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    make_issuer(deps)
    published(deps, MICRO_SPEC)
    award = issue_award(deps, award_to(achievement=MICRO_SPEC.id))
    document = credential(award)
    achievement = document["credentialSubject"]["achievement"]

    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["microCredential"] == {
        "type": "MicroCredentialElements",
        "learningOutcome": ["Clean a data set", "Fit and explain a linear model"],
        "notionalWorkloadHours": 25,
        "ectsCredits": 1,
        "eqfLevel": 5,
        "assessmentType": "Graded project",
        "participationForm": "online",
        "qualityAssurance": "Internal review board",
        "stackability": "stackable",
    }
    alignments = {a["targetName"]: a for a in achievement["alignment"]}
    assert set(alignments) == {"Data analysis", "EQF level 5"}
    eqf = alignments["EQF level 5"]
    assert (eqf["targetUrl"], eqf["targetCode"]) == (EQF_URL, "5")
    assert document["issuer"]["address"]["addressCountryCode"] == "AT"
    # The extension's terms are defined inline, so the credential expands without fetching.
    assert any(isinstance(c, dict) for c in document["@context"])

    assert validate_credential(document) == []
    assert_valid(award.credential, clock)
    schema = load_json("schemas", "ob_v3p0_achievementcredential_schema.json")
    # Two status entries (revocation, suspension) are an array, which VC 2.0 allows and the
    # 1EdTech schema does not (decision 0012); everything else passes it.
    errors = schema_errors(document, schema)
    assert [e for e in errors if not e.startswith("credentialStatus")] == []
    assert len(errors) <= 1


def test_plain_definition_has_no_extension_context(issued: ServiceDeps) -> None:
    document = credential(issue_award(issued, award_to()))
    assert "microCredential" not in document["credentialSubject"]["achievement"]
    assert all(isinstance(c, str) for c in document["@context"])


# --- refused awards --------------------------------------------------------------------------


def test_second_award_to_the_same_learner_is_a_conflict_naming_the_first(
    issued: ServiceDeps,
) -> None:
    first = issue_award(issued, award_to(EMAIL))
    for again in (EMAIL, EMAIL.upper()):
        with pytest.raises(ConflictError, match=first.id):
            issue_award(issued, award_to(again, narrative="second try"))
    assert [a.id for a in list_awards(issued)] == [first.id]


def test_same_source_id_is_a_conflict_even_for_another_address(issued: ServiceDeps) -> None:
    first = issue_award(issued, award_to(source_id="row-17"))
    with pytest.raises(ConflictError, match=first.id):
        issue_award(issued, award_to("someone.else@example.org", source_id="row-17"))
    assert count(issued, AwardRow) == 1


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        pytest.param({"result": "D"}, "'D' is not one of A, B, C", id="result-not-allowed"),
        pytest.param({"result": "A", "result_id": "score"}, "score", id="unknown-result-id"),
        pytest.param({"valid_until": dt.timedelta(days=-1)}, "past", id="valid-until-past"),
        pytest.param({"valid_until": dt.timedelta(0)}, "past", id="valid-until-now"),
    ],
)
def test_bad_award_is_refused_and_nothing_is_stored(
    issued: ServiceDeps, clock: FixedClock, fields: dict[str, Any], named: str
) -> None:
    if "valid_until" in fields:
        fields = {"valid_until": clock.now() + fields["valid_until"]}
    with pytest.raises(InvalidInputError, match=named):
        issue_award(issued, award_to(**fields))
    assert count(issued, AwardRow) == 0


def test_award_for_an_unknown_definition_is_not_found(issued: ServiceDeps) -> None:
    with pytest.raises(NotFoundError, match="nothing-here"):
        issue_award(issued, award_to(achievement="nothing-here"))


# --- bulk awards -----------------------------------------------------------------------------


def cohort(size: int, first_line: int = 2) -> list[tuple[int, AwardRequest | str]]:
    return [
        (first_line + n, award_to(f"learner{n:03d}@example.org", result="A")) for n in range(size)
    ]


def statuses(outcomes: list[BulkOutcome]) -> Counter[str]:
    return Counter(o.status for o in outcomes)


def test_bulk_issue_in_batches_issues_every_row(issued: ServiceDeps, clock: FixedClock) -> None:
    rows = cohort(25)
    seen: list[BulkOutcome] = []
    outcomes = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=10, on_outcome=seen.append))
    assert outcomes == seen
    assert statuses(outcomes) == {"issued": 25}
    assert sorted(o.line for o in outcomes) == [line for line, _ in rows]
    stored = {a.id: a for a in list_awards(issued)}
    assert {o.award_id for o in outcomes} == set(stored)
    assert_valid(next(iter(stored.values())).credential, clock)


def test_bulk_outcomes_stream_per_batch(issued: ServiceDeps) -> None:
    # An outcome says "issued" only once its batch is stored, and outcomes come while later
    # rows are still being read (a batch is stored while the next one is signed).
    read: list[int] = []

    def rows() -> Iterator[tuple[int, AwardRequest | str]]:
        for row in cohort(45):
            read.append(row[0])
            yield row

    reported: list[tuple[int, int, int]] = []  # (reported so far, stored, rows read)
    for outcome in issue_awards(issued, ACHIEVEMENT, rows(), batch_size=10):
        assert outcome.status == "issued"
        reported.append((len(reported) + 1, count(issued, AwardRow), len(read)))
    assert all(so_far <= stored for so_far, stored, _ in reported)
    assert reported[0][2] < 45  # the first outcomes came before the file was read through
    assert [stored for _, stored, _ in reported][-1] == 45


def test_worker_processes_issue_the_same_cohort_as_one_process(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    # Real worker processes (spawned), a repeat inside the file, one bad row, three batches.
    rows = cohort(25)
    rows[7] = (rows[7][0], award_to("learner003@example.org", result="A"))  # repeats line 5
    rows[9] = (rows[9][0], award_to("learner009@example.org", result="Z"))
    outcomes = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=10, workers=2))
    assert statuses(outcomes) == {"issued": 23, "skipped": 1, "failed": 1}
    by_line = {o.line: o for o in outcomes}
    first = by_line[rows[3][0]]
    assert by_line[rows[7][0]].message == f"already issued as {first.award_id}"
    stored = list_awards(issued)
    assert len(stored) == 23
    assert len({a.status_index for a in stored}) == 23
    for award in stored[:3]:
        assert_valid(award.credential, clock)
    again = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=10, workers=2))
    assert statuses(again) == {"skipped": 24, "failed": 1}


def test_a_killed_signing_worker_is_one_clear_error_and_stored_rows_stay(
    issued: ServiceDeps,
) -> None:
    import multiprocessing
    import os
    import signal

    from credstack.domain.errors import WorkerError

    outcomes = issue_awards(issued, ACHIEVEMENT, cohort(80), batch_size=10, workers=2)
    first = next(outcomes)  # the first batch is stored; others are being signed
    assert first.status == "issued"
    for child in multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    with pytest.raises(WorkerError, match="run the file again"):
        list(outcomes)
    stored = count(issued, AwardRow)
    assert 10 <= stored < 80
    assert first.award_id in {a.id for a in list_awards(issued)}


def test_running_the_same_rows_again_skips_every_row(issued: ServiceDeps) -> None:
    rows = cohort(25)
    first = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=10))
    again = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=10))
    assert statuses(again) == {"skipped": 25}
    issued_as = {o.line: str(o.award_id) for o in first}
    for outcome in again:
        assert outcome.award_id == issued_as[outcome.line]  # the existing credential
        assert issued_as[outcome.line] in outcome.message
    assert count(issued, AwardRow) == 25


def test_bad_rows_fail_with_their_message_and_the_rest_are_issued(issued: ServiceDeps) -> None:
    rows = cohort(6)
    rows[2] = (4, "email: 'bob@' is not an e-mail address")
    rows[4] = (6, award_to("carol@example.org", result="Z"))
    outcomes = {o.line: o for o in issue_awards(issued, ACHIEVEMENT, rows, batch_size=2)}
    assert sorted(outcomes) == [2, 3, 4, 5, 6, 7]
    assert outcomes[4].status == "failed"
    assert outcomes[4].message == "email: 'bob@' is not an e-mail address"
    assert outcomes[6].status == "failed"
    assert "'Z' is not one of A, B, C" in outcomes[6].message
    assert {line for line, o in outcomes.items() if o.status == "issued"} == {2, 3, 5, 7}
    assert count(issued, AwardRow) == 4


def test_row_for_another_definition_fails(issued: ServiceDeps) -> None:
    rows: list[tuple[int, AwardRequest | str]] = [(2, award_to(achievement="other-101"))]
    [outcome] = issue_awards(issued, ACHIEVEMENT, rows)
    assert outcome.status == "failed"
    assert count(issued, AwardRow) == 0


@pytest.mark.parametrize("batch_size", [1, 10])
def test_same_learner_twice_in_one_run_is_issued_once(issued: ServiceDeps, batch_size: int) -> None:
    rows: list[tuple[int, AwardRequest | str]] = [
        (2, award_to("dup@example.org")),
        (3, award_to("other@example.org")),
        (4, award_to("DUP@example.org")),
    ]
    outcomes = {o.line: o for o in issue_awards(issued, ACHIEVEMENT, rows, batch_size=batch_size)}
    assert {line: o.status for line, o in outcomes.items()} == {
        2: "issued",
        3: "issued",
        4: "skipped",
    }
    assert outcomes[2].award_id is not None
    assert outcomes[2].award_id in outcomes[4].message
    assert count(issued, AwardRow) == 2


def test_learner_awarded_under_a_source_id_is_not_awarded_again_without_one(
    issued: ServiceDeps,
) -> None:
    first = issue_award(issued, award_to(EMAIL, source_id="cohort-1/17"))
    with pytest.raises(ConflictError, match=first.id):
        issue_award(issued, award_to(EMAIL))
    # A request with an id of its own may award the learner again, on purpose.
    issue_award(issued, award_to(EMAIL, source_id="cohort-2/3"))
    assert count(issued, AwardRow) == 2


def test_learner_matched_by_address_ignores_its_case(issued: ServiceDeps) -> None:
    issue_award(issued, award_to("Ann.Learner@example.org", source_id="cohort-1/17"))
    with pytest.raises(ConflictError):
        issue_award(issued, award_to("ann.learner@example.org"))


@pytest.mark.parametrize(
    "batch_size",
    [
        1,
        10,
    ],
)
def test_learner_awarded_by_an_earlier_row_with_an_id_is_skipped(
    issued: ServiceDeps, batch_size: int
) -> None:
    rows: list[tuple[int, AwardRequest | str]] = [
        (2, award_to(EMAIL, source_id="cohort-1/17")),
        (3, award_to(EMAIL)),
    ]
    outcomes = issue_awards(issued, ACHIEVEMENT, rows, batch_size=batch_size)
    assert {o.line: o.status for o in outcomes} == {2: "issued", 3: "skipped"}
    assert count(issued, AwardRow) == 1


@pytest.fixture
def concurrent_runners(
    database_url: str, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServiceDeps, list[ServiceDeps]]]:
    """PostgreSQL only: set-up services with an issuer and a published definition, and two
    independent services (own engine, same KEK) to race each other."""
    if database_url.startswith("sqlite"):
        pytest.skip("concurrent writers are a PostgreSQL concern; SQLite serialises them")
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, key_encryption_key=KEK_A
    )
    setup = build_services(settings, clock=clock)
    runners = [build_services(settings, clock=clock) for _ in range(2)]
    try:
        make_issuer(setup)
        published(setup)
        yield setup, runners
    finally:
        for services in (setup, *runners):
            engine_of(services).dispose()


def race(work: Callable[[ServiceDeps], Any], runners: list[ServiceDeps]) -> list[Any]:
    """``work`` on each runner in its own thread, started together; results or exceptions."""
    results: list[Any] = [None] * len(runners)
    start = threading.Barrier(len(runners))

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(runners[index])
        except Exception as error:  # the caller asserts on it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_runs_at_once_issue_each_award_exactly_once(
    concurrent_runners: tuple[ServiceDeps, list[ServiceDeps]],
) -> None:
    setup, runners = concurrent_runners
    rows = cohort(40)
    results = race(
        lambda services: list(issue_awards(services, ACHIEVEMENT, rows, batch_size=5)), runners
    )
    for run_outcomes in results:
        assert isinstance(run_outcomes, list), run_outcomes
        assert sorted(o.line for o in run_outcomes) == [line for line, _ in rows]
    outcomes = results[0] + results[1]
    assert statuses(outcomes) == {"issued": 40, "skipped": 40}, outcomes
    issued_ids = sorted(str(o.award_id) for o in outcomes if o.status == "issued")
    assert issued_ids == sorted(a.id for a in list_awards(setup))
    assert count(setup, AwardRow) == 40


def test_one_award_asked_for_twice_at_once_is_issued_once(
    concurrent_runners: tuple[ServiceDeps, list[ServiceDeps]],
) -> None:
    setup, runners = concurrent_runners
    results = race(lambda services: issue_award(services, award_to()), runners)
    awards = [r for r in results if isinstance(r, Award)]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert (len(awards), len(conflicts)) == (1, 1), results
    assert EMAIL in str(conflicts[0])
    assert [a.id for a in list_awards(setup)] == [awards[0].id]


# --- failures roll back ----------------------------------------------------------------------


def test_failure_after_the_issuer_row_is_written_leaves_no_issuer(
    deps: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    def seal_fails(key_id: str, secret: bytes) -> bytes:
        # By now the issuer row has been flushed to the database inside the transaction.
        raise RuntimeError("vault unavailable")

    monkeypatch.setattr(deps.vault, "seal", seal_fails)
    with pytest.raises(RuntimeError, match="vault unavailable"):
        make_issuer(deps)
    assert list_issuers(deps) == []
    assert count(deps, IssuerRow) == 0
    assert count(deps, SigningKeyRow) == 0
    monkeypatch.undo()
    make_issuer(deps)  # the id is free again
    assert [i.id for i in list_issuers(deps)] == [ISSUER]


def test_failure_while_storing_an_award_stores_nothing(
    issued: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credstack.storage.repositories import SqlAwardRepository

    original = SqlAwardRepository.add

    def add_then_fail(self: SqlAwardRepository, award: Award) -> None:
        original(self, award)
        self._session.flush()  # the row reaches the database inside the transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlAwardRepository, "add", add_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        issue_award(issued, award_to())
    monkeypatch.undo()
    assert count(issued, AwardRow) == 0
    issue_award(issued, award_to())


def test_idempotency_key_holds_no_plain_email(
    issued: ServiceDeps,
) -> None:
    issue_award(issued, award_to())
    with engine_of(issued).connect() as connection:
        keys = connection.execute(text("SELECT source_key FROM awards")).scalars().all()
    assert keys
    assert all(EMAIL not in key for key in keys)


def test_awards_are_listed_by_issuer_and_definition(deps: ServiceDeps) -> None:
    make_issuer(deps)
    make_issuer(deps, "other-uni")
    published(deps)
    published(deps, MICRO_SPEC, issuer="other-uni")
    mine = issue_award(deps, award_to())
    theirs = issue_award(deps, award_to(achievement=MICRO_SPEC.id))
    assert [a.id for a in list_awards(deps, issuer_id=ISSUER)] == [mine.id]
    assert [a.id for a in list_awards(deps, achievement_id=MICRO_SPEC.id)] == [theirs.id]
    assert theirs.issuer_id == "other-uni"
