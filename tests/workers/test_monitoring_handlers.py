"""N: what a station reports of its monitors is stored once per message; its NotifyEvent
alerts are raised once, however often the message comes; a Delta is a notice, never active."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from tests.simulator import RawStation, now
from tests.workers.fixtures import REQUESTS
from tests.workers.test_handlers import (  # noqa: F401 (fixtures)
    EventTap,
    booted,
    events,
    result,
    twice,
)
from workers.handlers.diagnostics.notify_event import outcome


async def test_monitoring_report_parts_are_stored_once_each(
    booted: RawStation,  # noqa: F811
    station: str,
    events: EventTap,  # noqa: F811
    db: AsyncDatabase[Any],
):
    part = REQUESTS["NotifyMonitoringReport"]
    await twice(booted, "NotifyMonitoringReport", part, "mon-1")
    event = await events.next_for(station, names.EVENT_MONITORING_REPORT)
    assert (event["requestId"], event["tbc"], event["monitorIds"]) == (11, True, [7])
    await result(booted, "NotifyMonitoringReport", {**part, "seqNo": 1, "tbc": False}, "mon-2")
    stored = (
        await db[names.MONITORING_REPORTS]
        .find({"station": station, "requestId": 11})
        .sort("seqNo", 1)
        .to_list()
    )
    assert [(d["seqNo"], d["tbc"]) for d in stored] == [(0, True), (1, False)]
    assert stored[0]["monitor"] == part["monitor"]


async def test_a_redelivered_notify_event_raises_and_clears_one_alert(
    booted: RawStation,  # noqa: F811
    station: str,
    events: EventTap,  # noqa: F811
    db: AsyncDatabase[Any],
):
    notice = REQUESTS["NotifyEvent"]["eventData"][0]
    raising = {
        "generatedAt": now(),
        "seqNo": 0,
        "eventData": [{**notice, "trigger": "Alerting", "variableMonitoringId": 3}],
    }
    assert await twice(booted, "NotifyEvent", raising, "ev-1") == {}
    raised = await events.next_for(station, names.EVENT_ALERT_RAISED)
    again = await events.next_for(station, names.EVENT_ALERT_RAISED)
    assert raised["eventId"] == again["eventId"]  # one state change, one id
    assert (raised["trigger"], raised["actualValue"], raised["severity"], raised["active"]) == (
        "Alerting",
        "Faulted",
        None,
        True,
    )
    stored = await db[names.ALERTS].find({"station": station}).to_list()
    assert [(d["_id"], d["active"]) for d in stored] == [(raised["alertId"], True)]

    clearing = {
        "generatedAt": now(),
        "seqNo": 1,
        "eventData": [
            {**raising["eventData"][0], "eventId": 2, "actualValue": "Available", "cleared": True}
        ],
    }
    await twice(booted, "NotifyEvent", clearing, "ev-2")
    cleared = await events.next_for(station, names.EVENT_ALERT_CLEARED)
    assert cleared["alertId"] == raised["alertId"]
    stored = await db[names.ALERTS].find({"station": station}).to_list()
    assert [(d["active"], d["clearedAt"] is not None) for d in stored] == [(False, True)]


async def test_a_delta_is_a_notice_stored_already_ended(
    booted: RawStation,  # noqa: F811
    station: str,
    events: EventTap,  # noqa: F811
    db: AsyncDatabase[Any],
):
    """A station never clears a Delta (a value changed): its alert is never active, and a
    later change of the same variable ends nothing."""
    delta = REQUESTS["NotifyEvent"]
    await twice(booted, "NotifyEvent", delta, "delta-1")
    raised = await events.next_for(station, names.EVENT_ALERT_RAISED)
    assert (raised["trigger"], raised["actualValue"], raised["active"]) == (
        "Delta",
        "Faulted",
        False,
    )
    later = {
        "generatedAt": now(),
        "seqNo": 1,
        "eventData": [{**delta["eventData"][0], "eventId": 2, "actualValue": "Available"}],
    }
    await result(booted, "NotifyEvent", later, "delta-2")
    await events.next_for(station, names.EVENT_ALERT_RAISED)
    stored = await db[names.ALERTS].find({"station": station}).sort("eventId", 1).to_list()
    assert [(d["actualValue"], d["active"], d["clearedAt"] == d["raisedAt"]) for d in stored] == [
        ("Faulted", False, True),
        ("Available", False, True),
    ]
    assert await db[names.ALERTS].count_documents({"station": station, "active": True}) == 0


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"trigger": "Alerting"}, "alert"),
        ({"trigger": "Alerting", "cleared": False}, "alert"),
        ({"trigger": "Delta"}, "notice"),
        ({"trigger": "Periodic"}, None),
        ({"trigger": "Alerting", "cleared": True}, "clear"),
        ({"trigger": "Delta", "cleared": True}, "clear"),
        ({"trigger": "Periodic", "cleared": True}, "clear"),
    ],
)
def test_what_an_event_entry_does_to_alerts(entry: dict[str, Any], expected: str | None):
    assert outcome(entry) == expected
