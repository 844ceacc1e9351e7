"""The certificate renderer on its own (no database): documents of awkward shapes and sizes,
read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pypdf
import pytest

from credstack.adapters.certificate_pdf import render_certificate
from credstack.domain.awards import Award, Recipient
from credstack.domain.badge_images import default_badge_png
from credstack.services.exports import PrintableCredential, Standing

ISSUED = dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)
URL = "https://badges.example.edu/credentials/0b0e5a43-7d1b-4c55-9b53-f1e5d5a0c001"


def credential(**achievement: Any) -> dict[str, Any]:
    return {
        "id": URL,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:key:z6Mk", "name": "Instituto Ejemplo"},
        "validFrom": ISSUED.isoformat(),
        "credentialSubject": {
            "identifier": [{"identityType": "name", "hashed": False, "identityHash": "Анна"}],
            "achievement": {"name": "Kurs", "description": "Beschreibung.", **achievement},
        },
    }


def printable(document: dict[str, Any], picture: bytes | None = None) -> PrintableCredential:
    award = Award(
        id=URL.rsplit("/", 1)[1],
        credential_id=URL,
        issuer_id="ejemplo",
        achievement_id="kurs",
        achievement_version=1,
        recipient=Recipient(email="anna@example.org", name="Анна"),
        issued_at=ISSUED,
        valid_until=None,
        source_key="anna@example.org",
        signing_key_id="key-1",
        credential=json.dumps(document),
    )
    badge = default_badge_png("Kurs") if picture is None else picture
    return PrintableCredential(award, badge, URL, Standing.VALID, None)


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(reader.pages[0].extract_text().split())


def test_a_long_credential_stays_on_one_page_and_points_to_the_rest() -> None:
    outcomes = [f"Learning outcome number {n}, stated at some length." for n in range(60)]
    document = credential(microCredential={"learningOutcome": outcomes, "ectsCredits": 6})
    pages, text = text_of(render_certificate(printable(document)))

    assert pages == 1
    assert "Learning outcome number 0," in text
    assert "Learning outcome number 59," not in text
    assert "the rest is on the credential page" in text
    assert "6 ECTS" in text


def test_a_short_credential_is_not_cut() -> None:
    _, text = text_of(render_certificate(printable(credential())))
    assert "Beschreibung." in text
    assert "the rest is on the credential page" not in text


def test_a_picture_that_cannot_be_read_gives_way_to_the_default_badge() -> None:
    pages, text = text_of(render_certificate(printable(credential(), picture=b"\x89PNG broken")))
    assert pages == 1
    assert "Анна" in text


def test_odd_text_is_printed_cleanly() -> None:
    decomposed = "Zoe\u0308 \u0141ukasiewicz"  # NFD: printed as the composed "Zoë"
    document = credential(name=f"Kurs\u0000 \u200bfür\nalle {decomposed}")
    _, text = text_of(render_certificate(printable(document)))
    assert "Kurs für alle Zoë Łukasiewicz" in text
    assert "cannot print" not in text


@pytest.mark.parametrize(
    ("standing", "line"),
    [
        (Standing.REVOKED, "REVOKED on 2026-04-02"),
        (Standing.SUSPENDED, "SUSPENDED since 2026-04-02"),
        (Standing.EXPIRED, "EXPIRED on 2026-04-02"),
    ],
)
def test_each_standing_is_said(standing: Standing, line: str) -> None:
    valid = printable(credential())
    since = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
    withdrawn = PrintableCredential(valid.award, valid.badge_png, URL, standing, since)
    _, text = text_of(render_certificate(withdrawn))
    assert line in text


def test_the_same_credential_gives_the_same_bytes() -> None:
    assert render_certificate(printable(credential())) == render_certificate(
        printable(credential())
    )
