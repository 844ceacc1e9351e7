"""The one error tree of the standards core.

Callers catch ``VCError`` to handle any failure of this package; the subclasses say which step
failed so that a verification report can name it. Every message is meant to be shown to a
person as it is.
"""

from __future__ import annotations

__all__ = [
    "BakingError",
    "CanonicalizationError",
    "ContextError",
    "DIDResolutionError",
    "FetchError",
    "KeyFormatError",
    "ProofError",
    "SafeModeError",
    "VCError",
]


class VCError(Exception):
    """Base class of every error the standards core raises on purpose."""


class ContextError(VCError):
    """A JSON-LD context is not bundled (and will not be fetched) or is malformed."""


class SafeModeError(VCError):
    """A term or type is not defined by the document's contexts, so signing it is unsafe."""


class CanonicalizationError(VCError):
    """The document cannot be turned into canonical form (bad JSON-LD, numbers JCS refuses)."""


class KeyFormatError(VCError):
    """A key, multibase or multicodec value is malformed or of an unsupported type."""


class DIDResolutionError(VCError):
    """A DID or verification method URL cannot be resolved to a key."""


class FetchError(VCError):
    """An injected fetcher could not get a document (network, timeout, size, status)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProofError(VCError):
    """A proof is malformed, unsupported, or does not verify."""


class BakingError(VCError):
    """An image cannot carry, or does not carry, a credential."""
