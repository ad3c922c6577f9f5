"""Get15118EVCertificate (M01 install, M02 update): the EV's EXI request goes to the
contract provider as received; its EXI response comes back to the station.

The station always gets an answer: whatever the provider does (times out, refuses, answers
garbage, raises) ends as Failed with a reason code, logged at most LOG_LIMIT_LINES a window.
Each request is stored once in ``contract_requests`` with its outcome and announced as
``contract.requested``.
"""

from __future__ import annotations

import hashlib
import logging
import time

from shared import names
from shared.logs import Limited
from store import contract_requests

from ... import contract_provider
from ...context import Context, Payload
from ...contract_provider import Outcome

log = logging.getLogger("workers.iso15118")
limited = Limited(log)


async def handle(ctx: Context, request: Payload) -> Payload:
    exi_request: str = request["exiRequest"]
    started = time.monotonic()
    try:
        outcome = await ctx.contracts.fetch(
            ctx.station, request["iso15118SchemaVersion"], request["action"], exi_request
        )
    except Exception as exc:  # a provider must not raise; if one does, still answer
        outcome = contract_provider.failed(contract_provider.UNREACHABLE, repr(exc)[:300])
    elapsed_ms = round((time.monotonic() - started) * 1000)
    if outcome.error:
        limited.warning(
            "contract provider failed",
            reasonCode=outcome.reason,
            error=outcome.error,
            ms=elapsed_ms,
        )
    await contract_requests.add(
        ctx.db,
        {
            "_id": ctx.record_id(),
            "station": ctx.station,
            "action": request["action"],
            "iso15118SchemaVersion": request["iso15118SchemaVersion"],
            "exiRequestSha256": hashlib.sha256(exi_request.encode()).hexdigest(),
            "exiRequestChars": len(exi_request),
            "status": outcome.status,
            "reasonCode": outcome.reason or None,
            "error": outcome.error or None,
            "exiResponseChars": len(outcome.exi_response),
            "ms": elapsed_ms,
            "createdAt": ctx.now,
        },
    )
    await ctx.emit(
        names.EVENT_CONTRACT_REQUESTED,
        action=request["action"],
        iso15118SchemaVersion=request["iso15118SchemaVersion"],
        status=outcome.status,
        reasonCode=outcome.reason or None,
    )
    return answer(outcome)


def answer(outcome: Outcome) -> Payload:
    if outcome.status == contract_provider.ACCEPTED:
        return {"status": outcome.status, "exiResponse": outcome.exi_response}
    # exiResponse is required even when Failed: empty.
    return {
        "status": contract_provider.FAILED,
        "exiResponse": "",
        "statusInfo": {"reasonCode": outcome.reason or contract_provider.PROVIDER_FAILED},
    }
