"""VC-JWT: Open Badges 3.0 §8.2 "JSON Web Token Proof Format" (RFC 7515 JWS, RFC 7519 JWT).

A VC-JWT is a compact JWS whose payload is the credential plus the registered claims that
repeat its key facts (``iss`` = issuer id, ``jti`` = id, ``sub`` = credentialSubject.id, ``nbf``
= validFrom, ``exp`` = validUntil). Two payload shapes exist and both are read: OB 3.0 final
(VC 2.0) puts the credential's members at the top level; VC 1.1-era tokens nest the credential
in a ``vc`` claim and use ``issuanceDate``/``expirationDate``.

What we issue, chosen so that the 1EdTech validator accepts it (its ``ExternalProofProbe``,
and the samples it asserts valid, ``ob30/simple-jwt.{png,svg}``):

* ``alg`` RS256 for RSA keys: the validator accepts only RS256 (ES256 in newer builds), never
  EdDSA; Ed25519 keys sign ``EdDSA`` tokens, which other verifiers and our own accept.
* ``typ`` "JWT": OB 3.0 §8.2.3 says "if present, MUST be JWT" and allows no other header
  parameters, so not ``vc+jwt`` and no ``cty``. We still *read* ``vc+jwt`` and friends.
* The key: when ``kid`` is present the validator dereferences it and expects a bare JWK (or a
  DID whose method carries ``publicKeyJwk``); a controller document there makes it fail. So the
  form it always accepts is ``jwk`` alone: ``sign_jwt(..., kid="", embed_jwk=True)``.
* The payload shape follows the credential's first ``@context``: VC 1.1 credentials go in
  ``vc`` (as the validator's ``_v1`` samples do), everything else at the top level.

Verification never raises for bad input: it returns a ``JwtVerification`` whose ``errors`` say
why it failed. It refuses ``alg`` "none" and any algorithm but EdDSA, RS256 and ES256, checks
that the algorithm fits the key type (the classic JOSE key-confusion attack), refuses ``crit``
extensions, and binds a key named by ``kid`` to the issuer. An embedded ``jwk`` proves only that
*someone* signed, so it verifies with a warning. Time is a parameter (``now``): without it,
expiry and not-before are not checked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from credstack.vc.contexts import VC_V1
from credstack.vc.dids import (
    PublicKey,
    ResolvedMethod,
    public_key_from_method,
    resolve_verification_method,
)
from credstack.vc.errors import (
    DIDResolutionError,
    FetchError,
    KeyFormatError,
    ProofError,
    VCError,
)
from credstack.vc.fetching import Fetcher, fetch_json
from credstack.vc.keys import Ed25519KeyPair, verify_ed25519
from credstack.vc.multibase import b64url_decode, b64url_encode

__all__ = [
    "EMBEDDED_JWK",
    "SUPPORTED_ALGS",
    "JwtCredential",
    "JwtVerification",
    "decode_jwt",
    "jwt_claims_for",
    "sign_jwt",
    "verify_jwt",
]

SUPPORTED_ALGS = ("EdDSA", "RS256", "ES256")
EMBEDDED_JWK = "embedded jwk"
# RFC 7515 §4.1.9: typ is a media type, compared case-insensitively, "application/" optional.
_CREDENTIAL_TYPS = frozenset({"jwt", "vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt"})
_ISSUED_TYPS = frozenset({"JWT", "vc+jwt"})
# RFC 7518 §6: members that only a private (or symmetric) JWK carries.
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_MIN_RSA_BITS = 2048  # RFC 7518 §3.3
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_XSD_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")

ResolveMethod = Callable[[str], ResolvedMethod]


@dataclass(frozen=True)
class JwtCredential:
    """A decoded compact JWS; nothing about it has been checked except its syntax."""

    header: dict[str, Any]
    payload: dict[str, Any]
    credential: dict[str, Any]  # payload["vc"] when present (VC 1.1 style), else the payload
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True)
class JwtVerification:
    """The outcome of ``verify_jwt``: ``verified`` only if the signature and every claim hold."""

    credential: dict[str, Any] | None
    verified: bool
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    key_id: str  # the absolute kid, EMBEDDED_JWK, or "" when no key was found
    method: ResolvedMethod | None


@dataclass
class _Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- decoding (RFC 7515 §5.2 steps 1-8) -------------------------------------------------------


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 7515 §5.2 step 4: a header with duplicate names must be rejected; the same holds for
    # the payload so that two parsers can never disagree about what was signed.
    result = dict(pairs)
    if len(result) != len(pairs):
        names = [name for name, _ in pairs]
        raise ValueError(f"duplicate member '{next(n for n in names if names.count(n) > 1)}'")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _segment(text: str, what: str) -> bytes:
    if not _B64URL.match(text):
        raise ProofError(f"the {what} is not unpadded base64url")
    try:
        return b64url_decode(text)
    except KeyFormatError:
        raise ProofError(f"the {what} is not base64url") from None


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except UnicodeDecodeError:
        raise ProofError(f"the {what} is not UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise ProofError(f"the {what} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ProofError(f"the {what} is not a JSON object")
    return value


def decode_jwt(token: str) -> JwtCredential:
    """Split and parse a compact JWS without checking its signature or claims.

    Raises ``ProofError`` naming the first defect: wrong number of parts (five means an
    encrypted JWE), a part that is not base64url, a header or payload that is not a JSON object
    (duplicate members and NaN are refused), or a ``vc`` claim that is not an object.
    """
    if not isinstance(token, str):
        raise ProofError("a JWT is a string")
    parts = token.strip().split(".")
    if len(parts) == 5:
        raise ProofError("the token has 5 parts: it is an encrypted JWE, not a signed JWS")
    if len(parts) != 3:
        raise ProofError(f"a compact JWS has 3 parts separated by '.', this token has {len(parts)}")
    header = _json_object(_segment(parts[0], "JOSE header"), "JOSE header")
    payload = _json_object(_segment(parts[1], "JWT payload"), "JWT payload")
    signature = _segment(parts[2], "signature") if parts[2] else b""
    credential = payload.get("vc", payload)
    if not isinstance(credential, dict):
        raise ProofError("the vc claim is not a JSON object")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return JwtCredential(header, payload, credential, signing_input, signature)


# --- claims (OB 3.0 §8.2.4 "JWT Payload Format") ----------------------------------------------


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) and value else None


def _subject_ids(credential: Mapping[str, Any]) -> list[str]:
    subjects = credential.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    ids = [s.get("id") for s in items if isinstance(s, Mapping)]
    return [i for i in ids if isinstance(i, str) and i]


def _is_vc1(credential: Mapping[str, Any]) -> bool:
    context = credential.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return bool(first == VC_V1)


def _date_field(credential: Mapping[str, Any], start: bool) -> str:
    """Which property holds the validity start (``nbf``) or end (``exp``) of ``credential``.

    VC 1.1 names them issuanceDate/expirationDate, VC 2.0 validFrom/validUntil (OB 3.0 §8.2.6
    note); a credential that carries only the other generation's name is read by that name.
    """
    v2, v1 = ("validFrom", "issuanceDate") if start else ("validUntil", "expirationDate")
    preferred, other = (v1, v2) if _is_vc1(credential) else (v2, v1)
    return other if preferred not in credential and other in credential else preferred


def _parse_datetime(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str) or not _XSD_DATETIME.match(value):
        raise ProofError(f"{name} is not an XML Schema dateTime")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProofError(f"{name} '{value}' is not a valid date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _numeric_date(credential: Mapping[str, Any], start: bool) -> int | None:
    # NumericDate in whole seconds, rounded down so that nbf never lies after validFrom.
    name = _date_field(credential, start)
    if name not in credential:
        return None
    return math.floor(_parse_datetime(credential[name], name).timestamp())


def jwt_claims_for(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 §8.2.4 derives from ``credential`` (those it has).

    ``sub`` is set only for a single subject with an id. Raises ``ProofError`` when a date the
    claims need is not an XML Schema dateTime.
    """
    claims: dict[str, Any] = {}
    issuer = _issuer_id(credential)
    if issuer:
        claims["iss"] = issuer
    if isinstance(credential.get("id"), str) and credential["id"]:
        claims["jti"] = credential["id"]
    subjects = _subject_ids(credential)
    if len(subjects) == 1 and not isinstance(credential.get("credentialSubject"), list):
        claims["sub"] = subjects[0]
    for claim, start in (("nbf", True), ("exp", False)):
        value = _numeric_date(credential, start)
        if value is not None:
            claims[claim] = value
    return claims


# --- signing (OB 3.0 §8.2.5 "Create the Proof") -----------------------------------------------


def _public_jwk(key: Ed25519KeyPair | rsa.RSAPrivateKey) -> dict[str, str]:
    if isinstance(key, Ed25519KeyPair):
        raw = key.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "n": _b64_int(numbers.n), "e": _b64_int(numbers.e)}


def _b64_int(value: int) -> str:
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _json_segment(value: Mapping[str, Any]) -> str:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ProofError(f"the credential is not JSON: {error}") from None
    return b64url_encode(text.encode("utf-8"))


def _payload_for(credential: Mapping[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    if _is_vc1(credential):
        return {"vc": dict(credential), **claims}
    clashes = [n for n in claims if n in credential and credential[n] != claims[n]]
    if clashes or "vc" in credential:
        raise ProofError(f"the credential has members that clash with JWT claims: {clashes}")
    return {**credential, **claims}


def sign_jwt(
    credential: Mapping[str, Any],
    key: Ed25519KeyPair | rsa.RSAPrivateKey,
    *,
    kid: str,
    embed_jwk: bool = False,
    typ: str = "JWT",
) -> str:
    """``credential`` as a compact JWS by ``key``: ``EdDSA`` for Ed25519, ``RS256`` for RSA.

    ``typ`` is "JWT" (OB 3.0 §8.2.3) unless a relying party asks for VC-JOSE-COSE's
    "vc+jwt"; both are read by every verifier credstack knows of (docs/decisions/0005).

    ``kid`` is the verification method URL put in the header; pass ``""`` with
    ``embed_jwk=True`` for the jwk-only header the 1EdTech validator always accepts. Raises
    ``ProofError`` when the credential already has a ``proof``, lacks the issuer, id or
    validFrom the required claims come from, or names neither kid nor jwk; ``KeyFormatError``
    for an unsupported key or an RSA key under 2048 bits.
    """
    if "proof" in credential:
        raise ProofError("the credential already carries a proof; sign the unsecured credential")
    if isinstance(key, Ed25519KeyPair):
        alg = "EdDSA"
    elif isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < _MIN_RSA_BITS:
            raise KeyFormatError(f"an RS256 key needs {_MIN_RSA_BITS} bits, got {key.key_size}")
        alg = "RS256"
    else:
        raise KeyFormatError(f"cannot sign a JWT with a {type(key).__name__}")
    if not kid and not embed_jwk:
        raise ProofError("a VC-JWT header needs a kid or a jwk (OB 3.0 §8.2.3)")
    claims = jwt_claims_for(credential)
    missing = [name for name in ("iss", "jti", "nbf") if name not in claims]
    if missing:
        raise ProofError(f"the credential cannot give the required claims {missing}")
    if typ not in _ISSUED_TYPS:
        raise ProofError(f"typ must be one of {sorted(_ISSUED_TYPS)}, not {typ!r}")
    header: dict[str, Any] = {"alg": alg, "typ": typ}
    if kid:
        header["kid"] = kid
    if embed_jwk:
        header["jwk"] = _public_jwk(key)
    signing_input = f"{_json_segment(header)}.{_json_segment(_payload_for(credential, claims))}"
    data = signing_input.encode("ascii")
    if isinstance(key, Ed25519KeyPair):
        signature = key.sign(data)
    else:
        signature = key.sign(data, padding.PKCS1v15(), SHA256())
    return f"{signing_input}.{b64url_encode(signature)}"


# --- finding the key (OB 3.0 §8.2.6 steps 2-3, §8.5 "Dereferencing the Public Key") ----------


class _OnceFetcher:
    """Reads each URL once: a kid URL is first read as a bare JWK, then as a controller document."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._seen: dict[str, bytes | FetchError] = {}

    def fetch(self, url: str, *, accept: str, timeout: float, max_bytes: int) -> bytes:
        if url not in self._seen:
            try:
                self._seen[url] = self._fetcher.fetch(
                    url, accept=accept, timeout=timeout, max_bytes=max_bytes
                )
            except FetchError as error:
                self._seen[url] = error
        found = self._seen[url]
        if isinstance(found, FetchError):
            raise found
        return found


def _key_from_jwk(jwk: Any, where: str) -> PublicKey:
    if not isinstance(jwk, Mapping):
        raise KeyFormatError(f"the {where} is not a JWK object")
    private = [m for m in _PRIVATE_JWK_MEMBERS if m in jwk]
    if private:
        raise KeyFormatError(f"the {where} holds private or secret key members {private}")
    return public_key_from_method({"publicKeyJwk": jwk})


def _jwk_in(document: Any, vm_id: str) -> Any:
    """The JWK a kid URL serves: a bare JWK, or the matching member of a JWK Set (RFC 7517 §5)."""
    if not isinstance(document, Mapping):
        return None
    if "kty" in document:
        return document
    keys = document.get("keys")
    if not isinstance(keys, list):
        return None
    fragment = vm_id.split("#", 1)[1] if "#" in vm_id else None
    named = [k for k in keys if isinstance(k, Mapping) and k.get("kid") in (vm_id, fragment)]
    if len(named) == 1:
        return named[0]
    return keys[0] if fragment is None and len(keys) == 1 else None


def _bare_jwk_method(vm_id: str, fetcher: Fetcher) -> ResolvedMethod | None:
    base = vm_id.split("#", 1)[0]
    try:
        document = fetch_json(fetcher, base, accept="application/jwk+json, application/json")
    except FetchError:
        return None  # the controller-document resolver reads it again and explains
    jwk = _jwk_in(document, vm_id)
    if jwk is None:
        return None
    try:
        key = _key_from_jwk(jwk, f"JWK at {base}")
    except KeyFormatError as error:
        raise DIDResolutionError(str(error)) from None
    return ResolvedMethod(vm_id, "", key, None, f"{base} serves a bare JWK: no controller lists it")


def _default_resolver(fetcher: Fetcher | None) -> ResolveMethod:
    once = _OnceFetcher(fetcher) if fetcher is not None else None

    def resolve(vm_id: str) -> ResolvedMethod:
        if once is not None and vm_id.startswith(("https://", "http://")):
            method = _bare_jwk_method(vm_id, once)
            if method is not None:
                return method
        return resolve_verification_method(vm_id, once, purpose="assertionMethod")

    return resolve


def _absolute_kid(kid: Any, issuer: str | None) -> str:
    if not isinstance(kid, str) or not kid:
        raise DIDResolutionError("the kid header is not a non-empty string")
    if not kid.startswith("#"):
        return kid
    if not issuer:
        raise DIDResolutionError(
            f"the kid '{kid}' is relative and there is no issuer to resolve it"
        )
    return issuer.split("#", 1)[0] + kid


def _same_key(a: PublicKey, b: PublicKey) -> bool:
    der = Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    return a.public_bytes(*der) == b.public_bytes(*der)


def _check_method(method: ResolvedMethod, issuer: str | None, report: _Report) -> None:
    if method.authorized is False:
        report.errors.append(method.note or f"{method.id} is not an assertion method")
    elif method.authorized is None and method.note:
        report.warnings.append(method.note)
    controller = method.controller.split("#", 1)[0]
    if issuer and controller and controller != issuer.split("#", 1)[0]:
        report.errors.append(
            f"the key {method.id} belongs to {controller}, not the issuer {issuer}"
        )


def _find_key(
    header: Mapping[str, Any], issuer: str | None, resolve: ResolveMethod, report: _Report
) -> tuple[str, ResolvedMethod | None, PublicKey | None]:
    """The verification key: kid dereferenced if possible, else the embedded jwk."""
    embedded: PublicKey | None = None
    if "jwk" in header:
        try:
            embedded = _key_from_jwk(header["jwk"], "jwk header")
        except KeyFormatError as error:
            report.errors.append(str(error))
            return "", None, None
    if "kid" not in header and embedded is None:
        report.errors.append("the header names no key: it has neither kid nor jwk")
        return "", None, None
    if "kid" in header:
        try:
            vm_id = _absolute_kid(header["kid"], issuer)
            method = resolve(vm_id)
        except VCError as error:
            if embedded is None:
                report.errors.append(f"key not found: {error}")
                return str(header["kid"]), None, None
            report.warnings.append(f"kid not dereferenced ({error}); used the jwk header")
        else:
            if embedded is not None and not _same_key(embedded, method.public_key):
                report.errors.append("the jwk header is not the key that kid names")
            _check_method(method, issuer, report)
            return vm_id, method, method.public_key
    report.warnings.append(
        f"the key is embedded in the token: nothing ties it to {issuer or 'the issuer'}"
    )
    return EMBEDDED_JWK, None, embedded


# --- header and signature (RFC 7515 §5.2 steps 5-8, RFC 7518 §3) ------------------------------


def _check_header(header: Mapping[str, Any], report: _Report) -> str | None:
    alg = header.get("alg")
    if not isinstance(alg, str):
        report.errors.append("the header has no alg")
        return None
    if alg.lower() == "none":
        report.errors.append("alg 'none' is refused: the token is not signed")
        return None
    if alg not in SUPPORTED_ALGS:
        report.errors.append(
            f"alg {alg[:40]!r} is not supported (only {', '.join(SUPPORTED_ALGS)})"
        )
        return None
    typ = header.get("typ")
    if typ is not None and (
        not isinstance(typ, str) or typ.lower().removeprefix("application/") not in _CREDENTIAL_TYPS
    ):
        report.errors.append(f"typ {str(typ)[:40]!r} is not a credential JWT")
    if "crit" in header:
        report.errors.append("the header marks extensions as critical (crit); none are supported")
    return alg


def _key_fits(alg: str, key: PublicKey) -> str:
    """Why ``key`` cannot verify ``alg``, or "": the guard against algorithm/key confusion."""
    if alg == "EdDSA" and not isinstance(key, ed25519.Ed25519PublicKey):
        return f"alg EdDSA needs an Ed25519 key, the key is {type(key).__name__}"
    if alg == "RS256" and not isinstance(key, rsa.RSAPublicKey):
        return f"alg RS256 needs an RSA key, the key is {type(key).__name__}"
    if alg == "RS256" and isinstance(key, rsa.RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
        return f"the RSA key has {key.key_size} bits; RS256 needs at least {_MIN_RSA_BITS}"
    if alg == "ES256" and not (
        isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    ):
        return f"alg ES256 needs a P-256 key, the key is {type(key).__name__}"
    return ""


def _signature_valid(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """Check the signature with the verifier ``_key_fits`` has already matched to the alg."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            return verify_ed25519(key, signature, data)
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), SHA256())
            return True
        if len(signature) != 64:  # ES256 is r || s, 32 bytes each (RFC 7518 §3.4)
            return False
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(SHA256()))
        return True
    except InvalidSignature:
        return False


# --- claim checks (OB 3.0 §8.2.6.1 "Verify a Credential VC-JWT Signature") --------------------


def _check_id_claim(
    payload: Mapping[str, Any], claim: str, expected: list[str], what: str, report: _Report
) -> None:
    if claim not in payload:
        if expected:
            report.warnings.append(f"no {claim} claim, which OB 3.0 requires ({what})")
        return
    value = payload[claim]
    if not isinstance(value, str):
        report.errors.append(f"the {claim} claim is not a string")
    elif value not in expected:
        shown = expected[0] if expected else "nothing"
        report.errors.append(f"the {claim} claim {value[:80]!r} does not match {what} {shown!r}")


def _numeric(value: Any) -> float | None:
    """A NumericDate claim as a float, or None when it is not a finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _check_time_claim(
    payload: Mapping[str, Any], credential: Mapping[str, Any], start: bool, report: _Report
) -> float | None:
    claim = "nbf" if start else "exp"
    name = _date_field(credential, start)
    try:
        stated = _numeric_date(credential, start)
    except ProofError as error:
        report.errors.append(str(error))
        return None
    if claim not in payload:
        if stated is not None:
            report.warnings.append(f"no {claim} claim, which OB 3.0 requires when {name} is set")
        return None
    value = _numeric(payload[claim])
    if value is None:
        report.errors.append(f"the {claim} claim is not a NumericDate")
    elif stated is None:
        # exp "sets" validUntil (§8.2.6.1), so a missing validUntil is only worth a warning;
        # nbf "MUST equal" validFrom, so a missing validFrom is a mismatch.
        found = report.errors if start else report.warnings
        found.append(f"the {claim} claim is set but the credential has no {name}")
    elif abs(value - stated) >= 1:
        report.errors.append(f"the {claim} claim {_when(value)} does not match {name}")
    return value


def _one_line(message: str) -> str:
    # Messages quote kid, iss and other values an attacker chose: keep each to one short line.
    return " ".join(message.split())[:300]


def _when(value: float) -> str:
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(value)


def _check_claims(jwt: JwtCredential, now: dt.datetime | None, report: _Report) -> None:
    payload, credential = jwt.payload, jwt.credential
    issuer = _issuer_id(credential)
    _check_id_claim(payload, "iss", [issuer] if issuer else [], "issuer.id", report)
    cred_id = credential.get("id")
    _check_id_claim(payload, "jti", [cred_id] if isinstance(cred_id, str) else [], "id", report)
    _check_id_claim(payload, "sub", _subject_ids(credential), "credentialSubject.id", report)
    nbf = _check_time_claim(payload, credential, True, report)
    exp = _check_time_claim(payload, credential, False, report)
    if now is None:
        return
    moment = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).timestamp()
    if nbf is not None and nbf > moment:
        report.errors.append(f"not valid before {_when(nbf)} (nbf)")
    if exp is not None and exp <= moment:
        report.errors.append(f"expired at {_when(exp)} (exp)")


def verify_jwt(
    token: str,
    *,
    fetcher: Fetcher | None = None,
    now: dt.datetime | None = None,
    resolve_method: ResolveMethod | None = None,
) -> JwtVerification:
    """Verify a VC-JWT (OB 3.0 §8.2.6): syntax, header, key, signature, then claims.

    The key comes from ``kid`` (through ``resolve_method``, or DID/URL resolution with
    ``fetcher``; a relative kid is taken relative to ``iss``) or else from the ``jwk`` header.
    Never raises for bad input: every defect is a one-line entry in ``errors``.
    """
    try:
        jwt = decode_jwt(token)
    except ProofError as error:
        return JwtVerification(None, False, (str(error),), (), "", None)
    report = _Report()
    alg = _check_header(jwt.header, report)
    iss = jwt.payload.get("iss")
    issuer = iss if isinstance(iss, str) and iss else _issuer_id(jwt.credential)
    resolve = resolve_method or _default_resolver(fetcher)
    key_id, method, key = _find_key(jwt.header, issuer, resolve, report)
    signed = False
    if alg is not None and key is not None:
        misfit = _key_fits(alg, key)
        if misfit:
            report.errors.append(f"{misfit}: refused (algorithm/key confusion)")
        elif _signature_valid(key, jwt.signature, jwt.signing_input):
            signed = True
        else:
            report.errors.append(f"the {alg} signature does not verify with the key {key_id}")
    _check_claims(jwt, now, report)
    if "proof" in jwt.credential:
        report.warnings.append("the credential also carries an embedded proof, not checked here")
    verified = signed and not report.errors
    errors, warnings = tuple(map(_one_line, report.errors)), tuple(map(_one_line, report.warnings))
    return JwtVerification(jwt.credential, verified, errors, warnings, key_id, method)
