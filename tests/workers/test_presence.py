"""workers.presence against the real store: a station.connected event's negotiated version
is kept with the connection; an event from a gateway that predates negotiation meant 2.0.1."""

from __future__ import annotations

import uuid

import orjson
import pytest

from shared import names
from store import presence
from workers.presence import apply


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"ocppVersion": "ocpp1.6"}, "ocpp1.6"),
        ({"ocppVersion": "ocpp2.1"}, "ocpp2.1"),
        ({}, "ocpp2.0.1"),
    ],
)
async def test_the_connection_keeps_the_negotiated_version(db, fields, stored):
    station = f"PR-{uuid.uuid4().hex[:8]}"
    event = {"station": station, "connection": "c1", "gateway": "g1", "remote": "r", **fields}

    await apply(db, names.event_key(names.EVENT_STATION_CONNECTED, station), orjson.dumps(event))

    connection = (await presence.get(db, station))["connection"]
    assert connection["id"] == "c1" and connection["ocppVersion"] == stored
