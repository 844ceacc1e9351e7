"""The learner's credentials from other issuers: ``/learning/credentials`` lists them (how
each verified, and what each organisation that recognises its issuer makes of it) with the
form that adds one (a file: JSON, JWT, baked PNG or SVG; or its HTTPS URL), and a button per
credential that verifies it again.

Server-rendered, no JavaScript, every field labelled, CSRF on every form; a refusal (not a
credential, someone else's, added already) shows the form again with the reason. The body
limit is the application's (1 MB, as the verify page).
"""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.services.foreign_credentials import (
    add_foreign_credential,
    add_foreign_credential_from_url,
    reverify,
)
from credstack.services.recognition import credential_views
from credstack.web.auth import deps_of
from credstack.web.public import TEMPLATES
from credstack.web.sessions import SessionCookies, SignedIn

__all__ = ["router"]

router = APIRouter(tags=["Pages"])
PATH = "/learning/credentials"


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _page(
    request: Request,
    session: SignedIn,
    *,
    error: str | None = None,
    status: int = 200,
    url: str = "",
    notice: str | None = None,
) -> HTMLResponse:
    deps = deps_of(request)
    views = credential_views(deps, session.user_id)
    html = TEMPLATES.get_template("foreign_credentials.html").render(
        views=views, csrf=session.csrf, error=error, url=url, notice=notice,
        fetches=deps.fetcher is not None,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get(PATH, response_class=HTMLResponse, summary="My credentials from other issuers")
def credentials_page(request: Request, added: str = "") -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return RedirectResponse(f"/login?next={urllib.parse.quote(PATH)}", status_code=303)
    notice = {"1": "Added and verified.", "again": "Verified again."}.get(added)
    return _page(request, session, notice=notice)


@router.post(PATH, summary="Add a credential from another issuer (a file or its URL)")
async def add(request: Request) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    async with request.form(max_files=1, max_fields=5) as form:
        csrf = form.get("csrf")
        cookies.check_csrf(session, csrf if isinstance(csrf, str) else "")
        given_url = form.get("url")
        url = given_url.strip() if isinstance(given_url, str) else ""
        upload = form.get("file")
        data: bytes | None = None
        source = ""
        if isinstance(upload, UploadFile) and upload.filename:
            data, source = await upload.read(), f"the file {upload.filename}"
    if getattr(request.state, "body_cut", False):
        return Response(status_code=413)  # BodyLimit answers; nothing is stored
    deps = deps_of(request)
    try:
        if data is not None:
            await run_in_threadpool(
                add_foreign_credential, deps, session.user_id, data, source=source
            )
        elif url:
            await run_in_threadpool(add_foreign_credential_from_url, deps, session.user_id, url)
        else:
            raise InvalidInputError("choose a credential file, or give its URL")
    except (InvalidInputError, ConflictError) as error:
        status = 409 if isinstance(error, ConflictError) else 400
        return await run_in_threadpool(
            _page, request, session, error=str(error), status=status, url=url
        )
    return RedirectResponse(f"{PATH}?added=1", status_code=303)


@router.post(PATH + "/{credential_id}/verify", summary="Verify a credential again now")
async def verify_again(request: Request, credential_id: str) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    async with request.form(max_files=0, max_fields=2) as form:
        csrf = form.get("csrf")
        cookies.check_csrf(session, csrf if isinstance(csrf, str) else "")
    await run_in_threadpool(reverify, deps_of(request), session.user_id, credential_id)
    return RedirectResponse(f"{PATH}?added=again", status_code=303)
