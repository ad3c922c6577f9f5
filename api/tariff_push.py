"""Tariffs sent to OCPP 2.1 stations when an operator changes one: a 2.1 station computes
its cost locally, so each connected one the tariff applies to is sent it (SetDefaultTariff
for the whole station): its own stations, and, for the default tariff, every connected 2.1
station without one of its own. In the background, since a default tariff may reach a
whole fleet; each command is recorded (``/commands``) and not waited for. A station not
connected gets its tariff at its next boot (``workers/tariff_push.py``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from shared import names
from shared import tariffs as pricing
from shared.commands import new_command_id
from store import commands as command_store
from store import presence, tariffs

from . import background
from .keys import COMMANDS, DB, SETTINGS

log = logging.getLogger("api.tariffs")
TASKS = web.AppKey("tariff_push_tasks", set[asyncio.Task[None]])


def start(app: web.Application, doc: dict[str, Any]) -> None:
    background.start(app, TASKS, _push(app, doc))


def targets(doc: dict[str, Any], speaking_21: list[str], own: dict[str, str]) -> list[str]:
    """Which connected 2.1 stations ``doc`` applies to: its own, and for the default tariff
    those without a tariff of their own."""
    members = set(doc.get("stations") or [])
    return sorted(s for s in speaking_21 if s in members or (doc.get("default") and s not in own))


async def _push(app: web.Application, doc: dict[str, Any]) -> None:
    db = app[DB]
    try:
        speaking = await presence.online_speaking(db, names.OCPP21)
        own = await tariffs.own_tariffs(db) if doc.get("default") else {}
        stations = targets(doc, speaking, own)
        payload = pricing.set_default_tariff(pricing.Tariff.from_doc(doc))
        for station in stations:
            command_id = new_command_id()
            await command_store.record_pending(
                db, command_id, station, "SetDefaultTariff", payload, "api"
            )
            await app[COMMANDS].send(
                station,
                "SetDefaultTariff",
                payload,
                timeout=app[SETTINGS].command_timeout,
                wait=False,
                command_id=command_id,
                version=names.OCPP21,
            )
    except Exception:
        log.exception(
            "could not send a tariff to OCPP 2.1 stations", extra={"tariffId": doc["_id"]}
        )
        return
    if stations:
        log.info(
            "tariff sent to OCPP 2.1 stations",
            extra={"tariffId": doc["_id"], "stations": len(stations)},
        )


tasks_ctx = background.tasks_ctx(TASKS)
