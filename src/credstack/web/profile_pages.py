"""The issuer's profile page and each published achievement's page.

Like a credential's page, each URL serves people HTML and programs the OB 3.0 JSON
(``Profile``, ``Achievement``) by content negotiation. An achievement's page lives at the id
its credentials name when ``CREDSTACK_BASE_URL`` is set
(``/achievements/<id>/versions/<n>``); drafts are not public.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from credstack.domain.achievements import AchievementVersion
from credstack.domain.errors import NotFoundError
from credstack.ob.awards_v3p0 import achievement_document, achievement_uri, profile_document
from credstack.services.offerings import public_offerings
from credstack.web.auth import deps_of
from credstack.web.public import TEMPLATES, wants_json
from credstack.web.vc_api import json_bytes

__all__ = ["router"]

router = APIRouter(tags=["Public"])


def _json(document: object, media: str) -> Response:
    return Response(json_bytes(document), media_type=media, headers={"Vary": "Accept"})


@router.get(
    "/issuers/{issuer_id}",
    response_class=HTMLResponse,
    summary="An issuer's profile: its page, or its OB 3.0 Profile by content negotiation",
)
def issuer_page(request: Request, issuer_id: str) -> Response:
    deps = deps_of(request)
    with deps.uow() as uow:
        issuer = uow.issuers.get(issuer_id)
        published = [v for v in uow.achievements.list(issuer_id) if v.published_at is not None]
    profile = profile_document(issuer)
    media = wants_json(request)
    if media is not None:
        return _json(profile, media)
    html = TEMPLATES.get_template("issuer.html").render(
        issuer=issuer, profile=profile, achievements=published
    )
    return HTMLResponse(html, headers={"Vary": "Accept"})


@router.get("/achievements/{achievement_id}", summary="The newest published version's page")
def achievement_latest(request: Request, achievement_id: str) -> Response:
    with deps_of(request).uow() as uow:
        version = uow.achievements.latest_published(achievement_id)
    if version is None:
        raise NotFoundError(f"no published achievement '{achievement_id}'")
    target = f"/achievements/{achievement_id}/versions/{version.version}"
    return RedirectResponse(target, status_code=303)


@router.get(
    "/achievements/{achievement_id}/versions/{version}",
    response_class=HTMLResponse,
    summary="One published version of an achievement: its page, or its OB 3.0 Achievement",
)
def achievement_page(request: Request, achievement_id: str, version: int) -> Response:
    deps = deps_of(request)
    with deps.uow() as uow:
        found: AchievementVersion = uow.achievements.version(achievement_id, version)
        if found.published_at is None:
            raise NotFoundError(f"no published version {version} of '{achievement_id}'")
        issuer = uow.issuers.get(found.issuer_id)
    document = achievement_document(found, achievement_uri(found, deps.base_url))
    media = wants_json(request)
    if media is not None:
        return _json(document, media)
    html = TEMPLATES.get_template("achievement.html").render(
        achievement=document,
        issuer=issuer,
        version=found,
        offerings=public_offerings(deps, achievement_id),
        now=deps.clock.now(),
    )
    return HTMLResponse(html, headers={"Vary": "Accept"})
