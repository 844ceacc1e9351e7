"""The OB 3.0 API and its CLR 2.0 twin, with their OAuth 2.0 (issue 6), in-process on SQLite
and PostgreSQL: an app registers, a signed-in learner consents, the app trades the code (with
its PKCE verifier) for tokens, reads and stores credentials and the profile, refreshes and
revokes; and each way that can go wrong."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.services.accounts import create_user
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.web import create_app
from tests.conftest import ob_badge
from tests.fakes import FixedClock

PASSWORD = "correct horse battery"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"
ALL_OB = " ".join(
    OB + s
    for s in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")
)
REDIRECT = "https://wallet.example/callback"
ISSUER = "did:example:issuer"


@pytest.fixture
def client(deps: ServiceDeps, clock: FixedClock) -> Iterator[TestClient]:
    create_issuer(deps, id="acme", name="Acme Academy", country_code="NL")
    for number in range(3):
        spec = AchievementSpec(
            id=f"acme-{number}", name=f"Course {number}", description="A course.", criteria="Pass."
        )
        save_achievement(deps, "acme", spec)
        publish_achievement(deps, spec.id)
        issue_award(deps, AwardRequest(spec.id, Recipient.parse("Ann@Example.org")))
        clock.advance(seconds=1)
    issue_award(deps, AwardRequest("acme-0", Recipient.parse("bob@example.org")))
    create_user(deps, email="ann@example.org", name="Ann Learner", password=PASSWORD)
    create_user(deps, email="bob@example.org", name="Bob Learner", password=PASSWORD)
    app = create_app(deps, clock=clock.now)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    form = {"email": email, "password": PASSWORD, "csrf": token}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_name": "Example Wallet",
        "client_uri": "https://wallet.example/",
        "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/terms",
        "policy_uri": "https://wallet.example/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "1.0",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": f"{ALL_OB} {CLR}credential.readonly {CLR}credential.upsert",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def register(client: TestClient, **changes: Any) -> tuple[str, str]:
    response = client.post("/oauth/register", json=registration(**changes))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["client_name"] == "Example Wallet"
    assert body["redirect_uris"] == [REDIRECT]
    assert body["client_secret_expires_at"] == 0
    return body["client_id"], body["client_secret"]


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize_query(client_id: str, challenge: str, scope: str = ALL_OB, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"/oauth/authorize?{urlencode({k: v for k, v in params.items() if v})}"


def consent(client: TestClient, url: str, decision: str = "allow") -> httpx.Response:
    page = client.get(url, follow_redirects=False)
    assert page.status_code == 200, page.text
    assert "Example Wallet" in page.text
    query = re.search(r'name="request_query" value="([^"]+)"', page.text)
    assert query
    form = {
        "csrf": csrf_of(page.text),
        "request_query": query.group(1).replace("&amp;", "&"),
        "decision": decision,
    }
    return client.post("/oauth/authorize", data=form, follow_redirects=False)


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == ["st-123"]
    return params["code"][0]


def exchange(client: TestClient, client_id: str, secret: str, **form: str) -> httpx.Response:
    return client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "redirect_uri": REDIRECT, **form},
        auth=(client_id, secret),
    )


def connect(client: TestClient, email: str = "ann@example.org", scope: str = ALL_OB) -> dict:
    """Register an app, sign ``email`` in, consent and trade the code: the token response,
    with the app's credentials under ``app``."""
    client_id, secret = register(client)
    sign_in(client, email)
    verifier, challenge = pkce()
    code = code_from(consent(client, authorize_query(client_id, challenge, scope)))
    response = exchange(client, client_id, secret, code=code, code_verifier=verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].startswith("no-store")
    return {**response.json(), "app": (client_id, secret)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_status_info(response: httpx.Response, status: int, minor: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    info: dict[str, Any] = response.json()
    assert info["imsx_codeMajor"] == "failure"
    assert info["imsx_severity"] in ("error", "status")
    assert isinstance(info["imsx_description"], str)
    field = info["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldValue"] == minor
    return info


def signed_looking_jws(credential: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'EdDSA', 'typ': 'JWT'})}.{part(credential)}.c2lnbmF0dXJl"


# --- the whole flow --------------------------------------------------------------------------


def test_register_consent_token_credentials_profile_refresh_revoke(client: TestClient) -> None:
    tokens = connect(client)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert set(tokens["scope"].split()) == set(ALL_OB.split())
    access = tokens["access_token"]

    # getCredentials: the three issued to Ann's address (any case), paged
    first = client.get("/ims/ob/v3p0/credentials?limit=2", headers=bearer(access))
    assert first.status_code == 200, first.text
    assert first.headers["x-total-count"] == "3"
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])
    )
    assert set(links) == {"next", "last", "first"}
    assert links["next"].endswith("/ims/ob/v3p0/credentials?limit=2&offset=2")
    assert links["last"].endswith("offset=2")
    assert links["first"].endswith("offset=0")
    body = first.json()
    assert len(body["credential"]) == 2
    assert body["compactJwsString"] == []
    second = client.get(urlsplit(links["next"]).path + "?limit=2&offset=2", headers=bearer(access))
    assert len(second.json()["credential"]) == 1
    assert 'rel="prev"' in second.headers["link"]
    assert 'rel="next"' not in second.headers["link"]
    names = [c["name"] for c in body["credential"] + second.json()["credential"]]
    assert sorted(names) == ["Course 0", "Course 1", "Course 2"]

    # upsertCredential: JSON, then the same id again (replaced), then a compact JWS
    badge = ob_badge(ISSUER, name="Outside badge")
    sent = json.dumps(badge, indent=1).encode()
    created = client.post(
        "/ims/ob/v3p0/credentials",
        content=sent,
        headers={**bearer(access), "Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text
    assert created.content == sent
    badge["name"] = "Outside badge, renamed"
    replaced = client.post("/ims/ob/v3p0/credentials", json=badge, headers=bearer(access))
    assert replaced.status_code == 200
    assert replaced.json() == badge
    jws = signed_looking_jws(ob_badge(ISSUER, id="urn:uuid:0f4d2bd0-5f4d-4c0b-9b0a-0c3c1f5e2d11"))
    stored_jws = client.post(
        "/ims/ob/v3p0/credentials",
        content=jws,
        headers={**bearer(access), "Content-Type": "text/plain"},
    )
    assert stored_jws.status_code == 201
    assert stored_jws.text == jws
    assert stored_jws.headers["content-type"].startswith("text/plain")

    everything = client.get("/ims/ob/v3p0/credentials", headers=bearer(access))
    assert everything.headers["x-total-count"] == "5"
    listed = everything.json()
    assert listed["credential"][-1] == badge  # read back equal to what was sent
    assert listed["compactJwsString"] == [jws]
    since = client.get(
        "/ims/ob/v3p0/credentials",
        params={"since": "2030-01-01T00:00:00Z"},
        headers=bearer(access),
    )
    assert since.headers["x-total-count"] == "0"

    # getProfile / putProfile
    profile = client.get("/ims/ob/v3p0/profile", headers=bearer(access)).json()
    assert profile["type"] == "Profile"
    assert profile["name"] == "Ann Learner"
    assert profile["email"] == "ann@example.org"
    assert profile["@context"] == ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    changed = client.put(
        "/ims/ob/v3p0/profile", json={**profile, "name": "Ann B. Learner"}, headers=bearer(access)
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Ann B. Learner"
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).json() == changed.json()

    # refresh: new tokens, the old refresh token is spent
    client_id, secret = tokens["app"]
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert set(new["scope"].split()) == set(ALL_OB.split())
    again = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, secret),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).status_code == 401
    assert (
        client.get("/ims/ob/v3p0/profile", headers=bearer(new["access_token"])).status_code == 200
    )

    # revoke (client_secret_post this time): the access token is refused from then on
    revoked = client.post(
        "/oauth/revoke",
        data={
            "token": new["access_token"],
            "token_type_hint": "access_token",
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    assert revoked.status_code == 200, revoked.text
    gone = client.get("/ims/ob/v3p0/credentials", headers=bearer(new["access_token"]))
    assert_status_info(gone, 401, "unauthorizedrequest")
    assert gone.headers["www-authenticate"].startswith("Bearer")


def test_the_clr_twin_keeps_its_own_credentials_and_scopes(client: TestClient) -> None:
    scope = f"{CLR}credential.readonly {CLR}credential.upsert"
    access = connect(client, scope=scope)["access_token"]
    empty = client.get("/ims/clr/v2p0/credentials", headers=bearer(access))
    assert empty.status_code == 200
    assert empty.headers["x-total-count"] == "0"
    clr = ob_badge(ISSUER, type=["VerifiableCredential", "ClrCredential"])
    assert (
        client.post("/ims/clr/v2p0/credentials", json=clr, headers=bearer(access)).status_code
        == 201
    )
    assert client.get("/ims/clr/v2p0/credentials", headers=bearer(access)).json() == {
        "credential": [clr],
        "compactJwsString": [],
    }
    wrong_type = client.post(
        "/ims/clr/v2p0/credentials", json=ob_badge(ISSUER), headers=bearer(access)
    )
    assert_status_info(wrong_type, 400, "invalid_data")
    # a CLR token opens nothing of the OB API
    assert_status_info(
        client.get("/ims/ob/v3p0/credentials", headers=bearer(access)), 403, "forbidden"
    )


# --- what goes wrong -------------------------------------------------------------------------


def test_pkce_is_required_and_checked(client: TestClient) -> None:
    client_id, secret = register(client)
    sign_in(client, "ann@example.org")
    verifier, challenge = pkce()
    # no challenge at all, or the plain method: refused back to the app
    for extra in ({"code_challenge": ""}, {"code_challenge_method": "plain"}):
        url = authorize_query(client_id, challenge, **extra)
        refused = client.get(url, follow_redirects=False)
        assert refused.status_code == 302
        params = parse_qs(urlsplit(refused.headers["location"]).query)
        assert params["error"] == ["invalid_request"]
        assert params["state"] == ["st-123"]
    # a wrong verifier, then none: the code is spent by the first try
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    wrong = exchange(client, client_id, secret, code=code, code_verifier=pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    right_too_late = exchange(client, client_id, secret, code=code, code_verifier=verifier)
    assert right_too_late.status_code == 400
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    missing = exchange(client, client_id, secret, code=code)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


def test_a_code_works_once_and_its_reuse_revokes_what_it_gave(client: TestClient) -> None:
    client_id, secret = register(client)
    sign_in(client, "ann@example.org")
    verifier, challenge = pkce()
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    first = exchange(client, client_id, secret, code=code, code_verifier=verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).status_code == 200
    reused = exchange(client, client_id, secret, code=code, code_verifier=verifier)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).status_code == 401


def test_redirect_uris_must_match_at_both_ends(client: TestClient) -> None:
    client_id, secret = register(client)
    sign_in(client, "ann@example.org")
    verifier, challenge = pkce()
    # an unregistered redirect URI: an error page here, never a redirect there
    url = authorize_query(client_id, challenge, redirect_uri="https://evil.example/cb")
    page = client.get(url, follow_redirects=False)
    assert page.status_code == 400
    assert "cannot be connected" in page.text
    unknown_app = client.get(authorize_query("no-such-app", challenge), follow_redirects=False)
    assert unknown_app.status_code == 400
    # the token request must name the same redirect URI
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    other = exchange(
        client, client_id, secret, code=code, code_verifier=verifier,
        redirect_uri="https://wallet.example/other",
    )  # fmt: skip
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_grant"


def test_codes_and_tokens_expire(client: TestClient, clock: FixedClock) -> None:
    client_id, secret = register(client)
    sign_in(client, "ann@example.org")
    verifier, challenge = pkce()
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    clock.advance(seconds=601)
    late = exchange(client, client_id, secret, code=code, code_verifier=verifier)
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    tokens = exchange(client, client_id, secret, code=code, code_verifier=verifier).json()
    clock.advance(seconds=3601)
    expired = client.get("/ims/ob/v3p0/credentials", headers=bearer(tokens["access_token"]))
    assert_status_info(expired, 401, "unauthorizedrequest")
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, secret),
    )
    assert refreshed.status_code == 200  # the refresh token lives longer
    clock.advance(days=31)
    stale = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
        auth=(client_id, secret),
    )
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"


def test_a_token_without_the_scope_is_forbidden(client: TestClient) -> None:
    access = connect(client, scope=f"{OB}profile.readonly")["access_token"]
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).status_code == 200
    for method, path in (
        ("GET", "/ims/ob/v3p0/credentials"),
        ("POST", "/ims/ob/v3p0/credentials"),
        ("PUT", "/ims/ob/v3p0/profile"),
    ):
        response = client.request(method, path, json={}, headers=bearer(access))
        assert_status_info(response, 403, "forbidden")


def test_a_learner_never_sees_another_learners_credentials(client: TestClient) -> None:
    ann = connect(client)["access_token"]
    badge = ob_badge(ISSUER, name="Ann's own")
    assert (
        client.post("/ims/ob/v3p0/credentials", json=badge, headers=bearer(ann)).status_code == 201
    )
    bob = connect(client, email="bob@example.org")["access_token"]
    seen = client.get("/ims/ob/v3p0/credentials", headers=bearer(bob))
    assert seen.headers["x-total-count"] == "1"
    (only,) = seen.json()["credential"]
    assert "Ann" not in json.dumps(only)
    assert only["name"] == "Course 0"
    # the same credential id stored by Bob is Bob's own entry: Ann's stays as it was
    mine = client.post(
        "/ims/ob/v3p0/credentials", json={**badge, "name": "Bob's"}, headers=bearer(bob)
    )
    assert mine.status_code == 201
    ann_listed = client.get("/ims/ob/v3p0/credentials", headers=bearer(ann)).json()["credential"]
    assert ann_listed[-1]["name"] == "Ann's own"
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(bob)).json()["name"] == "Bob Learner"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"id": "urn:x", "type": ["VerifiableCredential"]}', "application/json"),
        (b'{"type": ["VerifiableCredential", "OpenBadgeCredential"]}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"not.a-jws", "text/plain"),
        (b"a.b.c", "text/plain"),
        (b"<credential/>", "application/xml"),
    ],
)
def test_malformed_credentials_are_400_status_info(
    client: TestClient, content: bytes, content_type: str
) -> None:
    access = connect(client)["access_token"]
    response = client.post(
        "/ims/ob/v3p0/credentials",
        content=content,
        headers={**bearer(access), "Content-Type": content_type},
    )
    assert_status_info(response, 400, "invalid_data")


def test_bad_queries_profiles_and_methods_are_status_info(client: TestClient) -> None:
    access = connect(client)["access_token"]
    for query in ("limit=0", "limit=x", "offset=-1", "since=yesterday", "since=2026-01-01T00:00"):
        response = client.get(f"/ims/ob/v3p0/credentials?{query}", headers=bearer(access))
        assert_status_info(response, 400, "invalid_query_parameter")
    profile = client.get("/ims/ob/v3p0/profile", headers=bearer(access)).json()
    for body in (
        {**profile, "email": "someone@else.example"},
        {**profile, "id": "urn:uuid:00000000-0000-4000-8000-000000000000"},
        {**profile, "telephone": "111-222-3333"},
        {**profile, "name": "  "},
        {k: v for k, v in profile.items() if k != "type"},
        [profile],
    ):
        response = client.put("/ims/ob/v3p0/profile", json=body, headers=bearer(access))
        assert_status_info(response, 400, "invalid_data")
    not_json = client.put(
        "/ims/ob/v3p0/profile",
        content=b"{",
        headers={**bearer(access), "Content-Type": "application/json"},
    )
    assert_status_info(not_json, 400, "invalid_data")
    assert_status_info(client.delete("/ims/ob/v3p0/credentials"), 405, "not_allowed")
    assert_status_info(client.get("/ims/ob/v3p0/nothing"), 404, "not_found")
    assert_status_info(client.get("/ims/ob/v3p0/credentials"), 401, "unauthorizedrequest")
    assert_status_info(
        client.get("/ims/ob/v3p0/profile", headers={"Authorization": "Basic eDp5"}),
        401,
        "unauthorizedrequest",
    )


def test_registration_refuses_what_ob_does_not_allow(client: TestClient) -> None:
    for changes in (
        {"client_uri": None},
        {"redirect_uris": ["http://wallet.example/cb"]},
        {"logo_uri": "https://elsewhere.example/logo.png"},
        {"scope": "https://example.org/not-a-scope"},
        {"grant_types": ["client_credentials"]},
        {"token_endpoint_auth_method": "none"},
    ):
        response = client.post("/oauth/register", json=registration(**changes))
        assert response.status_code == 400, (changes, response.text)
        assert response.json()["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
    for junk in (b"", b"[]", b"{", b'"x"'):
        response = client.post(
            "/oauth/register", content=junk, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert "error" in response.json()


def test_authorizing_needs_a_signed_in_learner_and_a_real_form(client: TestClient) -> None:
    client_id, _ = register(client)
    _, challenge = pkce()
    url = authorize_query(client_id, challenge)
    to_login = client.get(url, follow_redirects=False)
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith("/login?next=%2Foauth%2Fauthorize")
    # signing in there brings the learner back to the consent page
    login_page = client.get(to_login.headers["location"])
    form = {
        "email": "ann@example.org",
        "password": PASSWORD,
        "csrf": csrf_of(login_page.text),
        "next": re.search(r'name="next" value="([^"]+)"', login_page.text).group(1),  # type: ignore[union-attr]
    }
    back = client.post("/login", data=form, follow_redirects=False)
    assert back.status_code == 303
    assert back.headers["location"].replace("&amp;", "&") == url
    # a forged form (no CSRF token of this session) is refused; denying tells the app so
    forged = client.post(
        "/oauth/authorize",
        data={"csrf": "forged", "request_query": url.split("?", 1)[1], "decision": "allow"},
    )
    assert forged.status_code == 403
    denied = consent(client, url, decision="deny")
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    # a login page never sends anyone to another site
    evil = client.get("/login?next=//evil.example/")
    assert 'name="next" value="/account"' in evil.text


def test_token_endpoint_refuses_bad_clients_and_bodies(client: TestClient) -> None:
    client_id, _ = register(client)
    wrong = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": "x"},
        auth=(client_id, "no"),
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    not_form = client.post("/oauth/token", json={"grant_type": "authorization_code"})
    assert not_form.status_code == 400
    assert not_form.json()["error"] == "invalid_request"
    unreadable = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code"},
        headers={"Authorization": "Basic //79"},
    )
    assert unreadable.status_code == 401
    grant = client.post("/oauth/token", data={"grant_type": "password"}, auth=(client_id, "no"))
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"
    for endpoint in ("/oauth/token", "/oauth/revoke"):  # found by schemathesis on PostgreSQL
        odd = client.post(endpoint, data={"client_id": "\x00", "client_secret": "0", "token": "t"})
        assert odd.status_code in (400, 401), (endpoint, odd.text)
        assert odd.json()["error"] in ("invalid_client", "unsupported_grant_type")


def test_discovery_documents_follow_the_service_description_shape(client: TestClient) -> None:
    for base, scopes in (("/ims/ob/v3p0", OB), ("/ims/clr/v2p0", CLR)):
        response = client.get(f"{base}/discovery")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"].startswith("3.0")
        info = document["info"]
        for field in ("title", "version", "termsOfService", "x-imssf-privacyPolicyUrl"):
            assert isinstance(info[field], str)
            assert info[field]
        scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
        assert scheme["type"] == "oauth2"
        for field in ("x-imssf-name", "x-imssf-privacyPolicyUrl", "x-imssf-termsOfServiceUrl"):
            assert scheme[field]
        assert scheme["x-imssf-registrationUrl"].endswith("/oauth/register")
        flow = scheme["flows"]["authorizationCode"]
        assert flow["authorizationUrl"].endswith("/oauth/authorize")
        assert flow["tokenUrl"].endswith("/oauth/token")
        assert flow["refreshUrl"] == flow["tokenUrl"]
        assert sorted(flow["scopes"]) == sorted(
            scopes + op
            for op in (
                "credential.readonly",
                "credential.upsert",
                "profile.readonly",
                "profile.update",
            )
        )
        assert {"/credentials", "/profile", "/discovery"} <= set(document["paths"])
        assert document["servers"][0]["url"].endswith(base)


def test_an_unexpected_failure_is_a_500_status_info_without_a_trace(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    access = connect(client)["access_token"]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr("credstack.services.learner_api.learner_credentials", broken)
    response = client.get("/ims/ob/v3p0/credentials", headers=bearer(access))
    assert_status_info(response, 500, "internal_server_error")
    assert "secret detail" not in response.text


def test_secrets_codes_and_tokens_are_stored_only_as_hashes(
    client: TestClient, deps: ServiceDeps
) -> None:
    client_id, secret = register(client)
    sign_in(client, "ann@example.org")
    verifier, challenge = pkce()
    code = code_from(consent(client, authorize_query(client_id, challenge)))
    tokens = exchange(client, client_id, secret, code=code, code_verifier=verifier).json()
    engine = deps.uow.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        stored = " ".join(
            str(row)
            for table in ("oauth_clients", "oauth_codes", "oauth_tokens")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert client_id in stored  # the rows are there
    for clear in (secret, code, tokens["access_token"], tokens["refresh_token"]):
        assert clear not in stored
        assert hashlib.sha256(clear.encode()).hexdigest() in stored
