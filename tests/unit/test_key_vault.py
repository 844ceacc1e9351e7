"""Private keys at rest: AES-256-GCM sealing, parsing the KEK, and the generated key file.

The vault must never give back a secret under the wrong KEK or the wrong key id, must notice
any change to a sealed blob, and must never show its key material.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from credstack.domain.errors import InvalidInputError
from credstack.storage.key_vault import AesGcmKeyVault, load_or_create_key_file, parse_kek

# Bytes chosen so that the base64 and base64url spellings differ ('+/' against '-_').
KEK = bytes([251, 255, 190, *range(29)])
OTHER_KEK = bytes(range(100, 132))
SEED = bytes(range(32))
KEY_ID = "5f0c9a52-1d3e-4b8a-9e77-2a6c0f1d3b44"

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


# --- sealing ---------------------------------------------------------------------------------


def test_sealed_secret_opens_to_the_same_bytes() -> None:
    vault = AesGcmKeyVault(KEK)
    sealed = vault.seal(KEY_ID, SEED)
    assert AesGcmKeyVault(KEK).open(KEY_ID, sealed) == SEED


def test_sealed_secret_does_not_contain_the_secret() -> None:
    sealed = AesGcmKeyVault(KEK).seal(KEY_ID, SEED)
    assert SEED not in sealed
    assert SEED[:8] not in sealed


def test_sealing_twice_gives_different_blobs() -> None:
    # A fresh nonce per seal: equal blobs would mean a reused nonce, fatal for GCM.
    vault = AesGcmKeyVault(KEK)
    assert vault.seal(KEY_ID, SEED) != vault.seal(KEY_ID, SEED)


def test_wrong_kek_is_refused_naming_the_key_id() -> None:
    sealed = AesGcmKeyVault(KEK).seal(KEY_ID, SEED)
    with pytest.raises(InvalidInputError, match=KEY_ID) as caught:
        AesGcmKeyVault(OTHER_KEK).open(KEY_ID, sealed)
    assert "key-encryption key" in str(caught.value)


def test_secret_moved_to_another_key_id_does_not_open() -> None:
    vault = AesGcmKeyVault(KEK)
    sealed = vault.seal(KEY_ID, SEED)
    other_id = "0b7e4c1a-9f2d-4e6b-8a3c-5d1f7e9a2c60"
    with pytest.raises(InvalidInputError, match=other_id):
        vault.open(other_id, sealed)


@pytest.mark.parametrize(
    "position",
    [pytest.param(1, id="nonce"), pytest.param(20, id="ciphertext"), pytest.param(-1, id="tag")],
)
def test_any_changed_byte_is_refused(position: int) -> None:
    vault = AesGcmKeyVault(KEK)
    sealed = bytearray(vault.seal(KEY_ID, SEED))
    sealed[position] ^= 0x01
    with pytest.raises(InvalidInputError, match=KEY_ID):
        vault.open(KEY_ID, bytes(sealed))


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda blob: b"\x02" + blob[1:], id="unknown-version"),
        pytest.param(lambda blob: blob[:20], id="truncated"),
        pytest.param(lambda blob: b"", id="empty"),
    ],
)
def test_blob_in_an_unknown_format_is_refused(mangle: object) -> None:
    vault = AesGcmKeyVault(KEK)
    sealed = vault.seal(KEY_ID, SEED)
    with pytest.raises(InvalidInputError, match="format"):
        vault.open(KEY_ID, mangle(sealed))  # type: ignore[operator]


def test_repr_and_str_never_show_key_material() -> None:
    vault = AesGcmKeyVault(KEK)
    encodings = [
        KEK.hex(),
        base64.b64encode(KEK).decode(),
        base64.urlsafe_b64encode(KEK).decode().rstrip("="),
        repr(KEK),
    ]
    for text in (repr(vault), str(vault)):
        assert "hidden" in text
        for encoded in encodings:
            assert encoded not in text


def test_error_messages_never_show_key_material() -> None:
    sealed = AesGcmKeyVault(KEK).seal(KEY_ID, SEED)
    with pytest.raises(InvalidInputError) as caught:
        AesGcmKeyVault(OTHER_KEK).open(KEY_ID, sealed)
    message = str(caught.value)
    for secret in (KEK, OTHER_KEK, SEED):
        assert secret.hex() not in message
        assert base64.b64encode(secret).decode() not in message


# --- parse_kek -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.b64encode(KEK).decode(), id="base64"),
        pytest.param(base64.urlsafe_b64encode(KEK).decode(), id="base64url"),
        pytest.param(base64.urlsafe_b64encode(KEK).decode().rstrip("="), id="base64url-unpadded"),
        pytest.param(base64.b64encode(KEK).decode().rstrip("="), id="base64-unpadded"),
        pytest.param(f"  {base64.b64encode(KEK).decode()}\n", id="surrounding-whitespace"),
    ],
)
def test_parse_kek_accepts_32_bytes_in_base64_or_base64url(text: str) -> None:
    assert parse_kek(text) == KEK


def test_base64_spellings_of_this_kek_really_differ() -> None:
    # Guards the test above: with other bytes both spellings could be the same text.
    assert base64.b64encode(KEK) != base64.urlsafe_b64encode(KEK)


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33, 64])
def test_parse_kek_refuses_other_lengths_naming_the_length(length: int) -> None:
    text = base64.b64encode(bytes(length)).decode()
    with pytest.raises(InvalidInputError, match=f"32 bytes.*got {length} bytes"):
        parse_kek(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("abcde", id="impossible-length"),
        pytest.param("é" * 44, id="non-ascii"),
        pytest.param("this is not a key-encryption key!", id="prose"),
        pytest.param(KEK.hex(), id="hex"),
    ],
)
def test_parse_kek_refuses_text_that_is_not_base64_of_32_bytes(text: str) -> None:
    with pytest.raises(InvalidInputError, match="key-encryption key"):
        parse_kek(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(base64.b64encode(KEK).decode() + "!!", id="junk-after"),
        pytest.param("*" + base64.b64encode(KEK).decode(), id="junk-before"),
        pytest.param(
            base64.b64encode(KEK).decode()[:20] + "$" + base64.b64encode(KEK).decode()[20:],
            id="junk-inside",
        ),
    ],
)
def test_parse_kek_refuses_characters_outside_the_base64_alphabet(text: str) -> None:
    with pytest.raises(InvalidInputError, match="not base64"):
        parse_kek(text)


def test_parse_kek_error_does_not_echo_the_text() -> None:
    text = base64.b64encode(bytes(range(31))).decode()
    with pytest.raises(InvalidInputError) as caught:
        parse_kek(text)
    assert text not in str(caught.value)


# --- the generated key file ------------------------------------------------------------------


@posix_only
def test_key_file_is_created_owner_only_and_holds_a_usable_kek(tmp_path: Path) -> None:
    path = tmp_path / "key-encryption.key"
    kek = load_or_create_key_file(path)
    assert len(kek) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert parse_kek(path.read_text(encoding="ascii")) == kek


@posix_only
def test_key_file_is_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_or_create_key_file(tmp_path / "kek")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "kek").stat().st_mode) == 0o600


def test_existing_key_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    first = load_or_create_key_file(path)
    content = path.read_bytes()
    assert load_or_create_key_file(path) == first
    assert path.read_bytes() == content


def test_two_installations_get_different_keys(tmp_path: Path) -> None:
    assert load_or_create_key_file(tmp_path / "a") != load_or_create_key_file(tmp_path / "b")


def test_key_file_written_by_hand_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    path.write_text(base64.b64encode(KEK).decode() + "\n", encoding="ascii")
    path.chmod(0o600)
    assert load_or_create_key_file(path) == KEK


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek"
    load_or_create_key_file(path)
    content = path.read_bytes()
    path.chmod(mode)
    with pytest.raises(InvalidInputError, match="chmod 600") as caught:
        load_or_create_key_file(path)
    assert str(path) in str(caught.value)
    assert f"{mode:o}" in str(caught.value)
    assert path.read_bytes() == content  # refused, not "repaired" or replaced


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"hello, world\n", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(bytes(range(256)), id="binary"),
        pytest.param(base64.b64encode(bytes(16)) + b"\n", id="short-key"),
    ],
)
def test_key_file_with_garbage_is_refused_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kek"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(InvalidInputError, match="key file") as caught:
        load_or_create_key_file(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


def test_key_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "kek"
    with pytest.raises(InvalidInputError, match="cannot create key file"):
        load_or_create_key_file(path)
