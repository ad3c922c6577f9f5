"""The renewal sweep (issue #16, A02/A03): every worker runs it every
``CERT_RENEWAL_SWEEP_SECONDS``; the decisions are ``shared/cert_renewal.py``'s, this is the
I/O around them.

One sweep reads the certificates the CSMS signed whose ``notAfter`` is within
``CERT_RENEWAL_DAYS``, then every signed certificate of their stations, to tell the current
ones from the superseded. For a superseded certificate with attempts and no done record it
records the renewal done (``certificate.renewal`` ``Renewed``). For a current one due an
attempt it claims the attempt (``store/cert_renewals.py``: of two workers sweeping at once
one wins), sends ``TriggerMessage`` ``SignChargingStationCertificate`` or
``SignV2GCertificate``, records the outcome (the station's answer, or ``NotDelivered``
for an offline station, a timeout or a CALLERROR) and when the next attempt is due, and
publishes ``certificate.renewal``. The station's answer to an accepted trigger is an
ordinary SignCertificate (``handlers/security/sign_certificate.py``), whose certificate
then supersedes the old one.

Visibility of a renewal that does not happen: every attempt is an event, and once
``shared.cert_renewal.needs_alert`` holds (``CERT_RENEWAL_ALERT_ATTEMPTS`` attempts, or
``CERT_RENEWAL_ALERT_DAYS`` from expiry) a **security event** ``CertificateRenewalFailed``
(``source`` ``csms``, ``security.event.<id>``), once per certificate (its ``_id`` derives
from the certificate's). Not an alert: ``alerts`` are what a station's monitors report
(NotifyEvent's component, variable, trigger and eventNotificationType, cleared only by the
station), and a CSMS-side renewal failure would have to fake each of those fields; a
certificate that is about to lapse is, on the other hand, exactly what A04's security
events are about, and they already hold the CSMS's own (refused logins, downgrades).

Not covered: a station that answers the trigger Accepted but never sends a CSR is retried
on the same schedule as one that is offline; a certificate whose worker died between
signing and CertificateSigned stays ``signed`` and counts as current.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import cert_renewal, commands, names
from shared.cert_renewal import Policy
from shared.commands import CommandClient
from shared.config import Settings
from shared.events import iso, utc_now
from store import cert_renewals, certificates, records

from .outbox import Outbox

log = logging.getLogger("workers.cert_renewal")

CONCURRENT_TRIGGERS = 16
FAILED_EVENT = "CertificateRenewalFailed"


class Renewals:
    def __init__(
        self, db: AsyncDatabase[Any], client: CommandClient, events: Outbox, settings: Settings
    ) -> None:
        self._db = db
        self._client = client
        self._events = events
        self._settings = settings
        self._policy = Policy.from_settings(settings)
        self._me = f"{socket.gethostname()}/{os.getpid()}"
        self._slots = asyncio.Semaphore(CONCURRENT_TRIGGERS)

    async def run(self) -> None:
        """Sweep every ``CERT_RENEWAL_SWEEP_SECONDS`` until cancelled."""
        if self._policy.days <= 0:
            return
        shortest = min(self._settings.cert_validity_days, self._settings.v2g_cert_validity_days)
        if self._policy.days >= shortest:
            log.warning(
                "CERT_RENEWAL_DAYS is not below the validity of the certificates the CSMS "
                "signs: each is due for renewal as soon as it is signed",
                extra={"renewalDays": self._policy.days, "shortestValidityDays": shortest},
            )
        while True:
            await asyncio.sleep(self._settings.cert_renewal_sweep_seconds)
            try:
                await self.sweep()
            except Exception as exc:
                log.error("certificate renewal sweep failed", extra={"error": repr(exc)[:300]})

    async def sweep(self) -> int:
        """One pass; returns the number of attempts this worker made."""
        now = utc_now()
        kinds, statuses = list(cert_renewal.TRIGGERS), list(cert_renewal.RENEWABLE)
        near = await certificates.expiring(
            self._db, kinds, statuses, now + timedelta(days=self._policy.days)
        )
        if not near:
            return 0
        stations = sorted({doc["station"] for doc in near})
        current, superseded = cert_renewal.split(
            await certificates.of_stations(self._db, stations, kinds, statuses)
        )
        near_ids = {doc["_id"] for doc in near}
        history = await cert_renewals.for_certificates(self._db, near_ids)
        for doc in near:
            attempts, done = history.get(doc["_id"], ([], None))
            if doc["_id"] in superseded and attempts and done is None:
                await self._done(doc, superseded[doc["_id"]], now)
        work = []
        for doc in current:
            if doc["_id"] not in near_ids:
                continue
            attempts = history.get(doc["_id"], ([], None))[0]
            number = cert_renewal.due(doc, attempts, now, self._policy)
            if number is not None:
                work.append(self._attempt(doc, number, now))
        made = await asyncio.gather(*work)
        return sum(made)

    async def _done(self, doc: dict[str, Any], renewed_by: str, now: datetime) -> None:
        if await cert_renewals.mark_done(self._db, doc, renewed_by, now):
            log.info(
                "certificate renewed", extra={"station": doc["station"], "certificate": doc["_id"]}
            )
        await self._events.publish(
            names.EVENT_CERTIFICATE_RENEWAL,
            doc["station"],
            f"{doc['_id']}/done",
            {
                "certificateId": doc["_id"],
                "certificateType": doc["certificateType"],
                "outcome": cert_renewal.RENEWED,
                "renewedBy": renewed_by,
            },
        )

    async def _attempt(self, doc: dict[str, Any], number: int, now: datetime) -> bool:
        if not await cert_renewals.claim(self._db, doc, number, now, self._me):
            return False  # another worker has it
        async with self._slots:
            result = await self._client.send(
                doc["station"],
                "TriggerMessage",
                {"requestedMessage": cert_renewal.TRIGGERS[doc["certificateType"]]},
                timeout=self._settings.command_timeout,
            )
        assert result is not None
        if result.status == commands.ANSWERED:
            outcome = str((result.response or {}).get("status"))
        else:
            outcome = cert_renewal.NOT_DELIVERED
        next_at = now + timedelta(seconds=cert_renewal.backoff(number, self._policy))
        await cert_renewals.finish(
            self._db,
            doc["_id"],
            number,
            {
                "outcome": outcome,
                "detail": None if outcome != cert_renewal.NOT_DELIVERED else result.status,
                "commandId": result.command_id,
                "completedAt": utc_now(),
                "nextAttemptAt": next_at,
            },
        )
        log.info(
            "certificate renewal triggered",
            extra={"station": doc["station"], "attempt": number, "outcome": outcome},
        )
        await self._events.publish(
            names.EVENT_CERTIFICATE_RENEWAL,
            doc["station"],
            cert_renewals.attempt_id(doc["_id"], number),
            {
                "certificateId": doc["_id"],
                "certificateType": doc["certificateType"],
                "attempt": number,
                "outcome": outcome,
                "detail": result.status,
                "notAfter": iso(doc["notAfter"]),
                "nextAttemptAt": iso(next_at),
            },
        )
        if cert_renewal.needs_alert(doc, number, now, self._policy):
            await self._security_event(doc, number, outcome, now)
        return True

    async def _security_event(
        self, doc: dict[str, Any], attempts: int, outcome: str, now: datetime
    ) -> None:
        info = (
            f"{doc['certificateType']} {doc['_id']} expires {iso(doc['notAfter'])}, "
            f"not renewed after {attempts} attempt(s), last: {outcome}"
        )
        fresh = await records.add_security_event(
            self._db,
            {
                "_id": f"{doc['station']}/csms/renewal/{doc['_id']}",
                "station": doc["station"],
                "type": FAILED_EVENT,
                "timestamp": now,
                "techInfo": info,
                "source": "csms",
                "certificate": doc["_id"],
                "receivedAt": now,
            },
        )
        if fresh:
            log.warning("certificate renewal failing", extra={"station": doc["station"]})
            await self._events.publish(
                names.EVENT_SECURITY,
                doc["station"],
                f"renewal/{doc['_id']}",
                {"type": FAILED_EVENT, "timestamp": iso(now), "techInfo": info, "source": "csms"},
            )
