"""A simulated station to try the CSMS by hand: it boots, reports its connector, sends a
heartbeat now and then, and answers every command the way the test suite's station does.

    .venv/bin/python -m tests.demo_station CS001 --password change-me-0123456789

Then drive it with curl (see README, "Operating a station").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from typing import Any

from ocpp.routing import after, on
from ocpp.v201 import call, call_result

from tests.operated_station import OperatedStation
from tests.simulator import now, sim_station


class DemoStation(OperatedStation):
    """Prints every CSMS call, and ends a transaction the CSMS asks it to stop, as a real
    station does (TransactionEvent Ended)."""

    energy_wh = 10_000.0
    alert_after = 3.0  # seconds from a threshold monitor's set to its alert ...
    clear_after = 10.0  # ... and to the alert's clearing
    _event_ids = 0

    @on("CostUpdated")
    def on_cost_updated(self, total_cost: float, transaction_id: str, **kw: Any) -> Any:
        return call_result.CostUpdated()

    @after("SetVariableMonitoring")
    def after_set_variable_monitoring(self, set_monitoring_data: list[dict[str, Any]]) -> None:
        """Each threshold monitor it accepted is crossed a little later (NotifyEvent
        Alerting), then the value comes back (the same event, cleared): what a real
        station's variable does, sped up."""
        for wanted in set_monitoring_data:
            if wanted["type"] not in ("UpperThreshold", "LowerThreshold"):
                continue
            for monitor_id, held in self.monitors.items():
                if (held["component"], held["variable"], held["type"]) == (
                    wanted["component"],
                    wanted["variable"],
                    wanted["type"],
                ):
                    self._later(self._cross(monitor_id, held))

    async def _cross(self, monitor_id: int, monitor: dict[str, Any]) -> None:
        self._event_ids += 1
        event_id = self._event_ids
        beyond = float(monitor["value"]) + (1 if monitor["type"] == "UpperThreshold" else -1)
        for delay, cleared in ((self.alert_after, False), (self.clear_after, True)):
            await asyncio.sleep(delay)
            value = float(monitor["value"]) - (beyond - float(monitor["value"]))
            event = {
                "event_id": event_id,
                "timestamp": now(),
                "trigger": "Alerting",
                "actual_value": str(value if cleared else beyond),
                "event_notification_type": "CustomMonitor",
                "component": monitor["component"],
                "variable": monitor["variable"],
                "variable_monitoring_id": monitor_id,
            }
            if cleared:
                event["cleared"] = True
            print(f"{self.id}: -> NotifyEvent {'cleared' if cleared else 'Alerting'} {event}")
            await self.call(call.NotifyEvent(generated_at=now(), seq_no=0, event_data=[event]))

    async def route_message(self, raw_msg: str | bytes) -> None:
        frame = json.loads(raw_msg)
        if frame[0] == 2:
            print(f"{self.id}: <- {frame[2]} {json.dumps(frame[3])}")
        await super().route_message(raw_msg)

    @after("RequestStopTransaction")
    def after_request_stop(self, transaction_id: str, **kw: Any) -> None:
        """Ends with the energy register read at the start (0 Wh) and now (``energy_wh``,
        10 kWh unless set), so a tariff has something to price."""

        def register(wh: float, at: str) -> dict[str, Any]:
            return {
                "timestamp": at,
                "sampled_value": [
                    {
                        "value": wh,
                        "measurand": "Energy.Active.Import.Register",
                        "context": "Transaction.End" if wh else "Transaction.Begin",
                        "unit_of_measure": {"unit": "Wh"},
                    }
                ],
            }

        self._later(
            self.call(
                call.TransactionEvent(
                    event_type="Ended",
                    timestamp=now(),
                    trigger_reason="RemoteStop",
                    seq_no=1,
                    transaction_info={"transaction_id": transaction_id, "stopped_reason": "Remote"},
                    evse={"id": 1, "connector_id": 1},
                    meter_value=[register(0, now()), register(self.energy_wh, now())],
                )
            )
        )


async def run(url: str, station: str, password: str | None, heartbeat: float) -> None:
    async with sim_station(url, station, password, cls=DemoStation) as cp:
        boot = await cp.boot()
        print(f"{station}: BootNotification -> {boot.status}, interval {boot.interval}s")
        await cp.status(1, 1, "Available")
        print(f"{station}: connected to {url}; Ctrl-C stops")
        while True:
            await asyncio.sleep(heartbeat)
            answer = await cp.heartbeat()
            print(f"{station}: Heartbeat -> {answer.current_time if answer else 'refused'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("station", help="station id, registered with PUT /api/v1/stations/{id}")
    parser.add_argument("--password", help="its Basic auth password, if it has one")
    parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp", help="OCPP-J endpoint")
    parser.add_argument("--heartbeat", type=float, default=60.0, help="seconds between beats")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(run(args.url, args.station, args.password, args.heartbeat))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
