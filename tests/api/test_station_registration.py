"""PUT /stations/{id}: a new station's default security profile follows from its password,
and the answer is the same view a GET gives, for a new station as for an updated one."""

from __future__ import annotations

import uuid

import pytest


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


async def test_ocpp_versions_are_stored_shown_and_cleared_by_null(api):
    station = f"REG-{uuid.uuid4().hex[:8]}"

    status, created = await api.request(
        "PUT", f"/stations/{station}", {"ocppVersions": ["ocpp1.6", "ocpp2.0.1"]}
    )
    assert status == 201 and created["ocppVersions"] == ["ocpp1.6", "ocpp2.0.1"]
    _, fetched = await api.request("GET", f"/stations/{station}")
    assert fetched["ocppVersions"] == ["ocpp1.6", "ocpp2.0.1"]

    status, kept = await api.request("PUT", f"/stations/{station}", {"securityProfile": 0})
    assert status == 200 and kept["ocppVersions"] == ["ocpp1.6", "ocpp2.0.1"]

    status, cleared = await api.request("PUT", f"/stations/{station}", {"ocppVersions": None})
    assert status == 200 and cleared["ocppVersions"] is None
    _, fetched = await api.request("GET", f"/stations/{station}")
    assert fetched["ocppVersions"] is None


async def test_a_station_never_restricted_shows_null_ocpp_versions(api):
    station = f"REG-{uuid.uuid4().hex[:8]}"

    _, created = await api.request("PUT", f"/stations/{station}", {})

    assert created["ocppVersions"] is None


@pytest.mark.parametrize(
    "versions",
    [
        [],
        ["ocpp2.0"],
        ["ocpp2.0.1", "OCPP1.6"],
        ["ocpp1.6", "ocpp1.6"],
        "ocpp2.0.1",
        [16],
        [["ocpp1.6"]],
        {"ocpp1.6": True},
    ],
)
async def test_bad_ocpp_versions_are_refused_and_change_nothing(api, versions):
    station = f"REG-{uuid.uuid4().hex[:8]}"
    await api.request("PUT", f"/stations/{station}", {"ocppVersions": ["ocpp2.0.1"]})

    status, body = await api.request("PUT", f"/stations/{station}", {"ocppVersions": versions})

    assert status == 422
    assert "ocppVersions" in body["error"]
    _, fetched = await api.request("GET", f"/stations/{station}")
    assert fetched["ocppVersions"] == ["ocpp2.0.1"]
