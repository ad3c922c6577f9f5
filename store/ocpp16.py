"""``ocpp16_numbers``: the numbers the CSMS gives 1.6 messages, once per message.

OCPP 1.6 has the CSMS allocate each transaction's integer ``transactionId`` (answered to
StartTransaction), and its StopTransaction and MeterValues carry no sequence number, which
the 2.0.1 domain orders a transaction's events by. A redelivered message, or one the
station sends again after a reconnect because it had no answer, must get the number its
first delivery got, so each is kept under the message's id and a fingerprint of its
payload: many chargers count message ids from 1 again after a reboot, and a new message
under an old id must not get the old message's transactionId. The per-station counters are
written by one writer at a time, as a station's CALLs are handled one after the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import insert_once, upsert


def message_key(station: str, message_id: str, payload: dict[str, Any]) -> str:
    """One message, however often delivered or resent: its id and what it says."""
    digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"{station}/{message_id}/{digest[:16]}"


async def once(
    db: AsyncDatabase[Any],
    station: str,
    message_id: str,
    payload: dict[str, Any],
    compute: Callable[[], Awaitable[int]],
) -> int:
    """The number this message was given, computing (and keeping) one the first time.

    Computed before looking: the first delivery, nearly every message, then costs one
    insert and no read. A message delivered again computes a number it does not keep (a
    transactionId is skipped, never given twice) and reads the one it was given."""
    key = message_key(station, message_id, payload)
    number = await compute()
    if await insert_once(db, names.OCPP16_NUMBERS, {"_id": key, "number": number}):
        return number
    kept = await db[names.OCPP16_NUMBERS].find_one({"_id": key})
    assert kept is not None
    return int(kept["number"])


async def next_transaction_id(db: AsyncDatabase[Any], station: str) -> int:
    """The station's next transactionId, from 1. Its counter's ``_id`` is the station id
    alone: a message's has a '/', which a station id never holds."""
    key = station
    doc = await db[names.OCPP16_NUMBERS].find_one({"_id": key})
    number = int(doc["number"]) + 1 if doc is not None else 1
    await upsert(db, names.OCPP16_NUMBERS, {"_id": key}, {"$set": {"number": number}})
    return number
