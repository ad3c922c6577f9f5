"""An OCPP 2.1 station (the ``ocpp`` library's v21 ChargePoint) on a gateway that speaks 2.1:
the actions 2.1 shares with 2.0.1 are answered by the same handlers, each request and
answer checked against the 2.1 schemas."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v21 import ChargePoint, call

from shared import names
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import now, open_ws, running
from tests.test_end_to_end import eventually


@pytest.fixture(scope="module")
async def gateway21(cluster: Cluster) -> AsyncIterator[str]:
    name, url = await cluster.start_gateway(OCPP_VERSIONS="ocpp2.1,ocpp2.0.1")
    yield url
    cluster.kill(name, signal.SIGTERM)


@contextlib.asynccontextmanager
async def station21(url: str, station: str) -> AsyncIterator[ChargePoint]:
    ws = await open_ws(url, station, PASSWORD, subprotocols=[names.OCPP21, names.OCPP201])
    assert ws.subprotocol == names.OCPP21
    cp = ChargePoint(station, ws, response_timeout=30)
    async with running(cp):
        yield cp


def energy(wh: float, context: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": now(),
            "sampled_value": [
                {
                    "value": wh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit_of_measure": {"unit": "Wh"},
                }
            ],
        }
    ]


async def test_a_2_1_station_boots_and_charges(api: Api, gateway21: str, station: str):
    await api.request("PUT", "/id-tokens/TAG21-1", {"type": "ISO14443"})
    async with station21(gateway21, station) as cp:
        boot = await cp.call(
            call.BootNotification(
                charging_station={"model": "M21", "vendor_name": "V21"}, reason="PowerUp"
            )
        )
        assert boot.status == "Accepted"
        await cp.call(
            call.StatusNotification(
                timestamp=now(), connector_status="Occupied", evse_id=1, connector_id=1
            )
        )
        auth = await cp.call(call.Authorize(id_token={"id_token": "TAG21-1", "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        for seq, (kind, wh, context) in enumerate(
            [("Started", 0, "Transaction.Begin"), ("Ended", 2100, "Transaction.End")]
        ):
            await cp.call(
                call.TransactionEvent(
                    event_type=kind,
                    timestamp=now(),
                    trigger_reason="Authorized" if kind == "Started" else "EVDeparted",
                    seq_no=seq,
                    transaction_info={"transaction_id": "TX21-1"},
                    evse={"id": 1, "connector_id": 1},
                    id_token={"id_token": "TAG21-1", "type": "ISO14443"},
                    meter_value=energy(wh, context),
                )
            )

    async def ended() -> Any:
        status, body = await api.request("GET", f"/transactions/TX21-1?stationId={station}")
        return body if status == 200 and body.get("state") == "ended" else None

    shown = await eventually(ended)
    assert shown and shown["energyWh"] == 2100 and shown["ocppVersion"] == names.OCPP21
