"""The canonicalisation paths: compiled and plain fast path, general path, and the memo of
shared (frozen) parts. Each must give the general path's answer exactly."""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credstack.vc import jsonld, rdfc
from credstack.vc import jsonld_rdf as python_fast_path
from credstack.vc.contexts import default_registry
from credstack.vc.frozen import freeze
from credstack.vc.jsonld import canonicalize, canonicalize_general
from tests.conftest import ob_badge

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def restore_path() -> Iterator[None]:
    before = jsonld.active_path
    yield
    jsonld.use_path(before)


def _credential(n: int, achievement: Any, issuer: Any) -> dict[str, Any]:
    document = ob_badge(issuer)
    document["id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    document["issuer"] = issuer
    document["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": f"sha256${n:064x}",
                "identityType": "emailAddress",
                "salt": f"salt-{n}",
            }
        ],
        "achievement": achievement,
        "result": [{"type": ["Result"], "value": "A"}],
    }
    return document


ACHIEVEMENT = {
    "id": "https://example.org/achievements/1",
    "type": ["Achievement"],
    "name": "Shared",
    "criteria": {"narrative": "Passed."},
    "alignment": [
        {"type": ["Alignment"], "targetName": f"Skill {n}", "targetUrl": f"https://e.org/{n}"}
        for n in range(3)
    ],
    "tag": ["x", "y"],
}
ISSUER = {"id": "did:example:issuer", "type": ["Profile"], "name": "Issuer", "address": {
    "type": ["Address"], "addressCountryCode": "NL"}}  # fmt: skip


def test_frozen_parts_shared_by_many_documents_give_the_general_answer() -> None:
    achievement, issuer = freeze(ACHIEVEMENT), freeze(ISSUER)
    for n in range(5):  # the first document fills the memo, the others reuse it
        document = _credential(n, achievement, issuer)
        assert canonicalize(document) == canonicalize_general(document)
        # and the same document built of plain dicts gives the same text
        assert canonicalize(document) == canonicalize(_credential(n, ACHIEVEMENT, ISSUER))


def test_a_frozen_part_twice_in_one_document_is_two_nodes() -> None:
    # the address has no id: twice in a document it is two blank nodes, not one
    address = freeze({"type": ["Address"], "addressCountryCode": "NL"})
    issuer = {**ISSUER, "address": address}
    document = _credential(1, freeze(ACHIEVEMENT), issuer)
    document["credentialSubject"]["source"] = {
        "id": "did:example:other", "type": ["Profile"], "address": address}  # fmt: skip
    canonical = canonicalize(document)
    assert canonical == canonicalize_general(document)
    assert canonical.count("#Address>") == 2


def test_memoised_parts_are_only_trusted_in_the_default_graph() -> None:
    # an endorsement's proof is a graph of its own: its frozen parts are walked there
    achievement = freeze(ACHIEVEMENT)
    document = _credential(2, achievement, freeze(ISSUER))
    document["proof"] = [
        {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
         "created": "2026-01-01T00:00:00Z", "verificationMethod": "did:example:issuer#k",
         "proofPurpose": "assertionMethod", "proofValue": "z1"},
    ]  # fmt: skip
    assert canonicalize(document) == canonicalize_general(document)


def test_the_general_path_can_be_chosen_and_gives_the_same_text(restore_path: None) -> None:
    document = _credential(3, ACHIEVEMENT, ISSUER)
    fast = canonicalize(document)
    assert jsonld.use_path("general") == "general"
    assert jsonld.active_path == "general"
    assert canonicalize(document) == fast
    assert jsonld.use_path("python") == "python"
    assert jsonld.fast_path is python_fast_path
    assert canonicalize(document) == fast
    with pytest.raises(ValueError, match="unknown JSON-LD path"):
        jsonld.use_path("quick")


def test_the_compiled_path_is_used_only_when_built_from_these_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_path: None
) -> None:
    # a stand-in for the compiled package: the Python modules under the package's name
    package = tmp_path / "credstack_native"
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = ROOT / "src/credstack/vc"
    for name in ("rdfc", "jsonld_rdf"):
        text = (source / f"{name}.py").read_text("utf-8")
        text = text.replace("credstack.vc.rdfc import", "credstack_native.rdfc import")
        (package / f"{name}.py").write_text(text, "utf-8")
    digest = hashlib.sha256()
    for name in ("rdfc", "jsonld_rdf"):
        digest.update((source / f"{name}.py").read_bytes())
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("credstack_native")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.invalidate_caches()

    (package / "SOURCE_SHA256").write_text("0" * 64 + "\n")  # built from other sources
    assert jsonld.use_path("compiled") == "python"

    (package / "SOURCE_SHA256").write_text(digest.hexdigest() + "\n")
    assert jsonld.use_path("compiled") == "compiled"
    assert jsonld.fast_path.__name__ == "credstack_native.jsonld_rdf"
    document = _credential(4, freeze(ACHIEVEMENT), ISSUER)
    assert canonicalize(document) == canonicalize_general(document)


def test_the_installed_compiled_path_if_any_agrees_with_the_python_one(
    restore_path: None,
) -> None:
    if jsonld.use_path("compiled") != "compiled":
        pytest.skip("no current compiled build installed (scripts/build_native.py)")
    registry = default_registry()
    options = jsonld._options(registry)
    document = json.loads(json.dumps(_credential(5, ACHIEVEMENT, ISSUER)))
    compiled = jsonld.fast_path.dataset_of(document, registry, options)
    plain = python_fast_path.dataset_of(document, registry, options)
    # the same dataset; blank nodes of parts found by content are labelled per cache, so
    # the canonical form is what is compared, with the quads that have none
    assert sorted(compiled[1]) == sorted(plain[1])
    assert rdfc.canonical_nquads_of(*compiled) == rdfc.canonical_nquads_of(*plain)
    assert len(compiled[0]) == len(plain[0])


def _signed_with_two_proofs() -> dict[str, Any]:
    document = _credential(6, freeze(ACHIEVEMENT), ISSUER)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": "did:example:issuer#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z1",
    }
    document["proof"] = [proof, {**proof, "proofValue": "z2"}]
    return document


def test_a_verifier_walks_a_credential_once_for_the_check_and_the_hash(
    monkeypatch: pytest.MonkeyPatch, restore_path: None
) -> None:
    jsonld.use_path("python")
    document = _signed_with_two_proofs()
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    expected = canonicalize_general(unsecured)
    with jsonld.reusing_datasets():
        jsonld.check_safe_mode(document)

        def no_second_walk(*_: Any) -> Any:
            raise AssertionError("walked again")

        monkeypatch.setattr(jsonld.fast_path, "dataset_of", no_second_walk)
        assert canonicalize(dict(unsecured)) == expected  # same values: reused
    monkeypatch.undo()
    # outside the block nothing is kept; a changed value is never served from before
    with jsonld.reusing_datasets():
        jsonld.check_safe_mode(document)
        changed = {**unsecured, "name": "Another name"}
        assert canonicalize(changed) == canonicalize_general(changed)
    assert canonicalize(unsecured) == expected


def _signed_reference_documents() -> list[Path]:
    from tests.conftest import SHARED

    if not SHARED.is_dir():
        return []
    paths = sorted((SHARED / "conformance").rglob("*.json")) + sorted(
        (SHARED / "vectors").rglob("*.json")
    )
    return [p for p in paths if '"proof"' in p.read_text("utf-8", errors="replace")]


@pytest.mark.parametrize("path", _signed_reference_documents(), ids=lambda p: p.name)
def test_the_dataset_without_the_proof_is_the_unsecured_documents(path: Path) -> None:
    document = json.loads(path.read_text("utf-8"))
    if not isinstance(document, dict) or "proof" not in document:
        pytest.skip("not a signed JSON-LD document")
    registry = default_registry()
    try:
        _, rest = python_fast_path.dataset_split(
            document, registry, jsonld._options(registry), "proof"
        )
    except python_fast_path.Unsupported:
        pytest.skip("outside the fast path")
    assert rest is not None
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    rdfc = jsonld._python_rdfc
    assert rdfc.canonical_nquads_of(*rest) == canonicalize_general(unsecured)
