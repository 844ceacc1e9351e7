"""Fixtures for tests in a real browser: a real credstack server, a real SMTP server, and
Debian's Chromium driven by Playwright (the Python package, sync API).

- ``site``: ``credstack serve`` in its own process on a free port, on a fresh SQLite database
  in the test's temporary folder, with ``CREDSTACK_BASE_URL`` set to its address and SMTP
  pointed at a local aiosmtpd server; ``site.deps`` are services on the same database (to set
  data up before the browser starts, and to look at what the pages did), ``site.inbox`` the
  messages sent.
- ``browser``: one Chromium for the session, always ``/usr/bin/chromium`` (Playwright never
  downloads a browser here).
- ``page``: a page in a context of its own (own cookies) whose relative URLs go to the site;
  ``new_page`` makes more, for a second person (an assessor beside the learner).

When a test fails, every page it opened is saved (a full-page screenshot and its HTML) under
the test's temporary folder, and the failure report names the files and shows the end of the
server's log. Without Chromium, npm or Node the tests skip with the reason; with ``CI`` set
they fail instead, so that a CI machine without them cannot turn the browser gate green by
skipping it (``./dev test`` installs Chromium when it runs as root and it is missing).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from credstack.bootstrap import build_services
from credstack.services.deps import ServiceDeps
from credstack.settings import Settings
from tests.browser.support import CHROMIUM, require_chromium
from tests.servers import free_port, wait_until_up
from tests.smtp_server import Inbox, smtp_server

#: how long a page waits for an element or a navigation before the test fails
DEFAULT_TIMEOUT_MS = 10_000
_PAGES = pytest.StashKey[list[Page]]()
_ARTEFACTS = pytest.StashKey[Path]()
_SERVER_LOG = pytest.StashKey[Path]()


@dataclasses.dataclass(frozen=True)
class Site:
    """A running credstack server and what a test needs beside it."""

    base_url: str
    deps: ServiceDeps
    inbox: Inbox
    log: Path


def _environment(settings: Settings, smtp_port: int, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CREDSTACK_DATA_DIR": str(settings.data_dir),
        "CREDSTACK_DATABASE_URL": settings.resolved_database_url,
        "CREDSTACK_BASE_URL": base_url,
        "CREDSTACK_SMTP_HOST": "127.0.0.1",
        "CREDSTACK_SMTP_PORT": str(smtp_port),
        "CREDSTACK_SMTP_STARTTLS": "false",
        "CREDSTACK_SMTP_FROM": "credstack@localhost",
        "CREDSTACK_FETCH_REMOTE": "false",
    }


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A real server on a fresh database; the database is migrated here, before it starts."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with smtp_server() as (inbox, smtp_port):
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'credstack.db'}",
            base_url=base_url,
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_starttls=False,
            smtp_from="credstack@localhost",
            fetch_remote=False,
        )
        deps = build_services(settings)  # creates and migrates the database, and the key file
        log = tmp_path / "server.log"
        request.node.stash[_SERVER_LOG] = log
        with log.open("wb") as output:
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "credstack"), "serve", "--port", str(port)],
                env=_environment(settings, smtp_port, base_url),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_up(base_url, server)
                yield Site(base_url, deps, inbox, log)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=10)
                engine = getattr(deps.uow, "engine", None)
                if engine is not None:
                    engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless. ``--no-sandbox`` only as root (Chromium refuses to start
    sandboxed as root); the other flags keep it off the network, which is closed here."""
    require_chromium()
    args = [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    yield launched
    launched.close()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, site: Site, tmp_path: Path
) -> Iterator[Callable[[], Page]]:
    """Makes a page in a new context (a person of their own: own cookies), whose relative
    URLs go to ``site``; all are closed after the test, and saved first if it failed."""
    contexts = []
    pages: list[Page] = []
    request.node.stash[_PAGES] = pages
    request.node.stash[_ARTEFACTS] = tmp_path / "browser-artefacts"

    def make() -> Page:
        context = browser.new_context(base_url=site.base_url, locale="en-GB")
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        opened = context.new_page()
        pages.append(opened)
        return opened

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """The first person's page (the learner's in the earning path)."""
    return new_page()


def _save_pages(item: pytest.Item) -> list[str]:
    pages = item.stash.get(_PAGES, [])
    if not pages:
        return []
    folder = item.stash[_ARTEFACTS]
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for number, opened in enumerate(pages, start=1):
        if opened.is_closed():
            continue
        shot, html = folder / f"page-{number}.png", folder / f"page-{number}.html"
        try:
            opened.screenshot(path=str(shot), full_page=True)
            html.write_text(opened.content(), encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            saved.append(f"page {number} ({opened.url}): could not be saved: {error}")
            continue
        saved.append(f"page {number} ({opened.url}): {shot} and {html}")
    return saved


def _log_tail(item: pytest.Item, lines: int = 40) -> str | None:
    log = item.stash.get(_SERVER_LOG, None)
    if log is None or not log.exists():
        return None
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join([f"(the end of {log})", *text[-lines:]])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """On a failed test (or set-up), while its pages are still open: save them, and add where
    they are and the server's last lines to the report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "teardown" or not report.failed:
        return
    saved = _save_pages(item)
    if saved:
        report.sections.append(("browser pages saved", "\n".join(saved)))
    tail = _log_tail(item)
    if tail:
        report.sections.append(("credstack server log", tail))
