"""Learners' pages: sign up and confirm the e-mail, enrol in an offering, "My learning"; and
the provider's page of one offering (who enrolled, who waits, approve or decline).

Server-rendered, no JavaScript, every field labelled. Forms that change something carry a
CSRF token: the session's once signed in, a double-submit cookie before (sign-up, confirm),
as ``/login``. Sign-up and "send the link again" are braked per e-mail and per address. A
confirmation link opens a page with a button rather than confirming on the GET, so that a
mail scanner that fetches links does not spend the single-use token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credstack.domain.accounts import ROLE_SCOPES
from credstack.domain.errors import InvalidInputError, PermissionDeniedError
from credstack.domain.offerings import EnrolmentStatus
from credstack.services.offerings import (
    decide_enrolment,
    enrol,
    learning_of,
    offering_report,
)
from credstack.services.pathways import pathways_of
from credstack.services.signup import confirm_email, resend_confirmation, sign_up
from credstack.web.auth import deps_of
from credstack.web.problems import Problem
from credstack.web.public import TEMPLATES
from credstack.web.sessions import LoginThrottle, SessionCookies

__all__ = ["router"]

router = APIRouter(tags=["Pages"])


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _page(request: Request, template: str, status: int = 200, **values: object) -> HTMLResponse:
    """A pre-session form page, with its double-submit token set."""
    cookies = _cookies(request)
    token = cookies.login_token(request)
    html = TEMPLATES.get_template(template).render(csrf=token, **values)
    response = HTMLResponse(html, status_code=status)
    cookies.set_login_token(response, token)
    return response


def _brake(request: Request, email: str) -> None:
    throttle: LoginThrottle = request.app.state.signup_throttle
    address = request.client.host if request.client else "unknown"
    if throttle.blocked(email, address):
        raise Problem(429, "too many sign-ups or links asked for: wait a quarter of an hour")
    throttle.failed(email, address)  # every attempt counts, not only failures


@router.get("/signup", response_class=HTMLResponse, summary="The sign-up form")
def signup_form(request: Request) -> HTMLResponse:
    mail = deps_of(request).mailer is not None
    return _page(request, "signup.html", mail=mail, error=None, sent=None, values={})


@router.post("/signup", response_class=HTMLResponse, summary="Sign up (a confirmation mail)")
def signup(
    request: Request,
    name: Annotated[str, Form(max_length=500)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    password_again: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    _cookies(request).check_login_token(request, csrf)
    deps = deps_of(request)
    values = {"name": name, "email": email}
    if deps.mailer is None:
        return _page(request, "signup.html", 503, mail=False, error=None, sent=None, values=values)
    _brake(request, email)
    try:
        if password != password_again:
            raise InvalidInputError("the two passwords are not the same")
        sign_up(deps, name=name, email=email, password=password)
    except InvalidInputError as error:
        return _page(
            request, "signup.html", 400, mail=True, error=str(error), sent=None, values=values
        )
    return _page(request, "signup.html", mail=True, error=None, sent=email.strip(), values={})


@router.get("/signup/resend", response_class=HTMLResponse, summary="Ask for a new link")
def resend_form(request: Request) -> HTMLResponse:
    return _page(request, "resend.html", sent=None, mail=deps_of(request).mailer is not None)


@router.post("/signup/resend", response_class=HTMLResponse, summary="Send the link again")
def resend(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    _cookies(request).check_login_token(request, csrf)
    _brake(request, email)
    resend_confirmation(deps_of(request), email)  # MailError without a mailer: 503
    return _page(request, "resend.html", sent=email.strip(), mail=True)


@router.get("/signup/confirm", response_class=HTMLResponse, summary="The confirmation page")
def confirm_form(
    request: Request, token: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    return _page(request, "confirm.html", token=token, error=None)


@router.post("/signup/confirm", summary="Confirm the e-mail address and sign in")
def confirm(
    request: Request,
    token: Annotated[str, Form(max_length=100)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    cookies = _cookies(request)
    cookies.check_login_token(request, csrf)
    user = confirm_email(deps_of(request), token)  # AuthenticationError: 401, says why
    response = RedirectResponse("/learning", status_code=303)
    cookies.start(response, user.id)
    return response


@router.get("/learning", response_class=HTMLResponse, summary="My learning")
def learning(request: Request) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return RedirectResponse("/login?next=/learning", status_code=303)
    deps = deps_of(request)
    with deps.uow() as uow:
        user = uow.accounts.user(session.user_id)
    html = TEMPLATES.get_template("learning.html").render(
        user=user,
        items=learning_of(deps, user.id),
        pathways=pathways_of(deps, user.id),
        csrf=session.csrf,
        now=deps.clock.now(),
    )
    return HTMLResponse(html)


@router.get("/offerings/{offering_id}/enrol", response_class=HTMLResponse, summary="Enrol")
def enrol_form(request: Request, offering_id: str) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        target = f"/offerings/{offering_id}/enrol"
        return RedirectResponse(f"/login?next={target}", status_code=303)
    deps = deps_of(request)
    with deps.uow() as uow:
        offering = uow.offerings.get(offering_id)
        version = uow.achievements.latest_published(offering.achievement_id)
        issuer = uow.issuers.get(offering.issuer_id)
    html = TEMPLATES.get_template("enrol.html").render(
        offering=offering,
        name=version.spec.name if version else offering.achievement_id,
        issuer=issuer,
        csrf=session.csrf,
        state=offering.state(deps.clock.now()),
        error=None,
    )
    return HTMLResponse(html)


@router.post("/offerings/{offering_id}/enrol", summary="Enrol (or ask to)")
def enrol_now(
    request: Request,
    offering_id: str,
    csrf: Annotated[str, Form(max_length=100)],
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    cookies.check_csrf(session, csrf)
    enrol(deps_of(request), session.user_id, offering_id, code or None)
    return RedirectResponse("/learning", status_code=303)


def _staff(request: Request, issuer_id: str) -> str:
    """The signed-in user's id, if they may change the organisation's definitions."""
    session = _cookies(request).signed_in(request)
    with deps_of(request).uow() as uow:
        membership = uow.accounts.membership(session.user_id, issuer_id)
    if membership is None or "achievements:write" not in ROLE_SCOPES[membership.role]:
        raise PermissionDeniedError(f"you may not manage the offerings of '{issuer_id}'")
    return session.user_id


@router.get(
    "/account/{issuer_id}/offerings/{offering_id}",
    response_class=HTMLResponse,
    summary="The provider's view of an offering",
)
def provider_view(request: Request, issuer_id: str, offering_id: str) -> Response:
    if _cookies(request).read(request) is None:
        target = f"/account/{issuer_id}/offerings/{offering_id}"
        return RedirectResponse(f"/login?next={target}", status_code=303)
    _staff(request, issuer_id)
    report = offering_report(deps_of(request), issuer_id, offering_id)
    session = _cookies(request).signed_in(request)
    html = TEMPLATES.get_template("offering.html").render(
        report=report,
        issuer_id=issuer_id,
        csrf=session.csrf,
        statuses=EnrolmentStatus,
    )
    return HTMLResponse(html)


@router.post(
    "/account/{issuer_id}/offerings/{offering_id}/enrolments/{enrolment_id}",
    summary="Approve or decline an enrolment from the provider's page",
)
def decide_from_page(
    request: Request,
    issuer_id: str,
    offering_id: str,
    enrolment_id: str,
    decision: Annotated[str, Form(pattern="^(approve|decline)$")],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    cookies = _cookies(request)
    cookies.check_csrf(cookies.signed_in(request), csrf)
    user_id = _staff(request, issuer_id)
    decide_enrolment(
        deps_of(request),
        issuer_id,
        offering_id,
        enrolment_id,
        approve=decision == "approve",
        actor=user_id,
    )
    return RedirectResponse(f"/account/{issuer_id}/offerings/{offering_id}", status_code=303)
