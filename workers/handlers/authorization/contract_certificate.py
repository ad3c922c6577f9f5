"""The status of a Plug & Charge contract certificate chain (C07), asked of OCSP responders.

An AuthorizeRequest names the chain by ``iso15118CertificateHashData`` (up to 4 entries:
the contract certificate and its sub-CAs, each with its responder), or else sends the
``certificate`` itself (PEM, with its issuer), from which the hash data of the contract
certificate is derived. Every entry is checked at once; each is bounded by OCSP_TIMEOUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from shared import ocsp
from shared.ocsp import OcspError

from ...context import Context, Payload

MAX_CHECKED = 4
"""AuthorizeRequest.iso15118CertificateHashData's maxItems: never more responders asked."""


async def status(ctx: Context, request: Payload) -> str | None:
    """The AuthorizeCertificateStatusEnumType of the presented chain: Accepted only when
    every certificate is good; None when the request carries no certificate data."""
    entries: list[Mapping[str, Any]] = list(request.get("iso15118CertificateHashData") or [])
    if not entries and request.get("certificate"):
        try:
            entries = [ocsp.request_data_from_pem(request["certificate"])]
        except OcspError as exc:
            return exc.certificate_status
    if not entries:
        return None
    outcomes = await asyncio.gather(*(_one(ctx, entry) for entry in entries[:MAX_CHECKED]))
    return ocsp.certificate_status(list(outcomes))


async def _one(ctx: Context, data: Mapping[str, Any]) -> str:
    if ctx.ocsp is None:
        return "CertChainError"
    try:
        return (await ctx.ocsp.check(data, ctx.now)).certificate_status
    except OcspError as exc:
        return exc.certificate_status


def responders(request: Payload) -> list[str]:
    """The OCSP responders the request names (for the record of the check)."""
    entries = request.get("iso15118CertificateHashData") or []
    return [str(e.get("responderURL", "")) for e in entries[:MAX_CHECKED]]
