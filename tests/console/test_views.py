"""The console's transaction, alert and site pages without a browser: each renders for a
viewer, filters on the server, and what changes state needs its role and the CSRF token."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ocpp.v201 import call

from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.console.charging import charge
from tests.console.test_session import _login, _session
from tests.simulator import now, sim_station


async def test_transactions_list_and_detail_with_its_chart(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
        await charge(cp, api, station, "TX-VIEW-1")
    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])
        async with http.get(f"{console_url}/transactions?station={station}") as r:
            page = await r.text()
            assert r.status == 200
            assert re.findall(r'data-transaction-row="([^"]+)"', page) == [f"{station}/TX-VIEW-1"]
        async with http.get(f"{console_url}/transactions?station={station}&state=active") as r:
            assert "data-transaction-row" not in await r.text()
        async with http.get(f"{console_url}/transactions?station=bad%20id") as r:
            assert r.status == 400
        async with http.get(f"{console_url}/transactions/{station}/TX-VIEW-1") as r:
            page = await r.text()
            assert r.status == 200 and re.search(r"4100(\.0)? Wh", page), page
            assert 'id="energy-chart"' in page
            assert re.search(r'<path class="series energy" d="M[0-9.]+,[0-9.]+ L', page)
            assert re.search(r'<path class="series power" d="M', page)
            assert "derived from the energy" in page
            assert "EVDeparted" in page
        async with http.get(f"{console_url}/transactions/{station}/TX-NOPE") as r:
            assert r.status == 404


def test_power_comes_from_its_samples_or_from_the_energy():
    from datetime import UTC, datetime, timedelta

    from api.console import charts

    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def mv(minutes: int, *sampled: dict) -> dict:
        return {"timestamp": t0 + timedelta(minutes=minutes), "sampledValue": list(sampled)}

    energy = [
        mv(0, {"value": 1, "unitOfMeasure": {"unit": "kWh"}}),
        mv(30, {"value": 2, "unitOfMeasure": {"unit": "kWh"}}, {"value": 5, "phase": "L1"}),
    ]
    e, p, derived = charts.series(energy)
    assert e == [(t0, 1000.0), (t0 + timedelta(minutes=30), 2000.0)]
    assert derived and p == [(t0 + timedelta(minutes=30), 2000.0)]
    measured = [
        *energy,
        mv(10, {"value": 7, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "kW"}}),
    ]
    _, p, derived = charts.series(measured)
    assert not derived and p == [(t0 + timedelta(minutes=10), 7000.0)]
    chart = charts.energy_chart(e, p)
    assert chart is not None and chart["energy"].startswith("M")
    assert charts.energy_chart(e[:1], []) is None


async def _raise_alert(cp, api: Api, station: str, seq: int, value: str) -> str:
    event = {
        "event_id": seq + 1,
        "timestamp": now(),
        "trigger": "Alerting",
        "actual_value": value,
        "event_notification_type": "CustomMonitor",
        "component": {"name": "TempSensor"},
        "variable": {"name": "Temperature"},
    }
    await cp.call(call.NotifyEvent(generated_at=now(), seq_no=seq, event_data=[event]))
    async with asyncio.timeout(15):
        while True:
            _, body = await api.request("GET", f"/alerts?stationId={station}")
            for alert in body["alerts"]:
                if alert["actualValue"] == value:
                    return str(alert["alertId"])
            await asyncio.sleep(0.2)


async def test_alerts_list_and_acknowledge_by_role_with_csrf(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
        alert = await _raise_alert(cp, api, station, 0, "91.5")
    url = f"{console_url}/alerts/{alert}/ack"
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["viewer"])
        async with http.get(f"{console_url}/alerts?station={station}") as r:
            page = await r.text()
            assert r.status == 200 and f'data-alert-row="{alert}"' in page
            assert "91.5" in page and "Acknowledge</button>" not in page
        async with http.post(url, data={"csrf": csrf}) as r:
            assert r.status == 403
    async with _session() as http:
        csrf = await _login(http, console_url, role_keys["operator"])
        async with http.get(f"{console_url}/alerts?station={station}&ack=unacknowledged") as r:
            assert "Acknowledge</button>" in await r.text()
        async with http.post(url, data={"note": "no csrf"}) as r:
            assert r.status == 403
        form = {"csrf": csrf, "note": "on my way", "station": station}
        async with http.post(url, data=form, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"].startswith("/console/alerts?")
        async with http.post(url, data=form) as r:
            page = await r.text()
            assert r.status == 409 and "acknowledged before" in page
        async with http.get(f"{console_url}/alerts?station={station}&ack=acknowledged") as r:
            page = await r.text()
            assert f'data-alert-row="{alert}"' in page and "on my way" in page
        async with http.get(f"{console_url}/alerts?station={station}&ack=unacknowledged") as r:
            assert "data-alert-row" not in await r.text()
    _, one = await api.request("GET", f"/alerts/{alert}")
    assert one["acknowledgement"]["note"] == "on my way"
    assert one["acknowledgement"]["by"] == "console-operator"
    _, body = await api.request("GET", "/audit?limit=1000")
    acks = [e for e in body["entries"] if e["path"] == f"/console/alerts/{alert}/ack"]
    assert acks and {e["role"] for e in acks} <= {"operator", "viewer"}


async def test_sites_list_and_a_site_with_its_allocation_bars(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str]
):
    from tests.test_end_to_end import eventually
    from tests.test_sites import key, site_of

    async with site_of(cluster, api, 2, maxCurrent=32.0, minCurrent=6.0) as (site, cps, ledger):
        a, b = cps
        await a.start_transaction("TX-S1")
        await b.start_transaction("TX-S2")
        await ledger.until({key(a, "TX-S1"): 16.0, key(b, "TX-S2"): 16.0})
        status, _ = await api.request("PUT", f"/sites/{site}/limit", {"maxCurrent": 20.0})
        assert status == 200

        async def settled() -> Any:
            _, shown = await api.request("GET", f"/sites/{site}")
            done = [x for x in shown["allocations"] if x["status"] == "Accepted"]
            limits = {x["limit"] for x in done}
            return shown if len(done) == 2 and limits == {10.0} else None

        await eventually(settled)
        async with _session() as http:
            await _login(http, console_url, role_keys["viewer"])
            async with http.get(f"{console_url}/sites") as r:
                assert r.status == 200 and f'data-site-row="{site}"' in await r.text()
            async with http.get(f"{console_url}/sites/{site}") as r:
                page = await r.text()
                assert r.status == 200 and 'id="site-bars"' in page
                assert re.search(r'id="effective-limit"><strong>20.0 A', page)
                rows = re.findall(r'data-allocation-row="([^"]+)"', page)
                assert sorted(rows) == [f"{a.id}/TX-S1", f"{b.id}/TX-S2"]
                assert len(re.findall(r'<rect class="bar"', page)) == 3  # two and their sum
                assert 'class="limit-line"' in page
            async with http.get(f"{console_url}/sites/NO-SUCH-SITE") as r:
                assert r.status == 404


async def test_the_dashboard_counts_today_s_energy_and_draws_its_trends(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    from tests.test_end_to_end import eventually

    async with _session() as http:
        await _login(http, console_url, role_keys["viewer"])

        async def energy() -> float:
            async with http.get(f"{console_url}/") as r:
                page = await r.text()
            assert r.status == 200 and page.count('<svg class="spark"') == 3, page
            return float(re.findall(r'id="energy-today">([0-9.]+)<', page)[0])

        before = await energy()
        async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
            await cp.boot()
            await charge(cp, api, station, "TX-DASH-1")

        async def grew() -> bool:  # the numbers are shared for a few seconds
            return await energy() >= before + 4.0  # 4.1 kWh, each figure rounded to 0.1

        assert await eventually(grew, timeout=15)


async def test_a_station_page_shows_the_negotiated_version_and_the_allowed_ones(
    api: Api, cluster: Cluster, console_url: str, role_keys: dict[str, str], station: str
):
    await api.register(station, ocppVersions=["ocpp2.0.1", "ocpp1.6"])
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        await cp.boot()
        async with _session() as http:
            await _login(http, console_url, role_keys["viewer"])
            for _ in range(50):  # presence is applied asynchronously
                async with http.get(f"{console_url}/stations/{station}") as r:
                    page = await r.text()
                if 'id="ocpp-version"' in page:
                    break
                await asyncio.sleep(0.1)
            assert '<span id="ocpp-version">ocpp2.0.1</span>' in page
            assert "ocpp2.0.1, ocpp1.6" in page
