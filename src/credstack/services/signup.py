"""Sign-up: a learner makes an account, then confirms the e-mail address from a link.

The account exists from the start but cannot sign in until confirmed. The link carries a
random 256-bit token; only its SHA-256 is stored, it works once, and for
``CONFIRM_LIFETIME``. Signing up with an address that has an account already tells the
visitor the same as a new sign-up ("check your mail") and sends that address a "you have an
account" message instead, so the form does not tell who is registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import secrets
import uuid

from credstack.domain.accounts import User
from credstack.domain.errors import AuthenticationError, InvalidInputError, MailError
from credstack.domain.signups import CONFIRM, EmailToken
from credstack.services.accounts import MIN_PASSWORD, check_email, hash_password
from credstack.services.deps import ServiceDeps
from credstack.services.ports import Mail, Mailer

__all__ = ["CONFIRM_LIFETIME", "confirm_email", "resend_confirmation", "sign_up"]

#: how long a confirmation link works
CONFIRM_LIFETIME = dt.timedelta(hours=24)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _mailer(deps: ServiceDeps) -> Mailer:
    if deps.mailer is None:
        raise MailError(
            "sign-up is not available: this installation has no e-mail server "
            "(CREDSTACK_SMTP_HOST is not set)"
        )
    return deps.mailer


def _confirmation(deps: ServiceDeps, user: User) -> Mail:
    """A new token for ``user`` (its hash stored) and the message that carries its link."""
    token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    with deps.uow() as uow:
        expires = now + CONFIRM_LIFETIME
        uow.signups.add_token(EmailToken(_hash(token), user.id, CONFIRM, now, expires))
        uow.commit()
    link = f"{deps.public_url}/signup/confirm?token={token}"
    hours = int(CONFIRM_LIFETIME.total_seconds() // 3600)
    text = (
        f"Hello {user.name},\n\nplease confirm that this is your e-mail address by opening\n\n"
        f"{link}\n\nThe link works once, for {hours} hours. If you did not sign up, ignore "
        "this message: nothing happens without the link.\n"
    )
    page = (
        f"<p>Hello {html.escape(user.name)},</p><p>please confirm that this is your e-mail "
        f'address: <a href="{html.escape(link)}">confirm my e-mail address</a>.</p>'
        f"<p>The link works once, for {hours} hours. If you did not sign up, ignore this "
        "message.</p>"
    )
    return Mail(user.email, "Confirm your e-mail address", text, page)


def _already(deps: ServiceDeps, user: User) -> Mail:
    text = (
        f"Hello {user.name},\n\nsomeone (perhaps you) tried to sign up with this address, but "
        f"you have an account already. Sign in at {deps.public_url}/login.\n"
    )
    return Mail(user.email, "You already have an account", text)


def sign_up(deps: ServiceDeps, *, name: str, email: str, password: str) -> None:
    """Make an unconfirmed account and mail its confirmation link (or, for an address that
    has an account, a "you have an account" message). Raises ``InvalidInputError`` for a bad
    name, e-mail or password and ``MailError`` when no mail can be sent."""
    mailer = _mailer(deps)
    email = check_email(email)
    if not name.strip() or len(name) > 500:
        raise InvalidInputError("give your name (up to 500 characters)")
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
    with deps.uow() as uow:
        existing = uow.accounts.user_by_email(email)
        if existing is None:
            user = User(
                id=str(uuid.uuid4()),
                email=email,
                name=name.strip(),
                password_hash=hash_password(password),
                platform_admin=False,
                created_at=deps.clock.now(),
            )
            uow.accounts.add_user(user)
            uow.commit()
    if existing is not None:
        hash_password(password)  # as long as a new account takes
        mailer.send(_already(deps, existing))
        return
    mailer.send(_confirmation(deps, user))


def resend_confirmation(deps: ServiceDeps, email: str) -> None:
    """Mail a new link to an unconfirmed account's address; nothing for an unknown or a
    confirmed one (the visitor is told the same either way)."""
    mailer = _mailer(deps)
    with deps.uow() as uow:
        user = uow.accounts.user_by_email(email.strip())
    if user is not None and user.email_confirmed_at is None:
        mailer.send(_confirmation(deps, user))


def confirm_email(deps: ServiceDeps, token: str) -> User:
    """Spend a confirmation token and confirm its user's address; the user. Raises
    ``AuthenticationError`` for an unknown, used or expired token (one message for all)."""
    refused = AuthenticationError(
        "this confirmation link is not valid: it was used already, has expired, or is "
        "incomplete. Ask for a new one at /signup/resend"
    )
    if not token.isascii() or len(token) > 100:
        raise refused
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.signups.token(_hash(token))
        if found is None or found.purpose != CONFIRM or not uow.signups.use_token(found.id, now):
            raise refused
        uow.signups.confirm_email(found.user_id, now)
        user = uow.accounts.user(found.user_id)
        uow.commit()
    return user
