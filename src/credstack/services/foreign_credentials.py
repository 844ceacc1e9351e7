"""A learner's credentials from other issuers: add one (a file's bytes or a URL), verify it
(again), list them. Recognition by providers is ``services.recognition``.

Verification is ``vc.verify`` with the installation's fetcher (``ServiceDeps.fetcher``) and
status checker (this installation's lists from the database, others fetched), so a
credential is judged as ``credstack verify`` and the verify page judge it. What is stored
(PERSONAL DATA, ``foreign_credentials``) is the credential as received and the outcome with
its time; every addition and verification goes into the credential's log
(``recognition_events``). A credential issued to someone else is refused before anything is
stored: credstack keeps no one's credential but its recipient's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from credstack.domain.errors import InvalidInputError, NotFoundError
from credstack.domain.recognition import (
    ForeignCredential,
    RecognitionEvent,
    Verification,
    VerificationCheck,
    standing_of,
)
from credstack.ob.identity import identity_hash_matches
from credstack.services.deps import ServiceDeps
from credstack.services.pathway_marks import mark_user, settle_marked
from credstack.services.status_checking import LocalStatusChecker
from credstack.vc import VCError, sniff_format, unbake
from credstack.vc import verify as verify_credential
from credstack.vc.errors import FetchError
from credstack.vc.verification import VerificationReport

__all__ = [
    "MAX_FETCHED_BYTES",
    "add_foreign_credential",
    "add_foreign_credential_from_url",
    "foreign_credentials_of",
    "reverify",
    "verify_foreign",
]

#: the largest credential a URL may give (a baked image included), as the verify page
MAX_FETCHED_BYTES = 1_000_000


def verify_foreign(deps: ServiceDeps, data: bytes | str) -> tuple[VerificationReport, Verification]:
    """``vc.verify`` as this installation does it, now; the report and its stored form."""
    now = deps.clock.now()
    checker = LocalStatusChecker(deps)
    report = verify_credential(data, now=now, fetcher=deps.fetcher, status_checker=checker)
    checks = tuple(VerificationCheck(c.name, c.outcome.value, c.message) for c in report.checks)
    return report, Verification(now, report.verdict.value, checks)


def add_foreign_credential(
    deps: ServiceDeps, user_id: str, data: bytes | str, *, source: str
) -> ForeignCredential:
    """Verify and store a credential the learner received elsewhere (JSON, a JWS, or a baked
    PNG/SVG). ``source`` says where it came from ("the file x.png", a URL).

    Raises ``InvalidInputError`` when it is no credential at all, or when it is not the
    learner's (its subject must name the learner's e-mail address, plainly or as an OB
    identity hash); ``ConflictError`` when the learner added it before. A credential that is
    read but does not verify (tampered, revoked, expired) is stored with that outcome, so
    that the learner sees why it does not count and can have it verified again."""
    report, verification = verify_foreign(deps, data)
    credential = report.credential
    if credential is None:
        reason = report.errors[0].message if report.errors else "nothing could be read"
        raise InvalidInputError(f"{source} is not a credential credstack can read: {reason}")
    text = _received_text(data) or json.dumps(credential)
    now = deps.clock.now()
    with deps.uow() as uow:
        user = uow.accounts.user(user_id)
        _check_recipient(credential, user.email)
        stored = ForeignCredential(
            id=str(uuid.uuid4()),
            user_id=user_id,
            key=_key_of(credential, text),
            text=text,
            credential=credential,
            source=source[:2000],
            added_at=now,
            verification=verification,
        )
        uow.recognition.add_credential(stored)
        uow.recognition.record(
            RecognitionEvent(now, user_id, stored.id, "added", f"added from {source[:500]}")
        )
        uow.recognition.record(_verified_event(stored.id, user_id, verification))
        due = mark_user(uow, user_id, now)
        uow.commit()
    settle_marked(deps, due)
    return stored


def add_foreign_credential_from_url(deps: ServiceDeps, user_id: str, url: str) -> ForeignCredential:
    """``add_foreign_credential`` with the credential read from ``url`` (HTTPS, through the
    installation's fetcher). ``InvalidInputError`` when this installation fetches nothing or
    the URL cannot be read."""
    url = url.strip()
    if deps.fetcher is None:
        raise InvalidInputError("this server does not fetch URLs; upload the file instead")
    if not url.startswith("https://"):
        raise InvalidInputError(f"give the credential's https:// address, not '{url[:200]}'")
    try:
        data = deps.fetcher.fetch(
            url,
            accept="application/vc, application/ld+json, application/json, image/*",
            timeout=10,
            max_bytes=MAX_FETCHED_BYTES,
        )
    except FetchError as error:
        raise InvalidInputError(f"cannot read {url}: {error}") from None
    return add_foreign_credential(deps, user_id, data, source=url)


def foreign_credentials_of(deps: ServiceDeps, user_id: str) -> list[ForeignCredential]:
    """The learner's foreign credentials, as last verified, the first added first."""
    with deps.uow() as uow:
        return uow.recognition.credentials_of(user_id)


def reverify(
    deps: ServiceDeps, user_id: str, credential_id: str, *, actor: str | None = None
) -> ForeignCredential:
    """Verify the learner's stored credential again now (its status may have changed) and
    store the outcome; ``NotFoundError`` for anyone else's."""
    with deps.uow() as uow:
        stored = uow.recognition.credential(credential_id)
    if stored is None or stored.user_id != user_id:
        raise NotFoundError(f"no credential '{credential_id}' of yours")
    _, verification = verify_foreign(deps, stored.text)
    with deps.uow() as uow:
        uow.recognition.set_verification(credential_id, verification)
        uow.recognition.record(_verified_event(credential_id, actor or user_id, verification))
        due = mark_user(uow, user_id, deps.clock.now())
        uow.commit()
    settle_marked(deps, due)
    return ForeignCredential(
        stored.id, stored.user_id, stored.key, stored.text, stored.credential,
        stored.source, stored.added_at, verification,
    )  # fmt: skip


def _verified_event(credential_id: str, actor: str, verification: Verification) -> RecognitionEvent:
    stands, reason = standing_of(verification)
    why = f"{verification.verdict}: {reason}"
    return RecognitionEvent(
        verification.verified_at, actor, credential_id, "verified", why, counted=stands
    )


def _received_text(data: bytes | str) -> str | None:
    """What ``vc.verify`` read: the text given, or the credential baked into an image."""
    if isinstance(data, str):
        return data.strip()
    try:
        sniff_format(data)
    except VCError:
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError:
            return None
    try:
        return unbake(data).strip()
    except VCError:
        return None


def _key_of(credential: Mapping[str, Any], text: str) -> str:
    """One copy per learner: the credential's id if it has one, else its text."""
    named = credential.get("id")
    basis = f"id:{named}" if isinstance(named, str) and named else f"text:{text}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _check_recipient(credential: Mapping[str, Any], email: str) -> None:
    """OB 3.0 "Verify the Recipient Using an Identifier" against the learner's e-mail: one of
    the subject's ``emailAddress`` identifiers must name it (hashed with its salt, or plain).
    The address is tried as stored and lower-cased (credstack lower-cases what it issues)."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    subject = subject if isinstance(subject, Mapping) else {}
    identifiers = subject.get("identifier")
    entries = identifiers if isinstance(identifiers, list) else [identifiers]
    emails = [
        e for e in entries if isinstance(e, Mapping) and e.get("identityType") == "emailAddress"
    ]
    if not emails:
        named = subject.get("id")
        said = f" (its subject is {named})" if isinstance(named, str) else ""
        raise InvalidInputError(
            "this credential does not name its recipient by e-mail address"
            f"{said}: credstack accepts only credentials issued to your e-mail address, {email}"
        )
    candidates = {email, email.strip().lower()}
    for entry in emails:
        value, salt = entry.get("identityHash"), entry.get("salt")
        if not isinstance(value, str):
            continue
        salt = salt if isinstance(salt, str) else None
        for address in candidates:
            if entry.get("hashed") is True and identity_hash_matches(value, address, salt):
                return
            if entry.get("hashed") is not True and hmac.compare_digest(
                value.strip().lower().encode(), address.lower().encode()
            ):
                return
    raise InvalidInputError(
        "this credential was issued to someone else: its recipient's e-mail address is not "
        f"yours ({email})"
    )
