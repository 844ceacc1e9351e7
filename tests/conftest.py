"""Shared fixtures: where the reference data lives, and loading it.

The reference data (``../shared/``: spec test vectors, the 1EdTech validator's samples) sits
beside the checkout on developer and CI machines but not on a user's fresh clone, so tests
that read it skip with a reason when it is absent. They never read the network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CREDSTACK_SHARED_DIR", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``; skips the calling test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (see ../shared/README.md)")
    return path


def load_json(*parts: str) -> Any:
    """Parse a JSON file under ``../shared`` (skipping when absent)."""
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))


def load_text(*parts: str) -> str:
    """Read a text file under ``../shared`` (skipping when absent)."""
    return shared_path(*parts).read_text(encoding="utf-8")


@pytest.fixture
def shared_dir() -> Path:
    """The ``../shared`` folder itself (skips when absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"reference data not available: {SHARED}")
    return SHARED


def ob_badge(issuer: str, **extra: Any) -> dict[str, Any]:
    """A small, complete, unsigned OpenBadgeCredential from ``issuer`` (tests build on it)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3b1c2a8e-0d6e-4f1a-9c55-1d2f3e4a5b6c",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Statistics 101",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/stats-101",
                "type": ["Achievement"],
                "name": "Statistics 101",
                "description": "Descriptive statistics and probability.",
                "criteria": {"narrative": "Pass the exam."},
            },
        },
        **extra,
    }


# The machines are shared and noisy: a per-example deadline makes property tests flaky
# without finding anything; the number of examples still bounds their run time.
settings.register_profile("credstack", deadline=None)
settings.load_profile("credstack")
