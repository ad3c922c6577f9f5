"""Site load management end to end: a site's limit shared among its stations' running
transactions by TxProfiles, through the real gateway, workers, broker and store, with
``ocpp``-library stations that hold what they accept (``tests/site_station.py``).

Each scenario checks the limits the stations hold once the CSMS settled, and that their sum
never exceeded the site's limit on the way (the ledger's peak)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from ocpp.v201 import call
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import iso, utc_now
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.events import Tap, event_queue
from tests.simulator import now, sim_station
from tests.site_station import Ledger, SiteStation
from tests.test_end_to_end import eventually


@contextlib.asynccontextmanager
async def site_of(
    cluster: Cluster, api: Api, count: int, **site: Any
) -> AsyncIterator[tuple[str, list[SiteStation], Ledger]]:
    """``count`` booted stations, all in one new site defined with ``site``."""
    ledger = Ledger()
    suffix = uuid.uuid4().hex[:8]
    ids = [f"CS-SITE-{suffix}-{i}" for i in range(count)]
    for station in ids:
        await api.register(station, PASSWORD)
    site_id = f"SITE-{suffix}"
    status, body = await api.request("PUT", f"/sites/{site_id}", {"stations": ids, **site})
    assert status == 201, body
    async with contextlib.AsyncExitStack() as stack:
        stations = []
        for station in ids:
            cp = await stack.enter_async_context(
                sim_station(cluster.ws_url, station, PASSWORD, cls=SiteStation)
            )
            cp.ledger = ledger
            assert (await cp.boot()).status == "Accepted"
            stations.append(cp)
        yield site_id, stations, ledger


def key(cp: SiteStation, tx: str) -> tuple[str, str]:
    return (cp.id, tx)


def received(cp: SiteStation, count: int) -> Callable[[], Awaitable[bool]]:
    """For ``eventually``: the station got ``count`` SetChargingProfile requests."""

    async def check() -> bool:
        return len(cp.profiles) >= count

    return check


async def test_three_stations_share_a_32_amp_site_through_every_change(cluster: Cluster, api: Api):
    async with site_of(cluster, api, 3, maxCurrent=32.0, minCurrent=6.0) as (site, cps, ledger):
        a, b, c = cps
        await a.start_transaction("TX-A")
        await ledger.until({key(a, "TX-A"): 32.0})  # one transaction gets the whole site

        await b.start_transaction("TX-B")
        await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0})  # a second halves it

        await c.start_transaction("TX-C")
        thirds = {key(a, "TX-A"): 10.6, key(b, "TX-B"): 10.6, key(c, "TX-C"): 10.6}
        await ledger.until(thirds)  # a third shares it (32 / 3 rounded down to 0.1 A)
        assert ledger.peak <= 32.0

        # An external limit of 12 A: the two oldest at the minimum, the newest at 0.
        status, body = await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 12.0})
        assert status == 200 and body["effectiveLimit"] == 12.0, body
        await ledger.until({key(a, "TX-A"): 6.0, key(b, "TX-B"): 6.0, key(c, "TX-C"): 0.0})
        ledger.reset_peak()

        status, body = await api.request("DELETE", f"/sites/{site}/limit")
        assert status == 200 and body["effectiveLimit"] == 32.0 and body["externalLimit"] is None
        await ledger.until(thirds)
        assert ledger.peak <= 32.0  # raised again without passing the limit on the way

        await a.end_transaction("TX-A")  # an end raises the others
        await ledger.until({key(b, "TX-B"): 16.0, key(c, "TX-C"): 16.0})
        assert ledger.peak <= 32.0

        async def settled() -> Any:
            _, shown = await api.request("GET", f"/sites/{site}")
            done = [x for x in shown["allocations"] if x["status"] == "Accepted"]
            return shown if len(done) == len(shown["allocations"]) == 2 else None

        shown = await eventually(settled)
        assert shown["allocatedCurrent"] == 32.0 and shown["effectiveLimit"] == 32.0
        assert {
            (x["stationId"], x["transactionId"], x["limit"], x["status"], x["unit"])
            for x in shown["allocations"]
        } == {
            (b.id, "TX-B", 16.0, "Accepted", "A"),
            (c.id, "TX-C", 16.0, "Accepted", "A"),
        }
        # What the stations got is a TxProfile for their transaction, in A.
        profile = b.profiles[-1]
        assert profile["charging_profile_purpose"] == "TxProfile"
        assert profile["transaction_id"] == "TX-B" and profile["evseId"] == 1
        assert profile["charging_schedule"][0]["charging_rate_unit"] == "A"


async def test_a_transaction_superseded_on_its_evse_stops_counting(cluster: Cluster, api: Api):
    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-LOST")
        await b.start_transaction("TX-B")
        await ledger.until({key(a, "TX-LOST"): 16.0, key(b, "TX-B"): 16.0})
        await a.start_transaction("TX-NEW")  # TX-LOST's Ended never came
        await ledger.until({key(a, "TX-NEW"): 16.0, key(b, "TX-B"): 16.0})

        async def shown() -> Any:
            _, body = await api.request("GET", f"/sites/{site}")
            ids = {x["transactionId"] for x in body["allocations"]}
            return body if ids == {"TX-NEW", "TX-B"} else None

        body = await eventually(shown)
        assert body["allocatedCurrent"] == 32.0
        # TX-LOST stays gone once the one that superseded it ends too.
        await a.end_transaction("TX-NEW")
        await ledger.until({key(b, "TX-B"): 32.0})
        _, body = await api.request("GET", f"/sites/{site}")
        assert [x["transactionId"] for x in body["allocations"]] == ["TX-B"]


async def test_an_external_limit_with_an_end_stops_limiting_once_it_passes(
    cluster: Cluster, api: Api
):
    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-A")
        await b.start_transaction("TX-B")
        await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0})
        until = iso(utc_now() + timedelta(seconds=3))
        status, body = await api.request(
            "PUT", f"/sites/{site}/limit", {"maxCurrent": 20.0, "until": until, "source": "DSO"}
        )
        assert status == 200 and body["externalLimit"]["source"] == "DSO", body
        await ledger.until({key(a, "TX-A"): 10.0, key(b, "TX-B"): 10.0})
        await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0}, timeout=20)


async def test_a_station_that_rejects_is_counted_at_its_maximum_until_it_accepts(
    cluster: Cluster, api: Api
):
    async with site_of(cluster, api, 3, maxCurrent=32.0, evseMaxCurrent=16.0) as (
        site,
        cps,
        ledger,
    ):
        a, b, c = cps
        a.answer = "Rejected"
        await a.start_transaction("TX-A")

        async def refused() -> Any:
            _, shown = await api.request("GET", f"/sites/{site}")
            return [x for x in shown["allocations"] if x["status"] == "Rejected"]

        [entry] = await eventually(refused)
        assert entry["stationId"] == a.id and entry["countedAt"] == 16.0
        await b.start_transaction("TX-B")
        await ledger.until({key(b, "TX-B"): 16.0})  # 32 less the 16 A counted for A
        await c.start_transaction("TX-C")
        await ledger.until({key(b, "TX-B"): 8.0, key(c, "TX-C"): 8.0})
        assert ledger.peak <= 16.0  # with A's 16 A, the site never went over 32 A

        a.answer = "Accepted"  # tried again within SITE_RETRY_SECONDS, alone first
        await ledger.until(
            {key(a, "TX-A"): 10.6, key(b, "TX-B"): 10.6, key(c, "TX-C"): 10.6}, timeout=30
        )
        assert ledger.peak <= 32.0


async def test_the_ev_maximum_and_a_station_limit_leave_the_rest_to_the_others(
    cluster: Cluster, api: Api
):
    async with site_of(cluster, api, 3, maxCurrent=32.0) as (_, cps, ledger):
        a, b, c = cps
        await a.start_transaction("TX-A")
        await b.start_transaction("TX-B")
        await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0})
        # The EV on A takes at most 10 A (ISO 15118 needs): B gets the rest.
        needs = await a.call(
            call.NotifyEVChargingNeeds(
                evse_id=1,
                charging_needs={
                    "requested_energy_transfer": "AC_three_phase",
                    "ac_charging_parameters": {
                        "energy_amount": 20000,
                        "ev_min_current": 6,
                        "ev_max_current": 10,
                        "ev_max_voltage": 400,
                    },
                },
            )
        )
        assert needs.status == "Accepted"
        await ledger.until({key(a, "TX-A"): 10.0, key(b, "TX-B"): 22.0})
        # C's own energy manager allows it 8 A (NotifyChargingLimit with a schedule).
        await c.start_transaction("TX-C")
        await c.call(
            call.NotifyChargingLimit(
                evse_id=1,
                charging_limit={"charging_limit_source": "EMS", "is_grid_critical": False},
                charging_schedule=[
                    {
                        "id": 1,
                        "charging_rate_unit": "A",
                        "charging_schedule_period": [{"start_period": 0, "limit": 8.0}],
                    }
                ],
            )
        )
        await ledger.until({key(a, "TX-A"): 10.0, key(b, "TX-B"): 14.0, key(c, "TX-C"): 8.0})
        assert ledger.peak <= 32.0
        # The energy manager lets go (ClearedChargingLimit): C shares again.
        await c.call(call.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1))
        await ledger.until({key(a, "TX-A"): 10.0, key(b, "TX-B"): 11.0, key(c, "TX-C"): 11.0})
        assert ledger.peak <= 32.0


async def test_an_ev_leaving_soon_gets_what_it_needs_before_the_others_get_more(
    cluster: Cluster, api: Api
):
    async with site_of(cluster, api, 3, maxCurrent=32.0) as (_, cps, ledger):
        a, b, c = cps
        for cp, tx in ((a, "TX-A"), (b, "TX-B"), (c, "TX-C")):
            await cp.start_transaction(tx)
        fair = {key(a, "TX-A"): 10.6, key(b, "TX-B"): 10.6, key(c, "TX-C"): 10.6}
        await ledger.until(fair)
        # A's EV wants 12,075 Wh within the hour: 17.5 A on three phases at 230 V.
        await a.call(
            call.NotifyEVChargingNeeds(
                evse_id=1,
                charging_needs={
                    "requested_energy_transfer": "AC_three_phase",
                    "departure_time": iso(utc_now() + timedelta(hours=1)),
                    "ac_charging_parameters": {
                        "energy_amount": 12075,
                        "ev_min_current": 6,
                        "ev_max_current": 32,
                        "ev_max_voltage": 400,
                    },
                },
            )
        )

        def served_first() -> bool:
            held = ledger.held
            return 17.5 <= held.get(key(a, "TX-A"), 0) <= 17.7 and all(
                6.0 <= held.get(key(cp, tx), 0) < 10.6 for cp, tx in ((b, "TX-B"), (c, "TX-C"))
            )

        async with asyncio.timeout(15):
            while not served_first():
                ledger.changed.clear()
                await ledger.changed.wait()
        assert ledger.peak <= 32.0 and ledger.total() <= 32.0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "maxCurrent is required"),
        ({"maxCurrent": 0}, "maxCurrent must be >"),
        ({"maxCurrent": True}, "maxCurrent must be a number"),
        ({"maxCurrent": "32"}, "maxCurrent must be a number"),
        ({"maxCurrent": 1e9}, "maxCurrent must be"),
        ({"maxCurrent": 32, "minCurrent": 40}, "minCurrent must not exceed"),
        ({"maxCurrent": 32, "minCurrent": -1}, "minCurrent must be >="),
        ({"maxCurrent": 32, "phases": 4}, "phases must be 1, 2 or 3"),
        ({"maxCurrent": 32, "phases": True}, "phases must be 1, 2 or 3"),
        ({"maxCurrent": 32, "evseMaxCurrent": 0}, "evseMaxCurrent must be >"),
        ({"maxCurrent": 32, "stations": "CS1"}, "stations must be a list"),
        ({"maxCurrent": 32, "stations": ["bad id"]}, "stations must be a list"),
        ({"maxCurrent": 32, "fuse": 200}, "Unknown fields"),
        ({"maxCurrent": 32, "name": 7}, "name must be a string"),
    ],
)
async def test_an_invalid_site_is_refused_with_what_is_wrong(api: Api, body: Any, error: str):
    status, answer = await api.request("PUT", "/sites/SITE-INVALID", body)
    assert status == 422 and error in answer["error"], answer
    assert (await api.request("GET", "/sites/SITE-INVALID"))[0] == 404


async def test_a_station_belongs_to_one_site_at_most(api: Api):
    suffix = uuid.uuid4().hex[:8]
    one, two, three = (f"CS-MEMBER-{suffix}-{i}" for i in range(3))
    for station in (one, two, three):
        await api.register(station, PASSWORD)
    status, _ = await api.request(
        "PUT", f"/sites/A-{suffix}", {"maxCurrent": 32, "stations": [one]}
    )
    assert status == 201
    status, answer = await api.request(
        "PUT", f"/sites/B-{suffix}", {"maxCurrent": 32, "stations": [two, one]}
    )
    assert status == 409 and answer["detail"] == {one: f"A-{suffix}"}, answer
    # Nothing of the refused site was kept: two is still free.
    status, _ = await api.request(
        "PUT", f"/sites/C-{suffix}", {"maxCurrent": 32, "stations": [two]}
    )
    assert status == 201
    # Dropping one from A frees it for B; replacing A answers 200.
    status, answer = await api.request(
        "PUT", f"/sites/A-{suffix}", {"maxCurrent": 40, "stations": [three]}
    )
    assert status == 200 and answer["stations"] == [three] and answer["maxCurrent"] == 40
    status, _ = await api.request(
        "PUT", f"/sites/B-{suffix}", {"maxCurrent": 32, "stations": [one]}
    )
    assert status == 201
    status, answer = await api.request(
        "PUT", f"/sites/D-{suffix}", {"maxCurrent": 32, "stations": [f"CS-NOBODY-{suffix}"]}
    )
    assert status == 422 and answer["detail"] == [f"CS-NOBODY-{suffix}"]
    status, answer = await api.request(
        "PUT", f"/sites/D-{suffix}", {"maxCurrent": 32, "stations": [one, one]}
    )
    assert status == 422 and "twice" in answer["error"]
    # Deleting a site frees its stations.
    assert (await api.request("DELETE", f"/sites/B-{suffix}"))[0] == 200
    assert (await api.request("DELETE", f"/sites/B-{suffix}"))[0] == 404
    status, _ = await api.request(
        "PUT", f"/sites/D-{suffix}", {"maxCurrent": 32, "stations": [one]}
    )
    assert status == 201


async def test_a_site_limit_is_validated_and_shown(api: Api):
    site = f"SITE-LIMIT-{uuid.uuid4().hex[:8]}"
    assert (await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 10}))[0] == 404
    status, answer = await api.request("PUT", f"/sites/{site}", {"maxCurrent": 32, "name": "Depot"})
    assert status == 201 and answer["effectiveLimit"] == 32 and answer["externalLimit"] is None
    assert answer["allocations"] == [] and answer["phases"] == 3 and answer["minCurrent"] == 6
    for body, error in (
        ({}, "maxCurrent is required"),
        ({"maxCurrent": -1}, "maxCurrent must be >="),
        ({"maxCurrent": 10, "until": "yesterday"}, "until must be an RFC 3339"),
        ({"maxCurrent": 10, "until": iso(utc_now() - timedelta(seconds=1))}, "in the future"),
        ({"maxCurrent": 10, "why": "x"}, "Unknown fields"),
    ):
        status, answer = await api.request("PUT", f"/sites/{site}/limit", body)
        assert status == 422 and error in answer["error"], (body, answer)
    assert (await api.request("DELETE", f"/sites/{site}/limit"))[0] == 404
    status, answer = await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 40})
    assert status == 200 and answer["effectiveLimit"] == 32  # the smaller of the two
    status, answer = await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 0})
    assert answer["effectiveLimit"] == 0 and answer["externalLimit"]["maxCurrent"] == 0
    status, listing = await api.request("GET", "/sites?limit=1000")
    assert status == 200 and site in [s["siteId"] for s in listing]
    assert (await api.request("GET", "/sites/bad%20id"))[0] == 400


async def test_workers_competing_and_dying_never_take_the_site_over_its_limit(
    cluster: Cluster, api: Api
):
    """Six stations start at once while two workers take events; then three transactions
    end while both workers are killed and replaced: the ends are not lost, and the limits
    the stations hold never add up to more than the site's 40 A."""
    async with site_of(cluster, api, 6, maxCurrent=40.0) as (_, cps, ledger):
        await asyncio.gather(*(cp.start_transaction(f"TX-{i}") for i, cp in enumerate(cps)))
        await ledger.until({key(cp, f"TX-{i}"): 6.6 for i, cp in enumerate(cps)})
        assert ledger.peak <= 40.0

        ends = [asyncio.create_task(cp.end_transaction(f"TX-{i}")) for i, cp in enumerate(cps[:3])]
        await asyncio.sleep(0.05)
        for worker in cluster.workers():
            cluster.kill(worker, signal.SIGKILL)
        cluster.start("workers")
        cluster.start("workers")
        await asyncio.gather(*ends)
        await ledger.until(
            {key(cp, f"TX-{i}"): 13.3 for i, cp in enumerate(cps) if i >= 3}, timeout=60
        )
        assert ledger.peak <= 40.0


async def test_an_ev_schedule_above_its_limit_is_rejected_and_renegotiated_once(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any]
):
    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-A")
        await b.start_transaction("TX-B")
        await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0})

        async def accepted() -> Any:
            _, body = await api.request("GET", f"/sites/{site}")
            return all(x["status"] == "Accepted" for x in body["allocations"])

        assert await eventually(accepted)

        async def schedule(limit: float) -> Any:
            return await a.call(
                call.NotifyEVChargingSchedule(
                    time_base=now(),
                    evse_id=1,
                    charging_schedule={
                        "id": 1,
                        "charging_rate_unit": "A",
                        "charging_schedule_period": [
                            {"start_period": 0, "limit": 10.0},
                            {"start_period": 600, "limit": limit},
                        ],
                    },
                )
            )

        async def stored_check() -> dict[str, Any]:
            stored = await db[names.EV_CHARGING_SCHEDULES].find_one({"_id": f"{a.id}/1"})
            assert stored is not None
            check: dict[str, Any] = stored["check"]
            assert (check["siteId"], check["transactionId"]) == (site, "TX-A")
            return check

        sent = len(a.profiles)
        assert (await schedule(16.0)).status == "Accepted"  # K15.FR.11
        check = await stored_check()
        assert (check["within"], check["periodsAbove"]) == (True, [])
        assert [p["stackLevel"] for p in check["profiles"]] == [1]
        # Above the 16 A the site sent: Rejected (K17.FR.12), and the same limit is sent
        # again so the station renegotiates with the EV (K17.FR.13).
        assert (await schedule(20.0)).status == "Rejected"
        check = await stored_check()
        assert (check["within"], check["periodsAbove"]) == (False, [600])
        assert await eventually(received(a, sent + 1))
        again = a.profiles[-1]
        assert again["transaction_id"] == "TX-A" and again["evseId"] == 1
        assert again["charging_schedule"][0]["charging_schedule_period"][0]["limit"] == 16.0
        # Too much again: Rejected, but no second renegotiation in a row.
        assert (await schedule(20.0)).status == "Rejected"
        await asyncio.sleep(2)
        assert len(a.profiles) == sent + 1
        assert ledger.held == {key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0}


async def test_ev_needs_get_the_transaction_its_limit_even_unchanged(cluster: Cluster, api: Api):
    """OCTT TC_K_53/57: after NotifyEVChargingNeeds the CSMS sends the transaction a
    TxProfile, which the station needs to give the EV its schedule."""
    async with site_of(cluster, api, 1, maxCurrent=32.0) as (_, (a,), ledger):
        await a.start_transaction("TX-A")
        await ledger.until({key(a, "TX-A"): 32.0})
        sent = len(a.profiles)
        needs = await a.call(
            call.NotifyEVChargingNeeds(
                evse_id=1,
                max_schedule_tuples=10,
                charging_needs={
                    "requested_energy_transfer": "AC_three_phase",
                    "ac_charging_parameters": {
                        "energy_amount": 20000,
                        "ev_min_current": 6,
                        "ev_max_current": 40,  # above the site: the share stays 32 A
                        "ev_max_voltage": 400,
                    },
                },
            )
        )
        assert needs.status == "Accepted"
        assert await eventually(received(a, sent + 1))
        profile = a.profiles[-1]
        assert profile["charging_profile_purpose"] == "TxProfile"
        assert profile["transaction_id"] == "TX-A"
        assert profile["charging_schedule"][0]["charging_schedule_period"][0]["limit"] == 32.0


async def test_each_allocation_change_is_published_with_the_site_s_limits(
    cluster: Cluster, api: Api
):
    async with site_of(cluster, api, 2, maxCurrent=32.0) as (site, (a, b), ledger):
        async with event_queue(cluster.amqp_url, f"site.allocation.changed.{site}") as queue:
            tap = Tap(queue)
            await a.start_transaction("TX-A")
            await ledger.until({key(a, "TX-A"): 32.0})
            await b.start_transaction("TX-B")
            await ledger.until({key(a, "TX-A"): 16.0, key(b, "TX-B"): 16.0})
            # The site's creation may publish one before (effective limit, no transaction).
            events = await tap.events(2)
            if not events[0]["allocations"]:
                events = events[1:] + await tap.events(1)
    assert [e["event"] for e in events] == ["site.allocation.changed"] * 2
    assert all(e["siteId"] == site and e["effectiveLimit"] == 32.0 for e in events)
    assert events[1]["revision"] == events[0]["revision"] + 1
    assert [(x["transactionId"], x["limit"], x["status"]) for x in events[0]["allocations"]] == [
        ("TX-A", 32.0, "Accepted")
    ]
    assert [(x["transactionId"], x["limit"], x["status"]) for x in events[1]["allocations"]] == [
        ("TX-A", 16.0, "Accepted"),
        ("TX-B", 16.0, "Accepted"),
    ]
    assert all(x["unit"] == "A" for x in events[1]["allocations"])
    assert names.EVENT_TRANSACTION_STARTED in events[1]["reasons"]
