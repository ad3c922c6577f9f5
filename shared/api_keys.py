"""Operator API keys: how one is made, recognised and checked. Pure, so the API and any
tool share one definition.

A key reads ``csms_<id>_<secret>``: the id finds its record by ``_id`` (the one lookup
FerretDB v1 answers from an index), the secret is 192 random bits. The store keeps only
SHA-256 of the whole key. A fast hash is enough here, unlike for passwords: nobody can
guess 192 random bits, so slowing each guess down would protect nothing, and it keeps the
check on every request in microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from shared import names

PREFIX = "csms_"
_KEY = re.compile(r"csms_([0-9a-f]{16})_[A-Za-z0-9_-]{32}")
RANK = {role: rank for rank, role in enumerate(names.ROLES)}
# The admin key the API creates on its first start has this fixed id, so that replicas
# starting together create one between them (the store refuses a second ``_id``).
BOOTSTRAP_ID = "0" * 16
ENV_ID = "env"  # API_ADMIN_KEY: never stored, checked against the setting


def new_key(identifier: str | None = None) -> tuple[str, str]:
    """A fresh ``(id, key)``; the id is random unless given."""
    identifier = identifier or secrets.token_hex(8)
    return identifier, f"{PREFIX}{identifier}_{secrets.token_urlsafe(24)}"


def key_id(key: str) -> str | None:
    """The id a presented key claims, or None if it is not shaped like one of ours."""
    match = _KEY.fullmatch(key)
    return match.group(1) if match else None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(key), stored_digest)


def same_secret(presented: str, configured: str) -> bool:
    """Constant-time comparison with API_ADMIN_KEY (both hashed first, so their lengths do
    not leak either)."""
    return bool(configured) and hmac.compare_digest(digest(presented), digest(configured))


def allows(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may: each role includes the ones before it."""
    return RANK.get(role, -1) >= RANK[needed]


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
