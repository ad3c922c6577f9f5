# ruff: noqa: F811 (the fixtures `booted` and `events` are imported from test_handlers)
"""C: what Authorize and TransactionEvent answer in idTokenInfo (cache expiry, group,
personal message, Master Pass), through the real gateway, workers and store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared import names, timestamps
from tests.cluster import MASTER_PASS_GROUP_ID
from tests.conftest import Api
from tests.simulator import RawStation, now
from tests.workers.test_handlers import EventTap, booted, events, result  # noqa: F401

DEFAULT_CACHE = timedelta(seconds=86400)  # AUTH_CACHE_SECONDS' default, which the cluster uses


def authorize(token: str, kind: str = "ISO14443") -> dict[str, Any]:
    return {"idToken": {"idToken": token, "type": kind}}


def tx(
    transaction_id: str, event_type: str, seq_no: int, token: str | None, **info: Any
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": now(),
        "triggerReason": "Authorized" if event_type == "Started" else "StopAuthorized",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": transaction_id, **info},
        "evse": {"id": 1, "connectorId": 1},
    }
    if token is not None:
        request["idToken"] = {"idToken": token, "type": "ISO14443"}
    return request


async def test_id_token_info_carries_cache_expiry_group_and_personal_message(
    booted: RawStation, api: Api, station: str
):
    token = f"PM-{station[-8:]}"
    message = {"format": "UTF8", "language": "nl", "content": "Welkom, laad ze!"}
    status, view = await api.request(
        "PUT",
        f"/id-tokens/{token}",
        {
            "type": "ISO14443",
            "groupIdToken": {"idToken": "FLEET-7", "type": "Central"},
            "personalMessage": message,
        },
    )
    assert status == 201 and view["personalMessage"] == message
    before = datetime.now(UTC)
    info = (await result(booted, "Authorize", authorize(token)))["idTokenInfo"]
    after = datetime.now(UTC)
    assert info["status"] == "Accepted"
    assert info["groupIdToken"] == {"idToken": "FLEET-7", "type": "Central"}
    assert info["personalMessage"] == message
    cache_expiry = timestamps.parse(info["cacheExpiryDateTime"])
    slack = timedelta(milliseconds=1)  # cacheExpiryDateTime is sent in milliseconds
    assert before + DEFAULT_CACHE - slack <= cache_expiry <= after + DEFAULT_CACHE
    # TransactionEvent gives the same verdict.
    answer = await result(booted, "TransactionEvent", tx("T-PM", "Started", 0, token))
    assert answer["idTokenInfo"]["personalMessage"] == message
    assert answer["idTokenInfo"]["groupIdToken"] == info["groupIdToken"]


async def test_cache_expiry_is_the_token_expiry_when_it_comes_first(
    booted: RawStation, api: Api, station: str
):
    token = f"EXP-{station[-8:]}"
    expires = "2099-01-01T00:00:00Z"
    await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", "expiresAt": expires})
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", "expiresAt": soon})
    info = (await result(booted, "Authorize", authorize(token)))["idTokenInfo"]
    assert info["status"] == "Accepted"
    assert abs(timestamps.parse(info["cacheExpiryDateTime"]) - datetime.fromisoformat(soon)) < (
        timedelta(milliseconds=1)
    )


async def test_a_personal_message_outside_message_content_type_is_refused(api: Api, station: str):
    token = f"BADPM-{station[-8:]}"
    for message in (
        {"format": "Morse", "content": "hi"},
        {"format": "ASCII", "content": "x" * 513},
        {"format": "ASCII", "content": "hi", "language": "toolonglang"},
        {"format": "ASCII"},
        {"format": "ASCII", "content": "hi", "colour": "red"},
        "hello",
    ):
        status, body = await api.request(
            "PUT", f"/id-tokens/{token}", {"type": "ISO14443", "personalMessage": message}
        )
        assert status == 422 and "personalMessage" in body["error"], (message, body)
    assert (await api.request("GET", f"/id-tokens/{token}"))[0] == 404
    message = {"format": "ASCII", "content": "x" * 512, "language": "en-GB"}
    status, body = await api.request(
        "PUT", f"/id-tokens/{token}", {"type": "ISO14443", "personalMessage": message}
    )
    assert status == 201 and body["personalMessage"] == message


async def test_a_token_blocked_centrally_is_blocked_at_once_whatever_the_station_holds(
    booted: RawStation, api: Api, station: str
):
    """A station may hold the token Accepted in its local list or cache; the CSMS answers
    from its own store, so a central block is Blocked on the next Authorize."""
    token = f"BLK-{station[-8:]}"
    await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443"})
    assert (await result(booted, "Authorize", authorize(token)))["idTokenInfo"][
        "status"
    ] == "Accepted"
    await api.request("PUT", f"/id-tokens/{token}", {"type": "ISO14443", "status": "Blocked"})
    info = (await result(booted, "Authorize", authorize(token)))["idTokenInfo"]
    assert info["status"] == "Blocked"
    answer = await result(booted, "TransactionEvent", tx("T-BLK", "Started", 0, token))
    assert answer["idTokenInfo"]["status"] == "Blocked"


async def test_a_master_pass_stops_someone_elses_transaction(
    booted: RawStation, api: Api, station: str, events: EventTap
):
    """TC_C_47_CSMS: Authorize and TransactionEvent(Ended) for a Master Pass token answer
    Accepted with the Master Pass group; the transaction keeps its driver's idToken."""
    driver, master = f"DRV-{station[-8:]}", f"MP-{station[-8:]}"
    group = {"idToken": MASTER_PASS_GROUP_ID, "type": "Central"}
    await api.request("PUT", f"/id-tokens/{driver}", {"type": "ISO14443"})
    await api.request("PUT", f"/id-tokens/{master}", {"type": "ISO14443", "groupIdToken": group})
    await result(booted, "TransactionEvent", tx("T-MP", "Started", 0, driver))

    info = (await result(booted, "Authorize", authorize(master)))["idTokenInfo"]
    assert info["status"] == "Accepted" and info["groupIdToken"] == group
    checked = await events.next_for(station, names.EVENT_AUTHORIZED)
    assert checked["idToken"] == master and checked["masterPass"] is True

    answer = await result(
        booted, "TransactionEvent", tx("T-MP", "Ended", 1, master, stoppedReason="MasterPass")
    )
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert answer["idTokenInfo"]["groupIdToken"] == group
    _, view = await api.request("GET", f"/transactions/T-MP?stationId={station}")
    assert view["state"] == "ended" and view["stoppedReason"] == "MasterPass"
    assert view["idToken"] == {"idToken": driver, "type": "ISO14443"}
    assert view["masterPassIdToken"] == {"idToken": master, "type": "ISO14443"}
    ended = await events.next_for(station, names.EVENT_TRANSACTION_ENDED)
    assert ended["masterPass"] is True and ended["idToken"]["idToken"] == master


async def test_a_token_of_another_group_is_no_master_pass(
    booted: RawStation, api: Api, station: str, events: EventTap
):
    driver, other = f"DRV2-{station[-8:]}", f"OTH-{station[-8:]}"
    await api.request("PUT", f"/id-tokens/{driver}", {"type": "ISO14443"})
    await api.request(
        "PUT",
        f"/id-tokens/{other}",
        {"type": "ISO14443", "groupIdToken": {"idToken": "FLEET-9", "type": "Central"}},
    )
    await result(booted, "TransactionEvent", tx("T-OTH", "Started", 0, driver))
    await result(booted, "TransactionEvent", tx("T-OTH", "Ended", 1, other))
    _, view = await api.request("GET", f"/transactions/T-OTH?stationId={station}")
    assert view["idToken"]["idToken"] == other and view["masterPassIdToken"] is None
    ended = await events.next_for(station, names.EVENT_TRANSACTION_ENDED)
    assert ended["masterPass"] is False
