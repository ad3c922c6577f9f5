"""shared.passwords: salted scrypt hashes of station passwords."""

from __future__ import annotations

import base64
import hashlib

import pytest

from shared.passwords import VerifiedPasswords, hash_password, is_acceptable, verify_password

PASSWORD = "Test-Password-0123456789"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_hash_has_the_self_describing_scrypt_form(stored: str) -> None:
    scheme, n, r, p, salt, digest = stored.split("$")

    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt, validate=True)) == 16
    assert len(base64.b64decode(digest, validate=True)) == 32


def test_hash_is_scrypt_of_the_password_with_the_stored_salt(stored: str) -> None:
    _scheme, _n, _r, _p, salt, digest = stored.split("$")

    expected = hashlib.scrypt(
        PASSWORD.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1, dklen=32
    )

    assert base64.b64decode(digest) == expected


def test_hash_does_not_contain_the_password(stored: str) -> None:
    assert PASSWORD not in stored


def test_same_password_hashes_differently_each_time(stored: str) -> None:
    again = hash_password(PASSWORD)

    assert again != stored
    assert again.split("$")[4] != stored.split("$")[4]
    assert verify_password(PASSWORD, again)


def test_right_password_verifies(stored: str) -> None:
    assert verify_password(PASSWORD, stored) is True


@pytest.mark.parametrize(
    "attempt",
    [PASSWORD.lower(), PASSWORD + "x", PASSWORD[:-1], "", " " + PASSWORD],
    ids=["case", "longer", "shorter", "empty", "leading-space"],
)
def test_wrong_password_does_not_verify(stored: str, attempt: str) -> None:
    assert verify_password(attempt, stored) is False


def test_hash_made_with_other_cost_parameters_still_verifies() -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**10, r=4, p=2, dklen=24)
    stored = (
        f"scrypt$1024$4$2${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )

    assert verify_password(PASSWORD, stored) is True
    assert verify_password(PASSWORD + "!", stored) is False


def test_non_ascii_password_round_trips() -> None:
    stored = hash_password("pässwörd-ünïcode-✓")

    assert verify_password("pässwörd-ünïcode-✓", stored) is True
    assert verify_password("passwords-unicode-", stored) is False


@pytest.mark.parametrize(
    "broken",
    [
        "",
        "plaintext",
        "scrypt$16384$8$1$c2FsdA==",
        "scrypt$16384$8$1$c2FsdA==$AAAA$extra",
        "scrypt$many$8$1$c2FsdA==$AAAA",
        "scrypt$3$8$1$c2FsdA==$AAAA",
        "scrypt$16384$8$1$c2FsdA==$",
        "scrypt$16384$8$1$c2FsdA==$AAA",
        "scrypt$16384$8$1$c2FsdA==$!!!!",
    ],
    ids=[
        "empty",
        "no-fields",
        "five-fields",
        "seven-fields",
        "non-numeric-n",
        "n-not-power-of-two",
        "empty-digest",
        "bad-padding",
        "non-base64-digest",
    ],
)
def test_malformed_stored_hash_does_not_verify_and_does_not_raise(broken: str) -> None:
    assert verify_password(PASSWORD, broken) is False


def test_other_scheme_does_not_verify_even_with_a_matching_digest(stored: str) -> None:
    assert verify_password(PASSWORD, "bcrypt" + stored.removeprefix("scrypt")) is False


@pytest.mark.parametrize(
    "password",
    [
        "a" * 16,
        "b" * 64,
        PASSWORD,
        "AZaz09*-_=:+|@.Z",
    ],
    ids=["16-chars", "64-chars", "typical", "every-symbol"],
)
def test_password_string_of_16_to_64_allowed_characters_is_acceptable(password: str) -> None:
    assert is_acceptable(password) is True


@pytest.mark.parametrize(
    "password",
    [
        "",
        "a" * 15,
        "b" * 65,
        "sixteen chars ok",
        "Password$0123456789",
        "Pässword-0123456789",
        "Password/0123456789",
    ],
    ids=["empty", "15-chars", "65-chars", "space", "dollar", "non-ascii", "slash"],
)
def test_other_passwords_are_not_acceptable(password: str) -> None:
    assert is_acceptable(password) is False


def test_password_with_trailing_newline_is_not_acceptable() -> None:
    assert is_acceptable(PASSWORD + "\n") is False


def test_verified_password_is_known_only_for_the_same_password_and_stored_hash() -> None:
    cache = VerifiedPasswords()
    cache.remember("right-password-0001", "hash-A")
    assert cache.known("right-password-0001", "hash-A")
    assert not cache.known("wrong-password-0001", "hash-A")
    assert not cache.known("right-password-0001", "hash-B"), "a rotated password's new hash"


def test_verified_passwords_forget_the_oldest_beyond_their_size() -> None:
    cache = VerifiedPasswords(max_entries=2)
    for stored in ("h1", "h2", "h3"):
        cache.remember("pw-0123456789abcdef", stored)
    assert not cache.known("pw-0123456789abcdef", "h1")
    assert cache.known("pw-0123456789abcdef", "h2") and cache.known("pw-0123456789abcdef", "h3")
