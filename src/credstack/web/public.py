"""What anyone may read: credential pages, downloads, status lists, health.

A credential's page lives at its id (``<base URL>/credentials/<award id>``): a person's
browser gets HTML that says what the credential certifies and whether it verifies now; a
program asking for JSON (``Accept: application/vc``, ``application/ld+json`` or
``application/json``) gets the signed credential itself, byte for byte as issued.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from credstack.adapters.certificate_pdf import MEDIA_TYPE as CERTIFICATE_MEDIA_TYPE
from credstack.adapters.certificate_pdf import render_certificate
from credstack.ob.credential_summary import summarise_credential
from credstack.services.awards import show_award
from credstack.services.exports import ExportFormat, export_credential, printable_credential
from credstack.services.status import published_list
from credstack.web.auth import deps_of
from credstack.web.problems import Problem
from credstack.web.vc_api import verified, verify_here

__all__ = ["TEMPLATES", "router", "wants_json"]

router = APIRouter()

_JSON_TYPES = (
    "application/vc",
    "application/vc+ld+json",
    "application/ld+json",
    "application/json",
)
TEMPLATES = Environment(
    loader=FileSystemLoader(str(resources.files("credstack.web").joinpath("templates"))),
    autoescape=select_autoescape(["html"]),
)
#: how long a client may keep a status list before asking again
STATUS_LIST_MAX_AGE = 300


def wants_json(request: Request) -> str | None:
    """The JSON media type the client asks for first, if it prefers one to HTML."""
    ranked = []
    for position, part in enumerate(request.headers.get("accept", "").split(",")):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.strip().lower()))
    for _, _, media in sorted(ranked):
        if media in _JSON_TYPES:
            return media
        if media in ("text/html", "application/xhtml+xml", "*/*", "text/*"):
            return None
    return None


@router.get("/healthz", tags=["Operations"], summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["Operations"], summary="Readiness: the database answers")
def readyz(request: Request) -> dict[str, str]:
    with deps_of(request).uow() as uow:
        uow.issuers.list()
    return {"status": "ready"}


@router.get(
    "/credentials/{award_id}",
    tags=["Public"],
    summary="A credential: its page, or the signed JSON by content negotiation",
    response_class=HTMLResponse,
    responses={200: {"content": {"application/vc": {}, "text/html": {}}}},
)
def credential(request: Request, award_id: str) -> Response:
    deps = deps_of(request)
    award = show_award(deps, award_id)
    media = wants_json(request)
    if media is not None:
        return Response(award.credential, media_type=media, headers={"Vary": "Accept"})
    document = json.loads(award.credential)
    report = verify_here(request, award.credential)
    page_url = str(request.url_for("credential", award_id=award.id))
    html = TEMPLATES.get_template("credential.html").render(
        view=summarise_credential(document),
        report=report,
        verified=verified(report),
        award_id=award.id,
        page_url=page_url,
        downloads={
            fmt: str(request.url_for("download", award_id=award.id, fmt=fmt))
            for fmt in ("json", "png", "svg", "pdf")
        },
        linkedin=_linkedin_url(document, page_url, award.id),
    )
    return HTMLResponse(html, headers={"Vary": "Accept"})


@router.get(
    "/credentials/{award_id}/download/{fmt}",
    tags=["Public"],
    summary="Download a credential: json, png or svg (images carry the credential baked in), "
    "or pdf (a printable certificate with a QR code of the credential's page)",
)
def download(request: Request, award_id: str, fmt: str) -> Response:
    if fmt == "pdf":
        return _certificate(request, award_id)
    if fmt not in ("json", "png", "svg"):
        raise Problem(404, f"no download format '{fmt}' (json, png, svg or pdf)")
    exported = export_credential(deps_of(request), award_id, ExportFormat(fmt))
    name = f"credential-{award_id}{exported.suffix}"
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _certificate(request: Request, award_id: str) -> Response:
    """The printable certificate, shown by the browser (``inline``: the way to its print
    dialogue) and saved under its own name. Revoked, suspended or expired credentials get
    theirs too, stamped with that standing (decision 0021)."""
    printable = printable_credential(deps_of(request), award_id)
    name = f"credential-{printable.award.id}.pdf"
    return Response(
        render_certificate(printable),
        media_type=CERTIFICATE_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get(
    "/status/{issuer_id}/{number}/{purpose}.json",
    tags=["Public"],
    summary="A Bitstring Status List credential",
)
def status_list(request: Request, issuer_id: str, number: int, purpose: str) -> Response:
    published = published_list(deps_of(request), issuer_id, number, purpose)
    return Response(
        published.text,
        media_type="application/vc",
        headers={
            "Cache-Control": f"public, max-age={STATUS_LIST_MAX_AGE}",
            "Last-Modified": published.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        },
    )


def _linkedin_url(document: dict[str, Any], page_url: str, award_id: str) -> str:
    """LinkedIn's "Add licence or certification" form, filled in."""
    view = summarise_credential(document)
    fields: dict[str, Any] = {
        "startTask": "CERTIFICATION_NAME",
        "name": view.name or "",
        "organizationName": view.issuer or "",
        "certUrl": page_url,
        "certId": award_id,
    }
    issued = _date(view.valid_from)
    if issued is not None:
        fields.update(issueYear=issued.year, issueMonth=issued.month)
    expires = _date(view.valid_until)
    if expires is not None:
        fields.update(expirationYear=expires.year, expirationMonth=expires.month)
    return "https://www.linkedin.com/profile/add?" + urlencode(fields)


def _date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
