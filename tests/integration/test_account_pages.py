"""Signing in, the account page, issuing from a form: sessions, CSRF and the login brake."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.services.accounts import create_user, set_password, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.web import create_app
from tests.fakes import FixedClock

PASSWORD = "correct horse battery"


@pytest.fixture
def client(deps: ServiceDeps, clock: FixedClock) -> Iterator[TestClient]:
    for org in ("acme", "globex"):
        create_issuer(deps, id=org, name=f"{org.title()} Academy", country_code="NL")
        spec = AchievementSpec(
            id=f"{org}-101", name=f"{org.title()} course", description="A course.", criteria="Pass."
        )
        save_achievement(deps, org, spec)
        publish_achievement(deps, spec.id)
    create_user(deps, email="staff@acme.example", name="Sam Staff", password=PASSWORD)
    set_role(deps, email="staff@acme.example", issuer_id="acme", role=Role.STAFF)
    create_user(deps, email="abe@acme.example", name="Abe Assessor", password=PASSWORD)
    set_role(deps, email="abe@acme.example", issuer_id="acme", role=Role.ASSESSOR)
    app = create_app(deps, clock=lambda: clock.now() + dt.timedelta(minutes=1))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> int:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token},
        follow_redirects=False,
    )
    return response.status_code


def test_signing_in_shows_the_organisations_and_issuing_from_the_form(client: TestClient) -> None:
    assert client.get("/account", follow_redirects=False).status_code == 303  # to /login
    assert sign_in(client, "staff@acme.example") == 303
    page = client.get("/account").text
    assert "Sam Staff" in page
    assert "Acme Academy" in page
    assert "Globex" not in page
    issued = client.post(
        "/account/acme/awards",
        data={
            "achievement": "acme-101",
            "email": "new@learner.example",
            "name": "Nia",
            "csrf": csrf_of(page),
        },
        follow_redirects=False,
    )
    assert issued.status_code == 303
    credential_page = client.get(issued.headers["location"]).text
    assert "Verified: this credential is genuine" in credential_page
    assert "new@learner.example" in client.get("/account").text


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    assert sign_in(client, "staff@acme.example") == 303
    forged = client.post(
        "/account/acme/awards",
        data={"achievement": "acme-101", "email": "x@learner.example", "csrf": "forged"},
    )
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("application/problem+json")
    login_forged = client.post(
        "/login", data={"email": "staff@acme.example", "password": PASSWORD, "csrf": "forged"}
    )
    assert login_forged.status_code == 403


def test_a_role_without_issuing_or_another_organisation_cannot_issue(client: TestClient) -> None:
    assert sign_in(client, "abe@acme.example") == 303
    page = client.get("/account").text
    assert "Issue the credential" not in page
    token = csrf_of(page)
    for org, achievement in (("acme", "acme-101"), ("globex", "globex-101")):
        response = client.post(
            f"/account/{org}/awards",
            data={"achievement": achievement, "email": "x@learner.example", "csrf": token},
        )
        assert response.status_code == 403, response.text


def test_wrong_passwords_are_refused_then_braked(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, "staff@acme.example", "wrong password!!") == 401
    assert sign_in(client, "staff@acme.example") == 429  # even the right one, for a while
    assert sign_in(client, "abe@acme.example") == 303  # another person is not braked


def test_signing_out_ends_the_session_and_a_forged_cookie_is_no_session(
    client: TestClient,
) -> None:
    assert sign_in(client, "staff@acme.example") == 303
    token = csrf_of(client.get("/account").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.cookies.set("credstack_session", "someone|9999999999|nonce|mac")
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_copied_cookie_stops_working_when_its_session_signs_out(client: TestClient) -> None:
    """The session lives on the server: signing out ends it even where the cookie was copied
    (a stolen cookie, another tab), though the cookie itself is well signed and unexpired."""
    assert sign_in(client, "staff@acme.example") == 303
    copied = client.cookies["credstack_session"]
    token = csrf_of(client.get("/account").text)
    client.post("/logout", data={"csrf": token}, follow_redirects=False)
    client.cookies.set("credstack_session", copied)
    assert client.get("/account", follow_redirects=False).status_code == 303  # to /login


def test_signing_out_everywhere_ends_every_browser_of_the_user(
    client: TestClient, deps: ServiceDeps
) -> None:
    browsers = []
    for _ in range(2):
        assert sign_in(client, "staff@acme.example") == 303
        browsers.append(client.cookies["credstack_session"])
        client.cookies.clear()
    assert sign_in(client, "abe@acme.example") == 303
    other_person = client.cookies["credstack_session"]
    client.cookies.set("credstack_session", browsers[0])
    token = csrf_of(client.get("/account").text)
    client.cookies.set("credstack_session", browsers[1])
    assert client.get("/account", follow_redirects=False).status_code == 200  # both live
    client.cookies.set("credstack_session", browsers[0])
    ended = client.post(
        "/logout", data={"csrf": token, "everywhere": "true"}, follow_redirects=False
    )
    assert ended.status_code == 303
    for cookie, status in ((browsers[1], 303), (other_person, 200)):
        client.cookies.set("credstack_session", cookie)
        assert client.get("/account", follow_redirects=False).status_code == status


def test_a_new_password_signs_out_the_old_sessions(client: TestClient, deps: ServiceDeps) -> None:
    assert sign_in(client, "staff@acme.example") == 303
    assert client.get("/account", follow_redirects=False).status_code == 200
    set_password(deps, "staff@acme.example", "a brand new passphrase")
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_session_ends_on_the_server_when_it_expires(
    client: TestClient, clock: FixedClock
) -> None:
    assert sign_in(client, "staff@acme.example") == 303
    clock.advance(hours=8, seconds=1)
    assert client.get("/account", follow_redirects=False).status_code == 303
