"""``device_model`` (component/variable attributes per station) and ``reports`` (NotifyReport
progress per requestId)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared import names


def variable_key(station: str, component: dict[str, Any], variable: dict[str, Any]) -> str:
    evse = component.get("evse") or {}
    parts = [
        station,
        component["name"],
        component.get("instance", ""),
        evse.get("id", ""),
        evse.get("connectorId", ""),
        variable["name"],
        variable.get("instance", ""),
    ]
    return "/".join(map(str, parts))


async def store_report_data(
    db: AsyncDatabase[Any], station: str, items: list[dict[str, Any]], at: datetime
) -> None:
    ops = []
    for item in items:
        fields: dict[str, Any] = {
            "station": station,
            "component": item["component"],
            "variable": item["variable"],
            "attributes": item["variableAttribute"],
            "updatedAt": at,
        }
        if "variableCharacteristics" in item:
            fields["characteristics"] = item["variableCharacteristics"]
        key = variable_key(station, item["component"], item["variable"])
        ops.append(UpdateOne({"_id": key}, {"$set": fields}, upsert=True))
    if ops:
        await db[names.DEVICE_MODEL].bulk_write(ops, ordered=False)


async def record_report_part(
    db: AsyncDatabase[Any],
    station: str,
    request_id: int,
    seq_no: int,
    tbc: bool,
    generated_at: datetime,
) -> None:
    update: dict[str, Any] = {
        "$setOnInsert": {"station": station, "requestId": request_id},
        "$addToSet": {"seqNos": seq_no},
        "$max": {"lastPartAt": generated_at},
    }
    if not tbc:
        update["$set"] = {"complete": True, "lastSeqNo": seq_no}
    await db[names.REPORTS].update_one({"_id": f"{station}/{request_id}"}, update, upsert=True)


async def for_station(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.DEVICE_MODEL].find({"station": station}, {"_id": 0, "station": 0})
    return [doc async for doc in cursor]


async def store_values(
    db: AsyncDatabase[Any],
    station: str,
    values: list[tuple[dict[str, Any], dict[str, Any], str, str]],
    at: datetime,
) -> None:
    """Record attribute values learnt from GetVariables/SetVariables results:
    (component, variable, attributeType, value) each."""
    ops = []
    for component, variable, attribute_type, value in values:
        key = variable_key(station, component, variable)
        doc = await db[names.DEVICE_MODEL].find_one({"_id": key}, {"attributes": 1})
        attributes = [
            a
            for a in (doc or {}).get("attributes", [])
            if a.get("type", "Actual") != attribute_type
        ]
        attributes.append({"type": attribute_type, "value": value})
        ops.append(
            UpdateOne(
                {"_id": key},
                {
                    "$set": {
                        "station": station,
                        "component": component,
                        "variable": variable,
                        "attributes": attributes,
                        "updatedAt": at,
                    }
                },
                upsert=True,
            )
        )
    if ops:
        await db[names.DEVICE_MODEL].bulk_write(ops, ordered=False)


async def record_report_request(
    db: AsyncDatabase[Any], station: str, request_id: int, fields: dict[str, Any]
) -> None:
    await db[names.REPORTS].update_one(
        {"_id": f"{station}/{request_id}"},
        {"$set": fields, "$setOnInsert": {"station": station, "requestId": request_id}},
        upsert=True,
    )


async def reports_for(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    cursor = db[names.REPORTS].find({"station": station}, {"_id": 0}).sort("requestId", -1)
    return [doc async for doc in cursor]
