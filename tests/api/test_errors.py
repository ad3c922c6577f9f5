"""The API's error answers: JSON with a request id for every failure, our own bugs included."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from api.errors import REQUEST_ID_HEADER, error_middleware, request_ids


async def broken(request: web.Request) -> web.Response:
    raise RuntimeError("a bug of ours")


@pytest.fixture
async def server() -> TestServer:
    app = web.Application(middlewares=[request_ids, error_middleware])
    app.add_routes([web.get("/broken", broken)])
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


async def test_an_unexpected_error_is_a_json_500_with_the_request_id_it_was_logged_with(
    server: TestServer, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR)
    async with aiohttp.ClientSession() as session:
        async with session.get(server.make_url("/broken")) as response:
            assert response.status == 500
            assert response.content_type == "application/json"
            body = await response.json()
            request_id = response.headers[REQUEST_ID_HEADER]
    assert body["requestId"] == request_id and "a bug of ours" not in str(body)
    failure = next(r for r in caplog.records if r.getMessage() == "API request failed")
    assert failure.exc_info is not None


async def test_a_sane_caller_request_id_is_kept_and_a_strange_one_replaced(server: TestServer):
    async with aiohttp.ClientSession() as session:
        for sent, kept in (("trace-0123456789", True), ("bad id", False), ("x" * 65, False)):
            async with session.get(
                server.make_url("/nowhere"), headers={REQUEST_ID_HEADER: sent}
            ) as response:
                assert response.status == 404
                assert (response.headers[REQUEST_ID_HEADER] == sent) is kept
                assert (await response.json())["requestId"] == response.headers[REQUEST_ID_HEADER]
