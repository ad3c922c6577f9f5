# ruff: noqa: F811 (the fixture `events` is imported from test_handlers)
"""M06 GetCertificateStatus and C07 Plug & Charge Authorize, through the real gateway,
workers and store, with an ``ocpp``-library station and a real OCSP responder on 127.0.0.1
that signs its answers (tests/ocsp_responder.py)."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp
from ocpp.charge_point import camel_to_snake_case
from ocpp.v201 import call

from bench.stack import free_port
from shared import names
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.ocsp_responder import Authority, hanging_responder, hash_data, responder
from tests.simulator import SimStation, sim_station
from tests.workers.test_handlers import EventTap, events  # noqa: F401


@pytest.fixture
async def mo(cluster: Cluster) -> AsyncIterator[tuple[Authority, str]]:
    """A mobility operator's sub-CA under the root the workers trust (CONTRACT_ROOTS_FILE),
    and its OCSP responder's URL."""
    authority = Authority.create(parent=cluster.mo_root)
    async with responder(authority) as url:
        yield authority, url


@pytest.fixture
async def cp(cluster: Cluster, station: str) -> AsyncIterator[SimStation]:
    async with sim_station(cluster.ws_url, station, PASSWORD) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp


def snake(data: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = camel_to_snake_case(data)
    return converted


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}/ocsp"  # bound a moment ago, now nobody listens


async def certificate_status(cp: SimStation, data: dict[str, Any]) -> Any:
    return await cp.call(call.GetCertificateStatus(ocsp_request_data=snake(data)))


async def test_certificate_status_passes_on_the_responders_signed_answer(
    cp: SimStation, mo: tuple[Authority, str]
):
    ca, url = mo
    good, revoked = ca.issue("CPO Sub-CA 2 good"), ca.issue("CPO Sub-CA 2 revoked")
    ca.revoked.add(revoked.serial_number)
    for cert, status in ((good, "GOOD"), (revoked, "REVOKED")):
        answer = await certificate_status(cp, hash_data(cert, ca.cert, url))
        assert answer.status == "Accepted"
        parsed = x509_ocsp.load_der_ocsp_response(base64.b64decode(answer.ocsp_result))
        assert parsed.serial_number == cert.serial_number
        assert parsed.certificate_status.name == status


async def test_good_answers_are_cached_and_revocations_are_asked_again(
    cp: SimStation, mo: tuple[Authority, str]
):
    ca, url = mo
    good, revoked = ca.issue("cached"), ca.issue("asked again")
    ca.revoked.add(revoked.serial_number)
    for _ in range(5):
        assert (await certificate_status(cp, hash_data(good, ca.cert, url))).status == "Accepted"
    assert ca.requests <= 2  # once per worker at most: the cluster runs two
    before = ca.requests
    for _ in range(3):
        await certificate_status(cp, hash_data(revoked, ca.cert, url))
    assert ca.requests == before + 3


async def test_certificate_status_fails_when_the_responder_is_unreachable(
    cp: SimStation, mo: tuple[Authority, str]
):
    ca, _url = mo
    answer = await certificate_status(cp, hash_data(ca.issue("x"), ca.cert, closed_url()))
    assert answer.status == "Failed" and answer.ocsp_result is None
    assert "did not answer" in answer.status_info["additional_info"]


async def test_a_hanging_responder_gives_failed_in_time(
    cp: SimStation, mo: tuple[Authority, str], api: Api, station: str, cluster: Cluster
):
    """The cluster's workers wait OCSP_TIMEOUT (2 s), far below GATEWAY_REPLY_TIMEOUT (20 s):
    the station gets Failed, not InternalError nor silence."""
    ca, _url = mo
    emaid = f"NLTNMH{station[-8:]}".upper()
    assert (await api.request("PUT", f"/id-tokens/{emaid}", {"type": "eMAID"}))[0] == 201
    timeout = float(cluster.env()["OCSP_TIMEOUT"])
    async with hanging_responder() as url:
        started = time.monotonic()
        answer = await certificate_status(cp, hash_data(ca.issue("slow"), ca.cert, url))
        assert answer.status == "Failed"
        assert "TimeoutError" in answer.status_info["additional_info"]
        assert timeout <= time.monotonic() - started < timeout + 3
        started = time.monotonic()
        refused = await plug_and_charge(
            cp, emaid, hashes=[hash_data(ca.issue(emaid), ca.cert, url)]
        )
        assert (refused.certificate_status, refused.id_token_info) == (
            "CertChainError",
            {"status": "Invalid"},
        )
        assert timeout <= time.monotonic() - started < timeout + 3


async def test_certificate_status_fails_for_an_unusable_answer_or_request(
    cp: SimStation, mo: tuple[Authority, str]
):
    ca, url = mo
    stranger = Authority.create("Another CA")  # its certificates are unknown to ca's responder
    answer = await certificate_status(cp, hash_data(stranger.issue("y"), stranger.cert, url))
    assert answer.status == "Failed" and "UNAUTHORIZED" in answer.status_info["additional_info"]
    data = {**hash_data(ca.issue("z"), ca.cert, url), "issuerKeyHash": "abcd"}
    answer = await certificate_status(cp, data)
    assert answer.status == "Failed" and answer.status_info["reason_code"] == "InvalidValue"


async def plug_and_charge(
    cp: SimStation,
    emaid: str,
    *,
    hashes: list[dict[str, Any]] | None = None,
    pem: str | None = None,
) -> Any:
    extra: dict[str, Any] = {}
    if hashes is not None:
        extra["iso15118_certificate_hash_data"] = [snake(h) for h in hashes]
    if pem is not None:
        extra["certificate"] = pem
    return await cp.call(call.Authorize(id_token={"id_token": emaid, "type": "eMAID"}, **extra))


async def test_plug_and_charge_authorize_accepts_a_good_contract(
    cp: SimStation, mo: tuple[Authority, str], api: Api, station: str, events: EventTap
):
    ca, url = mo
    emaid = f"NLTNMA{station[-8:]}".upper()
    assert (await api.request("PUT", f"/id-tokens/{emaid}", {"type": "eMAID"}))[0] == 201
    contract = ca.issue(emaid, ocsp_url=url)
    answer = await plug_and_charge(cp, emaid, hashes=[hash_data(contract, ca.cert, url)])
    assert answer.id_token_info["status"] == "Accepted"
    assert answer.certificate_status == "Accepted"
    event = await events.next_for(station, names.EVENT_AUTHORIZED)
    assert event["idToken"] == emaid and event["certificateStatus"] == "Accepted"
    # Central validation: the certificate itself instead of its hashes (TC_C_52), its chain
    # verified up to the trusted root before its responder is asked.
    another = ca.issue(emaid, ocsp_url=url)  # not in the workers' OCSP caches yet
    before = ca.requests
    answer = await plug_and_charge(cp, emaid, pem=ca.pem_chain(another))
    assert answer.id_token_info["status"] == "Accepted"
    assert answer.certificate_status == "Accepted"
    assert ca.requests == before + 1
    # A good contract does not make an unknown eMAID known.
    answer = await plug_and_charge(cp, "NLTNMUNKNOWN1", hashes=[hash_data(contract, ca.cert, url)])
    assert answer.id_token_info["status"] == "Unknown"


async def test_plug_and_charge_authorize_refuses_a_revoked_or_unchecked_contract(
    cp: SimStation, mo: tuple[Authority, str], api: Api, station: str, events: EventTap
):
    ca, url = mo
    emaid = f"NLTNMR{station[-8:]}".upper()
    assert (await api.request("PUT", f"/id-tokens/{emaid}", {"type": "eMAID"}))[0] == 201
    contract = ca.issue(emaid)
    ca.revoked.add(contract.serial_number)
    answer = await plug_and_charge(cp, emaid, hashes=[hash_data(contract, ca.cert, url)])
    assert answer.id_token_info == {"status": "Invalid"}
    assert answer.certificate_status == "CertificateRevoked"
    event = await events.next_for(station, names.EVENT_AUTHORIZED)
    assert event["status"] == "Invalid" and event["certificateStatus"] == "CertificateRevoked"
    # A chain whose sub-CA's responder is away is not accepted either.
    good = ca.issue(emaid + "-2")
    answer = await plug_and_charge(
        cp, emaid, hashes=[hash_data(good, ca.cert, url), hash_data(ca.cert, ca.cert, closed_url())]
    )
    assert answer.id_token_info["status"] == "Invalid"
    assert answer.certificate_status == "CertChainError"
    # Why the car was refused, for the operator.
    status, body = await api.request("GET", f"/stations/{station}/certificate-checks")
    assert status == 200
    assert [
        (c["action"], c["idToken"]["idToken"], c["certificateStatus"], c["status"])
        for c in body["certificateChecks"]
    ] == [
        ("Authorize", emaid, "CertChainError", "Invalid"),
        ("Authorize", emaid, "CertificateRevoked", "Invalid"),
    ]
    assert body["certificateChecks"][1]["responders"] == [url]


def tampered(cert: x509.Certificate) -> x509.Certificate:
    """``cert`` with one bit of its signature flipped."""
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01
    return x509.load_der_x509_certificate(bytes(der))


async def test_a_contract_certificate_chain_is_verified_before_any_responder_is_asked(
    cp: SimStation, mo: tuple[Authority, str], api: Api, station: str
):
    ca, url = mo
    emaid = f"NLTNMV{station[-8:]}".upper()
    assert (await api.request("PUT", f"/id-tokens/{emaid}", {"type": "eMAID"}))[0] == 201
    foreign = Authority.create("Self-made MO Sub-CA")  # a CA nobody trusts, same eMAID
    async with responder(foreign) as foreign_url:
        forged = foreign.issue(emaid, ocsp_url=foreign_url)
        refused = {
            "CertChainError": foreign.pem_chain(forged),
            "CertificateExpired": ca.pem_chain(
                ca.issue(emaid, ocsp_url=url, valid_for=timedelta(seconds=-1))
            ),
            "SignatureError": ca.pem_chain(tampered(ca.issue(emaid, ocsp_url=url))),
        }
        for expected, chain in refused.items():
            answer = await plug_and_charge(cp, emaid, pem=chain)
            assert (answer.certificate_status, answer.id_token_info) == (
                expected,
                {"status": "Invalid"},
            )
        assert foreign.requests == 0 and ca.requests == 0  # no responder asked
    good = ca.issue(emaid, ocsp_url=url)
    answer = await plug_and_charge(cp, emaid, pem=ca.pem_chain(good))
    assert (answer.certificate_status, answer.id_token_info["status"]) == ("Accepted", "Accepted")
    assert ca.requests == 1
    status, body = await api.request("GET", f"/stations/{station}/certificate-checks")
    assert status == 200
    checks = [
        (c["certificateStatus"], c["status"], c["responders"], bool(c["detail"]))
        for c in body["certificateChecks"]
    ]
    assert checks == [
        ("Accepted", "Accepted", [url], False),
        ("SignatureError", "Invalid", [], True),
        ("CertificateExpired", "Invalid", [], True),
        ("CertChainError", "Invalid", [], True),
    ]
