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


async def test_a_station_is_claimed_by_one_list_and_found_by_id(db):
    list_id, station = _ids()
    other = f"{list_id}-OTHER"
    assert await local_lists.claim(db, list_id, [station, f"{station}-2"]) == {}
    assert await local_lists.list_of(db, f"{station}-2") == list_id
    assert await local_lists.list_of(db, f"{station}-3") is None
    # Another list may not take either; what it could claim is given back.
    taken = await local_lists.claim(db, other, [f"{station}-3", station])
    assert taken == {station: list_id}
    assert await local_lists.list_of(db, f"{station}-3") is None
    # Claiming again is fine; dropping a station frees it.
    assert await local_lists.claim(db, list_id, [station]) == {}
    await local_lists.release_others(db, list_id, [station])
    assert await local_lists.list_of(db, f"{station}-2") is None
    assert await local_lists.claim(db, other, [f"{station}-2"]) == {}


async def test_lists_stored_before_members_existed_are_backfilled(db):
    list_id, station = _ids()
    await local_lists.put(db, list_id, [], [station, f"{station}-2"])
    assert await local_lists.list_of(db, station) is None
    assert await local_lists.backfill_members(db) >= 2
    assert await local_lists.list_of(db, f"{station}-2") == list_id
    assert await local_lists.backfill_members(db) == 0  # nothing missing any more


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
