"""Issue #18's "Done when": one OCPP 1.6, one 2.0.1 and one 2.1 station on one site, served
by the same gateway and workers, boot, charge and share the site's grid limit, and the same
API calls operate them (a reset each, and their transactions read alike)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v21 import ChargePoint as ChargePoint21
from ocpp.v21 import call as call21
from ocpp.v21 import call_result as result21
from ocpp.v201 import call_result as result201

from shared import names
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.simulator import now, open_ws, running, sim_station
from tests.site_station import Ledger, SiteStation
from tests.test_end_to_end import eventually

SITE_AMPS = 32.0


class Site201(SiteStation):
    @on("Reset")
    def on_reset(self, type: str, **kw: Any) -> Any:
        return result201.Reset(status="Accepted")


class Site16(ChargePoint16):
    """A 1.6 charge point that holds the TxProfiles it accepts in the shared ledger."""

    ledger: Ledger
    transaction: int | None = None

    @on("SetChargingProfile")
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict) -> Any:
        tx = cs_charging_profiles.get("transaction_id")
        if (
            cs_charging_profiles["charging_profile_purpose"] != "TxProfile"
            or tx != self.transaction
        ):
            return result16.SetChargingProfile(status="Rejected")
        period = cs_charging_profiles["charging_schedule"]["charging_schedule_period"][0]
        self.ledger.set((self.id, str(tx)), float(period["limit"]))
        return result16.SetChargingProfile(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str) -> Any:
        return result16.Reset(status="Accepted")


class Site21(ChargePoint21):
    """The same on 2.1."""

    ledger: Ledger
    transaction: str | None = None

    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict, **kw: Any) -> Any:
        tx = charging_profile.get("transaction_id")
        if tx is None or tx != self.transaction:
            return result21.SetChargingProfile(status="Rejected")
        period = charging_profile["charging_schedule"][0]["charging_schedule_period"][0]
        self.ledger.set((self.id, tx), float(period["limit"]))
        return result21.SetChargingProfile(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **kw: Any) -> Any:
        return result21.Reset(status="Accepted")


@pytest.fixture
def every_version(cluster: Cluster) -> str:
    """The cluster's own gateway, configured as ``make run``'s: the default OCPP_VERSIONS
    serves all three versions."""
    return cluster.ws_url


def energy(wh: float) -> list[dict[str, Any]]:
    sample = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    return [{"timestamp": now(), "sampled_value": [sample]}]


async def test_a_1_6_a_2_0_1_and_a_2_1_station_share_one_site(api: Api, every_version: str):
    suffix = uuid.uuid4().hex[:6]
    ids = {
        v: f"CS-MIX-{suffix}-{v.removeprefix('ocpp').replace('.', '')}" for v in names.OCPP_VERSIONS
    }
    for station in ids.values():
        await api.register(station, PASSWORD)
    site = f"SITE-MIX-{suffix}"
    status, body = await api.request(
        "PUT", f"/sites/{site}", {"stations": list(ids.values()), "maxCurrent": SITE_AMPS}
    )
    assert status == 201, body
    ledger = Ledger()
    ws16 = await open_ws(every_version, ids[names.OCPP16], PASSWORD, subprotocols=[names.OCPP16])
    ws21 = await open_ws(every_version, ids[names.OCPP21], PASSWORD, subprotocols=[names.OCPP21])
    assert (ws16.subprotocol, ws21.subprotocol) == (names.OCPP16, names.OCPP21)
    cp16, cp21 = Site16(ids[names.OCPP16], ws16), Site21(ids[names.OCPP21], ws21)
    cp16.ledger = cp21.ledger = ledger
    async with (
        running(cp16),
        running(cp21),
        sim_station(every_version, ids[names.OCPP201], PASSWORD, cls=Site201) as cp201,
    ):
        cp201.ledger = ledger
        boot16 = await cp16.call(
            call16.BootNotification(charge_point_vendor="V", charge_point_model="M16")
        )
        boot21 = await cp21.call(
            call21.BootNotification(
                charging_station={"model": "M21", "vendor_name": "V"}, reason="PowerUp"
            )
        )
        assert (await cp201.boot()).status == boot16.status == boot21.status == "Accepted"

        # Each starts charging, in its own version's words.
        started = await cp16.call(
            call16.StartTransaction(connector_id=1, id_tag="MIX-16", meter_start=0, timestamp=now())
        )
        cp16.transaction = started.transaction_id
        await cp201.start_transaction("TX-MIX-201")
        cp21.transaction = "TX-MIX-21"
        await cp21.call(
            call21.TransactionEvent(
                event_type="Started",
                timestamp=now(),
                trigger_reason="CablePluggedIn",
                seq_no=0,
                transaction_info={"transaction_id": "TX-MIX-21"},
                evse={"id": 1, "connector_id": 1},
                meter_value=energy(0),
            )
        )

        def shared_fairly() -> bool:
            return len(ledger.held) == 3 and all(10.0 <= v <= 11.0 for v in ledger.held.values())

        async with asyncio.timeout(20):
            while not shared_fairly():
                ledger.changed.clear()
                await ledger.changed.wait()
        assert ledger.peak <= SITE_AMPS, ledger.held

        # 2.1's priority charging: the 2.1 transaction is served first, the others keep 6 A.
        key21 = (ids[names.OCPP21], "TX-MIX-21")
        others = [k for k in ledger.held if k != key21]
        await cp21.call(call21.NotifyPriorityCharging(transaction_id="TX-MIX-21", activated=True))
        await ledger.until({key21: 20.0, **dict.fromkeys(others, 6.0)})
        await cp21.call(call21.NotifyPriorityCharging(transaction_id="TX-MIX-21", activated=False))
        async with asyncio.timeout(20):
            while not shared_fairly():
                ledger.changed.clear()
                await ledger.changed.wait()
        assert ledger.peak <= SITE_AMPS, ledger.held

        # The same API call resets each, whatever it speaks.
        for station in ids.values():
            status, body = (
                await api.request("POST", f"/stations/{station}/ocpp/Reset", {"type": "OnIdle"})
                if station != ids[names.OCPP16]
                else await api.request("POST", f"/stations/{station}/ocpp/Reset", {"type": "Soft"})
            )
            assert status == 200 and body["response"]["status"] == "Accepted", (station, body)

    # Their transactions read alike in the API, each with its version.
    async def listed() -> Any:
        shown = {}
        for version, station in ids.items():
            status, body = await api.request("GET", f"/transactions?stationId={station}")
            if status != 200 or not body["transactions"]:
                return None
            shown[version] = body["transactions"][0]
        return shown

    shown = await eventually(listed)
    assert shown, "a transaction is missing"
    assert {v: t["ocppVersion"] for v, t in shown.items()} == {v: v for v in names.OCPP_VERSIONS}
    assert shown[names.OCPP16]["transactionId"] == str(cp16.transaction)
