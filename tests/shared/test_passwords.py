"""shared.passwords: scrypt hashes and keyed (hmac-sha256) verifiers of station passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time

import pytest

from shared import passwords
from shared.passwords import (
    ALPHABET,
    GENERATED_BITS,
    GENERATED_LENGTH,
    PasswordKeys,
    VerifiedPasswords,
    generate_password,
    hash_password,
    is_acceptable,
    key_id,
    keyed_verifier,
    stored_key_id,
    verify_password,
)

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


# --------------------------------------------------------------------------- keyed verifiers

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
GENERATED = "Generated-Password-0123456789abc"


def test_keyed_verifier_has_the_self_describing_form_and_names_its_key() -> None:
    stored = keyed_verifier(GENERATED, PasswordKeys(KEY))
    scheme, identifier, salt, digest = stored.split("$")

    assert scheme == "hmac-sha256"
    assert identifier == hashlib.sha256(KEY).hexdigest()[:8] == key_id(KEY)
    assert len(base64.b64decode(salt, validate=True)) == 16
    expected = hmac.new(KEY, base64.b64decode(salt) + GENERATED.encode(), "sha256").digest()
    assert base64.b64decode(digest, validate=True) == expected
    assert GENERATED not in stored


def test_keyed_verifier_round_trips_and_refuses_other_passwords() -> None:
    keys = PasswordKeys(KEY)
    stored = keyed_verifier(GENERATED, keys)

    assert verify_password(GENERATED, stored, keys) is True
    for attempt in (GENERATED[:-1], GENERATED + "x", GENERATED.lower(), ""):
        assert verify_password(attempt, stored, keys) is False
    assert keyed_verifier(GENERATED, keys) != stored, "salted: same password, new verifier"


def test_keyed_verifier_of_another_key_is_refused_even_with_the_right_password() -> None:
    stored = keyed_verifier(GENERATED, PasswordKeys(KEY))

    assert verify_password(GENERATED, stored, PasswordKeys(OTHER_KEY)) is False
    assert verify_password(GENERATED, stored, PasswordKeys()) is False
    assert verify_password(GENERATED, stored) is False, "no keys given: none known"


def test_a_forged_key_id_does_not_make_another_key_verify() -> None:
    """The key id only picks the key; the digest must still be the key's."""
    made_with_other = keyed_verifier(GENERATED, PasswordKeys(OTHER_KEY))
    relabelled = made_with_other.replace(key_id(OTHER_KEY), key_id(KEY))

    assert verify_password(GENERATED, relabelled, PasswordKeys(KEY)) is False


def test_verifiers_of_the_previous_key_still_verify_and_new_ones_use_the_current() -> None:
    old = keyed_verifier(GENERATED, PasswordKeys(OTHER_KEY))
    keys = PasswordKeys(KEY, previous=OTHER_KEY)

    assert verify_password(GENERATED, old, keys) is True
    assert stored_key_id(keyed_verifier(GENERATED, keys)) == key_id(KEY)
    assert keys.ids == tuple(sorted((key_id(KEY), key_id(OTHER_KEY))))


def test_keys_are_never_in_their_repr() -> None:
    text = repr(PasswordKeys(KEY, OTHER_KEY))
    assert KEY.hex() not in text and str(KEY) not in text and key_id(KEY) in text


def test_no_keyed_verifier_without_a_key() -> None:
    with pytest.raises(ValueError):
        keyed_verifier(GENERATED, PasswordKeys())


@pytest.mark.parametrize(
    "broken",
    [
        "hmac-sha256",
        "hmac-sha256$KEYID$c2FsdA==",
        "hmac-sha256$KEYID$c2FsdA==$AAAA$extra",
        "hmac-sha256$KEYID$!!!!$AAAA",
        "hmac-sha256$KEYID$c2FsdA==$AAA",
        "hmac-sha256$KEYID$c2FsdA==$",
        "hmac-sha256$KEYID$c2FsdA==$AAAA",
        "hmac-sha256$deadbeef$c2FsdA==$AAAA",
    ],
    ids=[
        "scheme-only",
        "three-fields",
        "five-fields",
        "bad-salt",
        "bad-padding",
        "empty-digest",
        "short-digest",
        "unknown-key-id",
    ],
)
def test_malformed_keyed_verifier_does_not_verify_and_does_not_raise(broken: str) -> None:
    broken = broken.replace("KEYID", key_id(KEY))
    assert verify_password(GENERATED, broken, PasswordKeys(KEY)) is False


def test_keyed_check_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = PasswordKeys(KEY)
    stored = keyed_verifier(GENERATED, keys)
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passwords.hmac, "compare_digest", spy)

    assert verify_password(GENERATED, stored, keys) is True
    assert verify_password(GENERATED + "x", stored, keys) is False
    assert len(compared) == 2 and all(len(a) == len(b) == 32 for a, b in compared)


def test_keyed_check_costs_a_small_fraction_of_a_scrypt_check() -> None:
    """What the storm needs: 1,000 keyed checks take less time than two scrypt checks."""
    keys = PasswordKeys(KEY)
    stored = keyed_verifier(GENERATED, keys)
    started = time.perf_counter()
    hash_password(GENERATED)
    hash_password(GENERATED)
    two_scrypts = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        assert verify_password(GENERATED, stored, keys)
    assert time.perf_counter() - started < two_scrypts


def test_the_key_id_of_a_stored_value() -> None:
    stored = keyed_verifier(GENERATED, PasswordKeys(KEY))
    assert stored_key_id(stored) == key_id(KEY)
    assert stored_key_id(hash_password(GENERATED)) is None
    assert stored_key_id("hmac-sha256$x$y") is None


def test_the_same_key_as_current_and_previous_is_harmless() -> None:
    assert PasswordKeys(KEY, KEY).ids == (key_id(KEY),)


def test_generated_passwords_are_random_acceptable_and_128_bits_or_more() -> None:
    made = {generate_password() for _ in range(200)}

    assert len(made) == 200
    assert all(is_acceptable(p) and 16 <= len(p) <= 40 for p in made), "BasicAuthPassword"
    assert GENERATED_BITS == GENERATED_LENGTH * math.log2(len(set(ALPHABET)))
    assert GENERATED_BITS >= 128
    # Every symbol of the alphabet turns up: the entropy counted above is really drawn on.
    assert set("".join(made)) == set(ALPHABET)
