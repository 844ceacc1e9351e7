"""Pages for signed-in people: sign in and out, their organisations, issuing a credential.

Server-rendered forms, no JavaScript. Every form that changes something carries a CSRF token
(``web.sessions``); what a person may do in an organisation is what their role allows
(``domain.accounts.ROLE_SCOPES``), checked on every request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credstack.domain.accounts import ROLE_SCOPES
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from credstack.services.accounts import check_password
from credstack.services.awards import issue_award
from credstack.services.claims import claim_award, credentials_of
from credstack.web.auth import deps_of
from credstack.web.problems import Problem
from credstack.web.public import TEMPLATES
from credstack.web.sessions import LoginThrottle, SessionCookies

__all__ = ["router"]

router = APIRouter(tags=["Pages"], include_in_schema=True)


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _local(path: str) -> str:
    """Where to go after signing in: a path on this site only (never another site's URL)."""
    if path.startswith("/") and not path.startswith(("//", "/\\")) and "\\" not in path:
        return path
    return "/account"


@router.get("/login", response_class=HTMLResponse, summary="The sign-in form")
def login_form(request: Request, next: Annotated[str, Query(max_length=4000)] = "") -> HTMLResponse:
    cookies = _cookies(request)
    token = cookies.login_token(request)
    html = TEMPLATES.get_template("login.html").render(csrf=token, error=None, next=_local(next))
    response = HTMLResponse(html)
    cookies.set_login_token(response, token)
    return response


@router.post("/login", response_class=HTMLResponse, summary="Sign in")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=4000)] = "/account",
) -> Response:
    cookies = _cookies(request)
    cookies.check_login_token(request, csrf)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    if throttle.blocked(email, address):
        raise Problem(429, "too many failed sign-ins: wait a quarter of an hour")
    try:
        user = check_password(deps_of(request), email, password)
    except AuthenticationError as error:
        throttle.failed(email, address)
        html = TEMPLATES.get_template("login.html").render(
            csrf=csrf, error=str(error), next=_local(next)
        )
        return HTMLResponse(html, status_code=401)
    response = RedirectResponse(_local(next), status_code=303)
    cookies.start(response, user.id)
    return response


@router.post("/logout", summary="Sign out")
def logout(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)],
    everywhere: Annotated[bool, Form(description="sign out every browser of the user")] = False,
) -> Response:
    cookies = _cookies(request)
    cookies.check_csrf(cookies.signed_in(request), csrf)
    response = RedirectResponse("/login", status_code=303)
    cookies.end(request, response, everywhere=everywhere)
    return response


@router.get("/account", response_class=HTMLResponse, summary="Your organisations")
def account(request: Request) -> Response:
    cookies = _cookies(request)
    session = cookies.read(request)
    if session is None:
        return RedirectResponse("/login?next=/account", status_code=303)
    deps = deps_of(request)
    with deps.uow() as uow:
        user = uow.accounts.user(session.user_id)
        organisations: list[dict[str, Any]] = []
        for membership in uow.accounts.memberships_of(user.id):
            scopes = ROLE_SCOPES[membership.role]
            issuer = uow.issuers.get(membership.issuer_id)
            awards = (
                list(uow.awards.list(issuer_id=issuer.id, limit=20))
                if "awards:read" in scopes
                else []
            )
            achievements = uow.achievements.list(issuer.id) if "awards:write" in scopes else []
            organisations.append(
                {
                    "id": issuer.id,
                    "name": issuer.name,
                    "role": membership.role.value,
                    "awards": awards,
                    "achievements": [a for a in achievements if a.published_at is not None],
                    "can_issue": "awards:write" in scopes,
                    "offerings": uow.offerings.for_issuer(issuer.id)
                    if "achievements:write" in scopes
                    else [],
                }
            )
    mine = [
        {
            "id": award.id,
            "achievement": award.achievement_id,
            "issued": award.issued_at.date().isoformat(),
            "claimed": award.claimed_at is not None,
            "revoked": award.state.revoked_at is not None,
        }
        for award in credentials_of(deps, user.id)
    ]
    html = TEMPLATES.get_template("account.html").render(
        user=user, organisations=organisations, csrf=session.csrf, mine=mine
    )
    return HTMLResponse(html)


@router.post("/account/credentials/{award_id}/claim", summary="Add a credential to yours")
def claim(request: Request, award_id: str, csrf: Annotated[str, Form(max_length=100)]) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    cookies.check_csrf(session, csrf)
    claim_award(deps_of(request), session.user_id, award_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/{issuer_id}/awards", summary="Issue a credential from the form")
def issue_from_form(
    request: Request,
    issuer_id: str,
    achievement: Annotated[str, Form(max_length=64)],
    email: Annotated[str, Form(max_length=254)],
    csrf: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    cookies.check_csrf(session, csrf)
    deps = deps_of(request)
    with deps.uow() as uow:
        membership = uow.accounts.membership(session.user_id, issuer_id)
        if membership is None or "awards:write" not in ROLE_SCOPES[membership.role]:
            raise PermissionDeniedError(f"you may not issue credentials of '{issuer_id}'")
        version = uow.achievements.latest(achievement)
    if version.issuer_id != issuer_id:
        raise NotFoundError(f"no achievement '{achievement}'")
    recipient = Recipient(email=email.strip(), name=name.strip() or None)
    award = issue_award(deps, AwardRequest(achievement, recipient))
    return RedirectResponse(f"/credentials/{award.id}", status_code=303)
