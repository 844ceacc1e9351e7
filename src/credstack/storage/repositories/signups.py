"""The links sent by e-mail (their hashes), and confirming a user's address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from credstack.domain.signups import EmailToken
from credstack.storage.rows import EmailTokenRow, UserRow

__all__ = ["SqlSignupRepository"]


class SqlSignupRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_token(self, token: EmailToken) -> None:
        self._session.add(
            EmailTokenRow(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    def token(self, token_id: str) -> EmailToken | None:
        row = self._session.get(EmailTokenRow, token_id)
        if row is None:
            return None
        return EmailToken(
            row.id, row.user_id, row.purpose, row.created_at, row.expires_at, row.used_at
        )

    def use_token(self, token_id: str, at: dt.datetime) -> bool:
        used = self._session.execute(
            update(EmailTokenRow)
            .where(
                EmailTokenRow.id == token_id,
                EmailTokenRow.used_at.is_(None),
                EmailTokenRow.expires_at > at,
            )
            .values(used_at=at)
        )
        return bool(used.rowcount)  # type: ignore[attr-defined]

    def confirm_email(self, user_id: str, at: dt.datetime) -> None:
        self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.email_confirmed_at.is_(None))
            .values(email_confirmed_at=at)
        )
