"""A learner as the OB 3.0 / CLR 2.0 APIs show them: a ``Profile`` (getProfile), and what a
``putProfile`` body may change (the name only: the e-mail address is how credstack finds the
learner's credentials, and the id is theirs for good)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credstack.domain.accounts import User
from credstack.domain.errors import InvalidInputError

__all__ = ["PROFILE_FIELDS", "learner_profile", "profile_id", "profile_name"]

#: what a putProfile body may hold; any other property is refused (OB 3.0 §6.2.5: "MAY
#: respond with 400 to reject data that is known immediately to not be acceptable")
PROFILE_FIELDS = frozenset({"@context", "id", "type", "name", "email"})


def profile_id(user: User) -> str:
    return f"urn:uuid:{user.id}"


def learner_profile(user: User, context: str) -> dict[str, Any]:
    """The learner's Profile document, under the API's JSON-LD ``context``."""
    return {
        "@context": [context],
        "id": profile_id(user),
        "type": "Profile",
        "name": user.name,
        "email": user.email,
    }


def profile_name(document: Mapping[str, Any], user: User) -> str:
    """The name a putProfile body gives the learner. Raises ``InvalidInputError`` for a body
    that is not this learner's whole Profile, or changes what may not change."""
    extra = sorted(set(document) - PROFILE_FIELDS)
    if extra:
        raise InvalidInputError(
            f"these properties cannot be set here: {', '.join(extra)} "
            f"(a profile may hold {', '.join(sorted(PROFILE_FIELDS))})"
        )
    kind = document.get("type")
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    if "Profile" not in kinds:
        raise InvalidInputError("type must be Profile")
    if "id" in document and document["id"] != profile_id(user):
        raise InvalidInputError(f"id must be this learner's, {profile_id(user)}")
    email = document.get("email", user.email)
    if not isinstance(email, str) or email.lower() != user.email.lower():
        raise InvalidInputError("the e-mail address cannot be changed here")
    name = document.get("name")
    if not isinstance(name, str):
        raise InvalidInputError("name is required (a string)")
    return name
