"""NotifyEvent (N07): monitoring events reported by the station, kept as a log; those of an
Alerting or Delta trigger raise an alert, those ``cleared`` end one (``store/alerts.py``).

An Alerting entry reports a condition (a threshold crossed) that holds until the station
sends the same event ``cleared``: its alert stays active until then. A Delta entry reports
that a value changed (by the monitor's value, or at all for a non-numeric variable, e.g. a
connector's AvailabilityState): a one-off notice that no ``cleared`` will ever end, so its
alert is stored already ended (``clearedAt`` its own time), to be seen and acknowledged
but never counted as active. Only those entries cost more than the log: a NotifyEvent of
Periodic entries alone writes and reads nothing else.
"""

from __future__ import annotations

from typing import Any, Literal

from shared import names, timestamps
from shared.events import iso
from store import alerts, records

from ...context import Context, Payload

Outcome = Literal["alert", "notice", "clear"]
BY_TRIGGER: dict[str, Outcome] = {"Alerting": "alert", "Delta": "notice"}


def outcome(event: Payload) -> Outcome | None:
    """What one eventData entry does to alerts: ``alert`` raises one that stays active until
    cleared, ``notice`` raises one already ended (a Delta: a change, not a lasting
    condition), ``clear`` ends the active ones of its variable (and monitor); None: nothing
    (a Periodic entry is a reading)."""
    if event.get("cleared", False):
        return "clear"
    return BY_TRIGGER.get(event["trigger"])


async def handle(ctx: Context, request: Payload) -> Payload:
    generated = timestamps.parse(request["generatedAt"])
    docs = [
        {
            "_id": ctx.record_id(i),
            "station": ctx.station,
            "generatedAt": generated,
            "seqNo": request["seqNo"],
            "receivedAt": ctx.now,
            **event,
            "timestamp": timestamps.parse(event["timestamp"]),
        }
        for i, event in enumerate(request["eventData"])
    ]
    await records.add_station_events(ctx.db, docs)
    await ctx.emit(
        names.EVENT_NOTIFY,
        seqNo=request["seqNo"],
        tbc=request.get("tbc", False),
        eventData=request["eventData"],
    )
    await _raise(ctx, request)
    await _clear(ctx, request)
    return {}


async def _severities(ctx: Context, events: list[Payload]) -> dict[int, int]:
    """The severity of each monitor the events name, as far as the CSMS knows it."""
    ids = {e["variableMonitoringId"] for e in events if "variableMonitoringId" in e}
    if not ids:
        return {}
    keys = [f"{ctx.station}/{i}" for i in ids]
    cursor = ctx.db[names.MONITORS].find({"_id": {"$in": keys}}, {"monitorId": 1, "severity": 1})
    return {doc["monitorId"]: doc["severity"] async for doc in cursor}


def _alert(ctx: Context, request: Payload, event: Payload, severity: int | None) -> Payload:
    lasting = outcome(event) == "alert"
    raised_at = timestamps.parse(event["timestamp"])
    return {
        "_id": alerts.alert_id(
            ctx.station, request["generatedAt"], request["seqNo"], event["eventId"]
        ),
        "station": ctx.station,
        "eventId": event["eventId"],
        "target": alerts.target(event["component"], event["variable"]),
        "component": event["component"],
        "variable": event["variable"],
        "variableMonitoringId": event.get("variableMonitoringId"),
        "actualValue": event["actualValue"],
        "trigger": event["trigger"],
        "severity": severity,
        "techCode": event.get("techCode"),
        "techInfo": event.get("techInfo"),
        "eventNotificationType": event["eventNotificationType"],
        "raisedAt": raised_at,
        "receivedAt": ctx.now,
        "active": lasting,
        "clearedAt": None if lasting else raised_at,
        "clearedBy": None,
    }


async def _raise(ctx: Context, request: Payload) -> None:
    raising = [e for e in request["eventData"] if outcome(e) in ("alert", "notice")]
    if not raising:
        return
    severities = await _severities(ctx, raising)
    docs = [
        _alert(ctx, request, e, severities.get(e.get("variableMonitoringId", -1))) for e in raising
    ]
    await alerts.raise_all(ctx.db, docs)
    for doc in docs:
        await ctx.emit(names.EVENT_ALERT_RAISED, key=doc["_id"], **_fields(doc))


async def _clear(ctx: Context, request: Payload) -> None:
    for event in request["eventData"]:
        if outcome(event) != "clear":
            continue
        cleared_by = alerts.alert_id(
            ctx.station, request["generatedAt"], request["seqNo"], event["eventId"]
        )
        ended = await alerts.clear(
            ctx.db,
            ctx.station,
            alerts.target(event["component"], event["variable"]),
            event.get("variableMonitoringId"),
            cleared_by,
            timestamps.parse(event["timestamp"]),
        )
        for doc in ended:
            await ctx.emit(
                names.EVENT_ALERT_CLEARED,
                key=doc["_id"],
                **_fields(doc),
                clearedByEventId=event["eventId"],
                clearedAt=iso(doc["clearedAt"]),
            )


def _fields(doc: Payload) -> dict[str, Any]:
    return {
        "alertId": doc["_id"],
        "eventId": doc["eventId"],
        "component": doc["component"],
        "variable": doc["variable"],
        "variableMonitoringId": doc["variableMonitoringId"],
        "actualValue": doc["actualValue"],
        "trigger": doc["trigger"],
        "severity": doc["severity"],
        "raisedAt": iso(doc["raisedAt"]),
        "active": doc["active"],
    }
