"""Awards: a micro-credential given to one learner, and the request that leads to one.

An award keeps the signed credential exactly as issued (its bytes are the evidence; they are
never rebuilt from the database). ``source_key`` makes issuing idempotent: the same learner
(or the same provider row id) for the same achievement never gets a second credential by
accident, whether from a repeated command or a CSV run twice.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass, field

from credstack.domain.errors import InvalidInputError
from credstack.domain.status import CredentialState

__all__ = [
    "Assessment",
    "Award",
    "AwardRequest",
    "EvidenceItem",
    "IdentityVerification",
    "Recipient",
    "ResultValue",
]

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives the credential: an e-mail address (hashed in the credential) or a DID."""

    email: str | None = None
    did: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.email is not None:
            # One learner, one address: mail systems treat the local part case-insensitively,
            # and the credential's identity hash must match what a verifier types.
            object.__setattr__(self, "email", self.email.strip().lower())
        if (self.email is None) == (self.did is None):
            raise InvalidInputError("a recipient needs exactly one of an e-mail address or a DID")
        if self.email is not None and (len(self.email) > 254 or not _EMAIL.fullmatch(self.email)):
            raise InvalidInputError(f"'{self.email}' is not an e-mail address")
        if self.did is not None and not _DID.fullmatch(self.did):
            raise InvalidInputError(f"'{self.did}' is not a DID (did:method:identifier)")

    @classmethod
    def parse(cls, value: str, name: str | None = None) -> Recipient:
        """A DID when ``value`` starts with ``did:``, else an e-mail address."""
        value = value.strip()
        if value.startswith("did:"):
            return cls(did=value, name=name)
        return cls(email=value, name=name)

    @property
    def identifier(self) -> str:
        return self.email if self.email is not None else str(self.did)

    @property
    def kind(self) -> str:
        return "email" if self.email is not None else "did"


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """What shows how the credential was earned (an OB 3.0 ``Evidence``): a submission, a
    quiz taken, a completion reported. ``url`` links to it when it can be looked at."""

    name: str | None = None
    description: str | None = None
    url: str | None = None
    genre: str | None = None
    narrative: str | None = None


@dataclass(frozen=True, slots=True)
class ResultValue:
    """One result the learner got (a quiz score, a rubric level, a grade). ``key`` names the
    definition's result description it is recorded against, when one has that id."""

    key: str
    value: str


class IdentityVerification(enum.StrEnum):
    """How the learner's identity was checked before the credential was issued."""

    NONE = "none"  # nobody checked
    EMAIL = "email"  # the confirmed e-mail address of the learner's account, no more
    ONLINE = "online-document"  # an identity document checked online (remote proctoring)
    ONSITE = "onsite-document"  # an identity document checked in person


_UNCHECKED = {IdentityVerification.NONE, IdentityVerification.EMAIL}
#: which identity checks each EU supervision value allows
_CHECKED = {
    "unsupervised-without-identity-verification": _UNCHECKED,
    "supervised-without-identity-verification": _UNCHECKED,
    "supervised-online-with-identity-verification": {IdentityVerification.ONLINE},
    "supervised-onsite-with-identity-verification": {IdentityVerification.ONSITE},
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """How this learner was assessed (EU elements, recorded on the award itself):
    ``supervision`` in the EU's words (``domain.achievements.Supervision``) and how the
    learner's identity was verified, which must agree with it."""

    supervision: str
    identity_verification: IdentityVerification

    def __post_init__(self) -> None:
        allowed = _CHECKED.get(self.supervision)
        if allowed is None:
            raise InvalidInputError(
                f"supervision '{self.supervision}' is not one of {', '.join(_CHECKED)}"
            )
        if self.identity_verification not in allowed:
            names = " or ".join(sorted(item.value for item in allowed))
            raise InvalidInputError(
                f"identity verification '{self.identity_verification.value}' does not agree "
                f"with supervision '{self.supervision}' (use {names})"
            )

    @property
    def supervised(self) -> bool:
        return self.supervision.startswith("supervised")


@dataclass(frozen=True, slots=True)
class AwardRequest:
    """What a provider asks for: this achievement, to this learner, with these details."""

    achievement_id: str
    recipient: Recipient
    narrative: str | None = None
    evidence_url: str | None = None
    result: str | None = None
    result_id: str | None = None
    valid_until: dt.datetime | None = None
    source_id: str | None = None
    #: earned automatically: what was done and what came of it, and how it was assessed
    evidence: tuple[EvidenceItem, ...] = ()
    results: tuple[ResultValue, ...] = ()
    assessment: Assessment | None = None

    def __post_init__(self) -> None:
        if self.evidence_url is not None and not self.evidence_url.startswith(
            ("https://", "http://")
        ):
            raise InvalidInputError(f"evidence url '{self.evidence_url}' must be http(s)")
        if self.valid_until is not None and self.valid_until.tzinfo is None:
            raise InvalidInputError("valid_until needs a time zone")

    @property
    def source_key(self) -> str:
        """The idempotency key: the provider's own id when given, else the recipient.

        Hashed so that the key column holds no personal data of its own.
        """
        raw = (
            f"id:{self.source_id}"
            if self.source_id
            else f"{self.recipient.kind}:" + (self.recipient.identifier.lower())
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Award:
    """An issued credential and what it was issued for."""

    id: str
    credential_id: str
    issuer_id: str
    achievement_id: str
    achievement_version: int
    recipient: Recipient
    issued_at: dt.datetime
    valid_until: dt.datetime | None
    source_key: str
    signing_key_id: str
    credential: str
    jwt: str | None = None
    status_list_id: int | None = None
    status_index: int | None = None
    state: CredentialState = field(default_factory=CredentialState)
    renewed_from: str | None = None
    #: when the recipient, signed in with the e-mail it was issued to, added it to theirs
    claimed_at: dt.datetime | None = None
