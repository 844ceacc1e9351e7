"""Learners' apps: OAuth 2.0 clients, their authorisation codes and tokens, and the
credentials learners keep in their portfolio here.

The 1EdTech Open Badges 3.0 and CLR 2.0 APIs let a learner connect an app (a wallet, a
backpack, a CV builder) to the credentials credstack holds for them. An app registers itself
(RFC 7591), the learner signs in and agrees, and the app gets tokens limited to the scopes
the learner granted. Only hashes of secrets, codes and tokens are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

__all__ = [
    "CLR_SCOPES",
    "OB_SCOPES",
    "AuthorizationCode",
    "LearnerApi",
    "OAuthClient",
    "OAuthToken",
    "PortfolioEntry",
    "api_scopes",
]

_OB = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
_CLR = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"


class LearnerApi(enum.StrEnum):
    """Which 1EdTech API: Open Badges 3.0 or its twin, Comprehensive Learner Record 2.0."""

    OB = "ob"
    CLR = "clr"


#: the four scopes of each API (OB 3.0 §6.2.1; CLR 2.0 the same operations under its own URIs)
OB_SCOPES = {
    "credential.readonly": f"{_OB}credential.readonly",
    "credential.upsert": f"{_OB}credential.upsert",
    "profile.readonly": f"{_OB}profile.readonly",
    "profile.update": f"{_OB}profile.update",
}
CLR_SCOPES = {
    "credential.readonly": f"{_CLR}credential.readonly",
    "credential.upsert": f"{_CLR}credential.upsert",
    "profile.readonly": f"{_CLR}profile.readonly",
    "profile.update": f"{_CLR}profile.update",
}


def api_scopes(api: LearnerApi) -> dict[str, str]:
    """The scope URIs of ``api`` by operation name (``credential.readonly``, ...)."""
    return OB_SCOPES if api is LearnerApi.OB else CLR_SCOPES


@dataclasses.dataclass(frozen=True, slots=True)
class OAuthClient:
    """An app registered with RFC 7591. ``metadata`` is the registration as accepted (client
    name, URIs, redirect URIs, scope, grant types, ...); only the SHA-256 of the secret is
    kept."""

    client_id: str
    secret_hash: str
    metadata: dict[str, Any]
    issued_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """What a learner granted at the consent page, until the app redeems it (once)."""

    code_hash: str
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class OAuthToken:
    """An access token and its refresh token (hashes), for one learner and one app.

    ``code_hash`` names the authorisation code it came from (or the one the token it was
    refreshed from came from), so that a code presented twice revokes everything it gave.
    """

    id: str
    client_id: str
    user_id: str
    scope: str
    access_hash: str
    refresh_hash: str | None
    code_hash: str | None
    issued_at: dt.datetime
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None
    revoked_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PortfolioEntry:
    """PERSONAL DATA: a credential an app stored for a learner (upsertCredential), exactly as
    sent: ``content`` is the JSON text or the compact JWS. One per credential id, per learner,
    per API."""

    user_id: str
    api: LearnerApi
    credential_id: str
    content: str
    jws: bool
    stored_at: dt.datetime
    updated_at: dt.datetime
