"""The site driver's decisions, without sockets: the profile it sends, what it believes the
stations hold, the order of the batches, when it must look again; and the site queue's
promise of one recomputation per site at a time, none lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import names
from shared.charging_profiles import SITE_PROFILE_IDS
from shared.schemas import validate
from shared.site_allocation import Limit
from workers import site_driver
from workers.sites import SiteQueue, resend_to

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def entry(tx: str, limit: float, status: str, sent: datetime = T0) -> dict[str, Any]:
    return {
        "stationId": "CS1",
        "evseId": 1,
        "transactionId": tx,
        "limit": limit,
        "status": status,
        "sentAt": sent,
    }


def test_the_profile_is_a_valid_tx_profile_in_amperes_for_the_transaction() -> None:
    payload = site_driver.tx_profile(Limit("CS1", 2, "T1", 10.6), stack_level=1, phases=3)
    validate("SetChargingProfile", "Request", payload)
    profile = payload["chargingProfile"]
    assert payload["evseId"] == 2 and profile["id"] == SITE_PROFILE_IDS + 2
    assert profile["chargingProfilePurpose"] == "TxProfile" and profile["transactionId"] == "T1"
    [schedule] = profile["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "A"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 10.6, "numberPhases": 3}
    ]


def test_what_the_stations_hold_leaves_out_unknowns_and_counts_refusals_at_maximum() -> None:
    entries = {
        ("CS1", "A"): entry("A", 10.0, names.SITE_LIMIT_ACCEPTED),
        ("CS1", "B"): entry("B", 10.0, names.SITE_LIMIT_REJECTED),
        ("CS1", "C"): entry("C", 10.0, names.SITE_LIMIT_NOT_DELIVERED),
        ("CS1", "D"): entry("D", 10.0, names.SITE_LIMIT_SENDING),
    }
    held = site_driver.previous_allocation(entries).by_key()
    assert set(held) == {("CS1", "A"), ("CS1", "B"), ("CS1", "C")}
    assert not held[("CS1", "A")].counted_at_max
    assert held[("CS1", "B")].counted_at_max and held[("CS1", "C")].counted_at_max


def test_batches_are_decreases_then_new_then_increases() -> None:
    previous = {
        ("CS1", "DOWN"): Limit("CS1", 1, "DOWN", 16.0),
        ("CS1", "UP"): Limit("CS1", 2, "UP", 8.0),
        ("CS1", "BACK"): Limit("CS1", 3, "BACK", 32.0, counted_at_max=True),
    }
    todo = [
        Limit("CS1", 2, "UP", 10.0),
        Limit("CS1", 1, "DOWN", 10.0),
        Limit("CS1", 4, "NEW", 6.0),
        Limit("CS1", 3, "BACK", 6.0),
    ]
    decreases, new, increases = site_driver.split(todo, previous)
    assert [x.transaction_id for x in decreases] == ["DOWN"]
    assert [x.transaction_id for x in new] == ["NEW", "BACK"]
    assert [x.transaction_id for x in increases] == ["UP"]


def test_a_site_is_looked_at_again_for_a_retry_or_when_its_limit_ends() -> None:
    retry = 60.0
    accepted = {("CS1", "A"): entry("A", 10.0, names.SITE_LIMIT_ACCEPTED)}
    assert site_driver.recheck_at(accepted, None, T0, retry) is None
    refused = {("CS1", "B"): entry("B", 10.0, names.SITE_LIMIT_REJECTED)}
    assert site_driver.recheck_at(refused, None, T0, retry) == T0 + timedelta(seconds=60)
    ends = {"maxCurrent": 10.0, "until": T0 + timedelta(seconds=30)}
    assert site_driver.recheck_at(refused, ends, T0, retry) == T0 + timedelta(seconds=30)
    ended = {"maxCurrent": 10.0, "until": T0}
    assert site_driver.recheck_at(accepted, ended, T0, retry) is None


class SlowDriver:
    """Records recomputations; each takes a while, so events pile up meanwhile."""

    def __init__(self) -> None:
        self.running: dict[str, int] = {}
        self.most_at_once = 0
        self.runs: list[tuple[str, set[str]]] = []
        self.resent: list[set[tuple[str, int]]] = []

    async def recompute(
        self, site_id: str, reasons: set[str], resend: set[tuple[str, int]] | None = None
    ) -> None:
        self.running[site_id] = self.running.get(site_id, 0) + 1
        self.most_at_once = max(self.most_at_once, self.running[site_id])
        self.runs.append((site_id, set(reasons)))
        self.resent.append(set(resend or ()))
        await asyncio.sleep(0.05)
        self.running[site_id] -= 1


async def test_one_recomputation_per_site_at_a_time_and_every_event_answered_by_a_later_one():
    driver = SlowDriver()
    queue = SiteQueue(db=None, driver=driver, events=None)  # type: ignore[arg-type]
    first = asyncio.create_task(queue.recompute("S1", "a"))
    await asyncio.sleep(0.01)  # the first run is under way
    later = [asyncio.create_task(queue.recompute("S1", r)) for r in ("b", "c")]
    other = asyncio.create_task(queue.recompute("S2", "x"))
    await asyncio.gather(first, *later, other)
    assert driver.most_at_once == 1
    # b and c arrived during the first run: one more run covers both, after it.
    assert [r for r in driver.runs if r[0] == "S1"] == [("S1", {"a"}), ("S1", {"b", "c"})]
    assert ("S2", {"x"}) in driver.runs
    assert queue._sites == {}


async def test_evses_to_resend_to_gather_like_reasons_for_the_next_run():
    driver = SlowDriver()
    queue = SiteQueue(db=None, driver=driver, events=None)  # type: ignore[arg-type]
    first = asyncio.create_task(queue.recompute("S1", "a"))
    await asyncio.sleep(0.01)
    later = [
        asyncio.create_task(queue.recompute("S1", names.EVENT_CHARGING_NEEDS, ("CS1", e)))
        for e in (1, 2)
    ]
    await asyncio.gather(first, *later)
    assert driver.resent == [set(), {("CS1", 1), ("CS1", 2)}]


def test_needs_and_a_renegotiation_ask_for_a_resend_other_events_do_not():
    needs = {"event": names.EVENT_CHARGING_NEEDS, "station": "CS1", "evseId": 2}
    assert resend_to(needs) == ("CS1", 2)
    schedule = {"event": names.EVENT_CHARGING_SCHEDULE, "station": "CS1", "evseId": 1}
    assert resend_to(schedule) is None
    assert resend_to({**schedule, "renegotiate": True}) == ("CS1", 1)
    assert resend_to({"event": names.EVENT_TRANSACTION_STARTED, "station": "CS1"}) is None


async def test_a_failed_recomputation_fails_the_events_it_was_for_and_not_the_next():
    class Failing(SlowDriver):
        async def recompute(
            self, site_id: str, reasons: set[str], resend: set[tuple[str, int]] | None = None
        ) -> None:
            await super().recompute(site_id, reasons, resend)
            if "bad" in reasons:
                raise RuntimeError("store went away")

    queue = SiteQueue(db=None, driver=Failing(), events=None)  # type: ignore[arg-type]
    bad = asyncio.create_task(queue.recompute("S1", "bad"))
    await asyncio.sleep(0.01)
    good = asyncio.create_task(queue.recompute("S1", "good"))
    results = await asyncio.gather(bad, good, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
