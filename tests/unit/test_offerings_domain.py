"""The rules of offerings and enrolment (``domain.offerings``), without storage."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.offerings import (
    Enrolment,
    EnrolmentAction,
    EnrolmentStatus,
    Offering,
    OfferingMode,
    Price,
    admit,
    check_offering,
    decide,
)

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
OPEN = Offering("o-1", "acme", "acme-101", OfferingMode.OPEN, T0)


def test_open_enrols_at_once_approval_waits_invitation_needs_its_code() -> None:
    assert admit(OPEN, now=T0, taken=0, already=None, code=None) == (
        EnrolmentStatus.ENROLLED,
        EnrolmentAction.ENROL,
    )
    approval = dataclasses.replace(OPEN, mode=OfferingMode.APPROVAL)
    assert admit(approval, now=T0, taken=0, already=None, code=None)[0] is EnrolmentStatus.PENDING
    invited = dataclasses.replace(OPEN, mode=OfferingMode.INVITATION, invitation_codes=("AB12",))
    assert admit(invited, now=T0, taken=0, already=None, code=" AB12 ")[0] is (
        EnrolmentStatus.ENROLLED
    )
    for wrong in (None, "", "ab12", "AB123"):
        with pytest.raises(InvalidInputError, match="invitation code"):
            admit(invited, now=T0, taken=0, already=None, code=wrong)


@pytest.mark.parametrize(
    ("offering", "taken", "message"),
    [
        (dataclasses.replace(OPEN, capacity=2), 2, "full"),
        (dataclasses.replace(OPEN, starts_at=T0 + dt.timedelta(seconds=1)), 0, "not started"),
        (dataclasses.replace(OPEN, ends_at=T0), 0, "ended"),
        (dataclasses.replace(OPEN, closed_at=T0), 0, "closed"),
    ],
)
def test_full_closed_or_outside_the_dates_is_refused(
    offering: Offering, taken: int, message: str
) -> None:
    with pytest.raises(ConflictError, match=message):
        admit(offering, now=T0, taken=taken, already=None, code=None)


def test_a_second_request_is_refused() -> None:
    first = Enrolment("e-1", "o-1", "u-1", EnrolmentStatus.DECLINED, T0)
    with pytest.raises(ConflictError, match="already"):
        admit(OPEN, now=T0, taken=0, already=first, code=None)


def test_only_a_pending_enrolment_is_decided() -> None:
    pending = Enrolment("e-1", "o-1", "u-1", EnrolmentStatus.PENDING, T0)
    assert decide(pending, True, taken=1, offering=OPEN).status is EnrolmentStatus.ENROLLED
    declined = decide(pending, False, taken=1, offering=OPEN)
    assert declined.status is EnrolmentStatus.DECLINED
    with pytest.raises(ConflictError, match="declined, not pending"):
        decide(declined, True, taken=0, offering=OPEN)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at": T0, "ends_at": T0}, "end after it starts"),
        ({"capacity": 0}, "capacity"),
        ({"price": Price("ten", "EUR")}, "not an amount"),
        ({"price": Price("-1", "EUR")}, "from 0"),
        ({"price": Price("NaN", "EUR")}, "from 0"),
        ({"price": Price("5", "euro")}, "three capital letters"),
        ({"mode": OfferingMode.INVITATION}, "needs at least one invitation code"),
        ({"invitation_codes": ("a b",)}, "invitation code has"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_offerings_that_break_a_rule_say_which(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_offering(dataclasses.replace(OPEN, **fields))  # type: ignore[arg-type]


def test_codes_and_title_are_tidied() -> None:
    tidy = check_offering(
        dataclasses.replace(
            OPEN, mode=OfferingMode.INVITATION, invitation_codes=(" AB12", "AB12"), title="  "
        )
    )
    assert tidy.invitation_codes == ("AB12",)
    assert tidy.title is None
