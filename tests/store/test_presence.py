"""The presence document against the real store: a late disconnect of a replaced
connection leaves the station connected but still records when it happened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from store import presence

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_only_the_current_connection_disconnects_the_station(db):
    station = f"PR-{uuid.uuid4().hex[:8]}"
    await presence.connected(db, station, {"id": "old", "gateway": "g1"})
    await presence.connected(db, station, {"id": "new", "gateway": "g2"})

    await presence.disconnected(db, station, "old", AT)
    state = await presence.get(db, station)
    assert state["connection"]["id"] == "new" and state["lastDisconnect"] == AT

    await presence.disconnected(db, station, "new", AT)
    assert (await presence.get(db, station))["connection"] is None
