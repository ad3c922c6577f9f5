"""PUT /stations/{id}: a new station's default security profile follows from its password,
and the answer is the same view a GET gives, for a new station as for an updated one."""

from __future__ import annotations

import uuid


async def test_new_station_defaults_and_an_update_keep_the_view_whole(api):
    with_password, without = (f"REG-{uuid.uuid4().hex[:8]}" for _ in range(2))

    status, created = await api.request("PUT", f"/stations/{with_password}", {"password": "p" * 16})
    assert status == 201
    assert created["securityProfile"] == 1 and created["hasPassword"] is True
    assert created["connected"] is False and created["boot"] is None
    _, fetched = await api.request("GET", f"/stations/{with_password}")
    assert {key: fetched[key] for key in created} == created

    status, updated = await api.request("PUT", f"/stations/{with_password}", {"securityProfile": 2})
    assert status == 200 and updated["securityProfile"] == 2 and updated["hasPassword"] is True

    status, bare = await api.request("PUT", f"/stations/{without}", {})
    assert status == 201 and bare["securityProfile"] == 0 and bare["hasPassword"] is False
