"""Webhooks end to end: a real HTTP receiver on a free local port checks every delivery's
Standard Webhooks signature (with credstack's verifier and with the HMAC recomputed here)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from credstack.adapters.webhook_sender import HttpWebhookSender
from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.status import StatusAction
from credstack.domain.webhooks import DeliveryState, verify_signature
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.bulk_awards import issue_awards
from credstack.services.claims import claim_award, credentials_of
from credstack.services.deps import ServiceDeps, SystemClock
from credstack.services.issuers import create_issuer
from credstack.services.status import change_status
from credstack.services.webhook_delivery import DeliveryRun, deliver_due
from credstack.services.webhooks import (
    list_webhooks,
    record_event,
    register_webhook,
    rotate_secret,
    webhook_deliveries,
)
from credstack.web import create_app
from tests.fakes import FixedClock

ORG = "/api/v1/organisations/acme"
PASSWORD = "correct horse battery"
ALL_EVENTS = ["credential.issued", "credential.revoked", "credential.claimed"]


class Receiver:
    """An HTTP server in a thread that answers each POST with the next status of
    ``statuses`` (the last one repeats) and keeps what it received."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [200])
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = (
                    receiver.statuses.pop(0)
                    if len(receiver.statuses) > 1
                    else (receiver.statuses[0])
                )
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


def recomputed_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    """The signature computed here from the specification's text, not with credstack."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def check_signed(secret: str, headers: dict[str, str], body: bytes, now: dt.datetime) -> None:
    assert verify_signature(secret, headers, body, now=now) == headers["webhook-id"]
    assert recomputed_signature(secret, headers, body) in headers["webhook-signature"].split(" ")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def local_deps(deps: ServiceDeps) -> ServiceDeps:
    """Services that allow webhooks to http://127.0.0.1 (the receiver)."""
    return dataclasses.replace(deps, webhooks_allow_local=True)


@pytest.fixture
def acme(local_deps: ServiceDeps) -> str:
    """The organisation acme with a published course, its owner's API token (returned)."""
    create_issuer(local_deps, id="acme", name="Acme Academy", country_code="NL")
    spec = AchievementSpec(
        id="acme-101", name="Acme course", description="A course.", criteria="Pass."
    )
    save_achievement(local_deps, "acme", spec)
    publish_achievement(local_deps, "acme-101")
    create_user(local_deps, email="owner@acme.example", name="Olga", password=PASSWORD)
    set_role(local_deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    scopes = {"awards:write", "status:write", "organisation:admin"}
    _, text = create_token(
        local_deps, email="owner@acme.example", issuer_id="acme", name="t", scopes=scopes
    )
    return text


def sender() -> HttpWebhookSender:
    return HttpWebhookSender(allow_local=True, timeout=5)


def middle(delivered: int = 0, retried: int = 0, failed: int = 0) -> DeliveryRun:
    return DeliveryRun(delivered, retried, failed)


def deliver(deps: ServiceDeps) -> DeliveryRun:
    return deliver_due(deps, sender(), jitter=lambda: 0.5)  # 0.5: the schedule exactly


def test_issuing_revoking_and_claiming_each_deliver_one_signed_event(
    local_deps: ServiceDeps, acme: str, receiver: Receiver, clock: FixedClock
) -> None:
    app = create_app(local_deps, dispatch_webhooks=False)
    auth = {"authorization": f"Bearer {acme}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        made = client.post(
            f"{ORG}/webhooks", json={"url": receiver.url, "events": ALL_EVENTS}, headers=auth
        )
        assert made.status_code == 201, made.text
        secret = made.json()["secret"]
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
        assert (
            "secret" not in client.get(f"{ORG}/webhooks/{made.json()['id']}", headers=auth).json()
        )
        issued = client.post(
            f"{ORG}/awards",
            json={"achievement": "acme-101", "recipient": {"email": "Ada@Learner.example"}},
            headers=auth,
        ).json()
        client.post(
            f"{ORG}/awards/{issued['id']}/suspend", json={"reason": "checking"}, headers=auth
        )  # not subscribed: no event
        client.post(f"{ORG}/awards/{issued['id']}/unsuspend", json={}, headers=auth)
        # the learner signs in with the address it was issued to and claims it
        create_user(local_deps, email="ada@learner.example", name="Ada", password=PASSWORD)
        login = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', login)
        assert token
        signed_in = client.post(
            "/login",
            data={"email": "ada@learner.example", "password": PASSWORD, "csrf": token[1]},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        page = client.get("/account").text
        assert "Add to my credentials" in page
        assert f"/credentials/{issued['id']}" in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        for _ in range(2):  # claiming twice records one claim
            claimed = client.post(
                f"/account/credentials/{issued['id']}/claim",
                data={"csrf": csrf[1]},
                follow_redirects=False,
            )
            assert claimed.status_code == 303
        assert "(in your credentials)" in client.get("/account").text
        forged = client.post(f"/account/credentials/{issued['id']}/claim", data={"csrf": "forged"})
        assert forged.status_code == 403
        revoked = client.post(
            f"{ORG}/awards/{issued['id']}/revoke", json={"reason": "fraud"}, headers=auth
        )
        assert revoked.status_code == 200
    assert receiver.received == []  # nothing is sent by the requests themselves
    assert deliver(local_deps) == middle(delivered=3)
    assert deliver(local_deps) == middle()
    # one of each (the fixed clock makes them all due at once: no order among them)
    events = {e["type"]: e for e in receiver.events()}
    assert len(receiver.received) == 3
    assert set(events) == {"credential.issued", "credential.claimed", "credential.revoked"}
    for headers, body in receiver.received:
        check_signed(secret, headers, body, clock.now())
        assert headers["content-type"] == "application/json"
        assert b"ada@learner.example" not in body.lower()  # no e-mail address travels
    data = events["credential.issued"]["data"]
    assert data["awardId"] == issued["id"]
    assert data["credentialId"] == issued["credentialId"]
    assert data["credentialUrl"].endswith(f"/credentials/{issued['id']}")
    assert data["achievementId"] == "acme-101"
    subject = issued["credential"]["credentialSubject"]
    email_id = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    assert data["recipient"]["identityHash"] == email_id["identityHash"]
    assert events["credential.revoked"]["data"]["reason"] == "fraud"
    assert events["credential.claimed"]["data"]["awardId"] == issued["id"]
    assert len({h["webhook-id"] for h, _ in receiver.received}) == 3


def test_a_receiver_that_fails_twice_gets_it_on_the_third_attempt_on_schedule(
    local_deps: ServiceDeps, acme: str, clock: FixedClock
) -> None:
    receiver = Receiver([500, 503, 204])
    try:
        subscription, secret = register_webhook(
            local_deps, "acme", url=receiver.url, events=["credential.issued"]
        )
        issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("bo@learner.example")))
        start = clock.now()
        assert deliver(local_deps) == middle(retried=1)
        (first,) = webhook_deliveries(local_deps, "acme", subscription.id)
        assert (first.attempts, first.last_status) == (1, 500)
        assert first.next_attempt_at == start + dt.timedelta(seconds=30)
        clock.advance(seconds=29)
        assert deliver(local_deps) == middle()  # not due yet
        clock.advance(seconds=1)
        assert deliver(local_deps) == middle(retried=1)
        (second,) = webhook_deliveries(local_deps, "acme", subscription.id)
        assert (second.attempts, second.last_status) == (2, 503)
        assert second.next_attempt_at == clock.now() + dt.timedelta(minutes=2)
        clock.advance(minutes=2)
        assert deliver(local_deps) == middle(delivered=1)
        (third,) = webhook_deliveries(local_deps, "acme", subscription.id)
        assert (third.state, third.attempts, third.last_status) == (DeliveryState.DELIVERED, 3, 204)
        assert third.next_attempt_at is None
        ids = {headers["webhook-id"] for headers, _ in receiver.received}
        stamps = [int(headers["webhook-timestamp"]) for headers, _ in receiver.received]
        assert len(ids) == 1  # one event, its id the idempotency key on every retry
        assert stamps == [
            int(start.timestamp()),
            int(start.timestamp()) + 30,
            int(start.timestamp()) + 150,
        ]
        for headers, body in receiver.received:
            check_signed(
                secret,
                headers,
                body,
                dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), dt.UTC),
            )
    finally:
        receiver.close()


def test_a_receiver_that_never_succeeds_is_given_up_after_the_schedule(
    local_deps: ServiceDeps, acme: str, clock: FixedClock
) -> None:
    receiver = Receiver([500])
    try:
        subscription, _ = register_webhook(
            local_deps, "acme", url=receiver.url, events=["credential.issued"]
        )
        issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("cy@learner.example")))
        runs = []
        for _ in range(7):
            runs.append(deliver(local_deps))
            clock.advance(hours=25)
        assert runs == [middle(retried=1)] * 6 + [middle(failed=1)]
        (delivery,) = webhook_deliveries(local_deps, "acme", subscription.id)
        assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 7)
        assert len(receiver.received) == 7
    finally:
        receiver.close()


def test_410_gone_disables_the_webhook(local_deps: ServiceDeps, acme: str) -> None:
    receiver = Receiver([410])
    try:
        subscription, _ = register_webhook(
            local_deps, "acme", url=receiver.url, events=["credential.issued"]
        )
        issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("di@learner.example")))
        assert deliver(local_deps) == middle(failed=1)
        (stored,) = list_webhooks(local_deps, "acme")
        assert not stored.active
        issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("ed@learner.example")))
        assert len(webhook_deliveries(local_deps, "acme", subscription.id)) == 1  # no new one
        assert deliver(local_deps) == middle()
        assert len(receiver.received) == 1
    finally:
        receiver.close()


def test_no_event_is_written_when_the_change_is_rolled_back(
    local_deps: ServiceDeps, acme: str, receiver: Receiver
) -> None:
    subscription, _ = register_webhook(
        local_deps, "acme", url=receiver.url, events=["credential.revoked"]
    )
    award = issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("fy@learner.example")))

    def failing_change() -> None:
        with local_deps.uow() as uow:
            record_event(uow, local_deps, "credential.revoked", award, reason="x")
            raise RuntimeError("the change failed after its event was recorded")

    with pytest.raises(RuntimeError):
        failing_change()
    assert webhook_deliveries(local_deps, "acme", subscription.id) == []
    change_status(local_deps, award.id, StatusAction.REVOKE, reason="fraud", actor="t")
    with pytest.raises(ConflictError):  # refused (revocation is final): no event either
        change_status(local_deps, award.id, StatusAction.UNSUSPEND, reason=None, actor="t")
    assert [d.event_type for d in webhook_deliveries(local_deps, "acme", subscription.id)] == [
        "credential.revoked"
    ]


def test_a_cohort_emits_one_event_per_credential_only_when_subscribed(
    local_deps: ServiceDeps, acme: str, receiver: Receiver
) -> None:
    def cohort(names: list[str]) -> list[str]:
        rows = [
            (n, AwardRequest("acme-101", Recipient.parse(f"{name}@learner.example")))
            for n, name in enumerate(names, start=2)
        ]
        return [o.status for o in issue_awards(local_deps, "acme-101", rows, batch_size=2)]

    assert cohort(["a1", "a2", "a3"]) == ["issued"] * 3
    subscription, _secret = register_webhook(
        local_deps, "acme", url=receiver.url, events=["credential.issued"]
    )
    register_webhook(local_deps, "acme", url=receiver.url, events=["credential.revoked"])
    assert webhook_deliveries(local_deps, "acme", subscription.id) == []
    assert cohort(["b1", "b2", "b3", "a1"]) == ["issued"] * 3 + ["skipped"]
    assert len(webhook_deliveries(local_deps, "acme", subscription.id)) == 3
    assert deliver(local_deps) == middle(delivered=3)
    assert sorted(e["data"]["achievementId"] for e in receiver.events()) == ["acme-101"] * 3


def test_rotation_signs_with_both_secrets_for_a_day(
    local_deps: ServiceDeps, acme: str, receiver: Receiver, clock: FixedClock
) -> None:
    subscription, old = register_webhook(
        local_deps, "acme", url=receiver.url, events=["credential.issued"]
    )
    new = rotate_secret(local_deps, "acme", subscription.id)
    issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("gi@learner.example")))
    assert deliver(local_deps) == middle(delivered=1)
    headers, body = receiver.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    check_signed(old, headers, body, clock.now())
    check_signed(new, headers, body, clock.now())
    clock.advance(hours=24, seconds=1)
    issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("ha@learner.example")))
    assert deliver(local_deps) == middle(delivered=1)
    headers, body = receiver.received[1]
    check_signed(new, headers, body, clock.now())
    with pytest.raises(ValueError, match="no signature matches"):
        verify_signature(old, headers, body, now=clock.now())


def test_the_apps_background_dispatcher_sends_a_ping(
    local_deps: ServiceDeps, acme: str, receiver: Receiver, clock: FixedClock
) -> None:
    app = create_app(local_deps, webhook_sender=sender())
    auth = {"authorization": f"Bearer {acme}"}
    with TestClient(app) as client:
        made = client.post(
            f"{ORG}/webhooks",
            json={"url": receiver.url, "events": ["credential.issued"]},
            headers=auth,
        ).json()
        queued = client.post(f"{ORG}/webhooks/{made['id']}/test", headers=auth)
        assert queued.status_code == 202
        for _ in range(100):
            if receiver.received:
                break
            time.sleep(0.05)
        deliveries = client.get(f"{ORG}/webhooks/{made['id']}/deliveries", headers=auth).json()
    assert receiver.events()[0]["type"] == "ping"
    check_signed(made["secret"], *receiver.received[0], clock.now())
    assert deliveries[0]["event"] == "ping"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"url": "http://hooks.acme.example/x", "events": ["credential.issued"]}, 400, "https"),
        ({"url": "https://10.0.0.7/x", "events": ["credential.issued"]}, 400, "public"),
        ({"url": "https://hooks.acme.example/x", "events": ["credential.eaten"]}, 400, "unknown"),
        ({"url": "https://hooks.acme.example/x", "events": []}, 400, ""),
        ({"url": "https://u:p@hooks.acme.example/x", "events": ["ping"]}, 400, ""),
        ({"url": "not a url", "events": ["credential.issued"]}, 400, "host"),
    ],
)
def test_bad_webhooks_are_refused(
    deps: ServiceDeps, body: dict[str, Any], status: int, detail: str
) -> None:
    create_issuer(deps, id="acme", name="Acme Academy", country_code="NL")
    create_user(deps, email="owner@acme.example", name="Olga")
    set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    _, token = create_token(
        deps, email="owner@acme.example", issuer_id="acme", name="t", scopes={"organisation:admin"}
    )
    app = create_app(deps, dispatch_webhooks=False)  # deps: local webhooks not allowed
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            f"{ORG}/webhooks", json=body, headers={"authorization": f"Bearer {token}"}
        )
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]


def test_the_standard_webhooks_reference_library_verifies_a_delivery(
    local_deps: ServiceDeps, acme: str, receiver: Receiver
) -> None:
    # the library checks the timestamp against the real clock
    live = dataclasses.replace(local_deps, clock=SystemClock())
    _, secret = register_webhook(live, "acme", url=receiver.url, events=["credential.issued"])
    award = issue_award(live, AwardRequest("acme-101", Recipient.parse("io@learner.example")))
    assert deliver(live) == middle(delivered=1)
    headers, body = receiver.received[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "credential.issued"
    assert payload["data"]["awardId"] == award.id


def test_dispatchers_running_at_once_send_each_delivery_once(
    local_deps: ServiceDeps, acme: str, receiver: Receiver
) -> None:
    # as several server processes do: each takes what it leased, nothing twice
    register_webhook(local_deps, "acme", url=receiver.url, events=["credential.issued"])
    rows = [
        (n, AwardRequest("acme-101", Recipient.parse(f"p{n}@learner.example"))) for n in range(30)
    ]
    assert {o.status for o in issue_awards(local_deps, "acme-101", rows)} == {"issued"}
    runs: list[DeliveryRun] = []

    def dispatcher() -> None:
        for _ in range(10):
            runs.append(deliver_due(local_deps, sender(), limit=4, jitter=lambda: 0.5))

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert len(ids) == len(set(ids)) == 30
    assert sum(run.delivered for run in runs) == 30


def test_only_the_recipient_claims_and_a_revoked_credential_is_not_claimed(
    local_deps: ServiceDeps, acme: str
) -> None:
    ada = create_user(local_deps, email="ada@learner.example", name="Ada")
    eve = create_user(local_deps, email="eve@learner.example", name="Eve")
    mine = issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("ADA@learner.example")))
    by_did = issue_award(local_deps, AwardRequest("acme-101", Recipient.parse("did:example:ada")))
    with pytest.raises(NotFoundError, match="issued to you"):
        claim_award(local_deps, eve.id, mine.id)
    with pytest.raises(NotFoundError, match="issued to you"):
        claim_award(local_deps, ada.id, by_did.id)
    with pytest.raises(NotFoundError, match="issued to you"):
        claim_award(local_deps, ada.id, "no-such-credential")
    assert [a.id for a in credentials_of(local_deps, ada.id)] == [mine.id]
    assert credentials_of(local_deps, eve.id) == []
    change_status(local_deps, mine.id, StatusAction.REVOKE, reason="fraud", actor="t")
    with pytest.raises(ConflictError, match="revoked"):
        claim_award(local_deps, ada.id, mine.id)
