"""Renewal of the certificates the CSMS signed, before they expire (issue #16): which are
due a renewal attempt, when the next one is, and when a failing renewal must be made
visible. Pure: the caller passes the documents and ``now``; ``workers/cert_renewal.py``
reads, claims, sends and records.

A certificate is *current* when it is the newest (``createdAt``) the CSMS signed for its
station and type and it is ``signed`` (CertificateSigned in flight) or ``installed``; one
the station refused (``not_installed``) neither is renewed nor replaces the one the station
keeps using. A current certificate is due its first attempt ``days`` before ``notAfter``
(and from then on, also once expired: a station on a password profile can still renew);
attempt ``n`` is followed by attempt ``n + 1`` ``retry * 2 ** (n - 1)`` seconds later, at most
``retry_max``, whatever the station answered: a trigger it accepted but that brought no
new certificate is worth repeating too. An attempt claimed but never finished (its worker
died) holds the next one back for ``claim_seconds``. A renewal is done when a newer
certificate of the same station and type is current: the old one is *superseded*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.config import Settings

TRIGGERS = {
    "ChargingStationCertificate": "SignChargingStationCertificate",
    "V2GCertificate": "SignV2GCertificate",
}
"""The TriggerMessage ``requestedMessage`` that makes a station renew each kind (A02, A03)."""
RENEWABLE = ("signed", "installed")

ACCEPTED = "Accepted"  # the station accepted the trigger (a CSR should follow)
NOT_DELIVERED = "NotDelivered"  # offline, no answer in time, a CALLERROR
RENEWED = "Renewed"  # a newer certificate was signed: the renewal is done

Doc = dict[str, Any]


@dataclass(frozen=True)
class Policy:
    days: int
    retry_seconds: float
    retry_max_seconds: float
    alert_attempts: int
    alert_days: int
    claim_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            days=settings.cert_renewal_days,
            retry_seconds=settings.cert_renewal_retry_seconds,
            retry_max_seconds=settings.cert_renewal_retry_max_seconds,
            alert_attempts=settings.cert_renewal_alert_attempts,
            alert_days=settings.cert_renewal_alert_days,
            # A command's timeout, the client's margin and some: then the claimer is gone.
            claim_seconds=settings.command_timeout + 60.0,
        )


def split(certificates: Iterable[Doc]) -> tuple[list[Doc], dict[str, str]]:
    """The current certificates, and each superseded one's id -> the current one's id.
    ``certificates``: the CSMS-signed ones (``_id``, ``station``, ``certificateType``,
    ``status``, ``createdAt``, ``notAfter``) of some stations, in any order."""
    groups: dict[tuple[str, str], list[Doc]] = {}
    for doc in certificates:
        if doc.get("status") in RENEWABLE and doc.get("certificateType") in TRIGGERS:
            groups.setdefault((doc["station"], doc["certificateType"]), []).append(doc)
    current: list[Doc] = []
    superseded: dict[str, str] = {}
    for docs in groups.values():
        docs.sort(key=lambda d: (d["createdAt"], d["_id"]))
        newest = docs[-1]
        current.append(newest)
        superseded.update((d["_id"], newest["_id"]) for d in docs[:-1])
    return current, superseded


def backoff(attempts: int, policy: Policy) -> float:
    """Seconds from attempt number ``attempts`` (1, 2, ...) to the next."""
    exponent = min(max(attempts - 1, 0), 64)
    return float(min(policy.retry_seconds * 2**exponent, policy.retry_max_seconds))


def _last(attempts: list[Doc]) -> Doc | None:
    return max(attempts, key=lambda a: a["attempt"]) if attempts else None


def next_attempt_at(certificate: Doc, attempts: list[Doc], policy: Policy) -> datetime:
    """When the next attempt is due. ``attempts``: the certificate's attempt documents
    (``attempt`` number, ``at``, ``outcome`` None while unfinished)."""
    last = _last(attempts)
    if last is None:
        start: datetime = certificate["notAfter"] - timedelta(days=policy.days)
        return start
    wait = backoff(last["attempt"], policy)
    if last.get("outcome") is None:
        wait = max(wait, policy.claim_seconds)
    at: datetime = last["at"] + timedelta(seconds=wait)
    return at


def due(certificate: Doc, attempts: list[Doc], now: datetime, policy: Policy) -> int | None:
    """The number of the attempt to claim now for a current certificate, or None."""
    if policy.days <= 0 or certificate.get("certificateType") not in TRIGGERS:
        return None
    if next_attempt_at(certificate, attempts, policy) > now:
        return None
    last = _last(attempts)
    return 1 if last is None else last["attempt"] + 1


def needs_alert(certificate: Doc, attempts: int, now: datetime, policy: Policy) -> bool:
    """Whether a renewal with ``attempts`` attempts and no new certificate is to be made
    visible: after ``alert_attempts`` attempts, or once ``alert_days`` from expiry."""
    if attempts <= 0:
        return False
    if policy.alert_attempts and attempts >= policy.alert_attempts:
        return True
    left: timedelta = certificate["notAfter"] - now
    return left <= timedelta(days=policy.alert_days)


def view(attempts: list[Doc], done: Doc | None) -> Doc | None:
    """A certificate's renewal as the API shows it, or None when none was attempted."""
    last = _last(attempts)
    if last is None and done is None:
        return None
    return {
        "attempts": len(attempts),
        "lastAttemptAt": last["at"] if last else None,
        "lastOutcome": last.get("outcome") if last else None,
        "nextAttemptAt": None if done or last is None else last.get("nextAttemptAt"),
        "renewedBy": done["renewedBy"] if done else None,
        "renewedAt": done["at"] if done else None,
    }
