"""The errors of credstack's own rules, one base class for every layer above the core.

Each message is one line a person can act on; entry points (CLI, web) print it as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "CredstackError",
    "InvalidInputError",
    "MailError",
    "NotFoundError",
    "PermissionDeniedError",
    "StorageError",
    "WorkerError",
    "first_problem",
]


class CredstackError(Exception):
    """Base of every error credstack's domain, services and adapters raise on purpose."""


class InvalidInputError(CredstackError, ValueError):
    """Input that breaks a rule: a bad field, a malformed file, an impossible request."""


class NotFoundError(CredstackError, LookupError):
    """A named thing (issuer, achievement, credential) that does not exist."""


class ConflictError(CredstackError):
    """A request that clashes with what exists: a duplicate id, a second publish."""


class StorageError(CredstackError):
    """The database cannot be used: locked, unreachable, or at a newer migration."""


class WorkerError(CredstackError):
    """A worker process stopped before it finished its part (killed, out of memory)."""


class AuthenticationError(CredstackError):
    """No credentials, or credentials that are not valid (unknown, revoked, wrong secret)."""


class PermissionDeniedError(CredstackError):
    """Known credentials that may not do this (another organisation, a missing scope)."""


class MailError(CredstackError):
    """E-mail cannot be sent: no SMTP server is set, or the server refused or was unreachable."""


def first_problem(error: ValidationError, place: str) -> str:
    """One line for Pydantic's errors: where the first is (``place`` when at the top), what it
    is, and how many more there are; the one way every entry point words a bad field."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or place
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {message}{more}"
