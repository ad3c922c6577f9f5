"""Console fixtures: its base URL and a fresh key per role."""

from __future__ import annotations

import pytest

from shared import names
from tests.cluster import Cluster
from tests.conftest import Api


@pytest.fixture(scope="session")
def console_url(cluster: Cluster) -> str:
    return cluster.api_url.removesuffix("/api/v1") + "/console"


@pytest.fixture(scope="session")
async def role_keys(api: Api) -> dict[str, str]:
    """A key per role, made through the API with the cluster's admin key."""
    made = {}
    for role in names.ROLES:
        status, body = await api.request(
            "POST", "/api-keys", {"name": f"console-{role}", "role": role}
        )
        assert status == 201, body
        made[role] = body["key"]
    return made
