"""The CLR 2.0 bundle of a stacked credential, on a real database (SQLite, and PostgreSQL).

Two component awards and a target award are issued the ordinary way, bundled by
``services.clr_bundles.clr_for``, and checked as an outside verifier would: the CLR model,
``vc.verify`` of the bundle, and every embedded credential verified again on its own.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.errors import InvalidInputError, NotFoundError
from credstack.ob import identity_hash_matches, schema_errors, validate_credential
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.clr_bundles import clr_for
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.vc import verify, verify_proofs
from credstack.vc.verification import Outcome, Verdict, VerificationReport
from tests.conftest import load_json
from tests.fakes import FixedClock

ISSUER = "uni-example"
OTHER_ISSUER = "college-example"
EMAIL = "ann.learner@example.org"
OTHER_EMAIL = "bob.learner@example.org"

BASICS = AchievementSpec(
    id="py-101",
    name="Python Basics",
    description="Values, functions and tests.",
    criteria="Pass the final quiz.",
    language="en",
)
DATA = AchievementSpec.model_validate(
    BASICS.model_dump()
    | {
        "id": "py-102",
        "name": "Data with Python",
        "micro_credential": {
            "learning_outcomes": ["Clean a data set"],
            "workload_hours": 25,
            "ects": 1,
            "eqf_level": 5,
            "assessment_type": "Graded project",
            "participation_form": "online",
            "quality_assurance": "Internal review board",
        },
    }
)
CERTIFICATE = AchievementSpec.model_validate(
    BASICS.model_dump()
    | {"id": "py-cert", "name": "Python Certificate", "achievement_type": "Certificate"}
)


# --- helpers ---------------------------------------------------------------------------------


def publish(deps: ServiceDeps, spec: AchievementSpec, issuer: str = ISSUER) -> None:
    save_achievement(deps, issuer, spec)
    publish_achievement(deps, spec.id)


def award(deps: ServiceDeps, spec: AchievementSpec, email: str = EMAIL) -> Award:
    return issue_award(deps, AwardRequest(spec.id, Recipient.parse(email)))


def check(data: str | dict[str, Any], clock: FixedClock) -> VerificationReport:
    return verify(data, now=clock.now() + dt.timedelta(minutes=1))


def parsed(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    return document


def achievement_id(award: Award) -> str:
    return str(parsed(award.credential)["credentialSubject"]["achievement"]["id"])


@pytest.fixture
def stack(deps: ServiceDeps) -> tuple[ServiceDeps, Award, list[Award]]:
    """A target award and its two component awards, all to ``EMAIL``."""
    create_issuer(deps, id=ISSUER, name="University of Example", country_code="AT")
    for spec in (BASICS, DATA, CERTIFICATE):
        publish(deps, spec)
    components = [award(deps, BASICS), award(deps, DATA)]
    return deps, award(deps, CERTIFICATE), components


def bundle_of(stack: tuple[ServiceDeps, Award, list[Award]], **extra: Any) -> dict[str, Any]:
    deps, target, components = stack
    text = clr_for(deps, ISSUER, EMAIL, target.id, [c.id for c in components], **extra)
    return parsed(text)


# --- the bundle ------------------------------------------------------------------------------


def test_bundle_is_a_valid_clr_with_the_credentials_as_issued(
    stack: tuple[ServiceDeps, Award, list[Award]], clock: FixedClock
) -> None:
    _, target, components = stack
    bundle = bundle_of(stack)

    assert bundle["type"] == ["VerifiableCredential", "ClrCredential"]
    assert bundle["name"] == "Python Certificate with its components"
    assert bundle["@context"][:3] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert validate_credential(bundle) == []
    subject = bundle["credentialSubject"]
    # embedded byte for byte as stored: target first, then the components in the order given
    assert subject["verifiableCredential"] == [parsed(a.credential) for a in (target, *components)]
    [identifier] = subject["identifier"]
    assert identity_hash_matches(identifier["identityHash"], EMAIL, identifier["salt"])
    assert [a["id"] for a in subject["achievement"]] == [
        achievement_id(a) for a in (target, *components)
    ]
    issuer = parsed(target.credential)["issuer"]
    assert bundle["issuer"] == issuer
    assert bundle["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert bundle["proof"]["verificationMethod"].startswith(issuer["id"])


def test_associations_tie_each_component_to_the_target(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    _, target, components = stack
    bundle = bundle_of(stack)
    relations = {
        (a["associationType"], a["sourceId"], a["targetId"])
        for a in bundle["credentialSubject"]["association"]
    }
    parent = achievement_id(target)
    expected = set()
    for component in components:
        child = achievement_id(component)
        expected |= {("isChildOf", child, parent), ("isParentOf", parent, child)}
    assert relations == expected
    assert len(bundle["credentialSubject"]["association"]) == 4
    assert all(a["type"] == "Association" for a in bundle["credentialSubject"]["association"])


def test_bundle_verifies_and_each_embedded_credential_verifies_on_its_own(
    stack: tuple[ServiceDeps, Award, list[Award]], clock: FixedClock
) -> None:
    bundle = bundle_of(stack)
    report = check(bundle, clock)
    assert report.verdict is Verdict.VALID, report.to_dict()
    # vc.verify checks the bundle's own proof only (not the embedded credentials'), so each
    # one is taken out and verified as a verifier who received it alone would
    for embedded in bundle["credentialSubject"]["verifiableCredential"]:
        alone = check(json.dumps(embedded), clock)
        assert alone.verdict is Verdict.VALID, alone.to_dict()


def test_embedded_credentials_pass_the_1edtech_ob_schema(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    # 1EdTech publishes no CLR 2.0 JSON schema for VC 2.0 (../shared/schemas/NOTE.md), so the
    # OB 3.0 one is applied to each embedded credential and to each listed achievement.
    schema = load_json("schemas", "ob_v3p0_achievementcredential_schema.json")
    bundle = bundle_of(stack)
    subject = bundle["credentialSubject"]
    for embedded in subject["verifiableCredential"]:
        errors = schema_errors(embedded, schema)
        # two status entries are an array, which that schema does not allow (decision 0012)
        assert [e for e in errors if not e.startswith("credentialStatus")] == []
    achievement_schema = {**schema, "$ref": "#/$defs/Achievement"}
    for key in ("type", "properties", "required", "additionalProperties"):
        achievement_schema.pop(key, None)
    for achievement in subject["achievement"]:
        assert schema_errors(achievement, achievement_schema) == []
    # the check can fail: an achievement without its criteria is refused
    broken = {k: v for k, v in subject["achievement"][0].items() if k != "criteria"}
    assert schema_errors(broken, achievement_schema) != []


def test_tampering_with_an_embedded_credential_is_caught_twice(
    stack: tuple[ServiceDeps, Award, list[Award]], clock: FixedClock
) -> None:
    bundle = bundle_of(stack)
    tampered = copy.deepcopy(bundle)
    component = tampered["credentialSubject"]["verifiableCredential"][1]
    component["credentialSubject"]["achievement"]["name"] = "Advanced Python"

    alone = check(json.dumps(component), clock)
    assert alone.verdict is not Verdict.VALID
    assert any(c.name == "proof" and c.outcome is Outcome.FAILED for c in alone.checks)
    # the bundle's proof covers the embedded credentials too
    outer = check(tampered, clock)
    assert outer.verdict is not Verdict.VALID
    assert any(c.name == "proof" and c.outcome is Outcome.FAILED for c in outer.checks)
    # and the untouched component in the same tampered bundle still verifies
    untouched = tampered["credentialSubject"]["verifiableCredential"][2]
    assert check(json.dumps(untouched), clock).verdict is Verdict.VALID


def test_a_component_from_elsewhere_is_embedded_as_given(
    stack: tuple[ServiceDeps, Award, list[Award]], clock: FixedClock
) -> None:
    outside = load_json("vectors", "ob3-1edtech", "ob-signed-credential.json")
    bundle = bundle_of(stack, extra_components=[outside])
    subject = bundle["credentialSubject"]
    assert subject["verifiableCredential"][-1] == outside
    outside_achievement = outside["credentialSubject"]["achievement"]["id"]
    assert {
        "type": "Association",
        "associationType": "isChildOf",
        "sourceId": outside_achievement,
        "targetId": achievement_id(stack[1]),
    } in subject["association"]
    assert validate_credential(bundle) == []
    assert check(bundle, clock).verdict is Verdict.VALID
    # its own proof (1EdTech's published example key) still holds once taken out
    results = verify_proofs(subject["verifiableCredential"][-1])
    assert results
    assert all(r.verified for r in results), [r.message for r in results]


# --- refused bundles -------------------------------------------------------------------------


def test_an_unsigned_credential_from_elsewhere_is_refused(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    unsigned = load_json("vectors", "ob3-1edtech", "ob-unsigned-credential.json")
    with pytest.raises(InvalidInputError, match="component 3 is not a signed credential"):
        bundle_of(stack, extra_components=[unsigned])


def test_another_learners_award_is_refused(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    deps, target, components = stack
    bobs = award(deps, BASICS, OTHER_EMAIL)
    with pytest.raises(InvalidInputError, match=f"{bobs.id} was not issued to {EMAIL}"):
        clr_for(deps, ISSUER, EMAIL, target.id, [components[1].id, bobs.id])
    with pytest.raises(InvalidInputError, match="was not issued to"):
        clr_for(deps, ISSUER, OTHER_EMAIL, target.id, [bobs.id])


def test_the_target_must_be_the_issuers_own(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    deps, target, components = stack
    create_issuer(deps, id=OTHER_ISSUER, name="College of Example", country_code="DE")
    with pytest.raises(InvalidInputError, match=f"not issued by {OTHER_ISSUER}"):
        clr_for(deps, OTHER_ISSUER, EMAIL, target.id, [c.id for c in components])


def test_repeated_unknown_or_circular_components_are_refused(
    stack: tuple[ServiceDeps, Award, list[Award]],
) -> None:
    deps, target, components = stack
    first = components[0].id
    with pytest.raises(InvalidInputError, match="listed twice"):
        clr_for(deps, ISSUER, EMAIL, target.id, [first, first])
    with pytest.raises(InvalidInputError, match="component of itself"):
        clr_for(deps, ISSUER, EMAIL, target.id, [first, target.id])
    with pytest.raises(NotFoundError):
        clr_for(deps, ISSUER, EMAIL, target.id, [first, "no-such-award"])
    with pytest.raises(NotFoundError):
        clr_for(deps, "no-such-issuer", EMAIL, target.id, [first])
