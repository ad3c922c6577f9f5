"""Which connected OCPP 2.1 stations a changed tariff is sent to, without sockets."""

from __future__ import annotations

from api.tariff_push import targets


def test_a_station_tariff_goes_to_its_own_connected_2_1_stations():
    doc = {"_id": "T", "stations": ["A", "B", "Z"], "default": False}
    assert targets(doc, ["A", "C", "Z"], {}) == ["A", "Z"]


def test_the_default_goes_to_every_connected_2_1_station_without_its_own():
    doc = {"_id": "D", "stations": ["B"], "default": True}
    own = {"A": "OTHER", "B": "D"}
    assert targets(doc, ["A", "B", "C"], own) == ["B", "C"]


def test_nothing_goes_to_a_station_not_speaking_2_1():
    assert targets({"_id": "D", "stations": ["A"], "default": True}, [], {}) == []
