"""NotifyDisplayMessages (O03/O04) through the real gateway and workers: each part stored
once, however often it is delivered, and published."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from tests.simulator import RawStation
from tests.workers.fixtures import REQUESTS
from tests.workers.test_handlers import EventTap, booted, events, result, twice

__all__ = ["booted", "events"]  # fixtures, used by name


async def test_display_message_report_parts_are_stored_once_each(
    booted: RawStation, station: str, events: EventTap, db: AsyncDatabase[Any]
):
    part = REQUESTS["NotifyDisplayMessages"]
    assert await twice(booted, "NotifyDisplayMessages", part, "disp-1") == {}
    event = await events.next_for(station, names.EVENT_DISPLAY_REPORT)
    assert (event["requestId"], event["tbc"], event["messageIds"]) == (11, True, [4])
    last = {"requestId": 11, "tbc": False}  # a last part may name no message
    await result(booted, "NotifyDisplayMessages", last, "disp-2")
    stored = (
        await db[names.DISPLAY_MESSAGE_REPORTS]
        .find({"station": station, "requestId": 11})
        .sort("tbc", -1)
        .to_list()
    )
    assert [(d["_id"], d["tbc"], [m["id"] for m in d["messageInfo"]]) for d in stored] == [
        (f"{station}/disp-1", True, [4]),
        (f"{station}/disp-2", False, []),
    ]
    assert stored[0]["messageInfo"] == part["messageInfo"]
