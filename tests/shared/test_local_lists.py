"""shared.local_lists: the SendLocalList plan, without sockets."""

from __future__ import annotations

from typing import Any

import pytest

from shared import names, schemas
from shared.command_versions import wire_form
from shared.local_lists import (
    DIFFERENTIAL,
    FULL,
    MAX_VERSION,
    Limits,
    apply,
    frame_size,
    key,
    plan,
)


def entry(token: str, status: str = "Accepted", kind: str = "ISO14443") -> dict[str, Any]:
    return {"idToken": {"idToken": token, "type": kind}, "idTokenInfo": {"status": status}}


def tokens(n: int) -> list[dict[str, Any]]:
    return [entry(f"TOKEN{i:04d}") for i in range(n)]


def replay(held: list[dict[str, Any]], requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for request in requests:
        schemas.validate("SendLocalList", "Request", request)
        held = apply(held, request)
    return held


def test_first_time_is_one_full_update_with_every_entry():
    desired = [entry("B"), entry("A")]
    result = plan(0, None, desired)
    assert result.requests == [
        {"versionNumber": 1, "updateType": FULL, "localAuthorizationList": [entry("A"), entry("B")]}
    ]
    assert result.version == 1
    assert result.entries == [entry("A"), entry("B")]


def test_full_update_follows_the_known_version():
    result = plan(7, None, [entry("A")])
    assert [r["versionNumber"] for r in result.requests] == [8]


def test_full_update_of_an_empty_list_has_no_list_field():
    # TC_D_04_CSMS; the schema wants localAuthorizationList absent or non-empty.
    result = plan(3, None, [])
    assert result.requests == [{"versionNumber": 4, "updateType": FULL}]
    schemas.validate("SendLocalList", "Request", result.requests[0])


def test_nothing_changed_sends_nothing():
    held = [entry("A"), entry("B")]
    result = plan(5, held, [entry("B"), entry("A")])
    assert result.requests == []
    assert result.version == 5


def test_differential_adds_changes_and_removes():
    held = [entry("A"), entry("B"), entry("C")]
    desired = [entry("A"), entry("B", "Blocked"), entry("D")]
    result = plan(5, held, desired)
    assert result.requests == [
        {
            "versionNumber": 6,
            "updateType": DIFFERENTIAL,
            "localAuthorizationList": [
                entry("B", "Blocked"),
                {"idToken": {"idToken": "C", "type": "ISO14443"}},  # removal: no idTokenInfo
                entry("D"),
            ],
        }
    ]
    assert replay(held, result.requests) == result.entries == _sorted(desired)


def test_emptying_a_known_list_removes_each_entry():
    held = [entry("A"), entry("B")]
    result = plan(2, held, [])
    assert result.requests == [
        {
            "versionNumber": 3,
            "updateType": DIFFERENTIAL,
            "localAuthorizationList": [{"idToken": e["idToken"]} for e in held],
        }
    ]


def test_same_value_with_another_type_is_another_entry():
    held = [entry("A", kind="ISO14443")]
    result = plan(1, held, [entry("A", kind="eMAID")])
    assert replay(held, result.requests) == [entry("A", kind="eMAID")]


def test_items_per_message_splits_full_into_full_then_differentials():
    desired = tokens(7)
    result = plan(0, None, desired, Limits(items_per_message=3))
    assert [(r["versionNumber"], r["updateType"]) for r in result.requests] == [
        (1, FULL),
        (2, DIFFERENTIAL),
        (3, DIFFERENTIAL),
    ]
    assert [len(r["localAuthorizationList"]) for r in result.requests] == [3, 3, 1]
    assert result.version == 3
    assert replay([entry("STALE")], result.requests) == desired


@pytest.mark.parametrize(("n", "messages"), [(3, 1), (4, 2), (6, 2), (1, 1)])
def test_items_per_message_boundary(n: int, messages: int):
    result = plan(0, None, tokens(n), Limits(items_per_message=3))
    assert len(result.requests) == messages


def test_differential_is_split_too_with_increasing_versions():
    held = tokens(5)
    desired = [entry(f"NEW{i}") for i in range(5)]
    result = plan(10, held, desired, Limits(items_per_message=4))
    assert [r["versionNumber"] for r in result.requests] == [11, 12, 13]
    assert {r["updateType"] for r in result.requests} == {DIFFERENTIAL}
    assert replay(held, result.requests) == _sorted(desired)


def test_bytes_per_message_is_never_exceeded_and_is_used_exactly():
    desired = tokens(10)
    # Versions 1-5 have one digit, as 9 does: a Differential of two entries measures `limit`.
    limit = frame_size(
        {"versionNumber": 9, "updateType": DIFFERENTIAL, "localAuthorizationList": desired[:2]}
    )
    result = plan(0, None, desired, Limits(bytes_per_message=limit))
    assert [len(r["localAuthorizationList"]) for r in result.requests] == [2, 2, 2, 2, 2]
    assert frame_size(result.requests[-1]) == limit
    # One byte less: the Full request (8 bytes shorter than "Differential") still takes
    # two entries, each Differential only one.
    tighter = plan(0, None, desired, Limits(bytes_per_message=limit - 1))
    assert [len(r["localAuthorizationList"]) for r in tighter.requests] == [2] + [1] * 8
    assert all(frame_size(r) <= limit - 1 for r in tighter.requests)
    assert replay([], tighter.requests) == desired


def test_bytes_counts_utf8_not_characters():
    def size(token: str) -> int:
        return frame_size(
            {"versionNumber": 1, "updateType": FULL, "localAuthorizationList": [entry(token)]}
        )

    assert size("Ä" * 10) == size("A" * 10) + 10  # "Ä" is two bytes in UTF-8
    desired = [entry("Ä" * 10), entry("É" * 10)]
    limit = size("Ä" * 10) + 40  # room for the worst case of one entry, not for two
    result = plan(0, None, desired, Limits(bytes_per_message=limit))
    assert [len(r["localAuthorizationList"]) for r in result.requests] == [1, 1]
    assert all(frame_size(r) <= limit for r in result.requests)


def test_an_entry_too_big_for_one_message_is_left_out_and_reported():
    small, big = entry("A"), entry("B" * 36)
    big["idTokenInfo"]["personalMessage"] = {"format": "UTF8", "content": "x" * 400}
    limit = frame_size(plan(MAX_VERSION - 1, None, [small]).requests[0]) + 50
    result = plan(0, None, [small, big], Limits(bytes_per_message=limit))
    assert result.too_big == [key(big)]
    assert result.requests == [
        {"versionNumber": 1, "updateType": FULL, "localAuthorizationList": [small]}
    ]
    assert result.entries == [small]


def test_a_held_entry_grown_too_big_is_removed_not_left_stale():
    big = entry("A", "Blocked")
    big["idTokenInfo"]["personalMessage"] = {"format": "UTF8", "content": "x" * 400}
    result = plan(4, [entry("A"), entry("B")], [big, entry("B")], Limits(bytes_per_message=300))
    assert result.too_big == [key(big)]
    assert result.requests == [
        {
            "versionNumber": 5,
            "updateType": DIFFERENTIAL,
            "localAuthorizationList": [{"idToken": big["idToken"]}],
        }
    ]


def test_an_id_token_longer_than_the_station_carries_is_left_out_the_rest_sent():
    """A 1.6 station's idTag holds 20 characters: a longer idToken is left out of its list
    and reported, and the others reach it, translated (issue #18)."""
    fits, long = entry("T" * 20), entry("L" * 21)
    result = plan(0, None, [long, fits, entry("A")], Limits(id_token_length=20))
    assert result.too_long == [key(long)]
    assert result.entries == [entry("A"), fits]
    for request in result.requests:
        wire = wire_form("SendLocalList", request, names.OCPP201, names.OCPP16)
        schemas.validate(wire.action, "Request", wire.payload, names.OCPP16)
    assert plan(0, None, [long], Limits()).too_long == []  # 2.0.1: up to 36


def test_entries_limit_keeps_the_first_entries_and_reports_the_rest():
    result = plan(0, None, tokens(5), Limits(entries=3))
    assert result.over_entries == [key(e) for e in tokens(5)[3:]]
    assert result.entries == tokens(3)
    assert replay([], result.requests) == tokens(3)


def test_duplicate_keys_keep_the_first():
    result = plan(0, None, [entry("A"), entry("A", "Blocked")])
    assert result.entries == [entry("A")]


def test_version_reaching_the_maximum_is_used():
    result = plan(MAX_VERSION - 1, [entry("A")], [entry("B")])
    assert [(r["versionNumber"], r["updateType"]) for r in result.requests] == [
        (MAX_VERSION, DIFFERENTIAL)
    ]


def test_version_past_the_maximum_starts_over_with_a_full_update_at_one():
    held = tokens(4)
    result = plan(MAX_VERSION - 1, held, tokens(6), Limits(items_per_message=1))
    assert result.requests[0]["updateType"] == FULL
    assert [r["versionNumber"] for r in result.requests] == [1, 2, 3, 4, 5, 6]
    assert result.version == 6
    assert replay(held, result.requests) == tokens(6)


def test_full_update_at_the_maximum_starts_over_at_one():
    result = plan(MAX_VERSION, None, [entry("A")])
    assert result.requests[0]["versionNumber"] == 1


def test_apply_full_replaces_and_differential_merges():
    held = [entry("A"), entry("B")]
    assert apply(held, {"versionNumber": 2, "updateType": FULL}) == []
    assert apply(
        held,
        {
            "versionNumber": 2,
            "updateType": DIFFERENTIAL,
            "localAuthorizationList": [{"idToken": entry("A")["idToken"]}, entry("C")],
        },
    ) == [entry("B"), entry("C")]


def test_every_planned_request_is_schema_valid_and_within_limits():
    limits = Limits(items_per_message=4, bytes_per_message=600, entries=20)
    held = tokens(9)
    desired = [*tokens(30)[5:], entry("TOKEN0001", "Blocked")]
    for version, known in ((0, None), (41, held)):
        result = plan(version, known, desired, limits)
        versions = [r["versionNumber"] for r in result.requests]
        assert versions == list(range(version + 1, version + 1 + len(versions)))
        for request in result.requests:
            schemas.validate("SendLocalList", "Request", request)
            assert len(request.get("localAuthorizationList", [])) <= 4
            assert frame_size(request) <= 600
        assert replay(known or [], result.requests) == result.entries
        assert len(result.entries) == 20


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=key)


def test_entry_for_gives_the_authorize_verdict():
    from datetime import UTC, datetime, timedelta

    from shared.local_lists import entry_for

    now = datetime(2026, 1, 1, tzinfo=UTC)
    doc = {"_id": "A", "type": "ISO14443", "status": "Accepted"}
    assert entry_for(doc, now) == entry("A")
    later = now + timedelta(days=1)
    group = {"idToken": "G", "type": "Central"}
    assert entry_for({**doc, "expiresAt": later, "groupIdToken": group}, now)["idTokenInfo"] == {
        "status": "Accepted",
        "groupIdToken": group,
        "cacheExpiryDateTime": "2026-01-02T00:00:00.000Z",
    }
    # Expired: its expiry (past) as cacheExpiryDateTime keeps it out of the station's cache.
    assert entry_for({**doc, "expiresAt": now}, now)["idTokenInfo"] == {
        "status": "Expired",
        "cacheExpiryDateTime": "2026-01-01T00:00:00.000Z",
    }
    assert entry_for({**doc, "status": "Blocked"}, now)["idTokenInfo"] == {"status": "Blocked"}
