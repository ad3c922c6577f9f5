"""The station list's filter decisions, without the store."""

from __future__ import annotations

from api.console.station_filter import StationFilter, combine


def test_a_hand_edited_query_falls_back_to_no_filter():
    chosen = StationFilter.parse({"status": "sleeping", "q": "  CS ", "model": "x" * 500})
    assert chosen.status == "all" and chosen.prefix == "CS" and len(chosen.model) == 64
    assert StationFilter.parse({"sort": "-id"}).query()["sort"] == "-id"


def test_no_filter_restricts_nothing():
    assert combine(None, "all", []) == (None, None)


def test_filters_that_name_stations_intersect():
    assert combine(None, "all", [["a", "b", "c"], ["b", "c", "d"]]) == (["b", "c"], None)
    assert combine(None, "all", [["a"], []]) == ([], None)


def test_online_intersects_and_offline_excludes():
    assert combine(["a", "x"], "online", []) == (["a", "x"], None)
    assert combine(["a", "x"], "online", [["a", "b"]]) == (["a"], None)
    assert combine(["a", "x"], "offline", []) == (None, ["a", "x"])
    assert combine(["a", "x"], "offline", [["a", "b"]]) == (["b"], None)
