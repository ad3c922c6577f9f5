"""A real HTTP contract-certificate adapter for the tests (the operator's side of
``workers/contract_provider.py``), on a free local port, optionally with mutual TLS.

What it does is chosen by the request's ``exiRequest``, so one adapter serves every case,
also behind workers started once: see ``EXI``."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from bench.stack import free_port


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


EXI_RESPONSE = b64("CertificateInstallationRes for the EV")
EXI = {  # exiRequest -> what the adapter does
    "accept": b64("accept"),  # 200 Accepted with EXI_RESPONSE
    "fail": b64("fail"),  # 200 Failed with reasonCode NoContract
    "slow": b64("slow"),  # answers Accepted after SLOW_SECONDS
    "error": b64("error"),  # HTTP 500
    "garbage": b64("garbage"),  # 200 with a body that is not JSON
    "not-a-string": b64("not-a-string"),  # 200 Accepted with exiResponse a number
    "too-long": b64("too-long"),  # 200 Accepted with exiResponse over 7500 characters
}
SLOW_SECONDS = 3.0


class Adapter:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        exi = body.get("exiRequest")
        if exi == EXI["fail"]:
            return web.json_response({"status": "Failed", "reasonCode": "NoContract"})
        if exi == EXI["slow"]:
            await asyncio.sleep(SLOW_SECONDS)
        if exi == EXI["error"]:
            return web.Response(status=500, text="upstream exploded")
        if exi == EXI["garbage"]:
            return web.Response(text="<html>surprise</html>", content_type="text/html")
        answer: Any = EXI_RESPONSE
        if exi == EXI["not-a-string"]:
            answer = 12345
        elif exi == EXI["too-long"]:
            answer = "A" * 7504
        return web.Response(
            body=orjson.dumps({"status": "Accepted", "exiResponse": answer}),
            content_type="application/json",
        )

    def url(self, tls: bool = False) -> str:
        return f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/contracts"


@contextlib.asynccontextmanager
async def adapter(tls: ssl.SSLContext | None = None) -> AsyncIterator[Adapter]:
    served = Adapter()
    app = web.Application()
    app.router.add_post("/contracts", served.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", served.port, ssl_context=tls)
    await site.start()
    try:
        yield served
    finally:
        await runner.cleanup()
