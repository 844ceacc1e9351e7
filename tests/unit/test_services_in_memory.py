"""The use cases on the in-memory ports (``tests/fakes.py``): no database, no mocks.

The full behaviour is covered on real databases in ``tests/integration``; these show the fake
is enough to unit-test a service, and fast.
"""

from __future__ import annotations

import datetime as dt

import pytest

from credstack.domain.achievements import AchievementSpec, Status
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.status import StatusAction
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award, renew_award, show_award
from credstack.services.bulk_awards import RowInput, issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer, show_issuer, signing_key
from credstack.services.status import change_status
from tests.fakes import FixedClock, memory_deps

ISSUER = "uni-example"
ACHIEVEMENT = "data-101"
SPEC = AchievementSpec(
    id=ACHIEVEMENT,
    name="Introduction to Data Science",
    description="Tidy data, plots and a first model.",
    criteria="Pass the final project.",
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(clock: FixedClock) -> ServiceDeps:
    return memory_deps(clock)


@pytest.fixture
def issued(deps: ServiceDeps) -> ServiceDeps:
    """``deps`` with an issuer and a published definition."""
    create_issuer(deps, id=ISSUER, name="University of Example", country_code="at")
    save_achievement(deps, ISSUER, SPEC)
    publish_achievement(deps, ACHIEVEMENT)
    return deps


def award_to(email: str, **fields: object) -> AwardRequest:
    return AwardRequest(ACHIEVEMENT, Recipient.parse(email), **fields)  # type: ignore[arg-type]


def test_create_issuer_stores_the_issuer_and_a_sealed_key(deps: ServiceDeps) -> None:
    issuer = create_issuer(deps, id=ISSUER, name="University of Example", country_code="at")
    details = show_issuer(deps, ISSUER)
    assert details.issuer == issuer
    assert issuer.address.country_code == "AT"
    (record,) = details.keys
    assert record.controller == issuer.did
    with deps.uow() as uow:
        _, sealed = uow.keys.get(record.id)
        _, key = signing_key(uow, deps.vault, ISSUER)  # unseals and checks the public key
    assert key.controller == issuer.did
    with pytest.raises(InvalidInputError):
        deps.vault.open("another-key", sealed)
    with pytest.raises(ConflictError):
        create_issuer(deps, id=ISSUER, name="Someone else", country_code="DE")


def test_publishing_freezes_a_version_and_editing_starts_the_next(issued: ServiceDeps) -> None:
    edited = save_achievement(issued, ISSUER, SPEC.model_copy(update={"name": "Data Science I"}))
    assert (edited.version, edited.status) == (2, Status.DRAFT)
    published = publish_achievement(issued, ACHIEVEMENT)
    assert (published.version, published.spec.name) == (2, "Data Science I")
    with pytest.raises(ConflictError, match="published already"):
        publish_achievement(issued, ACHIEVEMENT)


def test_issue_award_stores_a_credential_once_per_learner(issued: ServiceDeps) -> None:
    award = issue_award(issued, award_to("ann@example.org"))
    assert show_award(issued, award.credential_id) == award
    assert award.status_list_id is not None
    assert award.status_index is not None
    with pytest.raises(ConflictError, match=award.id):
        issue_award(issued, award_to("ANN@example.org"))


def test_issue_awards_skips_learners_who_have_it_already(issued: ServiceDeps) -> None:
    first = issue_award(issued, award_to("ann@example.org"))
    rows: list[RowInput] = [(2, award_to("ann@example.org")), (3, award_to("bob@example.org"))]
    rows += [(4, award_to("Bob@example.org")), (5, "email: 'x@' is not an e-mail address")]
    outcomes = {o.line: o for o in issue_awards(issued, ACHIEVEMENT, rows, batch_size=2)}
    assert {line: o.status for line, o in outcomes.items()} == {
        2: "skipped",
        3: "issued",
        4: "skipped",
        5: "failed",
    }
    assert first.id in outcomes[2].message
    assert str(outcomes[3].award_id) in outcomes[4].message
    again = list(issue_awards(issued, ACHIEVEMENT, rows[:3], batch_size=2))
    assert {o.status for o in again} == {"skipped"}


def test_workers_sign_an_in_memory_cohort_that_this_process_stores(issued: ServiceDeps) -> None:
    # the in-memory store cannot be reached from another process: workers only sign
    rows: list[RowInput] = [(n, award_to(f"l{n}@example.org")) for n in range(2, 9)]
    outcomes = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=3, workers=2))
    assert {o.status for o in outcomes} == {"issued"}
    assert len({show_award(issued, str(o.award_id)).id for o in outcomes}) == 7


def test_revocation_is_final_and_only_a_suspension_is_lifted(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(issued, award_to("ann@example.org"))
    with pytest.raises(ConflictError, match="not suspended"):
        change_status(issued, award.id, StatusAction.UNSUSPEND, reason=None, actor="ann")
    suspended = change_status(issued, award.id, StatusAction.SUSPEND, reason="check", actor="ann")
    assert suspended.state.suspended
    lifted = change_status(issued, award.id, StatusAction.UNSUSPEND, reason=None, actor="ann")
    assert not lifted.state.suspended
    clock.advance(hours=1)
    revoked = change_status(issued, award.id, StatusAction.REVOKE, reason="fraud", actor="bob")
    assert revoked.state.revoked_at == clock.now()
    for action in (StatusAction.SUSPEND, StatusAction.UNSUSPEND, StatusAction.REVOKE):
        with pytest.raises(ConflictError, match="revocation is final"):
            change_status(issued, award.id, action, reason="again", actor="bob")
    with issued.uow() as uow:
        trail = [e.action for e in uow.audit.for_award(award.id)]
    assert trail == [StatusAction.SUSPEND, StatusAction.UNSUSPEND, StatusAction.REVOKE]


def test_renewal_issues_a_linked_successor_and_is_audited(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    old = issue_award(issued, award_to("ann@example.org"))
    with pytest.raises(InvalidInputError, match="valid-until"):
        renew_award(issued, old.id, valid_until=None, actor="ann")
    until = clock.now() + dt.timedelta(days=365)
    new = renew_award(issued, old.id, valid_until=until, actor="ann")
    assert (new.renewed_from, new.valid_until, new.recipient) == (old.id, until, old.recipient)
    with issued.uow() as uow:
        (event,) = uow.audit.for_award(old.id)
    assert event.action is StatusAction.RENEW
    assert new.id in str(event.reason)
    change_status(issued, new.id, StatusAction.REVOKE, reason="fraud", actor="bob")
    with pytest.raises(ConflictError, match="revoked"):
        renew_award(issued, new.id, valid_until=until, actor="ann")
