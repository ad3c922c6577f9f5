"""The load generator sends only what the official schemas allow, in each version it speaks;
a load test full of FormatViolations would measure nothing."""

from __future__ import annotations

import pytest

from bench.loadgen import selftest
from bench.loadgen.calls import Request
from shared import names, schemas

VERSIONS = (names.OCPP16, names.OCPP201, names.OCPP21)


def fleet(version: str, *, answer_starts: bool = True) -> list[Request]:
    """Twenty stations' calls, boot to teardown, long enough to end transactions."""
    return [
        request
        for seed in range(20)
        for request in selftest.requests(
            version, seed, evses=2, steps=300, answer_starts=answer_starts
        )
    ]


def test_every_generated_payload_is_valid():
    assert selftest.run() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_s_payloads_validate_against_its_own_schemas(version: str):
    requests = fleet(version)
    for request in requests:
        schemas.validate(request.action, "Request", request.payload, version)
    actions = {request.action for request in requests}
    shared = {"BootNotification", "StatusNotification", "Heartbeat", "Authorize", "MeterValues"}
    if version == names.OCPP16:
        assert actions == shared | {"StartTransaction", "StopTransaction"}
    else:
        assert actions == shared | {"TransactionEvent"}


def test_a_1_6_payload_is_no_2_0_1_payload():
    """The check above is the version's own: each version's boot fails the other's schema."""
    boot16, boot201 = fleet(names.OCPP16)[0], fleet(names.OCPP201)[0]
    with pytest.raises(schemas.SchemaViolation):
        schemas.validate("BootNotification", "Request", boot16.payload, names.OCPP201)
    with pytest.raises(schemas.SchemaViolation):
        schemas.validate("BootNotification", "Request", boot201.payload, names.OCPP16)


def test_1_6_uses_the_transaction_id_the_csms_answered():
    """selftest.requests answers the n-th StartTransaction with transactionId n."""
    starts = 0
    open_ids: set[int] = set()
    for request in selftest.requests(names.OCPP16, 3, evses=2, steps=400):
        payload = request.payload
        if request.action == "StartTransaction":
            starts += 1
            open_ids.add(starts)
            assert isinstance(payload["meterStart"], int) and payload["idTag"] == "LOADGEN0001"
        elif request.action == "MeterValues" and "transactionId" in payload:
            assert payload["transactionId"] in open_ids
            assert request.label == "MeterValues.Transaction"
        elif request.action == "StopTransaction":
            open_ids.remove(payload["transactionId"])
            assert payload["meterStop"] >= 0 and payload["reason"] == "Local"
    assert starts > 5 and not open_ids, "every started transaction is stopped by teardown"


def test_a_1_6_start_left_unanswered_is_given_up_not_sent_without_an_id():
    requests = fleet(names.OCPP16, answer_starts=False)
    assert any(request.action == "StartTransaction" for request in requests)
    assert not any("transactionId" in request.payload for request in requests)
    for request in requests:
        schemas.validate(request.action, "Request", request.payload, names.OCPP16)
