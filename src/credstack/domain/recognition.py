"""Recognition of other issuers' credentials (issue 8, point 4): pure rules, no I/O.

A provider (an organisation here) keeps a list of issuers it recognises and an equivalence
table: a foreign achievement, named by its ``id`` or by an alignment (``targetUrl`` or
``targetCode``: the same skill, e.g. an ESCO URI), stands for one of the provider's
achievements. A learner's foreign credential, once verified, counts for that provider when
it still stands (signature, status and validity), its issuer is recognised and its
achievement maps. ``recognise`` decides, and says why in words a learner and an auditor read.

The verification itself is ``vc.verify``'s report, kept here as plain checks
(``Verification``) so that a stored outcome can be judged again without the standards core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from credstack.domain.errors import InvalidInputError
from credstack.domain.holdings import Credit, CreditUnit

__all__ = [
    "REVERIFY_AFTER",
    "Equivalence",
    "ForeignCredential",
    "RecognisedIssuer",
    "Recognition",
    "RecognitionChange",
    "RecognitionEvent",
    "Verification",
    "VerificationCheck",
    "alignments_of",
    "credential_credits",
    "credential_eqf_level",
    "recognise",
    "standing_of",
]

#: a stored verification older than this is made again before the credential is counted
#: (a status list can change: the issuer revokes)
REVERIFY_AFTER = dt.timedelta(days=1)

_MAX_NOTE = 2000
_EQF_URL = re.compile(r"/eqf/(?:level[-/])?([1-8])/?$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class RecognisedIssuer:
    """An issuer whose credentials an organisation accepts: ``issuer`` is its id exactly as
    credentials name it (a DID or a URL)."""

    id: str
    organisation_id: str
    issuer: str
    name: str
    created_at: dt.datetime
    note: str | None = None

    def __post_init__(self) -> None:
        if not _is_identifier(self.issuer):
            raise InvalidInputError(
                f"issuer: '{self.issuer}' is not a DID (did:...) or an https:// URL"
            )
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidInputError("name: give the issuer's name (at most 200 characters)")
        if self.note is not None and len(self.note) > _MAX_NOTE:
            raise InvalidInputError(f"note: at most {_MAX_NOTE} characters")


@dataclasses.dataclass(frozen=True, slots=True)
class Equivalence:
    """A foreign achievement (by ``foreign_achievement`` id, or by ``alignment``: a shared
    ``targetUrl`` or ``targetCode``) that stands for the organisation's ``achievement_id``;
    ``credits``: what to count when the foreign credential does not say (or to override it)."""

    id: str
    organisation_id: str
    achievement_id: str
    created_at: dt.datetime
    foreign_achievement: str | None = None
    alignment: str | None = None
    credits: Credit | None = None

    def __post_init__(self) -> None:
        if (self.foreign_achievement is None) == (self.alignment is None):
            raise InvalidInputError(
                "give either foreignAchievement (its id) or alignment (a targetUrl or "
                "targetCode), not both and not neither"
            )
        named = self.foreign_achievement or self.alignment or ""
        if not named.strip() or len(named) > 2000:
            raise InvalidInputError("the foreign achievement or alignment is empty or too long")
        if self.credits is not None and not self.credits.amount > 0:
            raise InvalidInputError("credits: the amount must be more than 0")

    def describe(self) -> str:
        if self.foreign_achievement is not None:
            return f"achievement {self.foreign_achievement}"
        return f"alignment {self.alignment}"


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationCheck:
    name: str
    outcome: str  # vc.Outcome's values: passed, failed, warning, not checked
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Verification:
    """A verification report as stored: when, the verdict, every check in order."""

    verified_at: dt.datetime
    verdict: str
    checks: tuple[VerificationCheck, ...]

    def stale(self, now: dt.datetime) -> bool:
        return now - self.verified_at > REVERIFY_AFTER

    def data(self) -> dict[str, Any]:
        """The stored form (``vc.VerificationReport.to_dict``'s shape, with the time)."""
        return {
            "verifiedAt": self.verified_at.isoformat(),
            "verdict": self.verdict,
            "checks": [
                {"check": c.name, "outcome": c.outcome, "message": c.message} for c in self.checks
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Verification:
        return cls(
            dt.datetime.fromisoformat(data["verifiedAt"]),
            str(data["verdict"]),
            tuple(
                VerificationCheck(str(c["check"]), str(c["outcome"]), str(c["message"]))
                for c in data["checks"]
            ),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ForeignCredential:
    """PERSONAL DATA: a credential issued elsewhere that a learner added, as received.

    ``text`` is what was given (its JSON, or a compact JWS; from a baked image, the JSON in
    it), kept so that it can be verified again; ``credential`` the document as read.
    ``key`` identifies it for this learner (its ``id``, or a hash of ``text``)."""

    id: str
    user_id: str
    key: str
    text: str
    credential: Mapping[str, Any]
    source: str
    added_at: dt.datetime
    verification: Verification

    @property
    def issuer(self) -> str:
        issuer = self.credential.get("issuer")
        if isinstance(issuer, Mapping):
            issuer = issuer.get("id")
        return issuer if isinstance(issuer, str) else ""

    @property
    def issuer_name(self) -> str:
        issuer = self.credential.get("issuer")
        name = issuer.get("name") if isinstance(issuer, Mapping) else None
        return name if isinstance(name, str) else self.issuer

    @property
    def achievement(self) -> Mapping[str, Any]:
        subject = self.credential.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else None
        achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
        return achievement if isinstance(achievement, Mapping) else {}

    @property
    def achievement_id(self) -> str:
        value = self.achievement.get("id")
        return value if isinstance(value, str) else ""

    @property
    def name(self) -> str:
        for value in (self.achievement.get("name"), self.credential.get("name")):
            if isinstance(value, str) and value:
                return value
        return self.achievement_id or "a credential"

    @property
    def issued_at(self) -> dt.datetime:
        """``validFrom`` (VC 2.0) or ``issuanceDate`` (1.1); when added, failing both."""
        for field in ("validFrom", "issuanceDate", "awardedDate"):
            moment = _instant(self.credential.get(field))
            if moment is not None:
                return moment
        return self.added_at


@dataclasses.dataclass(frozen=True, slots=True)
class Recognition:
    """What one organisation makes of one foreign credential.

    ``counts_as``: the organisation's achievements its mapping gives (kept when it does not
    count, so a page can say "would count as acme-101, but it was revoked"); ``counted``: it
    counts now; ``why``: exactly what matched or what failed."""

    counted: bool
    counts_as: frozenset[str]
    credits: tuple[Credit, ...]
    why: str
    eqf_level: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RecognitionChange:
    """One line of an organisation's append-only log of its recognition settings: who
    added or removed which recognised issuer or equivalence (``detail``: what it said)."""

    at: dt.datetime
    actor: str
    organisation_id: str
    action: str  # issuer.added, issuer.removed, equivalence.added, equivalence.removed
    subject_id: str
    detail: str


@dataclasses.dataclass(frozen=True, slots=True)
class RecognitionEvent:
    """One line of a foreign credential's append-only log: added, verified (again), or a
    recognition decision of one organisation (``organisation_id``) that differs from the one
    recorded before; ``why`` in the words the learner is shown."""

    at: dt.datetime
    actor: str
    credential_id: str
    action: str  # added, verified, decided
    why: str
    organisation_id: str | None = None
    counted: bool | None = None
    counts_as: frozenset[str] = frozenset()
    credits: tuple[Credit, ...] = ()

    def same_decision(self, recognition: Recognition) -> bool:
        return (
            self.counted == recognition.counted
            and self.counts_as == recognition.counts_as
            and self.credits == recognition.credits
            and self.why == recognition.why
        )


def standing_of(verification: Verification) -> tuple[bool, str]:
    """Whether a verified credential still stands: signed by the issuer's key and the
    signature checked, not revoked or suspended (its status known), within its validity
    period. The reason when not; what was checked when it does.

    Other warnings (an outdated context) do not stop it from standing."""
    by_name: dict[str, list[VerificationCheck]] = {}
    for check in verification.checks:
        by_name.setdefault(check.name, []).append(check)
    failed = [c for c in verification.checks if c.outcome == "failed"]
    for check in failed:
        if check.name == "status":
            return False, check.message[:1].lower() + check.message[1:]
        if check.name == "validity":
            return False, check.message
    if failed:
        first = failed[0]
        if first.name == "proof":
            return False, f"its signature does not verify: {first.message}"
        return False, f"it does not verify ({first.name}): {first.message}"
    proofs = by_name.get("proof", [])
    if not proofs or any(c.outcome != "passed" for c in proofs):
        message = proofs[0].message if proofs else "it carries no proof"
        return False, f"its signature could not be checked: {message}"
    for name in ("key authorised", "issuer match"):
        for check in by_name.get(name, []):
            if check.outcome != "passed":
                return False, f"its key is not confirmed as the issuer's: {check.message}"
    for check in by_name.get("status", []):
        if check.outcome != "passed":
            return False, f"its status is not known: {check.message}"
    return True, "verified: signature, status and validity"


def alignments_of(achievement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each alignment's ``targetUrl`` and ``targetCode`` as ``(field, value)``, in order."""
    found: list[tuple[str, str]] = []
    for alignment in _as_list(achievement.get("alignment")):
        if not isinstance(alignment, Mapping):
            continue
        for field in ("targetUrl", "targetCode"):
            value = alignment.get(field)
            if isinstance(value, str) and value:
                found.append((field, value))
    return found


def credential_credits(achievement: Mapping[str, Any]) -> tuple[Credit, ...]:
    """The credit the foreign achievement says, each unit kept: OB 3.0 ``creditsAvailable``
    (the issuer's credits), credstack's extension ``microCredential.ectsCredits`` (ECTS) and
    ``notionalWorkloadHours`` (hours). Anything not a positive number is ignored."""
    credits: list[Credit] = []
    extension = achievement.get("microCredential")
    extension = extension if isinstance(extension, Mapping) else {}
    for value, unit in (
        (achievement.get("creditsAvailable"), CreditUnit.CREDITS),
        (extension.get("ectsCredits"), CreditUnit.ECTS),
        (extension.get("notionalWorkloadHours"), CreditUnit.HOURS),
    ):
        amount = _amount(value)
        if amount is not None:
            credits.append(Credit(amount, unit))
    return tuple(credits)


def credential_eqf_level(achievement: Mapping[str, Any]) -> int | None:
    """The EQF level: the extension's ``eqfLevel``, else an alignment to an EQF level (a
    framework or type naming EQF with a code 1-8, or a ``.../eqf/N`` URL)."""
    extension = achievement.get("microCredential")
    if isinstance(extension, Mapping):
        level = extension.get("eqfLevel")
        if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 8:
            return level
    for alignment in _as_list(achievement.get("alignment")):
        if not isinstance(alignment, Mapping):
            continue
        named = " ".join(
            str(alignment.get(f, "")) for f in ("targetFramework", "targetType", "targetName")
        )
        code = str(alignment.get("targetCode", "")).strip()
        if "eqf" in named.lower() and code in {str(n) for n in range(1, 9)}:
            return int(code)
        match = _EQF_URL.search(str(alignment.get("targetUrl", "")))
        if match:
            return int(match[1])
    return None


def recognise(
    credential: ForeignCredential,
    issuers: Sequence[RecognisedIssuer],
    equivalences: Sequence[Equivalence],
    *,
    organisation: str,
) -> Recognition:
    """Decide whether ``credential`` counts for the organisation named ``organisation``
    (its name, for the message), given that organisation's recognised issuers and
    equivalences.

    Equivalences by the achievement's id come first, then those by alignment, each in the
    order given; every one that matches adds its achievement to ``counts_as``. Credits: the
    first matching equivalence that names credits gives them (one credential is one piece of
    credit, however many equivalences match); otherwise those the credential says."""
    if not any(entry.issuer == credential.issuer for entry in issuers):
        return Recognition(
            False,
            frozenset(),
            (),
            f"issuer {credential.issuer or '(none named)'} is not recognised by {organisation}",
        )
    matched = list(_matches(credential, equivalences))
    if not matched:
        foreign = credential.achievement_id or credential.name
        return Recognition(
            False,
            frozenset(),
            (),
            f"achievement {foreign} maps to none of {organisation}'s achievements "
            "(by its id or by an alignment)",
        )
    counts_as = frozenset(e.achievement_id for e, _ in matched)
    given = next((e.credits for e, _ in matched if e.credits is not None), None)
    credits = (given,) if given is not None else credential_credits(credential.achievement)
    eqf = credential_eqf_level(credential.achievement)
    mapping = "; ".join(
        f"achievement {credential.achievement_id or credential.name} maps to "
        f"{e.achievement_id} by {how}"
        for e, how in matched
    )
    stands, reason = standing_of(credential.verification)
    if not stands:
        return Recognition(False, counts_as, credits, f"not counted: {reason} ({mapping})", eqf)
    return Recognition(True, counts_as, credits, f"counted: {mapping}", eqf)


def _matches(
    credential: ForeignCredential, equivalences: Iterable[Equivalence]
) -> Iterable[tuple[Equivalence, str]]:
    ordered = list(equivalences)
    achievement_id = credential.achievement_id
    for entry in ordered:
        if achievement_id and entry.foreign_achievement == achievement_id:
            yield entry, "its id"
    aligned = {value: field for field, value in alignments_of(credential.achievement)}
    for entry in ordered:
        if entry.alignment is not None and entry.alignment in aligned:
            yield entry, f"alignment {entry.alignment} ({aligned[entry.alignment]})"


def _is_identifier(value: str) -> bool:
    return bool(re.fullmatch(r"did:[a-z0-9]+:\S+|https?://\S+", value)) and len(value) <= 500


def _amount(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
