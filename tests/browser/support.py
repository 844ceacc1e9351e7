"""Helpers for the browser tests: finding Chromium, axe-core accessibility checks, keyboard-only
use of a form, and the links in the mails the site sent.

axe-core comes from the npm registry through ``tests/browser/package-lock.json`` (``npm ci``
when ``node_modules`` is missing or older than the lock) and runs inside the page, injected
with ``page.add_script_tag``: nothing is fetched by the page itself.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Locator, Page

from tests.smtp_server import Inbox

__all__ = [
    "CHROMIUM",
    "assert_accessible",
    "axe_script",
    "choose_with_keyboard",
    "link_in_mail",
    "require_chromium",
    "tab_to",
]

HERE = Path(__file__).resolve().parent
#: Debian's package, never a browser of Playwright's own (there is no download here)
CHROMIUM = Path("/usr/bin/chromium")
_LOCK = HERE / "package-lock.json"
_INSTALLED_MARKER = HERE / "node_modules" / ".package-lock.json"  # npm writes it on install
_AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
_NPM_CI_TIMEOUT = 300
#: the impacts that fail a page; "minor" and "moderate" ones are left to review
FAILING_IMPACTS = frozenset({"serious", "critical"})
#: Tab presses before giving up on reaching an element (the pages have far fewer stops)
MAX_TABS = 40


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; fail when ``CI`` is set (the gate must really run there)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> None:
    """Skip (or fail under CI) unless Debian's Chromium is installed."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(
            f"Debian's Chromium is not installed at {CHROMIUM}: run `apt-get update && "
            "apt-get install -y chromium` as root (`./dev test` does it when run as root)"
        )


def _needs_install() -> bool:
    if not _INSTALLED_MARKER.exists() or not _AXE.exists():
        return True
    newest = max(_LOCK.stat().st_mtime, (HERE / "package.json").stat().st_mtime)
    return _INSTALLED_MARKER.stat().st_mtime < newest


@functools.cache
def _installed_axe() -> Path | str:
    """The path of axe.min.js, or why it could not be installed (kept: one try a session)."""
    if not _needs_install():
        return _AXE
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (the browser tests' accessibility checks need axe-core)"
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=_NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"npm ci in {HERE} took longer than {_NPM_CI_TIMEOUT} s"
    if result.returncode != 0 or not _AXE.exists():
        tail = "\n".join(result.stderr.strip().splitlines()[-20:])
        return f"npm ci failed in {HERE}:\n{tail}"
    return _AXE


def axe_script() -> Path:
    """axe-core's script, installed from the lock file on first use."""
    found = _installed_axe()
    if isinstance(found, str):
        _unavailable(found)
    return found


def _describe(scheme: str, violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    shown = "; ".join(targets[:5]) + (f"; and {len(targets) - 5} more" if len(targets) > 5 else "")
    return (
        f"- {violation['id']} ({violation['impact']}, {scheme} scheme): {violation['help']}\n"
        f"  at: {shown}\n  see: {violation['helpUrl']}"
    )


def _violations(page: Page) -> list[dict[str, Any]]:
    results = page.evaluate(
        """async () => await window.axe.run(document, {
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                               'wcag22aa', 'best-practice']},
               resultTypes: ['violations'],
           })"""
    )
    return [v for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]


def assert_accessible(page: Page, *, what: str | None = None) -> None:
    """Run axe-core on the page as it is now (WCAG 2.x A and AA rules, and axe's best
    practices), in the light and in the dark colour scheme (the pages follow the reader's);
    fail on every violation of impact serious or critical, listing each rule's id, what it
    asks for and the elements at fault. The page is left in the light scheme."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    try:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for violation in _violations(page):
                # a fault of the markup shows in both schemes: told once, as the light one's
                key = (violation["id"], str([node["target"] for node in violation["nodes"]]))
                if key not in seen:
                    seen.add(key)
                    found.append((scheme, violation))
    finally:
        page.emulate_media(color_scheme="light")
    if found:
        listed = "\n".join(_describe(scheme, v) for scheme, v in found)
        raise AssertionError(
            f"{what or page.url}: {len(found)} serious or critical accessibility "
            f"violation(s) found by axe-core:\n{listed}"
        )


def _focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, locator: Locator) -> None:
    """Press Tab (only Tab) until ``locator`` has the focus; fails when it never gets it, so a
    control the keyboard cannot reach is a failure."""
    for _ in range(MAX_TABS):
        if _focused(locator):
            return
        page.keyboard.press("Tab")
    if not _focused(locator):
        raise AssertionError(f"{MAX_TABS} presses of Tab never reached {locator}")


def choose_with_keyboard(page: Page, control: Locator) -> None:
    """Tick a checkbox, or choose a radio button, with the keyboard as a person would: Tab to
    it (for a radio group, Tab enters the group and the arrow keys move within it), then
    Space."""
    kind = control.get_attribute("type")
    if kind == "radio":
        name = control.get_attribute("name")
        group = page.locator(f'input[type="radio"][name="{name}"]')
        tab_to(page, group.first)
        for _ in range(group.count()):
            if _focused(control):
                break
            page.keyboard.press("ArrowDown")
    else:
        tab_to(page, control)
    page.keyboard.press("Space")
    assert control.is_checked(), f"the keyboard did not choose {control}"


def link_in_mail(inbox: Inbox, pattern: str, number: int = 1) -> str:
    """The path and query of the first link in the ``number``-th mail that matches
    ``pattern`` (a regular expression of the path), for ``page.goto`` on the site."""
    text = inbox.text_of(inbox.wait(number)[number - 1])
    for found in re.findall(r"https?://\S+", text):
        parts = urllib.parse.urlsplit(found)
        if re.search(pattern, parts.path):
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    raise AssertionError(f"no link matching {pattern!r} in mail {number}:\n{text}")
