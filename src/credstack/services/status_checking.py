"""Checking credential status the way this installation can: its own lists from its
database, everyone else's over the network.

For a list this installation publishes, the answer comes from the database and says when and
why ("Revoked on 2026-11-24: academic misconduct"); the list's issuer must still be the
credential's issuer. Any other list goes to the standards core's checker, which fetches it,
verifies its proof and reads the bit ("revoked", nothing more is known).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from credstack.domain.status import PURPOSES
from credstack.services.deps import ServiceDeps
from credstack.vc import Outcome
from credstack.vc.credential_fields import issuer_id
from credstack.vc.fetching import Fetcher
from credstack.vc.status_list import bit_is_set, check_status
from credstack.vc.verification import StatusChecker

__all__ = ["LocalStatusChecker"]

_MAX_CACHED_LISTS = 1_024
_LOCAL_PATH = re.compile(r"/status/(?P<issuer>[a-z0-9-]+)/(?P<number>\d+)/(?P<purpose>\w+)\.json")


class LocalStatusChecker:
    """A ``StatusChecker``: local lists from the database, others through ``remote``."""

    def __init__(
        self, deps: ServiceDeps, remote: StatusChecker = check_status, max_age: float = 0.0
    ) -> None:
        """``max_age``: seconds a list's bits read from the database may be used again (a
        busy verification endpoint reads each list once in that time, not once a request; a
        revocation is seen at most that late). 0: read every time."""
        self._deps = deps
        self._remote = remote
        self._prefix = deps.public_url
        self._max_age = max_age
        self._bits: dict[tuple[str, int, str], tuple[float, tuple[int, str, bytes] | None]] = {}

    def __call__(
        self, entry: Mapping[str, Any], credential: Mapping[str, Any], fetcher: Fetcher | None
    ) -> tuple[Outcome, str]:
        url = entry.get("statusListCredential")
        local = self._local(url)
        if local is None or entry.get("type") != "BitstringStatusListEntry":
            return self._remote(entry, credential, fetcher)
        local_issuer, number, purpose = local
        try:
            index = int(entry.get("statusListIndex", ""))
        except (TypeError, ValueError):
            return Outcome.FAILED, "statusListIndex is not an integer"
        found = self._list_bits(local_issuer, number, purpose)
        if found is None:
            return self._remote(entry, credential, fetcher)
        list_id, did, bits = found
        if did != issuer_id(credential):
            return Outcome.FAILED, f"status list {url} belongs to another issuer"
        if not 0 <= index < len(bits) * 8:
            return Outcome.FAILED, f"statusListIndex {index} is outside the list"
        if not bit_is_set(bits, index):
            word = "revoked" if purpose == "revocation" else "suspended"
            return Outcome.PASSED, f"not {word} (this installation's list {url})"
        with self._deps.uow() as uow:
            award = uow.awards.by_status_index(list_id, index)
        return Outcome.FAILED, _said(purpose, award.state if award else None)

    def _list_bits(self, issuer: str, number: int, purpose: str) -> tuple[int, str, bytes] | None:
        key = (issuer, number, purpose)
        now = time.monotonic()
        cached = self._bits.get(key)
        if cached is not None and now - cached[0] < self._max_age:
            return cached[1]
        with self._deps.uow() as uow:
            found = uow.status_lists.bits_by_number(issuer, number, purpose)
        if self._max_age > 0:
            if len(self._bits) >= _MAX_CACHED_LISTS:
                self._bits.clear()
            self._bits[key] = (now, found)
        return found

    def _local(self, url: Any) -> tuple[str, int, str] | None:
        if not isinstance(url, str) or not url.startswith(self._prefix + "/"):
            return None
        match = _LOCAL_PATH.fullmatch(url[len(self._prefix) :])
        if match is None or match["purpose"] not in PURPOSES:
            return None
        return match["issuer"], int(match["number"]), match["purpose"]


def _said(purpose: str, state: Any) -> str:
    if purpose == "revocation":
        if state is not None and state.revoked_at is not None:
            return f"Revoked on {state.revoked_at.date().isoformat()}: {state.revocation_reason}"
        return "revoked"
    if state is not None and state.suspended_at is not None:
        return f"Suspended on {state.suspended_at.date().isoformat()}: {state.suspension_reason}"
    return "suspended"
