"""The TxProfiles the CSMS gives an ISO 15118 EV's transaction (K15-K17), read from the store.

A station in a site gets the site load management's limit: the site driver sends it
(``workers/site_driver.py``, the only writer of the site's allocation), told by the
``charging.needs`` and ``charging.schedule`` events. A station in no site gets it from here,
after the answer (``Context.after_reply``): the operator's own TxProfile for the
transaction when the CSMS holds one (``store/charging_profiles.py``), sent again as it is;
else ``shared.ev_charging.own_profile``. Either way, no transaction on the EVSE, no profile:
a TxProfile names one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared import commands, ev_charging, names, site_inputs
from shared.charging_profiles import TX_PROFILE
from shared.logs import Limited
from shared.site_allocation import Limit
from store import charging_limits, charging_profiles, sites, transactions
from store import commands as command_store

from ...context import Context
from ...site_driver import tx_profile

log = Limited(logging.getLogger("workers.smart_charging"))
ACTION = "SetChargingProfile"
SOURCE = "ev-charging"
"""``source`` of the commands sent from here (the site driver's are ``site``)."""


async def current_transaction(ctx: Context, evse_id: int) -> Mapping[str, Any] | None:
    """The transaction running on the EVSE: the one started last there, not ended."""
    running = await transactions.running_on(ctx.db, [ctx.station])
    return site_inputs.latest_per_evse(running).get((ctx.station, evse_id))


async def operator_profiles(ctx: Context, evse_id: int, tx_id: str) -> list[dict[str, Any]]:
    """The TxProfiles for the transaction the CSMS holds as installed (API or report)."""
    return [
        doc["chargingProfile"]
        for doc in await charging_profiles.for_station(ctx.db, ctx.station)
        if doc["evseId"] == evse_id
        and doc["purpose"] == TX_PROFILE
        and doc["chargingProfile"].get("transactionId") == tx_id
    ]


def own_needs(needs: Mapping[str, Any] | None, tx: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The EVSE's needs if they are this transaction's EV's (``site_inputs``' rule)."""
    if needs is None or needs["receivedAt"] < tx["startedAt"] - site_inputs.NEEDS_BEFORE_START:
        return None
    return needs


async def sent(
    ctx: Context, evse_id: int, tx: Mapping[str, Any], site_id: str | None
) -> list[dict[str, Any]]:
    """The TxProfiles the CSMS gave the transaction, as ChargingProfileTypes: the site's
    limit the station accepted (in a site), else the one sent after the EV's needs; and the
    operator's."""
    found = await operator_profiles(ctx, evse_id, tx["transactionId"])
    stack = ctx.settings.site_profile_stack_level
    if site_id is not None:
        site = await sites.get(ctx.db, site_id)
        allocation = await sites.get_allocation(ctx.db, site_id)
        if site is None or allocation is None:
            return found
        phases = site.get("phases", site_inputs.DEFAULT_PHASES)
        for e in allocation.get("limits", []):
            mine = (e["stationId"], e["transactionId"]) == (ctx.station, tx["transactionId"])
            if mine and e["status"] == names.SITE_LIMIT_ACCEPTED:
                limit = Limit(ctx.station, evse_id, tx["transactionId"], e["limit"])
                found.append(tx_profile(limit, stack, phases)["chargingProfile"])
    elif not found:
        needs = own_needs(await charging_limits.get_needs(ctx.db, ctx.station, evse_id), tx)
        if needs is not None:
            own = ev_charging.own_profile(
                needs["chargingNeeds"],
                evse_id,
                tx["transactionId"],
                ctx.settings.site_evse_max_current,
                stack,
            )
            found.append(own["chargingProfile"])
    return found


async def send_profile(ctx: Context, evse_id: int, why: str) -> None:
    """Outside a site: send the transaction on the EVSE its TxProfile (see module)."""
    assert ctx.commands is not None
    tx = await current_transaction(ctx, evse_id)
    if tx is None:
        return
    held = await operator_profiles(ctx, evse_id, tx["transactionId"])
    if held:
        top = max(held, key=lambda p: p["stackLevel"])
        payload: dict[str, Any] = {"evseId": evse_id, "chargingProfile": top}
    else:
        needs = own_needs(await charging_limits.get_needs(ctx.db, ctx.station, evse_id), tx)
        if needs is None:
            return
        payload = ev_charging.own_profile(
            needs["chargingNeeds"],
            evse_id,
            tx["transactionId"],
            ctx.settings.site_evse_max_current,
            ctx.settings.site_profile_stack_level,
        )
    command_id = commands.new_command_id()
    await command_store.record_pending(ctx.db, command_id, ctx.station, ACTION, payload, SOURCE)
    result = await ctx.commands.send(
        ctx.station,
        ACTION,
        payload,
        timeout=ctx.settings.command_timeout,
        command_id=command_id,
    )
    answer = None if result is None else (result.response or {}).get("status")
    if answer != "Accepted":
        log.warning(
            "a station did not take the TxProfile for its EV",
            about=ctx.station,
            station=ctx.station,
            evseId=evse_id,
            transactionId=tx["transactionId"],
            why=why,
            outcome=None if result is None else result.status,
            answer=answer,
        )
