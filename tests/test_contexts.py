"""Bundled contexts: complete, intact, provenance recorded, equal to the published ones.

A verifier that fetched contexts would let an attacker choose what a credential means, so the
loader serves only these files; the tests pin their digests so that a changed byte is seen.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import pytest

from credstack.vc import ContextError, ContextRegistry, bundled_contexts, canonicalize, expand
from tests.conftest import load_json, shared_path

REQUIRED = {
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
}

# Digests the W3C Recommendations publish for their contexts: a bundled copy must match.
PUBLISHED_SHA256 = {
    "https://www.w3.org/ns/credentials/v2": (
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    ),
    "https://w3id.org/security/multikey/v1": (
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"
    ),
    "https://w3id.org/security/data-integrity/v2": (
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
    ),
    "https://www.w3.org/ns/credentials/examples/v2": (
        "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"
    ),
}


def test_every_required_context_is_bundled() -> None:
    assert set(bundled_contexts()) >= REQUIRED


@pytest.mark.parametrize("url", sorted(bundled_contexts()))
def test_manifest_digest_and_provenance(url: str) -> None:
    entry = bundled_contexts()[url]
    data = resources.files("credstack.vc").joinpath("contexts", entry.file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry.sha256
    # npm/PyPI copies name package@version; examples/v2 (no registry publishes it) names the
    # Recommendation whose published digest pins it.
    assert "@" in entry.source or "Recommendation" in entry.source
    assert "@context" in json.loads(data)


@pytest.mark.parametrize("url", sorted(PUBLISHED_SHA256))
def test_digest_equals_the_recommendation(url: str) -> None:
    assert bundled_contexts()[url].sha256 == PUBLISHED_SHA256[url]


@pytest.mark.parametrize("url", sorted(bundled_contexts()))
def test_same_definitions_as_the_published_copy(url: str) -> None:
    """Same JSON means the same RDF; byte differences (whitespace, line ends) do not matter."""
    manifest = load_json("contexts", "manifest.json")
    if url not in manifest:
        pytest.skip(f"../shared has no copy of {url}")
    ours = ContextRegistry().get(url)
    theirs = json.loads(shared_path("contexts", manifest[url]["file"]).read_text("utf-8"))
    assert ours == theirs


def test_unknown_context_is_refused_by_name() -> None:
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx.json"],
        "type": ["VerifiableCredential"],
    }
    with pytest.raises(ContextError, match=r"https://evil\.example/ctx\.json"):
        expand(document)
    with pytest.raises(ContextError, match="evil"):
        canonicalize(document)


def test_a_bundled_context_cannot_be_replaced_by_accident() -> None:
    with pytest.raises(ContextError, match="bundled already"):
        ContextRegistry({"https://www.w3.org/ns/credentials/v2": {"@context": {}}})


def test_extra_contexts_are_served_only_by_their_registry() -> None:
    url = "https://provider.example/contexts/skills.json"
    ctx = {"@context": {"skillLevel": "https://provider.example/vocab#skillLevel"}}
    document = {"@context": [url], "skillLevel": "advanced"}
    registry = ContextRegistry({url: ctx})
    expanded = expand(document, registry)
    assert expanded[0]["https://provider.example/vocab#skillLevel"][0]["@value"] == "advanced"
    with pytest.raises(ContextError):
        expand(document)
