"""What the operator API refuses before it stores or sends anything, and what it accepts
that a stricter parser once refused."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Api


@pytest.mark.parametrize(
    ("custom", "path"),
    [
        ({"vendorId": "v", "$where": 1}, 'customData["$where"]'),
        ({"vendorId": "v", "a.b": 1}, 'customData["a.b"]'),
        ({"vendorId": "v", "n": 2**63}, "customData.n"),
    ],
)
async def test_a_command_the_store_cannot_record_is_refused_before_it_is_sent(
    api: Api, custom: dict[str, object], path: str
):
    station = "CS-BAD-" + uuid.uuid4().hex[:6]
    body = {"type": "Immediate", "customData": custom}
    status, answer = await api.request("POST", f"/stations/{station}/ocpp/Reset", body)
    assert status == 422, answer
    assert answer["detail"]["path"] == path


async def test_an_expiry_in_any_rfc_3339_form_is_kept(api: Api):
    token = "T-" + uuid.uuid4().hex[:8]
    body = {"type": "ISO14443", "expiresAt": "2030-01-01t10:00:00.123456789z"}
    status, answer = await api.request("PUT", f"/id-tokens/{token}", body)
    assert status == 201, answer
    assert answer["expiresAt"].startswith("2030-01-01T10:00:00.123")
    status, answer = await api.request(
        "PUT", f"/id-tokens/{token}", {"type": "ISO14443", "expiresAt": "2030-01-01T10:00:00"}
    )
    assert status == 422 and "time zone" in answer["error"]
