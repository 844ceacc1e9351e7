"""``domain.recognition``'s rules without storage: when a verified credential stands, and
what its achievement says about credit and EQF level."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from credstack.domain.errors import InvalidInputError
from credstack.domain.holdings import Credit, CreditUnit
from credstack.domain.recognition import (
    Equivalence,
    RecognisedIssuer,
    Verification,
    VerificationCheck,
    credential_credits,
    credential_eqf_level,
    standing_of,
)

T0 = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
GOOD = (
    VerificationCheck("parse", "passed", "JSON"),
    VerificationCheck("proof", "passed", "signed"),
    VerificationCheck("key authorised", "passed", "ok"),
    VerificationCheck("issuer match", "passed", "ok"),
    VerificationCheck("validity", "passed", "within"),
)


def verification(*checks: VerificationCheck) -> Verification:
    return Verification(T0, "valid", checks)


def test_a_fully_checked_credential_stands() -> None:
    status = VerificationCheck("status", "passed", "not revoked")
    assert standing_of(verification(*GOOD, status)) == (
        True,
        "verified: signature, status and validity",
    )


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        (
            VerificationCheck("status", "not checked", "not fetched (offline)"),
            "its status is not known",
        ),
        (VerificationCheck("status", "warning", "could not be read"), "its status is not known"),
        (
            VerificationCheck("status", "failed", "Revoked on 2026-11-01: fraud"),
            "revoked on 2026-11-01",
        ),
        (VerificationCheck("validity", "failed", "expired on 2026-06-30"), "expired on 2026-06-30"),
        (VerificationCheck("issuer match", "warning", "another controller"), "not confirmed"),
        (VerificationCheck("data model", "failed", "no name"), "it does not verify (data model)"),
    ],
)
def test_what_keeps_a_credential_from_standing(check: VerificationCheck, reason: str) -> None:
    stands, why = standing_of(verification(*GOOD, check))
    assert not stands
    assert reason in why


def test_a_signature_that_could_not_be_checked_does_not_stand() -> None:
    unchecked = VerificationCheck("proof", "not checked", "did:web document not fetched")
    stands, why = standing_of(verification(VerificationCheck("parse", "passed", "JSON"), unchecked))
    assert not stands
    assert why == "its signature could not be checked: did:web document not fetched"
    assert standing_of(verification(VerificationCheck("parse", "passed", "JSON")))[0] is False


def test_a_stored_verification_reads_back_and_goes_stale_after_a_day() -> None:
    stored = verification(*GOOD)
    assert Verification.from_data(stored.data()) == stored
    assert not stored.stale(T0 + dt.timedelta(hours=24))
    assert stored.stale(T0 + dt.timedelta(hours=24, seconds=1))


def test_credit_and_eqf_from_the_achievement() -> None:
    achievement = {
        "creditsAvailable": "2.5",
        "microCredential": {"ectsCredits": 0, "notionalWorkloadHours": True, "eqfLevel": 6},
    }
    assert credential_credits(achievement) == (Credit(decimal.Decimal("2.5"), CreditUnit.CREDITS),)
    assert credential_eqf_level(achievement) == 6
    by_url = {"alignment": [{"targetUrl": "http://data.europa.eu/snb/eqf/4"}]}
    assert credential_eqf_level(by_url) == 4
    by_code = {"alignment": {"targetFramework": "EQF", "targetCode": "9"}}
    assert credential_eqf_level(by_code) is None


def test_settings_are_checked_when_made() -> None:
    with pytest.raises(InvalidInputError, match="not both"):
        Equivalence("e", "acme", "acme-101", T0, foreign_achievement="a", alignment="b")
    with pytest.raises(InvalidInputError, match="more than 0"):
        Equivalence(
            "e", "acme", "acme-101", T0, alignment="b",
            credits=Credit(decimal.Decimal(0), CreditUnit.ECTS),
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="give the issuer's name"):
        RecognisedIssuer("r", "acme", "did:web:uni.example", " ", T0)
