"""Keeps ``stations.connection`` in step with the gateways' connect/disconnect events.

The presence queue has a single active consumer, so events arrive in order; a disconnect
clears the connection only if it is still the one that connected, so the late
disconnect of a replaced connection does not mark the station offline.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from .store import stations

log = logging.getLogger("workers.presence")


async def apply(db: AsyncDatabase[Any], routing_key: str, body: bytes) -> None:
    event = orjson.loads(body)
    station, connection = event["station"], event["connection"]
    if routing_key.startswith(names.EVENT_STATION_CONNECTED + "."):
        await stations.set_connected(
            db, station, connection, event.get("gateway", ""), event.get("remote", "")
        )
    elif routing_key.startswith(names.EVENT_STATION_DISCONNECTED + "."):
        await stations.set_disconnected(db, station, connection)
