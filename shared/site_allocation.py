"""Site load management (K: Smart Charging): share one grid connection among its chargers.

Pure: no I/O, no clock. The caller reads the site, its running transactions and ``now``
from the store, calls ``allocate`` and sends what ``changes`` returns as charging profiles.

A site has ``max_current`` (A per phase), an optional external limit (``max_current`` and
an optional ``until``) and ``min_current`` (e.g. 6 A, the least an EV can charge with).
Each running transaction has the EVSE's maximum, optionally the EV's reported maximum
(NotifyEVChargingNeeds; ``amps_from_watts`` converts a power to A per phase), optionally
a station-reported local limit (NotifyChargingLimit) and whether the station rejected the
last profile. How each rule of the issue is met:

- **The sum never exceeds the effective limit.** ``effective_limit`` is the smaller of the
  site's maximum and the external limit while it holds (``now < until``, or no ``until``).
  Transactions whose station rejected the last profile are not under our control: each is
  reserved at its EVSE maximum (rounded up to 0.1 A) and only the rest is shared out.
  When the reservations alone exceed the limit, nothing is left to share and every other
  transaction gets 0 A; the sum then exceeds the limit, and only those stations can fix it.
- **Each gets at least ``min_current`` or 0 A, the newest first.** Transactions are ordered
  oldest first (start time, then transaction id, then station id). As many of the oldest
  as can each get ``min_current`` from what is left are admitted; the newer ones get 0 A.
  Recomputing after a transaction ends admits them again: nothing is remembered between
  calls. A transaction whose own cap is below ``min_current`` cannot be given an allowed
  limit, so it gets 0 A and takes no place in the queue.
- **No limit exceeds a cap; what one does not use goes to the others.** A transaction's
  cap is the smallest of the EVSE maximum, the EV's maximum and the local limit. The
  admitted transactions are water-filled (max-min fairness): the level rises until the
  capacity is used, each stopping at its cap, so an EV that takes less leaves the rest to
  the others.
- **What an EV needs by its departure comes first.** An EV that reported how much energy it
  wants and when it leaves (NotifyEVChargingNeeds) has ``needed``: the current that would
  deliver the rest by then (``shared.site_inputs.needed_current``). The admitted
  transactions are first filled up to what each needs (at least ``min_current``, at most
  its cap), max-min fair when there is not enough for all; what is left is then shared as
  above, so an EV that needs little takes its fair share too, and one that needs much gets
  it before the others get more than they need. Without needs the result is the plain
  water-filling.
- **Priority charging first (OCPP 2.1).** A transaction whose station reported priority
  charging active (NotifyPriorityCharging) is admitted before the others and filled up to
  its cap before they share the rest, except that every admitted transaction keeps at
  least ``min_current``: priority takes what the others do not need to keep charging.
- **Deterministic and stable.** The computation is done in whole tenths of an ampere:
  the effective limit and the caps are rounded down, ``min_current`` and reservations
  up, and each share is rounded down, so sums never exceed the limit and equal inputs
  give equal limits (32 A among three is 10.6 A each; the 0.2 A left is not handed out,
  so no transaction's limit jitters between calls). Same input, same output.

``changes`` compares two allocations and returns the limits to send: decreases first,
so a driver that waits for them before sending increases never exceeds the limit on the
way. A transaction counted at its EVSE maximum is not sent (a profile at that value
limits nothing); to try again with a station that rejected, call ``allocate`` with that
transaction marked not rejected and send it that limit alone, keeping the others where
they are: it is at most the EVSE maximum it was counted at, so the site stays within its
limit whether it accepts or not. Once it accepts, recompute and send ``changes``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

TENTHS = 10
"""Limits are computed in tenths of an ampere: the rounding step of the output."""


@dataclass(frozen=True)
class ExternalLimit:
    """A limit set from outside the site (grid operator, energy manager): ``max_current``
    in A per phase, holding until ``until`` (excluded) or for good when ``until`` is None."""

    max_current: float
    until: datetime | None = None


@dataclass(frozen=True)
class Site:
    """One grid connection shared by its chargers; currents in A per phase."""

    max_current: float
    min_current: float = 6.0
    external: ExternalLimit | None = None


@dataclass(frozen=True)
class Transaction:
    """A running transaction on one of the site's EVSEs, as the allocation sees it.

    ``evse_max`` comes from the device model or a default (the caller chooses); ``ev_max``
    from NotifyEVChargingNeeds (see ``amps_from_watts``); ``local_limit`` from
    NotifyChargingLimit for this EVSE; ``rejected`` when the station rejected the last
    profile sent for it and has not accepted one since.
    """

    station_id: str
    evse_id: int
    transaction_id: str
    started_at: datetime
    evse_max: float
    ev_max: float | None = None
    local_limit: float | None = None
    rejected: bool = False
    priority: bool = False
    """The station reported priority charging active for it (OCPP 2.1)."""
    needed: float | None = None
    """A per phase the EV needs from now on to get the energy it asked for by its
    departure (``math.inf`` once the departure passed); None: it did not say."""

    @property
    def cap(self) -> float:
        """The most this transaction may be given: its smallest known maximum."""
        return min(c for c in (self.evse_max, self.ev_max, self.local_limit) if c is not None)


Key = tuple[str, str]
"""A transaction's identity: station id and transaction id (ids are unique per station)."""


@dataclass(frozen=True)
class Limit:
    """The limit of one transaction in A per phase, a multiple of 0.1 A.

    ``counted_at_max`` is True for a transaction whose station rejected the last profile:
    ``limit`` is then its EVSE maximum, what it is counted at, not a limit to send.
    """

    station_id: str
    evse_id: int
    transaction_id: str
    limit: float
    counted_at_max: bool = False

    @property
    def key(self) -> Key:
        return (self.station_id, self.transaction_id)


@dataclass(frozen=True)
class Allocation:
    """What ``allocate`` decided: one ``Limit`` per transaction, oldest first, and the
    effective limit it was computed against (A per phase)."""

    effective_limit: float
    limits: tuple[Limit, ...]

    def by_key(self) -> dict[Key, Limit]:
        return {limit.key: limit for limit in self.limits}


def amps_from_watts(watts: float, phases: int = 3, voltage: float = 230.0) -> float:
    """A power in W as a current in A per phase: ``watts / (phases * voltage)``.

    NotifyEVChargingNeeds may give the EV's needs as a power (``evMaxPower`` for DC);
    the site is limited per phase, so the allocation needs amperes. ``voltage`` is the
    nominal phase-to-neutral voltage of the site (230 V in Europe, 120 V in the US).

    Raises:
        ValueError: ``phases`` is not 1, 2 or 3, or ``voltage`` is not positive.
    """
    if phases not in (1, 2, 3):
        raise ValueError(f"phases must be 1, 2 or 3, not {phases}")
    if voltage <= 0:
        raise ValueError(f"voltage must be positive, not {voltage}")
    return watts / (phases * voltage)


def effective_limit(site: Site, now: datetime) -> float:
    """The site's limit at ``now``: the smaller of its maximum and the external limit while
    that holds (``now`` before ``until``, or no ``until``)."""
    external = site.external
    if external is None or (external.until is not None and now >= external.until):
        return site.max_current
    return min(site.max_current, external.max_current)


def allocate(site: Site, transactions: Iterable[Transaction], now: datetime) -> Allocation:
    """Share the site's effective limit at ``now`` among ``transactions``.

    Returns one ``Limit`` per transaction, oldest first; the module docstring says how
    the limits are chosen. The caller passes every running transaction of the site,
    rejected ones included, since they take their share whether we like it or not.
    """
    ordered = sorted(transactions, key=lambda t: (t.started_at, t.transaction_id, t.station_id))
    limit = effective_limit(site, now)
    minimum = _tenths_up(site.min_current)
    tenths: dict[Key, int] = {}
    available = _tenths_down(limit)
    for t in ordered:
        if t.rejected:
            tenths[_key(t)] = _tenths_up(t.evse_max)
            available -= tenths[_key(t)]
    available = max(available, 0)

    eligible = [t for t in ordered if not t.rejected and _tenths_down(t.cap) >= minimum]
    eligible.sort(key=lambda t: not t.priority)  # stable: oldest first within each group
    admitted = eligible if minimum == 0 else eligible[: available // minimum]
    first = [t for t in admitted if t.priority]
    rest = [t for t in admitted if not t.priority]
    kept_for_rest = minimum * len(rest)
    given = _share(first, available - kept_for_rest, minimum)
    tenths.update(given)
    left = available - sum(given.values())
    tenths.update(_share(rest, left, minimum))

    return Allocation(
        effective_limit=limit,
        limits=tuple(
            Limit(
                station_id=t.station_id,
                evse_id=t.evse_id,
                transaction_id=t.transaction_id,
                limit=tenths.get(_key(t), 0) / TENTHS,
                counted_at_max=t.rejected,
            )
            for t in ordered
        ),
    )


def changes(previous: Allocation | None, new: Allocation) -> list[Limit]:
    """The limits of ``new`` to send, given that ``previous`` was sent (None: nothing yet).

    A limit is sent when its transaction is new or its value changed. Transactions counted
    at their EVSE maximum are left out (see the module docstring). What lowers a current
    comes first, then increases, each group oldest first, so a driver can lower before it
    raises: first come decreases, new transactions (drawing with no limit of ours yet) and
    transactions no longer counted at their EVSE maximum (their limit is below it).
    """
    before = previous.by_key() if previous is not None else {}
    first: list[Limit] = []
    increases: list[Limit] = []
    for limit in new.limits:
        if limit.counted_at_max:
            continue
        old = before.get(limit.key)
        if old is not None and not old.counted_at_max and old.limit == limit.limit:
            continue
        higher = old is not None and not old.counted_at_max and limit.limit > old.limit
        (increases if higher else first).append(limit)
    return first + increases


def _share(transactions: list[Transaction], capacity: int, minimum: int) -> dict[Key, int]:
    """Tenths for ``transactions`` from ``capacity``: first up to what each needs by its
    departure (at least ``minimum``, at most its cap), then fairly up to their caps."""
    caps = {_key(t): _tenths_down(t.cap) for t in transactions}
    targets = {_key(t): min(caps[_key(t)], max(minimum, _needed(t))) for t in transactions}
    first = _level_fill(dict.fromkeys(caps, 0), targets, capacity)
    return _level_fill(first, caps, capacity)


def _needed(t: Transaction) -> int:
    if t.needed is None:
        return 0
    return _TENTHS_MAX if math.isinf(t.needed) else _tenths_up(t.needed)


_TENTHS_MAX = 10**9


def _level_fill(floors: dict[Key, int], caps: dict[Key, int], capacity: int) -> dict[Key, int]:
    """Max-min fair shares of ``capacity`` (tenths) between ``floors`` and ``caps``: the
    highest whole level L such that everyone at ``clamp(L, floor, cap)`` fits. Equal inputs
    give equal shares, and what a capped one cannot take goes to the others."""

    def at(level: int) -> dict[Key, int]:
        return {k: min(caps[k], max(floors[k], level)) for k in caps}

    low, high = 0, max(caps.values(), default=0)
    if sum(at(low).values()) > capacity:
        return dict(floors)
    while low < high:
        mid = (low + high + 1) // 2
        if sum(at(mid).values()) <= capacity:
            low = mid
        else:
            high = mid - 1
    return at(low)


def _key(t: Transaction) -> Key:
    return (t.station_id, t.transaction_id)


def _tenths_down(amps: float) -> int:
    # round() first, so that 16.1 (16.099999...) is 161 tenths and not 160.
    return max(math.floor(round(amps * TENTHS, 6)), 0)


def _tenths_up(amps: float) -> int:
    return max(math.ceil(round(amps * TENTHS, 6)), 0)
