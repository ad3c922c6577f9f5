"""``dispatch`` without bus or store: what reaches a handler, and what a handler's bad
date-time is answered with."""

from __future__ import annotations

from typing import Any, cast

import orjson
import pytest

from shared import config, ocppj
from shared.ocppj import CallError, CallResult
from shared.timestamps import parse
from workers import routing
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

    monkeypatch.setitem(routing.ROUTES, "DataTransfer", Route(handler))
    return seen


async def answer(payload: Payload) -> ocppj.Message:
    return ocppj.parse(await dispatch(context(), ocppj.call_frame("m1", "DataTransfer", payload)))


async def test_an_unstorable_request_never_reaches_its_handler(calls: list[Payload]):
    refused = await answer({"vendorId": "v", "data": {"ok": 1, "deep": {"$x": 2**63}}})

    assert isinstance(refused, CallError)
    assert (refused.code, refused.details) == (
        "PropertyConstraintViolation",
        {"path": 'data.deep["$x"]'},
    )
    assert refused.description.startswith('DataTransferRequest: data.deep["$x"]: key starts')
    assert calls == []


async def test_a_storable_request_reaches_its_handler_unchanged(calls: list[Payload]):
    payload = {"vendorId": "v", "data": {"n": 2**63 - 1, "list": [{"a": [1]}]}}

    assert isinstance(await answer(payload), CallResult)
    assert calls == [orjson.loads(orjson.dumps(payload))]


async def test_a_bad_date_time_in_a_free_field_is_a_constraint_violation(calls: list[Payload]):
    """The schemas check their date-time fields with the handlers' parser; a handler that
    parses one from elsewhere still answers the spec's code, not InternalError."""
    refused = await answer({"vendorId": "v", "data": {"at": "2024-05-01T10:00:00+25:00"}})

    assert isinstance(refused, CallError)
    assert refused.code == "PropertyConstraintViolation"
    assert refused.description.startswith("DataTransferRequest: offset out of range")
