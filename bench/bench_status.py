"""Status lists at scale: revoking one of 1,000,000 credentials, and checking a status.

The requirement (issue 4): with 1,000,000 issued credentials across lists, revoking one
re-signs its list in under 50 ms, and verifying a credential's status from a cached list takes
under 1 ms. This prints the revocation time (``change_status``: bit set, list re-signed with
eddsa-rdfc-2022, stored, audit event), the per-check time of ``CachingStatusChecker`` (the
remote path, from a cached list) and of ``LocalStatusChecker`` (reads the list row each time),
the one-time cost of an uncached check, the setup time and the database size. Run:
``.venv/bin/python bench/bench_status.py [--quick] [--credentials N] [--database-url URL]``.

What is real and what is bulk-loaded. The issuer, its key and the published achievement are
made through the services, and the first ``--real`` credentials (200) are issued through
``issue_awards`` with real signatures. Signing the rest with pyld (~200 credentials/s) would
take well over an hour, so they are award rows inserted in bulk (SQLAlchemy Core executemany)
whose credential text is a small unsigned placeholder. Their status slots are not made up:
they come from the real ``reserve_slots``, so every row sits at the index the keyed
permutation gives it and the lists (1,000,000 / 131,072: 8) fill and open as in production.
A share of the bulk rows (``--revoked-share``, 1 %) is stored revoked with its bit set, and
every list is then re-signed by ``refresh_status_lists``, so the lists are not all zeros.

Why that does not change what is measured: revoking reads one award row (by id) and one list
row, flips a bit, re-signs that one list (its size is fixed at 131,072 entries however many
lists exist) and writes one award row, one list row and one audit row; it never touches another
credential, and its own credential text is not parsed for a revocation, so a placeholder costs
what a signed one does. A status check reads one list (from the cache, or one list row), never a
credential. The bulk revocations write no audit rows; a revocation only appends one, so the
audit table's size does not enter the figure. What the bulk rows do give is a database of the
right size: a million award rows behind the indexes and one full list per 131,072 credentials.
Figures are from one run on a shared machine: noisy, compare ratios rather than digits.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import math
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text, update

from credstack.bootstrap import build_services
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.status import StatusAction
from credstack.ob.awards_v3p0 import xsd_date_time
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.bulk_awards import issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer, signing_key
from credstack.services.status import (
    StatusSlot,
    change_status,
    export_status_lists,
    refresh_status_lists,
    reserve_slots,
    status_entries,
    status_list_url,
)
from credstack.services.status_checking import LocalStatusChecker
from credstack.settings import Settings
from credstack.storage.rows import AwardRow, StatusListRow
from credstack.vc import MappingFetcher, Outcome, sign_credential
from credstack.vc.status_list import (
    MIN_LIST_BITS,
    CachingStatusChecker,
    encode_list,
    set_bit,
    status_list_credential,
)

ISSUER = "bench-uni"
ACHIEVEMENT = "data-101"
REVOKE_TARGET = 0.050
CHECK_TARGET = 0.001
BATCH = 10_000
FIRST_ROUNDS = 5
NULLS = (
    "recipient_name",
    "valid_until",
    "jwt",
    "suspended_at",
    "suspension_reason",
    "renewed_from",
)


class BenchClock:
    """A clock moved by hand, as in the integration tests (start of the run: fixed)."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.moment


@dataclasses.dataclass
class Installation:
    deps: ServiceDeps
    clock: BenchClock
    engine: Engine
    did: str
    size: Callable[[], int]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=100, method="inclusive")[94],
        "mean": statistics.fmean(samples),
        "max": max(samples),
    }


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[tuple[str, Callable[[Engine], int]]]:
    """A fresh database: a SQLite file in ``folder``, or a new schema on the PostgreSQL server
    at ``url`` (dropped afterwards). Yields its URL and a function giving its size in bytes."""
    if url is None:
        path = folder / "credstack.db"

        def sqlite_size(engine: Engine) -> int:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return sum(p.stat().st_size for p in folder.glob("credstack.db*"))

        yield f"sqlite:///{path}", sqlite_size
        return
    schema = f"cs_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def postgres_size(engine: Engine) -> int:
        query = text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        with engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}", postgres_size
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def install(url: str, folder: Path, size: Callable[[Engine], int]) -> Installation:
    """Issuer, key and published achievement, through the services."""
    clock = BenchClock()
    deps = build_services(Settings(data_dir=folder / "data", database_url=url), clock=clock)
    issuer = create_issuer(deps, id=ISSUER, name="Bench University", country_code="AT")
    spec = AchievementSpec(
        id=ACHIEVEMENT,
        name="Data Analysis Fundamentals",
        description="Cleans, explores and summarises tabular data.",
        criteria="Pass the final assessment.",
        language="en",
    )
    save_achievement(deps, ISSUER, spec)
    publish_achievement(deps, ACHIEVEMENT)
    engine: Engine = deps.uow.engine  # type: ignore[attr-defined]
    return Installation(deps, clock, engine, issuer.did, lambda: size(engine))


def issue_real(inst: Installation, count: int) -> int:
    """``count`` credentials through ``issue_awards``: real signatures, real slots. Returns
    the mean length of their stored text (to size the placeholders against)."""
    rows = [
        (n, AwardRequest(ACHIEVEMENT, Recipient(email=f"learner{n}@bench.example")))
        for n in range(count)
    ]
    outcomes = list(issue_awards(inst.deps, ACHIEVEMENT, rows))
    assert all(o.status == "issued" for o in outcomes), outcomes[:3]
    with inst.engine.connect() as connection:
        stored = connection.execute(
            select(AwardRow.credential, AwardRow.status_list_id, AwardRow.status_index)
        ).all()
        # the slot columns are nullable, but issue_awards always fills them
        numbers = dict(connection.execute(select(StatusListRow.id, StatusListRow.number)).all())
    for credential, list_id, index in stored:
        # The bulk rows' entries are made by the same function; check it matches issuance.
        slot = StatusSlot(list_id, numbers[list_id], index)  # type: ignore[arg-type,index]
        expected = status_entries(inst.deps, ISSUER, slot)
        assert json.loads(credential)["credentialStatus"] == expected
    return round(statistics.fmean(len(c) for c, _, _ in stored))


def bulk_load(inst: Installation, first: int, count: int, revoked_share: float, seed: int) -> int:
    """``count`` award rows in bulk, slots reserved by ``reserve_slots``; a share revoked with
    their bits set, then every list re-signed by the service. Returns how many were revoked."""
    deps, rng = inst.deps, random.Random(seed)
    now = inst.clock.now()
    with deps.uow() as uow:
        record, key = signing_key(uow, deps.vault, ISSUER)
        version = uow.achievements.latest_published(ACHIEVEMENT)
    assert version is not None
    fixed = {
        "issuer_id": ISSUER,
        "achievement_id": ACHIEVEMENT,
        "achievement_version": version.version,
        "recipient_kind": "email",
        "signing_key_id": record.id,
        "issued_at": now,
    } | dict.fromkeys(NULLS)
    revoked_bits: dict[int, bytearray] = {}
    for start in range(first, first + count, BATCH):
        size = min(BATCH, first + count - start)
        rows = []
        for n, slot in zip(
            range(start, start + size),
            reserve_slots(deps, ISSUER, record.id, key, size),
            strict=True,
        ):
            award_id, email = str(uuid.uuid4()), f"learner{n}@bench.example"
            is_revoked = rng.random() < revoked_share
            if is_revoked:
                bits = revoked_bits.setdefault(slot.list_id, bytearray(MIN_LIST_BITS // 8))
                set_bit(bits, slot.index, True)
            rows.append(
                fixed
                | {
                    "id": award_id,
                    "credential_id": f"urn:uuid:{award_id}",
                    "recipient": email,
                    "recipient_key": email,
                    # as AwardRequest.source_key computes it for an e-mail recipient
                    "source_key": hashlib.sha256(f"email:{email}".encode()).hexdigest(),
                    "credential": placeholder(award_id, inst.did),
                    "status_list_id": slot.list_id,
                    "status_index": slot.index,
                    "revoked_at": now if is_revoked else None,
                    "revocation_reason": "bench: bulk-loaded revocation" if is_revoked else None,
                }
            )
        with inst.engine.begin() as connection:
            connection.execute(insert(AwardRow), rows)
    with inst.engine.begin() as connection:
        for list_id, bits in revoked_bits.items():  # nothing was revoked before: no bit to keep
            update_bits = update(StatusListRow).where(StatusListRow.id == list_id)
            connection.execute(update_bits.values(revocation_bits=bytes(bits)))
    refresh_status_lists(deps, force=True)
    return sum(bin(byte).count("1") for bits in revoked_bits.values() for byte in bits)


def placeholder(award_id: str, did: str) -> str:
    """The credential text of a bulk-loaded award: small, unsigned, and saying so."""
    note = "bulk-loaded by bench/bench_status.py; not signed"
    return json.dumps({"id": f"urn:uuid:{award_id}", "issuer": {"id": did}, "note": note})


def sample(inst: Installation, count: int) -> list[tuple[Any, ...]]:
    """``count`` random awards: (id, list id, list number, index, revoked)."""
    query = (
        select(
            AwardRow.id,
            AwardRow.status_list_id,
            StatusListRow.number,
            AwardRow.status_index,
            AwardRow.revoked_at.is_not(None),
        )
        .join(StatusListRow, StatusListRow.id == AwardRow.status_list_id)
        .order_by(func.random())
        .limit(count)
    )
    with inst.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def measure_revocations(inst: Installation, count: int) -> list[float]:
    """Revoke ``count`` active credentials at random, taking the lists in turn."""
    pools = []
    with inst.engine.connect() as connection:
        list_ids = connection.scalars(select(StatusListRow.id)).all()
        for list_id in list_ids:
            query = (
                select(AwardRow.id)
                .where(AwardRow.status_list_id == list_id, AwardRow.revoked_at.is_(None))
                .order_by(func.random())
                .limit(math.ceil(count / len(list_ids)))
            )
            pools.append(connection.scalars(query).all())
    targets = [award_id for round_ in zip(*pools, strict=False) for award_id in round_][:count]
    assert len(targets) == count, "too few active credentials in some list"
    times = []
    for award_id in targets:
        inst.clock.moment += dt.timedelta(seconds=1)
        start = time.perf_counter()
        award = change_status(
            inst.deps, award_id, StatusAction.REVOKE, reason="bench: misconduct", actor="bench"
        )
        times.append(time.perf_counter() - start)
        assert award.state.revoked
    return times


def measure_list_signing(inst: Installation, repeats: int) -> tuple[list[float], list[float], int]:
    """The re-signing step alone (encodedList, RDFC-1.0, Ed25519, JSON) on list 1's bits, and
    ``encode_list`` (GZIP at level 9) alone within it; and the signed list's length."""
    deps = inst.deps
    with deps.uow() as uow:
        status_list = uow.status_lists.by_number(ISSUER, 1)
        assert status_list is not None
        _, key = signing_key(uow, deps.vault, ISSUER, status_list.signing_key_id)
    now = inst.clock.now()
    bits = bytes(status_list.revocation_bits)

    def sign() -> str:  # what services.status._signed_list does
        document = status_list_credential(
            url=status_list_url(deps, ISSUER, 1, "revocation"),
            issuer=status_list.did,
            purpose="revocation",
            bitstring=bits,
            valid_from=xsd_date_time(now),
            valid_until=xsd_date_time(now + deps.status_list_ttl),
        )
        return json.dumps(sign_credential(document, key, created=now), indent=2)

    return timed(sign, repeats), timed(lambda: encode_list(bits), repeats), len(sign())


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def published_lists(inst: Installation, folder: Path) -> dict[str, str]:
    """URL → signed list, as ``export_status_lists`` writes them for a web server."""
    written = export_status_lists(inst.deps, folder)
    base = inst.deps.public_url
    return {f"{base}/{p.relative_to(folder).as_posix()}": p.read_text("utf-8") for p in written}


def run_checks(
    checker: Callable[..., tuple[Outcome, str]],
    entries: list[tuple[dict[str, Any], bool]],
    credential: dict[str, Any],
    fetcher: MappingFetcher | None,
) -> list[float]:
    times = []
    for entry, revoked in entries:
        start = time.perf_counter()
        outcome, message = checker(entry, credential, fetcher)
        times.append(time.perf_counter() - start)
        expected = Outcome.FAILED if revoked else Outcome.PASSED
        assert outcome is expected, (entry, outcome, message)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--quick", action="store_true", help="140,000 credentials (2 lists)")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite file)")
    parser.add_argument("--real", type=int, default=200, help="credentials really signed")
    parser.add_argument("--revocations", type=int, default=50)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--revoked-share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    total = args.credentials or (140_000 if args.quick else 1_000_000)
    assert 0 < args.real <= total

    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp:
        folder = Path(tmp)
        with database(args.database_url, folder) as (url, size):
            report(args, total, url, folder, size)


def report(
    args: argparse.Namespace, total: int, url: str, folder: Path, size: Callable[[Engine], int]
) -> None:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{total:,} credentials on {backend}, one run (figures are noisy: compare ratios)")
    started = time.perf_counter()
    inst = install(url, folder, size)
    real_length = issue_real(inst, args.real)
    real_time = time.perf_counter() - started
    revoked = bulk_load(inst, args.real, total - args.real, args.revoked_share, args.seed)
    setup_time = time.perf_counter() - started
    with inst.engine.connect() as connection:
        lists = connection.execute(select(func.count()).select_from(StatusListRow)).scalar_one()
        awards = connection.execute(select(func.count()).select_from(AwardRow)).scalar_one()
    assert awards == total
    db_bytes = inst.size()
    extra = real_length - len(placeholder(str(uuid.uuid4()), inst.did))
    print(
        f"  real: {args.real} issued through issue_awards (signed, eddsa-rdfc-2022), "
        f"{real_time:.1f} s with the installation\n"
        f"  bulk: {total - args.real:,} award rows (Core executemany, slots from reserve_slots, "
        f"placeholder credential text), {revoked:,} of them revoked ({args.revoked_share:.0%}), "
        f"lists re-signed by refresh_status_lists: {setup_time - real_time:.1f} s\n"
        f"  {lists} status lists of {MIN_LIST_BITS:,} entries; database {db_bytes / 1e6:,.0f} MB "
        f"(real credential texts, ~{real_length:,} bytes each, would add "
        f"~{extra * (total - args.real) / 1e9:.1f} GB)"
    )

    revoke = summary(measure_revocations(inst, args.revocations))
    sign_times, encode_times, list_length = measure_list_signing(inst, 20)
    print(
        f"\n(a) revoke via change_status, {args.revocations} credentials, the {lists} lists "
        f"in turn: median {ms(revoke['median'])}  "
        f"p95 {ms(revoke['p95'])}  max {ms(revoke['max'])}\n"
        f"    re-signing one list alone: median {ms(statistics.median(sign_times))}, of which "
        f"encode_list (GZIP level 9) {ms(statistics.median(encode_times))}; "
        f"signed list {list_length:,} bytes"
    )

    documents = published_lists(inst, folder / "public")
    credential = {"issuer": {"id": inst.did}}
    entries = []
    for _, list_id, number, index, is_revoked in sample(inst, args.checks):
        status = status_entries(inst.deps, ISSUER, StatusSlot(list_id, number, index))
        entries.append((status[0] if isinstance(status, list) else status, bool(is_revoked)))
    first_of_list: dict[str, tuple[dict[str, Any], bool]] = {}
    for entry, is_revoked in entries:
        first_of_list.setdefault(entry["statusListCredential"], (entry, is_revoked))
    # A fresh checker (empty cache) per round; the last one's cache serves (b).
    first_times: list[float] = []
    for _ in range(FIRST_ROUNDS):
        caching = CachingStatusChecker(clock=inst.clock.now)
        fetcher = MappingFetcher(documents)
        first_times += run_checks(caching, list(first_of_list.values()), credential, fetcher)
    cached = summary(run_checks(caching, entries, credential, fetcher))
    assert len(fetcher.requests) == len(first_of_list), "a cached list was fetched again"
    local = summary(run_checks(LocalStatusChecker(inst.deps), entries, credential, None))
    print(
        f"\n(b) status checks of {len(entries):,} different entries "
        f"({sum(r for _, r in entries)} revoked), each:"
    )
    for name, figures in (("CachingStatusChecker", cached), ("LocalStatusChecker", local)):
        print(
            f"    {name:20} median {ms(figures['median'])}  p95 {ms(figures['p95'])}  "
            f"mean {ms(figures['mean'])}"
        )
    print(
        f"    the caching checker fetched {len(fetcher.requests)} lists (one each); "
        "LocalStatusChecker reads the list row from the database on every check\n"
        f"\n(c) first, uncached check of a list (in-memory fetch, proof verification, decode), "
        f"{len(first_of_list)} lists x {FIRST_ROUNDS} fresh checkers: "
        f"median {ms(statistics.median(first_times))}  max {ms(max(first_times))}"
    )

    print(f"\n{'figure':38} {'median':>11} {'p95':>11} {'target':>8}  median/p95 of target  met")
    for name, figures, target in (
        ("revoke one credential (change_status)", revoke, REVOKE_TARGET),
        ("status check, CachingStatusChecker", cached, CHECK_TARGET),
        ("status check, LocalStatusChecker", local, CHECK_TARGET),
    ):
        ratios = f"{figures['median'] / target:.3f}x / {figures['p95'] / target:.3f}x"
        met = "yes" if figures["p95"] < target else "no"
        print(
            f"{name:38} {ms(figures['median']):>11} {ms(figures['p95']):>11} "
            f"{target * 1000:5.0f} ms  {ratios:>20}  {met}"
        )
    print(
        f"{'first (uncached) check, for context':38} {ms(statistics.median(first_times)):>11}\n"
        f"{'setup (install, issue, bulk load)':38} {setup_time:9.1f} s\n"
        f"{'database size':38} {db_bytes / 1e6:9,.0f} MB\n"
        "target met is judged on p95; figures are from one run on a noisy machine"
    )
    inst.engine.dispose()


if __name__ == "__main__":
    main()
