"""``summarise_credential``: the one reading of a credential for its page and certificate."""

from __future__ import annotations

from typing import Any

import pytest

from credstack.ob.credential_summary import summarise_credential


def test_every_field_the_page_shows_is_read() -> None:
    summary = summarise_credential(
        {
            "id": "urn:uuid:1",
            "issuer": {"id": "did:key:z6Mk", "name": "University of Example"},
            "validFrom": "2026-03-01T10:00:00Z",
            "validUntil": "2028-03-01T10:00:00Z",
            "credentialSubject": {
                "identifier": [
                    {"identityType": "emailAddress", "hashed": True, "identityHash": "sha256$x"},
                    {"identityType": "name", "hashed": False, "identityHash": "Ἀριστοτέλης"},
                ],
                "result": [{"value": "A"}, {"value": 92.0}],
                "achievement": {
                    "name": "Logic",
                    "description": "Syllogisms.",
                    "criteria": {"narrative": "An oral exam."},
                    "image": {"id": "data:image/png;base64,AAAA", "type": "Image"},
                    "alignment": [{"targetName": "Reasoning"}, {"targetUrl": "no name"}],
                    "microCredential": {
                        "learningOutcome": ["Tell valid from sound."],
                        "notionalWorkloadHours": 37.5,
                        "ectsCredits": 2.0,
                        "eqfLevel": 6,
                        "assessmentType": "Oral exam",
                        "qualityAssurance": "Senate",
                    },
                },
            },
        }
    )
    assert summary.credential_id == "urn:uuid:1"
    assert (summary.name, summary.issuer, summary.learner) == (
        "Logic",
        "University of Example",
        "Ἀριστοτέλης",
    )
    assert (summary.description, summary.criteria) == ("Syllogisms.", "An oral exam.")
    assert summary.image == "data:image/png;base64,AAAA"
    assert (summary.valid_from, summary.valid_until) == (
        "2026-03-01T10:00:00Z",
        "2028-03-01T10:00:00Z",
    )
    assert summary.skills == ("Reasoning",)
    assert summary.outcomes == ("Tell valid from sound.",)
    assert (summary.workload, summary.ects, summary.level) == ("37.5", "2", "6")
    assert (summary.assessment, summary.quality) == ("Oral exam", "Senate")
    assert summary.results == ("A", "92")


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"issuer": "did:key:z6Mk", "credentialSubject": []},
        {"credentialSubject": "not an object", "name": 7},
        {"credentialSubject": {"achievement": ["not", "an", "object"], "identifier": {}}},
        {
            "credentialSubject": [
                {"achievement": {"microCredential": "?", "alignment": "?", "criteria": "?"}}
            ]
        },
        {"credentialSubject": {"result": ["?"], "achievement": {"name": " "}}},
    ],
)
def test_a_document_of_an_odd_shape_gives_what_can_be_read(document: dict[str, Any]) -> None:
    summary = summarise_credential(document)
    assert summary.name is None
    assert summary.learner is None
    assert summary.skills == summary.outcomes == summary.results == ()


def test_a_plain_issuer_and_a_name_hashed_are_not_shown_as_names() -> None:
    summary = summarise_credential(
        {
            "issuer": "https://issuer.example",
            "name": "The credential's own name",
            "credentialSubject": {
                "identifier": {"identityType": "name", "hashed": True, "identityHash": "x"}
            },
        }
    )
    assert summary.issuer == "https://issuer.example"
    assert summary.name == "The credential's own name"
    assert summary.learner is None
