"""The load generator's own knobs: station spreading over gateways, the call mix and the
OCPP version each station speaks."""

import random

import pytest

from bench.loadgen.__main__ import parse_args, settings_from
from bench.loadgen.scenario import Scenario
from bench.loadgen.settings import Settings
from bench.loadgen.station import Station, Window
from bench.loadgen.stats import Recorder
from shared import names


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


def test_ocpp_version_defaults_to_2_0_1_and_takes_each_version_or_mixed():
    def version(*argv: str) -> str:
        return settings_from(parse_args(["--stations", "6", *argv])).ocpp_version

    assert version() == names.OCPP201
    for word in (names.OCPP16, names.OCPP201, names.OCPP21, "mixed"):
        assert version("--ocpp-version", word) == word


def test_an_unknown_ocpp_version_is_refused_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
):
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--ocpp-version", "ocpp2.0"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "--ocpp-version: invalid choice: 'ocpp2.0'" in error
    assert all(word in error for word in ("ocpp1.6", "ocpp2.0.1", "ocpp2.1", "mixed"))
    (problem,) = settings(ocpp_version="ocpp2.0", password="x" * 16).check()
    assert problem == "--ocpp-version: 'ocpp2.0' is none of ocpp2.0.1, ocpp1.6, ocpp2.1, mixed"


def test_mixed_deals_1_6_2_0_1_2_1_by_station_number_a_third_each():
    mixed = settings(ocpp_version="mixed", stations=7)
    assert [mixed.version_of(i) for i in range(4)] == [
        names.OCPP16,
        names.OCPP201,
        names.OCPP21,
        names.OCPP16,
    ]
    assert mixed.versions() == {names.OCPP16: 3, names.OCPP201: 2, names.OCPP21: 2}
    # by number, not by position in the run: a station keeps its version between runs
    assert settings(ocpp_version="mixed", first=4).version_of(0) == names.OCPP201
    assert settings(ocpp_version=names.OCPP16).versions() == {names.OCPP16: 4}


async def test_each_station_offers_its_own_version():
    run = settings(ocpp_version="mixed", stations=3)
    stations = [Station(run, i, Recorder(), Window(0.0, 1.0)) for i in range(3)]
    assert [station.version for station in stations] == [
        names.OCPP16,
        names.OCPP201,
        names.OCPP21,
    ]
    assert [station.scenario.dialect.version for station in stations] == list(run.versions())


def test_a_1_6_id_tag_is_at_most_20_characters():
    long_token = {"id_token": "T" * 21, "password": "x" * 16}
    assert settings(**long_token).check() == []
    for version in (names.OCPP16, "mixed"):
        (problem,) = settings(ocpp_version=version, **long_token).check()
        assert "at most 20 characters for ocpp1.6" in problem
