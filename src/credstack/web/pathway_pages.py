"""The pathway page (issue 8): what a pathway asks, and for a signed-in learner how far they
are, as a picture (``web.pathway_graph``) and as text, with the shortest way to finish.

Anyone may read a pathway; a signed-in person starts it with a button (CSRF form) and then
sees their progress on the version they started. Server-rendered, no JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credstack.services.pathways import learner_pathway, stacked_bundle, start_pathway
from credstack.web.auth import deps_of
from credstack.web.pathway_graph import pathway_svg
from credstack.web.public import TEMPLATES
from credstack.web.sessions import SessionCookies

__all__ = ["router"]

router = APIRouter(prefix="/pathways/{pathway_id}", tags=["Pages"])


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


@router.get("", response_class=HTMLResponse, summary="A pathway, and your progress on it")
def pathway_page(request: Request, pathway_id: str) -> Response:
    session = _cookies(request).read(request)
    user_id = session.user_id if session else None
    view = learner_pathway(deps_of(request), pathway_id, user_id)
    route = view.route or []
    html = TEMPLATES.get_template("pathway.html").render(
        view=view,
        spec=view.pathway.spec,
        signed_in=session is not None,
        csrf=session.csrf if session else "",
        svg=pathway_svg(view.progress, route=route, names=view.names),
        route=[(achievement, view.names.get(achievement, achievement)) for achievement in route],
        path=request.url.path,
    )
    return HTMLResponse(html)


@router.get("/clr", summary="Your stacked credential with its components: a CLR 2.0 bundle")
def bundle(request: Request, pathway_id: str) -> Response:
    session = _cookies(request).signed_in(request)
    text = stacked_bundle(deps_of(request), pathway_id, session.user_id)
    disposition = f'attachment; filename="{pathway_id}-clr.json"'
    return Response(text, media_type="application/vc+ld+json",
                    headers={"Content-Disposition": disposition})  # fmt: skip


@router.post("/start", summary="Start the pathway (what you hold counts at once)")
def start(
    request: Request, pathway_id: str, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    cookies.check_csrf(session, csrf)
    start_pathway(deps_of(request), session.user_id, pathway_id)
    return RedirectResponse(f"/pathways/{pathway_id}", status_code=303)
