"""DIDs and verification methods: ``did:key`` (offline), ``did:web`` and HTTPS URLs (fetched).

A proof names its key by a verification method URL. Resolving it yields the public key and
tells whether the key's controller lists it under the proof's purpose (``assertionMethod`` for
credentials): a key that merely exists is not a key the issuer authorised. ``did:key`` needs no
network (the DID *is* the key); ``did:web`` and HTTPS URLs are read through the caller's
``Fetcher``, and without one the key is taken from a multibase fragment when there is one, but
reported as not confirmed by its controller.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credstack.vc.contexts import DID_V1, MULTIKEY_V1
from credstack.vc.errors import DIDResolutionError, FetchError, KeyFormatError
from credstack.vc.fetching import Fetcher, fetch_json
from credstack.vc.keys import Ed25519KeyPair, public_key_to_multibase
from credstack.vc.multibase import (
    ED25519_PUB,
    P256_PUB,
    b58decode,
    b64url_decode,
    multibase_decode,
    multicodec_unwrap,
)

__all__ = [
    "PublicKey",
    "ResolvedMethod",
    "did_key_document",
    "did_key_for",
    "did_web_document",
    "did_web_document_for",
    "did_web_for",
    "did_web_url",
    "public_key_from_method",
    "public_key_from_multikey",
    "resolve_verification_method",
]

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

_DID_WEB_HOST = re.compile(r"^[A-Za-z0-9.\-]+(%3[Aa][0-9]+)?$")


@dataclass(frozen=True)
class ResolvedMethod:
    """A verification method and what its controller says about it.

    ``authorized`` is True when the controller document lists the method under the requested
    purpose, False when it was read and does not, and None when it could not be read (offline).
    """

    id: str
    controller: str
    public_key: PublicKey
    authorized: bool | None
    note: str = ""


def public_key_from_multikey(value: str) -> PublicKey:
    """Ed25519 (``z6Mk``) or P-256 (``zDna``) Multikey ``publicKeyMultibase`` to a key."""
    data = multibase_decode(value)
    if data.startswith(ED25519_PUB):
        raw = multicodec_unwrap(data, ED25519_PUB, 32)
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if data.startswith(P256_PUB):
        raw = multicodec_unwrap(data, P256_PUB, 33)
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError as error:
            raise KeyFormatError(f"not a P-256 point: {error}") from None
    raise KeyFormatError("unsupported Multikey type (only Ed25519 and P-256 keys are supported)")


def _key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            x = int.from_bytes(b64url_decode(jwk["x"]), "big")
            y = int.from_bytes(b64url_decode(jwk["y"]), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if jwk.get("kty") == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, TypeError, ValueError) as error:
        raise KeyFormatError(f"malformed publicKeyJwk: {error}") from None
    raise KeyFormatError(f"unsupported publicKeyJwk (kty={jwk.get('kty')}, crv={jwk.get('crv')})")


def public_key_from_method(method: Mapping[str, Any]) -> PublicKey:
    """The public key of a verification method object (Multikey, Ed25519 2018/2020, JWK)."""
    if isinstance(method.get("publicKeyMultibase"), str):
        return public_key_from_multikey_or_raw(method["publicKeyMultibase"])
    if isinstance(method.get("publicKeyBase58"), str):
        raw = b58decode(method["publicKeyBase58"])
        if len(raw) != 32:
            raise KeyFormatError("publicKeyBase58 is not a 32-byte Ed25519 key")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if isinstance(method.get("publicKeyJwk"), Mapping):
        return _key_from_jwk(method["publicKeyJwk"])
    raise KeyFormatError(f"verification method {method.get('id')} carries no public key I can read")


def public_key_from_multikey_or_raw(value: str) -> PublicKey:
    """Multikey value; Ed25519VerificationKey2020 used the same form, older ones a bare key."""
    data = multibase_decode(value)
    if len(data) == 32:  # an un-prefixed Ed25519 key, seen in early Ed25519VerificationKey2020
        return ed25519.Ed25519PublicKey.from_public_bytes(data)
    return public_key_from_multikey(value)


def did_key_for(public_key: ed25519.Ed25519PublicKey) -> str:
    """``did:key`` of an Ed25519 public key (did:key Method §3.1.1)."""
    return "did:key:" + public_key_to_multibase(public_key)


def did_key_document(did: str) -> dict[str, Any]:
    """Resolve ``did:key`` offline (did:key Method §3.1.2, Multikey representation)."""
    if not did.startswith("did:key:"):
        raise DIDResolutionError(f"{did} is not a did:key")
    multikey = did.removeprefix("did:key:").split("#", 1)[0]
    try:
        public_key_from_multikey(multikey)
    except KeyFormatError as error:
        raise DIDResolutionError(f"{did} does not encode a supported key: {error}") from None
    vm_id = f"{did.split('#', 1)[0]}#{multikey}"
    controller = vm_id.split("#", 1)[0]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": multikey,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def did_web_for(domain: str, path: Iterable[str] = ()) -> str:
    """``did:web`` for a domain (with optional port) and path segments (did:web §3.2.1)."""
    host = urllib.parse.quote(domain.lower(), safe="")
    if not _DID_WEB_HOST.match(host):
        raise DIDResolutionError(f"'{domain}' is not a valid did:web domain")
    return ":".join(["did:web", host, *(urllib.parse.quote(p, safe="") for p in path)])


def did_web_url(did: str) -> str:
    """The HTTPS URL of a ``did:web`` document (did:web §3.2.2 "Read (Resolve)")."""
    if not did.startswith("did:web:"):
        raise DIDResolutionError(f"{did} is not a did:web")
    parts = did.removeprefix("did:web:").split("#", 1)[0].split(":")
    if not parts[0] or not _DID_WEB_HOST.match(parts[0]):
        raise DIDResolutionError(f"{did} has no valid domain")
    host = urllib.parse.unquote(parts[0])
    path = "/".join(urllib.parse.unquote(p) for p in parts[1:])
    if ".." in path.split("/"):
        raise DIDResolutionError(f"{did} has a path that climbs out of its domain")
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def did_web_document(did: str, keys: Iterable[Ed25519KeyPair]) -> dict[str, Any]:
    """A ``did:web`` document publishing ``keys`` as Multikey assertion methods.

    Every key stays listed after rotation so that credentials signed by it keep verifying; the
    caller decides which keys to pass.
    """
    return did_web_document_for(
        did, [(key.id or f"{did}#{key.public_multibase}", key.public_multibase) for key in keys]
    )


def did_web_document_for(did: str, methods: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The same document from public data only: ``(verification method id, publicKeyMultibase)``
    pairs, so that publishing needs no private key."""
    did_web_url(did)  # validates the DID
    listed = [
        {
            "id": vm_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_multibase,
        }
        for vm_id, public_multibase in methods
    ]
    ids = [method["id"] for method in listed]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": listed,
        "authentication": ids,
        "assertionMethod": ids,
    }


def _absolute(ref: str, base: str) -> str:
    return base.split("#", 1)[0] + ref if ref.startswith("#") else ref


def _find_method(document: Mapping[str, Any], vm_id: str) -> Mapping[str, Any] | None:
    base = str(document.get("id", ""))
    for section in ("verificationMethod", "assertionMethod", "authentication", "publicKey"):
        entries = document.get(section, [])
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, Mapping) and _absolute(str(entry.get("id", "")), base) == vm_id:
                return entry
    return None


def _lists_for_purpose(document: Mapping[str, Any], vm_id: str, purpose: str) -> bool:
    base = str(document.get("id", ""))
    entries = document.get(purpose, [])
    for entry in entries if isinstance(entries, list) else [entries]:
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ref, str) and _absolute(ref, base) == vm_id:
            return True
    return False


def _from_controller_document(
    document: Any, vm_id: str, purpose: str, where: str
) -> ResolvedMethod:
    if not isinstance(document, Mapping):
        raise DIDResolutionError(f"{where} is not a controller document")
    method = _find_method(document, vm_id)
    if method is None:
        raise DIDResolutionError(f"{where} does not list the verification method {vm_id}")
    controller = str(method.get("controller") or document.get("id") or "")
    try:
        key = public_key_from_method(method)
    except KeyFormatError as error:
        raise DIDResolutionError(f"{vm_id}: {error}") from None
    authorized = _lists_for_purpose(document, vm_id, purpose)
    note = "" if authorized else f"{controller} does not list {vm_id} under {purpose}"
    return ResolvedMethod(vm_id, controller, key, authorized, note)


def _fragment_key(vm_id: str) -> PublicKey | None:
    fragment = vm_id.split("#", 1)[1] if "#" in vm_id else ""
    if not fragment.startswith("z"):
        return None
    try:
        return public_key_from_multikey(fragment)
    except KeyFormatError:
        return None


@functools.lru_cache(maxsize=1024)
def _resolve_did_key(vm_id: str, purpose: str) -> ResolvedMethod:
    """did:key is resolved from the identifier alone, so the answer can be remembered (a
    verifier checking a cohort meets the same issuer key again and again)."""
    did = vm_id.split("#", 1)[0]
    method_id = vm_id if "#" in vm_id else f"{did}#{did.removeprefix('did:key:')}"
    fragment = method_id.split("#", 1)[1]
    if fragment != did.removeprefix("did:key:"):
        raise DIDResolutionError(f"{vm_id}: the fragment does not name the DID's own key")
    return _from_controller_document(did_key_document(did), method_id, purpose, did)


def resolve_verification_method(
    vm_id: str,
    fetcher: Fetcher | None = None,
    *,
    purpose: str = "assertionMethod",
) -> ResolvedMethod:
    """Resolve a verification method URL to its key and whether its controller authorised it.

    Raises ``DIDResolutionError`` when the URL cannot name a key (unknown scheme or DID method,
    malformed key, the controller document does not list it).
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise DIDResolutionError("the proof names no verification method")
    if vm_id.startswith("did:key:"):
        return _resolve_did_key(vm_id, purpose)
    if vm_id.startswith("did:web:"):
        url = did_web_url(vm_id)
        if fetcher is None:
            return _offline(vm_id, vm_id.split("#", 1)[0])
        try:
            document = fetch_json(fetcher, url, accept="application/did+json, application/json")
        except FetchError as error:
            return _offline(vm_id, vm_id.split("#", 1)[0], f"could not read {url}: {error}")
        return _from_controller_document(document, vm_id, purpose, url)
    if vm_id.startswith("did:"):
        method = vm_id.split(":", 2)[1]
        raise DIDResolutionError(f"{vm_id}: the DID method '{method}' is not supported")
    if vm_id.startswith(("https://", "http://")):
        return _resolve_url(vm_id, fetcher, purpose)
    if vm_id.startswith("urn:") and _fragment_key(vm_id) is not None:
        # A URN names but cannot locate: VC 1.1-era issuers (urn:uuid:...#z6Mk...) used them.
        why = f"{vm_id.split('#', 1)[0]} cannot be resolved; the key was read from the URL"
        return _offline(vm_id, vm_id.split("#", 1)[0], why)
    if ":" not in vm_id:
        raise DIDResolutionError(f"'{vm_id[:60]}' is not a URL (it has no scheme)")
    raise DIDResolutionError(f"{vm_id[:60]}: the URL scheme '{vm_id.split(':', 1)[0]}' is unknown")


def _offline(vm_id: str, controller: str, why: str = "") -> ResolvedMethod:
    key = _fragment_key(vm_id)
    if key is None:
        raise DIDResolutionError(why or f"{vm_id} cannot be resolved without fetching it")
    note = why or f"not fetched (offline): the key was read from the URL of {vm_id}"
    return ResolvedMethod(vm_id, controller, key, None, note)


def _resolve_url(vm_id: str, fetcher: Fetcher | None, purpose: str) -> ResolvedMethod:
    base = vm_id.split("#", 1)[0]
    if fetcher is None:
        return _offline(vm_id, base)
    try:
        document = fetch_json(fetcher, base, accept="application/ld+json, application/json")
    except FetchError as error:
        if error.status == 404:
            raise DIDResolutionError(f"{base} answered 404: the key is not published") from None
        return _offline(vm_id, base, f"could not read {base}: {error}")
    if isinstance(document, Mapping) and document.get("id") == vm_id and "controller" in document:
        # The URL served the method itself; its controller must still authorise it.
        controller_url = str(document["controller"])
        try:
            controller_doc = fetch_json(fetcher, controller_url.split("#", 1)[0])
        except FetchError as error:
            key = public_key_from_method(document)
            return ResolvedMethod(vm_id, controller_url, key, None, f"{controller_url}: {error}")
        return _from_controller_document(controller_doc, vm_id, purpose, controller_url)
    return _from_controller_document(document, vm_id, purpose, base)
