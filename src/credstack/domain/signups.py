"""Sign-up: a person makes their own account and proves the e-mail address is theirs.

The proof is a link with a random token sent to that address. Only the token's SHA-256 is
kept (``EmailToken.id``): the database alone confirms nobody. A token works once, and only
until it expires.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

__all__ = ["CONFIRM", "EmailToken"]

#: the purpose of a link that confirms an e-mail address
CONFIRM = "confirm"


@dataclasses.dataclass(frozen=True, slots=True)
class EmailToken:
    id: str
    user_id: str
    purpose: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at
