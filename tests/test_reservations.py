"""Reservations (H01-H04) end to end: the operator API reserves through a simulated station
on the real cluster; what the station reports later (ReservationStatusUpdate, a
TransactionEvent naming the reservation) moves it on, and only ever forward."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from ocpp.v201 import call
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import iso, utc_now
from tests.cluster import Cluster
from tests.conftest import Api
from tests.events import Tap, event_queue
from tests.operated_station import OperatedStation
from tests.simulator import now
from tests.test_end_to_end import eventually

TOKEN = {"idToken": "RES-TOKEN-1", "type": "ISO14443"}


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(cluster.amqp_url, f"reservation.*.{station}") as queue:
        yield Tap(queue)


def later(seconds: float = 3600) -> str:
    return iso(utc_now() + timedelta(seconds=seconds))


async def reserve(api: Api, station: str, **fields: Any) -> tuple[int, Any]:
    body = {"idToken": TOKEN, "expiresAt": later(), **fields}
    return await api.request("POST", f"/stations/{station}/reservations", body)


async def state(api: Api, station: str, reservation_id: int, wanted: str) -> dict[str, Any]:
    async def reached() -> Any:
        status, body = await api.request(
            "GET", f"/stations/{station}/reservations/{reservation_id}"
        )
        assert status == 200, body
        return body if body["status"] == wanted else None

    body = await eventually(reached)
    assert body, f"reservation {reservation_id} never became {wanted}"
    return dict(body)


async def active_ids(api: Api, station: str) -> set[int]:
    status, body = await api.request("GET", f"/reservations?stationId={station}&active=true")
    assert status == 200, body
    return {r["id"] for r in body["reservations"]}


async def test_an_accepted_reservation_is_sent_stored_listed_and_announced(
    api: Api, db: AsyncDatabase[Any], operated: OperatedStation, station: str, tap: Tap
):
    status, body = await reserve(api, station, evseId=1, connectorType="cType2")
    assert status == 201, body
    rid = body["id"]
    assert isinstance(rid, int) and body["status"] == "Accepted" and body["active"]
    assert body["evseId"] == 1 and body["connectorType"] == "cType2"
    assert body["idToken"] == TOKEN
    sent = [p for a, p in operated.received if a == "ReserveNow"]
    assert sent == [
        {
            "id": rid,
            "idToken": {"id_token": "RES-TOKEN-1", "type": "ISO14443"},
            "evse_id": 1,
            "connector_type": "cType2",
        }
    ]
    doc = await db[names.RESERVATIONS].find_one({"_id": f"{station}/{rid}"})
    assert doc is not None and doc["status"] == "Accepted" and doc["answer"] == "Accepted"
    assert (await state(api, station, rid, "Accepted"))["commandId"] == body["commandId"]
    assert await active_ids(api, station) == {rid}
    [event] = await tap.events(1)
    assert event["event"] == names.EVENT_RESERVATION_ACCEPTED and event["reservationId"] == rid


async def test_a_reservation_the_station_refuses_is_rejected_with_its_answer(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    operated.reserve_answer = "Occupied"
    status, body = await reserve(api, station)
    assert status == 201, body
    assert (body["status"], body["answer"], body["active"]) == ("Rejected", "Occupied", False)
    assert await active_ids(api, station) == set()
    status, _ = await api.request("DELETE", f"/stations/{station}/reservations/{body['id']}")
    assert status == 409
    assert not [a for a, _ in operated.received if a == "CancelReservation"]
    [event] = await tap.events(1)
    assert event["event"] == names.EVENT_RESERVATION_REJECTED and event["answer"] == "Occupied"


async def test_a_cancelled_reservation_is_cancelled_at_the_station_and_stays_so(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    _, body = await reserve(api, station)
    rid = body["id"]
    status, cancelled = await api.request("DELETE", f"/stations/{station}/reservations/{rid}")
    assert status == 200, cancelled
    assert cancelled["status"] == "Cancelled" and cancelled["cancellation"]["status"] == "Accepted"
    assert ("CancelReservation", {"reservationId": rid}) in operated.received
    assert await active_ids(api, station) == set()
    # The station reports it removed afterwards: the earlier cancellation stands.
    await operated.call(
        call.ReservationStatusUpdate(reservation_id=rid, reservation_update_status="Removed")
    )
    await asyncio.sleep(0.5)
    assert (await state(api, station, rid, "Cancelled"))["status"] == "Cancelled"
    status, _ = await api.request("DELETE", f"/stations/{station}/reservations/{rid}")
    assert status == 409
    events = await tap.events(3)
    assert [e["event"] for e in events] == [
        names.EVENT_RESERVATION_ACCEPTED,
        names.EVENT_RESERVATION_CANCELLED,
        names.EVENT_RESERVATION_REMOVED,
    ]


async def test_a_station_refusing_to_cancel_leaves_the_reservation_active(
    api: Api, operated: OperatedStation, station: str
):
    operated.cancel_answer = "Rejected"
    _, body = await reserve(api, station)
    status, refused = await api.request("DELETE", f"/stations/{station}/reservations/{body['id']}")
    assert status == 409
    assert refused["detail"]["status"] == "Accepted"
    assert refused["detail"]["cancellation"]["status"] == "Rejected"


async def test_a_station_expiring_a_reservation_ends_it_for_good(
    api: Api, db: AsyncDatabase[Any], operated: OperatedStation, station: str, tap: Tap
):
    _, body = await reserve(api, station)
    rid = body["id"]
    await operated.call(
        call.ReservationStatusUpdate(reservation_id=rid, reservation_update_status="Expired")
    )
    await state(api, station, rid, "Expired")
    assert await db[names.RESERVATION_FACTS].find_one({"_id": f"{station}/{rid}/status"})
    # A later, contradicting update is not a way back.
    await operated.call(
        call.ReservationStatusUpdate(reservation_id=rid, reservation_update_status="Removed")
    )
    await asyncio.sleep(0.5)
    assert (await state(api, station, rid, "Expired"))["active"] is False
    assert (await api.request("DELETE", f"/stations/{station}/reservations/{rid}"))[0] == 409
    events = await tap.events(3)
    assert [e["event"] for e in events] == [
        names.EVENT_RESERVATION_ACCEPTED,
        names.EVENT_RESERVATION_EXPIRED,
        names.EVENT_RESERVATION_REMOVED,
    ]


async def test_a_reservation_expires_once_its_time_has_passed(
    api: Api, operated: OperatedStation, station: str
):
    expires = utc_now() + timedelta(seconds=2)
    status, body = await reserve(api, station, expiresAt=iso(expires))
    assert status == 201 and body["status"] == "Accepted", body
    assert body["id"] in await active_ids(api, station)
    await asyncio.sleep(max(0.0, (expires - utc_now()).total_seconds()) + 0.2)
    expired = await state(api, station, body["id"], "Expired")
    assert expired["since"] == iso(expires)
    assert await active_ids(api, station) == set()


async def test_a_transaction_naming_the_reservation_uses_it_and_both_link(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    _, body = await reserve(api, station, evseId=1)
    rid = body["id"]
    await operated.call(
        call.TransactionEvent(
            event_type="Started",
            timestamp=now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": f"TX-{rid}"},
            id_token={"id_token": TOKEN["idToken"], "type": "ISO14443"},
            evse={"id": 1, "connector_id": 1},
            reservation_id=rid,
        ),
        suppress=False,
    )
    used = await state(api, station, rid, "Used")
    assert used["transactionId"] == f"TX-{rid}" and used["active"] is False
    status, tx = await api.request("GET", f"/transactions/TX-{rid}?stationId={station}")
    assert status == 200, tx
    assert tx["reservationId"] == rid
    events = await tap.events(2)
    assert events[1]["event"] == names.EVENT_RESERVATION_USED
    assert events[1]["transactionId"] == f"TX-{rid}"


async def test_an_operator_reserves_then_starts_the_reserved_charge_through_the_api(
    api: Api, operated: OperatedStation, station: str
):
    """The issue's walk-through with the API alone: the station names the reservation in
    the transaction a remote start begins, and the reservation becomes Used."""
    _, body = await reserve(api, station, evseId=1)
    rid = body["id"]
    start = {"idToken": TOKEN, "remoteStartId": 4242, "evseId": 1}
    status, answer = await api.request(
        "POST", f"/stations/{station}/ocpp/RequestStartTransaction", start
    )
    assert status == 200, answer
    used = await state(api, station, rid, "Used")
    assert used["transactionId"] == "REMOTE-4242"


async def test_an_offline_station_gets_no_reservation(api: Api, station: str):
    status, body = await reserve(api, station)
    assert status == 409, body
    status, listed = await api.request("GET", f"/reservations?stationId={station}")
    assert status == 200 and listed["reservations"] == []


@pytest.mark.parametrize(
    "fields",
    [
        {"expiresAt": "2001-01-01T00:00:00Z"},
        {"expiresAt": None},
        {"expiresAt": "tomorrow"},
        {"connectorType": "cPlug"},
        {"idToken": {"idToken": "X"}},
        {"colour": "red"},
    ],
)
async def test_an_invalid_reservation_is_refused_before_anything_is_sent(
    api: Api, operated: OperatedStation, station: str, fields: dict[str, Any]
):
    status, body = await reserve(api, station, **fields)
    assert status == 422, body
    assert not [a for a, _ in operated.received if a == "ReserveNow"]


async def test_unknown_reservations_and_stations_are_404(api: Api, station: str):
    assert (await reserve(api, "CS-NOT-REGISTERED"))[0] == 404
    assert (await api.request("GET", f"/stations/{station}/reservations/42"))[0] == 404
    assert (await api.request("GET", f"/stations/{station}/reservations/x"))[0] == 400


async def test_a_viewer_reads_reservations_but_cannot_make_or_cancel_them(
    api: Api, operated: OperatedStation, station: str
):
    _, body = await reserve(api, station)
    path = f"/stations/{station}/reservations/{body['id']}"
    status, created = await api.request("POST", "/api-keys", {"name": "res", "role": "viewer"})
    assert status == 201
    viewer = api.as_key(created["key"])
    assert (await viewer.request("GET", path))[0] == 200
    assert (await viewer.request("DELETE", path))[0] == 403
    assert (await viewer.request("POST", f"/stations/{station}/reservations", {}))[0] == 403
    assert (await api.as_key(None).request("GET", path))[0] == 401
    assert (await api.as_key(None).request("GET", "/reservations"))[0] == 401
    assert not [a for a, _ in operated.received if a == "CancelReservation"]
