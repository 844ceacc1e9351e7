"""Handing a credential to its learner: JSON, VC-JWT, baked PNG or baked SVG.

JSON is the stored text itself. The VC-JWT is signed the first time it is asked for, by the
same key that signed the JSON, and then stored, so that every later export gives the same
bytes. Images carry the stored JSON baked in (OB 3.0 §5.3), on the definition's own picture
when it has one in that format, else on a generated one.

A printable certificate is not a credential (nothing on paper verifies): the service gives
what one is drawn from (``printable_credential``): the award, its badge as a PNG, the page
address a QR code leads to, and its standing now; the PDF itself is drawn at the edge
(``credstack.adapters.certificate_pdf``, docs/decisions/0021-printable-certificate.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
from dataclasses import dataclass

from credstack.domain.achievements import AchievementVersion
from credstack.domain.awards import Award
from credstack.domain.badge_images import default_badge_png, default_badge_svg
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.vc import bake, sign_jwt

__all__ = [
    "ExportFormat",
    "ExportedCredential",
    "PrintableCredential",
    "Standing",
    "export_credential",
    "printable_credential",
]


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
            if fmt is ExportFormat.PNG:
                picture = _badge_png(award, version)
            else:
                issuer = uow.issuers.get(award.issuer_id)
                picture = _picture(version.spec.image, fmt) or default_badge_svg(
                    version.spec.name, issuer=issuer.name, seed=award.achievement_id
                )
            content = bake(picture, award.credential)
    return ExportedCredential(content, media_type, suffix)


class Standing(enum.StrEnum):
    """Where a credential stands now, as a printed certificate must say."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class PrintableCredential:
    """What a printable certificate of one award is drawn from.

    ``badge_png`` is the picture the PNG download carries, unbaked; ``page_url`` is the
    credential's page under the installation's public URL (it shows a live verification);
    ``since`` is when the standing began (revoked, suspended, expired), else ``None``.
    """

    award: Award
    badge_png: bytes
    page_url: str
    standing: Standing
    since: dt.datetime | None


def printable_credential(deps: ServiceDeps, award_id: str) -> PrintableCredential:
    """The parts of ``award_id``'s certificate (award or credential id; ``NotFoundError``)."""
    with deps.uow() as uow:
        award = uow.awards.get(award_id)
        version = uow.achievements.version(award.achievement_id, award.achievement_version)
        picture = _badge_png(award, version)
    standing, since = _standing(award, deps.clock.now())
    page_url = f"{deps.public_url}/credentials/{award.id}"
    return PrintableCredential(award, picture, page_url, standing, since)


def _standing(award: Award, now: dt.datetime) -> tuple[Standing, dt.datetime | None]:
    """Revocation first (it is final), then suspension, then the validity period."""
    state = award.state
    if state.revoked_at is not None:
        return Standing.REVOKED, state.revoked_at
    if state.suspended_at is not None:
        return Standing.SUSPENDED, state.suspended_at
    # as verification judges it: still valid at the very instant of validUntil
    if award.valid_until is not None and award.valid_until < now:
        return Standing.EXPIRED, award.valid_until
    return Standing.VALID, None


def _badge_png(award: Award, version: AchievementVersion) -> bytes:
    """The definition's PNG picture, else the default badge drawn from its title."""
    picture = _picture(version.spec.image, ExportFormat.PNG)
    if picture is None:
        picture = default_badge_png(version.spec.name, seed=award.achievement_id)
    return picture


def _picture(image: str | None, fmt: ExportFormat) -> bytes | None:
    """The definition's embedded image when it is in the wanted format."""
    prefix = "data:image/png;base64," if fmt is ExportFormat.PNG else "data:image/svg+xml;base64,"
    if image is None or not image.startswith(prefix):
        return None
    return base64.b64decode(image[len(prefix) :])
