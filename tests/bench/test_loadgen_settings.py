"""The load generator's own knobs: station spreading over gateways and the call mix."""

import random

from bench.loadgen.scenario import Scenario
from bench.loadgen.settings import Settings


def settings(**overrides: object) -> Settings:
    base = {"url": "ws://a:9000/ocpp", "api": "http://a/api", "stations": 4, "rate": 1.0}
    return Settings(**{**base, "duration": 1.0, **overrides})  # type: ignore[arg-type]


def test_stations_are_dealt_round_robin_over_the_gateways_given():
    run = settings(url="ws://a:9000/ocpp,ws://b:9001/ocpp/")
    assert [run.station_url(i) for i in range(3)] == [
        "ws://a:9000/ocpp/loadgen-00000",
        "ws://b:9001/ocpp/loadgen-00001",
        "ws://a:9000/ocpp/loadgen-00002",
    ]


def test_heartbeat_mix_sends_only_heartbeats_and_fleet_mix_more():
    def actions(mix: str) -> set[str]:
        scenario = Scenario.create("S1", "t-1", "TOKEN", 2, random.Random(1), mix)
        return {scenario.next_call().action for _ in range(200)}

    assert actions("heartbeat") == {"Heartbeat"}
    assert {"Heartbeat", "TransactionEvent", "Authorize"} <= actions("fleet")


def test_unknown_mix_is_refused():
    assert any("--mix" in problem for problem in settings(mix="nope", password="x" * 16).check())
