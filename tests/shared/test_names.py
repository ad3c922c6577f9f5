"""shared.names: bus names, event routing keys and collection names."""

from __future__ import annotations

import pytest

from shared import names
from shared.names import event_key, gateway_queue
from shared.ocppj import STATION_ID_PATTERN

EVENTS = {value for key, value in vars(names).items() if key.startswith("EVENT_")}
STATION_EVENTS = EVENTS - set(names.SITE_EVENTS)
COLLECTIONS = [
    names.STATIONS,
    names.CONNECTORS,
    names.ID_TOKENS,
    names.TRANSACTIONS,
    names.TRANSACTION_EVENTS,
    names.METER_VALUES,
    names.DEVICE_MODEL,
    names.REPORTS,
    names.STATION_EVENTS,
    names.SECURITY_EVENTS,
    names.CUSTOMER_INFORMATION,
    names.DATA_TRANSFERS,
]


def test_event_key_appends_a_plain_station_id() -> None:
    assert event_key(names.EVENT_STATION_BOOTED, "CS1") == "station.booted.CS1"


def test_event_key_writes_dots_in_the_station_id_as_tildes() -> None:
    assert event_key(names.EVENT_TRANSACTION_STARTED, "site.7.CS-1") == (
        "transaction.started.site~7~CS-1"
    )


@pytest.mark.parametrize(
    "station",
    ["CS1", "a.b", ".", "...", "x.y.z.w", "." + "s" * 47],
    ids=["plain", "one-dot", "only-dot", "dots", "many", "48-chars"],
)
def test_event_key_always_has_three_words_for_noun_verb_station(station: str) -> None:
    assert STATION_ID_PATTERN.match(station)

    for event in STATION_EVENTS:
        words = event_key(event, station).split(".")
        assert len(words) == 3, (event, station)
        assert ".".join(words[:2]) == event


def test_event_key_encoding_is_reversible_because_station_ids_never_hold_a_tilde() -> None:
    station = "zone.3.CS*1|a@b"
    assert STATION_ID_PATTERN.match(station)
    assert STATION_ID_PATTERN.match("CS~1") is None

    station_word = event_key(names.EVENT_HEARTBEAT, station).split(".", 2)[2]

    assert station_word.replace("~", ".") == station


def test_distinct_station_ids_give_distinct_event_keys() -> None:
    stations = ("a.b", "ab", "a.b.", ".ab", "a..b")
    assert all(STATION_ID_PATTERN.match(s) for s in stations)

    keys = {event_key(names.EVENT_METER_VALUES, s) for s in stations}

    assert len(keys) == len(stations)


def test_every_event_name_is_noun_dot_verb_and_unique() -> None:
    event_constants = [v for k, v in vars(names).items() if k.startswith("EVENT_")]

    assert len(event_constants) == len(EVENTS)
    for event in STATION_EVENTS:
        noun, verb = event.split(".")
        assert noun and verb and "~" not in event


def test_site_events_start_with_site_and_end_with_the_site_id() -> None:
    assert set(names.SITE_EVENTS) <= EVENTS
    for event in names.SITE_EVENTS:
        assert event.split(".")[0] == "site" and "~" not in event
        assert event_key(event, "DEPOT.A") == f"{event}.DEPOT~A"
    assert names.EVENT_SITE_ALLOCATION_CHANGED == "site.allocation.changed"  # issue #14


def test_gateway_queue_is_prefixed_by_gateway() -> None:
    assert gateway_queue("gw-host-1234") == "gateway.gw-host-1234"
    assert gateway_queue("x").startswith(names.GATEWAY_QUEUE_PREFIX)


def test_queue_and_exchange_names_are_distinct() -> None:
    bus = [
        names.INBOUND_QUEUE,
        names.RPC_QUEUE,
        names.STATION_EXCHANGE,
        names.EVENTS_EXCHANGE,
        names.PRESENCE_QUEUE,
        names.GATEWAYS_EXCHANGE,
    ]

    assert bus == [
        "ocpp.inbound",
        "ocpp.rpc",
        "ocpp.station",
        "ocpp.events",
        "ocpp.presence",
        "ocpp.gateways",
    ]
    assert not any(name.startswith(names.GATEWAY_QUEUE_PREFIX) for name in bus)


def test_message_types_are_distinct() -> None:
    types = [
        names.TYPE_INBOUND,
        names.TYPE_REPLY,
        names.TYPE_AUTH,
        names.TYPE_AUTH_RESULT,
        names.TYPE_TAKEOVER,
        names.TYPE_COMMAND,
        names.TYPE_COMMAND_RESULT,
        names.TYPE_CREDENTIALS_CHANGED,
    ]

    assert len(set(types)) == len(types)


def test_collection_names_are_distinct() -> None:
    assert len(set(COLLECTIONS)) == len(COLLECTIONS) == 12
    assert names.STATIONS == "stations"
