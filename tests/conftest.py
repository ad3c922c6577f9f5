"""Session fixtures: one real cluster (1 gateway, 2 workers, the API) for the whole run.

The servers themselves (RabbitMQ, FerretDB or MongoDB) are started by ``make test``; these
tests never fake them. Without them the run stops at once with a message saying so.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.cluster import Cluster
from tests.operated_station import OperatedStation
from tests.simulator import sim_station

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/csms-test")
MONGO_URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--docker",
        action="store_true",
        help="start RabbitMQ and MongoDB with pytest-docker "
        "(deploy/docker-compose.yml) instead of using running ones",
    )


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(Path(__file__).resolve().parent.parent / "deploy" / "docker-compose.yml")


def _servers(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The broker and store URLs: started by pytest-docker with --docker, else the running
    ones (what `make test` started, or AMQP_URL / MONGO_URL)."""
    if not request.config.getoption("--docker"):
        return AMQP_URL, MONGO_URL
    services = request.getfixturevalue("docker_services")
    ip = request.getfixturevalue("docker_ip")
    amqp = f"amqp://guest:guest@{ip}:{services.port_for('rabbitmq', 5672)}/"
    mongo = f"mongodb://{ip}:{services.port_for('mongodb', 27017)}/"
    services.wait_until_responsive(
        check=lambda: _reachable(amqp, 5672) and _reachable(mongo, 27017), timeout=120, pause=1
    )
    return amqp, mongo


@pytest.fixture(scope="session")
async def cluster(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Cluster]:
    amqp_url, mongo_url = _servers(request)
    for url, port, what in ((amqp_url, 5672, "RabbitMQ"), (mongo_url, 27017, "MongoDB")):
        if not _reachable(url, port):
            pytest.exit(
                f"{what} is not reachable at {url}: run the tests with `make test`, "
                "which starts it",
                returncode=3,
            )
    cl = Cluster(amqp_url, mongo_url, Path(tmp_path_factory.mktemp("cluster")))
    await cl.reset_bus()
    cl.start("gateway")
    cl.start("workers")
    cl.start("workers")
    cl.start("api")
    try:
        await cl.wait_ready(workers=2)
        yield cl
    finally:
        cl.stop_all()
        if os.environ.get("CSMS_TEST_LOGS"):
            print(cl.logs())
        client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url)
        await client.drop_database(cl.mongo_db)
        await client.close()


@pytest.fixture(scope="session")
async def db(cluster: Cluster) -> AsyncIterator[AsyncDatabase[Any]]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(cluster.mongo_url, tz_aware=True)
    yield client[cluster.mongo_db]
    await client.close()


class Api:
    """The operator API as one key holder sees it (the cluster's admin key by default)."""

    def __init__(self, base: str, session: aiohttp.ClientSession, key: str | None = None) -> None:
        self.base, self.session, self.key = base, session, key

    def as_key(self, key: str | None) -> Api:
        """The same API seen with another key (None: no Authorization header at all)."""
        return Api(self.base, self.session, key)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        async with self.session.request(
            method, self.base + path, json=body, headers=headers
        ) as response:
            data = await response.json() if response.content_type == "application/json" else None
            return response.status, data

    async def register(self, station: str, password: str | None = None, **fields: Any) -> None:
        body = dict(fields)
        if password is not None:
            body["password"] = password
        status, data = await self.request("PUT", f"/stations/{station}", body)
        assert status in (200, 201), data


@pytest.fixture(scope="session")
async def api(cluster: Cluster) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(cluster.api_url, session, cluster.admin_key)


@pytest.fixture
def station_id() -> str:
    return "CS-" + uuid.uuid4().hex[:10]


PASSWORD = "Test-Password-0123456789"


@pytest.fixture
async def station(api: Api, station_id: str) -> str:
    """A registered station with a password (security profile 1)."""
    await api.register(station_id, PASSWORD)
    return station_id


@pytest.fixture
async def operated(cluster: Cluster, station: str) -> AsyncIterator[OperatedStation]:
    """The registered station, connected as an ``OperatedStation`` and booted Accepted."""
    async with sim_station(cluster.ws_url, station, PASSWORD, cls=OperatedStation) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp
