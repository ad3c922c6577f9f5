"""VatNumberValidation: a payment terminal asks whether a VAT number is valid, to print it on
a company's receipt. This CSMS has no VAT register to ask, so it says Rejected with the
reason; the request is kept, so a service can follow up with the operator's own check."""

from __future__ import annotations

from ...context import Context, Payload
from .kept import keep

NO_REGISTER = {
    "reasonCode": "NotSupported",
    "additionalInfo": "This CSMS validates no VAT numbers",
}


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request)
    answer: Payload = {
        "vatNumber": request["vatNumber"],
        "status": "Rejected",
        "statusInfo": NO_REGISTER,
    }
    if "evseId" in request:
        answer["evseId"] = request["evseId"]
    return answer
