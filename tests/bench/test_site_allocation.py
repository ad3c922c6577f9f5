"""bench.site_allocation against the test cluster: it measures what it says and reports a
site that stayed within its limit."""

from __future__ import annotations

from bench import site_allocation
from tests.cluster import Cluster


async def test_the_site_benchmark_times_every_round_and_checks_the_limit(cluster: Cluster):
    args = site_allocation._parse(
        [
            "--url",
            cluster.ws_url,
            "--api",
            cluster.api_url,
            f"--api-key={cluster.admin_key}",
            "--stations",
            "4",
            "--rounds",
            "2",
        ]
    )
    result = await site_allocation.run(args)
    assert result["stations"] == 4 and result["siteLimit"] == 32.0
    assert result["withinLimit"] and result["peakHeldA"] == 32.0
    for kind in ("startToLastProfileMs", "endToLastProfileMs"):
        timing = result[kind]
        assert 0 < timing["p50"] <= timing["max"] < 10_000, (kind, timing)
