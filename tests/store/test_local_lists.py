"""store.local_lists against the real store: whole-list replace, per-station sync state."""

from __future__ import annotations

import uuid

from store import local_lists


def _ids() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"LL-{suffix}", f"ST-{suffix}"


async def test_put_replaces_the_whole_list_and_keeps_created_at(db):
    list_id, station = _ids()
    assert await local_lists.put(db, list_id, ["A", "B"], [station]) is True
    first = await local_lists.get(db, list_id)
    assert await local_lists.put(db, list_id, ["C"], []) is False
    doc = await local_lists.get(db, list_id)
    assert doc["idTokens"] == ["C"] and doc["stations"] == []
    assert doc["createdAt"] == first["createdAt"]


async def test_lists_of_finds_the_lists_naming_a_station(db):
    list_id, station = _ids()
    await local_lists.put(db, list_id, [], [station, f"{station}-2"])
    found = await local_lists.lists_of(db, [f"{station}-2", "nobody"])
    assert [d["_id"] for d in found] == [list_id]
    assert await local_lists.lists_of(db, [f"{station}-3"]) == []


async def test_sync_status_keeps_what_the_station_holds(db):
    list_id, station = _ids()
    entries = [
        {"idToken": {"idToken": "a.b$c", "type": "ISO14443"}, "idTokenInfo": {"status": "Accepted"}}
    ]
    await local_lists.set_held(db, station, list_id, 3, entries, local_lists.IN_SYNC)
    await local_lists.set_status(db, station, list_id, local_lists.FAILED, "timeout")
    doc = await local_lists.get_sync(db, station, list_id)
    assert doc["_id"] == f"{station}/{list_id}"
    assert (doc["version"], doc["entries"]) == (3, entries)
    assert (doc["status"], doc["lastError"]) == ("Failed", "timeout")

    await local_lists.set_held(db, station, list_id, 3, None, local_lists.UPDATING)
    syncs = await local_lists.get_syncs(db, list_id, [station, "nobody"])
    assert list(syncs) == [station]
    assert syncs[station]["entries"] is None and syncs[station]["lastError"] is None


async def test_last_version_is_the_highest_over_the_stations_lists(db):
    list_id, station = _ids()
    assert await local_lists.last_version(db, station) == 0
    await local_lists.set_held(db, station, list_id, 7, [], local_lists.IN_SYNC)
    await local_lists.set_held(db, station, f"{list_id}-b", 4, [], local_lists.IN_SYNC)
    await local_lists.set_status(db, station, f"{list_id}-c", local_lists.UPDATING, None)
    await local_lists.set_held(db, f"{station}-x", list_id, 99, [], local_lists.IN_SYNC)
    assert await local_lists.last_version(db, station) == 7
