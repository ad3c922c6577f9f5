"""The station list's filter decisions, without the store."""

from __future__ import annotations

from api.console.station_filter import StationFilter, narrows, needs_every, select


def f(**query: str) -> StationFilter:
    return StationFilter.parse(query)


def test_a_hand_edited_query_falls_back_to_no_filter():
    chosen = StationFilter.parse({"status": "sleeping", "q": "  CS ", "model": "x" * 500})
    assert chosen.status == "all" and chosen.prefix == "CS" and len(chosen.model) == 64
    assert StationFilter.parse({"sort": "-id"}).query()["sort"] == "-id"


def test_only_a_prefix_is_one_paged_query_and_offline_alone_needs_every_station():
    assert not narrows(f(q="CS")) and narrows(f(status="online")) and narrows(f(site="S"))
    assert needs_every(f(status="offline")) and not needs_every(f(status="offline", site="S"))
    assert not needs_every(f(status="online"))


def test_filters_that_name_stations_intersect_then_prefix_and_order_apply():
    lists = [["b", "a", "c", "xb"], ["xb", "b", "c", "d"]]
    assert select(f(), None, None, lists) == ["b", "c", "xb"]
    assert select(f(sort="-id"), None, None, lists) == ["xb", "c", "b"]
    assert select(f(q="x"), None, None, lists) == ["xb"]
    assert select(f(), None, None, [["a"], []]) == []


def test_online_intersects_and_offline_subtracts():
    assert select(f(status="online"), None, ["x", "a"], []) == ["a", "x"]
    assert select(f(status="online"), None, ["a", "x"], [["a", "b"]]) == ["a"]
    assert select(f(status="offline"), ["a", "b", "x"], ["a", "x"], []) == ["b"]
    assert select(f(status="offline"), None, ["a", "x"], [["a", "b"]]) == ["b"]
