"""PUT /api/v1/id-tokens: what an id token may hold, as IdTokenType bounds it."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Api


@pytest.mark.parametrize("length", [0, 37, 100_000])
async def test_a_group_id_token_outside_id_token_type_bounds_is_refused(api: Api, length: int):
    token = "T-" + uuid.uuid4().hex[:8]
    group = {"idToken": "G" * length, "type": "Central"}
    status, body = await api.request(
        "PUT", f"/id-tokens/{token}", {"type": "ISO14443", "groupIdToken": group}
    )
    assert status == 422 and "groupIdToken.idToken" in body["error"]
    assert (await api.request("GET", f"/id-tokens/{token}"))[0] == 404


async def test_a_group_id_token_of_36_characters_is_kept(api: Api):
    token = "T-" + uuid.uuid4().hex[:8]
    group = {"idToken": "G" * 36, "type": "Central"}
    status, body = await api.request(
        "PUT", f"/id-tokens/{token}", {"type": "ISO14443", "groupIdToken": group}
    )
    assert status == 201 and body["groupIdToken"] == group
