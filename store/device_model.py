"""``device_model`` (component/variable attributes per station) and ``reports`` (NotifyReport
progress per requestId)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.ocpp16_configuration import Setting

from . import bulk_upsert, insert_once, upsert


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
    await bulk_upsert(db, names.DEVICE_MODEL, ops)


async def record_report_part(
    db: AsyncDatabase[Any],
    station: str,
    request_id: int,
    seq_no: int,
    tbc: bool,
    generated_at: datetime,
    variables: int,
) -> None:
    """One document per NotifyReport part (insert-once): parts never race each other or
    the GetBaseReport result that describes the request (see ``station_state``)."""
    await insert_once(
        db,
        names.REPORT_PARTS,
        {
            "_id": f"{station}/{request_id}/{seq_no}",
            "station": station,
            "requestId": request_id,
            "seqNo": seq_no,
            "tbc": tbc,
            "generatedAt": generated_at,
            "variables": variables,
        },
    )


async def for_station(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    """Each variable with one ``attributes`` list: what reports said, overridden by what
    GetVariables/SetVariables learnt later."""
    out = []
    async for doc in db[names.DEVICE_MODEL].find({"station": station}, {"_id": 0, "station": 0}):
        values: dict[str, str] = doc.pop("values", {})
        attributes = []
        for attribute in doc.get("attributes", []):
            kind = attribute.get("type", "Actual")
            attributes.append(
                {**attribute, **({"value": values.pop(kind)} if kind in values else {})}
            )
        attributes += [{"type": kind, "value": value} for kind, value in values.items()]
        out.append({**doc, "attributes": attributes})
    return out


async def store_values(
    db: AsyncDatabase[Any],
    station: str,
    values: list[tuple[dict[str, Any], dict[str, Any], str, str]],
    at: datetime,
) -> None:
    """Record attribute values learnt from GetVariables/SetVariables results, each
    (component, variable, attributeType, value), under ``values.<attributeType>``: one
    atomic ``$set`` that leaves what NotifyReport stored in ``attributes`` alone."""
    ops = [
        UpdateOne(
            {"_id": variable_key(station, component, variable)},
            {
                "$set": {
                    "station": station,
                    "component": component,
                    "variable": variable,
                    f"values.{attribute_type}": value,
                    "updatedAt": at,
                }
            },
            upsert=True,
        )
        for component, variable, attribute_type, value in values
    ]
    await bulk_upsert(db, names.DEVICE_MODEL, ops)


async def store_configuration(
    db: AsyncDatabase[Any], station: str, settings: list[Setting], at: datetime
) -> None:
    """Record a 1.6 GetConfiguration answer as a report would (``shared.ocpp16_configuration``):
    each key's Actual attribute, with its value and mutability, replaces what was known,
    values learnt by an earlier ChangeConfiguration included; ``ocpp16Key`` keeps its name."""
    ops = []
    for s in settings:
        attribute: dict[str, Any] = {"type": "Actual"}
        if s.value is not None:
            attribute["value"] = s.value
        if s.mutability is not None:
            attribute["mutability"] = s.mutability
        fields = {
            "station": station,
            "component": s.component,
            "variable": s.variable,
            "attributes": [attribute],
            "ocpp16Key": s.key,
            "updatedAt": at,
        }
        ops.append(
            UpdateOne(
                {"_id": variable_key(station, s.component, s.variable)},
                {"$set": fields, "$unset": {"values": ""}},
                upsert=True,
            )
        )
    await bulk_upsert(db, names.DEVICE_MODEL, ops)


async def record_report_request(
    db: AsyncDatabase[Any], station: str, request_id: int, fields: dict[str, Any]
) -> None:
    await upsert(
        db,
        names.REPORTS,
        {"_id": f"{station}/{request_id}"},
        {"$set": fields, "$setOnInsert": {"station": station, "requestId": request_id}},
    )


async def reports_for(db: AsyncDatabase[Any], station: str) -> list[dict[str, Any]]:
    """Report requests with the parts received so far; ``complete`` once the part with
    ``tbc`` false and every part before it are in."""
    reports: dict[int, dict[str, Any]] = {}
    async for doc in db[names.REPORTS].find({"station": station}, {"_id": 0, "station": 0}):
        reports[doc["requestId"]] = {**doc, "seqNos": [], "complete": False}
    parts = db[names.REPORT_PARTS].find({"station": station}).sort("seqNo", 1)
    async for part in parts:
        report = reports.setdefault(
            part["requestId"], {"requestId": part["requestId"], "seqNos": [], "complete": False}
        )
        report["seqNos"].append(part["seqNo"])
        if not part["tbc"]:
            report["lastSeqNo"] = part["seqNo"]
    for report in reports.values():
        last = report.get("lastSeqNo")
        report["complete"] = last is not None and report["seqNos"] == list(range(last + 1))
    return sorted(reports.values(), key=lambda r: r["requestId"], reverse=True)


async def get_variable(
    db: AsyncDatabase[Any], station: str, component: dict[str, Any], variable: dict[str, Any]
) -> dict[str, Any] | None:
    """One variable's document, read by ``_id``."""
    doc: dict[str, Any] | None = await db[names.DEVICE_MODEL].find_one(
        {"_id": variable_key(station, component, variable)}
    )
    return doc


def actual(doc: dict[str, Any] | None) -> str | None:
    """A variable's Actual value: GetVariables/SetVariables learnt it after the report that
    stored the attribute, so the learnt one wins."""
    if doc is None:
        return None
    if "Actual" in doc.get("values", {}):
        return str(doc["values"]["Actual"])
    for attribute in doc.get("attributes", []):
        if attribute.get("type", "Actual") == "Actual" and "value" in attribute:
            return str(attribute["value"])
    return None


async def evse_ids(db: AsyncDatabase[Any], station: str) -> frozenset[int]:
    """The EVSE ids the station's device model names (components ``EVSE`` with an evse);
    empty when no report told of any."""
    cursor = db[names.DEVICE_MODEL].find(
        {"station": station, "component.name": "EVSE"}, {"_id": 0, "component": 1}
    )
    found = set()
    async for doc in cursor:
        evse = doc["component"].get("evse") or {}
        if isinstance(evse.get("id"), int):
            found.add(evse["id"])
    return frozenset(found)
