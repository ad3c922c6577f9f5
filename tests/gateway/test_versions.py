"""gateway.versions: the subprotocol choice itself, without sockets."""

from __future__ import annotations

import pytest

from gateway.versions import acceptable, choose, refusal

DEPLOYMENT = ("ocpp2.1", "ocpp2.0.1", "ocpp1.6")


@pytest.mark.parametrize(
    ("offered", "deployment", "allowed", "chosen"),
    [
        (["ocpp1.6", "ocpp2.0.1", "ocpp2.1"], DEPLOYMENT, None, "ocpp2.1"),
        (["ocpp1.6", "ocpp2.0.1", "ocpp2.1"], ("ocpp1.6", "ocpp2.0.1"), None, "ocpp1.6"),
        (["ocpp2.1", "ocpp2.0.1"], DEPLOYMENT, ["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp2.1"], DEPLOYMENT, ["ocpp2.0.1"], None),
        (["ocpp1.6"], ("ocpp2.0.1",), None, None),
        ([], DEPLOYMENT, None, None),
        (["OCPP2.0.1", "ocpp2.0"], DEPLOYMENT, None, None),
    ],
)
def test_the_deployment_s_first_choice_the_station_offers_and_may_use_wins(
    offered: list[str], deployment: tuple[str, ...], allowed: list[str] | None, chosen: str | None
) -> None:
    assert choose(offered, deployment, allowed) == chosen


def test_acceptable_keeps_the_deployment_s_order_whatever_the_station_s() -> None:
    assert acceptable(DEPLOYMENT, ["ocpp1.6", "ocpp2.1"]) == ("ocpp2.1", "ocpp1.6")
    assert acceptable(("ocpp2.0.1",), ["ocpp1.6"]) == ()


def test_the_refusal_names_what_the_station_may_use_and_fits_a_close_frame() -> None:
    assert refusal(DEPLOYMENT, None) == "OCPP subprotocol required: ocpp2.1 or ocpp2.0.1 or ocpp1.6"
    assert refusal(("ocpp2.0.1",), None) == "OCPP subprotocol required: ocpp2.0.1"
    nothing = refusal(("ocpp2.0.1",), ["ocpp1.6"])
    assert "registered" in nothing
    assert all(len(r.encode()) <= 123 for r in (nothing, refusal(DEPLOYMENT, None)))
