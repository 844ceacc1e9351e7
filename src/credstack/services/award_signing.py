"""Signing a cohort's credentials: in this process, or spread over worker processes.

Signing is pure computation (build the document, canonicalise, Ed25519, serialise), so a
cohort scales with the cores of the machine: ``signing_pool(signer, workers)`` gives a pool
that signs batches in ``workers`` processes, or in this one when ``workers`` is 1. Everything
that touches the database (repeat checks, status slots, storing) stays in the calling process;
workers get only the template, the key and the rows.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

import orjson

from credstack.domain.awards import Assessment, AwardRequest, EvidenceItem, Recipient, ResultValue
from credstack.domain.errors import WorkerError
from credstack.ob.awards_v3p0 import CredentialTemplate
from credstack.services.status import PendingSlot, StatusLinks, StatusSlot
from credstack.vc import Ed25519KeyPair, sign_credential
from credstack.vc.errors import VCError

__all__ = [
    "CohortSigner",
    "Pending",
    "Signed",
    "SignedCredential",
    "SigningFailure",
    "SigningPool",
    "SigningRow",
    "serialize_credential",
    "signing_pool",
    "worker_stopped",
]


@dataclass(frozen=True, slots=True)
class SigningRow:
    """One credential to sign: everything that differs from the template. Its status index is
    worked out where it is signed (``PendingSlot.resolve``: twelve HMACs, worth a worker)."""

    credential_id: str
    request: AwardRequest
    salt: str
    slot: PendingSlot | StatusSlot | None
    links: StatusLinks | None

    def __reduce__(self) -> tuple[Any, ...]:
        # Rows travel to workers by the thousand: as one flat tuple they pickle in a
        # twentieth of the time nested dataclasses take (and the parent does the pickling).
        request, recipient, slot = self.request, self.request.recipient, self.slot
        slot_fields = None if slot is None else (type(slot) is PendingSlot, *_fields(slot))
        links = None if self.links is None else (self.links.urls, self.links.single)
        flat = (
            self.credential_id,
            self.salt,
            request.achievement_id,
            recipient.email,
            recipient.did,
            recipient.name,
            request.narrative,
            request.evidence_url,
            request.result,
            request.result_id,
            request.valid_until,
            request.source_id,
            slot_fields,
            links,
            request.evidence,
            request.results,
            request.assessment,
        )
        return (_signing_row, flat)


def _fields(slot: PendingSlot | StatusSlot) -> tuple[Any, ...]:
    if isinstance(slot, PendingSlot):
        return (slot.list_id, slot.number, slot.position, slot.permutation_key, slot.size)
    return (slot.list_id, slot.number, slot.index)


def _signing_row(
    credential_id: str,
    salt: str,
    achievement_id: str,
    email: str | None,
    did: str | None,
    name: str | None,
    narrative: str | None,
    evidence_url: str | None,
    result: str | None,
    result_id: str | None,
    valid_until: dt.datetime | None,
    source_id: str | None,
    slot: tuple[Any, ...] | None,
    links: tuple[tuple[tuple[str, str], ...], bool] | None,
    evidence: tuple[EvidenceItem, ...] = (),
    results: tuple[ResultValue, ...] = (),
    assessment: Assessment | None = None,
) -> SigningRow:
    """A ``SigningRow`` from its flat pickled form (``SigningRow.__reduce__``)."""
    recipient = Recipient(email=email, did=did, name=name)
    request = AwardRequest(
        achievement_id, recipient, narrative, evidence_url, result, result_id, valid_until,
        source_id, evidence, results, assessment,
    )  # fmt: skip
    place: PendingSlot | StatusSlot | None = None
    if slot is not None:
        place = PendingSlot(*slot[1:]) if slot[0] else StatusSlot(*slot[1:])
    status = None if links is None else StatusLinks(links[0], links[1])
    return SigningRow(credential_id, request, salt, place, status)


@dataclass(frozen=True, slots=True)
class SignedCredential:
    """A signed row: its stored text and the status slot it took."""

    text: str
    slot: StatusSlot | None

    def __reduce__(self) -> tuple[Any, ...]:
        slot = self.slot
        fields = None if slot is None else (slot.list_id, slot.number, slot.index)
        return (_signed_credential, (self.text, fields))


def _signed_credential(text: str, slot: tuple[int, int, int] | None) -> SignedCredential:
    return SignedCredential(text, None if slot is None else StatusSlot(*slot))


@dataclass(frozen=True, slots=True)
class SigningFailure:
    """A row that could not be signed, and why (a ``VCError``'s message)."""

    message: str


Signed = SignedCredential | SigningFailure


def serialize_credential(signed: dict[str, Any]) -> str:
    """The stored text of a signed credential: compact UTF-8 JSON.

    orjson writes it about ten times faster than ``json`` (which would otherwise cost more
    than the signature); ``json`` takes over for what orjson refuses (integers beyond 64 bits).
    """
    try:
        text: str = orjson.dumps(signed).decode("utf-8")
        return text
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


class CohortSigner:
    """Signs the credentials of one achievement version with one key.

    Plain data (the template and the key's seed), so it can be sent to worker processes; the
    key pair is rebuilt where it is used.
    """

    def __init__(self, template: CredentialTemplate, key: Ed25519KeyPair) -> None:
        self.template = template
        self._seed = key.seed
        self._key_id = key.id
        self._controller = key.controller
        self._key: Ed25519KeyPair | None = key

    def __getstate__(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "_seed": self._seed,
            "_key_id": self._key_id,
            "_controller": self._controller,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._key = None

    def key(self) -> Ed25519KeyPair:
        if self._key is None:
            self._key = Ed25519KeyPair.from_seed(
                self._seed, id=self._key_id, controller=self._controller
            )
        return self._key

    def sign(self, rows: Sequence[SigningRow], issued_at: dt.datetime) -> list[Signed]:
        """Each row's signed credential as stored text, in order, or why it cannot be signed."""
        key = self.key()
        template = self.template
        results: list[Signed] = []
        for row in rows:
            slot = row.slot.resolve() if isinstance(row.slot, PendingSlot) else row.slot
            status = row.links.entries(slot.index) if slot and row.links else None
            document = template.document(
                credential_id=row.credential_id,
                request=row.request,
                issued_at=issued_at,
                salt=row.salt,
                status=status,
            )
            try:
                signed = sign_credential(document, key, created=issued_at)
            except VCError as error:
                results.append(SigningFailure(str(error)))
            else:
                results.append(SignedCredential(serialize_credential(signed), slot))
        return results


class Pending(Protocol):
    def result(self) -> list[Signed]:
        """Wait for the batch; raises ``WorkerError`` if its worker stopped."""
        ...


class SigningPool(Protocol):
    def submit(self, rows: Sequence[SigningRow], issued_at: dt.datetime) -> Pending:
        """Start signing ``rows``; ``result()`` gives what each row became."""
        ...


class _Done:
    def __init__(self, results: list[Signed]) -> None:
        self._results = results

    def result(self) -> list[Signed]:
        return self._results


class _InProcess:
    def __init__(self, signer: CohortSigner) -> None:
        self._signer = signer

    def submit(self, rows: Sequence[SigningRow], issued_at: dt.datetime) -> Pending:
        return _Done(self._signer.sign(rows, issued_at))


def _worker_main(connection: Connection, signer: CohortSigner) -> None:
    """A worker process: batches in, results out, on its own pipe, until told to stop."""
    while True:
        message = connection.recv()
        if message is None:
            return
        rows, issued_at = message
        try:
            connection.send(("ok", signer.sign(rows, issued_at)))
        except Exception as error:  # a bug, not a bad row: the parent reports it and stops
            connection.send(("error", f"{type(error).__name__}: {error}"))


class _Worker:
    """One worker process and the parent's end of its pipe (the only end outside it, so a
    worker that dies, even halfway through a reply, is seen at once: end of file)."""

    def __init__(self, signer: CohortSigner) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, signer), name="credstack-signer", daemon=True
        )
        self.process.start()
        child.close()
        self.outstanding = 0

    def receive(self) -> list[Signed]:
        """The next reply, in the order batches were sent."""
        ready = wait([self.connection, self.process.sentinel])
        try:
            if self.connection not in ready:
                raise EOFError
            status, value = self.connection.recv()
        except (EOFError, OSError):
            raise worker_stopped() from None
        self.outstanding -= 1
        if status != "ok":
            raise WorkerError(f"a signing worker failed: {value}")
        results: list[Signed] = value
        return results

    def stop(self) -> None:
        if self.process.is_alive():
            with suppress(OSError):  # it may have stopped meanwhile
                self.connection.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class _Reply:
    def __init__(self, worker: _Worker) -> None:
        self._worker = worker

    def result(self) -> list[Signed]:
        return self._worker.receive()


class _Workers:
    def __init__(self, signer: CohortSigner, count: int) -> None:
        self.workers: list[_Worker] = []
        for _ in range(count):
            self.workers.append(_Worker(signer))

    def submit(self, rows: Sequence[SigningRow], issued_at: dt.datetime) -> Pending:
        worker = min(self.workers, key=lambda w: w.outstanding)
        try:
            worker.connection.send((list(rows), issued_at))
        except OSError:
            raise worker_stopped() from None
        worker.outstanding += 1
        return _Reply(worker)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def worker_stopped() -> WorkerError:
    """The error for a pool that lost a worker: what was reported issued is stored."""
    return WorkerError(
        "a signing worker process stopped (killed or out of memory); the rows reported "
        "issued are stored: run the file again to issue the rest"
    )


@contextmanager
def signing_pool(signer: CohortSigner, workers: int) -> Iterator[SigningPool]:
    """A pool of ``workers`` signing processes (this process alone when ``workers`` <= 1).

    Workers are started fresh ("spawn"), not forked: the parent holds database connections
    and threads that a forked child must not inherit. Each has a pipe of its own, so the
    death of one is noticed (``WorkerError``) instead of waited on; replies come back in the
    order the batches were sent, which is the order they are stored.
    """
    if workers <= 1:
        yield _InProcess(signer)
        return
    pool = _Workers(signer, workers)
    try:
        yield pool
    finally:
        pool.stop()
