"""Security profiles 1-3 with real TLS handshakes (OCPP 2.0.1 part 2, A00-A04)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from pymongo.asynchronous.database import AsyncDatabase
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus

from shared import names, ocppj, pki
from shared.ocppj import Call, CallResult
from shared.passwords import key_id
from tests.cluster import Cluster, log_lines
from tests.conftest import PASSWORD, Api
from tests.simulator import BOOT, RawStation, auth_header, open_ws
from tests.test_end_to_end import eventually


def client_context(
    cluster: Cluster, cert: Path | None = None, key: Path | None = None, **options: Any
) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cluster.pki["ca"]))
    if cert is not None:
        context.load_cert_chain(str(cert), str(key))
    for name, value in options.items():
        setattr(context, name, value)
    return context


def client_cert(tmp_path: Path, issuer: pki.Issuer, cn: str, **kwargs: Any) -> tuple[Path, Path]:
    key = pki.new_key("ec")
    cert = pki.issue(issuer, cn, key.public_key(), client=True, **kwargs)
    cert_file, key_file = tmp_path / f"{cn}-cert.pem", tmp_path / f"{cn}-key.pem"
    pki.write_cert(cert_file, cert)
    pki.write_key(key_file, key)
    return cert_file, key_file


@pytest.fixture(scope="session")
def ca(cluster: Cluster) -> pki.Issuer:
    return pki.load_issuer(cluster.pki["ca"], cluster.pki["ca-key"])


async def wss(
    cluster: Cluster,
    station: str,
    context: ssl.SSLContext,
    password: str | None = None,
    url: str | None = None,
) -> RawStation:
    """A wss:// connection to the cluster's gateway, or to the one at ``url``."""
    headers = auth_header(station, password) if password is not None else {}
    ws = await connect(
        f"{url or cluster.wss_url}/{station}",
        ssl=context,
        subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=10,
    )
    return RawStation(ws)


async def refused(coro: Any) -> int:
    with pytest.raises(InvalidStatus) as info:
        await coro
    return info.value.response.status_code


async def booted(raw: RawStation) -> bool:
    answer = await raw.call("BootNotification", BOOT)
    await raw.ws.close()
    return isinstance(answer, CallResult)


# --- profile 2: TLS + Basic -------------------------------------------------------------


async def test_profile_2_connects_and_then_plain_ws_is_a_refused_downgrade(
    cluster: Cluster, api: Api, station: str, db: AsyncDatabase[Any]
):
    assert await booted(await wss(cluster, station, client_context(cluster), PASSWORD))
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["securityProfile"] == 2
    assert await refused(open_ws(cluster.ws_url, station, PASSWORD)) == 403
    event = await db[names.SECURITY_EVENTS].find_one(
        {"station": station, "type": "SecurityProfileDowngrade"}
    )
    assert event is not None and event["remote"].startswith("127.0.0.1:")


@pytest.mark.parametrize(
    ("user", "password"),
    [("SOMEONE-ELSE", PASSWORD), (None, "Wrong-Password-0123456"), (None, None)],
)
async def test_profile_2_bad_credentials_get_401(
    cluster: Cluster, station: str, user: str | None, password: str | None
):
    headers = auth_header(user or station, password) if password else {}
    status = await refused(
        connect(
            f"{cluster.wss_url}/{station}",
            ssl=client_context(cluster),
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
            additional_headers=headers,
        )
    )
    assert status == 401


async def test_tls_1_1_client_is_refused_at_the_tls_layer(cluster: Cluster, station: str):
    context = client_context(cluster)
    # SECLEVEL=0 lets this client really speak TLS 1.1 (checked against a permissive
    # server), so the refusal below is the gateway's.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.warns(DeprecationWarning):
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, OSError)):
        await wss(cluster, station, context, PASSWORD)


@pytest.mark.parametrize(
    ("cipher", "ok"),
    [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", True),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", True),
        ("AES128-GCM-SHA256", True),
        ("AES256-GCM-SHA384", True),
        ("ECDHE-RSA-AES128-GCM-SHA256", False),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", False),
    ],
)
async def test_only_the_ocpp_cipher_suites_are_served(
    cluster: Cluster, station: str, cipher: str, ok: bool
):
    context = client_context(cluster, maximum_version=ssl.TLSVersion.TLSv1_2)
    context.set_ciphers(cipher)
    if ok:
        raw = await wss(cluster, station, context, PASSWORD)
        ssl_object = raw.ws.transport.get_extra_info("ssl_object")
        assert ssl_object.cipher()[0] == cipher and ssl_object.version() == "TLSv1.2"
        await raw.ws.close()
    else:
        with pytest.raises((ssl.SSLError, OSError)):
            await wss(cluster, station, context, PASSWORD)


# --- profile 3: TLS + client certificate --------------------------------------------------


async def test_profile_3_client_certificate_needs_no_password(
    cluster: Cluster, api: Api, station_id: str, ca: pki.Issuer, tmp_path: Path
):
    await api.register(station_id, securityProfile=3)
    cert, key = client_cert(tmp_path, ca, station_id)
    assert await booted(await wss(cluster, station_id, client_context(cluster, cert, key)))
    # A profile 3 station cannot fall back to a password.
    await api.register(station_id, PASSWORD)
    status = await refused(
        connect(
            f"{cluster.wss_url}/{station_id}",
            ssl=client_context(cluster),
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
            additional_headers=auth_header(station_id, PASSWORD),
        )
    )
    assert status == 403


async def test_certificate_of_another_station_is_refused_and_recorded(
    cluster: Cluster,
    api: Api,
    station_id: str,
    ca: pki.Issuer,
    tmp_path: Path,
    db: AsyncDatabase[Any],
):
    await api.register(station_id, securityProfile=3)
    cert, key = client_cert(tmp_path, ca, "SOMEONE-ELSE")
    assert await refused(wss(cluster, station_id, client_context(cluster, cert, key))) == 403
    event = await db[names.SECURITY_EVENTS].find_one(
        {"station": station_id, "type": "CertificateNotStations"}
    )
    assert event is not None


@pytest.mark.parametrize("problem", ["untrusted-ca", "expired", "not-yet-valid"])
async def test_bad_client_certificates_fail_the_tls_handshake(
    cluster: Cluster, api: Api, station_id: str, ca: pki.Issuer, tmp_path: Path, problem: str
):
    await api.register(station_id, securityProfile=3)
    issuer = pki.new_ca("Someone else's CA") if problem == "untrusted-ca" else ca
    when = {
        "expired": pki.now() - dt.timedelta(days=400),
        "not-yet-valid": pki.now() + dt.timedelta(days=1),
    }.get(problem)
    cert, key = client_cert(tmp_path, issuer, station_id, not_before=when)
    # With TLS 1.3 the server checks the client certificate after the client has finished its
    # side of the handshake, so the refusal shows as a connection cut before any HTTP answer.
    with pytest.raises((ssl.SSLError, OSError, InvalidMessage, ConnectionClosed)):
        raw = await wss(cluster, station_id, client_context(cluster, cert, key))
        await raw.call("BootNotification", BOOT)


async def test_client_certificate_header_is_trusted_only_from_the_proxy(
    cluster: Cluster, api: Api, station_id: str, ca: pki.Issuer, tmp_path: Path
):
    await api.register(station_id, securityProfile=3)
    cert, _ = client_cert(tmp_path, ca, station_id)
    header = {"X-Client-Cert": quote(cert.read_text())}
    url = f"{cluster.ws_url}/{station_id}"
    from_proxy = await connect(
        url,
        subprotocols=["ocpp2.0.1"],
        additional_headers=header,  # type: ignore[list-item]
        local_addr=("127.0.0.2", 0),
    )
    assert await booted(RawStation(from_proxy))
    status = await refused(connect(url, subprotocols=["ocpp2.0.1"], additional_headers=header))  # type: ignore[list-item]
    assert status == 403  # from anywhere else the header is ignored: a profile 1 connection


# --- A01: password rotation ----------------------------------------------------------------


async def answer_set_variables(raw: RawStation, verdict: str) -> str:
    call = await raw.receive()
    assert isinstance(call, Call) and call.action == "SetVariables"
    item = call.payload["setVariableData"][0]
    assert (item["component"]["name"], item["variable"]["name"]) == (
        "SecurityCtrlr",
        "BasicAuthPassword",
    )
    await raw.send(
        ocppj.result_frame(
            call.message_id,
            {
                "setVariableResult": [
                    {
                        "attributeStatus": verdict,
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                ]
            },
        )
    )
    return str(item["attributeValue"])


@pytest.mark.parametrize("verdict", ["Accepted", "Rejected"])
async def test_password_rotation(
    cluster: Cluster, api: Api, station: str, verdict: str, db: AsyncDatabase[Any]
):
    raw = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
    await raw.call("BootNotification", BOOT)
    rotation = asyncio.create_task(api.request("POST", f"/stations/{station}/password", {}))
    new_password = await answer_set_variables(raw, verdict)
    status, body = await rotation
    await raw.ws.close()
    if verdict == "Accepted":
        assert status == 200 and body["password"] == new_password and len(new_password) == 32
        assert await booted(RawStation(await open_ws(cluster.ws_url, station, new_password)))
        assert await refused(open_ws(cluster.ws_url, station, PASSWORD)) == 401
        stored = (await db[names.STATIONS].find_one({"_id": station}))["passwordHash"]
        assert stored.startswith(f"hmac-sha256${cluster_key_id(cluster)}$"), "generated: keyed"
    else:
        assert status == 409 and "password" not in body
        assert await booted(RawStation(await open_ws(cluster.ws_url, station, PASSWORD)))
    record = await db[names.COMMANDS].find_one(
        {"_id": (body.get("commandId") or body["detail"]["commandId"])}
    )
    assert record is not None
    assert record["request"]["setVariableData"][0]["attributeValue"] == "***"


async def test_rotation_refuses_a_weak_password(api: Api, station: str):
    status, _ = await api.request("POST", f"/stations/{station}/password", {"password": "short"})
    assert status == 422


# --- generated passwords: keyed verifiers ------------------------------------------------


def cluster_key_id(cluster: Cluster) -> str:
    return key_id(bytes.fromhex(cluster.password_key))


async def test_a_station_registered_with_a_generated_password_connects(
    cluster: Cluster, api: Api, station_id: str, db: AsyncDatabase[Any]
):
    status, body = await api.request("PUT", f"/stations/{station_id}", {"generatePassword": True})
    assert status == 201, body
    password = body.pop("password")
    assert len(password) == 32 and body["hasPassword"] and body["securityProfile"] == 1
    assert body["passwordKeyId"] == cluster_key_id(cluster)
    _, fetched = await api.request("GET", f"/stations/{station_id}")
    assert "password" not in fetched, "shown once"
    stored = (await db[names.STATIONS].find_one({"_id": station_id}))["passwordHash"]
    assert stored.startswith(f"hmac-sha256${cluster_key_id(cluster)}$") and password not in stored

    assert await booted(RawStation(await open_ws(cluster.ws_url, station_id, password)))
    assert await refused(open_ws(cluster.ws_url, station_id, password[:-1] + "x")) == 401


async def test_an_operator_chosen_password_stays_scrypt(
    api: Api, station: str, db: AsyncDatabase[Any]
):
    stored = (await db[names.STATIONS].find_one({"_id": station}))["passwordHash"]
    assert stored.startswith("scrypt$")
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["passwordKeyId"] is None


@pytest.mark.parametrize(
    "body",
    [{"generatePassword": True, "password": PASSWORD}, {"generatePassword": "yes"}],
    ids=["both", "not-a-boolean"],
)
async def test_generate_password_is_refused_with_a_password_or_a_non_boolean(
    api: Api, station_id: str, body: dict[str, Any]
):
    status, answer = await api.request("PUT", f"/stations/{station_id}", body)
    assert status == 422 and "password" not in answer
    assert (await api.request("GET", f"/stations/{station_id}"))[0] == 404


async def test_a_verifier_of_another_key_is_a_401_and_a_logged_key_mismatch(
    cluster: Cluster, api: Api, station_id: str, db: AsyncDatabase[Any]
):
    status, body = await api.request("PUT", f"/stations/{station_id}", {"generatePassword": True})
    assert status == 201
    stored = (await db[names.STATIONS].find_one({"_id": station_id}))["passwordHash"]
    foreign = stored.replace(cluster_key_id(cluster), "0badc0de")
    await db[names.STATIONS].update_one({"_id": station_id}, {"$set": {"passwordHash": foreign}})

    assert await refused(open_ws(cluster.ws_url, station_id, body["password"])) == 401

    async def mismatches() -> list[dict[str, Any]]:
        return [
            line
            for name in cluster.workers()
            for line in log_lines(cluster.log_dir / f"{name}.log")
            if "key mismatch" in line.get("msg", "") and line.get("storedKeyId") == "0badc0de"
        ]

    (line,) = await eventually(mismatches)
    assert line["level"] == "error" and line["configuredKeyIds"] == [cluster_key_id(cluster)]


# --- A02/A03: certificate signing --------------------------------------------------------


async def test_sign_certificate_loop_then_profile_3_with_the_new_certificate(
    cluster: Cluster, api: Api, station: str, tmp_path: Path
):
    key = pki.new_key("rsa")
    raw = await wss(cluster, station, client_context(cluster), PASSWORD)
    await raw.call("BootNotification", BOOT)
    answer = await raw.call(
        "SignCertificate",
        {"csr": pki.csr(key, station), "certificateType": "ChargingStationCertificate"},
    )
    assert isinstance(answer, CallResult) and answer.payload == {"status": "Accepted"}
    signed = await raw.receive()
    assert isinstance(signed, Call) and signed.action == "CertificateSigned"
    await raw.send(ocppj.result_frame(signed.message_id, {"status": "Accepted"}))
    await raw.ws.close()
    chain = signed.payload["certificateChain"]
    assert chain.count("BEGIN CERTIFICATE") == 2
    cert_file, key_file = tmp_path / "signed.pem", tmp_path / "signed-key.pem"
    cert_file.write_text(chain)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert await booted(await wss(cluster, station, client_context(cluster, cert_file, key_file)))
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["securityProfile"] == 3

    async def installed() -> Any:
        _, certs = await api.request("GET", f"/stations/{station}/certificates")
        return [c for c in certs["certificates"] if c["status"] == "installed"]

    assert await eventually(installed)


@pytest.mark.parametrize("problem", ["other-cn", "small-key", "garbage"])
async def test_bad_csr_is_rejected_and_recorded(
    cluster: Cluster, api: Api, station: str, problem: str
):
    from cryptography.hazmat.primitives.asymmetric import rsa

    if problem == "garbage":
        csr = "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----"
    elif problem == "small-key":
        csr = pki.csr(rsa.generate_private_key(public_exponent=65537, key_size=1024), station)
    else:
        csr = pki.csr(pki.new_key("ec"), "SOMEONE-ELSE")
    raw = RawStation(await open_ws(cluster.ws_url, station, PASSWORD))
    await raw.call("BootNotification", BOOT)
    answer = await raw.call("SignCertificate", {"csr": csr})
    await raw.ws.close()
    assert isinstance(answer, CallResult) and answer.payload["status"] == "Rejected"
    _, certs = await api.request("GET", f"/stations/{station}/certificates")
    assert [c["status"] for c in certs["certificates"]] == ["csr_rejected"]


async def test_operator_upgrades_a_station_from_profile_1_to_2(
    cluster: Cluster, api: Api, station: str
):
    from tests.operated_station import OperatedStation
    from tests.simulator import sim_station

    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        await cp.boot()
        base = f"/stations/{station}/ocpp"
        steps = [
            (
                "SetNetworkProfile",
                {
                    "configurationSlot": 2,
                    "connectionData": {
                        "ocppVersion": "OCPP20",
                        "ocppTransport": "JSON",
                        "ocppCsmsUrl": cluster.wss_url,
                        "messageTimeout": 30,
                        "securityProfile": 2,
                        "ocppInterface": "Wired0",
                    },
                },
            ),
            (
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "NetworkConfigurationPriority"},
                            "attributeValue": "2,1",
                        }
                    ]
                },
            ),
            ("Reset", {"type": "Immediate"}),
        ]
        for action, payload in steps:
            status, _ = await api.request("POST", f"{base}/{action}", payload)
            assert status == 200
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["securityProfile"] == 1 and view["networkProfiles"][0]["configurationSlot"] == 2
    # The station comes back on the new profile: the CSMS raises it, and there is no way back.
    assert await booted(await wss(cluster, station, client_context(cluster), PASSWORD))
    _, view = await api.request("GET", f"/stations/{station}")
    assert view["securityProfile"] == 2
    assert await refused(open_ws(cluster.ws_url, station, PASSWORD)) == 403


async def test_unknown_station_refusal_is_recorded(cluster: Cluster, db: AsyncDatabase[Any]):
    assert await refused(open_ws(cluster.ws_url, "NOBODY-HERE", PASSWORD)) == 404
    event = await db[names.SECURITY_EVENTS].find_one({"station": "NOBODY-HERE"})
    assert event is not None and event["type"] == "UnknownStation" and event["remote"]
