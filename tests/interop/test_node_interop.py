"""credstack and Digital Bazaar's JS stack accept each other's Data Integrity proofs.

The reference is ``@digitalbazaar/vc`` 7 with ``@digitalbazaar/data-integrity`` and the
eddsa-rdfc-2022 / eddsa-jcs-2022 cryptosuites (see ``package.json``), driven by ``vc_tool.mjs``
with an offline document loader. Each test signs on one side and verifies on the other; since
Ed25519 is deterministic (RFC 8032), both sides signing the same document with the same key and
``created`` must also produce the same proofValue, which pins down every byte that is hashed.

Known disagreements are ``xfail(strict=True)``: they are reported, and the test turns red as
soon as credstack is fixed so that the mark gets removed.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from typing import TYPE_CHECKING, Any

import pytest

from credstack.vc import Ed25519KeyPair, canonicalize, did_key_for, sign_credential, verify_proofs

if TYPE_CHECKING:
    from tests.interop.conftest import NodeVC

pytestmark = pytest.mark.interop

SEED = bytes(range(32))
CREATED = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"


def issuer_key(seed: bytes = SEED) -> Ed25519KeyPair:
    """The did:key issuer of ``seed``: method id ``did:key:z6Mk...#z6Mk...``."""
    key = Ed25519KeyPair.from_seed(seed)
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def ob_credential(issuer: str) -> dict[str, Any]:
    """An unsigned OB 3.0 OpenBadgeCredential (VC 2.0 + OB 3.0.3 contexts) from ``issuer``."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7f1e8c52-3a55-4d0a-9a43-5b1f2c0d9e01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "Example Community College",
            "url": "https://college.example/",
        },
        "validFrom": "2024-05-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "activityEndDate": "2024-04-30T00:00:00Z",
            "achievement": {
                "id": "https://college.example/achievements/teamwork",
                "type": ["Achievement"],
                "achievementType": "Badge",
                "name": "Teamwork",
                "description": "Works well in a team of four or more.",
                "criteria": {"narrative": "Completed three group projects with peer review."},
                "image": {
                    "id": "https://college.example/achievements/teamwork.png",
                    "type": "Image",
                },
                "tag": ["collaboration", "soft skills"],
            },
        },
    }


def tampered(credential: dict[str, Any]) -> dict[str, Any]:
    """The signed ``credential`` with the achievement renamed after signing."""
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["name"] = "Leadership"
    return changed


def credstack_sign(credential: dict[str, Any], cryptosuite: str) -> dict[str, Any]:
    return sign_credential(credential, issuer_key(), created=CREATED, cryptosuite=cryptosuite)


def credstack_verdict(credential: dict[str, Any]) -> tuple[bool, str]:
    results = verify_proofs(credential)
    assert len(results) == 1
    return results[0].verified, results[0].message


def nquads_diff(node_vc: NodeVC, document: dict[str, Any]) -> str:
    """The canonical N-Quads lines on which credstack and rdf-canonize differ (for messages)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    ours = canonicalize(unsecured).split("\n")
    theirs = node_vc.canonize(unsecured).split("\n")
    diff = difflib.unified_diff(theirs, ours, "rdf-canonize", "credstack", lineterm="", n=0)
    return "\n".join(ascii(line) for line in diff) or "(document N-Quads are identical)"


@pytest.fixture(scope="module")
def node_signed(node_vc: NodeVC) -> dict[str, dict[str, Any]]:
    """The OB credential as Node signs it, per cryptosuite (signed once, shared by tests)."""
    credential = ob_credential(issuer_key().controller)
    return {
        suite: node_vc.sign(credential, SEED, created=CREATED, cryptosuite=suite)
        for suite in (RDFC, JCS)
    }


# (1) credstack signs, Node verifies.
@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_node_verifies_credstack_credential(node_vc: NodeVC, suite: str) -> None:
    signed = credstack_sign(ob_credential(issuer_key().controller), suite)

    verdict = node_vc.verify(signed)

    assert verdict.verified, f"Node rejected credstack's {suite} proof: {verdict.error}"


# (2) Node signs, credstack verifies.
@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_credstack_verifies_node_credential(
    node_vc: NodeVC, node_signed: dict[str, dict[str, Any]], suite: str
) -> None:
    signed = node_signed[suite]
    assert signed["proof"]["cryptosuite"] == suite
    assert signed["proof"]["verificationMethod"] == issuer_key().id

    results = verify_proofs(signed)

    assert [r.verified for r in results] == [True], results[0].message
    assert results[0].method is not None
    assert results[0].method.authorized is True  # the did:key document lists it as assertionMethod
    # The Node tool's own verifier agrees, so (1) fails only for credstack-specific reasons.
    assert node_vc.verify(signed).verified


# (3) A change after signing is caught by both verifiers, whoever signed.
@pytest.mark.parametrize("suite", [RDFC, JCS])
@pytest.mark.parametrize("signer", ["credstack", "node"])
def test_tampered_credential_rejected_by_both(
    node_vc: NodeVC, node_signed: dict[str, dict[str, Any]], suite: str, signer: str
) -> None:
    if signer == "credstack":
        signed = credstack_sign(ob_credential(issuer_key().controller), suite)
    else:
        signed = node_signed[suite]
    assert credstack_verdict(signed)[0], "precondition: the untampered credential verifies"
    forged = tampered(signed)

    ok, message = credstack_verdict(forged)
    verdict = node_vc.verify(forged)

    assert not ok
    assert "signature does not match" in message
    assert not verdict.verified
    assert verdict.error


# (4) Same document, key and created: the same bytes are signed, so the same proofValue.
@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_same_proof_value_as_node(node_signed: dict[str, dict[str, Any]], suite: str) -> None:
    theirs = node_signed[suite]
    credential = {k: v for k, v in theirs.items() if k != "proof"}

    ours = credstack_sign(credential, suite)

    assert ours["proof"]["proofValue"] == theirs["proof"]["proofValue"]


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_same_proof_object_as_node(node_signed: dict[str, dict[str, Any]], suite: str) -> None:
    theirs = node_signed[suite]
    credential = {k: v for k, v in theirs.items() if k != "proof"}

    ours = credstack_sign(credential, suite)

    assert ours["proof"] == theirs["proof"]


# (4b) The same for values where canonicalisers are known to diverge: numbers under an
# xsd:float coercion (canonical double lexical form), non-ASCII text, escapes.
EDGE_CASES = [
    ("xsd-float-fraction", "creditsAvailable", 1.5),
    ("xsd-float-integer", "creditsAvailable", 3),
    ("xsd-float-exponent", "creditsAvailable", 1e21),
    ("xsd-float-inexact", "creditsAvailable", 0.1),
    (
        "unicode-and-echar",
        "description",
        'Zürich — 日本語 😀 "quoted" back\\slash\ttab\nnewline\rreturn \u2028 \ufeff',
    ),
    (
        # RDFC-1.0 writes these as \\b \\f and \\u0000-style UCHARs (credstack ADR 0004).
        "control-characters",
        "description",
        "nul\u0000 bell\u0007 backspace\b formfeed\f vtab\u000b unit-sep\u001f delete\u007f",
    ),
]


@pytest.mark.parametrize(
    ("field", "value"), [pytest.param(f, v, id=case) for case, f, v in EDGE_CASES]
)
@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_edge_values_sign_identically(node_vc: NodeVC, suite: str, field: str, value: Any) -> None:
    credential = ob_credential(issuer_key().controller)
    credential["credentialSubject"]["achievement"][field] = value

    theirs = node_vc.sign(credential, SEED, created=CREATED, cryptosuite=suite)
    ours = credstack_sign(credential, suite)

    if ours["proof"]["proofValue"] != theirs["proof"]["proofValue"]:
        detail = nquads_diff(node_vc, credential) if suite == RDFC else "(JCS bytes differ)"
        pytest.fail(f"{suite} proofValues differ for {field}={value!r}:\n{detail}")
    assert credstack_verdict(theirs)[0]
