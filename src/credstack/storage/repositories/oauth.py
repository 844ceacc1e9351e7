"""Apps, authorisation codes and tokens of the learner APIs; every secret as a hash."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from credstack.domain.oauth import AuthorizationCode, OAuthClient, OAuthToken
from credstack.storage.rows import OAuthClientRow, OAuthCodeRow, OAuthTokenRow

__all__ = ["SqlOAuthRepository"]


def _code(row: OAuthCodeRow) -> AuthorizationCode:
    return AuthorizationCode(
        row.code_hash, row.client_id, row.user_id, row.redirect_uri, row.scope,
        row.code_challenge, row.code_challenge_method, row.created_at, row.expires_at,
        row.used_at,
    )  # fmt: skip


def _token(row: OAuthTokenRow) -> OAuthToken:
    return OAuthToken(
        row.id, row.client_id, row.user_id, row.scope, row.access_hash, row.refresh_hash,
        row.code_hash, row.issued_at, row.access_expires_at, row.refresh_expires_at,
        row.revoked_at,
    )  # fmt: skip


class SqlOAuthRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_client(self, client: OAuthClient) -> None:
        self._session.add(
            OAuthClientRow(
                client_id=client.client_id,
                secret_hash=client.secret_hash,
                client_metadata=client.metadata,
                issued_at=client.issued_at,
            )
        )

    def client(self, client_id: str) -> OAuthClient | None:
        row = self._session.get(OAuthClientRow, client_id)
        if row is None:
            return None
        return OAuthClient(row.client_id, row.secret_hash, dict(row.client_metadata), row.issued_at)

    def add_code(self, code: AuthorizationCode) -> None:
        self._session.add(
            OAuthCodeRow(
                code_hash=code.code_hash,
                client_id=code.client_id,
                user_id=code.user_id,
                redirect_uri=code.redirect_uri,
                scope=code.scope,
                code_challenge=code.code_challenge,
                code_challenge_method=code.code_challenge_method,
                created_at=code.created_at,
                expires_at=code.expires_at,
                used_at=code.used_at,
            )
        )

    def code(self, code_hash: str) -> AuthorizationCode | None:
        row = self._session.get(OAuthCodeRow, code_hash)
        return None if row is None else _code(row)

    def use_code(self, code_hash: str, at: dt.datetime) -> bool:
        # one UPDATE with the condition: of two redemptions at once, one moves the row
        moved = self._session.execute(
            update(OAuthCodeRow)
            .where(OAuthCodeRow.code_hash == code_hash, OAuthCodeRow.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    def add_token(self, token: OAuthToken) -> None:
        self._session.add(
            OAuthTokenRow(
                id=token.id,
                client_id=token.client_id,
                user_id=token.user_id,
                scope=token.scope,
                access_hash=token.access_hash,
                refresh_hash=token.refresh_hash,
                code_hash=token.code_hash,
                issued_at=token.issued_at,
                access_expires_at=token.access_expires_at,
                refresh_expires_at=token.refresh_expires_at,
                revoked_at=token.revoked_at,
            )
        )

    def token_by_access(self, access_hash: str) -> OAuthToken | None:
        row = self._session.scalars(
            select(OAuthTokenRow).where(OAuthTokenRow.access_hash == access_hash)
        ).first()
        return None if row is None else _token(row)

    def token_by_refresh(self, refresh_hash: str) -> OAuthToken | None:
        row = self._session.scalars(
            select(OAuthTokenRow).where(OAuthTokenRow.refresh_hash == refresh_hash)
        ).first()
        return None if row is None else _token(row)

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        moved = self._session.execute(
            update(OAuthTokenRow)
            .where(OAuthTokenRow.id == token_id, OAuthTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    def revoke_tokens_of_code(self, code_hash: str, at: dt.datetime) -> int:
        moved = self._session.execute(
            update(OAuthTokenRow)
            .where(OAuthTokenRow.code_hash == code_hash, OAuthTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(moved.rowcount)  # type: ignore[attr-defined]
