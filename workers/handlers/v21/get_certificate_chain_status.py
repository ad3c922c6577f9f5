"""GetCertificateChainStatus: the status of each certificate of a chain, in one message
(2.1's successor of GetCertificateStatus, which answered one OCSP request at a time).

Each OCSP entry asks its responders in turn (``workers/ocsp.py``, cached) until one gives a
verified answer: Good, Revoked or Unknown. An entry none of them answers, and every CRL
entry (this CSMS fetches no revocation lists), is Failed: the station then decides, as for
any certificate whose status it cannot get, and may ask again after ``nextUpdate``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.events import iso
from shared.ocsp import OcspError

from ...context import Context, Payload
from .kept import keep

STATUS = {"good": "Good", "revoked": "Revoked", "unknown": "Unknown"}
"""RFC 6960's CertStatus (``Answer.status``) -> 2.1's CertificateStatusEnum."""
ASK_AGAIN_AFTER_FAILURE = timedelta(minutes=15)
"""``nextUpdate`` (required) of a Failed entry: when asking again may give an answer."""


async def handle(ctx: Context, request: Payload) -> Payload:
    statuses = [await _status(ctx, entry) for entry in request["certificateStatusRequests"]]
    await keep(ctx, request, statuses=[s["status"] for s in statuses])
    return {"certificateStatus": statuses}


async def _status(ctx: Context, entry: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = {
        "certificateHashData": entry["certificateHashData"],
        "source": entry["source"],
        "status": "Failed",
        "nextUpdate": iso(ctx.now + ASK_AGAIN_AFTER_FAILURE),
    }
    if entry["source"] != "OCSP" or ctx.ocsp is None:
        return status
    for url in entry.get("urls", []):
        try:
            answer = await ctx.ocsp.check(
                {**entry["certificateHashData"], "responderURL": url}, ctx.now
            )
        except OcspError:
            continue
        status["status"] = STATUS[answer.status]
        # No nextUpdate from the responder: it always has newer information.
        status["nextUpdate"] = iso(answer.next_update or ctx.now)
        return status
    return status
