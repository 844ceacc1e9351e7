"""OAuth 2.0 for the learner APIs: registered apps, authorisation codes, tokens.

The protocol itself (requests, grants, PKCE, error responses) is Authlib's, driven from
``web.oauth_server``; these are the use cases it stores and finds things through. Secrets,
codes and tokens are random 256-bit strings, so only their SHA-256 is stored (a slow hash
adds nothing to a random secret), and a presented one is looked up by its hash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from credstack.domain.oauth import AuthorizationCode, OAuthClient, OAuthToken
from credstack.services.deps import ServiceDeps

__all__ = [
    "ACCESS_TOKEN_SECONDS",
    "CODE_SECONDS",
    "REFRESH_TOKEN_SECONDS",
    "access_token",
    "check_client_secret",
    "find_client",
    "new_secret",
    "redeem_code",
    "refresh_token",
    "register_client",
    "revoke_token",
    "save_code",
    "save_tokens",
    "secret_digest",
]

#: an authorisation code lives ten minutes (OB 3.0 §7.1.2.2 recommends 600 s)
CODE_SECONDS = 600
#: an access token lives one hour (the IMS recommendation)
ACCESS_TOKEN_SECONDS = 3600
#: a refresh token lives thirty days, and is replaced by each refresh
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600


def secret_digest(secret: str) -> str:
    """The SHA-256 (hex) a secret, code or token is stored and found under."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh random secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


#: what ``secrets.token_urlsafe(24)`` makes
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def register_client(deps: ServiceDeps, metadata: Mapping[str, Any]) -> tuple[OAuthClient, str]:
    """Store a new app with its (already validated) registration metadata; the client and its
    secret, which is shown once and never kept."""
    secret = new_secret()
    client = OAuthClient(
        client_id=secrets.token_urlsafe(24),
        secret_hash=secret_digest(secret),
        metadata=dict(metadata),
        issued_at=deps.clock.now(),
    )
    with deps.uow() as uow:
        uow.oauth.add_client(client)
        uow.commit()
    return client, secret


def find_client(deps: ServiceDeps, client_id: str) -> OAuthClient | None:
    """The registered app, or ``None``; an id that ``register_client`` cannot have made
    (wrong length or characters: a NUL would even fail PostgreSQL) is not looked up."""
    if not _CLIENT_ID.fullmatch(client_id):
        return None
    with deps.uow() as uow:
        return uow.oauth.client(client_id)


def check_client_secret(client: OAuthClient, presented: str) -> bool:
    """Whether ``presented`` is the client's secret (compared in constant time)."""
    return hmac.compare_digest(client.secret_hash, secret_digest(presented))


def save_code(
    deps: ServiceDeps,
    code: str,
    *,
    client_id: str,
    user_id: str,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
) -> AuthorizationCode:
    """Store what the learner granted under the code's hash; it expires in ``CODE_SECONDS``."""
    now = deps.clock.now()
    record = AuthorizationCode(
        code_hash=secret_digest(code),
        client_id=client_id,
        user_id=user_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=CODE_SECONDS),
    )
    with deps.uow() as uow:
        uow.oauth.add_code(record)
        uow.commit()
    return record


def redeem_code(deps: ServiceDeps, code: str, client_id: str) -> AuthorizationCode | None:
    """The grant behind ``code``, used up by this call; ``None`` for an unknown or expired
    code, or one of another client.

    A code works once, whatever happens next (a wrong PKCE verifier spends it too, so it
    cannot be guessed at). A code presented again is refused and every token it gave is
    revoked (RFC 6749 §4.1.2: it may have been stolen).
    """
    digest = secret_digest(code)
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.oauth.code(digest)
        if found is None or found.client_id != client_id:
            return None
        first_use = uow.oauth.use_code(digest, now)
        if not first_use:
            uow.oauth.revoke_tokens_of_code(digest, now)
        uow.commit()
    if not first_use or found.expires_at <= now:
        return None
    return found


def save_tokens(
    deps: ServiceDeps,
    token: Mapping[str, Any],
    *,
    client_id: str,
    user_id: str,
    code_hash: str | None,
    replacing: str | None = None,
) -> OAuthToken:
    """Store the hashes of a token response's access and refresh tokens; with ``replacing``
    (a refresh), the old token is revoked in the same transaction."""
    now = deps.clock.now()
    refresh = token.get("refresh_token")
    record = OAuthToken(
        id=str(uuid.uuid4()),
        client_id=client_id,
        user_id=user_id,
        scope=str(token.get("scope", "")),
        access_hash=secret_digest(str(token["access_token"])),
        refresh_hash=None if refresh is None else secret_digest(str(refresh)),
        code_hash=code_hash,
        issued_at=now,
        access_expires_at=now + dt.timedelta(seconds=int(token["expires_in"])),
        refresh_expires_at=(
            None if refresh is None else now + dt.timedelta(seconds=REFRESH_TOKEN_SECONDS)
        ),
    )
    with deps.uow() as uow:
        uow.oauth.add_token(record)
        if replacing is not None:
            uow.oauth.revoke_token(replacing, now)
        uow.commit()
    return record


def access_token(deps: ServiceDeps, presented: str) -> OAuthToken | None:
    """The token whose access token is ``presented`` (live or not: the caller checks)."""
    with deps.uow() as uow:
        return uow.oauth.token_by_access(secret_digest(presented))


def refresh_token(deps: ServiceDeps, presented: str) -> OAuthToken | None:
    """The live token whose refresh token is ``presented``; ``None`` when revoked, expired
    or unknown."""
    with deps.uow() as uow:
        found = uow.oauth.token_by_refresh(secret_digest(presented))
    if found is None or found.revoked_at is not None:
        return None
    if found.refresh_expires_at is None or found.refresh_expires_at <= deps.clock.now():
        return None
    return found


def revoke_token(deps: ServiceDeps, token: OAuthToken) -> OAuthToken:
    """Revoke the access and the refresh token together (revoking either ends the grant)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.oauth.revoke_token(token.id, now)
        uow.commit()
    return dataclasses.replace(token, revoked_at=token.revoked_at or now)
