"""Asking OCSP responders (M06, C07): the thin HTTP driver around ``shared.ocsp``.

One per worker process (``Worker.start``), with one long-lived aiohttp session. Good answers
are kept in this process's memory until their ``nextUpdate``, at most ``OCSP_CACHE_MAX`` of
them (least recently used out first): workers do not share them, so a certificate may be
asked about once per worker. Revoked, unknown and failed answers are never kept, so a
responder that comes back is asked again at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp

from shared import ocsp
from shared.config import ConfigError, Settings
from shared.logs import Limited
from shared.ocsp import Answer, OcspError

log = logging.getLogger("workers.ocsp")
limited = Limited(log)

MAX_ANSWER_BYTES = 64 * 1024
"""An OCSP answer is a few kilobytes; a responder sending more is not one."""


class OcspClient:
    def __init__(self, timeout: float, cache_max: int) -> None:
        self.timeout = timeout
        self.cache_max = cache_max
        self._cache: OrderedDict[tuple[str, ...], Answer] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check(self, data: Mapping[str, Any], now: datetime) -> Answer:
        """The verified answer of ``data["responderURL"]`` about the certificate ``data``
        names (an ``OCSPRequestDataType``), from the cache while it holds.

        Raises:
            OcspError: bad request data, the responder unreachable, slower than
                OCSP_TIMEOUT, or its answer not usable (``shared.ocsp.parse_response``).
        """
        key = ocsp.cache_key(data)
        cached = self._cache.get(key)
        if cached is not None:
            if cached.next_update is not None and cached.next_update > now:
                self._cache.move_to_end(key)
                return cached
            del self._cache[key]
        request = ocsp.build_request(data)
        url = str(data["responderURL"])
        if not url.lower().startswith(("http://", "https://")):
            raise OcspError("the responder URL is not http(s)", "InvalidURL")
        try:
            body = await self._post(url, request)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            limited.warning("OCSP responder unreachable", about=url, error=repr(exc)[:300])
            raise OcspError(f"the OCSP responder did not answer: {type(exc).__name__}") from None
        try:
            answer = ocsp.parse_response(body, data, now)
        except OcspError as exc:
            limited.warning("OCSP responder answer refused", about=url, error=exc.detail)
            raise
        if answer.status == "good" and answer.next_update is not None and self.cache_max > 0:
            self._cache[key] = answer
            while len(self._cache) > self.cache_max:
                self._cache.popitem(last=False)
        return answer

    async def _post(self, url: str, request: bytes) -> bytes:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with asyncio.timeout(self.timeout):
            async with self._session.post(
                url,
                data=request,
                headers={"Content-Type": "application/ocsp-request"},
                allow_redirects=False,
            ) as response:
                if response.status != 200:
                    raise ValueError(f"HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_any():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise ValueError("answer too large")
                return bytes(body)


def from_settings(settings: Settings) -> OcspClient:
    """This worker's client; ConfigError when OCSP_TIMEOUT is not below
    GATEWAY_REPLY_TIMEOUT (the station would get InternalError before the answer)."""
    if settings.ocsp_timeout >= settings.gateway_reply_timeout:
        raise ConfigError(
            "OCSP_TIMEOUT must be below GATEWAY_REPLY_TIMEOUT: the station would get "
            "InternalError before the CSMS gave up on the OCSP responder"
        )
    return OcspClient(settings.ocsp_timeout, settings.ocsp_cache_max)
