"""Display messages (O01-O06) end to end: the operator API checks a message, sets it on a
simulated station on the real cluster under an id it allocates, lists, replaces and clears
it, and reconciles its view with what the station reports (NotifyDisplayMessages parts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from ocpp.charge_point import camel_to_snake_case

from shared import names
from shared.events import iso, utc_now
from tests.cluster import Cluster
from tests.conftest import Api
from tests.events import Tap, event_queue
from tests.operated_station import OperatedStation
from tests.test_charging_profiles import start_transaction


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(cluster.amqp_url, f"display.*.{station}") as queue:
        yield Tap(queue)


def later(seconds: float = 3600) -> str:
    return iso(utc_now() + timedelta(seconds=seconds))


def message(content: str = "Welcome", **extra: Any) -> dict[str, Any]:
    return {
        "priority": "NormalCycle",
        "state": "Charging",
        "message": {"format": "UTF8", "content": content},
        **extra,
    }


async def post(api: Api, station: str, body: dict[str, Any]) -> tuple[int, Any]:
    return await api.request("POST", f"/stations/{station}/display-messages", body)


async def listed(api: Api, station: str) -> list[dict[str, Any]]:
    status, body = await api.request("GET", f"/stations/{station}/display-messages")
    assert status == 200, body
    return list(body["displayMessages"])


async def refresh(api: Api, station: str) -> dict[str, Any]:
    status, body = await api.request("POST", f"/stations/{station}/display-messages/refresh")
    assert status == 200, body
    return dict(body)


def sent(operated: OperatedStation, action: str) -> list[dict[str, Any]]:
    return [p for a, p in operated.received if a == action]


# --- set, list, replace, clear ------------------------------------------------------------


async def test_a_message_is_set_listed_replaced_and_cleared(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    ends = later()
    status, body = await post(api, station, message(endDateTime=ends))
    assert status == 201, body
    message_id = body["messageId"]
    assert 0 < message_id < 2**31
    assert (body["priority"], body["state"], body["source"], body["status"]) == (
        "NormalCycle",
        "Charging",
        "api",
        "Accepted",
    )
    assert body["message"] == {"format": "UTF8", "content": "Welcome"}
    assert body["endDateTime"] == ends and body["commandId"]
    [request] = sent(operated, "SetDisplayMessage")
    assert request["id"] == message_id and request["end_date_time"] == ends
    assert await listed(api, station) == [body]

    path = f"/stations/{station}/display-messages/{message_id}"
    status, replaced = await api.request("PUT", path, message("Bye", priority="InFront"))
    assert status == 200, replaced
    [shown] = await listed(api, station)
    assert (shown["messageId"], shown["priority"], shown["message"]["content"]) == (
        message_id,
        "InFront",
        "Bye",
    )
    assert operated.display_messages[message_id]["message"]["content"] == "Bye"

    status, cleared = await api.request("DELETE", path)
    assert status == 200, cleared
    assert (cleared["answer"], cleared["forgotten"]) == ("Accepted", True)
    assert await listed(api, station) == [] and operated.display_messages == {}
    status, again = await api.request("DELETE", path)
    assert status == 200 and (again["answer"], again["forgotten"]) == ("Unknown", False)
    assert sent(operated, "ClearDisplayMessage") == [{"id": message_id}] * 2

    events = await tap.events(4)
    assert [e["event"] for e in events] == [
        names.EVENT_DISPLAY_SET,
        names.EVENT_DISPLAY_SET,
        names.EVENT_DISPLAY_CLEARED,
        names.EVENT_DISPLAY_CLEARED,
    ]
    assert [e["replaced"] for e in events[:2]] == [False, True]
    assert {e["messageId"] for e in events} == {message_id}
    assert [e["answer"] for e in events[2:]] == ["Accepted", "Unknown"]


async def test_each_new_message_gets_its_own_id(api: Api, operated: OperatedStation, station: str):
    ids = [(await post(api, station, message(f"m{i}")))[1]["messageId"] for i in range(3)]
    assert len(set(ids)) == 3
    assert [m["messageId"] for m in await listed(api, station)] == sorted(ids)
    assert set(operated.display_messages) == set(ids)


async def test_a_message_for_a_running_transaction_is_sent_with_it(
    api: Api, operated: OperatedStation, station: str
):
    await start_transaction(api, operated, station, "TX-DISPLAY-1")
    status, body = await post(api, station, message(transactionId="TX-DISPLAY-1"))
    assert status == 201, body
    assert body["transactionId"] == "TX-DISPLAY-1"
    assert sent(operated, "SetDisplayMessage")[0]["transaction_id"] == "TX-DISPLAY-1"


REFUSALS = ["Rejected", "NotSupportedPriority", "NotSupportedMessageFormat", "UnknownTransaction"]


@pytest.mark.parametrize("answer", REFUSALS)
async def test_a_message_the_station_refuses_is_not_stored(
    api: Api, operated: OperatedStation, station: str, answer: str
):
    operated.display_answer = answer
    status, body = await post(api, station, message())
    assert status == 409, body
    assert body["detail"]["status"] == answer and body["detail"]["commandId"]
    assert len(sent(operated, "SetDisplayMessage")) == 1
    assert await listed(api, station) == []


# --- refused before anything is sent ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"message": {"format": "UTF8", "content": "x"}}, ""),
        (message(priority="Urgent"), "priority"),
        (message(state="Sleeping"), "state"),
        ({**message(), "message": {"format": "Morse", "content": "x"}}, "message.format"),
        ({**message(), "message": {"format": "UTF8", "content": "x" * 513}}, "message.content"),
        (message(colour="red"), ""),
        (message(id=5), "id"),
        (message(startDateTime="tomorrow"), "startDateTime"),
        (message(startDateTime=later(600), endDateTime=later(60)), "endDateTime"),
        (message(endDateTime=later(-60)), "endDateTime"),
        (message(transactionId="TX-NOT-RUNNING"), "transactionId"),
    ],
    ids=[
        "no-priority",
        "priority",
        "state",
        "format",
        "too-long",
        "extra",
        "id",
        "date",
        "end-before-start",
        "past",
        "no-transaction",
    ],
)
async def test_a_bad_message_is_refused_with_the_path_and_never_sent(
    api: Api, operated: OperatedStation, station: str, body: dict[str, Any], path: str
):
    status, answer = await post(api, station, body)
    assert status == 422, answer
    assert answer["detail"]["path"] == path, answer
    path_put = f"/stations/{station}/display-messages/7"
    status, answer = await api.request("PUT", path_put, body)
    assert status == 422, answer
    assert not sent(operated, "SetDisplayMessage")
    assert await listed(api, station) == []


async def test_an_offline_station_gets_nothing_and_nothing_is_stored(api: Api, station: str):
    assert (await post(api, station, message()))[0] == 409
    assert await listed(api, station) == []
    path = f"/stations/{station}/display-messages"
    assert (await api.request("POST", f"{path}/refresh"))[0] == 409
    assert (await api.request("PUT", f"{path}/1", message()))[0] == 409
    assert (await api.request("DELETE", f"{path}/1"))[0] == 409


async def test_unknown_stations_and_bad_ids_are_refused(api: Api, station: str):
    assert (await post(api, "CS-NOT-REGISTERED", message()))[0] == 404
    assert (await api.request("GET", "/stations/CS-NOT-REGISTERED/display-messages"))[0] == 404
    path = f"/stations/{station}/display-messages"
    assert (await api.request("DELETE", f"{path}/x"))[0] == 400
    assert (await api.request("PUT", f"{path}/-1", message()))[0] == 400
    assert (await api.request("DELETE", f"{path}/{2**31}"))[0] == 400
    assert (await api.request("GET", f"{path}?refresh=yes"))[0] == 400


# --- what the station really shows --------------------------------------------------------


def held(message_id: int, content: str, **extra: Any) -> dict[str, Any]:
    """A message set on the station by someone else, as the station keeps it."""
    return dict(camel_to_snake_case({"id": message_id, **message(content, **extra)}))


async def test_refresh_makes_the_view_what_the_station_reports_over_several_parts(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    ids = [(await post(api, station, message(f"m{i}")))[1]["messageId"] for i in range(3)]
    kept, lost, changed = sorted(ids)
    del operated.display_messages[lost]  # the station dropped it (ended, expired)
    operated.display_messages[changed] = held(changed, "changed by someone else")
    operated.display_messages[1] = held(1, "station's own", priority="AlwaysFront")
    operated.display_messages[2] = held(2, "another", state="Idle")

    body = await refresh(api, station)
    assert (body["answer"], body["parts"]) == ("Accepted", 2)
    assert (body["removed"], body["learnt"]) == ([lost], [1, 2, changed])
    [request] = sent(operated, "GetDisplayMessages")
    assert request == {"requestId": body["requestId"]}
    shown = {m["messageId"]: m for m in await listed(api, station)}
    assert body["displayMessages"] == list(shown.values())
    assert set(shown) == {1, 2, kept, changed}
    assert (shown[kept]["source"], shown[kept]["status"]) == ("api", "Accepted")
    assert shown[kept]["reportedAt"] is not None
    assert (shown[changed]["source"], shown[changed]["message"]["content"]) == (
        "station",
        "changed by someone else",
    )
    assert (shown[1]["priority"], shown[1]["status"]) == ("AlwaysFront", "Reported")
    assert shown[2]["state"] == "Idle"

    reports = [e for e in await tap.events(5) if e["event"] == names.EVENT_DISPLAY_REPORT]
    assert [(e["requestId"], e["tbc"]) for e in reports] == [
        (body["requestId"], True),
        (body["requestId"], False),
    ]
    assert sorted(i for e in reports for i in e["messageIds"]) == sorted(shown)


async def test_a_station_showing_nothing_empties_the_view(
    api: Api, operated: OperatedStation, station: str
):
    status, created = await post(api, station, message())
    assert status == 201, created
    operated.display_messages.clear()
    body = await refresh(api, station)
    assert (body["answer"], body["parts"]) == ("Unknown", 0)
    assert (body["removed"], body["learnt"], body["displayMessages"]) == (
        [created["messageId"]],
        [],
        [],
    )


async def test_get_with_refresh_true_refreshes_for_an_operator_only_and_is_audited(
    api: Api, operated: OperatedStation, station: str
):
    status, created = await post(api, station, message())
    assert status == 201, created
    operated.display_messages.clear()
    keys = {}
    for role in ("viewer", "operator"):
        status, made = await api.request("POST", "/api-keys", {"name": f"d-{role}", "role": role})
        assert status == 201, made
        keys[role] = made["key"]
    path = f"/stations/{station}/display-messages"
    viewer, operator = api.as_key(keys["viewer"]), api.as_key(keys["operator"])
    assert (await viewer.request("GET", f"{path}?refresh=true"))[0] == 403
    assert (await viewer.request("GET", f"{path}?refresh=false"))[0] == 200
    assert len(await listed(api, station)) == 1 and not sent(operated, "GetDisplayMessages")

    status, body = await operator.request("GET", f"{path}?refresh=true")
    assert status == 200, body
    assert (body["answer"], body["removed"], body["displayMessages"]) == (
        "Unknown",
        [created["messageId"]],
        [],
    )
    assert len(sent(operated, "GetDisplayMessages")) == 1
    status, audit = await api.request("GET", f"/audit?station={station}")
    assert status == 200, audit
    methods = [(e["method"], e["path"], e["status"]) for e in audit["entries"]]
    assert ("GET", f"/api/v1{path}", 200) in methods, methods
    assert ("GET", f"/api/v1{path}", 403) in methods, methods
