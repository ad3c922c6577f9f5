"""The gateway's cache of successful handshake checks, without sockets or a bus."""

from __future__ import annotations

import asyncio

import pytest

from gateway.handshake import Handshake
from shared.envelope import AuthRequest, AuthResult, CredentialsChanged

OK = AuthResult("ok", 1)


class Workers:
    """Answers every check with ``OK``, counting them; ``hold`` keeps answers back."""

    def __init__(self) -> None:
        self.checks = 0
        self.hold = asyncio.Event()
        self.hold.set()

    async def __call__(self, request: AuthRequest) -> AuthResult:
        self.checks += 1
        await self.hold.wait()
        return OK


def check(station: str = "CS1", profile: int = 1) -> AuthRequest:
    return AuthRequest(station, "Test-Password-0123456789", "127.0.0.1:1", profile)


async def test_a_success_is_cached_until_its_station_is_forgotten():
    workers = Workers()
    handshake = Handshake(workers, cache_seconds=60)
    for _ in range(3):
        assert await handshake._check(check()) == OK
    await handshake._check(check("CS2"))
    assert workers.checks == 2
    handshake.forget("CS1")
    await handshake._check(check())
    await handshake._check(check("CS2"))
    assert workers.checks == 3, "CS2 is still cached"


async def test_forget_all_drops_every_station():
    workers = Workers()
    handshake = Handshake(workers, cache_seconds=60)
    await handshake._check(check("CS1"))
    await handshake._check(check("CS2"))
    handshake.forget_all()
    await handshake._check(check("CS1"))
    await handshake._check(check("CS2"))
    assert workers.checks == 4


async def test_an_answer_in_flight_across_a_forget_is_used_but_not_cached():
    workers = Workers()
    handshake = Handshake(workers, cache_seconds=60)
    workers.hold.clear()
    first = asyncio.create_task(handshake._check(check()))
    await asyncio.sleep(0)
    handshake.forget("CS1")  # the answer on its way may predate the change
    workers.hold.set()
    assert await first == OK
    await handshake._check(check())
    assert workers.checks == 2


@pytest.mark.parametrize(
    ("notice", "offered", "ends"),
    [
        (CredentialsChanged("CS1", deleted=True), 3, True),
        (CredentialsChanged("CS1", profile=2), 1, True),
        (CredentialsChanged("CS1", profile=2), 2, False),
        (CredentialsChanged("CS1", password_replaced=True), 2, True),
        (CredentialsChanged("CS1", password_replaced=True), 3, False),
        (CredentialsChanged("CS1"), 1, False),  # a rotation the station itself accepted
    ],
)
def test_which_live_connections_a_change_ends(notice: CredentialsChanged, offered: int, ends: bool):
    assert notice.ends(offered) is ends


@pytest.mark.parametrize(
    ("notice", "version", "refused"),
    [
        (CredentialsChanged("CS1", ocpp_versions=["ocpp2.0.1"]), "ocpp1.6", True),
        (CredentialsChanged("CS1", ocpp_versions=["ocpp2.0.1", "ocpp1.6"]), "ocpp1.6", False),
        (CredentialsChanged("CS1"), "ocpp1.6", False),  # unchanged, or any version again
    ],
)
def test_which_live_connections_a_change_of_versions_ends(
    notice: CredentialsChanged, version: str, refused: bool
):
    assert notice.version_refused(version) is refused
    assert not notice.ends(1)  # the credentials themselves still stand
