"""The learner APIs' use cases on the in-memory ports: one list over issued and stored
credentials, paged across the seam; upserts kept as sent; codes spent once."""

from __future__ import annotations

import base64
import json

import pytest

from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import InvalidInputError
from credstack.domain.oauth import LearnerApi
from credstack.services import oauth
from credstack.services.accounts import create_user
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.learner_api import learner_credentials, upsert_credential
from tests.conftest import ob_badge
from tests.fakes import FixedClock, memory_deps


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(clock: FixedClock) -> ServiceDeps:
    deps = memory_deps(clock)
    create_issuer(deps, id="acme", name="Acme", country_code="NL")
    for n in range(3):
        spec = AchievementSpec(id=f"a-{n}", name=f"Course {n}", description="D.", criteria="C.")
        save_achievement(deps, "acme", spec)
        publish_achievement(deps, spec.id)
        issue_award(deps, AwardRequest(spec.id, Recipient.parse("ann@example.org")))
        clock.advance(seconds=1)
    return deps


def badge(n: int) -> bytes:
    return json.dumps(ob_badge("did:example:x", id=f"urn:example:{n}", name=f"Own {n}")).encode()


def test_pages_run_across_issued_and_stored_credentials(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    ann = create_user(deps, email="ann@example.org", name="Ann")
    for n in range(2):
        upsert_credential(deps, ann.id, LearnerApi.OB, badge(n), jws=False)
        clock.advance(seconds=1)

    def names(offset: int, limit: int) -> list[str]:
        page = learner_credentials(deps, ann.id, LearnerApi.OB, offset=offset, limit=limit)
        assert page.total == 5
        return [json.loads(item.content)["name"] for item in page.items]

    assert names(0, 2) == ["Course 0", "Course 1"]
    assert names(2, 2) == ["Course 2", "Own 0"]  # the seam
    assert names(4, 2) == ["Own 1"]
    assert names(5, 2) == []
    assert names(0, 10) == ["Course 0", "Course 1", "Course 2", "Own 0", "Own 1"]
    clr = learner_credentials(deps, ann.id, LearnerApi.CLR)
    assert (clr.total, clr.items) == (0, [])


def test_an_upsert_keeps_the_bytes_and_replaces_by_id(deps: ServiceDeps) -> None:
    ann = create_user(deps, email="ann@example.org", name="Ann")
    sent = b'{"id": "urn:example:1",   "type": ["VerifiableCredential", "OpenBadgeCredential"]}'
    assert upsert_credential(deps, ann.id, LearnerApi.OB, sent, jws=False)[0] is True
    created, held = upsert_credential(deps, ann.id, LearnerApi.OB, sent, jws=False)
    assert created is False
    assert held.content.encode() == sent
    payload = base64.urlsafe_b64encode(
        json.dumps({"vc": json.loads(sent), "jti": "urn:example:1"}).encode()
    ).decode()
    jws = f"eyJhbGciOiJFZERTQSJ9.{payload.rstrip('=')}.c2ln"
    assert upsert_credential(deps, ann.id, LearnerApi.OB, jws.encode(), jws=True)[0] is False
    page = learner_credentials(deps, ann.id, LearnerApi.OB, offset=3)
    assert [(item.content, item.jws) for item in page.items] == [(jws, True)]
    with pytest.raises(InvalidInputError, match="ClrCredential"):
        upsert_credential(deps, ann.id, LearnerApi.CLR, sent, jws=False)


def test_a_code_is_spent_by_its_first_redemption_and_its_reuse_revokes(
    deps: ServiceDeps, clock: FixedClock
) -> None:
    ann = create_user(deps, email="ann@example.org", name="Ann")
    app, secret = oauth.register_client(deps, {"scope": "s"})
    assert oauth.check_client_secret(app, secret)
    assert not oauth.check_client_secret(app, secret + "x")
    oauth.save_code(
        deps, "the-code", client_id=app.client_id, user_id=ann.id, redirect_uri="https://a/cb",
        scope="s", code_challenge="c" * 43, code_challenge_method="S256",
    )  # fmt: skip
    assert oauth.redeem_code(deps, "the-code", "another-app") is None  # and not spent by it
    code = oauth.redeem_code(deps, "the-code", app.client_id)
    assert code is not None
    token = {"access_token": "a1", "refresh_token": "r1", "expires_in": 3600, "scope": "s"}
    oauth.save_tokens(
        deps, token, client_id=app.client_id, user_id=ann.id, code_hash=code.code_hash
    )
    assert oauth.redeem_code(deps, "the-code", app.client_id) is None
    found = oauth.access_token(deps, "a1")
    assert found is not None
    assert found.revoked_at == clock.now()
    assert oauth.refresh_token(deps, "r1") is None
