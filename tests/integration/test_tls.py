"""The web service over HTTPS (`credstack serve --tls-cert --tls-key`), as the W3C VC API test
suites reach it: a real server process, a certificate from a test authority, a did:key issuer,
issue, verify, revoke and verify again, a presentation, the status list as others fetch it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credstack.bootstrap import build_services
from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.issuers import create_issuer
from credstack.settings import Settings
from credstack.vc import Ed25519KeyPair, did_key_for
from credstack.vc.data_integrity import ProofOptions, add_proof
from tests.servers import free_port

UNSECURED = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner"},
}


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test authority and a server certificate it signed for 127.0.0.1 and localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("credstack test CA"))
        .issuer_name(_name("credstack test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class Server:
    base: str
    client: httpx.Client
    token: str
    did: str


def _prepare(data: Path, base: str) -> tuple[str, str]:
    """The organisation (did:key), a published definition and an owner's API token."""
    deps = build_services(Settings(data_dir=data, base_url=base))
    create_issuer(deps, id="acme", name="Acme", country_code="NL")
    save_achievement(
        deps,
        "acme",
        AchievementSpec(id="tls-101", name="TLS", description="A course.", criteria="Pass."),
    )
    publish_achievement(deps, "tls-101")
    create_user(deps, email="owner@acme.example", name="Olga")
    set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    scopes = {"awards:read", "awards:write", "status:write"}
    _, token = create_token(
        deps, email="owner@acme.example", issuer_id="acme", name="suite", scopes=scopes
    )
    with deps.uow() as uow:
        did = uow.issuers.get("acme").did
    return token, did


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("tls")
    ca, cert, key = _certificates(folder)
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    token, did = _prepare(folder / "data", base)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(folder),
        "CREDSTACK_DATA_DIR": str(folder / "data"),
        "CREDSTACK_BASE_URL": base,
    }
    command = [str(Path(sys.executable).parent / "credstack"), "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--tls-cert", str(cert), "--tls-key", str(key)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    trust = ssl.create_default_context(cafile=str(ca))
    client = httpx.Client(base_url=base, verify=trust, timeout=30)
    try:
        _wait(client, process)
        yield Server(base, client, token, did)
    finally:
        client.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"the server stopped: {errors[-2000:]}")
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def _auth(server: Server) -> dict[str, str]:
    return {"authorization": f"Bearer {server.token}"}


def test_the_certificate_is_checked_and_plain_http_is_not_served(server: Server) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base}/healthz", timeout=10)  # the system's trust: not our CA
    with pytest.raises(httpx.TransportError):
        httpx.get(server.base.replace("https://", "http://") + "/healthz", timeout=10)


def test_the_vc_api_issues_with_a_did_key_issuer_and_verifies_over_https(server: Server) -> None:
    issued = server.client.post(
        "/credentials/issue",
        json={"credential": {**UNSECURED, "issuer": server.did}, "options": {}},
        headers=_auth(server),
    )
    assert issued.status_code == 201, issued.text
    signed = issued.json()["verifiableCredential"]
    assert signed["issuer"] == server.did
    assert server.did.startswith("did:key:z6Mk")
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    checked = server.client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert checked.status_code == 200
    assert checked.json()["verified"] is True
    tampered = {**signed, "credentialSubject": {"id": "did:example:someone-else"}}
    refused = server.client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert refused.json()["verified"] is False


def test_a_badge_is_revoked_over_https_and_its_list_is_served_to_others(server: Server) -> None:
    body = {"achievement": "tls-101", "recipient": {"email": "learner@example.org"}}
    created = server.client.post(
        "/api/v1/organisations/acme/awards", json=body, headers=_auth(server)
    )
    assert created.status_code == 201, created.text
    award = created.json()
    credential = award["credential"]
    statuses = credential["credentialStatus"]
    entries = statuses if isinstance(statuses, list) else [statuses]
    list_url = entries[0]["statusListCredential"]
    assert list_url.startswith(f"{server.base}/status/acme/")
    published = server.client.get(list_url.removeprefix(server.base))
    assert published.status_code == 200
    assert "max-age" in published.headers["cache-control"]
    assert published.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    first = server.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert first.json()["verified"] is True, first.text
    update = {
        "credentialId": credential["id"],
        "credentialStatus": {"type": "BitstringStatusList", "statusPurpose": "revocation"},
        "status": True,
    }
    revoked = server.client.post("/credentials/status", json=update, headers=_auth(server))
    assert revoked.status_code == 200, revoked.text
    time.sleep(2.5)  # the server re-reads its own lists at most every 2 s (STATUS_MAX_AGE)
    again = server.client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert again.json()["verified"] is False


def test_a_holders_presentation_verifies_over_https(server: Server) -> None:
    pair = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = did_key_for(pair.public_key)
    holder = pair.with_id(f"{did}#{pair.public_multibase}", did)
    issued = server.client.post(
        "/credentials/issue",
        json={"credential": {**UNSECURED, "credentialSubject": {"id": did}}},
        headers=_auth(server),
    ).json()["verifiableCredential"]
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [issued],
    }
    options = ProofOptions(
        proof_purpose="authentication",
        challenge="suite-challenge",
        domain="verifier.example",
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    signed = add_proof(presentation, holder, options)
    body = {
        "verifiablePresentation": signed,
        "options": {"challenge": "suite-challenge", "domain": "verifier.example"},
    }
    checked = server.client.post("/presentations/verify", json=body)
    assert checked.status_code == 200, checked.text
    assert checked.json()["verified"] is True, checked.text


def test_the_suites_oauth2_client_gets_a_token_and_issues_over_https(server: Server) -> None:
    """The suites' `oauth2` configuration: clientId = the token's id, clientSecret = the part
    after its dot, tokenEndpoint = /api/v1/oauth/token (client credentials, form-encoded)."""
    token_id, _, secret = server.token.removeprefix("cst_").partition(".")
    form = {
        "client_id": token_id,
        "client_secret": secret,
        "grant_type": "client_credentials",
        "audience": server.base,
    }
    answer = server.client.post("/api/v1/oauth/token", data=form)
    assert answer.status_code == 200, answer.text
    access = answer.json()["access_token"]
    issued = server.client.post(
        "/credentials/issue",
        json={"credential": {**UNSECURED, "issuer": server.did}},
        headers={"authorization": f"Bearer {access}"},
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["verifiableCredential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
