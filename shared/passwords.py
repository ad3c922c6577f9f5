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
