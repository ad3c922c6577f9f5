"""``dispatch`` without bus or store: what a handler's bad date-time is answered with."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shared import config, ocppj
from shared.ocppj import CallError
from shared.timestamps import parse
from workers import dispatch as dispatch_module
from workers.context import Context, Payload
from workers.dispatch import dispatch
from workers.routing import Route


def context() -> Context:
    # No station document: the boot gate lets everything through without the store.
    return Context(
        station="CS-DISPATCH",
        message_id="m1",
        action="DataTransfer",
        db=cast(Any, None),
        settings=config.load({}),
        events=cast(Any, None),
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Payload]:
    """DataTransfer routed to a handler that records what it got and parses ``data.at``."""
    seen: list[Payload] = []

    async def handler(ctx: Context, request: Payload) -> Payload:
        seen.append(request)
        if isinstance(request.get("data"), dict) and "at" in request["data"]:
            parse(request["data"]["at"])
        return {"status": "Accepted"}

    monkeypatch.setitem(dispatch_module.ROUTES, "DataTransfer", Route(handler))
    return seen


async def answer(payload: Payload) -> ocppj.Message:
    return ocppj.parse(await dispatch(context(), ocppj.call_frame("m1", "DataTransfer", payload)))


async def test_a_bad_date_time_in_a_free_field_is_a_constraint_violation(calls: list[Payload]):
    """The schemas check their date-time fields with the handlers' parser; a handler that
    parses one from elsewhere still answers the spec's code, not InternalError."""
    refused = await answer({"vendorId": "v", "data": {"at": "2024-05-01T10:00:00+25:00"}})

    assert isinstance(refused, CallError)
    assert refused.code == "PropertyConstraintViolation"
    assert refused.description.startswith("DataTransferRequest: offset out of range")
