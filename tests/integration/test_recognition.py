"""Recognition of other issuers' credentials (issue 8, point 4): a learner adds a credential
signed here by a did:key issuer (so nothing goes to the network), credstack verifies and
keeps it, and each organisation's recognised issuers and equivalences decide what it counts
as, and why; pages, API and logs over SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.holdings import Credit, CreditUnit, HoldingSource
from credstack.domain.pathways import parse_pathway_data
from credstack.ob.identity import identity_hash
from credstack.ob.microcredential import extension_context
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.deps import ServiceDeps
from credstack.services.foreign_credentials import (
    add_foreign_credential,
    add_foreign_credential_from_url,
    foreign_credentials_of,
    reverify,
)
from credstack.services.issuers import create_issuer
from credstack.services.pathways import save_pathway, start_pathway
from credstack.services.recognition import (
    add_equivalence,
    add_recognised_issuer,
    recognised_holdings,
    recognition_changes,
    recognitions_of,
    remove_recognised_issuer,
)
from credstack.vc import (
    Ed25519KeyPair,
    MappingFetcher,
    Verdict,
    bake,
    did_key_for,
    sign_credential,
    verify,
)
from credstack.vc.status_list import MIN_LIST_BITS, set_bit, status_list_credential
from credstack.web import create_app
from tests.fakes import FixedClock

EMAIL = "lea@example.org"
PASSWORD = "a long enough password"
ESCO = "http://data.europa.eu/esco/skill/3a2d5b45-56e4-4f5a-a55a-3a4b9d2e8d7c"
FOREIGN_ACHIEVEMENT = "https://uni.example/achievements/stats-101"
LIST_URL = "https://uni.example/status/1"
SIGNED_AT = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def issuer_key(seed: int = 7) -> Ed25519KeyPair:
    key = Ed25519KeyPair.from_seed(bytes([seed]) * 32)
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


UNI = issuer_key()
UNI_DID = UNI.controller


def foreign_credential(
    email: str = EMAIL,
    *,
    key: Ed25519KeyPair = UNI,
    achievement: dict[str, Any] | None = None,
    status_index: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An OB 3.0 credential from the University of Example, to ``email`` (salted hash)."""
    contexts: list[Any] = [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    document: dict[str, Any] = {
        "@context": contexts,
        "id": f"urn:uuid:{abs(hash((email, status_index, json.dumps(extra)))) % 10**12:012d}"
        "-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "University of Example"},
        "validFrom": "2026-02-01T00:00:00Z",
        "name": "Statistics 101",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": identity_hash(email, "pepper"),
                    "identityType": "emailAddress",
                    "salt": "pepper",
                }
            ],
            "achievement": achievement
            or {
                "id": FOREIGN_ACHIEVEMENT,
                "type": ["Achievement"],
                "name": "Statistics 101",
                "description": "Descriptive statistics and probability.",
                "criteria": {"narrative": "Pass the exam."},
            },
        },
        **extra,
    }
    if "microCredential" in json.dumps(document["credentialSubject"]["achievement"]):
        contexts.append(extension_context())
    if status_index is not None:
        contexts.append("https://www.w3.org/ns/credentials/status/v1")
        document["credentialStatus"] = {
            "id": f"{LIST_URL}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": LIST_URL,
        }
    return sign_credential(document, key, created=SIGNED_AT)


def status_list(*revoked: int) -> dict[str, Any]:
    bits = bytearray(MIN_LIST_BITS // 8)
    for index in revoked:
        set_bit(bits, index, True)
    unsigned = status_list_credential(
        url=LIST_URL, issuer=UNI_DID, purpose="revocation", bitstring=bytes(bits),
        valid_from="2026-01-01T00:00:00Z",
    )  # fmt: skip
    return sign_credential(unsigned, UNI, created=SIGNED_AT)


class World:
    """acme (recognises the University, maps its Statistics 101 to acme-101) and globex; a
    learner; an owner and a staff member of acme with tokens."""

    def __init__(self, deps: ServiceDeps) -> None:
        self.fetcher = MappingFetcher({LIST_URL: status_list()})
        self.deps = dataclasses.replace(deps, fetcher=self.fetcher)
        deps = self.deps
        for org in ("acme", "globex"):
            create_issuer(deps, id=org, name=org.title(), country_code="NL")
            for n in ("101", "102"):
                spec = AchievementSpec(
                    id=f"{org}-{n}", name=f"Course {n}", description="A course.",
                    criteria="Pass.",
                )  # fmt: skip
                save_achievement(deps, org, spec)
                publish_achievement(deps, f"{org}-{n}")
        self.learner = create_user(deps, email=EMAIL, name="Lea", password=PASSWORD).id
        create_user(deps, email="owner@acme.example", name="Olga", password=PASSWORD)
        set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
        create_user(deps, email="gus@globex.example", name="Gus")
        set_role(deps, email="gus@globex.example", issuer_id="globex", role=Role.OWNER)
        scopes = {"achievements:read", "achievements:write"}
        self.tokens = {
            "acme": create_token(
                deps, email="owner@acme.example", issuer_id="acme", name="t", scopes=scopes
            )[1],
            "globex": create_token(
                deps, email="gus@globex.example", issuer_id="globex", name="t", scopes=scopes
            )[1],
        }
        self.recognised = add_recognised_issuer(
            deps, "acme", issuer=UNI_DID, name="University of Example", actor="olga"
        )
        self.by_id = add_equivalence(
            deps, "acme", achievement_id="acme-101", foreign_achievement=FOREIGN_ACHIEVEMENT,
            actor="olga",
        )  # fmt: skip

    def add(self, credential: Any, source: str = "the file c.json") -> Any:
        data = credential if isinstance(credential, bytes) else json.dumps(credential).encode()
        return add_foreign_credential(self.deps, self.learner, data, source=source)


@pytest.fixture
def world(deps: ServiceDeps) -> World:
    return World(deps)


@pytest.fixture
def client(world: World, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(world.deps, clock=clock.now, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def only(world: World, org: str = "acme") -> Any:
    [(stored, recognition)] = recognitions_of(world.deps, world.learner, org)
    return stored, recognition


# --- recognition -----------------------------------------------------------------------------


def test_a_recognised_and_mapped_credential_counts_with_its_equivalence(world: World) -> None:
    stored = world.add(foreign_credential(status_index=5))
    assert stored.verification.verdict == "valid"
    _, recognition = only(world)
    assert recognition.counted
    assert recognition.counts_as == {"acme-101"}
    assert recognition.why == (
        f"counted: achievement {FOREIGN_ACHIEVEMENT} maps to acme-101 by its id"
    )
    [held] = recognised_holdings(world.deps, world.learner, "acme")
    assert held.source is HoldingSource.RECOGNISED
    assert held.counts_as == {"acme-101"}
    assert held.issuer == UNI_DID
    assert held.standing
    assert held.issued_at == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert held.name == "Statistics 101"
    assert LIST_URL in world.fetcher.requests  # the status was read


def test_an_issuer_the_organisation_does_not_recognise_does_not_count(world: World) -> None:
    world.add(foreign_credential())
    [(_, recognition)] = recognitions_of(world.deps, world.learner, "globex")
    assert not recognition.counted
    assert recognition.counts_as == frozenset()
    assert recognition.why == f"issuer {UNI_DID} is not recognised by Globex"
    assert recognised_holdings(world.deps, world.learner, "globex") == []


def test_an_achievement_mapped_to_nothing_does_not_count(world: World) -> None:
    other = {
        "id": "https://uni.example/achievements/art-1", "type": ["Achievement"],
        "name": "Art", "description": "Art.", "criteria": {"narrative": "Draw."},
    }  # fmt: skip
    world.add(foreign_credential(achievement=other))
    _, recognition = only(world)
    assert not recognition.counted
    assert "https://uni.example/achievements/art-1 maps to none of Acme's" in recognition.why


def test_a_tampered_credential_is_kept_not_verified_and_never_counts(world: World) -> None:
    tampered = copy.deepcopy(foreign_credential())
    tampered["name"] = "Statistics 901"
    stored = world.add(tampered)
    assert stored.verification.verdict == "invalid"
    _, recognition = only(world)
    assert not recognition.counted
    assert recognition.counts_as == {"acme-101"}  # what it would have counted as
    assert recognition.why.startswith("not counted: its signature does not verify")
    [held] = recognised_holdings(world.deps, world.learner, "acme")
    assert not held.standing


def test_a_credential_revoked_by_its_issuer_does_not_count(world: World) -> None:
    world.add(foreign_credential(status_index=9))
    assert only(world)[1].counted
    world.fetcher._documents[LIST_URL] = status_list(9)  # the University revokes it
    [stored] = foreign_credentials_of(world.deps, world.learner)
    reverify(world.deps, world.learner, stored.id)
    _, recognition = only(world)
    assert not recognition.counted
    assert recognition.why.startswith(
        f"not counted: revoked: the issuer set revocation bit 9 of {LIST_URL}"
    )


def test_an_expired_credential_does_not_count(world: World) -> None:
    world.add(foreign_credential(validUntil="2026-06-30T00:00:00Z"))
    _, recognition = only(world)
    assert not recognition.counted
    assert recognition.why.startswith("not counted: expired on 2026-06-30T00:00:00Z")


def test_someone_elses_credential_is_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(InvalidInputError, match="issued to someone else"):
        world.add(foreign_credential("ben@example.org"))
    did_only = foreign_credential()
    del did_only["proof"]
    did_only["credentialSubject"].pop("identifier")
    did_only["credentialSubject"]["id"] = "did:example:ben"
    with pytest.raises(
        InvalidInputError, match=r"does not name its recipient by e-mail.*did:example:ben"
    ):
        world.add(sign_credential(did_only, UNI, created=SIGNED_AT))
    with pytest.raises(InvalidInputError, match="is not a credential credstack can read"):
        world.add(b"not a credential")
    assert foreign_credentials_of(world.deps, world.learner) == []


def test_the_same_credential_is_added_once(world: World) -> None:
    credential = foreign_credential()
    world.add(credential)
    with pytest.raises(ConflictError, match="added this credential already"):
        world.add(credential)


def test_a_baked_badge_is_read_and_its_credential_kept(world: World) -> None:
    from tests.test_verification import tiny_png

    credential = foreign_credential()
    stored = world.add(bake(tiny_png(), credential), source="the file badge.png")
    assert json.loads(stored.text) == credential
    assert only(world)[1].counted


def test_an_alignment_to_the_same_skill_maps_and_gives_credits_and_eqf(world: World) -> None:
    add_equivalence(world.deps, "acme", achievement_id="acme-102", alignment=ESCO, actor="olga")
    aligned = {
        "id": "https://uni.example/achievements/data-viz", "type": ["Achievement"],
        "name": "Data visualisation", "description": "Charts.", "criteria": {"narrative": "Do."},
        "creditsAvailable": 3,
        "alignment": [
            {"type": ["Alignment"], "targetName": "visualise data", "targetUrl": ESCO},
            {"type": ["Alignment"], "targetName": "EQF level 5", "targetFramework": "EQF",
             "targetUrl": "http://data.europa.eu/snb/eqf/5", "targetCode": "5"},
        ],
        "microCredential": {"type": "MicroCredentialElements", "ectsCredits": 4,
                            "notionalWorkloadHours": 100},
    }  # fmt: skip
    world.add(foreign_credential(achievement=aligned))
    _, recognition = only(world)
    assert recognition.counted, recognition.why
    assert recognition.counts_as == {"acme-102"}
    assert recognition.why == (
        "counted: achievement https://uni.example/achievements/data-viz maps to acme-102 by "
        f"alignment {ESCO} (targetUrl)"
    )
    assert recognition.credits == (
        Credit(decimal.Decimal(3), CreditUnit.CREDITS),
        Credit(decimal.Decimal(4), CreditUnit.ECTS),
        Credit(decimal.Decimal(100), CreditUnit.HOURS),
    )
    assert recognition.eqf_level == 5


def test_credits_of_the_equivalence_win_over_the_credentials(world: World) -> None:
    achievement = {
        "id": FOREIGN_ACHIEVEMENT, "type": ["Achievement"], "name": "Statistics 101",
        "description": "Stats.", "criteria": {"narrative": "Pass."}, "creditsAvailable": 3,
    }  # fmt: skip
    world.add(foreign_credential(achievement=achievement))
    assert only(world)[1].credits == (Credit(decimal.Decimal(3), CreditUnit.CREDITS),)
    five = Credit(decimal.Decimal("5"), CreditUnit.ECTS)
    add_equivalence(
        world.deps, "acme", achievement_id="acme-101", alignment="https://skills.example/stats",
        actor="olga",
    )  # fmt: skip
    with pytest.raises(ConflictError):
        add_equivalence(
            world.deps, "acme", achievement_id="acme-101",
            foreign_achievement=FOREIGN_ACHIEVEMENT, actor="olga",
        )  # fmt: skip
    add_equivalence(
        world.deps, "acme", achievement_id="acme-102", foreign_achievement=FOREIGN_ACHIEVEMENT,
        credits=five, actor="olga",
    )  # fmt: skip
    _, recognition = only(world)
    assert recognition.counts_as == {"acme-101", "acme-102"}
    assert recognition.credits == (five,)
    [held] = recognised_holdings(world.deps, world.learner, "acme")
    assert held.credits == (five,)


def test_a_stale_verification_is_made_again_when_read_for_counting(
    world: World, clock: FixedClock
) -> None:
    world.add(foreign_credential(status_index=3))
    world.fetcher._documents[LIST_URL] = status_list(3)
    assert only(world)[1].counted  # verified less than a day ago: the stored outcome holds
    clock.advance(days=1, seconds=1)
    _, recognition = only(world)
    assert not recognition.counted
    [stored] = foreign_credentials_of(world.deps, world.learner)
    assert stored.verification.verified_at == clock.now()


def test_every_changed_decision_is_recorded_once(world: World) -> None:
    stored = world.add(foreign_credential())
    only(world)
    only(world)  # the same decision: not recorded again
    remove_recognised_issuer(world.deps, "acme", world.recognised.id, actor="olga")
    only(world)
    with world.deps.uow() as uow:
        events = uow.recognition.events(stored.id)
    assert [e.action for e in events] == ["added", "verified", "decided", "decided"]
    assert events[2].counted is True
    assert events[2].counts_as == {"acme-101"}
    assert events[3].counted is False
    assert events[3].why == f"issuer {UNI_DID} is not recognised by Acme"
    assert [c.action for c in recognition_changes(world.deps, "acme")] == [
        "issuer.added", "equivalence.added", "issuer.removed",
    ]  # fmt: skip
    change = recognition_changes(world.deps, "acme")[0]
    assert change.actor == "olga"
    assert json.loads(change.detail)["issuer"] == UNI_DID


def test_settings_refuse_what_is_not_the_organisations(world: World) -> None:
    with pytest.raises(NotFoundError, match="no achievement 'globex-101' in this organisation"):
        add_equivalence(
            world.deps, "acme", achievement_id="globex-101", alignment=ESCO, actor="olga"
        )
    with pytest.raises(InvalidInputError, match="either foreignAchievement"):
        add_equivalence(world.deps, "acme", achievement_id="acme-101", actor="olga")
    with pytest.raises(InvalidInputError, match="is not a DID"):
        add_recognised_issuer(world.deps, "acme", issuer="uni", name="Uni", actor="olga")
    with pytest.raises(ConflictError, match="already recognised"):
        add_recognised_issuer(world.deps, "acme", issuer=UNI_DID, name="Uni", actor="olga")
    with pytest.raises(NotFoundError):
        remove_recognised_issuer(world.deps, "globex", world.recognised.id, actor="gus")


def test_a_url_is_read_through_the_fetcher(world: World) -> None:
    url = "https://uni.example/credentials/1"
    world.fetcher._documents[url] = foreign_credential()
    stored = add_foreign_credential_from_url(world.deps, world.learner, url)
    assert stored.source == url
    with pytest.raises(InvalidInputError, match=r"cannot read https://uni\.example/none"):
        add_foreign_credential_from_url(world.deps, world.learner, "https://uni.example/none")
    offline = dataclasses.replace(world.deps, fetcher=None)
    with pytest.raises(InvalidInputError, match="does not fetch URLs"):
        add_foreign_credential_from_url(offline, world.learner, url)


# --- pages -----------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, email: str = EMAIL) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303


def upload(client: TestClient, content: bytes, name: str = "c.json") -> httpx.Response:
    token = csrf_of(client.get("/learning/credentials").text)
    return client.post(
        "/learning/credentials", data={"csrf": token},
        files={"file": (name, content, "application/json")}, follow_redirects=False,
    )  # fmt: skip


def test_the_page_adds_lists_and_verifies_again(client: TestClient, world: World) -> None:
    assert client.get("/learning/credentials", follow_redirects=False).status_code == 303
    sign_in(client)
    page = client.get("/learning/credentials")
    assert "You have not added any yet." in page.text
    assert '<label for="file">' in page.text
    assert '<label for="url">' in page.text
    added = upload(client, json.dumps(foreign_credential(status_index=4)).encode())
    assert added.status_code == 303
    listed = client.get(added.headers["location"]).text
    assert "Added and verified." in listed
    assert "University of Example" in listed
    assert "Verified</span>" in listed
    assert '<strong>Acme</strong>: <span class="passed">counts</span> as acme-101' in listed
    world.fetcher._documents[LIST_URL] = status_list(4)
    [stored] = foreign_credentials_of(world.deps, world.learner)
    again = client.post(
        f"/learning/credentials/{stored.id}/verify", data={"csrf": csrf_of(listed)},
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 303
    now = client.get(again.headers["location"]).text
    assert "Verified again." in now
    assert "Not verified</span>: revoked" in now
    assert "does not count</span> as acme-101" in now


def test_the_page_says_why_it_refuses(client: TestClient, world: World) -> None:
    sign_in(client)
    refused = upload(client, json.dumps(foreign_credential("ben@example.org")).encode())
    assert refused.status_code == 400
    assert 'role="alert" id="form-error"' in refused.text
    assert "issued to someone else" in refused.text
    assert 'aria-describedby="form-error"' in refused.text
    empty = client.post("/learning/credentials", data={"csrf": csrf_of(refused.text)})
    assert empty.status_code == 400
    assert "choose a credential file, or give its URL" in empty.text
    forged = client.post("/learning/credentials", data={"csrf": "forged"})
    assert forged.status_code == 403
    assert foreign_credentials_of(world.deps, world.learner) == []


def test_nobody_verifies_anothers_credential(client: TestClient, world: World) -> None:
    stored = world.add(foreign_credential())
    create_user(world.deps, email="ben@example.org", name="Ben", password=PASSWORD)
    sign_in(client, "ben@example.org")
    token = csrf_of(client.get("/learning/credentials").text)
    response = client.post(f"/learning/credentials/{stored.id}/verify", data={"csrf": token})
    assert response.status_code == 404


# --- API -------------------------------------------------------------------------------------

ORG = "/api/v1/organisations"


def api(
    client: TestClient, world: World, method: str, path: str, org: str = "acme", **kw: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {world.tokens[org]}"}
    return client.request(method, f"{ORG}/{path}", headers=headers, **kw)


def test_the_api_keeps_recognised_issuers_and_equivalences(
    client: TestClient, world: World
) -> None:
    other = "did:web:college.example"
    made = api(client, world, "POST", "acme/recognised-issuers",
               json={"issuer": other, "name": "College", "note": "agreement 2026"})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.headers["location"].endswith(made.json()["id"])
    listed = api(client, world, "GET", "acme/recognised-issuers").json()
    assert {e["issuer"] for e in listed} == {UNI_DID, other}  # the same instant: any order
    assert api(client, world, "POST", "acme/recognised-issuers",
               json={"issuer": other, "name": "College"}).status_code == 409  # fmt: skip
    assert api(client, world, "POST", "acme/recognised-issuers",
               json={"issuer": "college", "name": "College"}).status_code in (400, 422)  # fmt: skip
    body = {
        "achievement": "acme-102",
        "alignment": ESCO,
        "credits": {"amount": "2.5", "unit": "ECTS"},
    }
    mapped = api(client, world, "POST", "acme/equivalences", json=body)
    assert mapped.status_code == 201, mapped.text
    assert mapped.json()["credits"] == {"amount": "2.5", "unit": "ECTS"}
    assert len(api(client, world, "GET", "acme/equivalences").json()) == 2
    bad = api(
        client, world, "POST", "acme/equivalences", json={**body, "achievement": "globex-101"}
    )
    assert bad.status_code == 404
    # another organisation's entries are not found
    entry = made.json()["id"]
    assert (
        api(client, world, "DELETE", f"globex/recognised-issuers/{entry}", "globex").status_code
        == 404
    )
    assert (
        api(
            client, world, "DELETE", f"globex/equivalences/{mapped.json()['id']}", "globex"
        ).status_code
        == 404
    )
    assert api(client, world, "GET", "globex/recognised-issuers", "globex").json() == []
    assert api(client, world, "DELETE", f"acme/recognised-issuers/{entry}").status_code == 204
    assert (
        api(client, world, "DELETE", f"acme/equivalences/{mapped.json()['id']}").status_code == 204
    )
    actions = [c.action for c in recognition_changes(world.deps, "acme")]
    assert actions[-4:] == [
        "issuer.added",
        "equivalence.added",
        "issuer.removed",
        "equivalence.removed",
    ]
    assert recognition_changes(world.deps, "acme")[-1].actor.endswith(")")


def test_a_learner_or_assessor_may_not_change_the_settings(
    client: TestClient, world: World
) -> None:
    set_role(world.deps, email=EMAIL, issuer_id="acme", role=Role.LEARNER)
    with pytest.raises(InvalidInputError, match="a learner cannot hold a token"):
        create_token(
            world.deps, email=EMAIL, issuer_id="acme", name="t", scopes={"achievements:read"}
        )
    create_user(world.deps, email="abe@acme.example", name="Abe")
    set_role(world.deps, email="abe@acme.example", issuer_id="acme", role=Role.ASSESSOR)
    _, text = create_token(
        world.deps, email="abe@acme.example", issuer_id="acme", name="t",
        scopes={"achievements:read"},
    )  # fmt: skip
    headers = {"authorization": f"Bearer {text}"}
    response = client.post(
        f"{ORG}/acme/recognised-issuers", json={"issuer": "did:web:x.example", "name": "X"},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 403
    assert client.get(f"{ORG}/acme/equivalences", headers=headers).status_code == 200
    # a signed-in learner's session is no API credential
    sign_in(client)
    assert client.get(f"{ORG}/acme/equivalences").status_code == 401


# --- counting toward a pathway --------------------------------------------------------------


def test_a_recognised_credential_completes_a_pathway_and_travels_in_its_bundle(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    """Another issuer's credential, recognised as acme-101, is the pathway's one component:
    adding it issues acme's stacked credential at once, and the CLR bundle carries both, the
    foreign one with its own proof."""
    spec = parse_pathway_data(
        {
            "id": "acme-cert",
            "name": "Acme certificate",
            "target": "acme-102",
            "requirements": {"id": "core", "credential": "acme-101"},
        }
    )
    save_pathway(world.deps, "acme", spec, actor="olga")
    learner = start_pathway(world.deps, world.learner, "acme-cert")
    assert learner.award_id is None
    world.add(foreign_credential())  # recognised: counts as acme-101
    with world.deps.uow() as uow:
        stacked = uow.pathways.learner(learner.id).award_id
        assert stacked is not None
        evidence = json.loads(uow.awards.get(stacked).credential)["evidence"]
    assert [e["name"] for e in evidence] == ["Statistics 101"]

    sign_in(client)
    page = client.get("/pathways/acme-cert").text
    assert "(recognised, from did:key:" in page
    bundle = client.get("/pathways/acme-cert/clr")
    assert bundle.status_code == 200, bundle.text
    assert bundle.headers["content-disposition"].startswith("attachment")
    document = bundle.json()
    later = clock.now() + dt.timedelta(minutes=1)
    assert verify(document, now=later).verdict is Verdict.VALID
    embedded = document["credentialSubject"]["verifiableCredential"]
    assert [c["credentialSubject"]["achievement"]["name"] for c in embedded][1] == "Statistics 101"
    foreign = verify(embedded[1], now=later, fetcher=world.fetcher)
    assert foreign.verdict is Verdict.VALID, foreign.to_dict()
