"""Station passwords (security profiles 1 and 2): how they are stored and checked.

Two stored forms, both self-describing so that either can evolve without invalidating what
is stored:

- ``scrypt$n$r$p$salt$hash`` for passwords an operator chose. A person's password may be
  guessable, so it costs ~40 ms of CPU per check (and per guess of someone who stole the
  database).
- ``hmac-sha256$keyid$salt$digest`` for passwords the CSMS generated itself (at least 128
  random bits), where digest = HMAC-SHA256(key, salt || password) under the server-side key
  ``STATION_PASSWORD_KEY``. No amount of guessing finds such a password, so its check may
  cost microseconds: a cold reconnect storm of thousands of stations is bounded by the
  network, not by scrypt. Without the key, the database alone reveals nothing about these
  passwords; ``keyid`` names the key a verifier was made with, so a changed key is detected
  and reported instead of looking like thousands of wrong passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import re
import secrets
import string

from shared.config import Settings

# OCPP 2.0.1 part 2, SecurityCtrlr.BasicAuthPassword: passwordString, 16 to 40 characters
# (issue #5 allows up to 64) from this alphabet.
ALPHABET = string.ascii_letters + string.digits + "*-_=:+|@."
PASSWORD_PATTERN = re.compile(f"^[{re.escape(ALPHABET)}]{{16,64}}\\Z")

# Generated passwords: 32 characters of the 71 above are 196 random bits, above the 128
# the design asks for, and within the station's own limit of 40 characters.
GENERATED_LENGTH = 32
GENERATED_BITS = GENERATED_LENGTH * math.log2(len(ALPHABET))

SCRYPT = "scrypt"
KEYED = "hmac-sha256"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16

NO_KEY_WARNING = (
    "STATION_PASSWORD_KEY is not set: generated station passwords are stored as scrypt, so a "
    "cold reconnect storm is bound by scrypt (~40 ms CPU per station)"
)


def is_acceptable(password: str) -> bool:
    return bool(PASSWORD_PATTERN.fullmatch(password))


def generate_password() -> str:
    """A fresh random BasicAuthPassword (A01 errata: randomly chosen, 16+ characters)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key: enough to tell keys apart, nothing to attack."""
    return hashlib.sha256(key).hexdigest()[:8]


class PasswordKeys:
    """The server-side key for ``hmac-sha256`` verifiers, and optionally the previous one.

    ``current`` makes new verifiers; verifiers made with ``previous`` still verify, so the
    key can be changed without locking out stations whose passwords were generated before
    (README, Security). Empty ``current``: no keyed verifiers are made or accepted.
    """

    def __init__(self, current: bytes = b"", previous: bytes = b"") -> None:
        self.current = current
        self._by_id = {key_id(k): k for k in (previous, current) if k}
        if previous and current and previous != current and len(self._by_id) < 2:
            raise ValueError("the current and previous keys have the same key id")

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordKeys:
        """The keys the API and the workers share (``STATION_PASSWORD_KEY`` and previous)."""
        return cls(settings.station_password_key, settings.station_password_key_previous)

    def __repr__(self) -> str:  # never the keys themselves
        return f"PasswordKeys(ids={sorted(self._by_id)})"

    @property
    def configured(self) -> bool:
        return bool(self.current)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_id))

    def get(self, identifier: str) -> bytes | None:
        return self._by_id.get(identifier)


def scheme_of(stored: str) -> str:
    return stored.partition("$")[0]


def stored_key_id(stored: str) -> str | None:
    """The key id of an ``hmac-sha256`` verifier, else None."""
    parts = stored.split("$")
    return parts[1] if len(parts) == 4 and parts[0] == KEYED else None


def hash_password(password: str) -> str:
    """The scrypt form: for passwords a person chose (or any, when no key is configured)."""
    salt = os.urandom(_SALT_BYTES)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{SCRYPT}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def _keyed_digest(key: bytes, salt: bytes, password: str) -> bytes:
    return hmac.new(key, salt + password.encode(), hashlib.sha256).digest()


def keyed_verifier(password: str, keys: PasswordKeys) -> str:
    """The ``hmac-sha256`` form under the current key: only for generated passwords, whose
    randomness (not the hash's cost) is what protects them."""
    if not keys.configured:
        raise ValueError("no STATION_PASSWORD_KEY configured")
    salt = os.urandom(_SALT_BYTES)
    digest = _keyed_digest(keys.current, salt, password)
    return f"{KEYED}${key_id(keys.current)}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str, keys: PasswordKeys | None = None) -> bool:
    """Whether ``password`` matches ``stored``, by the stored scheme; False for anything
    malformed, and for a keyed verifier whose key is not in ``keys``.

    A keyed check costs microseconds and may run on the event loop; a scrypt check costs
    ~40 ms of CPU and belongs in a thread.
    """
    scheme = scheme_of(stored)
    if scheme == KEYED:
        return _verify_keyed(password, stored, keys or PasswordKeys())
    if scheme == SCRYPT:
        return _verify_scrypt(password, stored)
    return False


def _verify_keyed(password: str, stored: str, keys: PasswordKeys) -> bool:
    try:
        _scheme, identifier, salt, digest = stored.split("$")
        key = keys.get(identifier)
        if key is None:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _keyed_digest(key, base64.b64decode(salt, validate=True), password)
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class VerifiedPasswords:
    """Passwords that already passed scrypt, remembered in this process's memory only.

    A reconnect storm after a network outage is every station presenting the password it
    presented before; at ~40 ms of CPU per scrypt check, 5,000 stations are 200 CPU-seconds.
    This remembers an HMAC of each accepted password under a random per-process key, indexed
    by the stored hash it matched, so a repeat costs one HMAC. Rotating a password changes the
    stored hash, which retires the entry; wrong passwords are never remembered, so guessing
    still pays the full scrypt price, and nothing here is usable outside this process.
    Keyed (``hmac-sha256``) verifiers need none of this: they are that cheap already.
    """

    def __init__(self, max_entries: int = 200_000):
        self._key = os.urandom(32)
        self._tags: dict[str, bytes] = {}
        self.max_entries = max_entries

    def _tag(self, password: str) -> bytes:
        return hmac.new(self._key, password.encode(), hashlib.sha256).digest()

    def known(self, password: str, stored: str) -> bool:
        tag = self._tags.get(stored)
        return tag is not None and hmac.compare_digest(tag, self._tag(password))

    def remember(self, password: str, stored: str) -> None:
        if len(self._tags) >= self.max_entries:
            del self._tags[next(iter(self._tags))]  # the oldest entry
        self._tags[stored] = self._tag(password)
