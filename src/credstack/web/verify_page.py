"""The "verify a credential" page, and the DID documents of ``did:web`` issuers.

Anyone can upload a credential file (JSON, JWT, baked PNG or SVG), paste its text, or give
the HTTPS URL it is published at, and read the verification report in plain words. The form
works without JavaScript; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from credstack.services.issuers import did_document, list_issuers
from credstack.vc.dids import did_web_for
from credstack.vc.errors import DIDResolutionError, FetchError
from credstack.vc.fetching import Fetcher
from credstack.web.auth import deps_of
from credstack.web.problems import Problem
from credstack.web.public import TEMPLATES
from credstack.web.vc_api import verified, verify_here

__all__ = ["router"]

router = APIRouter(tags=["Public"])

#: the largest credential a URL may give (a baked image included)
MAX_FETCHED_BYTES = 1_000_000


@router.get("/verify", response_class=HTMLResponse, summary="The verify-a-credential form")
def form() -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template("verify.html").render(report=None))


@router.post("/verify", response_class=HTMLResponse, summary="Verify an uploaded credential")
async def check(
    request: Request,
    file: Annotated[UploadFile | None, File(description="JSON, JWT, PNG or SVG")] = None,
    text: Annotated[str, Form(description="a credential's JSON or JWT, pasted")] = "",
    url: Annotated[str, Form(description="the HTTPS URL of a credential")] = "",
) -> HTMLResponse:
    data: bytes | str
    source: str
    if file is not None and file.filename:
        data, source = await file.read(), f"the file {file.filename}"
    elif text.strip():
        data, source = text.strip(), "the pasted text"
    elif url.strip():
        data, source = _fetched(request, url.strip()), url.strip()
    else:
        raise Problem(400, "give a credential: a file, its text, or its URL")
    report = verify_here(request, data)
    html = TEMPLATES.get_template("verify.html").render(
        report=report, verified=verified(report), source=source
    )
    return HTMLResponse(html)


def _fetched(request: Request, url: str) -> bytes:
    fetcher: Fetcher | None = request.app.state.fetcher
    if fetcher is None:
        raise Problem(400, "this server does not fetch URLs; upload the file instead")
    try:
        return fetcher.fetch(
            url,
            accept="application/vc, application/ld+json, application/json, image/*",
            timeout=10,
            max_bytes=MAX_FETCHED_BYTES,
        )
    except FetchError as error:
        raise Problem(400, f"cannot read {url}: {error}") from None


@router.get(
    "/.well-known/did.json",
    summary="The DID document of the did:web issuer of this host",
    response_class=JSONResponse,
)
def well_known_did(request: Request) -> JSONResponse:
    deps = deps_of(request)
    host = request.headers.get("host", "")
    try:
        did = did_web_for(host)
    except DIDResolutionError:
        raise Problem(404, f"'{host}' is not a did:web domain") from None
    issuer = next((i for i in list_issuers(deps) if i.did == did), None)
    if issuer is None:
        raise Problem(404, f"no issuer here is {did}")
    return JSONResponse(did_document(deps, issuer.id), media_type="application/did+json")
