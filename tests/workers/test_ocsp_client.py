"""workers.ocsp.OcspClient against a real OCSP responder on 127.0.0.1 (tests/ocsp_responder.py):
good answers are kept until their nextUpdate, then asked again; at most OCSP_CACHE_MAX of
them, the least recently used out first; revoked answers never kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp

from tests.ocsp_responder import Authority, hash_data, responder
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
