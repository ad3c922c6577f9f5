"""How the API stores a station password: one decision for registration and rotation.

A password the CSMS generated is 196 random bits, so a keyed HMAC verifier protects it as
well as any hash could, and the workers check it in microseconds. A password an operator
chose may be guessable, so it stays scrypt. Without ``STATION_PASSWORD_KEY`` generated
passwords fall back to scrypt: everything works, but a cold reconnect storm is scrypt-bound.
"""

from __future__ import annotations

import asyncio

from shared.passwords import PasswordKeys, hash_password, keyed_verifier


async def verifier(password: str, generated: bool, keys: PasswordKeys) -> str:
    """What to store for ``password``: keyed if generated and a key is set, else scrypt
    (in a thread: ~40 ms of CPU)."""
    if generated and keys.configured:
        return keyed_verifier(password, keys)
    return await asyncio.to_thread(hash_password, password)
