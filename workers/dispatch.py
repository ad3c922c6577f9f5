"""One CALL from a station -> the CALLRESULT or CALLERROR text to send back.

The generic steps are written once here: parse, route, validate the request, check that
the store can hold it, apply the boot gate, call the handler, validate the response.
Handlers only ever see dicts, and only ones the store can hold as sent (``shared.storable``),
so none fails half-way through its writes on a value the schema let through.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

from shared import metrics, names, ocppj, schemas, storable, timestamps
from shared.logs import Limited
from shared.ocppj import Call, CallResultError, ErrorCode, FrameError, Send
from shared.schemas import SchemaViolation
from store import ocpp21

from .context import Context
from .middleware import boot_gate
from .routing import NOT_SUPPORTED, SEND_ROUTES, routes_for

log = logging.getLogger("workers.dispatch")
limited = Limited(log)  # what a station can make us log, capped per station and kind


async def dispatch(ctx: Context, frame: str) -> str:
    version = ctx.ocpp_version
    error_frame = partial(ocppj.error_frame, version=version)
    try:
        call = ocppj.parse(frame, version)
    except FrameError as exc:  # the gateway already checked; only a foreign producer gets here
        return exc.to_frame()
    if not isinstance(call, Call):
        return error_frame(ctx.message_id, ErrorCode.PROTOCOL_ERROR, "not a CALL")
    route = routes_for(version).get(call.action)
    if route is None:
        if call.action in schemas.actions(version) or call.action in NOT_SUPPORTED:
            limited.warning("action not supported from a station", action=call.action)
            return error_frame(
                call.message_id,
                ErrorCode.NOT_SUPPORTED,
                f"{call.action} is not supported by this CSMS",
            )
        return error_frame(
            call.message_id, ErrorCode.NOT_IMPLEMENTED, f"Unknown action {call.action!r}"
        )
    bad = _bad_request(call.action, call.payload, version)
    if bad is not None:
        return error_frame(call.message_id, *bad)
    refusal = await boot_gate.refusal(ctx, call.action, route)
    if refusal is not None:
        limited.warning("refused by boot gate", action=call.action)
        return error_frame(call.message_id, boot_gate.REFUSED, refusal)
    started = time.perf_counter()
    try:
        response: dict[str, Any] = await route.handler(ctx, call.payload)
    except timestamps.NotADateTime as exc:
        # Schema validation checks every ``format: date-time`` with the same parser, so only
        # a date-time in a field the schema does not mark as one gets here.
        limited.warning("request has a date-time no store can hold", action=call.action)
        return error_frame(
            call.message_id, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, f"{call.action}Request: {exc}"
        )
    try:
        schemas.validate(call.action, "Response", response, version)
    except SchemaViolation as exc:
        limited.log(
            logging.ERROR,
            "handler produced an invalid response",
            action=call.action,
            detail=exc.description,
            path=exc.path,
        )
        return error_frame(
            call.message_id, ErrorCode.INTERNAL_ERROR, "CSMS produced an invalid response"
        )
    metrics.HANDLER.labels(call.action).observe(time.perf_counter() - started)
    log.info(
        "handled",
        extra={"action": call.action, "ms": round((time.perf_counter() - started) * 1000, 2)},
    )
    return ocppj.result_frame(call.message_id, response)


def _bad_request(
    action: str, payload: dict[str, Any], version: str
) -> tuple[str, str, dict[str, Any]] | None:
    """Why a request may not reach its handler (its schema, or a value no store can hold),
    as a CALLERROR's code, description and details, logged; None when it may."""
    try:
        schemas.validate(action, "Request", payload, version)
    except SchemaViolation as exc:
        limited.warning("request violates schema", action=action, code=exc.code, path=exc.path)
        return exc.code, exc.description, {"path": exc.path}
    unstorable = storable.first_unstorable(payload)
    if unstorable is not None:
        limited.warning(
            "request cannot be stored as sent",
            action=action,
            path=unstorable.path,
            reason=unstorable.reason,
        )
        return storable.REFUSED, unstorable.describe(f"{action}Request"), {"path": unstorable.path}
    return None


async def dispatch_unconfirmed(ctx: Context, frame: str) -> None:
    """An OCPP 2.1 SEND or CALLRESULTERROR: handled like a CALL (parsed, validated, checked
    storable, stored), but never answered, so what a CALL would get as a CALLERROR is only
    logged (rate-limited per station)."""
    try:
        message = ocppj.parse(frame, ctx.ocpp_version)
    except FrameError as exc:  # the gateway already checked; only a foreign producer gets here
        limited.warning("unconfirmed message cannot be read", detail=exc.description)
        return
    if isinstance(message, CallResultError):
        await _reply_refused(ctx, message)
        return
    if not isinstance(message, Send):
        limited.warning("not a SEND or CALLRESULTERROR")
        return
    handler = SEND_ROUTES.get(message.action)
    if handler is None:
        limited.warning("SEND of an action no station sends unconfirmed", action=message.action)
        return
    if _bad_request(message.action, message.payload, ctx.ocpp_version) is not None:
        return  # logged; a SEND is never answered, so not stored is all that can be done
    started = time.perf_counter()
    await handler(ctx, message.payload)
    metrics.HANDLER.labels(message.action).observe(time.perf_counter() - started)
    log.info("handled, unanswered (SEND)", extra={"action": message.action})


async def _reply_refused(ctx: Context, error: CallResultError) -> None:
    """The station could not process our answer to its CALL ``error.message_id``: a bug of
    ours or of its firmware, which an operator must see. Kept and published."""
    fields = {"code": error.code, "description": error.description, "details": error.details}
    log.warning("station refused our answer (CALLRESULTERROR)", extra=fields)
    await ocpp21.keep_message(
        ctx.db,
        ctx.record_id("refused"),
        ctx.station,
        "CALLRESULTERROR",
        fields,
        ctx.now,
        answeredMessageId=error.message_id,
    )
    await ctx.emit(
        names.EVENT_REPLY_REFUSED, key="refused", answeredMessageId=error.message_id, **fields
    )
