"""Signed-in people: session cookies, CSRF tokens for forms, and a brake on password guessing.

A session is a cookie the server signed (HMAC-SHA-256 under the installation's session key):
the user's id, when it expires, and the session's random secret. The server keeps the hash of
that secret (``services.accounts.start_session``) and accepts the cookie only while the session
is live there, so signing out (or a password change) ends it even where the cookie was copied.
Forms carry a CSRF token derived from the secret, so a page of another site cannot post with
the cookie. Before sign-in, the login form
is protected the same way by a random pre-session cookie (double submit). Failed sign-ins are
counted per e-mail and per address: past the limit, sign-in is refused (429) for a while.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request, Response

from credstack.domain.errors import AuthenticationError, PermissionDeniedError
from credstack.services.accounts import end_all_sessions, end_session, live_session, start_session
from credstack.services.deps import ServiceDeps

__all__ = ["LoginThrottle", "SessionCookies", "SignedIn"]

SESSION_COOKIE = "credstack_session"
LOGIN_COOKIE = "credstack_login"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: str
    csrf: str


class SessionCookies:
    """Makes and reads the session cookie and the CSRF tokens, under one secret key."""

    def __init__(self, key: bytes, *, secure: bool, deps: ServiceDeps) -> None:
        self._key = key
        self._secure = secure
        self._deps = deps

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def start(self, response: Response, user_id: str) -> None:
        expires = int(time.time()) + SESSION_SECONDS
        secret = start_session(self._deps, user_id, dt.timedelta(seconds=SESSION_SECONDS))
        payload = f"{user_id}|{expires}|{secret}"
        response.set_cookie(
            SESSION_COOKIE,
            f"{payload}|{self._sign(payload)}",
            max_age=SESSION_SECONDS,
            httponly=True,
            secure=self._secure,
            samesite="lax",
        )
        response.delete_cookie(LOGIN_COOKIE)

    def end(self, request: Request, response: Response, *, everywhere: bool = False) -> None:
        """Sign this browser out (``everywhere``: every session of its user) on the server,
        and drop the cookie."""
        found = self._cookie(request)
        if found is not None:
            user_id, secret = found
            if everywhere:
                end_all_sessions(self._deps, user_id)
            else:
                end_session(self._deps, secret)
        response.delete_cookie(SESSION_COOKIE)

    def _cookie(self, request: Request) -> tuple[str, str] | None:
        """The user id and session secret of a well-signed, unexpired cookie."""
        value = request.cookies.get(SESSION_COOKIE, "")
        parts = value.split("|")
        if len(parts) != 4:
            return None
        user_id, expires, secret, mac = parts
        payload = f"{user_id}|{expires}|{secret}"
        if not hmac.compare_digest(mac.encode(), self._sign(payload).encode()):
            return None
        if not expires.isdigit() or int(expires) < time.time():
            return None
        return user_id, secret

    def read(self, request: Request) -> SignedIn | None:
        found = self._cookie(request)
        if found is None:
            return None
        user_id, secret = found
        session = live_session(self._deps, secret)
        if session is None or session.user_id != user_id:
            return None
        return SignedIn(user_id, self._sign(f"csrf|{secret}"))

    def signed_in(self, request: Request) -> SignedIn:
        found = self.read(request)
        if found is None:
            raise AuthenticationError("sign in first (/login)")
        return found

    def check_csrf(self, session: SignedIn, presented: str) -> None:
        # as bytes: compare_digest refuses str with non-ASCII characters (a 500 otherwise)
        if not hmac.compare_digest(session.csrf.encode(), presented.encode()):
            raise PermissionDeniedError("the form has expired or was not sent from this site")

    def login_token(self, request: Request) -> str:
        """The pre-session CSRF token for the login form (``set_login_token`` sends it)."""
        return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)

    def set_login_token(self, response: Response, token: str) -> None:
        response.set_cookie(
            LOGIN_COOKIE, token, max_age=3600, httponly=True, secure=self._secure, samesite="lax"
        )

    def check_login_token(self, request: Request, presented: str) -> None:
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(cookie.encode(), presented.encode()):
            raise PermissionDeniedError("the sign-in form has expired: open /login again")


class LoginThrottle:
    """At most ``limit`` failed sign-ins per e-mail, and four times that per client address,
    in ``window`` seconds (per server process)."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        failures = self._failures.setdefault(key, collections.deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def blocked(self, email: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            by_email = len(self._recent(f"e:{email.lower()}", now)) >= self.limit
            by_address = len(self._recent(f"a:{address}", now)) >= 4 * self.limit
        return by_email or by_address

    def failed(self, email: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(f"e:{email.lower()}", now).append(now)
            self._recent(f"a:{address}", now).append(now)
