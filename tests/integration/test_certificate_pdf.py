"""The printable certificate, fetched through the web service and read back independently:
pypdf parses the PDF and extracts its text; pypdfium2 rasterises the page and zxing-cpp
decodes the QR code from the pixels, so the test checks what a phone would read, not what
the drawing code meant to draw."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pypdf
import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from credstack.domain.achievements import AchievementSpec, Alignment, MicroCredentialElements
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.status import StatusAction
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.status import change_status
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.integration.test_web import assert_problem

PUBLIC_URL = "https://badges.example.edu"
LEARNER = "Zoë Łukasiewicz"
ISSUER_NAME = "Πανεπιστήμιο Αθηνών"
TITLE = "Анализ данных"
SPEC = AchievementSpec(
    id="data-analysis",
    name=TITLE,
    description="Tidy data, plots and a first model.",
    criteria="Pass the final project.",
    alignments=[Alignment(target_name="Data analysis", target_url="https://esco.example/s/1")],
    micro_credential=MicroCredentialElements(
        learning_outcomes=["Clean and reshape a data set.", "Fit and check a linear model."],
        workload_hours=50,
        ects=2,
        eqf_level=6,
        assessment_type="Project, graded",
        participation_form="online",
        quality_assurance="Faculty board review",
    ),
)
A4_LANDSCAPE_PT = (841.89, 595.28)


@pytest.fixture
def public(deps: ServiceDeps) -> ServiceDeps:
    """An installation with a public URL, an issuer and a published definition."""
    public = dataclasses.replace(deps, base_url=PUBLIC_URL)
    create_issuer(public, id="uoa", name=ISSUER_NAME, country_code="GR")
    save_achievement(public, "uoa", SPEC)
    publish_achievement(public, SPEC.id)
    return public


@pytest.fixture
def client(public: ServiceDeps, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(public, clock=clock.now), raise_server_exceptions=False) as client:
        yield client


def award_to(deps: ServiceDeps, name: str | None, **details: dt.datetime) -> Award:
    recipient = Recipient.parse(f"learner-{len(name or '')}@example.org", name=name)
    return issue_award(deps, AwardRequest(SPEC.id, recipient, **details))


def certificate(client: TestClient, award: Award) -> tuple[pypdf.PdfReader, str, bytes]:
    response = client.get(f"/credentials/{award.id}/download/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == f'inline; filename="credential-{award.id}.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return reader, text, response.content


def qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code on the first page, read from its pixels at 144 dpi."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return [
        found.text
        for found in zxingcpp.read_barcodes(image)
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_certificate_is_one_a4_landscape_page_saying_what_the_credential_says(
    client: TestClient, public: ServiceDeps
) -> None:
    award = award_to(public, LEARNER, valid_until=dt.datetime(2028, 11, 24, 12, tzinfo=dt.UTC))
    reader, text, _ = certificate(client, award)

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)
    for said in (
        LEARNER,
        "has earned",
        TITLE,
        ISSUER_NAME,
        "Issued by",
        "on 2026-11-24",
        "valid until 2028-11-24",
        "Tidy data, plots and a first model.",
        "Pass the final project.",
        "Data analysis",
        "50 hours",
        "2 ECTS",
        "EQF 6",
        "Project, graded",
        "Faculty board review",
        "Clean and reshape a data set.",
        f"Credential ID: {PUBLIC_URL}/credentials/{award.id}",
        "This credential is verifiable online",
        "and offline",
    ):
        assert said in text, (said, text)
    assert "?" not in text  # nothing was lost
    assert "cannot print" not in text
    assert reader.metadata is not None
    assert reader.metadata.title == f"{TITLE} · {LEARNER}"


def test_the_qr_code_leads_to_the_credential_page_under_the_public_url(
    client: TestClient, public: ServiceDeps
) -> None:
    award = award_to(public, LEARNER)
    _, _, pdf = certificate(client, award)

    assert qr_codes(pdf) == [f"{PUBLIC_URL}/credentials/{award.id}"]
    page = client.get(urlsplit(qr_codes(pdf)[0]).path, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Verified: this credential is genuine" in page.text


def test_the_credential_page_links_to_its_certificate(
    client: TestClient, public: ServiceDeps
) -> None:
    award = award_to(public, LEARNER)
    html = client.get(f"/credentials/{award.id}", headers={"accept": "text/html"}).text
    assert f'/credentials/{award.id}/download/pdf">Printable certificate (PDF)</a>' in html


def test_an_unknown_credential_has_no_certificate(client: TestClient) -> None:
    missing = client.get("/credentials/00000000-0000-0000-0000-000000000000/download/pdf")
    assert_problem(missing, 404, "")


@pytest.mark.parametrize(
    ("action", "word", "sentence"),
    [
        (StatusAction.REVOKE, "REVOKED", "on 2026-11-24: this credential was revoked by its"),
        (StatusAction.SUSPEND, "SUSPENDED", "since 2026-11-24: this credential does not verify"),
    ],
)
def test_a_withdrawn_credential_keeps_its_certificate_stamped_with_its_standing(
    client: TestClient, public: ServiceDeps, action: StatusAction, word: str, sentence: str
) -> None:
    award = award_to(public, LEARNER)
    change_status(public, award.id, action, reason="issued in error", actor="registrar")
    _, text, pdf = certificate(client, award)

    assert f"{word} {sentence}" in text
    assert "This credential is verifiable online" not in text
    assert text.count(word) >= 2  # the stamp across the page, and the sentence
    assert qr_codes(pdf) == [f"{PUBLIC_URL}/credentials/{award.id}"]  # still readable


def test_an_expired_credential_says_so(
    client: TestClient, public: ServiceDeps, clock: FixedClock
) -> None:
    award = award_to(public, LEARNER, valid_until=clock.now() + dt.timedelta(days=1))
    _, before, _ = certificate(client, award)
    clock.advance(days=2)
    _, after, _ = certificate(client, award)

    assert "EXPIRED" not in before
    assert "EXPIRED on 2026-11-25: this credential was valid until that day." in after


def test_characters_the_font_lacks_are_marked_and_explained(
    client: TestClient, public: ServiceDeps
) -> None:
    award = award_to(public, "王小明 (Wang Xiaoming)")
    _, text, _ = certificate(client, award)

    assert "??? (Wang Xiaoming)" in text
    assert '"?" stands for a character this certificate\'s font cannot print' in text


def test_a_credential_without_a_name_is_certified_to_its_holder(
    client: TestClient, public: ServiceDeps
) -> None:
    _, text, _ = certificate(client, award_to(public, None))
    assert "This certifies that the holder of this credential has earned" in text
    assert TITLE in text
