"""/api/v1/stations/{id}/certificates: what the CSMS signed for a station, the roots an
operator installs on it (M05 InstallCertificate: V2G, MO, CSMS and manufacturer roots) and
what the station says it holds (M03 GetInstalledCertificateIds, on refresh). Each
certificate the CSMS signed shows its renewal (``shared.cert_renewal.view``), or null.

Every write here is a new document (an install under its command id, a refresh under its
own), so no two requests ever write one document.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from shared import cert_renewal, commands, names, ocpp16_security_commands, pki
from shared.events import utc_now
from store import cert_renewals, certificates, installed_certificates

from ..errors import ApiError, json_response, read_json
from ..keys import DB
from .commands import (
    check_request,
    publish_answer,
    record_and_send,
    result_response,
    station_version,
)
from .stations import require_registered, station_id

ROOT_TYPES = (
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
)


async def get_certificates(request: web.Request) -> web.Response:
    return json_response(await station_view(request.app[DB], station_id(request)))


async def station_view(db: AsyncDatabase[Any], station: str) -> dict[str, Any]:
    """What the station's certificates route answers; the console's certificates tab
    shows the same."""
    docs = await certificates.for_station(db, station, with_ids=True)
    renewals = await cert_renewals.for_station(db, station)
    for doc in docs:
        key = doc.pop("_id")
        if doc.get("certificateType") in cert_renewal.TRIGGERS and doc.get("notAfter"):
            attempts, done = renewals.get(key, ([], None))
            doc["certificateId"] = key  # what renewedBy and certificate.renewal name
            doc["renewal"] = cert_renewal.view(attempts, done)
    inventory = await installed_certificates.latest(db, station)
    if inventory is not None:
        # What the station holds that this API installed: the install's command id.
        by_hash = {
            _hash_key(d["certificateHashData"]): d["commandId"]
            for d in reversed(docs)
            if d.get("certificateHashData") and d["status"] == "installed"
        }
        for entry in inventory["certificateHashDataChain"]:
            entry["installedBy"] = by_hash.get(_hash_key(entry["certificateHashData"]))
    return {"certificates": docs, "installed": inventory}


def _hash_key(data: dict[str, Any]) -> tuple[str, ...]:
    """CertificateHashData compared as OCSP does: hex case and a serial's zeros aside."""
    return (
        data["hashAlgorithm"],
        data["issuerNameHash"].lower(),
        data["issuerKeyHash"].lower(),
        data["serialNumber"].lower().lstrip("0"),
    )


def _root(body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The InstallCertificate request and the root it carries; 422 unless it is one."""
    unknown = sorted(set(body) - {"certificateType", "certificate"})
    if unknown:
        raise ApiError(422, "Unknown fields", unknown)
    kind = body.get("certificateType")
    if kind not in ROOT_TYPES:
        raise ApiError(422, "certificateType must be a root type", {"allowed": list(ROOT_TYPES)})
    payload = {"certificateType": kind, "certificate": body.get("certificate")}
    check_request("InstallCertificate", payload)
    try:
        root = pki.load_root(payload["certificate"])
    except pki.RootError as exc:
        raise ApiError(422, "Not a root certificate", str(exc)) from None
    return payload, root


async def install_root(request: web.Request) -> web.Response:
    """Send InstallCertificate and record the station's answer: 201 installed, 409 not."""
    station = station_id(request)
    await require_registered(request, station)
    payload, root = _root(await read_json(request))
    result = await record_and_send(request, station, "InstallCertificate", payload)
    if result.status != commands.ANSWERED:
        return result_response(result)
    answer = result.response or {}
    installed = answer.get("status") == "Accepted"
    hash_data = pki.hash_data(root, root) if root.issuer == root.subject else None
    doc = {
        "_id": result.command_id,
        "station": station,
        "certificateType": payload["certificateType"],
        "source": "api",
        "status": "installed" if installed else "not_installed",
        "answer": answer.get("status"),
        "statusInfo": answer.get("statusInfo"),
        "commonName": pki.common_name(root),
        "serialNumber": format(root.serial_number, "x"),
        "certificateHashData": hash_data,
        "notAfter": root.not_valid_after_utc,
        "commandId": result.command_id,
        "createdAt": utc_now(),
    }
    await certificates.add(request.app[DB], doc)
    await publish_answer(
        request,
        names.EVENT_ROOT_INSTALLED if installed else names.EVENT_ROOT_REJECTED,
        station,
        result.command_id,
        certificateType=payload["certificateType"],
        answer=doc["answer"],
        certificateHashData=hash_data,
        commandId=result.command_id,
    )
    doc.pop("_id")
    if not installed:
        raise ApiError(409, "Station did not install the certificate", doc)
    return json_response(doc, 201)


async def refresh(request: web.Request) -> web.Response:
    """Ask the station for every certificate it holds and store its answer. A 1.6 charge
    point lists one type at a time: it is asked for each root type it can hold, one after
    the other, and the answers are stored as one (Accepted if any was; ``commandIds``)."""
    station = station_id(request)
    await require_registered(request, station)
    asks: list[dict[str, Any]] = [{}]
    if await station_version(request, station) == names.OCPP16:
        asks = [{"certificateType": [kind]} for kind in ocpp16_security_commands.ROOTS]
    results = []
    for ask in asks:
        result = await record_and_send(request, station, "GetInstalledCertificateIds", ask)
        if result.status != commands.ANSWERED:
            return result_response(result)
        results.append(result)
    answers = [r.response or {} for r in results]
    statuses = [a.get("status") for a in answers]
    doc = {
        "_id": results[0].command_id,
        "station": station,
        "answer": "Accepted" if "Accepted" in statuses else statuses[0],
        "certificateHashDataChain": [
            entry for a in answers for entry in a.get("certificateHashDataChain", [])
        ],
        "commandId": results[0].command_id,
        "refreshedAt": utc_now(),
    }
    if len(results) > 1:
        doc["commandIds"] = [r.command_id for r in results]
    await installed_certificates.add(request.app[DB], doc)
    doc.pop("_id")
    return json_response(doc)


ROUTES = [
    web.get("/api/v1/stations/{id}/certificates", get_certificates),
    web.post("/api/v1/stations/{id}/certificates", install_root),
    web.post("/api/v1/stations/{id}/certificates/refresh", refresh),
]
