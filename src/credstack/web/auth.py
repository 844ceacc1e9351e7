"""Who is calling: the bearer token of an API request, as a ``Principal``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from credstack.domain.accounts import Principal
from credstack.domain.errors import AuthenticationError
from credstack.services.accounts import (
    ACCESS_PREFIX,
    authenticate_access_token,
    authenticate_token,
)
from credstack.services.deps import ServiceDeps

__all__ = ["Caller", "deps_of", "principal"]


def deps_of(request: Request) -> ServiceDeps:
    """The services the application was made with (``create_app``)."""
    deps: ServiceDeps = request.app.state.deps
    return deps


def principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer cst_...`` (an API token) or ``csta_...`` (an
    access token made from one, ``web.machine_oauth``); 401 without one or with a bad one."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError("send an API token: Authorization: Bearer cst_...")
    if value.strip().startswith(ACCESS_PREFIX):
        key: bytes = request.app.state.machine_token_key
        return authenticate_access_token(deps_of(request), key, value)
    return authenticate_token(deps_of(request), value)


Caller = Annotated[Principal, Depends(principal)]
