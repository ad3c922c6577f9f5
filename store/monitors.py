"""``monitors``, ``monitoring_settings`` and ``monitoring_reports``: the CSMS's view of a
station's variable monitors (N02-N06).

``monitors``: one document per station and monitor id, ``_id`` = ``<station>/<id>`` (the
station assigns ids, unique among its installed monitors). Written by the API only (one
writer per document): ``put`` after the station accepted a SetVariableMonitoring entry,
``delete`` after ClearVariableMonitoring, ``replace_from_report`` after a complete
NotifyMonitoringReport answer to the API's GetMonitoringReport. ``source`` says how the
CSMS learnt of one: ``api`` (it set it) or ``station`` (only a report named it).

``monitoring_settings``: the last SetMonitoringBase and SetMonitoringLevel the station
accepted, ``_id`` = ``<station>/<field>``, API only. ``monitoring_reports``: the report parts, one
document per NotifyMonitoringReport message, written once by the workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from shared import names

from . import bulk_upsert, insert_once, reports

SOURCE_API = "api"
SOURCE_STATION = reports.SOURCE_STATION
REPORTED = reports.REPORTED
"""``status`` of a monitor only a report told of."""
MONITOR_FIELDS = ("type", "value", "severity", "transaction")


def monitor_key(station: str, monitor_id: int) -> str:
    return f"{station}/{monitor_id}"


def document(
    station: str,
    monitor_id: int,
    component: dict[str, Any],
    variable: dict[str, Any],
    monitor: dict[str, Any],
    fields: dict[str, Any],
) -> dict[str, Any]:
    """A monitor's whole document: ``monitor`` gives type, value, severity, transaction;
    ``fields`` adds source, status, commandId and times."""
    return {
        "_id": monitor_key(station, monitor_id),
        "station": station,
        "monitorId": monitor_id,
        "component": component,
        "variable": variable,
        "type": monitor["type"],
        "value": monitor["value"],
        "severity": monitor["severity"],
        "transaction": monitor.get("transaction", False),
        **fields,
    }


async def put(db: AsyncDatabase[Any], docs: list[dict[str, Any]]) -> None:
    """Store the monitors the station accepted, each replacing one with its id."""
    ops = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs]
    await bulk_upsert(db, names.MONITORS, ops)


async def get(db: AsyncDatabase[Any], station: str, monitor_id: int) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await db[names.MONITORS].find_one(
        {"_id": monitor_key(station, monitor_id)}
    )
    return doc


async def delete(db: AsyncDatabase[Any], station: str, monitor_id: int) -> bool:
    """False when nothing was stored under that id."""
    result = await db[names.MONITORS].delete_one({"_id": monitor_key(station, monitor_id)})
    return bool(result.deleted_count)


async def forget_custom(db: AsyncDatabase[Any], station: str) -> int:
    """After SetMonitoringBase FactoryDefault or HardWiredOnly: the station removed every
    custom monitor (N03.FR.05), which is what the CSMS set."""
    result = await db[names.MONITORS].delete_many({"station": station, "source": SOURCE_API})
    return int(result.deleted_count)


async def for_station(
    db: AsyncDatabase[Any], station: str, limit: int = 0, skip: int = 0
) -> list[dict[str, Any]]:
    cursor = (
        db[names.MONITORS].find({"station": station}).sort("monitorId", 1).skip(skip).limit(limit)
    )
    return [doc async for doc in cursor]


async def settings(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    """``{monitoringBase, monitoringBaseSetAt, severity, severitySetAt}`` as far as known."""
    found: dict[str, Any] = {}
    async for doc in db[names.MONITORING_SETTINGS].find({"station": station}):
        found |= {doc["field"]: doc["value"], f"{doc['field']}SetAt": doc["setAt"]}
    return found


async def put_setting(
    db: AsyncDatabase[Any], station: str, field: str, value: Any, at: datetime
) -> None:
    """One document per station and setting, so a base and a level set at once never
    write the same document."""
    doc = {"_id": f"{station}/{field}", "station": station, "field": field, "value": value}
    await db[names.MONITORING_SETTINGS].replace_one(
        {"_id": doc["_id"]}, {**doc, "setAt": at}, upsert=True
    )


# --- report parts (workers) -----------------------------------------------------------------


async def add_report_part(db: AsyncDatabase[Any], doc: dict[str, Any]) -> bool:
    """One NotifyMonitoringReport part; False if this message was stored before."""
    return await insert_once(db, names.MONITORING_REPORTS, doc)


async def report(db: AsyncDatabase[Any], station: str, request_id: int) -> list[dict[str, Any]]:
    """The parts received so far for one GetMonitoringReport, in seqNo order."""
    cursor = (
        db[names.MONITORING_REPORTS]
        .find({"station": station, "requestId": request_id})
        .sort("seqNo", 1)
    )
    return [doc async for doc in cursor]


def reported_monitors(parts: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], ...]]:
    """(component, variable, VariableMonitoringType) for every monitor the parts name."""
    return [
        (data["component"], data["variable"], monitor)
        for part in parts
        for data in part["monitor"]
        for monitor in data["variableMonitoring"]
    ]


def _same(doc: dict[str, Any], component: Any, variable: Any, monitor: dict[str, Any]) -> bool:
    """A monitor is identified by component, variable and id; the id is the key already."""
    return bool(doc["component"] == component and doc["variable"] == variable) and all(
        doc.get(f) == monitor.get(f, False if f == "transaction" else None) for f in MONITOR_FIELDS
    )


async def replace_from_report(
    db: AsyncDatabase[Any],
    station: str,
    reported: list[tuple[dict[str, Any], ...]],
    asked_at: datetime,
    at: datetime,
) -> tuple[list[int], list[int]]:
    """Make the stored monitors what a complete report says the station holds.

    A stored monitor the report does not name is removed, unless stored after the report
    was asked for (``asked_at``). A reported one the CSMS does not hold as reported (same
    component, variable and settings) is stored as the station's; one it holds as reported
    gets ``reportedAt``. Returns the monitor ids removed and the ids learnt."""

    def learnt(monitor_id: int, found: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        component, variable, monitor = found
        fields = reports.learnt_fields(at)
        return document(station, monitor_id, component, variable, monitor, fields)

    return await reports.replace_from_report(
        db,
        names.MONITORS,
        {doc["monitorId"]: doc for doc in await for_station(db, station)},
        {found[2]["id"]: found for found in reported},
        lambda doc, found: _same(doc, *found),
        learnt,
        asked_at,
        at,
    )
