"""A charging session from an ``ocpp``-library station, with meter values a minute apart,
for the console's transaction pages and chart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v201 import call

from tests.conftest import Api

STEPS_WH = (0, 1200, 3000, 4100)


def _at(start: datetime, minutes: int) -> str:
    moment = start + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def charge(cp: Any, api: Api, station: str, tx_id: str, *, power: bool = False) -> None:
    """Started, two Updated and Ended, each with the energy register (and the power when
    ``power``), then wait until a worker stored the end."""
    start = datetime.now(UTC) - timedelta(minutes=len(STEPS_WH))
    kinds = ["Started"] + ["Updated"] * (len(STEPS_WH) - 2) + ["Ended"]
    triggers = ["CablePluggedIn"] + ["MeterValuePeriodic"] * (len(STEPS_WH) - 2) + ["EVDeparted"]
    for seq, (kind, trigger, wh) in enumerate(zip(kinds, triggers, STEPS_WH, strict=True)):
        sampled: list[dict[str, Any]] = [
            {
                "value": wh,
                "measurand": "Energy.Active.Import.Register",
                "unit_of_measure": {"unit": "Wh"},
            }
        ]
        if power:
            sampled.append(
                {
                    "value": 7.2,
                    "measurand": "Power.Active.Import",
                    "unit_of_measure": {"unit": "kW"},
                }
            )
        info: dict[str, Any] = {"transaction_id": tx_id}
        if kind == "Ended":
            info["stopped_reason"] = "EVDisconnected"
        await cp.call(
            call.TransactionEvent(
                event_type=kind,
                timestamp=_at(start, seq),
                trigger_reason=trigger,
                seq_no=seq,
                transaction_info=info,
                evse={"id": 1, "connector_id": 1},
                meter_value=[{"timestamp": _at(start, seq), "sampled_value": sampled}],
            ),
            suppress=False,
        )
    async with asyncio.timeout(15):
        while True:
            status, body = await api.request("GET", f"/transactions/{tx_id}?stationId={station}")
            if status == 200 and body["state"] == "ended" and body["meterLastWh"] == STEPS_WH[-1]:
                return
            await asyncio.sleep(0.2)
