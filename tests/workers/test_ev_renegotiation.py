"""When a rejected EV schedule starts a renegotiation (K15.FR.13, K17.FR.13): once per run
of rejections of a transaction, so an EV that keeps asking too much starts no loop."""

from __future__ import annotations

from typing import Any

from workers.handlers.smart_charging.notify_ev_charging_schedule import renegotiate


def check(within: bool, tx: str = "TX-1") -> dict[str, Any]:
    return {"transactionId": tx, "within": within}


def stored(within: bool | None, tx: str = "TX-1", message: str = "m1") -> dict[str, Any]:
    return {"messageId": message, "check": None if within is None else check(within, tx)}


def test_within_or_unchecked_never_renegotiates():
    assert not renegotiate(None, None, "m2")
    assert not renegotiate(check(True), stored(False), "m2")


def test_the_first_rejection_of_a_run_renegotiates_the_next_ones_do_not():
    assert renegotiate(check(False), None, "m2")
    assert renegotiate(check(False), stored(True), "m2")
    assert renegotiate(check(False), stored(None), "m2")
    assert not renegotiate(check(False), stored(False), "m2")


def test_another_transaction_or_the_same_message_again_renegotiates():
    assert renegotiate(check(False), stored(False, tx="TX-0"), "m2")
    # Redelivered: the stored one is this message's, whose worker may have died before.
    assert renegotiate(check(False), stored(False, message="m2"), "m2")
