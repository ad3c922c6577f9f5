"""Local authorization lists (D01) through the operator API to simulated stations: what
each station is sent, what it ends up holding and what GET shows."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from store import device_model, local_lists
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.operated_station import OperatedStation
from tests.simulator import sim_station
from tests.test_end_to_end import eventually


def _new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def _tokens(api: Api, n: int, **fields: Any) -> list[str]:
    tokens = [_new("LT") for _ in range(n)]
    for token in tokens:
        status, data = await api.request(
            "PUT", f"/id-tokens/{token}", {"type": "ISO14443", **fields}
        )
        assert status == 201, data
    return tokens


async def _settled(api: Api, list_id: str, station: str) -> dict[str, Any]:
    async def done() -> Any:
        _, data = await api.request("GET", f"/local-lists/{list_id}")
        state = data["stations"][station]
        return state if state["status"] != "Updating" else None

    state = await eventually(done)
    assert state, f"{station} never left Updating"
    return state


def _sent(cp: OperatedStation) -> list[tuple[int, str, int]]:
    return [
        (p["versionNumber"], p["updateType"], len(p["entries"]))
        for action, p in cp.received
        if action == "SendLocalList"
    ]


def _held(cp: OperatedStation) -> dict[str, str]:
    return {token: info["status"] for (token, _), info in cp.local_list.items()}


async def test_put_sends_full_then_differential_and_delete_empties(
    api: Api, station: str, operated: OperatedStation
):
    a, b, c = await _tokens(api, 3)
    list_id = _new("LL")
    status, data = await api.request(
        "PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]}
    )
    assert status == 201, data
    assert data["stations"][station]["status"] == "Updating"
    assert await _settled(api, list_id, station) == {
        "version": 1,
        "status": "InSync",
        "lastError": None,
    }
    assert _sent(operated) == [(1, "Full", 2)]
    assert _held(operated) == {a: "Accepted", b: "Accepted"}

    status, _ = await api.request(
        "PUT", f"/local-lists/{list_id}", {"idTokens": [b, c], "stations": [station]}
    )
    assert status == 200
    assert (await _settled(api, list_id, station))["version"] == 2
    # Differential: a removed (no idTokenInfo), c added; b unchanged is not sent.
    assert _sent(operated)[1:] == [(2, "Differential", 2)]
    assert _held(operated) == {b: "Accepted", c: "Accepted"}

    # The same list again: nothing to send.
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [b, c], "stations": [station]})
    assert (await _settled(api, list_id, station))["status"] == "InSync"
    assert len(_sent(operated)) == 2

    status, data = await api.request("DELETE", f"/local-lists/{list_id}")
    assert status == 200 and data["idTokens"] == []
    assert (await _settled(api, list_id, station))["version"] == 3
    assert _held(operated) == {}


async def test_token_changes_reach_the_lists_holding_them(
    api: Api, station: str, operated: OperatedStation
):
    a, b = await _tokens(api, 2)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]})
    assert (await _settled(api, list_id, station))["version"] == 1

    status, _ = await api.request(
        "PUT", f"/id-tokens/{b}", {"type": "ISO14443", "status": "Blocked"}
    )
    assert status == 200

    async def blocked() -> bool:
        return _held(operated) == {a: "Accepted", b: "Blocked"}

    assert await eventually(blocked, timeout=5)
    assert _sent(operated) == [(1, "Full", 2), (2, "Differential", 1)]
    assert (await _settled(api, list_id, station))["status"] == "InSync"

    assert (await api.request("DELETE", f"/id-tokens/{a}"))[0] == 204

    async def removed() -> bool:
        return _held(operated) == {b: "Blocked"}

    assert await eventually(removed, timeout=5)
    assert _sent(operated)[2:] == [(3, "Differential", 1)]
    assert await _settled(api, list_id, station) == {
        "version": 3,
        "status": "InSync",
        "lastError": None,
    }


async def test_limits_from_the_device_model_split_the_list(
    api: Api, db: AsyncDatabase[Any], station: str, operated: OperatedStation
):
    ctrlr = {"name": "LocalAuthListCtrlr"}
    await device_model.store_values(
        db, station, [(ctrlr, {"name": "ItemsPerMessage"}, "Actual", "2")], datetime.now(UTC)
    )
    tokens = await _tokens(api, 5)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": tokens, "stations": [station]})
    assert (await _settled(api, list_id, station))["version"] == 3
    assert _sent(operated) == [(1, "Full", 2), (2, "Differential", 2), (3, "Differential", 1)]
    assert sorted(_held(operated)) == sorted(tokens)


async def test_version_mismatch_resends_the_whole_list_as_full(
    api: Api, station: str, operated: OperatedStation
):
    a, b = await _tokens(api, 2)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]})
    await _settled(api, list_id, station)
    operated.local_version = 50  # the station's list changed behind the CSMS's back
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]})
    state = await _settled(api, list_id, station)
    assert state == {"version": 51, "status": "InSync", "lastError": None}
    assert _sent(operated) == [(1, "Full", 1), (2, "Differential", 1), (51, "Full", 2)]
    assert ("GetLocalListVersion", {}) in operated.received
    assert _held(operated) == {a: "Accepted", b: "Accepted"}


async def test_station_answering_failed_is_failed_and_next_update_is_full(
    api: Api, station: str, operated: OperatedStation
):
    a, b = await _tokens(api, 2)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]})
    await _settled(api, list_id, station)
    operated.local_list_answer = "Failed"
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]})
    assert await _settled(api, list_id, station) == {
        "version": 1,
        "status": "Failed",
        "lastError": "station: Failed",
    }
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]})
    assert (await _settled(api, list_id, station))["status"] == "InSync"
    assert _sent(operated)[-1] == (2, "Full", 2)


async def test_offline_station_is_failed_offline(api: Api, station: str):
    (a,) = await _tokens(api, 1)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]})
    state = await _settled(api, list_id, station)
    assert state["status"] == "Failed" and state["lastError"].startswith("offline")
    assert state["version"] == 0


async def test_offline_station_gets_its_list_when_it_boots(
    api: Api, cluster: Cluster, station: str
):
    a, b = await _tokens(api, 2)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a, b], "stations": [station]})
    state = await _settled(api, list_id, station)
    assert state["status"] == "Failed" and state["lastError"].startswith("offline")

    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        assert (await cp.boot()).status == "Accepted"

        async def arrived() -> bool:
            return _held(cp) == {a: "Accepted", b: "Accepted"}

        assert await eventually(arrived, timeout=5)
        assert _sent(cp) == [(1, "Full", 2)]
        assert await _settled(api, list_id, station) == {
            "version": 1,
            "status": "InSync",
            "lastError": None,
        }


async def test_station_back_without_booting_gets_what_it_missed(
    api: Api, cluster: Cluster, station: str
):
    (a,) = await _tokens(api, 1)
    list_id = _new("LL")
    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as first:
        assert (await first.boot()).status == "Accepted"
        await api.request(
            "PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]}
        )
        assert (await _settled(api, list_id, station))["status"] == "InSync"
        held = dict(first.local_list)
    await api.request("PUT", f"/id-tokens/{a}", {"type": "ISO14443", "status": "Blocked"})
    assert (await _settled(api, list_id, station))["status"] == "Failed"

    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        cp.local_list, cp.local_version = held, 1  # the list survives the network outage
        await cp.heartbeat()  # no BootNotification: the connection resumes

        async def blocked() -> bool:
            return _held(cp) == {a: "Blocked"}

        assert await eventually(blocked, timeout=5)
        assert _sent(cp) == [(2, "Differential", 1)]
        assert (await _settled(api, list_id, station))["status"] == "InSync"


async def test_a_sync_waits_for_the_lease_another_process_holds(
    api: Api, db: AsyncDatabase[Any], station: str, operated: OperatedStation
):
    (a,) = await _tokens(api, 1)
    assert await local_lists.take_lease(db, station, "another-process", 300)
    assert not await local_lists.take_lease(db, station, "a-third", 300)
    list_id = _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]})
    await asyncio.sleep(1.5)
    assert _sent(operated) == []
    await local_lists.release_lease(db, station, "another-process")
    assert (await _settled(api, list_id, station))["status"] == "InSync"
    assert _sent(operated) == [(1, "Full", 1)]
    assert await db[names.LOCAL_LIST_LEASES].find_one({"_id": station}) is None


async def test_a_stale_lease_is_taken_over(db: AsyncDatabase[Any], station: str):
    assert await local_lists.take_lease(db, station, "dead", 300)
    assert not await local_lists.take_lease(db, station, "alive", 300)
    await asyncio.sleep(0.2)
    assert await local_lists.take_lease(db, station, "alive", 0.1)
    await local_lists.release_lease(db, station, "dead")  # the late holder frees nothing
    assert (await db[names.LOCAL_LIST_LEASES].find_one({"_id": station}) or {})["owner"] == "alive"
    await local_lists.release_lease(db, station, "alive")


async def test_validation(api: Api, station: str):
    (a,) = await _tokens(api, 1)
    list_id = _new("LL")
    cases = [
        ({"idTokens": [a]}, 422),
        ({"idTokens": [a], "stations": [station], "x": 1}, 422),
        ({"idTokens": [a, a], "stations": [station]}, 422),
        ({"idTokens": ["NO-SUCH-TOKEN-" + a], "stations": [station]}, 422),
        ({"idTokens": [a], "stations": ["NO-SUCH-" + station]}, 422),
        ({"idTokens": [a], "stations": ["bad id!"]}, 422),
        ({"idTokens": [1], "stations": [station]}, 422),
    ]
    for body, expected in cases:
        status, data = await api.request("PUT", f"/local-lists/{list_id}", body)
        assert status == expected, (body, data)
    assert (await api.request("GET", f"/local-lists/{list_id}"))[0] == 404
    assert (await api.request("DELETE", f"/local-lists/{list_id}"))[0] == 404
    assert (await api.request("GET", "/local-lists/bad%20id"))[0] == 400

    status, _ = await api.request(
        "PUT", f"/local-lists/{list_id}", {"idTokens": [], "stations": [station]}
    )
    assert status == 201
    status, data = await api.request(
        "PUT", f"/local-lists/{_new('LL')}", {"idTokens": [], "stations": [station]}
    )
    assert status == 409 and data["detail"] == {station: list_id}


async def test_a_station_dropped_from_the_list_is_emptied_and_may_join_another(
    api: Api, station: str, operated: OperatedStation
):
    (a,) = await _tokens(api, 1)
    list_id, other = _new("LL"), _new("LL")
    await api.request("PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": [station]})
    await _settled(api, list_id, station)
    status, data = await api.request(
        "PUT", f"/local-lists/{list_id}", {"idTokens": [a], "stations": []}
    )
    assert status == 200 and data["stations"] == {}

    async def emptied() -> bool:
        return _sent(operated)[-1:] == [(2, "Differential", 1)] and operated.local_list == {}

    assert await eventually(emptied)
    status, _ = await api.request(
        "PUT", f"/local-lists/{other}", {"idTokens": [a], "stations": [station]}
    )
    assert status == 201
    assert (await _settled(api, other, station))["status"] == "InSync"
    assert _sent(operated)[-1] == (3, "Full", 1)
