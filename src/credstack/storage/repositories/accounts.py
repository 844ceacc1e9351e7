"""Users, their roles in organisations, and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.accounts import ApiToken, Membership, Role, User, UserSession
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.storage.rows import ApiTokenRow, MembershipRow, UserRow, UserSessionRow

__all__ = ["SqlAccountRepository"]


def _user(row: UserRow) -> User:
    return User(
        row.id, row.email, row.name, row.password_hash, row.platform_admin, row.created_at,
        row.email_confirmed_at,
    )  # fmt: skip


def _token(row: ApiTokenRow) -> ApiToken:
    scopes = frozenset(filter(None, row.scopes.split(" ")))
    return ApiToken(
        row.id, row.user_id, row.issuer_id, row.name, scopes, row.secret_hash, row.created_at,
        row.revoked_at,
    )  # fmt: skip


class SqlAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_user(self, user: User) -> None:
        self._session.add(
            UserRow(
                id=user.id,
                email=user.email,
                email_key=user.email.lower(),
                name=user.name,
                password_hash=user.password_hash,
                platform_admin=user.platform_admin,
                created_at=user.created_at,
                email_confirmed_at=user.email_confirmed_at,
            )
        )
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError(f"there is a user {user.email} already") from None

    def user(self, user_id: str) -> User:
        row = self._session.get(UserRow, user_id)
        if row is None:
            raise NotFoundError(f"no user {user_id}")
        return _user(row)

    def user_by_email(self, email: str) -> User | None:
        row = self._session.scalars(
            select(UserRow).where(UserRow.email_key == email.lower())
        ).first()
        return None if row is None else _user(row)

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        self._session.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    def set_name(self, user_id: str, name: str) -> None:
        self._session.execute(update(UserRow).where(UserRow.id == user_id).values(name=name))

    def set_membership(self, membership: Membership) -> None:
        row = self._session.get(MembershipRow, (membership.user_id, membership.issuer_id))
        if row is None:
            self._session.add(
                MembershipRow(
                    user_id=membership.user_id,
                    issuer_id=membership.issuer_id,
                    role=membership.role.value,
                )
            )
        else:
            row.role = membership.role.value

    def membership(self, user_id: str, issuer_id: str) -> Membership | None:
        row = self._session.get(MembershipRow, (user_id, issuer_id))
        return None if row is None else Membership(row.user_id, row.issuer_id, Role(row.role))

    def memberships_of(self, user_id: str) -> list[Membership]:
        rows = self._session.scalars(
            select(MembershipRow)
            .where(MembershipRow.user_id == user_id)
            .order_by(MembershipRow.issuer_id)
        )
        return [Membership(row.user_id, row.issuer_id, Role(row.role)) for row in rows]

    def add_token(self, token: ApiToken) -> None:
        self._session.add(
            ApiTokenRow(
                id=token.id,
                user_id=token.user_id,
                issuer_id=token.issuer_id,
                name=token.name,
                scopes=" ".join(sorted(token.scopes)),
                secret_hash=token.secret_hash,
                created_at=token.created_at,
                revoked_at=token.revoked_at,
            )
        )

    def token(self, token_id: str) -> ApiToken | None:
        row = self._session.get(ApiTokenRow, token_id)
        return None if row is None else _token(row)

    def tokens_for(self, issuer_id: str) -> list[ApiToken]:
        rows = self._session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.issuer_id == issuer_id)
            .order_by(ApiTokenRow.created_at, ApiTokenRow.id)
        )
        return [_token(row) for row in rows]

    def add_session(self, session: UserSession) -> None:
        self._session.add(
            UserSessionRow(
                id=session.id,
                user_id=session.user_id,
                created_at=session.created_at,
                expires_at=session.expires_at,
                ended_at=session.ended_at,
            )
        )

    def session(self, session_id: str) -> UserSession | None:
        row = self._session.get(UserSessionRow, session_id)
        if row is None:
            return None
        return UserSession(row.id, row.user_id, row.created_at, row.expires_at, row.ended_at)

    def end_sessions(
        self, at: dt.datetime, *, session_id: str | None = None, user_id: str | None = None
    ) -> int:
        query = update(UserSessionRow).where(UserSessionRow.ended_at.is_(None))
        if session_id is not None:
            query = query.where(UserSessionRow.id == session_id)
        if user_id is not None:
            query = query.where(UserSessionRow.user_id == user_id)
        ended = self._session.execute(query.values(ended_at=at))
        return int(ended.rowcount)  # type: ignore[attr-defined]

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        moved = self._session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]
