"""Contract certificates for Plug & Charge (M01/M02): who answers Get15118EVCertificate.

The CSMS does not parse ISO 15118 EXI nor hold contract certificates: a mobility operator
or a PKI does. A provider passes the station's EXI request on as received and brings back
the EXI response, or says it failed. ``fetch`` never raises: a timeout, a refused
connection, an HTTP error or an answer that does not fit the response schema is an
``Outcome`` with status Failed and a reason code, so the station always gets a clean answer.

The HTTP provider's wire format is the CSMS's contract with the operator's adapter (README,
Plug & Charge: contract certificates)::

    POST CONTRACT_PROVIDER_URL
    {"stationId": ..., "iso15118SchemaVersion": ..., "action": "Install"|"Update",
     "exiRequest": <base64, as the station sent it>}
    -> 200 {"status": "Accepted", "exiResponse": <base64>}
       200 {"status": "Failed", "reasonCode": <optional, <= 20 chars>}
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ssl
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import orjson

from shared.config import EXI_RESPONSE_MAX_CHARS, ConfigError, Settings

ACCEPTED = "Accepted"
FAILED = "Failed"

# statusInfo.reasonCode (at most 20 characters) of each way a request can fail.
NO_PROVIDER = "NoProviderConfigured"
TIMEOUT = "Timeout"
UNREACHABLE = "ProviderUnreachable"
HTTP_ERROR = "ProviderError"
INVALID = "InvalidResponse"
PROVIDER_FAILED = "ProviderFailed"

MAX_ANSWER_BYTES = 64 * 1024  # an exiResponse is at most 7500 characters


@dataclass(frozen=True)
class Outcome:
    status: str
    exi_response: str = ""
    reason: str = ""
    """statusInfo.reasonCode for the station (Failed only)."""
    error: str = ""
    """What went wrong, for the log and the store; empty when the provider simply said so."""


def failed(reason: str, error: str = "") -> Outcome:
    return Outcome(FAILED, reason=reason, error=error)


class Provider(Protocol):
    async def fetch(
        self, station: str, schema_version: str, action: str, exi_request: str
    ) -> Outcome: ...

    async def close(self) -> None: ...


class NoProvider:
    """CONTRACT_PROVIDER=none: every request answered Failed, saying why."""

    async def fetch(
        self, station: str, schema_version: str, action: str, exi_request: str
    ) -> Outcome:
        return failed(NO_PROVIDER)

    async def close(self) -> None:
        pass


class DevelopmentProvider:
    """CONTRACT_PROVIDER=dev: one fixed answer, for tests and demos."""

    def __init__(self, status: str, exi_response: str) -> None:
        self.status, self.exi_response = status, exi_response

    async def fetch(
        self, station: str, schema_version: str, action: str, exi_request: str
    ) -> Outcome:
        if self.status == ACCEPTED:
            return Outcome(ACCEPTED, self.exi_response)
        return failed(PROVIDER_FAILED)

    async def close(self) -> None:
        pass


def read_answer(body: bytes) -> Outcome:
    """The adapter's JSON answer as an Outcome; anything off-contract is Failed."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return failed(INVALID, "answer is not JSON")
    if not isinstance(answer, dict):
        return failed(INVALID, "answer is not a JSON object")
    status = answer.get("status")
    if status == FAILED:
        reason = answer.get("reasonCode")
        if isinstance(reason, str) and 0 < len(reason) <= 20:
            return failed(reason)
        return failed(PROVIDER_FAILED)
    if status != ACCEPTED:
        return failed(INVALID, f"status is {str(status)[:40]!r}")
    exi = answer.get("exiResponse")
    if not isinstance(exi, str) or not exi:
        return failed(INVALID, "exiResponse missing or not a string")
    if len(exi) > EXI_RESPONSE_MAX_CHARS:
        return failed(INVALID, f"exiResponse longer than {EXI_RESPONSE_MAX_CHARS} characters")
    try:
        base64.b64decode(exi, validate=True)
    except (binascii.Error, ValueError):
        return failed(INVALID, "exiResponse is not base64")
    return Outcome(ACCEPTED, exi)


class HttpProvider:
    """CONTRACT_PROVIDER=http: POST each request to the operator's adapter.

    One ``aiohttp`` session per worker (``start``), so connections to the adapter are reused;
    ``close`` on the worker's stop."""

    def __init__(self, url: str, timeout: float, tls: ssl.SSLContext | None = None) -> None:
        self.url, self.timeout, self.tls = url, timeout, tls
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(ssl=self.tls if self.tls is not None else True),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self, station: str, schema_version: str, action: str, exi_request: str
    ) -> Outcome:
        if self._session is None:
            return failed(UNREACHABLE, "provider not started")
        body = {
            "stationId": station,
            "iso15118SchemaVersion": schema_version,
            "action": action,
            "exiRequest": exi_request,
        }
        try:
            async with asyncio.timeout(self.timeout):
                async with self._session.post(
                    self.url, data=orjson.dumps(body), headers={"Content-Type": "application/json"}
                ) as response:
                    answer = await response.content.read(MAX_ANSWER_BYTES + 1)
                    if response.status != 200:
                        return failed(HTTP_ERROR, f"HTTP {response.status}")
        except TimeoutError:
            return failed(TIMEOUT, f"no answer within {self.timeout} s")
        except (aiohttp.ClientError, OSError) as exc:
            return failed(UNREACHABLE, repr(exc)[:300])
        if len(answer) > MAX_ANSWER_BYTES:
            return failed(INVALID, f"answer larger than {MAX_ANSWER_BYTES} bytes")
        return read_answer(answer)


def tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.contract_provider_ca_file or None)
    if settings.contract_provider_client_cert:
        context.load_cert_chain(
            settings.contract_provider_client_cert,
            settings.contract_provider_client_key or None,
        )
    return context


async def from_settings(settings: Settings) -> Provider:
    """The provider CONTRACT_PROVIDER names, started; ConfigError if it cannot work."""
    kind = settings.contract_provider
    if kind == "dev":
        if (
            settings.contract_provider_dev_status == ACCEPTED
            and not settings.contract_provider_dev_exi_response
        ):
            raise ConfigError(
                "CONTRACT_PROVIDER=dev answering Accepted needs CONTRACT_PROVIDER_DEV_EXI_RESPONSE "
                "(an Accepted Get15118EVCertificate without an EXI response gives the EV nothing); "
                "set it, or CONTRACT_PROVIDER_DEV_STATUS=Failed"
            )
        return DevelopmentProvider(
            settings.contract_provider_dev_status, settings.contract_provider_dev_exi_response
        )
    if kind != "http":
        return NoProvider()
    if not settings.contract_provider_url:
        raise ConfigError("CONTRACT_PROVIDER=http needs CONTRACT_PROVIDER_URL")
    if settings.contract_provider_timeout >= settings.gateway_reply_timeout:
        raise ConfigError(
            "CONTRACT_PROVIDER_TIMEOUT must be below GATEWAY_REPLY_TIMEOUT: the station "
            "would get InternalError before the provider's Failed"
        )
    tls: ssl.SSLContext | None = None
    if settings.contract_provider_url.startswith("https://"):
        try:
            tls = tls_context(settings)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"CONTRACT_PROVIDER client TLS: {exc}") from exc
    provider = HttpProvider(settings.contract_provider_url, settings.contract_provider_timeout, tls)
    await provider.start()
    return provider
