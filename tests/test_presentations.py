"""Verifying presentations: the holder's proof (purpose, challenge, domain, holder) and the
credentials inside."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from credstack.vc import Ed25519KeyPair, Outcome, did_key_for, sign_credential
from credstack.vc.data_integrity import ProofOptions, add_proof
from credstack.vc.presentations import verify_presentation
from tests.conftest import ob_badge

NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
CREATED = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


def key(seed: int) -> Ed25519KeyPair:
    pair = Ed25519KeyPair.from_seed(bytes([seed]) * 32)
    did = did_key_for(pair.public_key)
    return pair.with_id(f"{did}#{pair.public_multibase}", did)


ISSUER, HOLDER = key(1), key(2)


def presentation(
    *, challenge: str = "c-1", domain: str = "verifier.example", **extra: Any
) -> dict[str, Any]:
    credential = sign_credential(ob_badge(ISSUER.controller), ISSUER, created=CREATED)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.controller,
        "verifiableCredential": [credential],
        **extra,
    }
    options = ProofOptions(
        created=CREATED, proof_purpose="authentication", challenge=challenge, domain=domain
    )
    return add_proof(unsigned, HOLDER, options)


def outcomes(report: Any) -> dict[str, Outcome]:
    return {c.name: c.outcome for c in report.checks}


def test_a_presentation_by_its_holder_with_the_challenge_verifies() -> None:
    report = verify_presentation(
        presentation(), now=NOW, challenge="c-1", domain="verifier.example"
    )
    assert outcomes(report) == {
        "json-ld": Outcome.PASSED,
        "proof": Outcome.PASSED,
        "challenge": Outcome.PASSED,
        "domain": Outcome.PASSED,
        "holder": Outcome.PASSED,
    }
    assert len(report.credentials) == 1
    assert report.credentials[0].valid
    assert report.valid


@pytest.mark.parametrize(
    ("kwargs", "failed"),
    [
        ({"challenge": "c-2"}, "challenge"),
        ({"domain": "elsewhere.example"}, "domain"),
    ],
)
def test_a_replayed_presentation_fails(kwargs: dict[str, str], failed: str) -> None:
    report = verify_presentation(presentation(), now=NOW, **kwargs)
    assert outcomes(report)[failed] is Outcome.FAILED
    assert not report.valid


def test_changing_what_is_presented_breaks_the_proof() -> None:
    vp = presentation()
    vp["holder"] = ISSUER.controller
    report = verify_presentation(vp, now=NOW)
    assert outcomes(report)["proof"] is Outcome.FAILED
    assert not report.valid


def test_a_tampered_credential_inside_fails_the_presentation() -> None:
    vp = presentation()
    inner = copy.deepcopy(vp["verifiableCredential"][0])
    inner["name"] = "Something else"
    vp_tampered = {k: v for k, v in vp.items() if k != "proof"}
    vp_tampered["verifiableCredential"] = [inner]
    signed = add_proof(
        vp_tampered,
        HOLDER,
        ProofOptions(created=CREATED, proof_purpose="authentication", challenge="c-1"),
    )
    report = verify_presentation(signed, now=NOW, challenge="c-1")
    assert outcomes(report)["proof"] is Outcome.PASSED  # the holder's proof is fine
    assert not report.credentials[0].valid
    assert not report.valid


def test_a_proof_for_another_purpose_or_none_at_all() -> None:
    unsigned = {k: v for k, v in presentation().items() if k != "proof"}
    assertion = add_proof(unsigned, HOLDER, ProofOptions(created=CREATED))
    assert outcomes(verify_presentation(assertion, now=NOW))["proof"] is Outcome.FAILED
    assert outcomes(verify_presentation(unsigned, now=NOW))["proof"] is Outcome.FAILED
    proofless = verify_presentation(unsigned, now=NOW, require_proof=False)
    assert outcomes(proofless)["proof"] is Outcome.NOT_CHECKED
    assert proofless.valid


@pytest.mark.parametrize("value", [[], "text", {"type": ["VerifiableCredential"]}])
def test_what_is_no_presentation_is_refused(value: Any) -> None:
    report = verify_presentation(value, now=NOW, require_proof=False)
    assert not report.valid
