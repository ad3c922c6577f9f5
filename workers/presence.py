"""Keeps each station's ``presence`` document in step with the gateways' events.

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
from shared.events import utc_now
from store import presence

log = logging.getLogger("workers.presence")


async def apply(db: AsyncDatabase[Any], routing_key: str, body: bytes) -> None:
    event = orjson.loads(body)
    station, connection = event["station"], event["connection"]
    if routing_key.startswith(names.EVENT_STATION_CONNECTED + "."):
        await presence.connected(
            db,
            station,
            {
                "id": connection,
                "gateway": event.get("gateway", ""),
                "remote": event.get("remote", ""),
                # A gateway that predates negotiation spoke 2.0.1 only.
                "ocppVersion": event.get("ocppVersion", names.OCPP201),
                "since": utc_now(),
            },
        )
    elif routing_key.startswith(names.EVENT_STATION_DISCONNECTED + "."):
        await presence.disconnected(db, station, connection, utc_now())
