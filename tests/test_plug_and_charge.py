"""Plug & Charge from a station's side, start to end (issue #16, "Done when"): an
``ocpp``-library station obtains its V2G certificate, gets its roots installed, asks for a
car's contract certificate and authorizes the car by its contract certificate, checked over
OCSP against a real responder in this test; each step is then read back through the API.

The contract request must reach a worker with a contract provider, so the module runs its
own worker (the development provider, answering Accepted) and gives the cluster two
ordinary workers back afterwards, as tests/workers/test_get_15118_ev_certificate.py does.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from ocpp.charge_point import camel_to_snake_case
from ocpp.routing import on
from ocpp.v201 import call, call_result

from shared import pki
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.contract_adapter import EXI, EXI_RESPONSE
from tests.ocsp_responder import Authority, hash_data, responder
from tests.operated_station import OperatedStation
from tests.shared.test_v2g_pki import v2g_csr
from tests.simulator import sim_station
from tests.test_certificates import issued_by, v2g_ca
from tests.test_outbox import consumers

SCHEMA = "urn:iso:15118:2:2013:MsgDef"


@pytest.fixture(scope="module")
async def contract_worker(cluster: Cluster) -> AsyncIterator[None]:
    """The only worker while the module runs: one whose contract provider answers
    Accepted with ``EXI_RESPONSE`` (CONTRACT_PROVIDER=dev)."""
    for name in cluster.workers():
        cluster.kill(name, signal.SIGTERM)
    await consumers(cluster, 0)
    cluster.start(
        "workers", CONTRACT_PROVIDER="dev", CONTRACT_PROVIDER_DEV_EXI_RESPONSE=EXI_RESPONSE
    )
    await consumers(cluster, 1)
    try:
        yield
    finally:
        for worker in cluster.workers():
            cluster.kill(worker, signal.SIGTERM)
        cluster.start("workers")
        cluster.start("workers")
        await cluster.wait_ready(workers=2)


class PlugAndChargeStation(OperatedStation):
    """Keeps the V2G certificate chain the CSMS sends it (CertificateSigned)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signed: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain: str, **kw: Any) -> Any:
        self.signed.put_nowait((kw.get("certificate_type", ""), certificate_chain))
        return call_result.CertificateSigned(status="Accepted")


def root(name: str) -> tuple[x509.Certificate, str]:
    certificate = pki.new_ca(name).certificate
    return certificate, certificate.public_bytes(serialization.Encoding.PEM).decode()


async def test_a_station_obtains_its_certificates_and_authorizes_a_car_by_its_contract(
    cluster: Cluster, api: Api, station: str, contract_worker: None
):
    mo = Authority.create(parent=cluster.mo_root)  # a sub-CA of a root the workers trust
    emaid = f"NLTNM{station[-8:]}".upper()
    assert (await api.request("PUT", f"/id-tokens/{emaid}", {"type": "eMAID"}))[0] == 201
    async with (
        responder(mo) as ocsp_url,
        sim_station(cluster.ws_url, station, PASSWORD, cls=PlugAndChargeStation) as cp,
    ):
        assert (await cp.boot()).status == "Accepted"

        # 1. Its V2G certificate, signed by the V2G CA.
        answer = await cp.call(
            call.SignCertificate(csr=v2g_csr(cn=station), certificate_type="V2GCertificate")
        )
        assert answer.status == "Accepted"
        kind, chain = await asyncio.wait_for(cp.signed.get(), 15)
        leaf = x509.load_pem_x509_certificates(chain.encode())[0]
        assert kind == "V2GCertificate" and issued_by(leaf, v2g_ca(cluster))

        # 2. Its roots, installed by the operator and listed from the station's inventory.
        for certificate_type in ("V2GRootCertificate", "MORootCertificate"):
            _, pem = root(certificate_type)
            body = {"certificateType": certificate_type, "certificate": pem}
            status, answer_body = await api.request(
                "POST", f"/stations/{station}/certificates", body
            )
            assert status == 201, answer_body
        status, _ = await api.request("POST", f"/stations/{station}/certificates/refresh")
        assert status == 200

        # 3. A contract certificate for the car, from the contract provider.
        contract = await cp.call(
            call.Get15118EVCertificate(
                iso15118_schema_version=SCHEMA, action="Install", exi_request=EXI["accept"]
            )
        )
        assert (contract.status, contract.exi_response) == ("Accepted", EXI_RESPONSE)

        # 4. The car authorized by its contract certificate, its status checked over OCSP.
        certificate = mo.issue(emaid, ocsp_url=ocsp_url)
        hashes = [camel_to_snake_case(hash_data(certificate, mo.cert, ocsp_url))]
        authorized = await cp.call(
            call.Authorize(
                id_token={"id_token": emaid, "type": "eMAID"},
                iso15118_certificate_hash_data=hashes,
            )
        )
        assert authorized.id_token_info["status"] == "Accepted"
        assert authorized.certificate_status == "Accepted"
        # ... or by the chain itself, verified by the CSMS up to the trusted root (C52) ...
        sent = mo.issue(emaid, ocsp_url=ocsp_url)
        authorized = await cp.call(
            call.Authorize(
                id_token={"id_token": emaid, "type": "eMAID"}, certificate=mo.pem_chain(sent)
            )
        )
        assert authorized.certificate_status == "Accepted"
        assert authorized.id_token_info["status"] == "Accepted"
        # ... and refused with a contract certificate the mobility operator revoked (a good
        # answer is kept until its nextUpdate, so it is another certificate).
        revoked = mo.issue(f"{emaid}-OLD", ocsp_url=ocsp_url)
        mo.revoked.add(revoked.serial_number)
        refused = await cp.call(
            call.Authorize(
                id_token={"id_token": emaid, "type": "eMAID"},
                iso15118_certificate_hash_data=[
                    camel_to_snake_case(hash_data(revoked, mo.cert, ocsp_url))
                ],
            )
        )
        assert refused.certificate_status == "CertificateRevoked"
        assert refused.id_token_info["status"] == "Invalid"

    # Each step, through the API.
    _, certificates = await api.request("GET", f"/stations/{station}/certificates")
    signed = [c for c in certificates["certificates"] if c["certificateType"] == "V2GCertificate"]
    assert [c["status"] for c in signed] == ["installed"]
    inventory = certificates["installed"]["certificateHashDataChain"]
    assert {"V2GRootCertificate", "MORootCertificate"} <= {c["certificateType"] for c in inventory}
    _, requests = await api.request("GET", f"/stations/{station}/contract-requests")
    assert [(r["action"], r["status"]) for r in requests["contractRequests"]] == [
        ("Install", "Accepted")
    ]
    _, checks = await api.request("GET", f"/stations/{station}/certificate-checks")
    assert [
        (c["idToken"]["idToken"], c["certificateStatus"]) for c in checks["certificateChecks"]
    ] == [
        (emaid, "CertificateRevoked"),
        (emaid, "Accepted"),
        (emaid, "Accepted"),
    ]
    assert checks["certificateChecks"][1]["responders"] == [ocsp_url]
