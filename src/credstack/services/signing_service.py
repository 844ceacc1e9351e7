"""Signing a credential someone else composed, as one of this installation's issuers.

The W3C VC API's issuer takes any unsecured credential: credstack checks that it names the
organisation as its issuer (or fills it in), signs it with the organisation's active key
(``eddsa-rdfc-2022``) and hands it back. It is not stored: it is not an award of one of the
organisation's achievements, and has no status entry unless the caller put one in.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from credstack.domain.errors import InvalidInputError
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.vc import sign_credential
from credstack.vc.credential_fields import issuer_id as issuer_of
from credstack.vc.errors import VCError

__all__ = ["sign_for_issuer"]


def sign_for_issuer(
    deps: ServiceDeps, issuer_id: str, credential: Mapping[str, Any]
) -> dict[str, Any]:
    """``credential`` signed by the organisation ``issuer_id``.

    Raises ``InvalidInputError`` when it names another issuer, already has a proof, or
    cannot be secured (an undefined term, a context that is not bundled...).
    """
    document = copy.deepcopy(dict(credential))
    if "proof" in document:
        raise InvalidInputError("the credential has a proof already; send it unsecured")
    with deps.uow() as uow:
        _, key = signing_key(uow, deps.vault, issuer_id)
    if "issuer" not in document:
        document["issuer"] = key.controller
    named = issuer_of(document)
    if named != key.controller:
        raise InvalidInputError(
            f"the credential's issuer is {named or 'not a DID or URL'}, but this organisation "
            f"signs as {key.controller}"
        )
    try:
        return sign_credential(document, key, created=deps.clock.now())
    except VCError as error:
        raise InvalidInputError(f"cannot sign the credential: {error}") from None
