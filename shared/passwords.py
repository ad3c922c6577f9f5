"""Station passwords (security profiles 1 and 2): salted scrypt, constant-time compare.

The stored form is self-describing (``scrypt$n$r$p$salt$hash``) so the cost can be raised
later without invalidating existing hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

# OCPP 2.0.1 part 2, SecurityCtrlr.BasicAuthPassword: passwordString, 16 to 40 characters
# (issue #5 allows up to 64) from this alphabet.
PASSWORD_PATTERN = re.compile(r"^[A-Za-z0-9*\-_=:+|@.]{16,64}\Z")

_N, _R, _P = 2**14, 8, 1


def is_acceptable(password: str) -> bool:
    return bool(PASSWORD_PATTERN.fullmatch(password))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
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
