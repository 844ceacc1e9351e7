"""Offering a micro-credential and enrolling in it: sign-up with a confirmation mail sent
through a real SMTP server (aiosmtpd), enrolment by each mode, the rules (capacity, dates,
twice), "My learning", the provider's page and the issuer API's offering routes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from credstack.adapters.smtp_mailer import SmtpMailer
from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError, StorageError
from credstack.domain.offerings import OfferingMode
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering, enrol
from credstack.services.signup import CONFIRM_LIFETIME
from credstack.storage.database import alembic_config, open_database
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.smtp_server import Inbox, smtp_server

PASSWORD = "correct horse battery"
ORG = "/api/v1/organisations/acme"


@pytest.fixture
def inbox_and_port() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def inbox(inbox_and_port: tuple[Inbox, int]) -> Inbox:
    return inbox_and_port[0]


@pytest.fixture
def mail_deps(deps: ServiceDeps, inbox_and_port: tuple[Inbox, int]) -> ServiceDeps:
    mailer = SmtpMailer(
        "127.0.0.1", inbox_and_port[1], sender="credstack@acme.example", starttls=False
    )
    for org in ("acme", "globex"):
        create_issuer(deps, id=org, name=f"{org.title()} Academy", country_code="NL")
        spec = AchievementSpec(
            id=f"{org}-101", name=f"{org.title()} course", description="A course.", criteria="Pass."
        )
        save_achievement(deps, org, spec)
        publish_achievement(deps, spec.id)
    create_user(deps, email="staff@acme.example", name="Sam Staff", password=PASSWORD)
    set_role(deps, email="staff@acme.example", issuer_id="acme", role=Role.STAFF)
    return dataclasses.replace(deps, mailer=mailer)


@pytest.fixture
def client(mail_deps: ServiceDeps) -> Iterator[TestClient]:
    app = create_app(mail_deps, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def offer(deps: ServiceDeps, mode: OfferingMode = OfferingMode.OPEN, **fields: object) -> str:
    changes = OfferingChanges(mode=mode, **fields)  # type: ignore[arg-type]
    return create_offering(deps, "acme", "acme-101", changes).id


def sign_up(client: TestClient, email: str, name: str = "Lea Learner") -> int:
    form = client.get("/signup").text
    response = client.post(
        "/signup",
        data={
            "name": name,
            "email": email,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "csrf": csrf_of(form),
        },
    )
    return response.status_code


def link_in(inbox: Inbox, n: int = 1) -> str:
    """The path and query of the confirmation link in the ``n``-th message."""
    text = inbox.text_of(inbox.wait(n)[n - 1])
    match = re.search(r"https?://\S+/signup/confirm\?token=\S+", text)
    assert match, text
    parts = urllib.parse.urlsplit(match.group(0))
    return f"{parts.path}?{parts.query}"


def open_link(client: TestClient, link: str) -> int:
    page = client.get(link).text
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token, page
    response = client.post(
        "/signup/confirm",
        data={"token": token.group(1), "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    return response.status_code


def sign_in(client: TestClient, email: str) -> int:
    page = client.get("/login").text
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    return response.status_code


def enrol_in(client: TestClient, offering_id: str, code: str | None = None) -> int:
    """Open the enrol page and post its form (or, where the page shows none because the
    offering is not open, post anyway with the session's token from /account)."""
    page = client.get(f"/offerings/{offering_id}/enrol")
    assert page.status_code == 200, page.text
    if 'name="csrf"' not in page.text:
        assert "enrolment is not possible" in page.text
        page = client.get("/account")
    data = {"csrf": csrf_of(page.text)} | ({"code": code} if code is not None else {})
    response = client.post(f"/offerings/{offering_id}/enrol", data=data, follow_redirects=False)
    return response.status_code


def signed_up(client: TestClient, inbox: Inbox, email: str, n: int = 1) -> None:
    assert sign_up(client, email) == 200
    assert open_link(client, link_in(inbox, n)) == 303


def test_sign_up_mail_confirm_enrol_and_my_learning(
    client: TestClient, inbox: Inbox, mail_deps: ServiceDeps
) -> None:
    offering = offer(mail_deps, title="Spring 2027")
    assert sign_up(client, "lea@learner.example") == 200
    message = inbox.wait(1)[0]
    assert message["To"] == "lea@learner.example"
    assert message["From"] == "credstack@acme.example"
    assert message.get_body(preferencelist=("html",)) is not None  # and an HTML alternative
    assert sign_in(client, "lea@learner.example") == 401  # not confirmed yet
    assert (
        "confirm your e-mail address first"
        in client.post(
            "/login",
            data={
                "email": "lea@learner.example",
                "password": PASSWORD,
                "csrf": csrf_of(client.get("/login").text),
            },
        ).text
    )
    assert open_link(client, link_in(inbox)) == 303  # confirmed and signed in
    assert "Lea Learner" in client.get("/learning").text
    page = client.get("/achievements/acme-101/versions/1").text
    assert f'action="/offerings/{offering}/enrol"' in page
    assert "Spring 2027" in page
    assert enrol_in(client, offering) == 303
    learning = client.get("/learning").text
    assert "Acme course" in learning
    assert "enrolled" in learning
    assert "not awarded yet" in learning
    assert "Requirements" not in learning  # no progress is shown before requirements exist
    issue_award(mail_deps, AwardRequest("acme-101", Recipient.parse("lea@learner.example")))
    assert "awarded: see the credential" in client.get("/learning").text
    assert enrol_in(client, offering) == 409  # twice


def test_a_confirmation_link_works_once_and_not_after_it_expires(
    client: TestClient, inbox: Inbox, clock: FixedClock
) -> None:
    assert sign_up(client, "lea@learner.example") == 200
    link = link_in(inbox)
    client.cookies.clear()
    assert open_link(client, link) == 303
    client.cookies.clear()
    assert open_link(client, link) == 401  # spent
    assert sign_up(client, "max@learner.example") == 200
    late = link_in(inbox, 2)
    clock.advance(seconds=CONFIRM_LIFETIME.total_seconds() + 1)
    client.cookies.clear()
    assert open_link(client, late) == 401
    assert sign_in(client, "max@learner.example") == 401  # still unconfirmed
    # a new link then works
    page = client.get("/signup/resend").text
    sent = client.post(
        "/signup/resend", data={"email": "max@learner.example", "csrf": csrf_of(page)}
    )
    assert sent.status_code == 200
    assert open_link(client, link_in(inbox, 3)) == 303


def test_an_existing_address_is_not_told_and_gets_a_you_have_an_account_mail(
    client: TestClient, inbox: Inbox
) -> None:
    assert sign_up(client, "staff@acme.example", name="Someone Else") == 200
    message = inbox.wait(1)[0]
    assert message["Subject"] == "You already have an account"
    assert "/signup/confirm" not in inbox.text_of(message)
    assert sign_in(client, "staff@acme.example") == 303  # the account is as it was


def test_sign_up_is_braked(client: TestClient) -> None:
    for n in range(3):
        assert sign_up(client, "lea@learner.example", name=f"Lea {n}") == 200
    assert sign_up(client, "lea@learner.example") == 429


def test_bad_sign_ups_say_why(client: TestClient, inbox: Inbox) -> None:
    form = client.get("/signup").text
    base = {"name": "Lea", "email": "lea@learner.example", "csrf": csrf_of(form)}
    differ = client.post("/signup", data=base | {"password": PASSWORD, "password_again": "x" * 12})
    assert differ.status_code == 400
    assert "not the same" in differ.text
    short = client.post("/signup", data=base | {"password": "short", "password_again": "short"})
    assert short.status_code == 400
    forged = client.post(
        "/signup", data=base | {"password": PASSWORD, "password_again": PASSWORD, "csrf": "x"}
    )
    assert forged.status_code == 403
    assert inbox.messages == []


def test_without_an_smtp_server_sign_up_says_so(deps: ServiceDeps) -> None:
    with TestClient(create_app(deps, run_jobs=False, dispatch_webhooks=False)) as client:
        page = client.get("/signup").text
        assert "no e-mail server" in page
        refused = client.post(
            "/signup",
            data={
                "name": "Lea",
                "email": "lea@learner.example",
                "password": PASSWORD,
                "password_again": PASSWORD,
                # no form is shown; the pre-session token is the one /login uses
                "csrf": csrf_of(client.get("/login").text),
            },
        )
        assert refused.status_code == 503
        assert "CREDSTACK_SMTP_HOST" in refused.text


def test_approval_pending_then_approved_on_the_providers_page(
    client: TestClient, inbox: Inbox, mail_deps: ServiceDeps
) -> None:
    offering = offer(mail_deps, OfferingMode.APPROVAL)
    signed_up(client, inbox, "lea@learner.example")
    assert enrol_in(client, offering) == 303
    assert "waiting for approval" in client.get("/learning").text
    client.cookies.clear()
    assert sign_in(client, "staff@acme.example") == 303
    assert f"/account/acme/offerings/{offering}" in client.get("/account").text
    page = client.get(f"/account/acme/offerings/{offering}").text
    assert "Lea Learner" in page
    action = re.search(r'action="(/account/acme/offerings/[^"]+/enrolments/[^"]+)"', page)
    assert action, page
    decided = client.post(
        action.group(1),
        data={"decision": "approve", "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    after = client.get(f"/account/acme/offerings/{offering}").text
    assert re.search(r"<dt>Enrolled</dt><dd>1</dd>", after)
    again = client.post(action.group(1), data={"decision": "decline", "csrf": csrf_of(page)})
    assert again.status_code == 409  # decided already
    client.cookies.clear()
    assert sign_in(client, "lea@learner.example") == 303
    assert "waiting for approval" not in client.get("/learning").text
    # a learner is not staff: the provider's page is refused
    assert client.get(f"/account/acme/offerings/{offering}").status_code == 403


def test_invitation_codes_right_and_wrong(
    client: TestClient, inbox: Inbox, mail_deps: ServiceDeps
) -> None:
    offering = offer(mail_deps, OfferingMode.INVITATION, invitation_codes=("ACME-2027",))
    signed_up(client, inbox, "lea@learner.example")
    assert enrol_in(client, offering, "WRONG-1") == 400
    assert enrol_in(client, offering, "") == 400
    assert enrol_in(client, offering, "ACME-2027") == 303


def test_capacity_and_dates(
    client: TestClient, inbox: Inbox, mail_deps: ServiceDeps, clock: FixedClock
) -> None:
    full = offer(mail_deps, capacity=1)
    later = offer(
        mail_deps,
        starts_at=clock.now() + dt.timedelta(days=7),
        ends_at=clock.now() + dt.timedelta(days=37),
    )
    signed_up(client, inbox, "lea@learner.example")
    assert enrol_in(client, full) == 303
    assert enrol_in(client, later) == 409  # not started
    client.cookies.clear()
    signed_up(client, inbox, "max@learner.example", n=2)
    assert enrol_in(client, full) == 409  # full
    clock.advance(days=8)  # sessions last 8 hours: sign in again
    client.cookies.clear()
    assert sign_in(client, "max@learner.example") == 303
    assert enrol_in(client, later) == 303  # started
    clock.advance(days=30)
    client.cookies.clear()
    signed_up(client, inbox, "ona@learner.example", n=3)
    assert enrol_in(client, later) == 409  # ended


def test_signing_in_is_needed_to_enrol(client: TestClient, mail_deps: ServiceDeps) -> None:
    offering = offer(mail_deps)
    response = client.get(f"/offerings/{offering}/enrol", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert client.post(f"/offerings/{offering}/enrol", data={"csrf": "x"}).status_code == 401


def test_the_issuer_api_offers_lists_changes_closes_and_decides(
    client: TestClient, inbox: Inbox, mail_deps: ServiceDeps
) -> None:
    token, text = create_token(
        mail_deps,
        email="staff@acme.example",
        issuer_id="acme",
        name="lms",
        scopes={"achievements:read", "achievements:write"},
    )
    auth = {"authorization": f"Bearer {text}"}
    body = {
        "achievement": "acme-101",
        "mode": "approval",
        "title": "Autumn",
        "capacity": 30,
        "price": {"amount": "120.00", "currency": "EUR"},
        "startsAt": "2026-11-01T09:00:00Z",
        "endsAt": "2027-02-01T09:00:00Z",
    }
    created = client.post(f"{ORG}/offerings", json=body, headers=auth)
    assert created.status_code == 201, created.text
    offering = created.json()
    assert created.headers["location"] == f"{ORG}/offerings/{offering['id']}"
    assert offering["price"] == {"amount": "120.00", "currency": "EUR"}
    assert "120.00 EUR" in client.get("/achievements/acme-101/versions/1").text
    listed = client.get(f"{ORG}/offerings", headers=auth).json()
    assert [o["id"] for o in listed] == [offering["id"]]
    changed = client.patch(
        f"{ORG}/offerings/{offering['id']}",
        json={"capacity": 40, "clear": ["price"]},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["capacity"] == 40
    assert changed.json()["price"] is None
    signed_up(client, inbox, "lea@learner.example")
    assert enrol_in(client, offering["id"]) == 303
    enrolments = client.get(f"{ORG}/offerings/{offering['id']}/enrolments", headers=auth).json()
    assert [(e["email"], e["status"]) for e in enrolments] == [("lea@learner.example", "pending")]
    path = f"{ORG}/offerings/{offering['id']}/enrolments/{enrolments[0]['id']}"
    declined = client.post(f"{path}/decline", json={"note": "prerequisite missing"}, headers=auth)
    assert declined.json()["status"] == "declined"
    shown = client.get(f"{ORG}/offerings/{offering['id']}", headers=auth).json()
    assert shown["counts"] == {"enrolled": 0, "pending": 0, "declined": 1, "completed": 0}
    assert shown["passRate"] is None
    with mail_deps.uow() as uow:
        events = uow.offerings.events(enrolments[0]["id"])
        staff = uow.accounts.user_by_email("staff@acme.example")
        lea = uow.accounts.user_by_email("lea@learner.example")
    assert staff is not None
    assert lea is not None
    assert [(e.actor, e.action.value, e.note) for e in events] == [
        (lea.id, "request", None),
        (f"{staff.id} (token {token.id})", "decline", "prerequisite missing"),
    ]
    closed = client.post(f"{ORG}/offerings/{offering['id']}/close", headers=auth)
    assert closed.status_code == 200
    assert client.post(f"{ORG}/offerings/{offering['id']}/close", headers=auth).status_code == 409
    assert "Enrol" not in client.get("/achievements/acme-101/versions/1").text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"achievement": "globex-101"}, 404),  # another organisation's
        ({"achievement": "missing"}, 404),
        ({"achievement": "acme-101", "mode": "invitation"}, 400),  # no code
        ({"achievement": "acme-101", "capacity": 0}, 400),
        ({"achievement": "acme-101", "price": {"amount": "x", "currency": "EUR"}}, 400),
        ({"achievement": "acme-101", "price": {"amount": "1", "currency": "eur"}}, 400),
        (
            {
                "achievement": "acme-101",
                "startsAt": "2027-01-02T00:00:00Z",
                "endsAt": "2027-01-01T00:00:00Z",
            },
            400,
        ),
        ({"achievement": "acme-101", "startsAt": "2027-01-02T00:00:00"}, 400),  # no zone
        ({"achievement": "acme-101", "surprise": 1}, 400),
    ],
)
def test_bad_offerings_are_problems(
    client: TestClient, mail_deps: ServiceDeps, body: dict[str, object], status: int
) -> None:
    _, text = create_token(
        mail_deps,
        email="staff@acme.example",
        issuer_id="acme",
        name="lms",
        scopes={"achievements:write"},
    )
    response = client.post(
        f"{ORG}/offerings", json=body, headers={"authorization": f"Bearer {text}"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_draft_cannot_be_offered(client: TestClient, mail_deps: ServiceDeps) -> None:
    spec = AchievementSpec(id="acme-draft", name="Draft", description="D.", criteria="C.")
    save_achievement(mail_deps, "acme", spec)
    _, text = create_token(
        mail_deps,
        email="staff@acme.example",
        issuer_id="acme",
        name="lms",
        scopes={"achievements:write"},
    )
    response = client.post(
        f"{ORG}/offerings",
        json={"achievement": "acme-draft"},
        headers={"authorization": f"Bearer {text}"},
    )
    assert response.status_code == 409


def test_people_made_before_sign_up_existed_are_confirmed_by_the_migration(
    database_url: str,
) -> None:
    engine = open_database(database_url)
    try:
        command.downgrade(alembic_config(engine), "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, email_key, name, platform_admin, created_at)"
                    " VALUES ('u-1', 'ada@example.org', 'ada@example.org', 'Ada', false, :at)"
                ),
                {"at": dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)},
            )
        command.upgrade(alembic_config(engine), "head")
        with engine.connect() as connection:
            confirmed = connection.execute(
                text("SELECT email_confirmed_at FROM users WHERE id = 'u-1'")
            ).scalar_one()
        assert confirmed is not None
    finally:
        engine.dispose()


def test_two_learners_at_once_never_overfill_an_offering(mail_deps: ServiceDeps) -> None:
    """The offering row is locked while an enrolment is decided: of eight learners asking at
    once for four places, four get one and four are told it is full (without the lock, all
    eight were enrolled on SQLite)."""
    offering = offer(mail_deps, capacity=4)
    learners = [
        create_user(mail_deps, email=f"l{n}@learner.example", name=f"L{n}").id for n in range(8)
    ]
    start = threading.Barrier(len(learners))
    outcomes: list[str] = []

    def ask(user_id: str) -> None:
        start.wait()
        try:
            enrol(mail_deps, user_id, offering)
            outcomes.append("enrolled")
        except (ConflictError, StorageError) as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=ask, args=(user,)) for user in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with mail_deps.uow() as uow:
        assert uow.offerings.places_held(offering) == 4
    assert sorted(outcomes) == ["ConflictError"] * 4 + ["enrolled"] * 4
