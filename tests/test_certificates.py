"""Plug & Charge's PKI on the real cluster (issue #16): a station's V2G CSR is signed by the
V2G CA and never by the station CA (and the other way round), refused when ISO 15118 would
not take it; roots are installed on stations through the API, and what a station holds is
listed after a refresh."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pymongo.asynchronous.database import AsyncDatabase

from shared import ocppj, pki
from shared.events import utc_now
from shared.ocppj import Call, CallResult
from store import device_model
from tests.cluster import Cluster
from tests.conftest import PASSWORD, Api
from tests.events import Tap, event_queue
from tests.operated_station import OperatedStation
from tests.shared.test_v2g_pki import v2g_csr
from tests.simulator import BOOT, RawStation, open_ws
from tests.test_end_to_end import eventually


def station_ca(cluster: Cluster) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cluster.pki["ca"].read_bytes())


def v2g_ca(cluster: Cluster) -> x509.Certificate:
    """The development V2G CA the cluster's workers made (DEV_PKI_DIR/v2g)."""
    return x509.load_pem_x509_certificate((cluster.log_dir / "pki" / "v2g" / "ca.pem").read_bytes())


def issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(ca)
    except (ValueError, InvalidSignature):
        return False
    return True


async def sign(cluster: Cluster, station: str, csr: str, kind: str) -> tuple[Any, Any]:
    """SignCertificate's answer, and the CertificateSigned that follows (answered Accepted),
    or None when none comes within 2 s."""
    raw = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
    try:
        await raw.call("BootNotification", BOOT)
        answer = await raw.call("SignCertificate", {"csr": csr, "certificateType": kind})
        try:
            signed = await raw.receive(timeout=2 if answer.payload["status"] != "Accepted" else 15)
        except TimeoutError:
            return answer, None
        assert isinstance(signed, Call) and signed.action == "CertificateSigned"
        await raw.send(ocppj.result_frame(signed.message_id, {"status": "Accepted"}))
        return answer, signed
    finally:
        await raw.ws.close()


async def reported_organization(db: AsyncDatabase[Any], station: str, name: str) -> None:
    """What a NotifyReport with ISO15118Ctrlr.OrganizationName would have stored."""
    await device_model.store_report_data(
        db,
        station,
        [
            {
                "component": {"name": "ISO15118Ctrlr"},
                "variable": {"name": "OrganizationName"},
                "variableAttribute": [{"type": "Actual", "value": name}],
            }
        ],
        utc_now(),
    )


async def stored(api: Api, station: str, status: str) -> list[dict[str, Any]]:
    _, body = await api.request("GET", f"/stations/{station}/certificates")
    return [c for c in body["certificates"] if c["status"] == status]


async def test_a_v2g_csr_is_signed_by_the_v2g_ca_and_installed(
    cluster: Cluster, api: Api, station: str
):
    answer, signed = await sign(cluster, station, v2g_csr(cn=station), "V2GCertificate")
    assert isinstance(answer, CallResult) and answer.payload == {"status": "Accepted"}
    assert signed.payload["certificateType"] == "V2GCertificate"
    leaf, ca = x509.load_pem_x509_certificates(signed.payload["certificateChain"].encode())
    assert ca == v2g_ca(cluster) and issued_by(leaf, v2g_ca(cluster))
    assert not issued_by(leaf, station_ca(cluster)) and ca != station_ca(cluster)
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    (doc,) = await eventually(lambda: stored(api, station, "installed"))
    assert doc["certificateType"] == "V2GCertificate"
    assert doc["serialNumber"] == format(leaf.serial_number, "x")
    assert doc["issuer"] == v2g_ca(cluster).subject.rfc4514_string()


async def test_a_station_certificate_is_still_signed_by_the_station_ca(
    cluster: Cluster, api: Api, station: str
):
    csr = pki.csr(pki.new_key("ec"), station)
    answer, signed = await sign(cluster, station, csr, "ChargingStationCertificate")
    assert answer.payload == {"status": "Accepted"}
    assert signed.payload["certificateType"] == "ChargingStationCertificate"
    leaf, ca = x509.load_pem_x509_certificates(signed.payload["certificateChain"].encode())
    assert ca == station_ca(cluster) and issued_by(leaf, station_ca(cluster))
    assert not issued_by(leaf, v2g_ca(cluster))


@pytest.mark.parametrize("problem", ["other-cn", "rsa", "other-o"])
async def test_a_v2g_csr_iso_15118_would_not_take_is_rejected_and_nothing_signed(
    cluster: Cluster, api: Api, db: AsyncDatabase[Any], station: str, problem: str
):
    await reported_organization(db, station, "Example Charging Ltd")
    csr = {
        "other-cn": lambda: v2g_csr(cn="CS-SOMEONE-ELSE"),
        "rsa": lambda: v2g_csr(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), cn=station
        ),
        "other-o": lambda: v2g_csr(cn=station, org="Someone Else Ltd"),
    }[problem]()
    answer, signed = await sign(cluster, station, csr, "V2GCertificate")
    assert isinstance(answer, CallResult) and answer.payload["status"] == "Rejected"
    assert answer.payload["statusInfo"]["reasonCode"] == "InvalidCSR"
    assert signed is None
    (doc,) = await stored(api, station, "csr_rejected")
    assert doc["certificateType"] == "V2GCertificate"
    assert await stored(api, station, "signed") == await stored(api, station, "installed") == []


async def test_a_v2g_csr_with_the_stations_organisation_is_signed(
    cluster: Cluster, db: AsyncDatabase[Any], station: str
):
    await reported_organization(db, station, "Example Charging Ltd")
    answer, signed = await sign(cluster, station, v2g_csr(cn=station), "V2GCertificate")
    assert answer.payload == {"status": "Accepted"} and signed is not None


# --- M03, M05: roots installed through the API, the station's inventory ------------------


@pytest.fixture
async def tap(cluster: Cluster, station: str) -> AsyncIterator[Tap]:
    async with event_queue(cluster.amqp_url, f"root.*.{station}") as queue:
        yield Tap(queue)


def root_pem(name: str = "V2G Root CA") -> tuple[x509.Certificate, str]:
    root = pki.new_ca(name).certificate
    return root, root.public_bytes(serialization.Encoding.PEM).decode()


async def test_roots_are_installed_and_listed_after_a_refresh(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    installed = []
    for kind in ("V2GRootCertificate", "MORootCertificate"):
        root, pem = root_pem(kind)
        status, body = await api.request(
            "POST",
            f"/stations/{station}/certificates",
            {"certificateType": kind, "certificate": pem},
        )
        assert status == 201, body
        assert body["status"] == "installed" and body["answer"] == "Accepted"
        assert body["certificateHashData"] == pki.hash_data(root, root)
        installed.append((kind, body["certificateHashData"], body["commandId"]))
    events = await tap.events(2)
    assert [(e["event"], e["certificateType"], e["commandId"]) for e in events] == [
        ("root.installed", kind, command) for kind, _, command in installed
    ]
    assert [p["certificateType"] for a, p in operated.received if a == "InstallCertificate"] == [
        "V2GRootCertificate",
        "MORootCertificate",
    ]

    _, before = await api.request("GET", f"/stations/{station}/certificates")
    assert before["installed"] is None
    status, body = await api.request("POST", f"/stations/{station}/certificates/refresh")
    assert status == 200 and body["answer"] == "Accepted", body
    _, listed = await api.request("GET", f"/stations/{station}/certificates")
    chain = listed["installed"]["certificateHashDataChain"]
    assert [(c["certificateType"], c["certificateHashData"]) for c in chain[1:]] == [
        (kind, data) for kind, data, _ in installed
    ]
    assert chain[0]["certificateType"] == "CSMSRootCertificate"
    assert [c["installedBy"] for c in chain] == [None] + [c for _, _, c in installed]
    assert listed["installed"]["commandId"] == body["commandId"]
    assert {c["commandId"] for c in listed["certificates"]} == {c for _, _, c in installed}


async def test_a_root_the_station_rejects_is_recorded_as_not_installed(
    api: Api, operated: OperatedStation, station: str, tap: Tap
):
    operated.install_answer = "Rejected"
    _, pem = root_pem()
    status, body = await api.request(
        "POST",
        f"/stations/{station}/certificates",
        {"certificateType": "ManufacturerRootCertificate", "certificate": pem},
    )
    assert status == 409 and body["detail"]["status"] == "not_installed", body
    (event,) = await tap.events(1)
    assert event["event"] == "root.rejected" and event["answer"] == "Rejected"
    _, listed = await api.request("GET", f"/stations/{station}/certificates")
    assert [(c["certificateType"], c["status"]) for c in listed["certificates"]] == [
        ("ManufacturerRootCertificate", "not_installed")
    ]
    await api.request("POST", f"/stations/{station}/certificates/refresh")
    _, listed = await api.request("GET", f"/stations/{station}/certificates")
    assert len(listed["installed"]["certificateHashDataChain"]) == 1  # only what it came with


@pytest.mark.parametrize("problem", ["leaf", "garbage", "type", "extra"])
async def test_what_is_not_a_root_is_refused_and_nothing_sent(
    api: Api, operated: OperatedStation, station: str, problem: str
):
    ca = pki.new_ca()
    leaf = pki.issue(ca, "leaf", pki.new_key("ec").public_key())
    body: dict[str, Any] = {"certificateType": "CSMSRootCertificate", "certificate": ca.pem}
    if problem == "leaf":
        body["certificate"] = leaf.public_bytes(serialization.Encoding.PEM).decode()
    elif problem == "garbage":
        body["certificate"] = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
    elif problem == "type":
        body["certificateType"] = "V2GCertificateChain"
    else:
        body["note"] = "x"
    status, answer = await api.request("POST", f"/stations/{station}/certificates", body)
    assert status == 422, answer
    assert not [a for a, _ in operated.received if a == "InstallCertificate"]


async def test_a_station_that_holds_nothing_has_an_empty_inventory(
    api: Api, operated: OperatedStation, station: str
):
    operated.installed_certificates = []
    status, body = await api.request("POST", f"/stations/{station}/certificates/refresh")
    assert status == 200 and body["answer"] == "NotFound", body
    _, listed = await api.request("GET", f"/stations/{station}/certificates")
    assert listed["installed"]["certificateHashDataChain"] == []


async def test_nothing_is_recorded_for_a_station_that_is_not_connected(api: Api, station: str):
    _, pem = root_pem()
    body = {"certificateType": "CSMSRootCertificate", "certificate": pem}
    status, answer = await api.request("POST", f"/stations/{station}/certificates", body)
    assert status == 409 and answer["detail"]["status"] == "offline", answer
    status, _ = await api.request("POST", f"/stations/{station}/certificates/refresh")
    assert status == 409
    _, listed = await api.request("GET", f"/stations/{station}/certificates")
    assert listed == {"certificates": [], "installed": None}
