"""Charging profiles (K01, K08-K10) end to end: the operator API checks a profile, sets it
on a simulated station on the real cluster, lists, clears and reconciles what the station
reports it holds; the composite schedule is the station's answer passed through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.charge_point import camel_to_snake_case
from ocpp.v201 import call
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.events import utc_now
from store import device_model
from tests.cluster import Cluster
from tests.conftest import Api
from tests.events import Tap, event_queue
from tests.operated_station import OperatedStation
from tests.simulator import now
from tests.test_end_to_end import eventually

START = "2026-01-01T00:00:00Z"


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(cluster.amqp_url, f"profile.*.{station}") as queue:
        yield Tap(queue)


def profile(
    profile_id: int = 1,
    purpose: str = "TxDefaultProfile",
    level: int = 0,
    unit: str = "A",
    starts: tuple[int, ...] = (0,),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": profile_id,
        "stackLevel": level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": 1,
                "startSchedule": START,
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": 16.0} for s in starts],
            }
        ],
        **extra,
    }


async def put_profile(api: Api, station: str, evse_id: int = 1, **fields: Any) -> tuple[int, Any]:
    body = {"evseId": evse_id, "chargingProfile": profile(**fields)}
    return await api.request("POST", f"/stations/{station}/charging-profiles", body)


async def listed(api: Api, station: str) -> list[dict[str, Any]]:
    status, body = await api.request("GET", f"/stations/{station}/charging-profiles")
    assert status == 200, body
    return list(body["chargingProfiles"])


def sent(operated: OperatedStation, action: str) -> list[dict[str, Any]]:
    return [p for a, p in operated.received if a == action]


async def report_variables(
    db: AsyncDatabase[Any], station: str, items: list[tuple[dict[str, Any], str, str]]
) -> None:
    """What a NotifyReport would have stored: (component, variable name, Actual value)."""
    await device_model.store_report_data(
        db,
        station,
        [
            {
                "component": component,
                "variable": {"name": name},
                "variableAttribute": [{"type": "Actual", "value": value}],
            }
            for component, name, value in items
        ],
        utc_now(),
    )


async def start_transaction(api: Api, operated: OperatedStation, station: str, tx: str) -> None:
    await operated.call(
        call.TransactionEvent(
            event_type="Started",
            timestamp=now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": tx},
            evse={"id": 1, "connector_id": 1},
        )
    )

    async def stored() -> Any:
        status, _ = await api.request("GET", f"/transactions/{tx}?stationId={station}")
        return status == 200

    assert await eventually(stored)


# --- refused before anything is sent ------------------------------------------------------


@pytest.mark.parametrize(
    ("evse_id", "fields", "rule", "path"),
    [
        (1, {"purpose": "ChargingStationMaxProfile"}, "K01.FR.38", "evseId"),
        (0, {"purpose": "TxProfile", "transactionId": "T-1"}, "K01.FR.16", "evseId"),
        (1, {"purpose": "TxProfile", "transactionId": "T-1"}, "K01.FR.09", "transactionId"),
        (1, {"purpose": "TxProfile"}, "K01.FR.03", "transactionId"),
        (1, {"starts": (60, 120)}, "K01.FR.31", "startPeriod"),
        (1, {"starts": (0, 600, 300)}, "K01.FR.35", "startPeriod"),
        (1, {"purpose": "ChargingStationExternalConstraints"}, "K01.FR.22", "Purpose"),
    ],
    ids=["max-on-evse", "tx-on-station", "tx-none-running", "tx-no-id", "first", "order", "ext"],
)
async def test_a_profile_breaking_a_rule_is_refused_with_the_rule_and_never_sent(
    api: Api,
    operated: OperatedStation,
    station: str,
    evse_id: int,
    fields: dict[str, Any],
    rule: str,
    path: str,
):
    status, body = await put_profile(api, station, evse_id, **fields)
    assert status == 422, body
    assert rule in {p["rule"] for p in body["detail"]}, body
    assert any(path in p["path"] for p in body["detail"] if p["rule"] == rule), body
    assert not sent(operated, "SetChargingProfile")
    assert await listed(api, station) == []


async def test_a_profile_against_the_schema_is_refused_with_the_path(
    api: Api, operated: OperatedStation, station: str
):
    body = {"evseId": 1, "chargingProfile": {**profile(), "stackLevel": "high"}}
    status, answer = await api.request("POST", f"/stations/{station}/charging-profiles", body)
    assert status == 422, answer
    assert answer["detail"]["path"] == "chargingProfile.stackLevel"
    for wrong in ({**body, "colour": "red"}, {**body, "evseId": -1}):
        status, answer = await api.request("POST", f"/stations/{station}/charging-profiles", wrong)
        assert status == 422, answer
    assert not sent(operated, "SetChargingProfile")


async def test_a_second_profile_at_the_same_stack_level_is_refused(
    api: Api, operated: OperatedStation, station: str
):
    assert (await put_profile(api, station, profile_id=1, level=3))[0] == 201
    status, body = await put_profile(api, station, profile_id=2, level=3)
    assert status == 422, body
    [problem] = body["detail"]
    assert problem["path"] == "chargingProfile.stackLevel" and "profile 1" in problem["message"]
    # Another EVSE, another purpose or the same id are no conflict.
    assert (await put_profile(api, station, 2, profile_id=2, level=3))[0] == 201
    max_profile = {"profile_id": 3, "level": 3, "purpose": "ChargingStationMaxProfile"}
    assert (await put_profile(api, station, 0, **max_profile))[0] == 201
    assert (await put_profile(api, station, profile_id=1, level=3, starts=(0, 60)))[0] == 201
    assert [p["id"] for p in sent(operated, "SetChargingProfile")] == [1, 2, 3, 1]


async def test_the_device_model_limits_units_stack_levels_and_evses(
    api: Api, db: AsyncDatabase[Any], operated: OperatedStation, station: str
):
    ctrlr = {"name": "SmartChargingCtrlr"}
    await report_variables(
        db,
        station,
        [
            (ctrlr, "RateUnit", "A"),
            (ctrlr, "ProfileStackLevel", "5"),
            ({"name": "EVSE", "evse": {"id": 1}}, "AvailabilityState", "Available"),
        ],
    )
    status, body = await put_profile(api, station, unit="W")
    assert status == 422 and body["detail"][0]["rule"] == "K01.FR.26", body
    status, body = await put_profile(api, station, level=6)
    assert status == 422 and "ProfileStackLevel" in body["detail"][0]["message"], body
    status, body = await put_profile(api, station, 2)
    assert status == 422 and body["detail"][0]["rule"] == "K01.FR.28", body
    assert not sent(operated, "SetChargingProfile")
    assert (await put_profile(api, station, unit="A", level=5))[0] == 201


async def test_a_tx_profile_needs_the_transaction_running_on_that_evse(
    api: Api, operated: OperatedStation, station: str
):
    await start_transaction(api, operated, station, "TX-PROFILES-1")
    fields: dict[str, Any] = {"purpose": "TxProfile"}
    status, body = await put_profile(api, station, 1, **fields, transactionId="TX-OTHER")
    assert status == 422 and body["detail"][0]["rule"] == "K01.FR.33", body
    status, body = await put_profile(api, station, 1, **fields, transactionId="TX-PROFILES-1")
    assert status == 201, body
    assert body["chargingProfile"]["transactionId"] == "TX-PROFILES-1"


# --- set, list, replace, clear ------------------------------------------------------------


async def test_a_profile_is_set_listed_replaced_and_cleared(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    status, body = await put_profile(api, station, profile_id=11, level=2)
    assert status == 201, body
    assert (body["profileId"], body["evseId"], body["source"], body["status"]) == (
        11,
        1,
        "api",
        "Accepted",
    )
    assert body["chargingProfile"] == profile(11, level=2)
    assert set(operated.profiles) == {11}
    assert await listed(api, station) == [body]

    status, replaced = await put_profile(api, station, 2, profile_id=11, level=4)
    assert status == 201, replaced
    [shown] = await listed(api, station)
    assert (shown["evseId"], shown["stackLevel"]) == (2, 4)
    assert operated.profiles[11][0] == 2

    path = f"/stations/{station}/charging-profiles/11"
    status, cleared = await api.request("DELETE", path)
    assert status == 200, cleared
    assert (cleared["answer"], cleared["forgotten"]) == ("Accepted", True)
    assert await listed(api, station) == [] and operated.profiles == {}
    status, again = await api.request("DELETE", path)
    assert status == 200 and (again["answer"], again["forgotten"]) == ("Unknown", False)
    assert sent(operated, "ClearChargingProfile") == [{"chargingProfileId": 11}] * 2

    events = await tap.events(4)
    assert [e["event"] for e in events] == [
        names.EVENT_PROFILE_SET,
        names.EVENT_PROFILE_SET,
        names.EVENT_PROFILE_CLEARED,
        names.EVENT_PROFILE_CLEARED,
    ]
    assert events[1]["evseId"] == 2 and events[1]["stackLevel"] == 4
    assert [e["answer"] for e in events[2:]] == ["Accepted", "Unknown"]


async def test_a_profile_the_station_rejects_is_not_stored(
    api: Api, operated: OperatedStation, station: str
):
    operated.profile_answer = "Rejected"
    status, body = await put_profile(api, station)
    assert status == 409, body
    assert body["detail"]["status"] == "Rejected" and body["detail"]["commandId"]
    assert len(sent(operated, "SetChargingProfile")) == 1
    assert await listed(api, station) == []


async def test_an_offline_station_gets_nothing_and_nothing_is_stored(api: Api, station: str):
    assert (await put_profile(api, station))[0] == 409
    assert await listed(api, station) == []
    path = f"/stations/{station}"
    assert (await api.request("POST", f"{path}/charging-profiles/refresh"))[0] == 409
    assert (await api.request("DELETE", f"{path}/charging-profiles/1"))[0] == 409
    assert (await api.request("GET", f"{path}/composite-schedule?evseId=1&duration=60"))[0] == 409


async def test_unknown_stations_and_bad_ids_are_refused(api: Api, station: str):
    assert (await put_profile(api, "CS-NOT-REGISTERED"))[0] == 404
    assert (await api.request("GET", "/stations/CS-NOT-REGISTERED/charging-profiles"))[0] == 404
    path = f"/stations/{station}/charging-profiles/"
    assert (await api.request("DELETE", path + "x"))[0] == 400
    assert (await api.request("DELETE", path + "-1"))[0] == 400


# --- what the station really holds --------------------------------------------------------


def held(profile_id: int, evse_id: int, level: int) -> tuple[int, dict[str, Any]]:
    """A profile set on the station by someone else, as the station keeps it."""
    return evse_id, camel_to_snake_case(profile(profile_id, level=level))


async def test_refresh_makes_the_view_what_the_station_reports(
    api: Api, operated: OperatedStation, station: str
):
    assert (await put_profile(api, station, profile_id=1))[0] == 201
    assert (await put_profile(api, station, profile_id=2, level=1))[0] == 201
    del operated.profiles[1]  # the station lost it
    operated.profiles[7] = held(7, 2, 5)
    operated.profiles[8] = held(8, 0, 6)

    status, body = await api.request("POST", f"/stations/{station}/charging-profiles/refresh")
    assert status == 200, body
    assert (body["answer"], body["removed"], body["learnt"]) == ("Accepted", [1], [7, 8])
    [request] = sent(operated, "GetChargingProfiles")
    assert request["requestId"] == body["requestId"]
    shown = {p["profileId"]: p for p in await listed(api, station)}
    assert body["chargingProfiles"] == list(shown.values())
    assert set(shown) == {2, 7, 8}
    assert (shown[2]["source"], shown[2]["status"]) == ("api", "Accepted")
    assert shown[2]["reportedAt"] is not None
    assert (shown[7]["source"], shown[7]["evseId"], shown[7]["stackLevel"]) == ("station", 2, 5)
    assert shown[7]["chargingProfile"] == profile(7, level=5)
    assert shown[8]["evseId"] == 0 and shown[8]["chargingLimitSource"] == "CSO"

    # The station's profiles take part in the checks from now on.
    status, refused = await put_profile(api, station, 2, profile_id=9, level=5)
    assert status == 422 and "profile 7" in refused["detail"][0]["message"], refused


async def test_a_station_holding_no_profiles_empties_the_view(
    api: Api, operated: OperatedStation, station: str
):
    assert (await put_profile(api, station, profile_id=4))[0] == 201
    operated.profiles.clear()
    status, body = await api.request("POST", f"/stations/{station}/charging-profiles/refresh")
    assert status == 200, body
    assert (body["answer"], body["removed"], body["chargingProfiles"]) == ("NoProfiles", [4], [])


# --- composite schedule -------------------------------------------------------------------


async def test_the_composite_schedule_is_the_station_s_answer(
    api: Api, operated: OperatedStation, station: str
):
    path = f"/stations/{station}/composite-schedule"
    status, body = await api.request("GET", f"{path}?evseId=1&duration=3600&unit=W")
    assert status == 200, body
    response = body["response"]
    assert response["status"] == "Accepted" and body["commandId"]
    assert response["schedule"]["duration"] == 3600
    assert response["schedule"]["chargingRateUnit"] == "W"
    assert response["schedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.0}]
    status, body = await api.request("GET", f"{path}?evseId=9&duration=60")
    assert status == 200 and body["response"] == {"status": "Rejected"}, body
    assert sent(operated, "GetCompositeSchedule") == [
        {"duration": 3600, "evseId": 1, "charging_rate_unit": "W"},
        {"duration": 60, "evseId": 9},
    ]


@pytest.mark.parametrize(
    "query",
    [
        "evseId=-1&duration=60",
        "evseId=1&duration=0",
        "evseId=1&duration=x",
        "evseId=1&duration=60&unit=kW",
        "duration=60",
        "evseId=1",
        "evseId=1&duration=99999999999",
    ],
)
async def test_a_bad_composite_schedule_query_is_refused(
    api: Api, operated: OperatedStation, station: str, query: str
):
    status, body = await api.request("GET", f"/stations/{station}/composite-schedule?{query}")
    assert status == 422, body
    assert not sent(operated, "GetCompositeSchedule")


async def test_the_site_load_management_s_profiles_are_not_cleared_through_the_api(
    api: Api, station: str
):
    status, body = await api.request("DELETE", f"/stations/{station}/charging-profiles/1000001")
    assert status == 409 and "site" in body["error"], body
    status, body = await api.request("DELETE", f"/stations/{station}/charging-profiles/999999")
    assert body["detail"]["status"] == "offline", body  # an operator's id is sent: offline


# --- ISO 15118 outside any site (K15-K17) -------------------------------------------------


def tx_profiles(operated: OperatedStation) -> list[dict[str, Any]]:
    return [p for p in sent(operated, "SetChargingProfile") if p.get("transaction_id")]


async def got(operated: OperatedStation, count: int) -> list[dict[str, Any]]:
    async def enough() -> bool:
        return len(tx_profiles(operated)) >= count

    assert await eventually(enough), tx_profiles(operated)
    return tx_profiles(operated)


def ev_schedule(limit: float) -> Any:
    return call.NotifyEVChargingSchedule(
        time_base=now(),
        evse_id=1,
        charging_schedule={
            "id": 1,
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
        },
    )


async def test_outside_a_site_ev_needs_get_a_tx_profile_and_the_ev_schedule_is_checked(
    api: Api, operated: OperatedStation, station: str
):
    """OCTT TC_K_53, TC_K_55 and TC_K_57 for a station in no site: the EV's maximum (20 A,
    below the EVSE's 32 A) as a TxProfile for the transaction; an EV schedule above it
    Rejected and the profile sent again; the operator's own TxProfile (a higher stackLevel)
    governs once set, and is what the CSMS sends from then on."""
    await start_transaction(api, operated, station, "TX-EV-1")
    needs = await operated.call(
        call.NotifyEVChargingNeeds(
            evse_id=1,
            max_schedule_tuples=10,
            charging_needs={
                "requested_energy_transfer": "AC_three_phase",
                "ac_charging_parameters": {
                    "energy_amount": 20000,
                    "ev_min_current": 6,
                    "ev_max_current": 20,
                    "ev_max_voltage": 400,
                },
            },
        )
    )
    assert needs.status == "Accepted"
    [first] = await got(operated, 1)
    assert first["evseId"] == 1 and first["id"] == 1_000_001 and first["stack_level"] == 1
    assert (first["charging_profile_purpose"], first["transaction_id"]) == ("TxProfile", "TX-EV-1")
    [schedule] = first["charging_schedule"]
    assert schedule["charging_rate_unit"] == "A"
    assert schedule["charging_schedule_period"] == [
        {"start_period": 0, "limit": 20.0, "number_phases": 3}
    ]

    assert (await operated.call(ev_schedule(20.0))).status == "Accepted"  # K15.FR.11
    assert (await operated.call(ev_schedule(25.0))).status == "Rejected"  # K15.FR.12
    again = (await got(operated, 2))[-1]  # K15.FR.13: renegotiation
    assert again == first

    # The operator's TxProfile, stackLevel 2, 16 A: the station obeys it now.
    status, body = await put_profile(
        api, station, 1, profile_id=5, purpose="TxProfile", level=2, transactionId="TX-EV-1"
    )
    assert status == 201, body
    assert len(tx_profiles(operated)) == 3  # the API's own
    assert (await operated.call(ev_schedule(16.0))).status == "Accepted"
    assert (await operated.call(ev_schedule(20.0))).status == "Rejected"
    renegotiated = (await got(operated, 4))[-1]
    assert (renegotiated["id"], renegotiated["stack_level"]) == (5, 2)
    assert renegotiated == tx_profiles(operated)[2]  # sent again as the operator set it
