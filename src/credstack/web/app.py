"""The web service: ``create_app`` wires the services into a FastAPI application.

This is an adapter at the edge: routes parse HTTP, call the services and the standards core,
and turn what comes back (or the error) into HTTP. ``app_from_settings`` is what
``credstack serve`` (uvicorn) runs: settings from ``CREDSTACK_*`` variables, as the CLI.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from credstack.adapters.earning_settler import EarningSettler
from credstack.adapters.http_fetcher import HttpFetcher
from credstack.adapters.webhook_dispatcher import WebhookDispatcher
from credstack.adapters.webhook_sender import HttpWebhookSender
from credstack.bootstrap import build_services
from credstack.services.award_job_runner import JobRunner
from credstack.services.deps import ServiceDeps
from credstack.services.ports import WebhookSender
from credstack.services.status_checking import LocalStatusChecker
from credstack.settings import Settings, load_settings
from credstack.vc.fetching import Fetcher
from credstack.vc.status_list import CachingStatusChecker
from credstack.web import (
    account_pages,
    award_jobs_api,
    completions_api,
    evidence_api,
    evidence_pages,
    foreign_credential_pages,
    issuer_api,
    learner_pages,
    machine_oauth,
    oauth,
    ob_api,
    offerings_api,
    organisations_api,
    pathway_pages,
    pathways_api,
    profile_pages,
    public,
    quiz_pages,
    quizzes_api,
    recognition_api,
    vc_api,
    verify_page,
    webhooks_api,
)
from credstack.web.imsx import ImsxErrors
from credstack.web.limits import BodyLimit
from credstack.web.problems import install_problem_handlers
from credstack.web.sessions import LoginThrottle, SessionCookies

__all__ = ["MAX_BODY_BYTES", "MAX_JOB_BODY_BYTES", "app_from_settings", "create_app"]

#: the largest request body accepted (a credential with a baked image fits many times over)
MAX_BODY_BYTES = 1_000_000
#: the largest award job (a cohort of 100,000 rows is about 10 MB)
MAX_JOB_BODY_BYTES = 50_000_000
#: seconds a status list read for a verification is used again: a revocation shows on the
#: pages and in the VC API at most this late (lists served to others are cached 300 s)
STATUS_MAX_AGE = 2.0


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    deps: ServiceDeps,
    *,
    fetcher: Fetcher | None = None,
    clock: Callable[[], dt.datetime] = _utc_now,
    max_body: int = MAX_BODY_BYTES,
    status_max_age: float = STATUS_MAX_AGE,
    session_key: bytes | None = None,
    secure_cookies: bool = False,
    max_job_body: int = MAX_JOB_BODY_BYTES,
    job_runner: JobRunner | None = None,
    run_jobs: bool = True,
    webhook_sender: WebhookSender | None = None,
    dispatch_webhooks: bool = True,
    settle_earnings: bool | None = None,
    privacy_policy_url: str | None = None,
    terms_of_service_url: str | None = None,
) -> FastAPI:
    """The application over ``deps``. ``fetcher`` reads remote DID documents and status
    lists for verification (``None``: such checks are "not checked"); this installation's own
    status lists are read from its database, each at most every ``status_max_age`` seconds.

    While the application runs (its lifespan: a server, or a ``TestClient`` block),
    ``job_runner`` (by default one over ``deps``) issues the award jobs submitted to any server
    process (``run_jobs=False``: this one runs none; another process's runner, or a test, does),
    and a background thread sends due webhook deliveries with ``webhook_sender`` (the HTTP
    sender by default; ``dispatch_webhooks=False`` leaves that to the caller), and another
    settles enrolments whose progress changed (``settle_earnings``: by default as
    ``run_jobs``), finishing an automatic award a request left undone."""
    runner = job_runner or JobRunner(deps)
    sender = webhook_sender or HttpWebhookSender(allow_local=deps.webhooks_allow_local)
    dispatcher = WebhookDispatcher(deps, sender) if dispatch_webhooks else None
    settles = run_jobs if settle_earnings is None else settle_earnings
    settler = EarningSettler(deps) if settles else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            runner.start()
        if dispatcher is not None:
            dispatcher.start()
        if settler is not None:
            settler.start()
        try:
            yield
        finally:
            # each waits for the work under way (a batch, an attempt): off the event loop
            if settler is not None:
                await asyncio.to_thread(settler.stop)
            if dispatcher is not None:
                await asyncio.to_thread(dispatcher.stop)
            if run_jobs:
                # after the batch it is on; an unfinished job goes back to the queue
                await asyncio.to_thread(runner.stop)

    app = FastAPI(
        title="credstack",
        summary="Open Badges 3.0 micro-credentials: verify, publish, share.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.webhook_dispatcher = dispatcher
    if fetcher is not None and deps.fetcher is None:
        # the services verify learners' foreign credentials with the server's fetcher too
        deps = dataclasses.replace(deps, fetcher=fetcher)
    app.state.deps = deps
    app.state.clock = clock
    app.state.fetcher = fetcher
    remote = CachingStatusChecker(clock=clock)
    app.state.status_checker = LocalStatusChecker(deps, remote=remote, max_age=status_max_age)
    # sessions end when the process does unless a key is given (app_from_settings keeps one)
    key = session_key or os.urandom(32)
    app.state.sessions = SessionCookies(key, secure=secure_cookies, deps=deps)
    app.state.machine_token_key = machine_oauth.machine_token_key(key)
    app.state.login_throttle = LoginThrottle()
    # sign-ups and "send the link again": each attempt counts (a brake on mail bombing)
    app.state.signup_throttle = LoginThrottle(limit=3)
    # named in the OB 3.0 / CLR 2.0 discovery documents (default: under the public URL)
    app.state.privacy_policy_url = privacy_policy_url
    app.state.terms_of_service_url = terms_of_service_url
    install_problem_handlers(app)
    app.include_router(vc_api.router)
    app.include_router(public.router)
    app.include_router(profile_pages.router)
    app.include_router(verify_page.router)
    app.include_router(issuer_api.router)
    app.include_router(organisations_api.router)
    app.include_router(account_pages.router)
    app.include_router(learner_pages.router)
    app.include_router(offerings_api.router)
    app.include_router(award_jobs_api.router)
    app.include_router(webhooks_api.router)
    app.include_router(quizzes_api.router)
    app.include_router(completions_api.router)
    app.include_router(quiz_pages.router)
    app.include_router(evidence_api.router)
    app.include_router(evidence_pages.router)
    app.include_router(recognition_api.router)
    app.include_router(foreign_credential_pages.router)
    app.include_router(pathways_api.router)
    app.include_router(pathway_pages.router)
    app.include_router(oauth.router)
    app.include_router(machine_oauth.router)
    app.include_router(ob_api.ob_router)
    app.include_router(ob_api.clr_router)
    app.add_middleware(
        BodyLimit,
        limit=max_body,
        per_path={
            award_jobs_api.SUBMIT_PATH: max_job_body,
            evidence_pages.UPLOAD_PATH: evidence_pages.UPLOAD_LIMIT,
        },
    )
    # outermost: the 1EdTech APIs' errors (413 included) as Imsx_StatusInfo
    app.add_middleware(ImsxErrors)
    return app


def app_from_settings() -> FastAPI:
    """The application as ``credstack serve`` runs it (one per uvicorn worker)."""
    logging.basicConfig(
        level=logging.INFO, format='{"time": "%(asctime)s", "level": "%(levelname)s", '
        '"logger": "%(name)s", "message": "%(message)s"}'
    )  # fmt: skip
    settings = load_settings()
    secure = (settings.base_url or "").startswith("https://")
    app = create_app(
        build_services(settings),
        fetcher=HttpFetcher() if settings.fetch_remote else None,
        session_key=session_key(settings),
        secure_cookies=secure,
        max_job_body=settings.max_job_bytes,
        privacy_policy_url=settings.privacy_policy_url,
        terms_of_service_url=settings.terms_of_service_url,
    )
    # What is loaded by now (modules, contexts, the app) lives as long as the process: out of
    # the collector's sweeps, so that a full collection under load is short (p99 latency).
    gc.collect()
    gc.freeze()
    return app


def session_key(settings: Settings) -> bytes:
    """The key that signs session cookies: ``session.key`` in the data folder, made on first
    use (mode 0600), so that every server worker and restart shares it."""
    path = settings.data_dir / "session.key"
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return bytes.fromhex(path.read_text("ascii").strip())
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key
