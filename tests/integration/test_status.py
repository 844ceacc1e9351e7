"""Credential status on a real database (SQLite, and PostgreSQL when configured): status
entries and the lists they point at, index allocation (random, never reused, safe across
processes), revoke/suspend/unsuspend with their audit trail, publishing the lists, checking
status as a verifier (local and remote lists, caching), expiry and renewal, and suspension
switched off.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import gzip
import json
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from credstack.bootstrap import build_services
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import Award
from credstack.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StorageError,
)
from credstack.domain.status import AuditEvent, StatusAction, StatusList
from credstack.domain.status_indexes import index_for_position
from credstack.ob import schema_errors
from credstack.ob.awards_v3p0 import xsd_date_time
from credstack.services import status as status_services
from credstack.services.awards import issue_award, renew_award, show_award
from credstack.services.bulk_awards import issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.services.status import (
    change_status,
    export_status_lists,
    refresh_status_lists,
    reserve_slots,
)
from credstack.services.status_checking import LocalStatusChecker
from credstack.settings import Settings
from credstack.storage.repositories import SqlAwardRepository, SqlStatusListRepository
from credstack.storage.rows import AuditEventRow, AwardRow
from credstack.vc import FetchError, MappingFetcher, Outcome, Verdict, verify, verify_proofs
from credstack.vc.status_list import (
    MIN_LIST_BITS,
    CachingStatusChecker,
    bit_is_set,
    decode_list,
)
from credstack.vc.verification import StatusChecker, VerificationReport
from tests.conftest import load_json
from tests.fakes import FixedClock
from tests.integration.test_platform_services import (
    ACHIEVEMENT,
    ISSUER,
    KEK_A,
    SPEC,
    award_to,
    count,
    credential,
    engine_of,
    make_issuer,
    published,
)

BASE = "https://badges.example/cs"
REVOKE, SUSPEND, UNSUSPEND = StatusAction.REVOKE, StatusAction.SUSPEND, StatusAction.UNSUSPEND
OTHER_SPEC = AchievementSpec.model_validate(SPEC.model_dump() | {"id": "other-101"})


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def issued(deps: ServiceDeps) -> ServiceDeps:
    """``deps`` under ``BASE``, with a did:key issuer and a published definition."""
    deps = dataclasses.replace(deps, base_url=BASE)
    make_issuer(deps)
    published(deps)
    return deps


def entries(award: Award) -> list[dict[str, Any]]:
    status = credential(award)["credentialStatus"]
    return status if isinstance(status, list) else [status]


def stored_list(deps: ServiceDeps, award: Award) -> StatusList:
    assert award.status_list_id is not None
    with deps.uow() as uow:
        return uow.status_lists.get(award.status_list_id)


def all_lists(deps: ServiceDeps) -> list[StatusList]:
    with deps.uow() as uow:
        return uow.status_lists.list()


def signed(status_list: StatusList, purpose: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        status_list.revocation_credential
        if purpose == "revocation"
        else status_list.suspension_credential
    )
    return document


def bit(deps: ServiceDeps, award: Award, purpose: str) -> bool:
    """The award's bit, as stored and as published in the signed list (which must agree)."""
    status_list = stored_list(deps, award)
    assert award.status_index is not None
    stored = bit_is_set(bytes(status_list.bits(purpose)), award.status_index)
    encoded = signed(status_list, purpose)["credentialSubject"]["encodedList"]
    assert bit_is_set(decode_list(encoded), award.status_index) is stored, purpose
    return stored


def audit(deps: ServiceDeps, award_id: str) -> list[AuditEvent]:
    with deps.uow() as uow:
        return uow.audit.for_award(award_id)


def status_checks(report: VerificationReport) -> list[tuple[Outcome, str]]:
    return [(c.outcome, c.message) for c in report.checks if c.name == "status"]


def check_with(
    deps: ServiceDeps, award: Award, checker: StatusChecker, fetcher: Any = None
) -> VerificationReport:
    now = deps.clock.now() + dt.timedelta(minutes=1)
    return verify(award.credential, now=now, fetcher=fetcher, status_checker=checker)


def proof_verifies(document: dict[str, Any]) -> bool:
    results = verify_proofs(document)
    return bool(results) and all(r.verified for r in results)


class Race:
    """A second status change (another process, as far as the database can tell) started
    in a thread from inside the first, right after the first call of ``owner.name`` that
    ``when`` accepts: the moment the first change has read what it will write.

    The first change waits for the second while the second is not blocked by a lock the
    first holds (then it goes on, as a database would make it). ``finish`` waits for the
    second to end; ``outcome`` holds what it returned or raised."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        owner: Any,
        name: str,
        other: Callable[[], Any],
        when: Callable[..., bool] = lambda *args, **kwargs: True,
    ) -> None:
        self.outcome: list[Any] = []
        self._thread: threading.Thread | None = None
        original = getattr(owner, name)

        def run() -> None:
            try:
                self.outcome.append(other())
            except Exception as error:  # the test asserts on it
                self.outcome.append(error)

        def hooked(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if self._thread is None and when(*args, **kwargs):
                self._thread = threading.Thread(target=run)
                self._thread.start()
                self._thread.join(timeout=1.5)  # still running: it waits for our lock
            return result

        monkeypatch.setattr(owner, name, hooked)

    def finish(self, *, may_fail: bool = False) -> Any:
        """What the second change returned (or, with ``may_fail``, raised)."""
        assert self._thread is not None, "the second change never started"
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        (outcome,) = self.outcome
        assert may_fail or not isinstance(outcome, Exception), outcome
        return outcome


# --- 1. every credential points at signed lists of its issuer --------------------------------


def test_credential_carries_revocation_and_suspension_entries_in_its_issuers_lists(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(issued, award_to())
    revocation, suspension = entries(award)
    status_list = stored_list(issued, award)
    assert status_list.issuer_id == ISSUER
    for entry, purpose in ((revocation, "revocation"), (suspension, "suspension")):
        url = f"{BASE}/status/{ISSUER}/{status_list.number}/{purpose}.json"
        assert entry == {
            "id": f"{url}#{award.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(award.status_index),
            "statusListCredential": url,
        }
        document = signed(status_list, purpose)
        assert document["id"] == url
        assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert document["issuer"] == credential(award)["issuer"]["id"]
        subject = document["credentialSubject"]
        assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", purpose)
        # §3.1: multibase base64url ("u", no padding) of GZIP data, at least 131,072 bits.
        encoded = subject["encodedList"]
        assert encoded.startswith("u")
        assert "=" not in encoded
        compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        bits = gzip.decompress(compressed)
        assert bits == decode_list(encoded) == bytes(MIN_LIST_BITS // 8)
        assert status_list.size >= MIN_LIST_BITS == 131_072
        assert proof_verifies(document)
        report = verify(document, now=clock.now() + dt.timedelta(minutes=1))
        assert report.verdict is Verdict.VALID, report.to_dict()

    report = check_with(issued, award, LocalStatusChecker(issued))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert [o for o, _ in status_checks(report)] == [Outcome.PASSED, Outcome.PASSED]


def test_each_issuer_gets_lists_of_its_own(issued: ServiceDeps) -> None:
    make_issuer(issued, "other-uni")
    published(issued, OTHER_SPEC, issuer="other-uni")
    mine = issue_award(issued, award_to())
    theirs = issue_award(issued, award_to(achievement=OTHER_SPEC.id))
    assert mine.status_list_id != theirs.status_list_id
    for award in (mine, theirs):
        status_list = stored_list(issued, award)
        assert status_list.issuer_id == award.issuer_id
        assert signed(status_list, "revocation")["issuer"] == credential(award)["issuer"]["id"]
        assert entries(award)[0]["statusListCredential"].startswith(
            f"{BASE}/status/{award.issuer_id}/"
        )


# --- 2. indexes: random, never reused, safe across processes ---------------------------------


def test_indexes_are_random_spread_and_never_repeat(issued: ServiceDeps) -> None:
    rows = [(line, award_to(f"learner{line}@example.org")) for line in range(50)]
    outcomes = list(issue_awards(issued, ACHIEVEMENT, rows, batch_size=20))
    awards = [show_award(issued, str(o.award_id)) for o in sorted(outcomes, key=lambda o: o.line)]
    awards += [issue_award(issued, award_to(f"single{n}@example.org")) for n in range(5)]
    indexes = [a.status_index for a in awards]
    assert all(isinstance(i, int) and 0 <= i < MIN_LIST_BITS for i in indexes)
    assert len(set(indexes)) == len(indexes) == 55
    first_50 = [i for i in indexes[:50] if i is not None]
    assert first_50 != sorted(first_50)  # not handed out in issuing order
    assert max(first_50) - min(first_50) > MIN_LIST_BITS // 2  # spread over the list
    gaps = sorted(b - a for a, b in zip(sorted(first_50), sorted(first_50)[1:], strict=False))
    assert gaps[len(gaps) // 2] > 100  # not a contiguous run
    for award in awards:
        assert {e["statusListIndex"] for e in entries(award)} == {str(award.status_index)}


def test_a_cohort_reserving_ahead_leaves_no_gap_when_rows_repeat(issued: ServiceDeps) -> None:
    # The next batch's slots are reserved while this one is signed; slots of rows that turn
    # out to be repeats (and of the chunk reserved ahead) are given back at the end.
    first = [(line, award_to(f"learner{line}@example.org")) for line in range(7)]
    assert {o.status for o in issue_awards(issued, ACHIEVEMENT, first, batch_size=3)} == {"issued"}
    again = first[2:] + [(line, award_to(f"new{line}@example.org")) for line in range(7, 9)]
    statuses = [o.status for o in issue_awards(issued, ACHIEVEMENT, again, batch_size=3)]
    assert sorted(statuses) == ["issued"] * 2 + ["skipped"] * 5
    (status_list,) = all_lists(issued)
    assert status_list.next_position == 9  # one position per credential, none lost


def test_a_full_list_opens_the_next_and_its_indexes_are_not_reused(issued: ServiceDeps) -> None:
    first = issue_award(issued, award_to())
    with engine_of(issued).begin() as connection:
        connection.execute(
            text("UPDATE status_lists SET next_position = size - 2 WHERE id = :id"),
            {"id": first.status_list_id},
        )
    with issued.uow() as uow:
        record, key = signing_key(uow, issued.vault, ISSUER)
    slots = reserve_slots(issued, ISSUER, record.id, key, 5)
    assert [s.number for s in slots] == [1, 1, 2, 2, 2]
    (one, two) = all_lists(issued)
    assert (one.number, one.next_position) == (1, one.size)
    assert (two.number, two.next_position, two.size) == (2, 3, MIN_LIST_BITS)
    assert [s.list_id for s in slots] == [one.id, one.id, two.id, two.id, two.id]
    assert [s.index for s in slots[:2]] == [
        index_for_position(one.permutation_key, p, one.size) for p in (one.size - 2, one.size - 1)
    ]
    assert first.status_index not in {s.index for s in slots[:2]}
    assert len({s.index for s in slots[2:]}) == 3
    assert two.permutation_key != one.permutation_key

    later = issue_award(issued, award_to("later@example.org"))
    assert later.status_list_id == two.id
    assert entries(later)[0]["statusListCredential"] == f"{BASE}/status/{ISSUER}/2/revocation.json"
    assert later.status_index not in {s.index for s in slots[2:]}
    change_status(issued, later.id, REVOKE, reason="issued in error", actor="registrar")
    assert bit(issued, later, "revocation")
    assert not bit(issued, first, "revocation")
    report = check_with(issued, later, LocalStatusChecker(issued))
    assert status_checks(report)[0] == (Outcome.FAILED, "Revoked on 2026-11-24: issued in error")


def _issue_in_process(
    settings: dict[str, str], learners: list[str], start: Any, results: Any
) -> None:
    """A separate issuing process (spawned): its own services, engine and key vault."""
    services = build_services(Settings(**settings))  # type: ignore[arg-type]
    try:
        start.wait(timeout=60)
        ids = [issue_award(services, award_to(email)).id for email in learners[:-4]]
        rows = [(n, award_to(email)) for n, email in enumerate(learners[-4:])]
        ids += [str(o.award_id) for o in issue_awards(services, ACHIEVEMENT, rows, batch_size=2)]
        results.put(ids)
    except Exception as error:
        results.put(repr(error))
    finally:
        engine_of(services).dispose()


def test_issuing_processes_at_once_never_share_or_lose_an_index(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("concurrent writers are a PostgreSQL concern; SQLite serialises them")
    settings = {
        "data_dir": str(tmp_path / "data"),
        "database_url": database_url,
        "key_encryption_key": KEK_A,
    }
    setup = build_services(Settings(**settings))  # type: ignore[arg-type]
    processes_count, per_process = 4, 12
    try:
        make_issuer(setup)
        published(setup)  # no list yet: the processes race to open the first one too
        context = multiprocessing.get_context("spawn")
        start, results = context.Barrier(processes_count), context.Queue()
        processes = [
            context.Process(
                target=_issue_in_process,
                args=(
                    settings,
                    [f"p{p}-{n}@example.org" for n in range(per_process)],
                    start,
                    results,
                ),
            )
            for p in range(processes_count)
        ]
        for process in processes:
            process.start()
        outputs = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert all(isinstance(o, list) for o in outputs), outputs
        issued_ids = sorted(i for o in outputs for i in o)
        assert len(issued_ids) == len(set(issued_ids)) == processes_count * per_process

        with setup.uow() as uow:
            awards = list(uow.awards.list())
            lists = uow.status_lists.list()
        assert sorted(a.id for a in awards) == issued_ids
        pairs = {(a.status_list_id, a.status_index) for a in awards}
        assert len(pairs) == len(awards)  # no index given twice
        # None lost: every position handed out went to exactly one award (bulk runs reserve
        # two at a time and use both), so the positions of each list map onto its indexes.
        assert sum(sl.next_position for sl in lists) == len(awards)
        for status_list in lists:
            assert status_list.issuer_id == ISSUER
            assert {i for list_id, i in pairs if list_id == status_list.id} == {
                index_for_position(status_list.permutation_key, position, status_list.size)
                for position in range(status_list.next_position)
            }
        numbers = {sl.id: sl.number for sl in lists}
        for award in awards:
            assert {e["statusListIndex"] for e in entries(award)} == {str(award.status_index)}
            assert entries(award)[0]["statusListCredential"].endswith(
                f"/{numbers[award.status_list_id or 0]}/revocation.json"
            )
    finally:
        engine_of(setup).dispose()


# --- 3. revoke, suspend, unsuspend -----------------------------------------------------------


def test_revoking_sets_the_bit_resigns_the_list_and_is_audited(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(issued, award_to())
    bystander = issue_award(issued, award_to("bob@example.org"))
    before = stored_list(issued, award)
    clock.advance(hours=5)
    revoked = change_status(
        issued, award.id, REVOKE, reason="  academic misconduct ", actor="registrar"
    )

    assert revoked.state.revoked_at == clock.now()
    assert revoked.state.revocation_reason == "academic misconduct"
    assert show_award(issued, award.id).state == revoked.state
    assert bit(issued, award, "revocation")
    assert not bit(issued, award, "suspension")
    assert not bit(issued, bystander, "revocation")
    document = signed(stored_list(issued, award), "revocation")
    assert document["validFrom"] == xsd_date_time(clock.now())
    assert document["validUntil"] == xsd_date_time(clock.now() + issued.status_list_ttl)
    assert document["validFrom"] != signed(before, "revocation")["validFrom"]
    assert proof_verifies(document)
    assert stored_list(issued, award).valid_until == clock.now() + issued.status_list_ttl
    assert audit(issued, award.id) == [
        AuditEvent(clock.now(), "registrar", REVOKE, award.id, "academic misconduct")
    ]
    assert audit(issued, bystander.id) == []
    assert count(issued, AuditEventRow) == 1

    report = check_with(issued, award, LocalStatusChecker(issued))
    assert report.verdict is Verdict.INVALID
    assert status_checks(report)[0] == (
        Outcome.FAILED,
        "Revoked on 2026-11-24: academic misconduct",
    )
    assert check_with(issued, bystander, LocalStatusChecker(issued)).verdict is Verdict.VALID


def test_a_checker_with_a_max_age_reads_each_list_once_in_that_time(issued: ServiceDeps) -> None:
    # what a busy verification endpoint trades: a revocation is seen at most max_age late
    award = issue_award(issued, award_to())
    patient = LocalStatusChecker(issued, max_age=3600)
    eager = LocalStatusChecker(issued)
    for checker in (patient, eager):
        assert status_checks(check_with(issued, award, checker))[0][0] is Outcome.PASSED
    change_status(issued, award.id, REVOKE, reason="issued in error", actor="registrar")
    assert status_checks(check_with(issued, award, patient))[0][0] is Outcome.PASSED  # cached
    assert status_checks(check_with(issued, award, eager))[0] == (
        Outcome.FAILED,
        "Revoked on 2026-11-24: issued in error",
    )
    fresh = LocalStatusChecker(issued, max_age=3600)
    assert status_checks(check_with(issued, award, fresh))[0][0] is Outcome.FAILED


def test_suspension_is_lifted_by_unsuspending(issued: ServiceDeps, clock: FixedClock) -> None:
    award = issue_award(issued, award_to())
    clock.advance(hours=1)
    suspended = change_status(issued, award.id, SUSPEND, reason="under review", actor="alice")
    assert (suspended.state.suspended_at, suspended.state.suspension_reason) == (
        clock.now(),
        "under review",
    )
    assert not suspended.state.revoked
    assert bit(issued, award, "suspension")
    assert not bit(issued, award, "revocation")
    document = signed(stored_list(issued, award), "suspension")
    assert document["validFrom"] == xsd_date_time(clock.now())
    assert proof_verifies(document)
    report = check_with(issued, award, LocalStatusChecker(issued))
    assert report.verdict is Verdict.INVALID
    assert status_checks(report)[1] == (Outcome.FAILED, "Suspended on 2026-11-24: under review")

    with pytest.raises(ConflictError, match="suspended already"):
        change_status(issued, award.id, SUSPEND, reason="again", actor="alice")
    clock.advance(hours=1)
    lifted = change_status(issued, award.id, UNSUSPEND, reason=None, actor="bob")
    assert not lifted.state.suspended
    assert not lifted.state.revoked
    assert show_award(issued, award.id).state == lifted.state
    assert not bit(issued, award, "suspension")
    assert signed(stored_list(issued, award), "suspension")["validFrom"] == xsd_date_time(
        clock.now()
    )
    assert check_with(issued, award, LocalStatusChecker(issued)).verdict is Verdict.VALID
    with pytest.raises(ConflictError, match="not suspended"):
        change_status(issued, award.id, UNSUSPEND, reason=None, actor="bob")
    assert [(e.action, e.actor, e.reason) for e in audit(issued, award.id)] == [
        (SUSPEND, "alice", "under review"),
        (UNSUSPEND, "bob", None),
    ]


@pytest.mark.parametrize("suspended_first", [False, True])
@pytest.mark.parametrize("action", [REVOKE, SUSPEND, UNSUSPEND])
def test_revocation_is_final(
    issued: ServiceDeps, clock: FixedClock, action: StatusAction, suspended_first: bool
) -> None:
    award = issue_award(issued, award_to())
    if suspended_first:  # revoking a suspended credential is allowed
        change_status(issued, award.id, SUSPEND, reason="under review", actor="alice")
    change_status(issued, award.id, REVOKE, reason="fraud", actor="alice")
    state, status_list = show_award(issued, award.id).state, stored_list(issued, award)
    events = audit(issued, award.id)
    clock.advance(hours=1)
    with pytest.raises(ConflictError, match=r"revoked on 2026-11-24; revocation is final"):
        change_status(issued, award.id, action, reason="second thoughts", actor="bob")
    assert show_award(issued, award.id).state == state
    assert (state.revoked, state.revocation_reason) == (True, "fraud")
    assert stored_list(issued, award) == status_list  # not re-signed either
    assert audit(issued, award.id) == events
    assert bit(issued, award, "revocation")


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("action", [REVOKE, SUSPEND])
def test_revoking_or_suspending_needs_a_reason(
    issued: ServiceDeps, action: StatusAction, reason: str | None
) -> None:
    award = issue_award(issued, award_to())
    status_list = stored_list(issued, award)
    with pytest.raises(InvalidInputError, match=f"a reason is required to {action.value}"):
        change_status(issued, award.id, action, reason=reason, actor="alice")
    assert show_award(issued, award.id).state == award.state
    assert stored_list(issued, award) == status_list
    assert count(issued, AuditEventRow) == 0


def test_status_of_an_unknown_credential_is_not_found(issued: ServiceDeps) -> None:
    with pytest.raises(NotFoundError, match="no credential 'nope'"):
        change_status(issued, "nope", REVOKE, reason="fraud", actor="alice")


def test_credential_can_be_named_by_its_credential_id(issued: ServiceDeps) -> None:
    award = issue_award(issued, award_to())
    assert award.credential_id.startswith(f"{BASE}/credentials/")
    change_status(issued, award.credential_id, REVOKE, reason="fraud", actor="alice")
    assert show_award(issued, award.id).state.revoked


def _fail(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("signing service down")


@pytest.mark.parametrize("action", [REVOKE, SUSPEND])
def test_failed_resigning_changes_nothing(
    issued: ServiceDeps, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, action: StatusAction
) -> None:
    award = issue_award(issued, award_to())
    status_list = stored_list(issued, award)
    clock.advance(hours=1)
    monkeypatch.setattr(status_services, "sign_credential", _fail)
    with pytest.raises(RuntimeError, match="signing service down"):
        change_status(issued, award.id, action, reason="fraud", actor="alice")
    assert show_award(issued, award.id).state == award.state
    assert stored_list(issued, award) == status_list
    assert count(issued, AuditEventRow) == 0
    monkeypatch.undo()
    change_status(issued, award.id, action, reason="fraud", actor="alice")
    assert len(audit(issued, award.id)) == 1


def test_failure_after_the_list_is_written_changes_nothing(
    issued: ServiceDeps, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = issue_award(issued, award_to())
    status_list = stored_list(issued, award)
    clock.advance(hours=1)
    original = SqlAwardRepository.set_state

    def set_state_then_fail(self: SqlAwardRepository, *args: Any) -> None:
        original(self, *args)  # the list and the award are updated inside the transaction
        raise RuntimeError("connection lost")

    monkeypatch.setattr(SqlAwardRepository, "set_state", set_state_then_fail)
    with pytest.raises(RuntimeError, match="connection lost"):
        change_status(issued, award.id, REVOKE, reason="fraud", actor="alice")
    assert show_award(issued, award.id).state == award.state
    assert stored_list(issued, award) == status_list
    assert not bit(issued, award, "revocation")
    assert count(issued, AuditEventRow) == 0


# Two status changes at once: ``Race`` starts the second from inside the first, at the
# moment the first has read what it will change.


def test_a_revocation_during_an_unsuspend_stays_final(
    issued: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = issue_award(issued, award_to())
    change_status(issued, award.id, SUSPEND, reason="under review", actor="alice")
    race = Race(
        monkeypatch,
        SqlAwardRepository,
        "get",
        lambda: change_status(issued, award.id, REVOKE, reason="fraud", actor="bob"),
    )
    # The unsuspend may see the revocation and be refused, and a fix may let the database
    # end one of the two (a deadlock); what must never happen is an accepted revocation
    # that is then undone.
    with contextlib.suppress(ConflictError, StorageError):
        change_status(issued, award.id, UNSUSPEND, reason="cleared", actor="alice")
    revoked = race.finish(may_fail=True)
    monkeypatch.undo()
    if isinstance(revoked, Award):
        state = show_award(issued, award.id).state
        assert (state.revoked, state.revocation_reason) == (True, "fraud")
        assert bit(issued, award, "revocation")


def test_two_revocations_at_once_both_set_their_bits(
    issued: ServiceDeps,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    request: pytest.FixtureRequest,
) -> None:
    first = issue_award(issued, award_to())
    second = issue_award(issued, award_to("bob@example.org"))
    race = Race(
        monkeypatch,
        SqlStatusListRepository,
        "get",
        lambda: change_status(issued, second.id, REVOKE, reason="fraud", actor="bob"),
        when=lambda *args, **kwargs: kwargs.get("for_update", False),
    )
    change_status(issued, first.id, REVOKE, reason="fraud", actor="alice")
    race.finish()
    monkeypatch.undo()
    assert bit(issued, first, "revocation")
    assert bit(issued, second, "revocation")


def test_a_revocation_during_a_refresh_keeps_its_bit(
    issued: ServiceDeps, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = issue_award(issued, award_to())
    clock.advance(hours=40)
    calls: list[int] = []

    def first_call(*args: Any, **kwargs: Any) -> bool:
        calls.append(1)
        return len(calls) == 1

    race = Race(
        monkeypatch,
        status_services,
        "signing_key",
        lambda: change_status(issued, award.id, REVOKE, reason="fraud", actor="bob"),
        when=first_call,
    )
    assert refresh_status_lists(issued) == 1
    race.finish()
    monkeypatch.undo()
    assert show_award(issued, award.id).state.revoked
    assert bit(issued, award, "revocation")


# --- 4. publishing the lists -----------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["https://badges.example/cs", "https://badges.example/cs/v1/", "https://badges.example", None],
)
def test_export_writes_each_list_where_its_url_points(
    deps: ServiceDeps, tmp_path: Path, base_url: str | None
) -> None:
    deps = dataclasses.replace(deps, base_url=base_url)
    make_issuer(deps)
    make_issuer(deps, "other-uni")
    published(deps)
    published(deps, OTHER_SPEC, issuer="other-uni")
    awards = [
        issue_award(deps, award_to()),
        issue_award(deps, award_to(achievement=OTHER_SPEC.id)),
    ]
    change_status(deps, awards[0].id, REVOKE, reason="fraud", actor="alice")
    folder = tmp_path / "public"
    written = export_status_lists(deps, folder)

    # A static web server rooted at ``folder`` serves ``folder/x`` at ``root/x``.
    root = (base_url or "http://localhost:8000").rstrip("/")
    expected = {
        folder / "status" / issuer / "1" / f"{purpose}.json"
        for issuer in (ISSUER, "other-uni")
        for purpose in ("revocation", "suspension")
    }
    assert sorted(written) == sorted(expected)
    assert {p for p in folder.rglob("*") if p.is_file()} == expected
    stored = {
        signed(sl, purpose)["id"]: sl.revocation_credential
        if purpose == "revocation"
        else sl.suspension_credential
        for sl in all_lists(deps)
        for purpose in ("revocation", "suspension")
    }
    served_at = {f"{root}/{p.relative_to(folder).as_posix()}": p for p in written}
    assert set(served_at) == set(stored)
    for url, path in served_at.items():
        assert path.read_text("utf-8") == stored[url]  # the stored signed text, byte for byte
    for award in awards:
        assert {e["statusListCredential"] for e in entries(award)} <= set(served_at)
    revocation = served_at[entries(awards[0])[0]["statusListCredential"]]
    encoded = json.loads(revocation.read_text("utf-8"))["credentialSubject"]["encodedList"]
    assert bit_is_set(decode_list(encoded), awards[0].status_index or 0)


def test_lists_running_low_are_resigned_before_export(
    issued: ServiceDeps, clock: FixedClock, tmp_path: Path
) -> None:
    award = issue_award(issued, award_to())
    issued_at = clock.now()
    assert refresh_status_lists(issued) == 0
    clock.advance(hours=23)  # more than half the 48 hours left: kept
    export_status_lists(issued, tmp_path / "public")
    assert signed(stored_list(issued, award), "revocation")["validFrom"] == xsd_date_time(issued_at)
    clock.advance(hours=2)  # less than half left: re-signed, with the same bits
    written = export_status_lists(issued, tmp_path / "public")
    for path in written:
        document = json.loads(path.read_text("utf-8"))
        assert document["validFrom"] == xsd_date_time(clock.now())
        assert document["validUntil"] == xsd_date_time(clock.now() + issued.status_list_ttl)
        assert proof_verifies(document)
    assert refresh_status_lists(issued) == 0
    assert refresh_status_lists(issued, force=True) == 1


def test_export_to_an_unwritable_folder_is_a_one_line_error(
    issued: ServiceDeps, tmp_path: Path
) -> None:
    issue_award(issued, award_to())
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    with pytest.raises(InvalidInputError, match="cannot write"):
        export_status_lists(issued, blocker)


# --- 5. checking status as a verifier --------------------------------------------------------


def served(deps: ServiceDeps, *awards: Award) -> dict[str, str]:
    """The lists behind ``awards`` by URL, as the issuer's web server would serve them."""
    documents = {}
    for award in awards:
        status_list = stored_list(deps, award)
        for purpose in ("revocation", "suspension"):
            text_ = (
                status_list.revocation_credential
                if purpose == "revocation"
                else status_list.suspension_credential
            )
            documents[json.loads(text_)["id"]] = text_
    return documents


def test_remote_list_revoked_is_failed(issued: ServiceDeps, clock: FixedClock) -> None:
    award = issue_award(issued, award_to())
    checker = CachingStatusChecker(clock=clock.now)
    report = check_with(issued, award, checker, MappingFetcher(served(issued, award)))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert [o for o, _ in status_checks(report)] == [Outcome.PASSED, Outcome.PASSED]

    change_status(issued, award.id, REVOKE, reason="fraud", actor="alice")
    fetcher = MappingFetcher(served(issued, award))
    report = check_with(issued, award, CachingStatusChecker(clock=clock.now), fetcher)
    assert report.verdict is Verdict.INVALID
    outcome, message = status_checks(report)[0]
    assert outcome is Outcome.FAILED
    assert "revoked" in message
    # Another installation's checker sends a list that is not its own to the remote checker.
    elsewhere = dataclasses.replace(issued, base_url="https://elsewhere.example")
    local = LocalStatusChecker(elsewhere, remote=CachingStatusChecker(clock=clock.now))
    fetcher = MappingFetcher(served(issued, award))
    report = check_with(issued, award, local, fetcher)
    assert status_checks(report)[0][0] is Outcome.FAILED
    assert entries(award)[0]["statusListCredential"] in fetcher.requests


def test_remote_list_from_another_issuer_or_altered_is_failed(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    make_issuer(issued, "other-uni")
    published(issued, OTHER_SPEC, issuer="other-uni")
    award = issue_award(issued, award_to())
    impostor = issue_award(issued, award_to(achievement=OTHER_SPEC.id))
    url = entries(award)[0]["statusListCredential"]
    theirs = stored_list(issued, impostor).revocation_credential
    fetcher = MappingFetcher({**served(issued, award), url: theirs})
    report = check_with(issued, award, CachingStatusChecker(clock=clock.now), fetcher)
    assert report.verdict is Verdict.INVALID
    outcome, message = status_checks(report)[0]
    assert outcome is Outcome.FAILED
    assert "someone other than the credential's issuer" in message

    altered = json.loads(served(issued, award)[url])
    altered["validUntil"] = "2099-01-01T00:00:00Z"
    fetcher = MappingFetcher({**served(issued, award), url: json.dumps(altered)})
    report = check_with(issued, award, CachingStatusChecker(clock=clock.now), fetcher)
    outcome, message = status_checks(report)[0]
    assert outcome is Outcome.FAILED
    assert "signature does not verify" in message


class Unreachable:
    """A fetcher whose network is down for ``urls`` (no HTTP status: nothing answered)."""

    def __init__(self, inner: MappingFetcher, urls: set[str]) -> None:
        self.inner, self.urls = inner, urls

    def fetch(self, url: str, *, accept: str, timeout: float, max_bytes: int) -> bytes:
        if url in self.urls:
            raise FetchError(f"{url}: connection refused")
        return self.inner.fetch(url, accept=accept, timeout=timeout, max_bytes=max_bytes)


def test_unreachable_remote_list_is_a_warning_never_passed(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(issued, award_to())
    documents = served(issued, award)
    fetcher = Unreachable(MappingFetcher(documents), set(documents))
    report = check_with(issued, award, CachingStatusChecker(clock=clock.now), fetcher)
    assert report.verdict is Verdict.VALID_WITH_WARNINGS
    for outcome, message in status_checks(report):
        assert outcome is Outcome.WARNING
        assert "could not be read" in message
    # A server that answers 404 is not "unreachable": the list is missing.
    report = check_with(issued, award, CachingStatusChecker(clock=clock.now), MappingFetcher({}))
    assert report.verdict is Verdict.INVALID
    assert all(o is Outcome.FAILED for o, _ in status_checks(report))


@pytest.mark.parametrize("max_age_hours", [24 * 7, 0.5])
def test_remote_lists_are_cached_until_valid_until_or_max_age(
    issued: ServiceDeps, clock: FixedClock, max_age_hours: float
) -> None:
    award = issue_award(issued, award_to())
    checker = CachingStatusChecker(clock=clock.now, max_age=dt.timedelta(hours=max_age_hours))
    fetcher = MappingFetcher(served(issued, award))
    check_with(issued, award, checker, fetcher)
    assert len(fetcher.requests) == 2  # the revocation and the suspension list
    fresh_for = min(dt.timedelta(hours=max_age_hours), issued.status_list_ttl)

    change_status(issued, award.id, REVOKE, reason="fraud", actor="alice")
    fetcher = MappingFetcher(served(issued, award))
    clock.advance(seconds=fresh_for.total_seconds() - 60)
    report = check_with(issued, award, checker, fetcher)
    assert fetcher.requests == []  # still the cached (older) list
    assert status_checks(report)[0][0] is Outcome.PASSED

    clock.advance(seconds=120)  # past validUntil (48 hours) or max_age: fetched again
    refresh_status_lists(issued)  # as the issuer's scheduled export would
    fetcher = MappingFetcher(served(issued, award))
    report = check_with(issued, award, checker, fetcher)
    assert len(fetcher.requests) == 2
    assert status_checks(report)[0][0] is Outcome.FAILED


# --- 6. expiry and renewal -------------------------------------------------------------------

EXPIRING_SPEC = AchievementSpec.model_validate(
    SPEC.model_dump() | {"id": "expiring-101", "valid_for_days": 365}
)


@pytest.fixture
def expiring(issued: ServiceDeps) -> ServiceDeps:
    published(issued, EXPIRING_SPEC)
    return issued


def test_validity_period_of_the_definition_sets_valid_until(
    expiring: ServiceDeps, clock: FixedClock
) -> None:
    award = issue_award(expiring, award_to(achievement=EXPIRING_SPEC.id))
    assert award.valid_until == clock.now() + dt.timedelta(days=365)
    assert credential(award)["validUntil"] == xsd_date_time(clock.now() + dt.timedelta(days=365))
    until = clock.now() + dt.timedelta(days=10)
    chosen = issue_award(
        expiring, award_to("bob@example.org", achievement=EXPIRING_SPEC.id, valid_until=until)
    )
    assert credential(chosen)["validUntil"] == xsd_date_time(until)
    plain = issue_award(expiring, award_to())
    assert plain.valid_until is None
    assert "validUntil" not in credential(plain)


def test_renewal_issues_a_linked_successor_that_verifies(
    expiring: ServiceDeps, clock: FixedClock
) -> None:
    old = issue_award(
        expiring,
        award_to(
            achievement=EXPIRING_SPEC.id,
            narrative="Top of the class.",
            evidence_url="https://uni.example/e/1",
            result="A",
        ),
    )
    clock.advance(days=360)
    new = renew_award(expiring, old.id, valid_until=None, actor="registrar")
    assert new.renewed_from == old.id
    assert new.id != old.id
    assert show_award(expiring, new.id).renewed_from == old.id
    assert new.valid_until == clock.now() + dt.timedelta(days=365)
    assert new.recipient == old.recipient
    document = credential(new)
    assert document["credentialSubject"]["narrative"] == "Top of the class."
    assert document["credentialSubject"]["result"][0]["value"] == "A"
    assert document["evidence"][0]["id"] == "https://uni.example/e/1"
    assert new.status_index not in (None, old.status_index)
    report = check_with(expiring, new, LocalStatusChecker(expiring))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert audit(expiring, old.id) == [
        AuditEvent(clock.now(), "registrar", StatusAction.RENEW, old.id, f"renewed as {new.id}")
    ]
    assert not show_award(expiring, old.id).state.revoked  # the old one runs out by itself

    until = clock.now() + dt.timedelta(days=30)
    newer = renew_award(expiring, new.id, valid_until=until, actor="registrar")
    assert (newer.renewed_from, newer.valid_until) == (new.id, until)
    assert credential(newer)["validUntil"] == xsd_date_time(until)


def test_a_revoked_credential_cannot_be_renewed(issued: ServiceDeps, clock: FixedClock) -> None:
    award = issue_award(issued, award_to())
    change_status(issued, award.id, REVOKE, reason="fraud", actor="alice")
    with pytest.raises(ConflictError, match="revoked; revocation is final"):
        renew_award(issued, award.id, valid_until=clock.now() + dt.timedelta(days=9), actor="a")
    assert count(issued, AwardRow) == 1
    assert [e.action for e in audit(issued, award.id)] == [REVOKE]


def test_renewal_without_a_validity_needs_valid_until(issued: ServiceDeps) -> None:
    award = issue_award(issued, award_to())
    with pytest.raises(InvalidInputError, match=r"--valid-until"):
        renew_award(issued, award.id, valid_until=None, actor="alice")
    assert count(issued, AwardRow) == 1
    assert count(issued, AuditEventRow) == 0


TWO_RESULTS_SPEC = AchievementSpec.model_validate(
    SPEC.model_dump()
    | {
        "id": "two-results",
        "result_descriptions": [
            *SPEC.model_dump()["result_descriptions"],
            {"id": "project", "name": "Project", "result_type": "Status",
             "allowed_values": ["passed", "failed"]},
        ],
    }
)  # fmt: skip


def test_renewal_keeps_a_result_of_the_second_result_description(
    issued: ServiceDeps, clock: FixedClock
) -> None:
    published(issued, TWO_RESULTS_SPEC)
    old = issue_award(
        issued, award_to(achievement=TWO_RESULTS_SPEC.id, result="passed", result_id="project")
    )
    until = clock.now() + dt.timedelta(days=30)
    new = renew_award(issued, old.id, valid_until=until, actor="registrar")
    assert (
        credential(new)["credentialSubject"]["result"]
        == (credential(old)["credentialSubject"]["result"])
    )


# --- 7. suspension switched off ---------------------------------------------------------------


@pytest.fixture
def without_suspension(settings: Settings, clock: FixedClock) -> Iterator[ServiceDeps]:
    services = build_services(
        settings.model_copy(update={"status_suspension": False, "base_url": BASE}), clock=clock
    )
    make_issuer(services)
    published(services)
    yield services
    engine_of(services).dispose()


def test_without_suspension_one_revocation_entry_as_an_object(
    without_suspension: ServiceDeps,
) -> None:
    award = issue_award(without_suspension, award_to())
    status = credential(award)["credentialStatus"]
    assert isinstance(status, dict)
    assert status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(award.status_index)
    schema = load_json("schemas", "ob_v3p0_achievementcredential_schema.json")
    assert schema_errors(credential(award), schema) == []
    report = check_with(without_suspension, award, LocalStatusChecker(without_suspension))
    assert report.verdict is Verdict.VALID
    assert [o for o, _ in status_checks(report)] == [Outcome.PASSED]


@pytest.mark.parametrize("action", [SUSPEND, UNSUSPEND])
def test_without_suspension_suspending_is_refused(
    without_suspension: ServiceDeps, action: StatusAction
) -> None:
    award = issue_award(without_suspension, award_to())
    with pytest.raises(InvalidInputError, match="no suspension entry"):
        change_status(without_suspension, award.id, action, reason="review", actor="alice")
    assert count(without_suspension, AuditEventRow) == 0
    assert not bit(without_suspension, award, "suspension")
    change_status(without_suspension, award.id, REVOKE, reason="fraud", actor="alice")
    report = check_with(without_suspension, award, LocalStatusChecker(without_suspension))
    assert status_checks(report) == [(Outcome.FAILED, "Revoked on 2026-11-24: fraud")]
