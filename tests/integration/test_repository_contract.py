"""The repository ports' contract, run against the in-memory fake and the SQL implementation
(SQLite, and PostgreSQL when configured): the unit tests' fake must behave as storage does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import uuid
from collections.abc import Iterator

import pytest

from credstack.domain.accounts import ApiToken, Membership, Role, User, UserSession
from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.award_jobs import AwardJob, InputFormat, JobStatus, Outcome, ReportLine
from credstack.domain.awards import Award, Recipient
from credstack.domain.completions import Completion, CompletionEvent, Integration
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.evidence import (
    EvidenceEvent,
    EvidenceFile,
    Rubric,
    Submission,
    SubmissionState,
)
from credstack.domain.holdings import Credit, CreditUnit
from credstack.domain.issuers import Address, Issuer, SigningKeyRecord
from credstack.domain.oauth import (
    AuthorizationCode,
    LearnerApi,
    OAuthClient,
    OAuthToken,
    PortfolioEntry,
)
from credstack.domain.offerings import (
    Enrolment,
    EnrolmentAction,
    EnrolmentEvent,
    EnrolmentStatus,
    Offering,
    OfferingMode,
    Price,
)
from credstack.domain.quiz_attempts import (
    Attempt,
    AttemptState,
    PaperQuestion,
    QuestionOutcome,
    Quiz,
    QuizEvent,
    QuizOutcome,
)
from credstack.domain.quizzes import QuizSpec
from credstack.domain.recognition import (
    Equivalence,
    ForeignCredential,
    RecognisedIssuer,
    RecognitionChange,
    RecognitionEvent,
    Verification,
    VerificationCheck,
)
from credstack.domain.rubrics import RubricSpec
from credstack.domain.signups import CONFIRM, EmailToken
from credstack.domain.status import AuditEvent, CredentialState, StatusAction, StatusList
from credstack.domain.webhooks import (
    Delivery,
    DeliveryState,
    Event,
    SealedSecrets,
    Subscription,
)
from credstack.services.ports import UnitOfWorkFactory
from credstack.storage.database import open_database
from credstack.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import MemoryUnitOfWorkFactory

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
ISSUER = "uni-example"
KEY = "11111111-2222-4333-8444-555555555555"
ACHIEVEMENT = "data-101"


# Every test runs on each implementation. A parametrize mark overrides the fixture's own
# params; the memory run takes the SQLite URL only because the fixture needs one and opens
# nothing.
pytestmark = pytest.mark.parametrize(
    ("implementation", "database_url"),
    [("memory", "sqlite"), ("sql", "sqlite"), ("sql", "postgresql")],
    indirect=["database_url"],
    ids=["memory", "sql-sqlite", "sql-postgresql"],
)


@pytest.fixture
def uow_factory(implementation: str, database_url: str) -> Iterator[UnitOfWorkFactory]:
    if implementation == "memory":
        yield MemoryUnitOfWorkFactory()
        return
    engine = open_database(database_url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


# --- builders --------------------------------------------------------------------------------


def issuer(id: str = ISSUER, **fields: object) -> Issuer:
    base = Issuer(
        id=id,
        name="University of Example",
        did=f"did:web:{id}.example",
        address=Address(country_code="AT", locality="Vienna"),
        created_at=T0,
        url="https://example.org",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def key(id: str = KEY, at: dt.datetime = T0, issuer_id: str = ISSUER) -> SigningKeyRecord:
    return SigningKeyRecord(
        id=id,
        issuer_id=issuer_id,
        verification_method=f"did:web:{issuer_id}.example#{id}",
        controller=f"did:web:{issuer_id}.example",
        public_multibase="z6MkpublicKey",
        created_at=at,
    )


def version(
    id: str = ACHIEVEMENT,
    number: int = 1,
    status: Status = Status.PUBLISHED,
    name: str = "Intro to Data",
    issuer_id: str = ISSUER,
) -> AchievementVersion:
    spec = AchievementSpec(id=id, name=name, description="Tidy data.", criteria="Pass.")
    published = T0 if status is Status.PUBLISHED else None
    return AchievementVersion(id, issuer_id, number, status, spec, T0, published)


def status_list(number: int = 1, size: int = 16, issuer_id: str = ISSUER) -> StatusList:
    return StatusList(
        id=None,
        issuer_id=issuer_id,
        number=number,
        did=f"did:web:{issuer_id}.example",
        signing_key_id=KEY,
        size=size,
        next_position=0,
        permutation_key=b"k" * 32,
        revocation_bits=bytearray(size // 8),
        suspension_bits=bytearray(size // 8),
        revocation_credential='{"r": 1}',
        suspension_credential='{"s": 1}',
        valid_until=T0 + dt.timedelta(days=2),
        updated_at=T0,
    )


def award(
    n: int,
    *,
    recipient: str = "ann@example.org",
    source_key: str | None = None,
    issued_at: dt.datetime = T0,
    list_id: int | None = None,
    index: int | None = None,
    achievement_id: str = ACHIEVEMENT,
) -> Award:
    id = str(uuid.UUID(int=n))
    return Award(
        id=id,
        credential_id=f"https://example.org/credentials/{n}",
        issuer_id=ISSUER,
        achievement_id=achievement_id,
        achievement_version=1,
        recipient=Recipient.parse(recipient, name="Ann"),
        issued_at=issued_at,
        valid_until=None,
        source_key=source_key or f"key-{n}",
        signing_key_id=KEY,
        credential=f'{{"id": "{n}"}}',
        status_list_id=list_id,
        status_index=index,
    )


def seed(factory: UnitOfWorkFactory) -> int:
    """An issuer with a key, a published achievement and one status list (its id)."""
    with factory() as uow:
        uow.issuers.add(issuer())
        uow.keys.add(key(), b"sealed")
        uow.achievements.create(version())
        created = uow.status_lists.create(status_list())
        uow.commit()
    assert created.id is not None
    return created.id


def stored_awards(factory: UnitOfWorkFactory) -> list[Award]:
    with factory() as uow:
        return list(uow.awards.list())


# --- unit of work ----------------------------------------------------------------------------


def test_committed_changes_are_seen_by_the_next_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        assert uow.issuers.get(ISSUER) == issuer()  # seen inside before commit too
        uow.commit()
    with uow_factory() as uow:
        assert uow.issuers.get(ISSUER) == issuer()


def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)

    def failing_use_case() -> None:
        with uow_factory() as uow:
            uow.issuers.add(issuer("other-uni"))
            uow.awards.add(award(1))
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError, match="use case failed"):
        failing_use_case()
    with uow_factory() as uow:
        uow.issuers.update(issuer(name="Renamed"))
    with uow_factory() as uow:
        assert uow.issuers.find("other-uni") is None
        assert uow.issuers.get(ISSUER).name == "University of Example"
        assert list(uow.awards.list()) == []


# --- issuers and keys ------------------------------------------------------------------------


def test_issuers_are_found_listed_by_id_and_updated(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer("zeta"))
        uow.issuers.add(issuer("alpha", domain="alpha.example"))
        uow.commit()
    with uow_factory() as uow:
        assert [i.id for i in uow.issuers.list()] == ["alpha", "zeta"]
        assert uow.issuers.find("beta") is None
        uow.issuers.update(issuer("zeta", name="Zeta College", email="office@zeta.example"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.issuers.get("zeta") == issuer(
            "zeta", name="Zeta College", email="office@zeta.example"
        )
        assert uow.issuers.get("alpha").domain == "alpha.example"


def test_unknown_issuer_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.issuers.get("nobody")
        with pytest.raises(NotFoundError):
            uow.issuers.update(issuer("nobody"))


def test_taken_issuer_id_is_a_conflict_at_add(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConflictError):
        uow.issuers.add(issuer(name="Someone else"))


def test_keys_active_newest_unretired_and_history_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    old, new = key(), key("99999999-2222-4333-8444-555555555555", T0 + dt.timedelta(days=1))
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        uow.keys.add(new, b"sealed-new")
        uow.keys.add(old, b"sealed-old")
        uow.commit()
    with uow_factory() as uow:
        assert uow.keys.active(ISSUER) == (new, b"sealed-new")
        assert uow.keys.get(old.id) == (old, b"sealed-old")
        uow.keys.retire(new.id, T0 + dt.timedelta(days=2))
        uow.commit()
    with uow_factory() as uow:
        assert uow.keys.active(ISSUER) == (old, b"sealed-old")
        assert uow.keys.for_issuer(ISSUER) == [
            old,
            dataclasses.replace(new, retired_at=T0 + dt.timedelta(days=2)),
        ]
        assert uow.keys.for_issuer("nobody") == []
        with pytest.raises(NotFoundError):
            uow.keys.get("no-such-key")
        uow.keys.retire(old.id, T0 + dt.timedelta(days=3))
        with pytest.raises(NotFoundError):
            uow.keys.active(ISSUER)


# --- achievements ----------------------------------------------------------------------------


def test_achievement_versions_latest_published_and_list(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        uow.issuers.add(issuer("other-uni"))
        uow.achievements.create(version("zz-course", issuer_id="other-uni"))
        uow.achievements.create(version())
        uow.achievements.save(version(number=2, status=Status.DRAFT, name="Draft name"))
        uow.commit()
    with uow_factory() as uow:
        # A draft is updated in place.
        uow.achievements.save(version(number=2, status=Status.DRAFT, name="Better name"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.achievements.latest(ACHIEVEMENT) == version(
            number=2, status=Status.DRAFT, name="Better name"
        )
        assert uow.achievements.latest_published(ACHIEVEMENT) == version()
        assert uow.achievements.version(ACHIEVEMENT, 1) == version()
        assert [(v.achievement_id, v.version) for v in uow.achievements.list()] == [
            (ACHIEVEMENT, 2),
            ("zz-course", 1),
        ]
        assert [v.achievement_id for v in uow.achievements.list("other-uni")] == ["zz-course"]
        assert uow.achievements.list("nobody") == []


def test_draft_only_achievement_has_no_published_version(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        uow.achievements.create(version(status=Status.DRAFT))
        uow.commit()
    with uow_factory() as uow:
        assert uow.achievements.latest_published(ACHIEVEMENT) is None


def test_discarding_a_draft_version_leaves_the_others(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        uow.achievements.create(version())
        uow.achievements.save(version(number=2, status=Status.DRAFT, name="Draft name"))
        uow.achievements.create(version("only-draft", status=Status.DRAFT))
        uow.commit()
    with uow_factory() as uow:
        uow.achievements.discard(ACHIEVEMENT, 2)
        uow.achievements.discard("only-draft", 1)
        uow.commit()
    with uow_factory() as uow:
        assert uow.achievements.latest(ACHIEVEMENT) == version()
        with pytest.raises(NotFoundError):
            uow.achievements.latest("only-draft")
        assert [v.achievement_id for v in uow.achievements.list()] == [ACHIEVEMENT]
    with uow_factory() as uow:  # the id is free again
        uow.achievements.create(version("only-draft", status=Status.DRAFT))
        uow.commit()


def test_unknown_achievement_or_version_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.achievements.latest("nothing")
        with pytest.raises(NotFoundError):
            uow.achievements.latest_published("nothing")
        with pytest.raises(NotFoundError):
            uow.achievements.version("nothing", 1)
        with pytest.raises(NotFoundError):
            uow.achievements.version(ACHIEVEMENT, 7)


def test_taken_achievement_id_is_a_conflict_at_create(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow, pytest.raises(ConflictError):
        uow.achievements.create(version(name="Another course"))


# --- awards ----------------------------------------------------------------------------------


def test_award_is_got_by_its_id_or_its_credential_id(uow_factory: UnitOfWorkFactory) -> None:
    list_id = seed(uow_factory)
    stored = award(1, list_id=list_id, index=5)
    with uow_factory() as uow:
        uow.awards.add(stored)
        uow.commit()
    with uow_factory() as uow:
        assert uow.awards.get(stored.id) == stored
        assert uow.awards.get(stored.credential_id) == stored
        assert uow.awards.by_status_index(list_id, 5) == stored
        assert uow.awards.by_status_index(list_id, 6) is None
        for unknown in (str(uuid.UUID(int=99)), "https://example.org/credentials/99"):
            with pytest.raises(NotFoundError):
                uow.awards.get(unknown)


def _ann_twice_and_bob(uow_factory: UnitOfWorkFactory, *, many: bool) -> tuple[Award, ...]:
    """Ann awarded twice (the later one first, the earlier by an id), Bob another course;
    stored one by one or with ``add_many``."""
    seed(uow_factory)
    later = award(1, recipient="did:key:z6MkAnn", issued_at=T0 + dt.timedelta(hours=1))
    earlier = award(2, recipient="did:key:z6MkAnn", source_key="by-id")
    other = award(3, recipient="bob@example.org", achievement_id="other-course")
    with uow_factory() as uow:
        uow.achievements.create(version("other-course"))
        if many:
            uow.awards.add_many([later, earlier, other])
            uow.awards.add_many([])
        else:
            for each in (later, earlier, other):
                uow.awards.add(each)
        uow.commit()
    return later, earlier, other


def test_awards_by_source_key_and_by_recipient_ignoring_case(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _, earlier, _ = _ann_twice_and_bob(uow_factory, many=False)
    with uow_factory() as uow:
        assert uow.awards.by_source_key(ACHIEVEMENT, "by-id") == earlier
        assert uow.awards.by_source_key("other-course", "by-id") is None
        assert uow.awards.by_recipient(ACHIEVEMENT, "did:key:z6MkAnn") == earlier
        assert uow.awards.by_recipient(ACHIEVEMENT, "DID:KEY:Z6MKANN") == earlier
        assert uow.awards.by_recipient("other-course", "BOB@Example.org") is not None
        assert uow.awards.by_recipient(ACHIEVEMENT, "bob@example.org") is None


def test_awards_added_many_at_once_and_prior_ids_of_a_batch(
    uow_factory: UnitOfWorkFactory,
) -> None:
    later, earlier, other = _ann_twice_and_bob(uow_factory, many=True)
    with uow_factory() as uow:
        assert uow.awards.get(later.id) == later
        assert uow.awards.get(other.id) == other
        by_key, by_recipient = uow.awards.prior_ids(
            ACHIEVEMENT, ["by-id", later.source_key, "unknown"], ["DID:KEY:Z6MKANN", "x@y.org"]
        )
        assert by_key == {"by-id": earlier.id, later.source_key: later.id}
        assert by_recipient == {"did:key:z6mkann": earlier.id}  # the earliest
        assert uow.awards.prior_ids("other-course", ["by-id"], ["bob@example.org"]) == (
            {},
            {"bob@example.org": other.id},
        )
        assert uow.awards.prior_ids(ACHIEVEMENT, [], []) == ({}, {})


def test_a_batch_clashing_with_a_stored_award_is_refused_whole(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.awards.add(award(1, source_key="taken"))
        uow.commit()
    with uow_factory() as uow:
        batch = [award(2, source_key="fresh"), award(3, source_key="taken")]
        with pytest.raises(ConflictError):  # noqa: PT012 - when it is refused is the store's choice
            uow.awards.add_many(batch)
            uow.commit()
    assert [a.source_key for a in stored_awards(uow_factory)] == ["taken"]


def test_a_batch_larger_than_one_statement_holds_is_stored_whole(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # SQLite binds at most 32,766 values a statement: 1,900 rows of 18 columns take two
    seed(uow_factory)
    batch = [
        award(n, recipient=f"l{n}@example.org", issued_at=T0 + dt.timedelta(seconds=n))
        for n in range(1, 1901)
    ]
    with uow_factory() as uow:
        uow.awards.add_many(batch)
        uow.commit()
    assert stored_awards(uow_factory) == batch


def test_awards_are_listed_by_issue_time_then_id_and_filtered(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.achievements.create(version("other-course"))
        uow.awards.add(award(3, issued_at=T0 + dt.timedelta(days=1)))
        uow.awards.add(award(2))
        uow.awards.add(award(1, achievement_id="other-course"))
        uow.commit()
    with uow_factory() as uow:
        assert [a.credential_id[-1] for a in uow.awards.list()] == ["1", "2", "3"]
        assert [a.credential_id[-1] for a in uow.awards.list(achievement_id=ACHIEVEMENT)] == [
            "2",
            "3",
        ]
        assert len(list(uow.awards.list(issuer_id=ISSUER))) == 3
        assert list(uow.awards.list(issuer_id="nobody")) == []


def test_set_state_and_set_jwt_change_only_that_award(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    state = CredentialState(revoked_at=T0, revocation_reason="fraud")
    with uow_factory() as uow:
        uow.awards.add(award(1))
        uow.awards.add(award(2))
        uow.commit()
    with uow_factory() as uow:
        uow.awards.set_state(award(1).id, state)
        uow.awards.set_jwt(award(1).id, "eyJ.jwt")
        uow.commit()
    with uow_factory() as uow:
        assert uow.awards.get(award(1).id) == dataclasses.replace(
            award(1), state=state, jwt="eyJ.jwt"
        )
        assert uow.awards.get(award(2).id) == award(2)


@pytest.mark.parametrize(
    "clash",
    [
        pytest.param(lambda list_id: award(2, source_key="key-1"), id="achievement+source_key"),
        pytest.param(
            lambda list_id: dataclasses.replace(award(2), credential_id=award(1).credential_id),
            id="credential_id",
        ),
        pytest.param(lambda list_id: award(2, list_id=list_id, index=3), id="status_index"),
        pytest.param(lambda list_id: award(1, source_key="new"), id="award_id"),
    ],
)
def test_a_unique_clash_is_a_conflict_at_commit_and_stores_nothing(
    uow_factory: UnitOfWorkFactory, clash: object
) -> None:
    list_id = seed(uow_factory)
    first = award(1, list_id=list_id, index=3)
    with uow_factory() as uow:
        uow.awards.add(first)
        uow.commit()
    with uow_factory() as uow:
        uow.awards.add(award(7, recipient="zed@example.org"))
        uow.awards.add(clash(list_id))  # type: ignore[operator]
        with pytest.raises(ConflictError):
            uow.commit()
    assert stored_awards(uow_factory) == [first]


def test_two_awards_without_status_entries_do_not_clash(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.awards.add(award(1))
        uow.awards.add(award(2))
        uow.commit()
    assert len(stored_awards(uow_factory)) == 2


def test_award_for_an_unknown_achievement_is_a_conflict_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.awards.add(award(1, achievement_id="no-such-course"))
        with pytest.raises(ConflictError):
            uow.commit()
    assert stored_awards(uow_factory) == []


# --- status lists ----------------------------------------------------------------------------


def test_status_lists_are_created_numbered_found_and_listed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    list_id = seed(uow_factory)
    with uow_factory() as uow:
        uow.issuers.add(issuer("aaa-uni"))
        uow.status_lists.create(status_list(issuer_id="aaa-uni"))
        assert uow.status_lists.next_number(ISSUER) == 2
        second = uow.status_lists.create(status_list(2))
        uow.commit()
    with uow_factory() as uow:
        first = uow.status_lists.get(list_id)
        assert first == dataclasses.replace(status_list(), id=list_id)
        assert uow.status_lists.by_number(ISSUER, 2) == second
        assert uow.status_lists.by_number(ISSUER, 3) is None
        assert uow.status_lists.next_number("nobody") == 1
        assert [(s.issuer_id, s.number) for s in uow.status_lists.list()] == [
            ("aaa-uni", 1),
            (ISSUER, 1),
            (ISSUER, 2),
        ]
        assert [s.number for s in uow.status_lists.list(ISSUER)] == [1, 2]
        # The newest list with room is the open one.
        assert uow.status_lists.open_list(ISSUER, first.did) == second
        assert uow.status_lists.open_list(ISSUER, "did:web:elsewhere") is None


def test_taken_status_list_number_is_a_conflict_at_create(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    with uow_factory() as uow, pytest.raises(ConflictError):
        uow.status_lists.create(status_list(1))


def test_reserve_hands_out_each_position_once_until_the_list_is_full(
    uow_factory: UnitOfWorkFactory,
) -> None:
    list_id = seed(uow_factory)
    with uow_factory() as uow:
        assert uow.status_lists.reserve(list_id, 10) == (0, 10)
        uow.commit()
    with uow_factory() as uow:
        assert uow.status_lists.reserve(list_id, 10) == (10, 6)
        assert uow.status_lists.reserve(list_id, 1) == (0, 0)
        assert uow.status_lists.open_list(ISSUER, status_list().did) is None
        uow.commit()
    with uow_factory() as uow:
        assert uow.status_lists.get(list_id).next_position == 16


def test_release_gives_back_an_unused_tail_only_when_nobody_reserved_after_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    list_id = seed(uow_factory)
    with uow_factory() as uow:
        assert uow.status_lists.reserve(list_id, 10) == (0, 10)
        assert uow.status_lists.release(list_id, 6, 10) is True  # 6..9 unused
        assert uow.status_lists.reserve(list_id, 2) == (6, 2)
        assert uow.status_lists.release(list_id, 0, 6) is False  # 6 and 7 were taken since
        uow.commit()
    with uow_factory() as uow:
        assert uow.status_lists.get(list_id).next_position == 8


def test_reservation_without_commit_is_given_back(uow_factory: UnitOfWorkFactory) -> None:
    list_id = seed(uow_factory)
    with uow_factory() as uow:
        assert uow.status_lists.reserve(list_id, 4) == (0, 4)
    with uow_factory() as uow:
        assert uow.status_lists.reserve(list_id, 4) == (0, 4)


def test_save_stores_bits_and_credentials_but_not_the_position(
    uow_factory: UnitOfWorkFactory,
) -> None:
    list_id = seed(uow_factory)
    later = T0 + dt.timedelta(hours=3)
    with uow_factory() as uow:
        changed = uow.status_lists.get(list_id, for_update=True)
        changed.revocation_bits[0] = 0b1000_0000
        changed.suspension_bits[1] = 0b0000_0001
        changed.revocation_credential = '{"r": 2}'
        changed.updated_at, changed.valid_until = later, later + dt.timedelta(days=2)
        changed.next_position = 9  # reserve's business, not save's
        uow.status_lists.save(changed)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.status_lists.get(list_id)
        assert stored == dataclasses.replace(changed, next_position=0)
        assert uow.status_lists.bits_by_number(ISSUER, 1, "revocation") == (
            list_id,
            stored.did,
            b"\x80\x00",
        )
        assert uow.status_lists.bits_by_number(ISSUER, 1, "suspension") == (
            list_id,
            stored.did,
            b"\x00\x01",
        )
        assert uow.status_lists.bits_by_number(ISSUER, 2, "revocation") is None


def test_unknown_status_list_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    list_id = seed(uow_factory)
    with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.status_lists.get(list_id + 1000)
        with pytest.raises(NotFoundError):
            uow.status_lists.reserve(list_id + 1000, 1)


# --- audit -----------------------------------------------------------------------------------


def test_audit_events_come_back_by_time_then_in_the_order_written(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    target, other = award(1), award(2)
    with uow_factory() as uow:
        uow.awards.add(target)
        uow.awards.add(other)
        uow.commit()
    late = AuditEvent(T0 + dt.timedelta(hours=2), "ann", StatusAction.REVOKE, target.id, "why")
    first = AuditEvent(T0, "bob", StatusAction.SUSPEND, target.id, "check")
    second = AuditEvent(T0, "bob", StatusAction.UNSUSPEND, target.id)
    with uow_factory() as uow:
        uow.audit.append(late)
        uow.audit.append(first)
        uow.audit.append(AuditEvent(T0, "eve", StatusAction.RENEW, other.id, "renewed"))
        uow.audit.append(second)
        uow.commit()
    with uow_factory() as uow:
        assert uow.audit.for_award(target.id) == [first, second, late]
        assert uow.audit.for_award(str(uuid.UUID(int=42))) == []


def test_audit_event_may_name_an_award_added_in_the_same_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    event = AuditEvent(T0, "ann", StatusAction.RENEW, award(1).id, "renewed")
    with uow_factory() as uow:
        uow.awards.add(award(1))
        uow.audit.append(event)
        uow.commit()
    with uow_factory() as uow:
        assert uow.audit.for_award(award(1).id) == [event]


# --- accounts --------------------------------------------------------------------------------


def test_users_memberships_and_tokens(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    ada = User("u-1", "Ada@Example.org", "Ada", None, False, T0)
    token = ApiToken("t" * 32, "u-1", ISSUER, "lms", frozenset({"awards:read"}), "h" * 64, T0)
    with uow_factory() as uow:
        uow.accounts.add_user(ada)
        uow.accounts.set_membership(Membership("u-1", ISSUER, Role.STAFF))
        uow.accounts.set_membership(Membership("u-1", ISSUER, Role.OWNER))  # replaces
        uow.accounts.add_token(token)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.user("u-1") == ada
        assert uow.accounts.user_by_email("ada@EXAMPLE.org") == ada
        assert uow.accounts.user_by_email("bob@example.org") is None
        assert uow.accounts.membership("u-1", ISSUER) == Membership("u-1", ISSUER, Role.OWNER)
        assert uow.accounts.membership("u-1", "elsewhere") is None
        assert uow.accounts.memberships_of("u-1") == [Membership("u-1", ISSUER, Role.OWNER)]
        assert uow.accounts.memberships_of("u-2") == []
        assert uow.accounts.token(token.id) == token
        assert uow.accounts.tokens_for(ISSUER) == [token]
        assert uow.accounts.revoke_token(token.id, T0) is True
        assert uow.accounts.revoke_token(token.id, T0) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.token(token.id) == dataclasses.replace(token, revoked_at=T0)
        with pytest.raises(NotFoundError):
            uow.accounts.user("u-2")


def test_a_second_user_with_the_same_email_in_another_case_is_a_conflict(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ada@example.org", "Ada", None, False, T0))
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.accounts.add_user(User("u-2", "ADA@example.org", "Ada", None, False, T0))
        uow.commit()


def test_sessions_end_one_at_a_time_or_all_of_a_user(uow_factory: UnitOfWorkFactory) -> None:
    later = T0 + dt.timedelta(hours=8)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ada@example.org", "Ada", None, False, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0))
        for session_id, user_id in (("a" * 64, "u-1"), ("b" * 64, "u-1"), ("c" * 64, "u-2")):
            uow.accounts.add_session(UserSession(session_id, user_id, T0, later))
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.session("a" * 64) == UserSession("a" * 64, "u-1", T0, later)
        assert uow.accounts.session("d" * 64) is None
        assert uow.accounts.end_sessions(T0, session_id="a" * 64) == 1
        assert uow.accounts.end_sessions(T0, session_id="a" * 64) == 0  # ended already
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.end_sessions(T0, user_id="u-1") == 1  # b; a was ended
        uow.commit()
    with uow_factory() as uow:
        ended = [uow.accounts.session(s * 64) for s in "abc"]
        assert [s.ended_at if s else "missing" for s in ended] == [T0, T0, None]
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.accounts.add_session(UserSession("e" * 64, "nobody", T0, later))
        uow.commit()


# --- award jobs ------------------------------------------------------------------------------


def award_job(id: str, at: dt.datetime = T0, **fields: object) -> AwardJob:
    base = AwardJob(
        id=id,
        issuer_id=ISSUER,
        submitted_by="token-1",
        input_format=InputFormat.CSV,
        achievement_id=ACHIEVEMENT,
        status=JobStatus.QUEUED,
        total=3,
        created_at=at,
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def _jobs(uow_factory: UnitOfWorkFactory, *jobs: AwardJob) -> None:
    with uow_factory() as uow:
        uow.issuers.add(issuer())
        for job in jobs:
            uow.award_jobs.add(job)
        uow.award_jobs.add_input(jobs[0].id, 0, b"email\n")
        uow.award_jobs.add_input(jobs[0].id, 1, b"a@example.org\n")
        uow.commit()


def test_award_jobs_are_stored_with_their_input_and_listed_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _jobs(uow_factory, award_job("j-1"), award_job("j-2", T0 + dt.timedelta(seconds=1)))
    with uow_factory() as uow:
        assert uow.award_jobs.get("j-1") == award_job("j-1")
        assert [j.id for j in uow.award_jobs.for_issuer(ISSUER)] == ["j-2", "j-1"]
        assert [j.id for j in uow.award_jobs.for_issuer(ISSUER, offset=1, limit=5)] == ["j-1"]
        assert uow.award_jobs.count(ISSUER) == 2
        assert uow.award_jobs.count("elsewhere") == 0
        chunks = [uow.award_jobs.input_chunk("j-1", seq) for seq in range(3)]
        assert chunks == [b"email\n", b"a@example.org\n", None]
        with pytest.raises(NotFoundError):
            uow.award_jobs.get("j-9")


def test_only_one_claim_of_a_job_wins(uow_factory: UnitOfWorkFactory) -> None:
    _jobs(uow_factory, award_job("j-1"))
    now, stale = T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=4)
    with uow_factory() as uow:
        [seen] = uow.award_jobs.claimable(stale)
    with uow_factory() as first, uow_factory() as second:
        assert first.award_jobs.claim("j-1", seen.claim, now, stale) is True
        first.commit()
        won = second.award_jobs.claim("j-1", seen.claim, now, stale)
        try:
            second.commit()
        except ConflictError:  # the fake's snapshot isolation says so at commit
            won = False
        assert won is False
    with uow_factory() as uow:
        job = uow.award_jobs.get("j-1")
        assert (job.status, job.claim, job.started_at, job.heartbeat_at) == (
            JobStatus.RUNNING, 1, now, now,
        )  # fmt: skip
        assert uow.award_jobs.claimable(stale) == []  # its heartbeat is fresh
        # no word from its runner for a while: claimable again, under the next number
        later = now + dt.timedelta(minutes=2)
        assert [j.id for j in uow.award_jobs.claimable(later - dt.timedelta(minutes=1))] == ["j-1"]
        assert uow.award_jobs.claim("j-1", 1, later, later - dt.timedelta(minutes=1)) is True
        uow.commit()
    with uow_factory() as uow:
        assert uow.award_jobs.get("j-1").started_at == now  # the first start is kept


def test_report_lines_count_once_and_only_under_the_current_claim(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _jobs(uow_factory, award_job("j-1"))
    now = T0 + dt.timedelta(minutes=1)
    issued = ReportLine(2, Outcome.ISSUED, "sis-1", "a-1")
    failed = ReportLine(3, Outcome.ERROR, None, None, "email: 'x' is not an e-mail address")
    with uow_factory() as uow:
        assert uow.award_jobs.claim("j-1", 0, T0, T0) is True
        job = uow.award_jobs.record("j-1", 1, [issued, failed], now)
        uow.commit()
    assert job is not None
    assert (job.done, job.issued, job.already_issued, job.errors) == (2, 1, 0, 1)
    assert job.heartbeat_at == now
    again = ReportLine(2, Outcome.ALREADY_ISSUED, "sis-1", "a-1", "already issued as a-1")
    with uow_factory() as uow:
        job = uow.award_jobs.record("j-1", 1, [again, ReportLine(4, Outcome.ALREADY_ISSUED)], now)
        assert uow.award_jobs.record("j-1", 0, [ReportLine(5, Outcome.ISSUED)], now) is None
        uow.commit()
    assert job is not None
    assert (job.done, job.issued, job.already_issued, job.errors) == (3, 1, 1, 1)
    with uow_factory() as uow:
        assert uow.award_jobs.reported_rows("j-1") == {2, 3, 4}
        assert uow.award_jobs.report("j-1") == [
            issued,
            failed,
            ReportLine(4, Outcome.ALREADY_ISSUED),
        ]
        assert uow.award_jobs.report("j-1", after_row=2, limit=1) == [failed]
        assert uow.award_jobs.finish("j-1", 0, JobStatus.SUCCEEDED, now, None) is False
        assert uow.award_jobs.finish("j-1", 1, JobStatus.SUCCEEDED, now, None) is True
        uow.commit()
    with uow_factory() as uow:
        job = uow.award_jobs.get("j-1")
        assert (job.status, job.finished_at) == (JobStatus.SUCCEEDED, now)
        assert uow.award_jobs.record("j-1", 1, [ReportLine(5, Outcome.ISSUED)], now) is None


def test_a_job_given_back_is_queued_and_cancelling_depends_on_its_state(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _jobs(uow_factory, award_job("j-1"), award_job("j-2"), award_job("j-3"))
    now = T0 + dt.timedelta(minutes=1)
    with uow_factory() as uow:
        assert uow.award_jobs.claim("j-1", 0, T0, T0)
        assert uow.award_jobs.claim("j-2", 0, T0, T0)
        assert uow.award_jobs.finish("j-2", 1, JobStatus.QUEUED, now, None)
        uow.commit()
    with uow_factory() as uow:
        given_back = uow.award_jobs.get("j-2")
        assert (given_back.status, given_back.heartbeat_at) == (JobStatus.QUEUED, None)
        running = uow.award_jobs.request_cancel("j-1", now)
        assert (running.status, running.cancel_requested) == (JobStatus.RUNNING, True)
        queued = uow.award_jobs.request_cancel("j-3", now)
        assert (queued.status, queued.finished_at) == (JobStatus.CANCELLED, now)
        assert uow.award_jobs.request_cancel("j-3", now) == queued  # finished: as it is
        uow.commit()
    with uow_factory() as uow:
        assert uow.award_jobs.get("j-1").cancel_requested is True
        assert [j.id for j in uow.award_jobs.claimable(T0)] == ["j-2"]


# --- claims and webhooks ---------------------------------------------------------------------


def test_awards_for_an_email_and_a_claim_recorded_once(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    later = T0 + dt.timedelta(hours=1)
    with uow_factory() as uow:
        uow.awards.add(award(1, recipient="ann@example.org"))
        uow.awards.add(award(2, recipient="ann@example.org", source_key="k2", issued_at=later))
        uow.awards.add(award(3, recipient="bob@example.org"))
        uow.awards.add(award(4, recipient="did:example:ann"))
        uow.commit()
    with uow_factory() as uow:
        assert [a.id for a in uow.awards.for_email("ANN@example.org")] == [
            award(2).id,
            award(1).id,
        ]
        assert uow.awards.for_email("nobody@example.org") == []
        assert uow.awards.set_claimed(award(1).id, later) is True
        assert uow.awards.set_claimed(award(1).id, later + dt.timedelta(hours=1)) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.awards.get(award(1).id).claimed_at == later
        assert uow.awards.get(award(2).id).claimed_at is None


def subscription(id: str = "w1", *, events: frozenset[str] | None = None) -> Subscription:
    return Subscription(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, id)),
        issuer_id=ISSUER,
        url=f"https://hooks.example/{id}",
        events=events or frozenset({"credential.issued", "credential.revoked"}),
        description=None,
        created_at=T0,
    )


def event_with_deliveries(n: int, *subscriptions: Subscription) -> tuple[Event, list[Delivery]]:
    event = Event(f"msg_{n:032x}", ISSUER, "credential.issued", T0, f'{{"n":{n}}}')
    deliveries = [
        Delivery(
            id=str(uuid.UUID(int=1000 * n + i)),
            event_id=event.id,
            subscription_id=s.id,
            event_type=event.type,
            created_at=T0 + dt.timedelta(seconds=n),
            next_attempt_at=T0 + dt.timedelta(seconds=n),
        )
        for i, s in enumerate(subscriptions)
    ]
    return event, deliveries


def test_webhook_subscriptions_secrets_subscribers_disable_and_delete(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    first, second = subscription("w1"), subscription("w2", events=frozenset({"ping"}))
    with uow_factory() as uow:
        uow.webhooks.add_subscription(first, SealedSecrets(b"one"))
        uow.webhooks.add_subscription(second, SealedSecrets(b"two"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.subscription(first.id) == first
        assert {s.id for s in uow.webhooks.subscriptions(ISSUER)} == {first.id, second.id}
        assert uow.webhooks.subscriptions("nobody") == []
        assert uow.webhooks.subscribers(ISSUER, "credential.revoked") == [first.id]
        assert uow.webhooks.subscribers(ISSUER, "credential.claimed") == []
        rotated = SealedSecrets(b"new", b"one", T0 + dt.timedelta(days=1))
        uow.webhooks.set_secrets(first.id, rotated)
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.secrets(first.id) == rotated
        event, deliveries = event_with_deliveries(1, first)
        uow.webhooks.add_events([event], deliveries)
        uow.webhooks.disable(first.id, T0, "410 Gone")
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.subscription(first.id).disabled_at == T0
        assert uow.webhooks.subscribers(ISSUER, "credential.revoked") == []
        (failed,) = uow.webhooks.deliveries(first.id)
        assert (failed.state, failed.last_error) == (DeliveryState.FAILED, "410 Gone")
        uow.webhooks.delete_subscription(first.id)
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.webhooks.subscription(first.id)
        assert uow.webhooks.deliveries(first.id) == []
        assert uow.webhooks.event(event.id) == event  # the event stays


def test_due_deliveries_are_leased_to_one_dispatcher_at_a_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    hook, other = subscription("w1"), subscription("w2")
    with uow_factory() as uow:
        uow.webhooks.add_subscription(hook, SealedSecrets(b"s"))
        uow.webhooks.add_subscription(other, SealedSecrets(b"s"))
        for n in (1, 2, 3):
            event, deliveries = event_with_deliveries(n, hook, other)
            uow.webhooks.add_events([event], deliveries)
        uow.commit()
    now, lease = T0 + dt.timedelta(seconds=2), T0 + dt.timedelta(minutes=5)
    with uow_factory() as uow:
        taken = uow.webhooks.claim_due(now, lease, "token-a", 3)
        uow.commit()
    # due first (events 1 and 2; event 3 is due at T0 + 3 s), three of the four
    assert len(taken) == 3
    assert {d.event_id for d in taken} == {f"msg_{1:032x}", f"msg_{2:032x}"}
    with uow_factory() as uow:
        rest = uow.webhooks.claim_due(now, lease, "token-b", 10)
        uow.commit()
    assert len(rest) == 1
    assert {d.id for d in rest}.isdisjoint(d.id for d in taken)
    with uow_factory() as uow:
        assert uow.webhooks.claim_due(now, lease, "token-c", 10) == []
        done = dataclasses.replace(
            taken[0],
            state=DeliveryState.DELIVERED,
            attempts=1,
            last_status=200,
            next_attempt_at=None,
        )
        assert uow.webhooks.finish(done, "token-b") is False  # not its lease
        assert uow.webhooks.finish(done, "token-a") is True
        uow.commit()
    # the lease runs out: what was taken and not finished can be taken again
    with uow_factory() as uow:
        again = uow.webhooks.claim_due(lease, lease + dt.timedelta(minutes=5), "token-d", 10)
        uow.commit()
    assert {d.id for d in again} == {d.id for d in [*taken[1:], *rest]} | {
        d.id for d in event_with_deliveries(3, hook, other)[1]
    }
    with uow_factory() as uow:
        assert uow.webhooks.finish(dataclasses.replace(taken[1], attempts=1), "token-a") is False
        stored = {
            d.id: d for d in uow.webhooks.deliveries(hook.id) + uow.webhooks.deliveries(other.id)
        }
    assert stored[taken[0].id] == done
    assert len(stored) == 6


def test_a_delivery_to_an_unknown_subscription_is_a_conflict_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    event, deliveries = event_with_deliveries(1, subscription("missing"))
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.webhooks.add_events([event], deliveries)
        uow.commit()
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.webhooks.event(event.id)


# --- the learner APIs: OAuth apps, codes, tokens; portfolio entries ---------------------------


def _learner_and_app(factory: UnitOfWorkFactory) -> OAuthClient:
    app = OAuthClient(
        "app-1", "s" * 64, {"client_name": "Wallet", "redirect_uris": ["https://w/cb"]}, T0
    )
    with factory() as uow:
        uow.accounts.add_user(User("u-1", "ann@example.org", "Ann", None, False, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0))
        uow.oauth.add_client(app)
        uow.commit()
    return app


def _token(n: int, code_hash: str | None = "c" * 64) -> OAuthToken:
    return OAuthToken(
        f"00000000-0000-4000-8000-{n:012d}", "app-1", "u-1", "scope-a scope-b",
        f"{n}a".ljust(64, "a"), f"{n}r".ljust(64, "r"), code_hash, T0,
        T0 + dt.timedelta(hours=1), T0 + dt.timedelta(days=30),
    )  # fmt: skip


def test_oauth_clients_codes_and_tokens(uow_factory: UnitOfWorkFactory) -> None:
    app = _learner_and_app(uow_factory)
    code = AuthorizationCode(
        "c" * 64, "app-1", "u-1", "https://w/cb", "scope-a", "x" * 43, "S256", T0,
        T0 + dt.timedelta(minutes=10),
    )  # fmt: skip
    with uow_factory() as uow:
        uow.oauth.add_code(code)
        uow.oauth.add_token(_token(1))
        uow.oauth.add_token(_token(2, code_hash=None))
        uow.commit()
    with uow_factory() as uow:
        assert uow.oauth.client("app-1") == app
        assert uow.oauth.client("app-2") is None
        assert uow.oauth.code("c" * 64) == code
        assert uow.oauth.code("d" * 64) is None
        assert uow.oauth.use_code("c" * 64, T0) is True
        assert uow.oauth.use_code("c" * 64, T0) is False  # a code is used once
        assert uow.oauth.use_code("d" * 64, T0) is False
        assert uow.oauth.token_by_access(_token(1).access_hash) == _token(1)
        assert uow.oauth.token_by_refresh(_token(2).refresh_hash or "") == _token(2, None)
        assert uow.oauth.token_by_access("z" * 64) is None
        assert uow.oauth.revoke_tokens_of_code("c" * 64, T0) == 1
        assert uow.oauth.revoke_tokens_of_code("c" * 64, T0) == 0
        assert uow.oauth.revoke_token(_token(2).id, T0) is True
        assert uow.oauth.revoke_token(_token(2).id, T0) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.oauth.code("c" * 64) == dataclasses.replace(code, used_at=T0)
        assert uow.oauth.token_by_access(_token(1).access_hash) == dataclasses.replace(
            _token(1), revoked_at=T0
        )


def test_a_taken_token_hash_or_an_unknown_app_is_a_conflict_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _learner_and_app(uow_factory)
    with uow_factory() as uow:
        uow.oauth.add_token(_token(1))
        uow.commit()
    clash = dataclasses.replace(_token(2), access_hash=_token(1).access_hash)
    unknown_app = dataclasses.replace(_token(3), client_id="app-9")
    for token in (clash, unknown_app):
        with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
            uow.oauth.add_token(token)
            uow.commit()


def test_portfolio_entries_are_kept_per_learner_api_and_id(uow_factory: UnitOfWorkFactory) -> None:
    _learner_and_app(uow_factory)
    long_id = "https://example.org/credentials/" + "x" * 1500
    first = PortfolioEntry("u-1", LearnerApi.OB, long_id, '{"id": 1}', False, T0, T0)
    later = T0 + dt.timedelta(hours=1)
    second = PortfolioEntry("u-1", LearnerApi.OB, "urn:b", "h.p.s", True, later, later)
    with uow_factory() as uow:
        uow.portfolio.put(first)
        uow.portfolio.put(second)
        uow.portfolio.put(PortfolioEntry("u-1", LearnerApi.CLR, "urn:b", "{}", False, T0, T0))
        uow.portfolio.put(PortfolioEntry("u-2", LearnerApi.OB, "urn:b", "{}", False, T0, T0))
        uow.commit()
    latest = T0 + dt.timedelta(hours=2)
    replaced = dataclasses.replace(first, content='{"id": 2}', stored_at=latest, updated_at=latest)
    with uow_factory() as uow:
        uow.portfolio.put(replaced)  # same learner, API and id: replaces, keeps its place
        uow.commit()
    kept = dataclasses.replace(replaced, stored_at=T0)
    with uow_factory() as uow:
        assert uow.portfolio.get("u-1", LearnerApi.OB, long_id) == kept
        assert uow.portfolio.get("u-2", LearnerApi.OB, long_id) is None
        assert uow.portfolio.list("u-1", LearnerApi.OB) == [kept, second]
        assert uow.portfolio.list("u-1", LearnerApi.OB, offset=1, limit=5) == [second]
        assert uow.portfolio.list("u-1", LearnerApi.OB, since=later) == [kept]
        assert uow.portfolio.count("u-1", LearnerApi.OB) == 2
        assert uow.portfolio.count("u-1", LearnerApi.CLR) == 1
        assert uow.portfolio.count("u-1", LearnerApi.OB, since=latest) == 0


def test_awards_for_a_recipient_and_a_new_name(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ann@example.org", "Ann", None, False, T0))
        uow.awards.add(award(2, recipient="Ann@Example.org", issued_at=T0 + dt.timedelta(1)))
        uow.awards.add(award(1, issued_at=T0))
        uow.awards.add(award(3, recipient="bob@example.org", source_key="b"))
        uow.commit()
    with uow_factory() as uow:
        found = uow.awards.for_recipient("ANN@example.org")
        assert [a.id for a in found] == [award(1).id, award(2).id]
        assert [a.id for a in uow.awards.for_recipient("ann@example.org", offset=1)] == [
            award(2).id
        ]
        assert uow.awards.for_recipient("ann@example.org", since=T0, limit=5)[0].id == award(2).id
        assert uow.awards.count_for_recipient("ann@example.org") == 2
        assert uow.awards.count_for_recipient("ann@example.org", since=T0) == 1
        uow.accounts.set_name("u-1", "Ann B.")
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.user("u-1").name == "Ann B."


# --- quizzes ---------------------------------------------------------------------------------


def quiz_of(id: str = "quiz-1", title: str = "Quiz", issuer_id: str = ISSUER) -> Quiz:
    spec = QuizSpec.model_validate(
        {
            "id": id,
            "title": title,
            "pass_mark": 50,
            "questions": [
                {
                    "id": "q1",
                    "kind": "single",
                    "prompt": "Pick b",
                    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                    "answer": "b",
                },
                {"id": "q2", "kind": "numeric", "prompt": "1+1", "value": 2},
            ],
        }
    )
    return Quiz(issuer_id, spec, T0, T0)


def attempt_of(n: int, *, user_id: str = "u-1", quiz_id: str = "quiz-1") -> Attempt:
    return Attempt(
        id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{quiz_id}/{user_id}/{n}")),
        quiz_id=quiz_id,
        user_id=user_id,
        number=n,
        seed=12345,
        paper=(PaperQuestion("q2"), PaperQuestion("q1", ("b", "a"))),
        started_at=T0,
        deadline=T0 + dt.timedelta(minutes=10),
    )


def seed_quiz(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ann@example.org", "Ann", None, False, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0))
        uow.quizzes.add(quiz_of())
        uow.commit()


def test_quizzes_are_stored_replaced_and_listed(uow_factory: UnitOfWorkFactory) -> None:
    seed_quiz(uow_factory)
    with uow_factory() as uow:
        assert uow.quizzes.find("quiz-1") == quiz_of()
        assert uow.quizzes.find("nothing") is None
        uow.quizzes.add(quiz_of("quiz-0"))
        changed = dataclasses.replace(quiz_of(title="Changed"), updated_at=T0 + dt.timedelta(1))
        uow.quizzes.replace(changed)
        uow.commit()
    with uow_factory() as uow:
        assert [q.id for q in uow.quizzes.for_issuer(ISSUER)] == ["quiz-0", "quiz-1"]
        assert uow.quizzes.for_issuer("elsewhere") == []
        assert uow.quizzes.find("quiz-1") == changed
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.quizzes.add(quiz_of())
        uow.commit()


def test_an_attempt_is_finished_once(uow_factory: UnitOfWorkFactory) -> None:
    seed_quiz(uow_factory)
    first = attempt_of(1)
    with uow_factory() as uow:
        uow.quizzes.add_attempt(first)
        uow.quizzes.add_attempt(attempt_of(1, user_id="u-2"))
        uow.commit()
    graded = dataclasses.replace(
        first,
        state=AttemptState.GRADED,
        finished_at=T0 + dt.timedelta(minutes=5),
        answers={0: ("2",), 1: ("o0",)},
        outcome=QuizOutcome(
            True, 2, 2, (QuestionOutcome("q2", True, 1, 1), QuestionOutcome("q1", True, 1, 1))
        ),
    )
    with uow_factory() as uow:
        assert uow.quizzes.attempt(first.id) == first
        assert uow.quizzes.attempt("nothing") is None
        assert uow.quizzes.attempts_of("quiz-1", "u-1") == [first]
        assert uow.quizzes.count_attempts("quiz-1") == 2
        assert uow.quizzes.finish(graded) is True
        timed_out = dataclasses.replace(first, state=AttemptState.TIMED_OUT)
        assert uow.quizzes.finish(timed_out) is False  # finished already: nothing changes
        uow.commit()
    with uow_factory() as uow:
        assert uow.quizzes.attempt(first.id) == graded
        uow.quizzes.add_attempt(attempt_of(2))
        uow.commit()
        assert [a.number for a in uow.quizzes.attempts_of("quiz-1", "u-1")] == [1, 2]


def test_two_starts_at_once_take_one_attempt_number(uow_factory: UnitOfWorkFactory) -> None:
    """The attempt limit's guard: (quiz, user, number) is unique, so of two units of work
    that both saw no attempt, one stores attempt 1 and the other gets a conflict."""
    seed_quiz(uow_factory)
    with uow_factory() as late, uow_factory() as first:
        first.quizzes.add_attempt(attempt_of(1))
        first.commit()
        rival = dataclasses.replace(attempt_of(1), id=str(uuid.UUID(int=99)))
        with pytest.raises(ConflictError):  # noqa: PT012
            late.quizzes.add_attempt(rival)
            late.commit()
    with uow_factory() as uow:
        assert [a.id for a in uow.quizzes.attempts_of("quiz-1", "u-1")] == [attempt_of(1).id]


def test_quiz_events_come_back_by_time_and_must_name_what_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed_quiz(uow_factory)
    later = T0 + dt.timedelta(minutes=1)
    with uow_factory() as uow:
        uow.quizzes.add_attempt(attempt_of(1))
        uow.quizzes.record(
            QuizEvent(later, "user u-1", "graded", "quiz-1", attempt_of(1).id, "2/2")
        )
        uow.quizzes.record(QuizEvent(T0, "user u-1", "started", "quiz-1", attempt_of(1).id))
        uow.quizzes.record(QuizEvent(later, "user u-1", "submitted", "quiz-1", attempt_of(1).id))
        uow.commit()
    with uow_factory() as uow:
        events = uow.quizzes.events("quiz-1")
        assert [e.action for e in events] == ["started", "graded", "submitted"]
        assert events[1].detail == "2/2"
        assert uow.quizzes.events("other") == []
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.quizzes.record(QuizEvent(T0, "user u-1", "started", "quiz-1", "no-such-attempt"))
        uow.commit()


# --- offerings and sign-up -------------------------------------------------------------------


def offering(id: str, at: dt.datetime = T0, **fields: object) -> Offering:
    base = Offering(id, ISSUER, ACHIEVEMENT, OfferingMode.OPEN, at)
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def test_offerings_are_stored_listed_and_updated(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    full = offering(
        "o-2",
        T0 + dt.timedelta(hours=1),
        mode=OfferingMode.INVITATION,
        title="Spring",
        starts_at=T0,
        ends_at=T0 + dt.timedelta(days=30),
        capacity=20,
        price=Price("120.00", "EUR"),
        invitation_codes=("ABCD", "EFGH"),
    )
    with uow_factory() as uow:
        uow.offerings.add(full)
        uow.offerings.add(offering("o-1"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.offerings.get("o-2") == full
        assert uow.offerings.get("o-2", for_update=True) == full
        assert [o.id for o in uow.offerings.for_issuer(ISSUER)] == ["o-1", "o-2"]
        assert [o.id for o in uow.offerings.for_achievement(ACHIEVEMENT)] == ["o-1", "o-2"]
        assert uow.offerings.for_issuer("elsewhere") == []
        closed = dataclasses.replace(full, closed_at=T0, price=None, invitation_codes=())
        uow.offerings.update(closed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.offerings.get("o-2") == closed
        with pytest.raises(NotFoundError):
            uow.offerings.get("o-3")


def test_an_offering_of_an_unknown_achievement_is_a_conflict_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.offerings.add(offering("o-1", achievement_id="missing"))
        uow.commit()


def _learners(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ada@example.org", "Ada", None, False, T0, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0, None))
        uow.offerings.add(offering("o-1"))
        uow.commit()


def test_enrolments_places_held_and_the_decision_log(uow_factory: UnitOfWorkFactory) -> None:
    _learners(uow_factory)
    ada = Enrolment("e-1", "o-1", "u-1", EnrolmentStatus.PENDING, T0)
    bob = Enrolment("e-2", "o-1", "u-2", EnrolmentStatus.ENROLLED, T0 + dt.timedelta(1), T0)
    later = T0 + dt.timedelta(hours=2)
    with uow_factory() as uow:
        uow.offerings.add_enrolment(ada)
        uow.offerings.add_enrolment(bob)
        uow.offerings.append_event(EnrolmentEvent(later, "staff", "e-1", EnrolmentAction.DECLINE))
        uow.offerings.append_event(EnrolmentEvent(T0, "u-1", "e-1", EnrolmentAction.REQUEST))
        uow.commit()
    with uow_factory() as uow:
        assert uow.offerings.enrolment("e-1") == ada
        assert uow.offerings.enrolment_of("o-1", "u-2") == bob
        assert uow.offerings.enrolment_of("o-1", "u-3") is None
        assert uow.offerings.enrolments("o-1") == [ada, bob]
        assert uow.offerings.enrolments_of("u-2") == [bob]
        assert uow.offerings.places_held("o-1") == 2
        declined = dataclasses.replace(ada, status=EnrolmentStatus.DECLINED, decided_at=later)
        uow.offerings.set_enrolment(declined)
        uow.commit()
    with uow_factory() as uow:
        assert uow.offerings.enrolment("e-1") == declined
        assert uow.offerings.places_held("o-1") == 1  # a declined one holds no place
        assert [e.action for e in uow.offerings.events("e-1")] == [
            EnrolmentAction.REQUEST,
            EnrolmentAction.DECLINE,
        ]
        assert uow.offerings.events("e-2") == []
        with pytest.raises(NotFoundError):
            uow.offerings.enrolment("e-9")


def test_a_second_enrolment_of_a_learner_in_an_offering_is_a_conflict(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _learners(uow_factory)
    with uow_factory() as uow:
        uow.offerings.add_enrolment(Enrolment("e-1", "o-1", "u-1", EnrolmentStatus.PENDING, T0))
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.offerings.add_enrolment(Enrolment("e-2", "o-1", "u-1", EnrolmentStatus.PENDING, T0))
        uow.commit()


def test_an_email_token_is_spent_once_and_only_before_it_expires(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _learners(uow_factory)
    expires = T0 + dt.timedelta(hours=24)
    with uow_factory() as uow:
        uow.signups.add_token(EmailToken("a" * 64, "u-2", CONFIRM, T0, expires))
        uow.signups.add_token(EmailToken("b" * 64, "u-2", CONFIRM, T0, expires))
        uow.commit()
    with uow_factory() as uow:
        assert uow.signups.token("a" * 64) == EmailToken("a" * 64, "u-2", CONFIRM, T0, expires)
        assert uow.signups.token("c" * 64) is None
        assert uow.signups.use_token("a" * 64, T0) is True
        assert uow.signups.use_token("a" * 64, T0) is False  # spent
        assert uow.signups.use_token("b" * 64, expires) is False  # expired
        assert uow.signups.use_token("c" * 64, T0) is False
        uow.signups.confirm_email("u-2", T0)
        uow.commit()
    with uow_factory() as uow:
        token = uow.signups.token("a" * 64)
        assert token is not None
        assert token.used_at == T0
        assert uow.accounts.user("u-2").email_confirmed_at == T0
        uow.signups.confirm_email("u-2", expires)  # confirmed already: unchanged
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.user("u-2").email_confirmed_at == T0
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.signups.add_token(EmailToken("d" * 64, "nobody", CONFIRM, T0, expires))
        uow.commit()


# --- integrations and completions ------------------------------------------------------------


def completion_of(n: int, **fields: object) -> Completion:
    base = Completion(
        id=str(uuid.UUID(int=n)),
        issuer_id=ISSUER,
        offering_id="o-1",
        requirement_id="lab-hours",
        user_id="u-1",
        system="moodle",
        external_id=f"ext-{n}",
        completed_at=T0 + dt.timedelta(hours=n),
        reported_by="integration:moodle",
        recorded_at=T0 + dt.timedelta(days=1),
        score="87.5",
        grade=None,
        url="https://lms.example/records/1",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def test_integrations_are_stored_listed_and_their_secrets_changed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed(uow_factory)
    moodle = Integration(ISSUER, "moodle", T0)
    with uow_factory() as uow:
        uow.completions.add_integration(moodle, SealedSecrets(b"sealed-1"))
        uow.completions.add_integration(Integration(ISSUER, "canvas", T0), SealedSecrets(b"c"))
        uow.commit()
    later = T0 + dt.timedelta(hours=1)
    with uow_factory() as uow:
        assert uow.completions.integration(ISSUER, "moodle") == moodle
        assert uow.completions.integration(ISSUER, "nothing") is None
        assert uow.completions.integration("elsewhere", "moodle") is None
        assert [i.name for i in uow.completions.integrations(ISSUER)] == ["canvas", "moodle"]
        assert uow.completions.integrations("elsewhere") == []
        assert uow.completions.integration_secrets(ISSUER, "moodle") == SealedSecrets(b"sealed-1")
        rotated = dataclasses.replace(moodle, rotated_at=later)
        uow.completions.set_integration(rotated, SealedSecrets(b"sealed-2", b"sealed-1", later))
        uow.commit()
    with uow_factory() as uow:
        assert uow.completions.integration(ISSUER, "moodle") == rotated
        secrets = uow.completions.integration_secrets(ISSUER, "moodle")
        assert secrets == SealedSecrets(b"sealed-2", b"sealed-1", later)
        disabled = dataclasses.replace(rotated, disabled_at=later)
        uow.completions.set_integration(disabled)  # the secrets stay as they are
        uow.commit()
    with uow_factory() as uow:
        assert uow.completions.integration(ISSUER, "moodle") == disabled
        assert uow.completions.integration_secrets(ISSUER, "moodle") == secrets
        with pytest.raises(NotFoundError):
            uow.completions.integration_secrets(ISSUER, "nothing")
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.completions.add_integration(moodle, SealedSecrets(b"again"))
        uow.commit()


def test_completions_are_found_by_external_id_and_listed_per_learner(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _learners(uow_factory)
    with uow_factory() as uow:
        uow.completions.add(completion_of(2))
        uow.completions.add(completion_of(1, score=None, grade="B+", url=None))
        uow.completions.add(completion_of(3, user_id="u-2"))
        uow.completions.record(
            CompletionEvent(
                T0, ISSUER, "integration:moodle", "recorded", "moodle", completion_of(2).id
            )
        )
        uow.completions.record(CompletionEvent(T0, ISSUER, "token:t", "registered", "moodle"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.completions.by_external_id(ISSUER, "moodle", "ext-2") == completion_of(2)
        assert uow.completions.by_external_id(ISSUER, "canvas", "ext-2") is None
        assert uow.completions.by_external_id("elsewhere", "moodle", "ext-2") is None
        assert [c.id for c in uow.completions.for_learner("o-1", "u-1")] == [
            completion_of(1).id,
            completion_of(2).id,
        ]
        assert uow.completions.for_learner("o-1", "u-1")[0].grade == "B+"
        assert uow.completions.for_learner("o-2", "u-1") == []
        assert [e.action for e in uow.completions.events(ISSUER)] == ["recorded", "registered"]
        assert uow.completions.events("elsewhere") == []


def test_the_same_external_id_of_a_system_is_a_conflict_when_added(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _learners(uow_factory)
    with uow_factory() as uow:
        uow.completions.add(completion_of(1))
        uow.commit()
    with uow_factory() as uow:
        uow.completions.add(completion_of(2, external_id="ext-1", system="canvas"))  # other system
        with pytest.raises(ConflictError):
            uow.completions.add(completion_of(3, external_id="ext-1"))
    with uow_factory() as uow, pytest.raises(ConflictError):  # noqa: PT012
        uow.completions.add(completion_of(4, user_id="nobody"))
        uow.commit()
    with uow_factory() as uow:
        assert [c.id for c in uow.completions.for_learner("o-1", "u-1")] == [completion_of(1).id]


# --- evidence --------------------------------------------------------------------------------

RUBRIC_SPEC = {
    "id": "rubric-1",
    "title": "Rubric",
    "pass_points": 1,
    "criteria": [
        {
            "id": "c",
            "title": "C",
            "levels": [
                {"id": "no", "title": "No", "points": 0},
                {"id": "ok", "title": "OK", "points": 1},
            ],
        }
    ],
}


def rubric_of(title: str = "Rubric") -> Rubric:
    return Rubric(ISSUER, RubricSpec.model_validate({**RUBRIC_SPEC, "title": title}), T0, T0)


def submission_of(version: int, *, user_id: str = "u-1", at: dt.datetime = T0) -> Submission:
    return Submission(
        id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"evidence/{user_id}/{version}")),
        issuer_id=ISSUER,
        offering_id="o-1",
        requirement_id="work",
        rubric_id="rubric-1",
        user_id=user_id,
        version=version,
        state=SubmissionState.SUBMITTED,
        submitted_at=at,
        text="My work",
        link="https://example.org/work",
    )


def seed_evidence(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ann@example.org", "Ann", None, False, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0))
        uow.offerings.add(offering("o-1"))
        uow.evidence.add_rubric(rubric_of())
        uow.commit()


def test_rubrics_are_stored_replaced_and_listed(uow_factory: UnitOfWorkFactory) -> None:
    seed_evidence(uow_factory)
    with uow_factory() as uow:
        assert uow.evidence.rubric("rubric-1") == rubric_of()
        assert uow.evidence.rubric("nothing") is None
        changed = dataclasses.replace(rubric_of("Changed"), updated_at=T0 + dt.timedelta(1))
        uow.evidence.replace_rubric(changed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.evidence.rubrics_for(ISSUER) == [changed]
        assert uow.evidence.rubrics_for("elsewhere") == []
        assert uow.evidence.count_reviewed("rubric-1") == 0
        with pytest.raises(ConflictError):  # noqa: PT012 - here or at commit
            uow.evidence.add_rubric(rubric_of())
            uow.commit()


def test_submissions_files_reviews_and_the_queue(uow_factory: UnitOfWorkFactory) -> None:
    seed_evidence(uow_factory)
    content = b"%PDF-1.4 the work"
    first = dataclasses.replace(
        submission_of(1), file=EvidenceFile("work.pdf", "application/pdf", 0, "")
    )
    with uow_factory() as uow:
        uow.evidence.add_submission(first, content)
        uow.evidence.add_submission(submission_of(1, user_id="u-2", at=T0 + dt.timedelta(1)), None)
        uow.commit()
    digest = hashlib.sha256(content).hexdigest()
    stored = dataclasses.replace(
        first, file=EvidenceFile("work.pdf", "application/pdf", len(content), digest)
    )
    returned = dataclasses.replace(
        stored,
        state=SubmissionState.RETURNED,
        reviewed_at=T0 + dt.timedelta(hours=1),
        reviewer="user u-9",
        levels={"c": "no"},
        points=0,
        max_points=1,
        feedback="More.",
    )
    with uow_factory() as uow:
        assert uow.evidence.submission(first.id) == stored
        assert uow.evidence.submission("nothing") is None
        assert uow.evidence.file_content(first.id) == content
        assert uow.evidence.file_content(submission_of(1, user_id="u-2").id) is None
        assert uow.evidence.review(returned) is True
        assert uow.evidence.review(returned) is False  # reviewed already: nothing changes
        uow.commit()
    with uow_factory() as uow:
        assert uow.evidence.versions("o-1", "work", "u-1") == [returned]
        assert uow.evidence.count_reviewed("rubric-1") == 1
        uow.evidence.add_submission(submission_of(2, at=T0 + dt.timedelta(2)), None)
        uow.commit()
    with uow_factory() as uow:
        assert [s.version for s in uow.evidence.versions("o-1", "work", "u-1")] == [1, 2]
        waiting, total = uow.evidence.queue([ISSUER], state=SubmissionState.SUBMITTED)
        assert total == 2
        assert [(s.user_id, s.version) for s in waiting] == [("u-2", 1), ("u-1", 2)]  # oldest
        page, total = uow.evidence.queue([ISSUER], limit=1, offset=1)
        assert total == 3
        assert [s.id for s in page] == [submission_of(1, user_id="u-2").id]
        mine, _ = uow.evidence.queue([ISSUER], user_id="u-1", requirement_id="work")
        assert [s.version for s in mine] == [1, 2]
        assert uow.evidence.queue(["elsewhere"]) == ([], 0)
        assert uow.evidence.queue([ISSUER], offering_id="o-2") == ([], 0)


def test_two_submissions_of_one_version_clash(uow_factory: UnitOfWorkFactory) -> None:
    """The one-open-version guard: (offering, requirement, user, version) is unique."""
    seed_evidence(uow_factory)
    with uow_factory() as first, uow_factory() as late:
        first.evidence.add_submission(submission_of(1), None)
        rival = dataclasses.replace(submission_of(1), id=str(uuid.uuid4()))
        first.commit()
        with pytest.raises(ConflictError):  # noqa: PT012 - here or at commit
            late.evidence.add_submission(rival, None)
            late.commit()


def test_evidence_events_come_back_by_time_and_must_name_what_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed_evidence(uow_factory)
    later = T0 + dt.timedelta(minutes=5)
    sub = submission_of(1)
    with uow_factory() as uow:
        uow.evidence.add_submission(sub, None)
        uow.evidence.record(EvidenceEvent(later, "user u-9", "accepted", "rubric-1", sub.id, "1/1"))
        uow.evidence.record(EvidenceEvent(T0, "user u-1", "submitted", "rubric-1", sub.id))
        uow.evidence.record(EvidenceEvent(T0, "token t", "created", "rubric-1"))
        uow.commit()
    with uow_factory() as uow:
        assert [e.action for e in uow.evidence.events("rubric-1")] == [
            "submitted",
            "created",
            "accepted",
        ]
        assert [e.action for e in uow.evidence.events("rubric-1", [sub.id])] == [
            "submitted",
            "accepted",
        ]
        assert uow.evidence.events("other") == []
        uow.evidence.record(EvidenceEvent(T0, "user u-1", "submitted", "rubric-1", "no-such"))
        with pytest.raises(ConflictError):
            uow.commit()


# --- recognition -----------------------------------------------------------------------------

FOREIGN = "did:key:z6MkforeignIssuer"


def verification_at(at: dt.datetime, outcome: str = "passed") -> Verification:
    return Verification(at, "valid", (VerificationCheck("proof", outcome, "signed"),))


def foreign_of(id: str = "fc-1", user_id: str = "u-1", key: str = "k" * 64) -> ForeignCredential:
    return ForeignCredential(
        id=id,
        user_id=user_id,
        key=key,
        text='{"id": "urn:x"}',
        credential={"id": "urn:x", "issuer": {"id": FOREIGN, "name": "Elsewhere"}},
        source="the file x.json",
        added_at=T0,
        verification=verification_at(T0),
    )


def seed_recognition(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.accounts.add_user(User("u-1", "ann@example.org", "Ann", None, False, T0))
        uow.accounts.add_user(User("u-2", "bob@example.org", "Bob", None, False, T0))
        uow.commit()


def test_recognised_issuers_and_equivalences_are_kept_per_organisation(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed_recognition(uow_factory)
    later = T0 + dt.timedelta(minutes=1)
    first = RecognisedIssuer("ri-1", ISSUER, FOREIGN, "Elsewhere", T0, "a note")
    second = RecognisedIssuer("ri-2", ISSUER, "https://other.example/issuer", "Other", later)
    by_id = Equivalence("eq-1", ISSUER, ACHIEVEMENT, T0, foreign_achievement="urn:foreign:1")
    by_skill = Equivalence(
        "eq-2", ISSUER, ACHIEVEMENT, later, alignment="http://data.europa.eu/esco/skill/x",
        credits=Credit(decimal.Decimal("2.5"), CreditUnit.ECTS),
    )  # fmt: skip
    with uow_factory() as uow:
        uow.recognition.add_issuer(second)
        uow.recognition.add_issuer(first)
        uow.recognition.add_equivalence(by_skill)
        uow.recognition.add_equivalence(by_id)
        uow.recognition.record_change(
            RecognitionChange(T0, "u-9", ISSUER, "issuer.added", "ri-1", "{}")
        )
        uow.recognition.record_change(
            RecognitionChange(T0, "u-9", ISSUER, "issuer.added", "ri-2", "{}")
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.recognition.issuers_of(ISSUER) == [first, second]
        assert uow.recognition.issuers_of("elsewhere") == []
        assert uow.recognition.recognising(FOREIGN) == [first]
        assert uow.recognition.equivalences_of(ISSUER) == [by_id, by_skill]
        assert [c.subject_id for c in uow.recognition.changes(ISSUER)] == ["ri-1", "ri-2"]
        uow.recognition.remove_issuer("ri-1")
        uow.recognition.remove_equivalence("eq-2")
        uow.commit()
    with uow_factory() as uow:
        assert uow.recognition.issuers_of(ISSUER) == [second]
        assert uow.recognition.equivalences_of(ISSUER) == [by_id]
        with pytest.raises(ConflictError):  # noqa: PT012 (SQL: on add, memory: at commit)
            uow.recognition.add_issuer(dataclasses.replace(second, id="ri-3"))
            uow.commit()


def test_recognition_settings_must_name_what_exists(uow_factory: UnitOfWorkFactory) -> None:
    seed_recognition(uow_factory)
    with uow_factory() as uow:
        uow.recognition.add_equivalence(
            Equivalence("eq-1", ISSUER, "no-such", T0, foreign_achievement="urn:foreign:1")
        )
        with pytest.raises(ConflictError):
            uow.commit()


def test_foreign_credentials_their_verification_and_log(uow_factory: UnitOfWorkFactory) -> None:
    seed_recognition(uow_factory)
    stored = foreign_of()
    with uow_factory() as uow:
        uow.recognition.add_credential(stored)
        uow.recognition.add_credential(foreign_of("fc-2", "u-2"))  # the same key, another user
        uow.recognition.record(RecognitionEvent(T0, "u-1", "fc-1", "added", "added from x"))
        uow.recognition.record(
            RecognitionEvent(
                T0, "credstack", "fc-1", "decided", "counted: by id", ISSUER, True,
                frozenset({ACHIEVEMENT}), (Credit(decimal.Decimal("3"), CreditUnit.CREDITS),),
            )
        )  # fmt: skip
        uow.recognition.record(
            RecognitionEvent(T0, "credstack", "fc-1", "decided", "not counted", ISSUER, False)
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.recognition.credential("fc-1") == stored
        assert uow.recognition.credential("nothing") is None
        assert [c.id for c in uow.recognition.credentials_of("u-1")] == ["fc-1"]
        events = uow.recognition.events("fc-1")
        assert [e.action for e in events] == ["added", "decided", "decided"]
        assert events[1].counts_as == {ACHIEVEMENT}
        assert events[1].credits == (Credit(decimal.Decimal("3"), CreditUnit.CREDITS),)
        last = uow.recognition.last_decision("fc-1", ISSUER)
        assert last is not None
        assert last.why == "not counted"
        assert uow.recognition.last_decision("fc-2", ISSUER) is None
        again = verification_at(T0 + dt.timedelta(days=2), "failed")
        uow.recognition.set_verification("fc-1", again)
        uow.commit()
    with uow_factory() as uow:
        found = uow.recognition.credential("fc-1")
        assert found is not None
        assert found.verification == again
        with pytest.raises(ConflictError):  # noqa: PT012 (SQL: on add, memory: at commit)
            uow.recognition.add_credential(foreign_of("fc-3"))  # u-1 has that key already
            uow.commit()
    with uow_factory() as uow:
        uow.recognition.record(RecognitionEvent(T0, "u-1", "no-such", "added", "x"))
        with pytest.raises(ConflictError):
            uow.commit()
