"""Station simulators for the tests.

``SimStation`` is built on the ``ocpp`` library's v201 ``ChargePoint`` (an independent OCPP
implementation, so we are not only testing ourselves against ourselves). ``RawStation``
sends hand-made frames, for the error paths a well-behaved library cannot produce.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.v201 import ChargePoint, call
from websockets.asyncio.client import ClientConnection, connect

from shared import ocppj

SUBPROTOCOL = "ocpp2.0.1"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def auth_header(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def open_ws(
    base_url: str,
    station: str,
    password: str | None = None,
    subprotocols: list[str] | None = None,
    **kwargs: Any,
) -> ClientConnection:
    headers = auth_header(station, password) if password is not None else {}
    headers.update(kwargs.pop("additional_headers", {}))
    return await connect(
        f"{base_url}/{station}",
        subprotocols=subprotocols or [SUBPROTOCOL],  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=10,
        **kwargs,
    )


class SimStation(ChargePoint):
    """A well-behaved station; ``start()`` must run as a task to receive answers."""

    def boot(self, reason: str = "PowerUp") -> Any:
        return self.call(
            call.BootNotification(
                charging_station={
                    "model": "SimCharger",
                    "vendor_name": "TestVendor",
                    "serial_number": "SN-" + self.id,
                    "firmware_version": "1.0",
                },
                reason=reason,
            )
        )

    def heartbeat(self) -> Any:
        return self.call(call.Heartbeat())

    def status(self, evse: int, connector: int, status: str) -> Any:
        return self.call(
            call.StatusNotification(
                timestamp=now(), connector_status=status, evse_id=evse, connector_id=connector
            )
        )

    def authorize(self, token: str, kind: str = "ISO14443") -> Any:
        return self.call(call.Authorize(id_token={"id_token": token, "type": kind}))

    def transaction_event(
        self,
        event_type: str,
        tx_id: str,
        seq_no: int,
        trigger: str,
        *,
        energy_wh: float | None = None,
        token: str | None = None,
        evse: int = 1,
        **info: Any,
    ) -> Any:
        kwargs: dict[str, Any] = {}
        if energy_wh is not None:
            kwargs["meter_value"] = [
                {
                    "timestamp": now(),
                    "sampled_value": [
                        {
                            "value": energy_wh,
                            "measurand": "Energy.Active.Import.Register",
                            "unit_of_measure": {"unit": "Wh"},
                        }
                    ],
                }
            ]
        if token is not None:
            kwargs["id_token"] = {"id_token": token, "type": "ISO14443"}
        return self.call(
            call.TransactionEvent(
                event_type=event_type,
                timestamp=now(),
                trigger_reason=trigger,
                seq_no=seq_no,
                transaction_info={"transaction_id": tx_id, **info},
                evse={"id": evse, "connector_id": 1},
                **kwargs,
            ),
            suppress=False,
        )


@contextlib.asynccontextmanager
async def sim_station(
    base_url: str,
    station: str,
    password: str | None = None,
    cls: type[SimStation] = SimStation,
) -> AsyncIterator[Any]:
    ws = await open_ws(base_url, station, password)
    cp = cls(station, ws, response_timeout=30)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        for follow_up in getattr(cp, "follow_ups", []):
            follow_up.cancel()
        task.cancel()
        await ws.close()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await task


class RawStation:
    """Frames in, frames out: for testing how the CSMS answers broken input."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, text: str) -> None:
        await self.ws.send(text)

    async def receive(self, timeout: float = 15) -> ocppj.Message:
        async with asyncio.timeout(timeout):
            return ocppj.parse(await self.ws.recv())

    async def call(
        self, action: str, payload: dict[str, Any], message_id: str | None = None
    ) -> ocppj.Message:
        await self.send(ocppj.call_frame(message_id or uuid.uuid4().hex, action, payload))
        return await self.receive()


@contextlib.asynccontextmanager
async def raw_station(
    base_url: str, station: str, password: str | None = None, **kwargs: Any
) -> AsyncIterator[RawStation]:
    ws = await open_ws(base_url, station, password, **kwargs)
    try:
        yield RawStation(ws)
    finally:
        await ws.close()


BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Raw", "vendorName": "TestVendor"}}


@contextlib.asynccontextmanager
async def running(cp: Any) -> AsyncIterator[Any]:
    """An ``ocpp``-library charge point of any version receiving answers until the block
    ends, then its connection closed."""
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await cp._connection.close()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await task
