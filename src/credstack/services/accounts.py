"""Accounts: users, their roles in organisations, and the API tokens machines act with.

A token is shown once, when it is made: ``cst_<id>.<secret>``. Only the SHA-256 of the secret
is stored (the secret is 256 random bits, so a slow hash would add nothing), and a presented
token is compared in constant time. What a token may do is worked out on every request from
its scopes and its user's current role (``domain.accounts.allowed_scopes``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from credstack.domain.accounts import (
    ROLE_SCOPES,
    SCOPES,
    ApiToken,
    Membership,
    Principal,
    Role,
    User,
    UserSession,
    allowed_scopes,
)
from credstack.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = [
    "ACCESS_PREFIX",
    "TOKEN_PREFIX",
    "UnconfirmedError",
    "access_token",
    "authenticate_access_token",
    "authenticate_token",
    "check_email",
    "check_password",
    "create_token",
    "create_user",
    "end_all_sessions",
    "end_session",
    "hash_password",
    "live_session",
    "live_token",
    "require",
    "revoke_token",
    "set_password",
    "set_role",
    "start_session",
    "token_secret_matches",
]

TOKEN_PREFIX = "cst_"  # noqa: S105 - the marker that says "a credstack token", no secret
#: the marker of a short-lived access token made from an API token (client credentials)
ACCESS_PREFIX = "csta_"
_TOKEN = re.compile(r"cst_(?P<id>[0-9a-f]{32})\.(?P<secret>[A-Za-z0-9_-]{43})")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PASSWORDS = PasswordHasher()
#: a password must be at least this long (NIST SP 800-63B: 8 at least, no other rules)
MIN_PASSWORD = 10


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def check_email(email: str) -> str:
    """The e-mail address without surrounding spaces; ``InvalidInputError`` if it is none."""
    email = email.strip()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidInputError(f"'{email}' is not an e-mail address")
    return email


def hash_password(password: str) -> str:
    """The Argon2id hash stored for ``password``."""
    return _PASSWORDS.hash(password)


def create_user(
    deps: ServiceDeps,
    *,
    email: str,
    name: str,
    password: str | None = None,
    platform_admin: bool = False,
) -> User:
    """A new user, with the e-mail confirmed (an administrator made it; people who sign up
    themselves confirm theirs, ``services.signup``). Raises ``InvalidInputError`` for a bad
    e-mail or a short password, ``ConflictError`` when the e-mail is taken (in any case)."""
    email = check_email(email)
    if not name.strip():
        raise InvalidInputError("name is empty")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
    user = User(
        id=str(uuid.uuid4()),
        email=email,
        name=name.strip(),
        password_hash=None if password is None else _PASSWORDS.hash(password),
        platform_admin=platform_admin,
        created_at=deps.clock.now(),
        email_confirmed_at=deps.clock.now(),
    )
    with deps.uow() as uow:
        uow.accounts.add_user(user)
        uow.commit()
    return user


def set_password(deps: ServiceDeps, email: str, password: str) -> None:
    """Give the user a new password (at least ``MIN_PASSWORD`` characters)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
    with deps.uow() as uow:
        user = _user_by_email(uow, email)
        uow.accounts.set_password_hash(user.id, _PASSWORDS.hash(password))
        # whoever signed in with the old password is signed out
        uow.accounts.end_sessions(deps.clock.now(), user_id=user.id)
        uow.commit()


def check_password(deps: ServiceDeps, email: str, password: str) -> User:
    """The user, if ``password`` is theirs; ``AuthenticationError`` (the same one whether the
    e-mail is unknown or the password wrong) otherwise, and ``UnconfirmedError`` for the right
    password of an account whose e-mail is not confirmed yet."""
    with deps.uow() as uow:
        user = uow.accounts.user_by_email(email)
    refused = AuthenticationError("wrong e-mail or password")
    if user is None or user.password_hash is None:
        _PASSWORDS.hash(password)  # as long as a real check: no timing tells who exists
        raise refused
    try:
        _PASSWORDS.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if user.email_confirmed_at is None:
        raise UnconfirmedError(
            "confirm your e-mail address first: open the link we sent you "
            "(or ask for a new one at /signup/resend)"
        )
    return user


class UnconfirmedError(AuthenticationError):
    """The right password, but the account's e-mail address is not confirmed yet."""


def start_session(deps: ServiceDeps, user_id: str, lifetime: dt.timedelta) -> str:
    """A new session for the user; returns its secret (for the cookie: only its hash is
    kept)."""
    secret = secrets.token_urlsafe(32)
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.accounts.user(user_id)
        uow.accounts.add_session(UserSession(_secret_hash(secret), user_id, now, now + lifetime))
        uow.commit()
    return secret


def live_session(deps: ServiceDeps, secret: str) -> UserSession | None:
    """The session whose secret this is, if it has neither ended nor expired."""
    if not secret.isascii():
        return None
    with deps.uow() as uow:
        found = uow.accounts.session(_secret_hash(secret))
    return found if found is not None and found.live(deps.clock.now()) else None


def end_session(deps: ServiceDeps, secret: str) -> None:
    """Sign that browser out, for good (a copy of its cookie no longer works)."""
    if not secret.isascii():
        return
    with deps.uow() as uow:
        uow.accounts.end_sessions(deps.clock.now(), session_id=_secret_hash(secret))
        uow.commit()


def end_all_sessions(deps: ServiceDeps, user_id: str) -> int:
    """Sign the user out everywhere; how many sessions were live."""
    with deps.uow() as uow:
        ended = uow.accounts.end_sessions(deps.clock.now(), user_id=user_id)
        uow.commit()
    return ended


def set_role(deps: ServiceDeps, *, email: str, issuer_id: str, role: Role) -> Membership:
    """Give the user ``role`` in the organisation ``issuer_id`` (replacing another role)."""
    with deps.uow() as uow:
        user = _user_by_email(uow, email)
        uow.issuers.get(issuer_id)  # NotFoundError for an unknown organisation
        membership = Membership(user.id, issuer_id, role)
        uow.accounts.set_membership(membership)
        uow.commit()
    return membership


def create_token(
    deps: ServiceDeps, *, email: str, issuer_id: str, name: str, scopes: set[str]
) -> tuple[ApiToken, str]:
    """A new token for the user in the organisation, and its text (shown once, never again).

    Raises ``InvalidInputError`` for an unknown scope or one the user's role does not allow
    (a token never holds more than its user), ``PermissionDeniedError`` for a user who is not
    a member of the organisation.
    """
    unknown = sorted(scopes - SCOPES)
    if unknown or not scopes:
        problem = f"unknown scope {', '.join(unknown)}" if unknown else "a token needs a scope"
        raise InvalidInputError(f"{problem} (scopes: {', '.join(sorted(SCOPES))})")
    if not name.strip():
        raise InvalidInputError("a token needs a name (what uses it)")
    with deps.uow() as uow:
        user = _user_by_email(uow, email)
        membership = uow.accounts.membership(user.id, issuer_id)
        if membership is None:
            raise PermissionDeniedError(f"{user.email} is not a member of '{issuer_id}'")
        beyond = sorted(scopes - ROLE_SCOPES[membership.role])
        if beyond:
            raise InvalidInputError(
                f"a {membership.role.value} cannot hold a token with {', '.join(beyond)}"
            )
        secret = secrets.token_urlsafe(32)
        token = ApiToken(
            id=uuid.uuid4().hex,
            user_id=user.id,
            issuer_id=issuer_id,
            name=name.strip(),
            scopes=frozenset(scopes),
            secret_hash=_secret_hash(secret),
            created_at=deps.clock.now(),
        )
        uow.accounts.add_token(token)
        uow.commit()
    return token, f"{TOKEN_PREFIX}{token.id}.{secret}"


def revoke_token(deps: ServiceDeps, issuer_id: str, token_id: str) -> None:
    """Revoke the organisation's token for good; ``NotFoundError`` for another's or none."""
    with deps.uow() as uow:
        token = uow.accounts.token(token_id)
        if token is None or token.issuer_id != issuer_id:
            raise NotFoundError(f"'{issuer_id}' has no token {token_id}")
        uow.accounts.revoke_token(token_id, deps.clock.now())
        uow.commit()


def authenticate_token(deps: ServiceDeps, presented: str) -> Principal:
    """Who a presented token acts for, and what it may do now; ``AuthenticationError`` for a
    malformed, unknown, revoked or wrong token (one message for all: nothing to probe)."""
    refused = AuthenticationError("the API token is not valid")
    match = _TOKEN.fullmatch(presented.strip())
    if match is None:
        raise refused
    with deps.uow() as uow:
        token = uow.accounts.token(match["id"])
        if token is None or token.revoked_at is not None:
            raise refused
        if not hmac.compare_digest(token.secret_hash, _secret_hash(match["secret"])):
            raise refused
        membership = uow.accounts.membership(token.user_id, token.issuer_id)
        admin = uow.accounts.user(token.user_id).platform_admin
    role = membership.role if membership else None
    return Principal(token.user_id, token.issuer_id, allowed_scopes(token, role), token.id, admin)


def live_token(deps: ServiceDeps, token_id: str) -> ApiToken | None:
    """The API token with this id, unless it is revoked: an organisation's machine presents
    its id and secret as an OAuth 2.0 client (the client credentials grant)."""
    if not re.fullmatch(r"[0-9a-f]{32}", token_id):
        return None
    with deps.uow() as uow:
        token = uow.accounts.token(token_id)
    return None if token is None or token.revoked_at is not None else token


def token_secret_matches(token: ApiToken, secret: str) -> bool:
    """Whether ``secret`` is the part after the dot of ``token``'s text (constant time)."""
    if not secret.isascii():
        return False
    return hmac.compare_digest(token.secret_hash, _secret_hash(secret))


def access_token(key: bytes, token: ApiToken, scopes: frozenset[str], expires: int) -> str:
    """A short-lived bearer token for ``token``'s machine, limited to ``scopes``, valid until
    ``expires`` (Unix time). It is signed, not stored: each use checks the API token behind it
    again, so revoking that token or demoting its user takes effect at once."""
    payload = f"{token.id}.{expires}.{' '.join(sorted(scopes))}"
    return f"{ACCESS_PREFIX}{_b64(payload.encode())}.{_b64(_mac(key, payload))}"


def authenticate_access_token(deps: ServiceDeps, key: bytes, presented: str) -> Principal:
    """Who an access token from ``access_token`` acts for, and what it may do now."""
    refused = AuthenticationError("the access token is not valid or has expired")
    body, _, mac = presented.strip().removeprefix(ACCESS_PREFIX).partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise refused
    token_id, expires, scopes = payload.split(".", 2)
    if int(expires) <= deps.clock.now().timestamp():
        raise refused
    with deps.uow() as uow:
        token = uow.accounts.token(token_id)
        if token is None or token.revoked_at is not None:
            raise refused
        membership = uow.accounts.membership(token.user_id, token.issuer_id)
        admin = uow.accounts.user(token.user_id).platform_admin
    allowed = allowed_scopes(token, membership.role if membership else None)
    granted = allowed & frozenset(scopes.split())
    return Principal(token.user_id, token.issuer_id, granted, token.id, admin)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def require(principal: Principal, issuer_id: str, scope: str) -> None:
    """``PermissionDeniedError`` unless ``principal`` may do ``scope`` in ``issuer_id``."""
    if principal.issuer_id != issuer_id:
        raise PermissionDeniedError(f"this token is not for organisation '{issuer_id}'")
    if scope not in principal.scopes:
        raise PermissionDeniedError(f"this token may not {scope.replace(':', ' ')}")


def _user_by_email(uow: UnitOfWork, email: str) -> User:
    user = uow.accounts.user_by_email(email)
    if user is None:
        raise NotFoundError(f"no user {email}")
    return user
