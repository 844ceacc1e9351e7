"""People and machines that act on an organisation's data, and what each may do.

An organisation is an issuer. A user belongs to organisations with one role in each (owner,
staff, assessor, learner); a platform admin runs the installation. Machines act through API
tokens: each belongs to a user and one organisation and carries scopes, and what it may do is
what its scopes *and* its user's current role allow, so demoting or removing a person narrows
their tokens at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

__all__ = [
    "ROLE_SCOPES",
    "SCOPES",
    "ApiToken",
    "Membership",
    "Principal",
    "Role",
    "User",
    "UserSession",
    "allowed_scopes",
]


class Role(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    ASSESSOR = "assessor"
    LEARNER = "learner"


#: what a token can be allowed to do, one organisation at a time
SCOPES = frozenset(
    {
        "achievements:read",
        "achievements:write",
        "awards:read",
        "awards:write",
        "status:write",
        "organisation:admin",
        #: score and accept or return learners' evidence (decision 0027)
        "evidence:review",
        #: report learners' completions (an LMS's token; issue 7)
        "completions:write",
        #: register, rotate and disable the systems that report completions
        "integrations:admin",
    }
)

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.OWNER: SCOPES,
    Role.STAFF: SCOPES - {"organisation:admin"},
    Role.ASSESSOR: frozenset({"achievements:read", "awards:read", "evidence:review"}),
    Role.LEARNER: frozenset(),
}


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    """PERSONAL DATA: e-mail and name. ``password_hash`` is Argon2id (``None``: cannot sign
    in with a password, e.g. a user who only has tokens)."""

    id: str
    email: str
    name: str
    password_hash: str | None
    platform_admin: bool
    created_at: dt.datetime
    #: when the person showed the e-mail is theirs (``None``: signed up, not confirmed yet,
    #: cannot sign in); people an administrator creates are confirmed when made
    email_confirmed_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Membership:
    user_id: str
    issuer_id: str
    role: Role


@dataclasses.dataclass(frozen=True, slots=True)
class ApiToken:
    """A machine's key to one organisation. Only a hash of the secret is kept."""

    id: str
    user_id: str
    issuer_id: str
    name: str
    scopes: frozenset[str]
    secret_hash: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class UserSession:
    """A signed-in browser. ``id`` is the SHA-256 of the secret in its cookie, so that the
    database alone cannot sign anyone in; ending it on the server ends it everywhere the
    cookie went, whatever the cookie itself still says."""

    id: str
    user_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None = None

    def live(self, now: dt.datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, for which organisation, allowed what (worked out per request)."""

    user_id: str
    issuer_id: str
    scopes: frozenset[str]
    token_id: str
    #: the user runs the installation (may create organisations)
    platform_admin: bool = False


def allowed_scopes(token: ApiToken, role: Role | None) -> frozenset[str]:
    """What ``token`` may do while its user has ``role`` in its organisation (none without)."""
    if role is None:
        return frozenset()
    return token.scopes & ROLE_SCOPES[role]
