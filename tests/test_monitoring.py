"""Monitoring and alerts (N02-N07) end to end: the operator API sets, lists, clears and
refreshes a simulated station's variable monitors on the real cluster; NotifyEvent raises
and clears alerts an operator acknowledges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v201 import call

from tests.cluster import Cluster
from tests.conftest import Api
from tests.events import Tap, event_queue
from tests.operated_station import OperatedStation
from tests.simulator import now
from tests.test_end_to_end import eventually

POWER = {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}
TEMPERATURE = {"component": {"name": "TempSensor"}, "variable": {"name": "Temperature"}}


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(cluster.amqp_url, f"alert.*.{station}") as queue:
        yield Tap(queue)


def monitor(where: dict[str, Any], kind: str, value: float, severity: int = 5) -> dict[str, Any]:
    return {**where, "type": kind, "value": value, "severity": severity}


async def set_monitors(api: Api, station: str, *entries: dict[str, Any]) -> tuple[int, Any]:
    body = {"setMonitoringData": list(entries)}
    return await api.request("POST", f"/stations/{station}/monitors", body)


async def listed(api: Api, station: str) -> dict[str, Any]:
    status, body = await api.request("GET", f"/stations/{station}/monitors")
    assert status == 200, body
    return dict(body)


# --- monitors --------------------------------------------------------------------------------


async def test_monitors_are_set_accepted_or_rejected_listed_and_cleared(
    api: Api, operated: OperatedStation, station: str
):
    status, body = await set_monitors(
        api,
        station,
        monitor(POWER, "UpperThreshold", 22000, severity=3),
        monitor(TEMPERATURE, "Delta", 5),
        monitor({**TEMPERATURE, "component": {"name": "UnknownThing"}}, "Periodic", 60),
        monitor(TEMPERATURE, "LowerThreshold", -1),
    )
    assert status == 200, body
    statuses = [(r["status"], r.get("id")) for r in body["setMonitoringResult"]]
    assert statuses == [
        ("Accepted", 100),
        ("Accepted", 101),
        ("UnknownComponent", None),
        ("Rejected", None),
    ]
    assert [m["monitorId"] for m in body["monitors"]] == [100, 101]

    shown = await listed(api, station)
    assert [(m["monitorId"], m["type"], m["severity"], m["source"]) for m in shown["monitors"]] == [
        (100, "UpperThreshold", 3, "api"),
        (101, "Delta", 5, "api"),
    ]
    assert shown["monitors"][0]["component"] == POWER["component"]
    assert shown["monitors"][0]["value"] == 22000

    status, cleared = await api.request("DELETE", f"/stations/{station}/monitors/100")
    assert status == 200, cleared
    assert (cleared["answer"], cleared["forgotten"]) == ("Accepted", True)
    status, again = await api.request("DELETE", f"/stations/{station}/monitors/100")
    assert (again["answer"], again["forgotten"]) == ("NotFound", False)
    assert [m["monitorId"] for m in (await listed(api, station))["monitors"]] == [101]
    assert set(operated.monitors) == {101}


async def test_base_and_level_are_sent_and_the_accepted_ones_kept(
    api: Api, operated: OperatedStation, station: str
):
    assert (await set_monitors(api, station, monitor(POWER, "Periodic", 900)))[0] == 200
    path = f"/stations/{station}/monitors"
    status, level = await api.request("PUT", f"{path}/level", {"severity": 4})
    assert status == 200 and level["answer"] == "Accepted", level
    assert operated.monitoring_level == 4
    status, base = await api.request("PUT", f"{path}/base", {"monitoringBase": "HardWiredOnly"})
    assert status == 200 and (base["answer"], base["forgottenMonitors"]) == ("Accepted", 1)
    shown = await listed(api, station)
    assert (shown["monitoringBase"], shown["severity"], shown["monitors"]) == (
        "HardWiredOnly",
        4,
        [],
    )
    assert shown["monitoringBaseSetAt"] and shown["severitySetAt"]

    assert (await api.request("PUT", f"{path}/level", {"severity": 10}))[0] == 422
    assert (await api.request("PUT", f"{path}/base", {"monitoringBase": "Some"}))[0] == 422


async def test_a_clock_aligned_monitor_is_accepted_and_stored(
    api: Api, operated: OperatedStation, station: str
):
    status, body = await set_monitors(api, station, monitor(POWER, "PeriodicClockAligned", 900, 7))
    assert status == 200, body
    [result] = body["setMonitoringResult"]
    assert (result["status"], result["type"], result["id"]) == (
        "Accepted",
        "PeriodicClockAligned",
        100,
    )
    [shown] = (await listed(api, station))["monitors"]
    assert (shown["monitorId"], shown["type"], shown["value"], shown["severity"]) == (
        100,
        "PeriodicClockAligned",
        900,
        7,
    )
    assert (shown["component"], shown["source"]) == (POWER["component"], "api")
    assert operated.monitors[100]["type"] == "PeriodicClockAligned"


async def test_base_all_keeps_the_monitors_and_factory_default_forgets_them(
    api: Api, operated: OperatedStation, station: str
):
    assert (await set_monitors(api, station, monitor(POWER, "UpperThreshold", 22000)))[0] == 200
    path = f"/stations/{station}/monitors/base"
    status, base = await api.request("PUT", path, {"monitoringBase": "All"})
    assert status == 200, base
    assert (base["monitoringBase"], base["answer"], base["forgottenMonitors"]) == (
        "All",
        "Accepted",
        0,
    )
    assert operated.monitoring_base == "All"
    shown = await listed(api, station)
    assert (shown["monitoringBase"], [m["monitorId"] for m in shown["monitors"]]) == ("All", [100])

    status, base = await api.request("PUT", path, {"monitoringBase": "FactoryDefault"})
    assert status == 200, base
    assert (base["answer"], base["forgottenMonitors"]) == ("Accepted", 1)
    assert (operated.monitoring_base, operated.monitors) == ("FactoryDefault", {})
    shown = await listed(api, station)
    assert (shown["monitoringBase"], shown["monitors"]) == ("FactoryDefault", [])
    sent = [p["monitoringBase"] for a, p in operated.received if a == "SetMonitoringBase"]
    assert sent == ["All", "FactoryDefault"]


async def test_refresh_assembles_the_report_parts_into_the_monitor_list(
    api: Api, operated: OperatedStation, station: str
):
    assert (await set_monitors(api, station, monitor(POWER, "UpperThreshold", 22000)))[0] == 200
    assert (await set_monitors(api, station, monitor(POWER, "Delta", 1000)))[0] == 200
    del operated.monitors[100]  # the station lost it
    operated.monitors[7] = {**monitor(TEMPERATURE, "UpperThreshold", 80.0, 2), "id": 7}
    operated.monitors[8] = {**monitor(TEMPERATURE, "Periodic", 60.0, 8), "id": 8}

    status, body = await api.request("POST", f"/stations/{station}/monitors/refresh")
    assert status == 200, body
    assert (body["answer"], body["parts"], body["removed"], body["learnt"]) == (
        "Accepted",
        3,
        [100],
        [7, 8],
    )
    shown = {m["monitorId"]: m for m in (await listed(api, station))["monitors"]}
    assert body["monitors"] == list(shown.values())
    assert set(shown) == {101, 7, 8}
    assert (shown[101]["source"], shown[101]["status"]) == ("api", "Accepted")
    assert shown[101]["reportedAt"] is not None
    assert (shown[7]["source"], shown[7]["type"], shown[7]["severity"]) == (
        "station",
        "UpperThreshold",
        2,
    )
    assert shown[7]["component"] == TEMPERATURE["component"]

    operated.monitors.clear()
    status, empty = await api.request("POST", f"/stations/{station}/monitors/refresh")
    assert (empty["answer"], empty["removed"], empty["monitors"]) == (
        "EmptyResultSet",
        [7, 8, 101],
        [],
    )
    operated.monitoring_report_answer = "NotSupported"
    assert (await api.request("POST", f"/stations/{station}/monitors/refresh"))[0] == 409


async def test_bad_monitor_requests_are_refused_before_anything_is_sent(
    api: Api, operated: OperatedStation, station: str
):
    assert (await set_monitors(api, station))[0] == 422
    assert (await set_monitors(api, station, {**POWER, "type": "Sometimes", "value": 1}))[0] == 422
    assert (await set_monitors(api, station, monitor(POWER, "Delta", 1, severity=12)))[0] == 422
    assert not [a for a, _ in operated.received if a == "SetVariableMonitoring"]
    assert (await set_monitors(api, "CS-NOT-REGISTERED", monitor(POWER, "Delta", 1)))[0] == 404
    assert (await api.request("GET", "/stations/CS-NOT-REGISTERED/monitors"))[0] == 404
    assert (await api.request("DELETE", f"/stations/{station}/monitors/x"))[0] == 400


# --- alerts ----------------------------------------------------------------------------------


def event_data(event_id: int, trigger: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "timestamp": now(),
        "trigger": trigger,
        "actual_value": value,
        "event_notification_type": "CustomMonitor",
        "component": {"name": "TempSensor"},
        "variable": {"name": "Temperature"},
        **extra,
    }


async def notify(operated: OperatedStation, seq: int, *events: dict[str, Any]) -> None:
    await operated.call(call.NotifyEvent(generated_at=now(), seq_no=seq, event_data=list(events)))


async def alerts_of(api: Api, station: str, query: str = "") -> list[dict[str, Any]]:
    status, body = await api.request("GET", f"/alerts?stationId={station}{query}")
    assert status == 200, body
    return list(body["alerts"])


async def test_an_alert_is_raised_acknowledged_and_cleared(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    status, body = await set_monitors(api, station, monitor(TEMPERATURE, "UpperThreshold", 80, 2))
    [monitor_id] = [m["monitorId"] for m in body["monitors"]]
    await notify(operated, 0, event_data(1, "Alerting", "85.5", variable_monitoring_id=monitor_id))
    [raised] = await tap.events(1)
    assert (raised["event"], raised["severity"], raised["actualValue"]) == (
        "alert.raised",
        2,
        "85.5",
    )

    [alert] = await alerts_of(api, station, "&active=true")
    assert alert["alertId"] == raised["alertId"]
    assert (alert["trigger"], alert["severity"], alert["active"], alert["acknowledged"]) == (
        "Alerting",
        2,
        True,
        False,
    )
    assert await alerts_of(api, station, "&acknowledged=false") == [alert]

    status, created = await api.request(
        "POST", "/api-keys", {"name": "night-shift", "role": "operator"}
    )
    operator = api.as_key(created["key"])
    path = f"/alerts/{alert['alertId']}/ack"
    status, acked = await operator.request("POST", path, {"note": "technician sent"})
    assert status == 200, acked
    assert (acked["acknowledgement"]["by"], acked["acknowledgement"]["note"]) == (
        "night-shift",
        "technician sent",
    )
    status, twice = await api.request("POST", path, {})
    assert status == 409 and twice["detail"]["by"] == "night-shift"
    [acknowledged] = await tap.events(1)
    assert (acknowledged["event"], acknowledged["by"]) == ("alert.acknowledged", "night-shift")
    assert await alerts_of(api, station, "&acknowledged=false") == []
    [still] = await alerts_of(api, station, "&active=true&acknowledged=true")
    assert still["active"] is True

    await notify(operated, 1, event_data(2, "Alerting", "70.1", cleared=True))
    [cleared] = await tap.events(1)
    assert (cleared["event"], cleared["alertId"]) == ("alert.cleared", alert["alertId"])
    assert await alerts_of(api, station, "&active=true") == []
    [inactive] = await alerts_of(api, station, "&active=false")
    assert inactive["clearedAt"] is not None and inactive["acknowledged"] is True
    status, one = await api.request("GET", f"/alerts/{alert['alertId']}")
    assert status == 200 and one == inactive


async def test_a_resent_notify_event_raises_one_alert_and_periodic_raises_none(
    api: Api, operated: OperatedStation, station: str
):
    generated = now()
    for _ in range(2):  # the station resends the same message
        await operated.call(
            call.NotifyEvent(
                generated_at=generated,
                seq_no=0,
                event_data=[event_data(5, "Delta", "Faulted"), event_data(6, "Periodic", "20")],
            )
        )

    async def raised() -> list[dict[str, Any]]:
        return await alerts_of(api, station)

    alerts = await eventually(raised)
    assert [(a["eventId"], a["trigger"], a["severity"]) for a in alerts] == [(5, "Delta", None)]
    assert (alerts[0]["active"], alerts[0]["clearedAt"]) == (False, alerts[0]["raisedAt"])
    assert await alerts_of(api, station, "&active=true") == []  # a Delta is a notice


async def test_unknown_alerts_and_bad_acks_are_refused(api: Api, station: str):
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await api.request("GET", f"/alerts/{unknown}"))[0] == 404
    assert (await api.request("GET", "/alerts/not-an-id"))[0] == 404
    assert (await api.request("POST", f"/alerts/{unknown}/ack", {}))[0] == 404
    assert (await api.request("POST", f"/alerts/{unknown}/ack", {"note": "x" * 501}))[0] == 422
    assert (await api.request("GET", "/alerts?active=maybe"))[0] == 400


async def test_a_station_not_connected_gets_nothing_and_nothing_is_stored(api: Api, station: str):
    assert (await set_monitors(api, station, monitor(POWER, "Delta", 1)))[0] == 409
    path = f"/stations/{station}/monitors"
    assert (await api.request("PUT", f"{path}/level", {"severity": 3}))[0] == 409
    assert (await api.request("POST", f"{path}/refresh"))[0] == 409
    assert (await api.request("DELETE", f"{path}/1"))[0] == 409
    shown = await listed(api, station)
    assert (shown["monitors"], shown["severity"], shown["monitoringBase"]) == ([], None, None)
