"""Offerings of a micro-credential, and learners' enrolments in them.

An organisation offers one of its *published* achievements: open to anyone signed in,
by approval of its owner or staff, or to holders of an invitation code; optionally between a
start and an end, for at most ``capacity`` learners, with a price that is shown only (credstack
takes no payment). Every decision about an enrolment is an ``EnrolmentEvent`` (who, when,
what), appended and never changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hmac
import re

from credstack.domain.awards import Assessment
from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.requirements import Node

__all__ = [
    "Enrolment",
    "EnrolmentAction",
    "EnrolmentEvent",
    "EnrolmentStatus",
    "Offering",
    "OfferingMode",
    "Price",
    "admit",
    "check_offering",
    "decide",
]


class OfferingMode(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITATION = "invitation"


class EnrolmentStatus(enum.StrEnum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    DECLINED = "declined"


class EnrolmentAction(enum.StrEnum):
    REQUEST = "request"  # asked, waits for approval
    ENROL = "enrol"  # enrolled at once (open, or the right code)
    APPROVE = "approve"
    DECLINE = "decline"
    COMPLETE = "complete"  # the requirements were met and the credential issued


@dataclasses.dataclass(frozen=True, slots=True)
class Price:
    """Information for learners: ``amount`` as written (a decimal), ISO 4217 ``currency``."""

    amount: str
    currency: str


@dataclasses.dataclass(frozen=True, slots=True)
class Offering:
    id: str
    issuer_id: str
    achievement_id: str
    mode: OfferingMode
    created_at: dt.datetime
    title: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int | None = None
    price: Price | None = None
    #: what a learner types to enrol in an ``invitation`` offering (any one of them)
    invitation_codes: tuple[str, ...] = ()
    closed_at: dt.datetime | None = None
    #: what a learner must do to earn the credential (``domain.requirements``); ``None``:
    #: nothing is earned automatically, the provider awards by hand or by CSV as before
    requirements: Node | None = None
    #: how the assessment is run, recorded on every credential earned here (EU elements)
    assessment: Assessment | None = None

    def state(self, now: dt.datetime) -> str:
        """``closed``, ``not started``, ``ended`` or ``open`` (for people)."""
        if self.closed_at is not None:
            return "closed"
        if self.starts_at is not None and now < self.starts_at:
            return "not started"
        if self.ends_at is not None and now >= self.ends_at:
            return "ended"
        return "open"


@dataclasses.dataclass(frozen=True, slots=True)
class Enrolment:
    """PERSONAL DATA: who asked to learn what."""

    id: str
    offering_id: str
    user_id: str
    status: EnrolmentStatus
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    #: the credential earned by meeting the offering's requirements, and when
    award_id: str | None = None
    completed_at: dt.datetime | None = None
    #: something that counts toward the requirements changed (a quiz graded, evidence
    #: accepted, a completion reported) and the enrolment has not been looked at since: set
    #: in the same transaction as that change, cleared when the award is settled
    check_due_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EnrolmentEvent:
    """One decision: ``actor`` is the user id of the person (or ``token:<id>`` of the machine)
    that took it."""

    at: dt.datetime
    actor: str
    enrolment_id: str
    action: EnrolmentAction
    note: str | None = None


_CURRENCY = re.compile(r"[A-Z]{3}")
_CODE = re.compile(r"[A-Za-z0-9_-]{4,64}")


def check_offering(offering: Offering) -> Offering:
    """The offering with its text tidied; ``InvalidInputError`` for what breaks a rule."""
    if offering.starts_at and offering.ends_at and offering.ends_at <= offering.starts_at:
        raise InvalidInputError("the offering must end after it starts")
    if offering.capacity is not None and not 1 <= offering.capacity <= 1_000_000:
        raise InvalidInputError("capacity must be between 1 and 1,000,000 learners")
    if offering.price is not None:
        try:
            amount = decimal.Decimal(offering.price.amount)
        except decimal.InvalidOperation:
            raise InvalidInputError(f"'{offering.price.amount}' is not an amount") from None
        if not amount.is_finite() or amount < 0 or amount > 10**9:
            raise InvalidInputError("the price must be an amount from 0 to 1,000,000,000")
        if not _CURRENCY.fullmatch(offering.price.currency):
            raise InvalidInputError("the currency must be three capital letters (ISO 4217)")
    codes = tuple(dict.fromkeys(code.strip() for code in offering.invitation_codes))
    for code in codes:
        if not _CODE.fullmatch(code):
            raise InvalidInputError("an invitation code has 4 to 64 letters, digits, '-' or '_'")
    if offering.mode is OfferingMode.INVITATION and not codes:
        raise InvalidInputError("an offering by invitation needs at least one invitation code")
    title = (offering.title or "").strip() or None
    if title is not None and len(title) > 200:
        raise InvalidInputError("the title is longer than 200 characters")
    return dataclasses.replace(offering, invitation_codes=codes, title=title)


def admit(
    offering: Offering,
    *,
    now: dt.datetime,
    taken: int,
    already: Enrolment | None,
    code: str | None,
) -> tuple[EnrolmentStatus, EnrolmentAction]:
    """What becomes of a learner's request to enrol: enrolled at once, or pending approval.

    ``taken`` is how many places are held (enrolled or pending). Raises ``ConflictError``
    when the offering is closed, not started, ended or full, or the learner asked before;
    ``InvalidInputError`` for a missing or wrong invitation code.
    """
    if already is not None:
        raise ConflictError(f"you asked to enrol already ({already.status.value})")
    state = offering.state(now)
    if state != "open":
        raise ConflictError(f"this offering is {state}: enrolment is not possible")
    if offering.capacity is not None and taken >= offering.capacity:
        raise ConflictError("this offering is full")
    if offering.mode is OfferingMode.INVITATION:
        given = (code or "").strip()
        codes = offering.invitation_codes
        if not any(hmac.compare_digest(given.encode(), c.encode()) for c in codes):
            raise InvalidInputError("that invitation code is not right for this offering")
    if offering.mode is OfferingMode.APPROVAL:
        return EnrolmentStatus.PENDING, EnrolmentAction.REQUEST
    return EnrolmentStatus.ENROLLED, EnrolmentAction.ENROL


def decide(enrolment: Enrolment, approve: bool, *, taken: int, offering: Offering) -> Enrolment:
    """A pending enrolment approved or declined; ``ConflictError`` if it is not pending.

    Approving never overfills: ``taken`` counts the places held, this one among them."""
    if enrolment.status is not EnrolmentStatus.PENDING:
        raise ConflictError(f"the enrolment is {enrolment.status.value}, not pending")
    if approve and offering.capacity is not None and taken > offering.capacity:
        raise ConflictError("this offering is full")
    status = EnrolmentStatus.ENROLLED if approve else EnrolmentStatus.DECLINED
    return dataclasses.replace(enrolment, status=status)
