"""A station boots, reports status, authorizes and charges; the API shows what was stored."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import sim_station


async def eventually(check: Any, timeout: float = 10) -> Any:
    """Presence is applied asynchronously; poll the API until ``check`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def test_station_charges_and_the_api_shows_it(cluster: Cluster, api: Api, station: str):
    await api.request("PUT", "/id-tokens/RFID-0001", {"type": "ISO14443"})
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        boot = await cp.boot()
        assert boot.status == "Accepted" and boot.interval == 300
        assert (await cp.heartbeat()).current_time
        await cp.status(1, 1, "Available")
        assert (await cp.authorize("RFID-0001")).id_token_info["status"] == "Accepted"
        assert (await cp.authorize("NOBODY")).id_token_info["status"] == "Unknown"

        started = await cp.transaction_event(
            "Started",
            "TX-1",
            0,
            "Authorized",
            energy_wh=1000,
            token="RFID-0001",
            charging_state="Charging",
        )
        assert started.id_token_info["status"] == "Accepted"
        await cp.status(1, 1, "Occupied")
        updated = await cp.transaction_event(
            "Updated", "TX-1", 1, "MeterValuePeriodic", energy_wh=4500
        )
        assert updated.id_token_info is None
        await cp.transaction_event(
            "Ended",
            "TX-1",
            2,
            "StopAuthorized",
            energy_wh=7250,
            token="RFID-0001",
            stopped_reason="Local",
        )

        async def connected() -> Any:  # lastSeen is written within a second, off the reply path
            _, body = await api.request("GET", f"/stations/{station}")
            return body if body["connected"] and body["lastSeen"] else None

        view = await eventually(connected)
        assert view["connected"] is True
        assert view["boot"]["status"] == "Accepted"
        assert view["boot"]["chargingStation"]["vendorName"] == "TestVendor"
        assert view["lastSeen"] is not None
        assert view["connectors"] == [
            {
                "evseId": 1,
                "connectorId": 1,
                "status": "Occupied",
                "timestamp": view["connectors"][0]["timestamp"],
            }
        ]

    status, tx = await api.request("GET", "/transactions/TX-1?stationId=" + station)
    assert status == 200
    assert tx["stationId"] == station and tx["state"] == "ended"
    assert tx["evseId"] == 1 and tx["idToken"] == {"idToken": "RFID-0001", "type": "ISO14443"}
    assert tx["energyWh"] == 6250 and tx["stoppedReason"] == "Local"
    assert tx["ocppVersion"] == "ocpp2.0.1"
    assert [e["seqNo"] for e in tx["events"]] == [0, 1, 2]
    assert [e["eventType"] for e in tx["events"]] == ["Started", "Updated", "Ended"]

    status, listing = await api.request("GET", f"/transactions?stationId={station}&active=false")
    assert [t["transactionId"] for t in listing["transactions"]] == ["TX-1"]
    status, listing = await api.request("GET", f"/transactions?stationId={station}&active=true")
    assert listing["transactions"] == []
    status, mv = await api.request("GET", f"/transactions/TX-1/meter-values?stationId={station}")
    assert len(mv["meterValues"]) == 3

    async def disconnected() -> Any:
        _, body = await api.request("GET", f"/stations/{station}")
        return not body["connected"]

    assert await eventually(disconnected)
