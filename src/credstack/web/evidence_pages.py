"""Evidence pages: the learner's form, the assessor's queue and review page, and the page
and file a credential links to.

Server-rendered, no JavaScript, every field labelled, CSRF on every form. A learner only
reaches their own submissions, an assessor their organisations'; anyone else gets 404.
Accepted evidence is public. Its file is always a download (``Content-Disposition:
attachment``) under ``nosniff`` and a sandboxing CSP, of the type found in its content and
never one a browser would run (decision 0027).
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.evidence import MAX_TEXT, SubmissionState, summary_of
from credstack.domain.evidence_files import FILE_KINDS
from credstack.domain.rubrics import MAX_BYTES_CAP
from credstack.services.evidence import (
    QueueFilter,
    Upload,
    assessable_issuers,
    evidence_file,
    evidence_form,
    public_evidence,
    review_queue,
    review_submission,
    submission_for_review,
    submit_evidence,
)
from credstack.web.auth import deps_of
from credstack.web.public import TEMPLATES
from credstack.web.sessions import SessionCookies, SignedIn

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter(tags=["Evidence"])
#: the form's path, which takes bodies up to the largest file a rubric may allow
UPLOAD_PATH = r"/learning/[^/]+/evidence/[^/]+"
UPLOAD_LIMIT = MAX_BYTES_CAP + 1024 * 1024
PAGE = 25
#: media types a stored file may be served as; anything else goes as octet-stream
_SERVABLE = frozenset(k.media_type for k in FILE_KINDS.values())
_SCRIPTABLE = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _to_login(request: Request) -> Response:
    target = urllib.parse.quote(request.url.path)
    return RedirectResponse(f"/login?next={target}", status_code=303)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} kB"


# --- the learner's form ----------------------------------------------------------------------


def _form_page(
    request: Request,
    session: SignedIn,
    offering_id: str,
    requirement_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    sent: dict[str, str] | None = None,
) -> HTMLResponse:
    view = evidence_form(deps_of(request), session.user_id, offering_id, requirement_id)
    versions = [
        {"submission": v, "summary": summary_of(v), "url": f"/evidence/{v.id}"}
        for v in reversed(view.versions)
    ]
    spec = view.rubric.spec
    html = TEMPLATES.get_template("evidence_form.html").render(
        view=view, spec=spec, versions=versions, csrf=session.csrf, error=error,
        action=request.url.path, max_text=MAX_TEXT, max_size=_size(spec.max_bytes),
        file_types=", ".join(spec.file_types), sent=sent or {},
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get(
    "/learning/{offering_id}/evidence/{requirement_id}",
    response_class=HTMLResponse,
    summary="Submit evidence for a requirement",
)
def evidence_form_page(request: Request, offering_id: str, requirement_id: str) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return _to_login(request)
    return _form_page(request, session, offering_id, requirement_id)


@router.post("/learning/{offering_id}/evidence/{requirement_id}", summary="Submit evidence")
async def submit(request: Request, offering_id: str, requirement_id: str) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    async with request.form(max_files=1, max_fields=10) as form:
        csrf = form.get("csrf")
        cookies.check_csrf(session, csrf if isinstance(csrf, str) else "")
        text, link = form.get("text"), form.get("link")
        sent = {"text": text if isinstance(text, str) else "",
                "link": link if isinstance(link, str) else ""}  # fmt: skip
        upload = form.get("file")
        file = None
        if isinstance(upload, UploadFile) and upload.filename:
            file = Upload(upload.filename, await upload.read(UPLOAD_LIMIT))
    if getattr(request.state, "body_cut", False):
        return Response(status_code=413)  # BodyLimit answers; nothing is stored
    try:
        await run_in_threadpool(
            submit_evidence, deps_of(request), session.user_id, offering_id, requirement_id,
            text=sent["text"], link=sent["link"], file=file,
        )  # fmt: skip
    except (InvalidInputError, ConflictError) as error:
        status = 409 if isinstance(error, ConflictError) else 400
        return await run_in_threadpool(
            _form_page, request, session, offering_id, requirement_id,
            error=str(error), status=status, sent=sent,
        )  # fmt: skip
    return RedirectResponse(request.url.path, status_code=303)


# --- the assessor's queue and review ---------------------------------------------------------


def _state(value: str) -> SubmissionState | None:
    return None if value == "any" else SubmissionState(value)


@router.get("/assess", response_class=HTMLResponse, summary="Evidence waiting for review")
def queue_page(
    request: Request,
    organisation: Annotated[str, Query(max_length=64)] = "",
    offering: Annotated[str, Query(max_length=64)] = "",
    requirement: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[str, Query(pattern="^(submitted|accepted|returned|any)$")] = "submitted",
    learner: Annotated[str, Query(max_length=320)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return _to_login(request)
    deps = deps_of(request)
    issuers = assessable_issuers(deps, session.user_id)
    filters = QueueFilter(
        organisation or None, offering or None, requirement or None, _state(state), learner or None
    )
    entries, total = review_queue(deps, issuers, filters, limit=PAGE, offset=offset)
    query = {"organisation": organisation, "offering": offering, "requirement": requirement,
             "state": state, "learner": learner}  # fmt: skip

    def page_link(at: int) -> str:
        return "/assess?" + urllib.parse.urlencode({**query, "offset": at})

    html = TEMPLATES.get_template("assess_queue.html").render(
        entries=entries, total=total, issuers=issuers, query=query, offset=offset, page=PAGE,
        newer=page_link(max(0, offset - PAGE)) if offset else None,
        older=page_link(offset + PAGE) if offset + PAGE < total else None,
    )  # fmt: skip
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _review_page(
    request: Request,
    session: SignedIn,
    submission_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    chosen: dict[str, str] | None = None,
    feedback: str = "",
) -> HTMLResponse:
    deps = deps_of(request)
    issuers = assessable_issuers(deps, session.user_id)
    view = submission_for_review(deps, issuers, submission_id)
    html = TEMPLATES.get_template("assess_review.html").render(
        view=view, entry=view.entry, submission=view.entry.submission, spec=view.rubric.spec,
        csrf=session.csrf, error=error, chosen=chosen or dict(view.entry.submission.levels or {}),
        feedback=feedback or view.entry.submission.feedback or "", summary_of=summary_of,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/assess/{submission_id}", response_class=HTMLResponse, summary="Review evidence")
def review_page(request: Request, submission_id: str) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return _to_login(request)
    return _review_page(request, session, submission_id)


@router.post("/assess/{submission_id}", summary="Accept or return evidence")
async def review(request: Request, submission_id: str) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    async with request.form(max_files=0, max_fields=60) as form:
        csrf = form.get("csrf")
        cookies.check_csrf(session, csrf if isinstance(csrf, str) else "")
        chosen = {
            key.removeprefix("level-"): value
            for key, value in form.multi_items()
            if key.startswith("level-") and isinstance(value, str)
        }
        feedback, decision = form.get("feedback"), form.get("decision")
    feedback_text = feedback if isinstance(feedback, str) else ""
    deps = deps_of(request)
    try:
        issuers = await run_in_threadpool(assessable_issuers, deps, session.user_id)
        await run_in_threadpool(
            lambda: review_submission(
                deps, submission_id, issuer_ids=issuers, levels=chosen, feedback=feedback_text,
                decision=decision if isinstance(decision, str) else "",
                actor=f"user {session.user_id}",
            )
        )  # fmt: skip
    except (InvalidInputError, ConflictError) as error:
        status = 409 if isinstance(error, ConflictError) else 400
        message = str(error)
        return await run_in_threadpool(
            lambda: _review_page(request, session, submission_id, error=message,
                                 status=status, chosen=chosen, feedback=feedback_text)
        )  # fmt: skip
    return RedirectResponse("/assess", status_code=303)


# --- what a credential links to --------------------------------------------------------------


def _security_headers(accepted: bool) -> dict[str, str]:
    return {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "public, max-age=300" if accepted else "private, no-store",
    }


@router.get("/evidence/{submission_id}", response_class=HTMLResponse, summary="Evidence")
def evidence_page(request: Request, submission_id: str) -> Response:
    session = _cookies(request).read(request)
    entry, rubric = public_evidence(
        deps_of(request), submission_id, session.user_id if session else None
    )
    submission = entry.submission
    levels: list[dict[str, Any]] = []
    for criterion in rubric.spec.criteria:
        level = criterion.level((submission.levels or {}).get(criterion.id, ""))
        if level is not None:
            levels.append({"criterion": criterion, "level": level})
    accepted = submission.state is SubmissionState.ACCEPTED
    html = TEMPLATES.get_template("evidence.html").render(
        entry=entry, submission=submission, spec=rubric.spec, levels=levels,
        summary=summary_of(submission), accepted=accepted,
    )  # fmt: skip
    headers = _security_headers(accepted)
    # the page shows what a learner wrote: no script may run whatever slips through
    headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return HTMLResponse(html, headers=headers)


def served_media_type(media_type: str) -> str:
    """What a stored file is sent as: its detected type when a browser cannot run it, else
    ``application/octet-stream``."""
    base = media_type.split(";")[0].strip().lower()
    if base not in _SERVABLE or base in _SCRIPTABLE or "xml" in base or "html" in base:
        return "application/octet-stream"
    return base


@router.get("/evidence/{submission_id}/file", summary="The file of a piece of evidence")
def evidence_download(request: Request, submission_id: str) -> Response:
    session = _cookies(request).read(request)
    submission, content = evidence_file(
        deps_of(request), submission_id, session.user_id if session else None
    )
    assert submission.file is not None
    headers = _security_headers(submission.state is SubmissionState.ACCEPTED)
    headers["Content-Disposition"] = f'attachment; filename="{submission.file.name}"'
    headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return Response(content, media_type=served_media_type(submission.file.media_type),
                    headers=headers)  # fmt: skip
