"""Generated station passwords are checked by one HMAC on the event loop, never by scrypt.

A cold reconnect storm of 5,000 stations at ~40 ms of scrypt each is 200 CPU-seconds; with
keyed verifiers it is bounded by the network. These tests fail if the worker's check of a
keyed verifier goes through scrypt (or anything of its cost), and pin that a verifier made
with another key is a wrong password with a clear log line, never an internal error.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared import names
from shared.envelope import AuthRequest
from shared.passwords import (
    PasswordKeys,
    generate_password,
    hash_password,
    key_id,
    keyed_verifier,
)
from tests.cluster import Cluster
from tests.conftest import Api
from workers import rpc

KEY = bytes(range(32))
CHECKS = 300


def request(station: str, password: str) -> AuthRequest:
    return AuthRequest(station=station, password=password, remote="test", deadline=0)


async def test_many_keyed_checks_take_less_time_than_a_few_scrypt_runs() -> None:
    keys = PasswordKeys(KEY)
    # Distinct stations, each checked once: a cold storm, nothing any cache could answer.
    cold = [(generate_password(), f"COLD-{n}") for n in range(CHECKS)]
    stored = [keyed_verifier(password, keys) for password, _ in cold]
    started = time.perf_counter()
    for _ in range(3):
        hash_password("Scrypt-Reference-0123456789")
    three_scrypts = time.perf_counter() - started

    started = time.perf_counter()
    for (password, station), verifier in zip(cold, stored, strict=True):
        assert await rpc._password_matches(request(station, password), password, verifier, keys)
    elapsed = time.perf_counter() - started

    assert elapsed < three_scrypts, f"{CHECKS} keyed checks: {elapsed:.3f}s"
    wrong = generate_password()
    assert not await rpc._password_matches(request("COLD-0", wrong), wrong, stored[0], keys)


async def test_a_keyed_check_does_not_wait_for_a_thread() -> None:
    """A scrypt check whose deadline passed while queued for a thread is dropped (Expired);
    a keyed check never queues for one, so even a late request is simply answered."""
    keys = PasswordKeys(KEY)
    password = generate_password()
    late = AuthRequest(station="S", password=password, remote="test", deadline=time.time() - 1)

    assert await rpc._password_matches(late, password, keyed_verifier(password, keys), keys)
    with pytest.raises(rpc.Expired):
        await rpc._password_matches(late, password, hash_password(password), keys)


async def test_a_station_registered_with_a_generated_password_is_authenticated(
    db: AsyncDatabase[Any], api: Api, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    station = "GEN-" + uuid.uuid4().hex[:10]
    status, body = await api.request("PUT", f"/stations/{station}", {"generatePassword": True})
    assert status == 201, body
    password = body["password"]
    cluster_keys = PasswordKeys(bytes.fromhex(cluster.password_key))

    result = await rpc.authenticate(db, request(station, password), keys=cluster_keys)
    assert result.status == "ok"
    result = await rpc.authenticate(db, request(station, password + "x"), keys=cluster_keys)
    assert result.status == "unauthorized"

    # The key changed without STATION_PASSWORD_KEY_PREVIOUS: a wrong password, said clearly.
    other = PasswordKeys(bytes(32))
    with caplog.at_level(logging.ERROR, logger="workers.rpc"):
        result = await rpc.authenticate(db, request(station, password), keys=other)
    assert result.status == "unauthorized" and result.reason == "wrong password"
    (line,) = [r for r in caplog.records if "key mismatch" in r.getMessage()]
    assert line.storedKeyId == key_id(cluster_keys.current)  # type: ignore[attr-defined]
    assert password not in line.getMessage()

    # ...and with the old key as the previous one, it verifies again.
    rotated = PasswordKeys(bytes(32), previous=cluster_keys.current)
    assert (await rpc.authenticate(db, request(station, password), keys=rotated)).status == "ok"
    doc = await db[names.STATIONS].find_one({"_id": station})
    assert doc is not None and doc["passwordHash"].startswith("hmac-sha256$")
