"""GetCertificateStatus (M06): the OCSP answer about a certificate of the station's V2G chain.

The CSMS asks the responder named in ``ocspRequestData`` (``workers/ocsp.py``) and passes
its verified answer on as ``ocspResult``, whatever status it gives (the station reads it and
keeps it for the EV). Failed, with a reason, when the responder cannot be reached or its
answer does not hold; never a CALLERROR.
"""

from __future__ import annotations

from shared.ocsp import OcspError
from store import certificate_checks

from ...context import Context, Payload

MAX_OCSP_RESULT = 5500
"""GetCertificateStatusResponse.ocspResult's maxLength (base64 characters)."""


def failed(reason_code: str, detail: str) -> Payload:
    return {
        "status": "Failed",
        "statusInfo": {"reasonCode": reason_code, "additionalInfo": detail[:512]},
    }


async def handle(ctx: Context, request: Payload) -> Payload:
    response, certificate_status = await _ask(ctx, request)
    await certificate_checks.add(
        ctx.db,
        {
            "_id": ctx.record_id(),
            "station": ctx.station,
            "action": "GetCertificateStatus",
            "serialNumber": request["ocspRequestData"]["serialNumber"],
            "certificateStatus": certificate_status,
            "status": response["status"],
            "reasonCode": response.get("statusInfo", {}).get("reasonCode"),
            "responders": [request["ocspRequestData"]["responderURL"]],
            "at": ctx.now,
        },
    )
    return response


async def _ask(ctx: Context, request: Payload) -> tuple[Payload, str | None]:
    """The answer, and the certificate's status when the responder gave one."""
    if ctx.ocsp is None:
        return failed("InternalError", "no OCSP client in this worker"), None
    try:
        answer = await ctx.ocsp.check(request["ocspRequestData"], ctx.now)
    except OcspError as exc:
        return failed(exc.reason_code, exc.detail), None
    result = answer.ocsp_result
    if len(result) > MAX_OCSP_RESULT:
        size = f"the OCSP answer is {len(result)} characters in base64"
        return failed("TooLargeElement", size), answer.certificate_status
    return {"status": "Accepted", "ocspResult": result}, answer.certificate_status
