"""When a running transaction is sent CostUpdated (I02), and with what cost: pure.

Time is cut into periods of COST_UPDATE_INTERVAL seconds (``period``: seconds since the
epoch // interval). A transaction gets at most one CostUpdated per period: the sender
claims the period first (``store/cost_updates.py``: a document inserted once, whose ``_id``
names the station, the transaction and the period), so of two workers deciding together,
one sends. A claim is due only when no CostUpdated went out less than an interval ago:
such a one lies in this period or the previous one, so those two claims are all a sender
reads.

Two senders share this rule: the follow-up of a station's TransactionEvent Updated (its
fresh reading goes out at once when due) and the workers' sweep, which covers the
transactions whose station sends no Updated events, or too few for a price per minute
to advance. The sweep waits an interval after the transaction's start before its first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import names
from .tariffs import Tariff, cost

__all__ = ["Due", "due_now", "is_due", "period", "running_cost", "sends_costs"]


def period(now: datetime, interval: int) -> int:
    """The period ``now`` falls in (``interval`` > 0)."""
    return int(now.timestamp() // interval)


def is_due(
    now: datetime, interval: int, last_sent: datetime | None, since: datetime | None = None
) -> bool:
    """True when the transaction's last CostUpdated (None: none in this period or the
    previous one) and ``since`` (the sweep: the transaction's start) are at least
    ``interval`` seconds old."""
    for then in (last_sent, since):
        if then is not None and (now - then).total_seconds() < interval:
            return False
    return True


def running_cost(tariff: Tariff, summary: Mapping[str, Any], now: datetime) -> Decimal:
    """The cost at ``now`` of a running transaction: its last energy reading and the time
    since its first event (``started``, the station's clock)."""
    start, last = summary.get("meterStartWh"), summary.get("meterLastWh")
    energy = (last - start) if start is not None and last is not None else 0.0
    started = summary.get("startedAt")
    seconds = (now - started).total_seconds() if started is not None else 0.0
    return cost(tariff, energy, seconds)


@dataclass(frozen=True)
class Due:
    station: str
    transaction_id: str
    total: Decimal


def sends_costs(summary: Mapping[str, Any]) -> bool:
    """A running transaction under a tariff whose station is sent costs (not 1.6, costs
    not turned off, not computed by the station itself)."""
    return (
        summary.get("endedAt") is None
        and bool(summary.get("tariff"))
        and not summary.get("costsOff")
        and summary.get("ocppVersion") != names.OCPP16
    )


def due_now(
    summaries: Iterable[Mapping[str, Any]],
    last_sent: Mapping[tuple[str, str], datetime],
    connected: set[str],
    now: datetime,
    interval: int,
) -> list[Due]:
    """The sweep's decision: of the transaction ``summaries``, those of ``connected``
    stations that are sent costs and due a CostUpdated, with their cost at ``now``.
    ``last_sent``: (station, transactionId) -> when its last CostUpdated went out, for
    those with one in this period or the previous one."""
    due: list[Due] = []
    for summary in summaries:
        station, transaction_id = summary["station"], summary["transactionId"]
        if station not in connected or not sends_costs(summary):
            continue
        last = last_sent.get((station, transaction_id))
        if not is_due(now, interval, last, summary.get("startedAt")):
            continue
        total = running_cost(Tariff.from_doc(summary["tariff"]), summary, now)
        due.append(Due(station, transaction_id, total))
    return due
