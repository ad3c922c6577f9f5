"""workers.ocsp.OcspClient against a real OCSP responder on 127.0.0.1 (tests/ocsp_responder.py):
good answers are kept until their nextUpdate, then asked again; at most OCSP_CACHE_MAX of
them, the least recently used out first; revoked answers never kept; a responder that
hangs is given up after OCSP_TIMEOUT, which must be below GATEWAY_REPLY_TIMEOUT."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp

from shared import config
from shared.ocsp import OcspError
from tests.ocsp_responder import Authority, hanging_responder, hash_data, responder
from workers import ocsp
from workers.ocsp import OcspClient

NEXT_UPDATE = timedelta(minutes=10)


class ShortLived(Authority):
    """Answers valid for NEXT_UPDATE only."""

    def answer(
        self,
        cert: x509.Certificate,
        status: x509_ocsp.OCSPCertStatus,
        *,
        signer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
        next_update: timedelta = NEXT_UPDATE,
        responder_id: x509_ocsp.OCSPResponderEncoding = x509_ocsp.OCSPResponderEncoding.HASH,
    ) -> bytes:
        return super().answer(
            cert, status, signer=signer, next_update=NEXT_UPDATE, responder_id=responder_id
        )


@pytest.fixture
async def mo() -> AsyncIterator[tuple[Authority, str]]:
    base = Authority.create()
    authority = ShortLived(base.cert, base.key)
    async with responder(authority) as url:
        yield authority, url


@pytest.fixture
async def client() -> AsyncIterator[OcspClient]:
    ocsp_client = OcspClient(timeout=2, cache_max=2)
    yield ocsp_client
    await ocsp_client.close()


def data(ca: Authority, url: str, cn: str) -> dict[str, Any]:
    return hash_data(ca.issue(cn), ca.cert, url)


async def test_a_good_answer_is_kept_until_its_next_update_then_asked_again(
    mo: tuple[Authority, str], client: OcspClient
):
    ca, url = mo
    good = data(ca, url, "good")
    now = datetime.now(UTC)
    for seconds in (0, 1, 60, NEXT_UPDATE.total_seconds() - 60):
        answer = await client.check(good, now + timedelta(seconds=seconds))
        assert answer.status == "good"
    assert ca.requests == 1
    # Past its nextUpdate the cached answer is not used: the responder is asked again.
    assert (await client.check(good, now + NEXT_UPDATE + timedelta(seconds=1))).status == "good"
    assert ca.requests == 2


async def test_the_cache_keeps_ocsp_cache_max_answers_least_recently_used_out_first(
    mo: tuple[Authority, str], client: OcspClient
):
    ca, url = mo
    first, second, third = (data(ca, url, cn) for cn in ("first", "second", "third"))
    now = datetime.now(UTC)
    for entry in (first, second, first, third):  # first used again: second is the oldest
        await client.check(entry, now)
    assert ca.requests == 3
    await client.check(first, now)
    await client.check(third, now)
    assert ca.requests == 3  # both kept
    await client.check(second, now)
    assert ca.requests == 4  # evicted by third, asked again (and first now out)
    await client.check(first, now)
    assert ca.requests == 5


async def test_revoked_answers_are_never_kept_and_an_empty_cache_keeps_nothing(
    mo: tuple[Authority, str],
):
    ca, url = mo
    revoked_cert = ca.issue("revoked")
    ca.revoked.add(revoked_cert.serial_number)
    revoked = hash_data(revoked_cert, ca.cert, url)
    good = data(ca, url, "good")
    client = OcspClient(timeout=2, cache_max=0)
    try:
        now = datetime.now(UTC)
        for _ in range(2):
            assert (await client.check(revoked, now)).status == "revoked"
            assert (await client.check(good, now)).status == "good"
        assert ca.requests == 4
    finally:
        await client.close()


async def test_a_hanging_responder_is_given_up_after_ocsp_timeout():
    ca = Authority.create()
    client = OcspClient(timeout=0.5, cache_max=10)
    try:
        async with hanging_responder() as url:
            started = time.monotonic()
            with pytest.raises(OcspError, match="did not answer: TimeoutError"):
                await client.check(data(ca, url, "slow"), datetime.now(UTC))
            assert 0.4 < time.monotonic() - started < 1.5
    finally:
        await client.close()


@pytest.mark.parametrize(("ocsp_timeout", "reply_timeout"), [("20", "20"), ("30", "20")])
def test_an_ocsp_timeout_not_below_the_gateway_reply_timeout_stops_the_worker(
    ocsp_timeout: str, reply_timeout: str
):
    settings = config.load({"OCSP_TIMEOUT": ocsp_timeout, "GATEWAY_REPLY_TIMEOUT": reply_timeout})
    with pytest.raises(config.ConfigError, match="OCSP_TIMEOUT must be below"):
        ocsp.from_settings(settings)
    below = config.load({"OCSP_TIMEOUT": "19.5", "GATEWAY_REPLY_TIMEOUT": reply_timeout})
    assert ocsp.from_settings(below).timeout == 19.5
