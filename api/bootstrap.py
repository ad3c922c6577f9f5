"""What the API sets up at start: the first admin key, so a fresh deployment can be
operated without a manual step, and documents an older version of the store lacks.

With API_ADMIN_KEY set nothing is created: that key is the way in. Otherwise, when the
store holds no API key at all, the API creates one admin key and prints it once on its
standard output (not in the JSON logs, which are often shipped elsewhere).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from pymongo.asynchronous.database import AsyncDatabase

from shared import api_keys, names
from shared.config import Settings
from store import api_keys as key_store
from store import local_lists

log = logging.getLogger("api.bootstrap")


async def first_admin_key(
    db: AsyncDatabase[Any], settings: Settings, out: TextIO = sys.stdout
) -> str | None:
    """The key created now, or None when there was no need (or another replica did it)."""
    if settings.api_admin_key:
        return None
    if await key_store.list_all(db, 1, 0):
        return None
    identifier, key = api_keys.new_key(api_keys.BOOTSTRAP_ID)
    digest = api_keys.digest(key)
    if not await key_store.create(
        db, identifier, digest, "bootstrap admin", names.ROLE_ADMIN, None
    ):
        return None
    print(
        "\n  Operator API admin key (shown once, stored only as a hash):\n"
        f"    {key}\n"
        "  Use it as:  Authorization: Bearer <key>   Create keys with roles at "
        "POST /api/v1/api-keys, then revoke this one.\n",
        file=out,
        flush=True,
    )
    log.warning(
        "created the first admin API key and printed it on standard output once",
        extra={"keyId": identifier},
    )
    return key


async def local_list_members(db: AsyncDatabase[Any]) -> None:
    """Lists written before ``local_list_members`` existed get their member documents."""
    added = await local_lists.backfill_members(db)
    if added:
        log.info("local list members backfilled", extra={"stations": added})
