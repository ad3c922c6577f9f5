"""Which certificates are due a renewal attempt, the backoff between attempts and when a
failing renewal becomes a security event (shared/cert_renewal.py), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared import cert_renewal
from shared.cert_renewal import Policy, backoff, due, needs_alert, next_attempt_at, split, view

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = Policy(
    days=30,
    retry_seconds=900,
    retry_max_seconds=86400,
    alert_attempts=3,
    alert_days=7,
    claim_seconds=90,
)


def cert(
    key: str,
    expires_in_days: float,
    *,
    station: str = "CS1",
    kind: str = "ChargingStationCertificate",
    status: str = "installed",
    age_days: float = 300,
) -> dict[str, Any]:
    return {
        "_id": key,
        "station": station,
        "certificateType": kind,
        "status": status,
        "createdAt": NOW - timedelta(days=age_days),
        "notAfter": NOW + timedelta(days=expires_in_days),
    }


def attempt(number: int, seconds_ago: float, outcome: str | None = "NotDelivered") -> dict:
    return {"attempt": number, "at": NOW - timedelta(seconds=seconds_ago), "outcome": outcome}


def test_a_certificate_within_the_renewal_window_is_due_its_first_attempt():
    assert due(cert("a", 29), [], NOW, POLICY) == 1
    assert due(cert("a", 30), [], NOW, POLICY) == 1  # exactly at the window's start


def test_a_certificate_further_from_expiry_is_not_due():
    assert due(cert("a", 31), [], NOW, POLICY) is None
    assert next_attempt_at(cert("a", 31), [], POLICY) == NOW + timedelta(days=1)


def test_an_expired_certificate_is_still_due():
    assert due(cert("a", -2), [], NOW, POLICY) == 1


def test_renewal_days_zero_renews_nothing():
    never = Policy(0, 900, 86400, 3, 7, 90)
    assert due(cert("a", -2), [], NOW, never) is None


def test_a_newer_certificate_supersedes_the_older_of_its_station_and_type():
    old, new = cert("old", 5, age_days=300), cert("new", 360, age_days=1)
    other_station = cert("other", 5, station="CS2")
    v2g = cert("v2g", 5, kind="V2GCertificate")
    current, superseded = split([new, other_station, old, v2g])
    assert {c["_id"] for c in current} == {"new", "other", "v2g"}
    assert superseded == {"old": "new"}


def test_a_certificate_the_station_refused_neither_renews_nor_supersedes():
    old = cert("old", 5)
    refused = cert("refused", 360, status="not_installed", age_days=1)
    rejected = {**cert("csr", 360, age_days=1), "status": "csr_rejected"}
    current, superseded = split([old, refused, rejected])
    assert [c["_id"] for c in current] == ["old"] and superseded == {}


def test_a_certificate_being_delivered_supersedes():
    current, superseded = split([cert("old", 5), cert("new", 360, status="signed", age_days=0)])
    assert [c["_id"] for c in current] == ["new"] and superseded == {"old": "new"}


def test_roots_are_not_renewed():
    root = cert("root", 5, kind="V2GRootCertificate")
    assert split([root]) == ([], {})
    assert due(root, [], NOW, POLICY) is None


def test_backoff_doubles_from_the_retry_delay_up_to_the_cap():
    assert [backoff(n, POLICY) for n in range(1, 9)] == [
        900,
        1800,
        3600,
        7200,
        14400,
        28800,
        57600,
        86400,
    ]
    assert backoff(1000, POLICY) == 86400


def test_the_next_attempt_waits_for_the_backoff_after_the_last():
    c = cert("a", 20)
    assert due(c, [attempt(1, 899)], NOW, POLICY) is None
    assert due(c, [attempt(1, 900)], NOW, POLICY) == 2
    two = [attempt(1, 5000), attempt(2, 1799)]
    assert due(c, two, NOW, POLICY) is None
    assert next_attempt_at(c, two, POLICY) == NOW + timedelta(seconds=1)
    assert due(c, [attempt(1, 5000), attempt(2, 1800)], NOW, POLICY) == 3


def test_an_accepted_trigger_that_brought_no_certificate_is_retried_too():
    assert due(cert("a", 20), [attempt(1, 900, "Accepted")], NOW, POLICY) == 2


def test_an_unfinished_attempt_holds_the_next_back_for_the_claim_time():
    quick = Policy(30, 10, 86400, 3, 7, 90)
    assert due(cert("a", 20), [attempt(1, 60, None)], NOW, quick) is None
    assert due(cert("a", 20), [attempt(1, 90, None)], NOW, quick) == 2


def test_a_failing_renewal_is_made_visible_after_n_attempts_or_near_expiry():
    assert not needs_alert(cert("a", 20), 0, NOW, POLICY)
    assert not needs_alert(cert("a", 20), 2, NOW, POLICY)
    assert needs_alert(cert("a", 20), 3, NOW, POLICY)
    assert needs_alert(cert("a", 7), 1, NOW, POLICY)
    assert not needs_alert(cert("a", 7), 0, NOW, POLICY)


def test_the_view_of_a_renewal():
    assert view([], None) is None
    last = {**attempt(2, 10), "nextAttemptAt": NOW + timedelta(hours=1)}
    assert view([attempt(1, 5000), last], None) == {
        "attempts": 2,
        "lastAttemptAt": last["at"],
        "lastOutcome": "NotDelivered",
        "nextAttemptAt": NOW + timedelta(hours=1),
        "renewedBy": None,
        "renewedAt": None,
    }
    done = {"renewedBy": "new", "at": NOW}
    seen = view([last], done)
    assert seen is not None and seen["nextAttemptAt"] is None and seen["renewedBy"] == "new"


def test_each_kind_has_its_trigger():
    assert cert_renewal.TRIGGERS == {
        "ChargingStationCertificate": "SignChargingStationCertificate",
        "V2GCertificate": "SignV2GCertificate",
    }
