"""Handing a credential to its learner: JSON, VC-JWT, baked PNG or baked SVG.

JSON is the stored text itself. The VC-JWT is signed the first time it is asked for, by the
same key that signed the JSON, and then stored, so that every later export gives the same
bytes. Images carry the stored JSON baked in (OB 3.0 §5.3), on the definition's own picture
when it has one in that format, else on a generated one.
"""

from __future__ import annotations

import base64
import enum
import json
from dataclasses import dataclass

from credstack.domain.badge_images import default_badge_png, default_badge_svg
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.vc import bake, sign_jwt

__all__ = ["ExportFormat", "ExportedCredential", "export_credential"]


class ExportFormat(enum.StrEnum):
    JSON = "json"
    JWT = "jwt"
    PNG = "png"
    SVG = "svg"


_MEDIA_TYPES = {
    ExportFormat.JSON: ("application/vc+ld+json", ".json"),
    ExportFormat.JWT: ("application/vc+jwt", ".jwt"),
    ExportFormat.PNG: ("image/png", ".png"),
    ExportFormat.SVG: ("image/svg+xml", ".svg"),
}


@dataclass(frozen=True, slots=True)
class ExportedCredential:
    content: bytes
    media_type: str
    suffix: str


def export_credential(deps: ServiceDeps, award_id: str, fmt: ExportFormat) -> ExportedCredential:
    """The credential ``award_id`` (award or credential id) in ``fmt``."""
    media_type, suffix = _MEDIA_TYPES[fmt]
    with deps.uow() as uow:
        award = uow.awards.get(award_id)
        if fmt is ExportFormat.JSON:
            content = award.credential.encode("utf-8")
        elif fmt is ExportFormat.JWT:
            token = award.jwt
            if token is None:
                _, key = signing_key(uow, deps.vault, award.issuer_id, award.signing_key_id)
                unsigned = json.loads(award.credential)
                unsigned.pop("proof", None)
                token = sign_jwt(unsigned, key, kid=key.id)
                uow.awards.set_jwt(award.id, token)
                uow.commit()
            content = token.encode("ascii")
        else:
            version = uow.achievements.version(award.achievement_id, award.achievement_version)
            issuer = uow.issuers.get(award.issuer_id)
            picture = _picture(version.spec.image, fmt)
            if picture is None:
                title = version.spec.name
                seed = award.achievement_id
                picture = (
                    default_badge_png(title, seed=seed)
                    if fmt is ExportFormat.PNG
                    else default_badge_svg(title, issuer=issuer.name, seed=seed)
                )
            content = bake(picture, award.credential)
    return ExportedCredential(content, media_type, suffix)


def _picture(image: str | None, fmt: ExportFormat) -> bytes | None:
    """The definition's embedded image when it is in the wanted format."""
    prefix = "data:image/png;base64," if fmt is ExportFormat.PNG else "data:image/svg+xml;base64,"
    if image is None or not image.startswith(prefix):
        return None
    return base64.b64decode(image[len(prefix) :])
