"""The console's transaction, alert and site pages without a browser: each renders for a
viewer, filters on the server, and what changes state needs its role and the CSRF token."""

from __future__ import annotations

import re

from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.console.charging import charge
from tests.console.test_session import _login, _session
from tests.simulator import sim_station


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
