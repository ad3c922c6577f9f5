"""Connector status against the real store: a report older than the stored one is
refused, one as new or newer is kept, the first one creates the document."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from store import connectors

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _status(db, station: str) -> list[tuple[str, datetime]]:
    return [(c["status"], c["timestamp"]) for c in await connectors.for_station(db, station)]


async def test_reports_are_kept_unless_older_than_the_stored_one(db):
    station = f"CN-{uuid.uuid4().hex[:8]}"

    assert await connectors.set_status(db, station, 1, 1, "Available", T0)
    assert await connectors.set_status(db, station, 1, 1, "Occupied", T0)  # same time: kept
    assert not await connectors.set_status(db, station, 1, 1, "Faulted", T0 - timedelta(1))
    assert await _status(db, station) == [("Occupied", T0)]

    later = T0 + timedelta(seconds=1)
    assert await connectors.set_status(db, station, 1, 1, "Available", later)
    assert await _status(db, station) == [("Available", later)]
