"""The web service, driven in-process (TestClient) on SQLite and PostgreSQL, and once as a
real uvicorn process on a free port."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.status import StatusAction
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.status import change_status
from credstack.vc import Ed25519KeyPair, did_key_for, unbake
from credstack.vc.data_integrity import ProofOptions, add_proof
from credstack.vc.fetching import MappingFetcher
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.servers import free_port, wait_until_up

ISSUER = "uni-example"
ACHIEVEMENT = "data-101"
SPEC = AchievementSpec(
    id=ACHIEVEMENT,
    name="Introduction to Data Science",
    description="Tidy data, plots and a first model.",
    criteria="Pass the final project.",
)
PROBLEM = "application/problem+json"


@pytest.fixture
def issued(deps: ServiceDeps) -> ServiceDeps:
    create_issuer(deps, id=ISSUER, name="University of Example", country_code="AT")
    save_achievement(deps, ISSUER, SPEC)
    publish_achievement(deps, ACHIEVEMENT)
    return deps


@pytest.fixture
def award(issued: ServiceDeps) -> Award:
    recipient = Recipient.parse("ann@example.org", name="Ann Learner")
    return issue_award(issued, AwardRequest(ACHIEVEMENT, recipient))


@pytest.fixture
def client(issued: ServiceDeps, clock: FixedClock) -> Iterator[TestClient]:
    def later() -> dt.datetime:
        return clock.now() + dt.timedelta(minutes=1)

    app = create_app(issued, clock=later, max_body=50_000)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_problem(response: httpx.Response, status: int, detail_part: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("https://w3id.org/credstack/problems#")
    assert detail_part in problem["detail"]
    assert "Traceback" not in response.text
    return problem


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_the_vc_api_verifies_a_credential_and_says_why_one_fails(
    client: TestClient, award: Award
) -> None:
    credential = json.loads(award.credential)
    good = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert good.status_code == 200
    result = good.json()
    assert result["verified"] is True
    assert result["problemDetails"] == []
    assert result["credential"] == credential
    assert all(entry["valid"] for entry in result["results"]["proof"])

    credential["name"] = "Advanced Data Science"  # changed after signing
    bad = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert bad.status_code == 200  # the verification ran; the credential failed it
    assert bad.json()["verified"] is False
    kinds = {problem["type"] for problem in bad.json()["problemDetails"]}
    assert "https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR" in kinds


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "verifiableCredential must be a JSON object"),
        ({"verifiableCredential": "eyJ..."}, "verifiableCredential must be a JSON object"),
        ({"verifiableCredential": {}, "options": []}, "options must be a JSON object"),
        ([1, 2], "body"),
    ],
)
def test_a_request_without_a_credential_is_a_400_problem(
    client: TestClient, body: Any, detail: str
) -> None:
    assert_problem(client.post("/credentials/verify", json=body), 400, detail)


def test_malformed_json_is_a_400_problem(client: TestClient) -> None:
    response = client.post(
        "/credentials/verify",
        content=b'{"verifiableCredential": ',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 400, "")


def test_oversized_bodies_are_refused_declared_or_streamed(client: TestClient) -> None:
    big = b'{"verifiableCredential": {"name": "' + b"x" * 60_000 + b'"}}'
    declared = client.post(
        "/credentials/verify", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(declared, 413, "larger than 50,000 bytes")

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 8_192):
            yield big[start : start + 8_192]

    streamed = client.post(
        "/credentials/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(streamed, 413, "larger than 50,000 bytes")


def test_the_credential_page_shows_what_it_certifies_and_that_it_verifies(
    client: TestClient, award: Award
) -> None:
    page = client.get(f"/credentials/{award.id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Introduction to Data Science" in html
    assert "University of Example" in html
    assert "Ann Learner" in html
    assert "Verified: this credential is genuine" in html
    assert "Pass the final project." in html
    for fmt in ("json", "png", "svg"):
        assert f"/credentials/{award.id}/download/{fmt}" in html
    link = next(part for part in html.split('"') if part.startswith("https://www.linkedin.com"))
    fields = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert fields["name"] == ["Introduction to Data Science"]
    assert fields["organizationName"] == ["University of Example"]
    assert fields["certId"] == [award.id]
    assert fields["issueYear"] == ["2026"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/vc",
        "application/ld+json",
        "application/json",
        "text/html;q=0.5, application/json",
    ],
)
def test_machines_get_the_signed_credential_byte_for_byte(
    client: TestClient, award: Award, accept: str
) -> None:
    response = client.get(f"/credentials/{award.id}", headers={"accept": accept})
    assert response.status_code == 200
    assert response.content == award.credential.encode("utf-8")
    assert response.headers["vary"] == "Accept"


def test_downloads_carry_the_credential(client: TestClient, award: Award) -> None:
    as_json = client.get(f"/credentials/{award.id}/download/json")
    assert as_json.content == award.credential.encode("utf-8")
    assert "attachment" in as_json.headers["content-disposition"]
    for fmt, media in (("png", "image/png"), ("svg", "image/svg+xml")):
        image = client.get(f"/credentials/{award.id}/download/{fmt}")
        assert image.headers["content-type"] == media
        assert json.loads(unbake(image.content)) == json.loads(award.credential)
    assert_problem(client.get(f"/credentials/{award.id}/download/gif"), 404, "gif")


def test_an_unknown_credential_route_or_method_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/credentials/00000000-0000-0000-0000-000000000000"), 404, "")
    assert_problem(client.get("/nowhere"), 404, "")
    assert_problem(client.delete("/credentials/verify"), 405, "")


def test_status_lists_are_served_with_cache_headers_and_a_revocation_shows(
    client: TestClient, award: Award, issued: ServiceDeps
) -> None:
    entries = json.loads(award.credential)["credentialStatus"]
    url = next(e["statusListCredential"] for e in entries if e["statusPurpose"] == "revocation")
    path = urlsplit(url).path
    listed = client.get(path)
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "public, max-age=300"
    assert json.loads(listed.text)["type"] == [
        "VerifiableCredential",
        "BitstringStatusListCredential",
    ]
    assert_problem(client.get(f"/status/{ISSUER}/9/revocation.json"), 404, "no status list 9")
    assert_problem(client.get(f"/status/{ISSUER}/1/expiry.json"), 404, "expiry")

    change_status(
        issued, award.id, StatusAction.REVOKE, reason="issued in error", actor="registrar"
    )
    page = client.get(f"/credentials/{award.id}", headers={"accept": "text/html"}).text
    assert "Not verified" in page
    assert "issued in error" in page


def test_a_bug_is_a_500_problem_without_a_trace(
    client: TestClient, award: Award, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("credstack.web.public.show_award", broken)
    problem = assert_problem(client.get(f"/credentials/{award.id}"), 500, "did not expect")
    assert "secret internals" not in json.dumps(problem)


def test_the_openapi_document_describes_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/credentials/verify", "/credentials/{award_id}", "/healthz"} <= set(paths)


def test_the_verify_page_checks_a_file_pasted_text_or_a_url(
    issued: ServiceDeps, award: Award, clock: FixedClock
) -> None:
    published_at = "https://wallet.example/ann/badge.json"
    app = create_app(
        issued,
        clock=lambda: clock.now() + dt.timedelta(minutes=1),
        fetcher=MappingFetcher({published_at: award.credential}),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        form = client.get("/verify")
        assert form.status_code == 200
        assert 'enctype="multipart/form-data"' in form.text
        baked = client.get(f"/credentials/{award.id}/download/png").content
        as_file = client.post("/verify", files={"file": ("badge.png", baked, "image/png")})
        assert "Verified: this credential is genuine" in as_file.text
        assert "the file badge.png" in as_file.text
        tampered = json.loads(award.credential)
        tampered["name"] = "Something else"
        as_text = client.post("/verify", data={"text": json.dumps(tampered)})
        assert "Not verified" in as_text.text
        by_url = client.post("/verify", data={"url": published_at})
        assert "Verified: this credential is genuine" in by_url.text
        missing = client.post("/verify", data={"url": "https://wallet.example/nothing.json"})
        assert_problem(missing, 400, "404")
        assert_problem(client.post("/verify", data={}), 400, "give a credential")


def test_a_did_web_issuer_is_published_at_its_host(deps: ServiceDeps, client: TestClient) -> None:
    create_issuer(
        deps, id="web-academy", name="Web Academy", country_code="NL", domain="testserver"
    )
    document = client.get("/.well-known/did.json")
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/did+json")
    assert document.json()["id"] == "did:web:testserver"
    assert document.json()["assertionMethod"]
    other = client.get("/.well-known/did.json", headers={"host": "elsewhere.example"})
    assert_problem(other, 404, "did:web:elsewhere.example")


def test_the_vc_api_verifies_a_presentation_and_the_credentials_in_it(
    client: TestClient, award: Award
) -> None:
    holder = Ed25519KeyPair.from_seed(bytes([7]) * 32)
    did = did_key_for(holder.public_key)
    holder = holder.with_id(f"{did}#{holder.public_multibase}", did)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [json.loads(award.credential)],
    }
    options = ProofOptions(
        created=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC),
        proof_purpose="authentication",
        challenge="nonce-1",
    )
    vp = add_proof(unsigned, holder, options)
    good = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": "nonce-1"}},
    )
    assert good.status_code == 200, good.text
    assert good.json()["verified"] is True
    assert good.json()["credentialResults"][0]["verified"] is True
    replay = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": "nonce-2"}},
    )
    assert replay.json()["verified"] is False
    proofless = client.post("/presentations/verify", json={"presentation": unsigned})
    assert proofless.json()["verified"] is True
    assert_problem(client.post("/presentations/verify", json={}), 400, "verifiablePresentation")
    bad_options = {"verifiablePresentation": vp, "options": {"challenge": 5}}
    assert_problem(client.post("/presentations/verify", json=bad_options), 400, "challenge")


def test_issuer_and_achievement_pages_for_people_and_programs(
    client: TestClient, issued: ServiceDeps
) -> None:
    page = client.get(f"/issuers/{ISSUER}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "University of Example" in page.text
    assert f'href="/achievements/{ACHIEVEMENT}/versions/1"' in page.text
    profile = client.get(f"/issuers/{ISSUER}", headers={"accept": "application/ld+json"}).json()
    assert profile["type"] == ["Profile"]
    assert profile["id"].startswith("did:key:")
    latest = client.get(f"/achievements/{ACHIEVEMENT}", follow_redirects=False)
    assert latest.status_code == 303
    assert latest.headers["location"] == f"/achievements/{ACHIEVEMENT}/versions/1"
    html = client.get(latest.headers["location"], headers={"accept": "text/html"}).text
    assert "Introduction to Data Science" in html
    assert "Pass the final project." in html
    assert f'href="/issuers/{ISSUER}"' in html
    document = client.get(latest.headers["location"], headers={"accept": "application/json"})
    assert document.json()["type"] == ["Achievement"]
    assert document.json()["name"] == "Introduction to Data Science"
    draft = SPEC.model_copy(update={"id": "draft-1", "name": "Not yet"})
    save_achievement(issued, ISSUER, draft)
    assert_problem(client.get("/achievements/draft-1"), 404, "no published achievement")
    assert_problem(client.get("/achievements/draft-1/versions/1"), 404, "no published version")
    assert_problem(client.get("/issuers/nobody"), 404, "")


def test_the_served_app_fetches_only_when_the_settings_allow(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credstack.adapters.http_fetcher import HttpFetcher
    from credstack.web.app import app_from_settings

    monkeypatch.setenv("CREDSTACK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CREDSTACK_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setattr("gc.freeze", lambda: None)  # a server's start-up step, not a test's
    assert isinstance(app_from_settings().state.fetcher, HttpFetcher)
    monkeypatch.setenv("CREDSTACK_FETCH_REMOTE", "false")
    offline = app_from_settings()
    assert offline.state.fetcher is None
    with TestClient(offline, raise_server_exceptions=False) as client:
        refused = client.post("/verify", data={"url": "https://wallet.example/badge.json"})
        assert_problem(refused, 400, "does not fetch URLs")


def test_credstack_serve_runs_a_real_server(award: Award, settings: Any, tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "CREDSTACK_DATA_DIR": str(settings.data_dir),
        "CREDSTACK_DATABASE_URL": settings.resolved_database_url,
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "credstack"), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server)
        got = httpx.get(f"{base}/credentials/{award.id}", headers={"accept": "application/vc"})
        assert got.content == award.credential.encode("utf-8")
        verified = httpx.post(
            f"{base}/credentials/verify",
            json={"verifiableCredential": json.loads(award.credential)},
        )
        assert verified.json()["verified"] is True
    finally:
        server.terminate()
        server.wait(timeout=10)
