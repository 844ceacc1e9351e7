"""Bundled JSON-LD contexts and the offline document loader built on them.

A verifier that fetched whatever ``@context`` URL a document named would let an attacker choose
the meaning of the words it signs, so the loader serves only the contexts shipped as package
data (``contexts/manifest.json`` records where each copy came from) plus any the caller adds
explicitly, and refuses every other URL with an error that names it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from credstack.vc.errors import ContextError

__all__ = [
    "BundledContext",
    "ContextRegistry",
    "bundled_contexts",
    "default_registry",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@dataclass(frozen=True)
class BundledContext:
    """One shipped context: where it is served, its bytes' digest and where the copy came from."""

    url: str
    file: str
    sha256: str
    source: str


def _package_files() -> Any:
    return resources.files("credstack.vc").joinpath("contexts")


@cache
def bundled_contexts() -> Mapping[str, BundledContext]:
    """The manifest of shipped contexts, keyed by URL."""
    manifest = json.loads(_package_files().joinpath("manifest.json").read_text("utf-8"))
    return {url: BundledContext(url=url, **entry) for url, entry in manifest.items()}


@cache
def _bundled_document(url: str) -> Any:
    entry = bundled_contexts()[url]
    return json.loads(_package_files().joinpath(entry.file).read_bytes())


class ContextRegistry:
    """The set of context documents a loader may serve, by exact URL.

    ``extra`` adds documents (a provider's own extension context, a test's example context);
    they take precedence over bundled ones with the same URL only if ``override`` is true,
    so that a bundled standard context cannot be replaced by accident.
    """

    def __init__(
        self,
        extra: Mapping[str, Any] | None = None,
        *,
        include_bundled: bool = True,
        override: bool = False,
    ) -> None:
        self._bundled = include_bundled
        self._extra: dict[str, Any] = {}
        for url, document in (extra or {}).items():
            if include_bundled and url in bundled_contexts() and not override:
                raise ContextError(f"context {url} is bundled already; pass override=True")
            self._extra[url] = document

    def with_extra(self, extra: Mapping[str, Any]) -> ContextRegistry:
        """A new registry with these documents added."""
        merged = {**self._extra, **extra}
        return ContextRegistry(merged, include_bundled=self._bundled, override=True)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and (
            url in self._extra or (self._bundled and url in bundled_contexts())
        )

    def urls(self) -> list[str]:
        """Every URL this registry serves."""
        bundled = list(bundled_contexts()) if self._bundled else []
        return sorted({*bundled, *self._extra})

    def get(self, url: str) -> Any:
        """The parsed context document for ``url``.

        Raises ``ContextError`` naming the URL when it is not served: it is never fetched.
        """
        if url in self._extra:
            return self._extra[url]
        if self._bundled and url in bundled_contexts():
            return _bundled_document(url)
        raise ContextError(
            f"context {url} is not one of the bundled contexts and will not be fetched"
        )

    def document_loader(self) -> Any:
        """A pyld document loader that serves only this registry's documents."""

        def load(url: str, options: Any = None) -> dict[str, Any]:
            return {
                "contextUrl": None,
                "documentUrl": url,
                "document": self.get(url),
            }

        return load


@cache
def default_registry() -> ContextRegistry:
    """The registry of bundled contexts only: what a verifier should use."""
    return ContextRegistry()
