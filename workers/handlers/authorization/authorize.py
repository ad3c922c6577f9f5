"""Authorize (C01): is this idToken allowed to charge? Also the Master Pass check (C16) and
Plug & Charge (C07): a contract certificate chain is verified (when sent as ``certificate``)
and checked with its OCSP responders first, and a chain that is not Accepted refuses the
token (Invalid) whatever the token's own state."""

from __future__ import annotations

from shared import names
from store import certificate_checks

from ...context import Context, Payload
from ..tariff_cost import catalogue
from ..tariff_cost.pricing import with_tariff_text
from . import contract_certificate
from .id_token_info import lookup


async def handle(ctx: Context, request: Payload) -> Payload:
    token = request["idToken"]
    checked_chain = await contract_certificate.check(ctx, request)
    certificate_status = None if checked_chain is None else checked_chain.status
    verdict = await lookup(ctx.db, token, ctx.now, ctx.settings)
    info = verdict.info
    if certificate_status not in (None, "Accepted"):
        info = {"status": "Invalid"}
    checked = {} if certificate_status is None else {"certificateStatus": certificate_status}
    if checked_chain is not None:
        await certificate_checks.add(
            ctx.db,
            {
                "_id": ctx.record_id(),
                "station": ctx.station,
                "action": "Authorize",
                "idToken": token,
                "certificateStatus": certificate_status,
                "status": info["status"],
                "responders": checked_chain.responders,
                "detail": checked_chain.detail,
                "at": ctx.now,
            },
        )
    await ctx.emit(
        names.EVENT_AUTHORIZED,
        idToken=token["idToken"],
        type=token["type"],
        status=info["status"],
        masterPass=verdict.master_pass,
        **checked,
    )
    if info["status"] == "Accepted" and "personalMessage" not in info:
        known = await catalogue.load(ctx.db, ctx.settings.tariff_cache_seconds)
        info = with_tariff_text(info, await catalogue.for_station(ctx.db, known, ctx.station))
    return {"idTokenInfo": info, **checked}
