"""Digital Bazaar's Node.js VC stack, as a reference signer and verifier for the interop tests.

The ``node_vc`` fixture installs ``tests/interop`` from its committed lock file (``npm ci``) when
``node_modules`` is missing or older than the lock, then runs ``vc_tool.mjs`` once per call.
Without Node.js or npm the tests skip with the reason; when the ``CI`` environment variable is
set they fail instead, so that a CI image without Node cannot turn the interop gate green by
skipping it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

INTEROP = Path(__file__).resolve().parent
TOOL = INTEROP / "vc_tool.mjs"
LOCK = INTEROP / "package-lock.json"
# npm writes this "hidden lockfile" on every install, so its age is the age of node_modules.
INSTALLED_MARKER = INTEROP / "node_modules" / ".package-lock.json"
MIN_NODE_MAJOR = 18  # the engines field of @digitalbazaar/vc 7
NPM_CI_TIMEOUT = 600
NODE_TIMEOUT = 60  # one call takes about half a second; this only stops a hung process


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; fail when ``CI`` is set (the gate must really run there)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the interop tests must run)", pytrace=False)
    pytest.skip(reason)


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _find_node() -> str:
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed (interop tests need node and npm on PATH)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        _unavailable(f"Node.js {MIN_NODE_MAJOR} or newer is needed, found {version or 'unknown'}")
    return node


def _needs_install() -> bool:
    if not INSTALLED_MARKER.exists():
        return True
    newest_input = max(LOCK.stat().st_mtime, (INTEROP / "package.json").stat().st_mtime)
    return INSTALLED_MARKER.stat().st_mtime < newest_input


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is not installed (interop tests need node and npm on PATH)")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"npm ci in {INTEROP} took longer than {NPM_CI_TIMEOUT} s")
    if result.returncode != 0:
        # Usually no registry access (offline machine); on CI it is a real failure.
        _unavailable(f"npm ci failed in {INTEROP}:\n{_tail(result.stderr)}")


@dataclass(frozen=True)
class NodeVerdict:
    """What Digital Bazaar's ``vc.verifyCredential`` said about a credential."""

    verified: bool
    error: str | None


@dataclass(frozen=True)
class NodeStatusVerdict:
    """What ``vc.verifyCredential`` with ``checkStatus`` of ``vc-bitstring-status-list`` said.

    ``verified`` is the library's: the credential's proof and every status list credential
    verified and every bit was read. A set bit leaves it true; the bits are in ``statuses``
    (``statusPurpose`` to bit, one entry per purpose in the credentials these tests make) and
    ``status`` (any bit set; ``None`` when the bits were not read).
    """

    verified: bool
    status: bool | None
    statuses: dict[str, bool]
    error: str | None

    @property
    def accepted(self) -> bool:
        """Verified, and neither revoked nor suspended: what a relying party would accept."""
        return self.verified and self.status is False


class NodeVC:
    """Runs ``vc_tool.mjs``: one Node process per call, JSON passed through files."""

    def __init__(self, node: str, workdir: Path) -> None:
        self._node = node
        self._workdir = workdir
        self._counter = itertools.count()

    def _write(self, document: Any) -> Path:
        path = self._workdir / f"input-{next(self._counter)}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    def _run(self, *args: str) -> Any:
        try:
            result = subprocess.run(
                [self._node, str(TOOL), *args],
                cwd=INTEROP,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=NODE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"vc_tool.mjs {args[0]} did not finish in {NODE_TIMEOUT} s")
        if result.returncode != 0:
            pytest.fail(f"vc_tool.mjs {args[0]} failed:\n{_tail(result.stderr)}")
        return json.loads(result.stdout)

    def sign(
        self,
        credential: dict[str, Any],
        seed: bytes,
        *,
        created: dt.datetime,
        cryptosuite: str = "eddsa-rdfc-2022",
    ) -> dict[str, Any]:
        """``credential`` issued by the did:key of ``seed`` with a DataIntegrityProof."""
        stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        signed: dict[str, Any] = self._run(
            "sign",
            seed.hex(),
            str(self._write(credential)),
            "--cryptosuite",
            cryptosuite,
            "--created",
            stamp,
        )
        return signed

    def verify(self, credential: dict[str, Any]) -> NodeVerdict:
        """``vc.verifyCredential`` with eddsa-rdfc-2022 and eddsa-jcs-2022 suites."""
        output = self._run("verify", str(self._write(credential)))
        return NodeVerdict(verified=output["verified"], error=output["error"])

    def status_check(self, credential: dict[str, Any], *lists: dict[str, Any]) -> NodeStatusVerdict:
        """Verify ``credential`` and its Bitstring Status List entries; ``lists`` are the list
        credentials, served at their ``id`` URLs (nothing is fetched)."""
        output = self._run(
            "status-check", str(self._write(credential)), *(str(self._write(x)) for x in lists)
        )
        statuses = {s["statusPurpose"]: s["status"] for s in output["statuses"]}
        return NodeStatusVerdict(
            verified=output["verified"],
            status=output["status"],
            statuses=statuses,
            error=output["error"],
        )

    def status_create(
        self,
        seed: bytes,
        url: str,
        purpose: str,
        indexes: Iterable[int],
        *,
        created: dt.datetime,
        valid_from: str | None = None,
        length: int | None = None,
    ) -> dict[str, Any]:
        """A BitstringStatusListCredential made by ``vc-bitstring-status-list`` with
        ``indexes`` set, issued by the did:key of ``seed`` (eddsa-rdfc-2022)."""
        args = [seed.hex(), url, purpose, ",".join(str(i) for i in indexes)]
        args += ["--created", created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
        if valid_from is not None:
            args += ["--valid-from", valid_from]
        if length is not None:
            args += ["--length", str(length)]
        signed: dict[str, Any] = self._run("status-create", *args)
        return signed

    def canonize(self, document: dict[str, Any]) -> str:
        """RDFC-1.0 canonical N-Quads from rdf-canonize (jsonld.js), in safe mode."""
        nquads: str = self._run("canonize", str(self._write(document)))["nquads"]
        return nquads


@pytest.fixture(scope="session")
def node_vc(tmp_path_factory: pytest.TempPathFactory) -> NodeVC:
    """The Node reference stack, installed from ``package-lock.json`` if needed."""
    node = _find_node()
    if _needs_install():
        _npm_ci()
    return NodeVC(node, tmp_path_factory.mktemp("node-vc"))
