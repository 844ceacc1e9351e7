"""credstack's Bitstring Status Lists and Digital Bazaar's ``vc-bitstring-status-list`` agree.

Both directions, through ``vc_tool.mjs``:

* credstack publishes the lists (``status_list_credential`` + ``sign_credential``) and signs a
  credential with a revocation and a suspension entry; Node verifies it with
  ``vc.verifyCredential`` and the library's ``checkStatus``, which loads and verifies each list
  credential and reads the bit. A revoked or suspended credential must show up as such, an
  unsuspended one must pass again, the bits next to the credential's must not matter, and a
  list changed after signing must be refused.
* Node makes the lists (``createList`` / ``setStatus`` / ``createCredential``, signed with
  eddsa-rdfc-2022); credstack's ``decode_list`` finds the same bits, ``verify_proofs`` accepts
  the list's proof and ``check_status`` reads the entries.

The library's ``verified`` means "the credential and every list verified and the bits were
read"; a set bit is reported next to it, as ``status: true`` (``NodeStatusVerdict.accepted``
combines the two the way a relying party would).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from credstack.vc import MappingFetcher, Outcome, check_status, sign_credential, verify_proofs
from credstack.vc.status_list import (
    MIN_LIST_BITS,
    bit_is_set,
    decode_list,
    encode_list,
    set_bit,
    status_list_credential,
)
from tests.interop.test_node_interop import CREATED, SEED, issuer_key, ob_credential

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.interop.conftest import NodeStatusVerdict, NodeVC

pytestmark = pytest.mark.interop

REVOCATION_URL = "https://college.example/status/revocation/1"
SUSPENSION_URL = "https://college.example/status/suspension/1"
LIST_VALID_FROM = "2024-01-01T00:00:00Z"
# The first and last bits of the list, and one that is the last bit of its byte (94567 % 8 == 7)
# so that its neighbours fall in two different bytes.
INDEXES = [0, 94567, MIN_LIST_BITS - 1]


class CredstackList:
    """A status list the way an issuer keeps it: a bitstring, re-signed after every change."""

    def __init__(self, url: str, purpose: str) -> None:
        self.url = url
        self.purpose = purpose
        self.bits = bytearray(MIN_LIST_BITS // 8)

    def set(self, indexes: Iterable[int], value: bool = True) -> CredstackList:
        for index in indexes:
            set_bit(self.bits, index, value)
        return self

    def signed(self) -> dict[str, Any]:
        unsigned = status_list_credential(
            url=self.url,
            issuer=issuer_key().controller,
            purpose=self.purpose,
            bitstring=bytes(self.bits),
            valid_from=LIST_VALID_FROM,
        )
        return sign_credential(unsigned, issuer_key(), created=CREATED)


def status_entry(url: str, purpose: str, index: int) -> dict[str, str]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def credential_with_status(index: int) -> dict[str, Any]:
    """The OB 3.0 credential with a revocation and a suspension entry at ``index``, unsigned."""
    credential = ob_credential(issuer_key().controller)
    credential["credentialStatus"] = [
        status_entry(REVOCATION_URL, "revocation", index),
        status_entry(SUSPENSION_URL, "suspension", index),
    ]
    return credential


def signed_credential(index: int) -> dict[str, Any]:
    return sign_credential(credential_with_status(index), issuer_key(), created=CREATED)


def neighbours(index: int) -> list[int]:
    return [i for i in (index - 1, index + 1) if 0 <= i < MIN_LIST_BITS]


def set_indexes(bitstring: bytes) -> set[int]:
    """The positions of the set bits (bit 0 is the most significant bit of byte 0)."""
    return {
        byte_index * 8 + bit
        for byte_index, byte in enumerate(bitstring)
        if byte
        for bit in range(8)
        if byte & (0x80 >> bit)
    }


def assert_read(verdict: NodeStatusVerdict, revoked: bool, suspended: bool) -> None:
    assert verdict.verified, f"Node did not verify the credential or its lists: {verdict.error}"
    assert verdict.statuses == {"revocation": revoked, "suspension": suspended}
    assert verdict.accepted is not (revoked or suspended)


# (1) credstack publishes, Node reads.
@pytest.mark.parametrize("index", INDEXES)
def test_node_reads_credstack_revocation(node_vc: NodeVC, index: int) -> None:
    revocation = CredstackList(REVOCATION_URL, "revocation")
    suspension = CredstackList(SUSPENSION_URL, "suspension")
    credential = signed_credential(index)

    active = node_vc.status_check(credential, revocation.signed(), suspension.signed())
    assert_read(active, revoked=False, suspended=False)

    # Revoking the neighbours does not revoke this credential ...
    revocation.set(neighbours(index))
    beside = node_vc.status_check(credential, revocation.signed(), suspension.signed())
    assert_read(beside, revoked=False, suspended=False)

    # ... and revoking this credential does not revoke its neighbours.
    revocation.set(neighbours(index), False).set([index])
    revoked_list = revocation.signed()
    revoked = node_vc.status_check(credential, revoked_list, suspension.signed())
    assert_read(revoked, revoked=True, suspended=False)
    for other in neighbours(index):
        verdict = node_vc.status_check(signed_credential(other), revoked_list, suspension.signed())
        assert_read(verdict, revoked=False, suspended=False)


@pytest.mark.parametrize("index", INDEXES)
def test_node_reads_credstack_suspension(node_vc: NodeVC, index: int) -> None:
    revocation = CredstackList(REVOCATION_URL, "revocation")
    # The neighbours stay suspended throughout; only this credential's bit changes.
    suspension = CredstackList(SUSPENSION_URL, "suspension").set(neighbours(index))
    credential = signed_credential(index)

    active = node_vc.status_check(credential, revocation.signed(), suspension.signed())
    assert_read(active, revoked=False, suspended=False)

    suspension.set([index])
    suspended = node_vc.status_check(credential, revocation.signed(), suspension.signed())
    assert_read(suspended, revoked=False, suspended=True)

    suspension.set([index], False)
    unsuspended = node_vc.status_check(credential, revocation.signed(), suspension.signed())
    assert_read(unsuspended, revoked=False, suspended=False)


@pytest.mark.parametrize(
    ("signed_bit", "forged_bit"),
    [
        pytest.param(False, True, id="revoked-after-signing"),
        pytest.param(True, False, id="un-revoked"),
    ],
)
def test_list_changed_after_signing_is_refused(
    node_vc: NodeVC, signed_bit: bool, forged_bit: bool
) -> None:
    index = 94567
    revocation = CredstackList(REVOCATION_URL, "revocation").set([index], signed_bit)
    suspension = CredstackList(SUSPENSION_URL, "suspension")
    credential = signed_credential(index)
    forged = revocation.signed()
    assert node_vc.status_check(credential, forged, suspension.signed()).verified, "precondition"
    revocation.set([index], forged_bit)
    forged["credentialSubject"]["encodedList"] = encode_list(bytes(revocation.bits))

    verdict = node_vc.status_check(credential, forged, suspension.signed())
    outcome, message = check_status(
        credential["credentialStatus"][0], credential, MappingFetcher({REVOCATION_URL: forged})
    )

    assert not verdict.verified
    assert verdict.status is None
    assert verdict.error is not None
    assert '"BitstringStatusListCredential" not verified' in verdict.error
    assert outcome is Outcome.FAILED
    assert "signature does not verify" in message


# (2) Node publishes, credstack reads.
NODE_SET = [0, 7, 8, 94567, MIN_LIST_BITS - 1]
NODE_CLEAR = [1, 6, 9, 94566, 94568, MIN_LIST_BITS - 2]


@pytest.fixture(scope="module")
def node_lists(node_vc: NodeVC) -> dict[str, dict[str, Any]]:
    """A revocation and a suspension list made and signed by Node, ``NODE_SET`` set."""
    return {
        purpose: node_vc.status_create(
            SEED, url, purpose, NODE_SET, created=CREATED, valid_from=LIST_VALID_FROM
        )
        for purpose, url in (("revocation", REVOCATION_URL), ("suspension", SUSPENSION_URL))
    }


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_credstack_decodes_node_list(node_lists: dict[str, dict[str, Any]], purpose: str) -> None:
    listing = node_lists[purpose]
    subject = listing["credentialSubject"]
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == purpose

    bits = decode_list(subject["encodedList"])

    assert len(bits) * 8 == MIN_LIST_BITS
    assert set_indexes(bits) == set(NODE_SET)
    assert all(bit_is_set(bits, i) for i in NODE_SET)
    assert not any(bit_is_set(bits, i) for i in NODE_CLEAR)


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_credstack_verifies_node_list_proof(
    node_lists: dict[str, dict[str, Any]], purpose: str
) -> None:
    results = verify_proofs(node_lists[purpose])

    assert [r.verified for r in results] == [True], results[0].message
    assert results[0].method is not None
    assert results[0].method.id == issuer_key().id


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
@pytest.mark.parametrize(
    ("index", "expected"),
    [(i, Outcome.FAILED) for i in NODE_SET] + [(i, Outcome.PASSED) for i in NODE_CLEAR],
)
def test_credstack_checks_status_on_node_list(
    node_lists: dict[str, dict[str, Any]], purpose: str, index: int, expected: Outcome
) -> None:
    url = REVOCATION_URL if purpose == "revocation" else SUSPENSION_URL
    entry = status_entry(url, purpose, index)
    credential = ob_credential(issuer_key().controller)
    credential["credentialStatus"] = entry
    fetcher = MappingFetcher({url: node_lists[purpose]})

    outcome, message = check_status(entry, credential, fetcher)

    assert outcome is expected, message
    assert fetcher.requests == [url]


def test_node_and_credstack_read_node_lists_alike(
    node_vc: NodeVC, node_lists: dict[str, dict[str, Any]]
) -> None:
    """The Node lists mean to Node what they mean to credstack (so (2) tests the bits, not a
    misunderstanding of status-create): a credstack credential at a set index is revoked and
    suspended for both."""
    credential = signed_credential(94567)
    lists = node_lists["revocation"], node_lists["suspension"]
    fetcher = MappingFetcher({x["id"]: x for x in lists})

    verdict = node_vc.status_check(credential, *lists)
    outcomes = [check_status(e, credential, fetcher)[0] for e in credential["credentialStatus"]]

    assert_read(verdict, revoked=True, suspended=True)
    assert outcomes == [Outcome.FAILED, Outcome.FAILED]


def test_list_from_another_issuer_is_refused(node_vc: NodeVC) -> None:
    other = issuer_key(bytes(32))
    unsigned = status_list_credential(
        url=REVOCATION_URL,
        issuer=other.controller,
        purpose="revocation",
        bitstring=bytes(MIN_LIST_BITS // 8),
        valid_from=LIST_VALID_FROM,
    )
    foreign = sign_credential(unsigned, other, created=CREATED)
    suspension = CredstackList(SUSPENSION_URL, "suspension").signed()
    credential = signed_credential(94567)

    verdict = node_vc.status_check(credential, foreign, suspension)
    outcome, message = check_status(
        credential["credentialStatus"][0], credential, MappingFetcher({REVOCATION_URL: foreign})
    )

    assert not verdict.verified
    assert verdict.error == (
        "Issuers of the status list credential and verifiable credential do not match."
    )
    assert outcome is Outcome.FAILED
    assert "someone other than the credential's issuer" in message
