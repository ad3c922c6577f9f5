"""The contract providers against a real local adapter (``tests/contract_adapter.py``):
what each answer, failure and timeout becomes, and that it fits the response schema."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.stack import free_port
from shared import config, pki, schemas
from tests.contract_adapter import EXI, EXI_RESPONSE, Adapter, adapter
from workers import contract_provider
from workers.contract_provider import ACCEPTED, FAILED, HttpProvider, Outcome
from workers.handlers.iso15118.get_15118_ev_certificate import answer

SCHEMA = "urn:iso:15118:2:2013:MsgDef"


def valid_answer(outcome: Outcome) -> dict[str, object]:
    payload = answer(outcome)
    schemas.validate("Get15118EVCertificate", "Response", payload)
    return payload


@pytest.fixture
async def served() -> AsyncIterator[Adapter]:
    async with adapter() as running:
        yield running


@pytest.fixture
async def http(served: Adapter) -> AsyncIterator[HttpProvider]:
    provider = HttpProvider(served.url(), timeout=1.0)
    await provider.start()
    yield provider
    await provider.close()


async def test_accepted_passes_the_exi_both_ways(http: HttpProvider, served: Adapter):
    outcome = await http.fetch("CS-1", SCHEMA, "Install", EXI["accept"])
    assert outcome == Outcome(ACCEPTED, EXI_RESPONSE)
    assert served.requests == [
        {
            "stationId": "CS-1",
            "iso15118SchemaVersion": SCHEMA,
            "action": "Install",
            "exiRequest": EXI["accept"],
        }
    ]
    assert valid_answer(outcome) == {"status": "Accepted", "exiResponse": EXI_RESPONSE}


async def test_the_adapters_failed_and_reason_reach_the_station(http: HttpProvider):
    outcome = await http.fetch("CS-1", SCHEMA, "Update", EXI["fail"])
    assert (outcome.status, outcome.reason, outcome.error) == (FAILED, "NoContract", "")
    assert valid_answer(outcome) == {
        "status": "Failed",
        "exiResponse": "",
        "statusInfo": {"reasonCode": "NoContract"},
    }


async def test_an_adapter_slower_than_the_timeout_is_failed_in_time(served: Adapter):
    provider = HttpProvider(served.url(), timeout=0.5)
    await provider.start()
    try:
        outcome = await provider.fetch("CS-1", SCHEMA, "Install", EXI["slow"])
    finally:
        await provider.close()
    assert (outcome.status, outcome.reason) == (FAILED, contract_provider.TIMEOUT)
    valid_answer(outcome)


@pytest.mark.parametrize(
    ("exi", "reason"),
    [
        ("error", contract_provider.HTTP_ERROR),
        ("garbage", contract_provider.INVALID),
        ("not-a-string", contract_provider.INVALID),
        ("too-long", contract_provider.INVALID),
    ],
)
async def test_an_adapter_off_contract_is_failed(http: HttpProvider, exi: str, reason: str):
    outcome = await http.fetch("CS-1", SCHEMA, "Install", EXI[exi])
    assert (outcome.status, outcome.reason) == (FAILED, reason)
    assert outcome.error
    valid_answer(outcome)


async def test_nobody_listening_is_failed():
    provider = HttpProvider(f"http://127.0.0.1:{free_port()}/contracts", timeout=1.0)
    await provider.start()
    try:
        outcome = await provider.fetch("CS-1", SCHEMA, "Install", EXI["accept"])
    finally:
        await provider.close()
    assert (outcome.status, outcome.reason) == (FAILED, contract_provider.UNREACHABLE)
    valid_answer(outcome)


def test_malformed_answers_are_read_as_failed():
    for body in (
        b"[]",
        b'{"status": "Maybe"}',
        b'{"status": "Accepted"}',
        b'{"status": "Accepted", "exiResponse": "not base64!"}',
    ):
        assert contract_provider.read_answer(body).reason == contract_provider.INVALID, body
    long_reason = contract_provider.read_answer(
        b'{"status": "Failed", "reasonCode": "' + b"x" * 21 + b'"}'
    )
    assert long_reason.reason == contract_provider.PROVIDER_FAILED


def _mutual_tls(directory: Path) -> tuple[ssl.SSLContext, dict[str, str]]:
    """A server context that requires a client certificate of the dev CA, and the
    settings a worker needs to present one."""
    files = pki.dev_certificates(directory, ["127.0.0.1"])
    ca = pki.load_issuer(files["ca"], files["ca-key"])
    key = pki.new_key("ec")
    pki.write_cert(
        directory / "client.pem", pki.issue(ca, "csms-workers", key.public_key(), client=True)
    )
    pki.write_key(directory / "client-key.pem", key)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(files["ca"]))
    server.load_cert_chain(files["server-ec"], files["server-ec-key"])
    server.verify_mode = ssl.CERT_REQUIRED
    return server, {
        "CONTRACT_PROVIDER": "http",
        "CONTRACT_PROVIDER_CA_FILE": str(files["ca"]),
        "CONTRACT_PROVIDER_CLIENT_CERT": str(directory / "client.pem"),
        "CONTRACT_PROVIDER_CLIENT_KEY": str(directory / "client-key.pem"),
    }


async def test_client_tls_certificate_is_presented(tmp_path: Path):
    server, env = _mutual_tls(tmp_path)
    async with adapter(server) as running:
        provider = await contract_provider.from_settings(
            config.load({**env, "CONTRACT_PROVIDER_URL": running.url(tls=True)})
        )
        try:
            assert await provider.fetch("CS-1", SCHEMA, "Install", EXI["accept"]) == Outcome(
                ACCEPTED, EXI_RESPONSE
            )
        finally:
            await provider.close()
        del env["CONTRACT_PROVIDER_CLIENT_CERT"], env["CONTRACT_PROVIDER_CLIENT_KEY"]
        anonymous = await contract_provider.from_settings(
            config.load({**env, "CONTRACT_PROVIDER_URL": running.url(tls=True)})
        )
        try:
            refused = await anonymous.fetch("CS-1", SCHEMA, "Install", EXI["accept"])
        finally:
            await anonymous.close()
        assert (refused.status, refused.reason) == (FAILED, contract_provider.UNREACHABLE)
        assert len(running.requests) == 1


async def test_dev_and_none_providers_answer_as_configured():
    dev = await contract_provider.from_settings(
        config.load({"CONTRACT_PROVIDER": "dev", "CONTRACT_PROVIDER_DEV_EXI_RESPONSE": "AAEC"})
    )
    assert await dev.fetch("CS-1", SCHEMA, "Install", "gAEC") == Outcome(ACCEPTED, "AAEC")
    dev_failed = await contract_provider.from_settings(
        config.load({"CONTRACT_PROVIDER": "dev", "CONTRACT_PROVIDER_DEV_STATUS": "Failed"})
    )
    assert (await dev_failed.fetch("CS-1", SCHEMA, "Install", "gAEC")).status == FAILED
    none = await contract_provider.from_settings(config.load({}))
    outcome = await none.fetch("CS-1", SCHEMA, "Install", "gAEC")
    assert valid_answer(outcome)["statusInfo"] == {"reasonCode": "NoProviderConfigured"}


@pytest.mark.parametrize(
    "env",
    [
        {"CONTRACT_PROVIDER": "http"},
        {
            "CONTRACT_PROVIDER": "http",
            "CONTRACT_PROVIDER_URL": "http://127.0.0.1:1/",
            "CONTRACT_PROVIDER_TIMEOUT": "20",
        },
        {
            "CONTRACT_PROVIDER": "http",
            "CONTRACT_PROVIDER_URL": "https://127.0.0.1:1/",
            "CONTRACT_PROVIDER_CLIENT_CERT": "/nonexistent/client.pem",
        },
        # Accepted with nothing to give the EV (the dev defaults alone).
        {"CONTRACT_PROVIDER": "dev"},
        {"CONTRACT_PROVIDER": "dev", "CONTRACT_PROVIDER_DEV_EXI_RESPONSE": ""},
    ],
)
async def test_a_provider_that_cannot_work_stops_the_worker_at_start(env: dict[str, str]):
    with pytest.raises(config.ConfigError, match="CONTRACT_PROVIDER"):
        await contract_provider.from_settings(config.load(env))
