"""What a TransactionEvent costs (I02, I03): the transaction's tariff, its running cost and,
on Ended, its total cost, from the stored summary and the event itself.

A transaction keeps a snapshot of its tariff (``tariff`` on its summary, None when the
station had none) from its first event handled while tariffs exist, with whether the
station is sent no costs (``costsOff``: its device model reports
``TariffCostCtrlr.Enabled[Cost]`` false, or it is a 2.1 station that accepted the
SetDefaultTariff it was sent and computes its cost itself); later edits of the tariff do
not reprice it.
Both are written within the handler's own summary write, so the summary has one writer.

The total cost is computed once from what is stored (meterStartWh, meterLastWh, startedAt
merged with the Ended event) and kept as ``cost``: a redelivered Ended is answered with the
same amount.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared import names
from shared import tariffs as pricing
from shared.tariffs import Tariff
from store import device_model, station_state, transactions

from ...context import Context, Payload
from . import catalogue

COST_ENABLED = ({"name": "TariffCostCtrlr"}, {"name": "Enabled", "instance": "Cost"})


@dataclass
class Priced:
    tariff: Tariff | None
    """The transaction's tariff; None: it is not charged under one."""
    costs_off: bool
    """The station is sent no costs: it turned cost display off
    (TariffCostCtrlr.Enabled[Cost] false) or, on OCPP 2.1, computes its cost itself."""
    summary_fields: dict[str, Any] = field(default_factory=dict)
    """To be set on the transaction's summary by the handler's own write."""
    cost: Decimal | None = None
    """Ended: the total cost; Updated: the running cost; None when not charged."""

    @property
    def sends_costs(self) -> bool:
        return self.tariff is not None and not self.costs_off and self.cost is not None


async def _display_off(ctx: Context) -> bool:
    doc = await device_model.get_variable(ctx.db, ctx.station, *COST_ENABLED)
    return (device_model.actual(doc) or "").strip().lower() == "false"


async def _computes_locally(ctx: Context) -> bool:
    """A 2.1 connection whose station accepted the SetDefaultTariff the CSMS sent."""
    if ctx.ocpp_version != names.OCPP21:
        return False
    facts = await station_state.get_kinds(ctx.db, ctx.station, (names.STATE_DEFAULT_TARIFF,))
    answer = facts.get(names.STATE_DEFAULT_TARIFF) or {}
    return bool(answer.get("status") == "Accepted")


async def _costs_off(ctx: Context) -> bool:
    """Read once per transaction: the station's TariffCostCtrlr.Enabled[Cost] and, on 2.1,
    its answer to SetDefaultTariff (the CSMS still computes and keeps the cost)."""
    off, local = await asyncio.gather(_display_off(ctx), _computes_locally(ctx))
    return off or local


def _span(
    summary: dict[str, Any] | None, timestamp: datetime, energy_wh: list[float]
) -> tuple[float, float]:
    """Energy (Wh) and seconds from the transaction's start to this event."""
    starts = [w for w in ((summary or {}).get("meterStartWh"), *energy_wh) if w is not None]
    lasts = [w for w in ((summary or {}).get("meterLastWh"), *energy_wh) if w is not None]
    energy = (max(lasts) - min(starts)) if starts else 0.0
    started = (summary or {}).get("startedAt")
    first = min(started, timestamp) if started is not None else timestamp
    return energy, (timestamp - first).total_seconds()


async def price(
    ctx: Context, request: Payload, timestamp: datetime, energy_wh: list[float]
) -> Priced | None:
    """None when no tariff is defined at all (no tariff work); else the transaction's
    tariff and cost as of this event, and what its summary must remember."""
    known = await catalogue.load(ctx.db, ctx.settings.tariff_cache_seconds)
    if not known:
        return None
    transaction_id = request["transactionInfo"]["transactionId"]
    event_type = request["eventType"]
    summary = None
    if event_type != "Started":
        summary = await transactions.get(ctx.db, ctx.station, transaction_id)
    if summary is not None and "tariff" in summary:
        snapshot = summary["tariff"]
        priced = Priced(
            Tariff.from_doc(snapshot) if snapshot else None, bool(summary.get("costsOff"))
        )
    else:
        tariff = await catalogue.for_station(ctx.db, known, ctx.station)
        priced = Priced(tariff, await _costs_off(ctx) if tariff is not None else False)
        priced.summary_fields = {
            "tariff": tariff.snapshot() if tariff else None,
            "costsOff": priced.costs_off,
        }
    if priced.tariff is None or event_type == "Started":
        return priced
    if event_type == "Ended" and summary is not None and summary.get("cost") is not None:
        priced.cost = Decimal(summary["cost"])
    else:
        priced.cost = pricing.cost(priced.tariff, *_span(summary, timestamp, energy_wh))
    if event_type == "Ended":
        priced.summary_fields |= {"cost": str(priced.cost), "currency": priced.tariff.currency}
    return priced


def as_number(amount: Decimal) -> float:
    """OCPP's totalCost is a JSON number: a float only here, at the edge, after rounding
    (a 2-decimal amount round-trips through its shortest repr)."""
    return float(amount)


def ended_fields(priced: Priced | None) -> dict[str, str | None]:
    """``cost`` (a decimal string) and ``currency`` of ``transaction.ended``: null when
    the transaction was not charged under a tariff. Published even when the station has
    costs off: the CSMS still bills what it computed."""
    if priced is None or priced.tariff is None or priced.cost is None:
        return {"cost": None, "currency": None}
    return {"cost": str(priced.cost), "currency": priced.tariff.currency}


def with_tariff_text(info: dict[str, Any], tariff: Tariff | None) -> dict[str, Any]:
    """I01: an Accepted idTokenInfo carries the tariff's text as ``personalMessage``, in
    the token's ``language1`` when the tariff has it; a message set on the id token by the
    operator wins."""
    if tariff is None or info.get("status") != "Accepted" or "personalMessage" in info:
        return info
    message = pricing.personal_message(tariff, info.get("language1"))
    return info if message is None else {**info, "personalMessage": message}
