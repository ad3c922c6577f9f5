"""shared.id_token_info: the idTokenInfo verdict at its edges, without sockets or store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import schemas
from shared.id_token_info import build, is_master_pass

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
DAY = 86400


def token(**fields: Any) -> dict[str, Any]:
    return {"_id": "04A1B2C3", "type": "ISO14443", "status": "Accepted", **fields}


def test_unknown_token_is_unknown_and_never_cached() -> None:
    assert build(None, NOW, cache_seconds=DAY) == {"status": "Unknown"}


@pytest.mark.parametrize("status", ["Accepted", "Blocked", "Expired", "Invalid"])
def test_stored_status_is_answered_with_the_cache_limit(status: str) -> None:
    info = build(token(status=status), NOW, cache_seconds=DAY)
    assert info == {"status": status, "cacheExpiryDateTime": "2030-06-02T12:00:00.000Z"}


def test_missing_status_is_invalid() -> None:
    assert build(token(status=None), NOW)["status"] == "Invalid"


def test_expiry_exactly_now_is_expired_and_not_cached() -> None:
    info = build(token(expiresAt=NOW), NOW, cache_seconds=DAY)
    # A cacheExpiryDateTime not after now keeps the token out of the cache (C10.FR.10).
    assert info == {"status": "Expired", "cacheExpiryDateTime": "2030-06-01T12:00:00.000Z"}


def test_expiry_a_microsecond_later_is_still_accepted() -> None:
    later = NOW + timedelta(microseconds=1)
    assert build(token(expiresAt=later), NOW)["status"] == "Accepted"


def test_blocked_token_past_its_expiry_stays_blocked() -> None:
    info = build(token(status="Blocked", expiresAt=NOW - timedelta(days=1)), NOW)
    assert info["status"] == "Blocked"


def test_cache_expiry_is_the_token_expiry_when_that_comes_first() -> None:
    expires = NOW + timedelta(hours=1)
    info = build(token(expiresAt=expires), NOW, cache_seconds=DAY)
    assert info["cacheExpiryDateTime"] == "2030-06-01T13:00:00.000Z"


def test_cache_expiry_is_the_cache_limit_when_the_token_expires_after_it() -> None:
    info = build(token(expiresAt=NOW + timedelta(days=30)), NOW, cache_seconds=60)
    assert info["cacheExpiryDateTime"] == "2030-06-01T12:01:00.000Z"


def test_zero_cache_seconds_leaves_only_the_token_expiry() -> None:
    assert "cacheExpiryDateTime" not in build(token(), NOW, cache_seconds=0)
    info = build(token(expiresAt=NOW + timedelta(days=30)), NOW, cache_seconds=0)
    assert info["cacheExpiryDateTime"] == "2030-07-01T12:00:00.000Z"


def test_group_and_personal_message_are_passed_on_without_extra_fields() -> None:
    doc = token(
        groupIdToken={"idToken": "FLEET", "type": "Central", "extra": 1},
        personalMessage={"format": "UTF8", "language": "nl", "content": "Goedendag"},
    )
    info = build(doc, NOW)
    assert info == {
        "status": "Accepted",
        "groupIdToken": {"idToken": "FLEET", "type": "Central"},
        "personalMessage": {"format": "UTF8", "language": "nl", "content": "Goedendag"},
    }


def test_null_group_and_message_are_omitted() -> None:
    assert build(token(groupIdToken=None, personalMessage=None), NOW) == {"status": "Accepted"}


def test_every_verdict_is_schema_valid_in_authorize_and_transaction_event() -> None:
    doc = token(
        expiresAt=NOW + timedelta(hours=1),
        groupIdToken={"idToken": "FLEET", "type": "Central"},
        personalMessage={"format": "ASCII", "content": "Hello"},
    )
    for info in (build(doc, NOW, cache_seconds=DAY), build(None, NOW)):
        schemas.validate("Authorize", "Response", {"idTokenInfo": info})
        schemas.validate("TransactionEvent", "Response", {"idTokenInfo": info})


@pytest.mark.parametrize(
    ("group", "configured", "expected"),
    [
        ({"idToken": "POLICE", "type": "Central"}, "POLICE", True),
        ({"idToken": "POLICE", "type": "Local"}, "POLICE", True),
        ({"idToken": "FLEET", "type": "Central"}, "POLICE", False),
        ({"idToken": "POLICE", "type": "Central"}, "", False),
        (None, "POLICE", False),
    ],
)
def test_master_pass_is_membership_of_the_configured_group(
    group: dict[str, str] | None, configured: str, expected: bool
) -> None:
    assert is_master_pass(token(groupIdToken=group), configured) is expected


def test_an_unknown_token_is_no_master_pass() -> None:
    assert not is_master_pass(None, "POLICE")
