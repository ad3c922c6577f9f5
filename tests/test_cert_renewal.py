"""Renewal before expiry on the real cluster (issue #16): a worker of the test's own signs
certificates valid one day and renews those within two days of expiry, so every certificate
it signs is about to expire. The ordinary workers (``CERT_RENEWAL_DAYS=0`` in
``tests/cluster.py``) are stopped for the test and two started again after it."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names, pki
from tests.cluster import Cluster
from tests.conftest import Api
from tests.events import event_queue
from tests.operated_station import OperatedStation
from tests.test_certificates import sign
from tests.test_end_to_end import eventually
from tests.test_outbox import consumers

RENEWING = {
    "CERT_VALIDITY_DAYS": "1",
    "V2G_CERT_VALIDITY_DAYS": "1",
    "CERT_RENEWAL_DAYS": "2",
    "CERT_RENEWAL_SWEEP_SECONDS": "0.3",
    "CERT_RENEWAL_RETRY_SECONDS": "1",
    "CERT_RENEWAL_RETRY_MAX_SECONDS": "60",
    "CERT_RENEWAL_ALERT_ATTEMPTS": "2",
    "CERT_RENEWAL_ALERT_DAYS": "0",
}


@pytest.fixture
async def renewing(cluster: Cluster) -> AsyncIterator[None]:
    """One worker, the one that renews; two ordinary ones again afterwards."""
    for name in cluster.workers():
        cluster.kill(name, signal.SIGTERM)
    await consumers(cluster, 0)
    cluster.start("workers", **RENEWING)
    await consumers(cluster, 1)
    yield
    for name in cluster.workers():
        cluster.kill(name, signal.SIGKILL)
    cluster.start("workers")
    cluster.start("workers")
    await cluster.wait_ready(workers=2)


async def signed(api: Api, station: str) -> list[dict[str, Any]]:
    """The station's signed certificates, oldest first."""
    status, body = await api.request("GET", f"/stations/{station}/certificates")
    assert status == 200, body
    return [c for c in reversed(body["certificates"]) if c.get("serialNumber")]


@pytest.mark.parametrize(
    ("kind", "trigger"),
    [
        ("ChargingStationCertificate", "SignChargingStationCertificate"),
        ("V2GCertificate", "SignV2GCertificate"),
    ],
)
async def test_renewal_is_triggered_for_a_certificate_about_to_expire(
    cluster: Cluster,
    api: Api,
    station: str,
    renewing: None,
    operated: OperatedStation,
    kind: str,
    trigger: str,
):
    async with event_queue(
        cluster.amqp_url, names.event_key(names.EVENT_CERTIFICATE_RENEWAL, station)
    ) as queue:
        answer = await operated.sign_certificate(kind)
        assert answer.status == "Accepted"

        async def renewed() -> list[dict[str, Any]] | None:
            certs = await signed(api, station)
            first = certs[0]["renewal"] if certs else None
            return certs if first and first["renewedBy"] and first["lastOutcome"] else None

        certs = await eventually(renewed, timeout=20)
        assert certs, await signed(api, station)
        old, new = certs[0], certs[1]
        assert old["renewal"]["attempts"] >= 1 and old["renewal"]["lastOutcome"] == "Accepted"
        assert old["renewal"]["nextAttemptAt"] is None and old["renewal"]["renewedAt"]
        assert new["certificateType"] == kind
        assert new["serialNumber"] != old["serialNumber"]
        assert old["renewal"]["renewedBy"] in {c["certificateId"] for c in certs[1:]}
        assert ("TriggerMessage", {"requestedMessage": trigger}) in operated.received
        assert len(operated.signed_certificates) >= 2
        outcomes = []
        while "Renewed" not in outcomes:
            message = await queue.get(timeout=5)
            outcomes.append(orjson.loads(message.body)["outcome"])
        assert outcomes[0] == "Accepted"


async def test_an_offline_stations_renewal_is_retried_and_becomes_a_security_event(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any], station: str, renewing: None
):
    async with event_queue(
        cluster.amqp_url, names.event_key(names.EVENT_CERTIFICATE_RENEWAL, station)
    ) as queue:
        answer, _ = await sign(
            cluster, station, pki.csr(pki.new_key("ec"), station), "ChargingStationCertificate"
        )
        assert answer.payload == {"status": "Accepted"}  # and the station is gone

        async def retried() -> dict[str, Any] | None:
            certs = await signed(api, station)
            renewal = certs[0]["renewal"] if certs else None
            # lastOutcome is null while an attempt is in flight
            return (
                renewal if renewal and renewal["attempts"] >= 2 and renewal["lastOutcome"] else None
            )

        renewal = await eventually(retried, timeout=20)
        assert renewal, await signed(api, station)
        assert renewal["lastOutcome"] == "NotDelivered" and renewal["renewedBy"] is None
        assert renewal["nextAttemptAt"] > renewal["lastAttemptAt"]
        first = await queue.get(timeout=5)
        body = orjson.loads(first.body)
        assert (body["outcome"], body["attempt"]) == ("NotDelivered", 1)
        assert body["detail"] in ("offline", "disconnected")  # the trigger may beat the close

    async def security_event() -> dict[str, Any] | None:
        found: dict[str, Any] | None = await db[names.SECURITY_EVENTS].find_one(
            {"station": station, "type": "CertificateRenewalFailed"}
        )
        return found

    event = await eventually(security_event, timeout=10)
    assert event and event["source"] == "csms"
    assert await db[names.SECURITY_EVENTS].count_documents({"station": station}) == 1
