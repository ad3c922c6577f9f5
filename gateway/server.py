"""Wires handshake, connections, registry and bus into a websockets server."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.typing import Subprotocol

from shared import commands, metrics, names, schemas
from shared.config import Settings, split_hostport
from shared.envelope import AuthRequest, AuthResult, Command, CredentialsChanged
from shared.logs import bind

from .bus import GatewayBus
from .connection import StationConnection
from .handshake import Handshake
from .logins import Logins
from .registry import Registry
from .tls import ProxyCertificates, server_context
from .versions import PROTOCOL_ERROR, choose, refusal

log = logging.getLogger("gateway")


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gateway_id = settings.gateway_id or f"{socket.gethostname()}-{os.getpid()}"
        self.bus = GatewayBus(settings.amqp_url, self.gateway_id)
        self.registry = Registry()
        self.bus.on_reply = self.registry.deliver
        self.bus.on_takeover = self.registry.take_over
        self.bus.on_command = self._on_command
        proxies = ProxyCertificates(settings) if settings.gateway_trusted_proxies else None
        self.handshake = Handshake(
            self._auth,
            settings.gateway_auth_cache_seconds,
            proxies,
            settings.gateway_max_pending_auth,
            Logins.from_settings(settings),
        )
        self.bus.on_credentials_changed = self._on_credentials_changed
        self.bus.on_broker_gap = self.handshake.forget_all
        self.servers: list[Server] = []

    async def _on_command(self, command: Command) -> None:
        conn = self.registry.get(command.station)
        if conn is not None:
            await conn.csms.submit(command)
            return
        # The binding outlived the connection (it is being released right now).
        result = commands.outcome(command, commands.OFFLINE, error_description="Station left")
        await self._quietly(self.bus.publish_command_result(result, command.reply_to))

    def _on_credentials_changed(self, notice: CredentialsChanged) -> None:
        self.handshake.forget(notice.station)
        self.registry.revoke(notice)

    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        # Part 4, 3.2: with no common subprotocol, complete the handshake without the header,
        # then close. Returning None does the first half; handle() does the second. The
        # handshake hook ran first and left the station's allowed versions on the connection.
        allowed = getattr(connection, "ocpp_versions", None)
        chosen = choose(offered, self.settings.ocpp_versions, allowed)
        return None if chosen is None else Subprotocol(chosen)

    async def _auth(self, request: AuthRequest) -> AuthResult:
        return await self.bus.auth(request, self.settings.gateway_auth_timeout)

    async def start(self) -> None:
        schemas.actions()
        await self.bus.start()
        tls = server_context(self.settings)
        listeners: list[tuple[str, ssl.SSLContext | None]] = [(self.settings.gateway_listen, None)]
        if tls is not None:
            listeners.append((self.settings.gateway_tls_listen, tls))
        for listen, context in listeners:
            host, port = split_hostport(listen)
            self.servers.append(
                await serve(self.handle, host, port, ssl=context, **self._serve_options())
            )
            log.info(
                "gateway listening",
                extra={"listen": listen, "tls": context is not None, "gatewayId": self.gateway_id},
            )

    def _serve_options(self) -> dict[str, Any]:
        extensions = []
        if self.settings.gateway_compression:
            # No context takeover either way: the zlib state exists only while a message is
            # being (de)compressed, so an idle station costs no compressor memory (measured:
            # 58 KiB per idle connection with takeover, see bench/RESULTS.md). OCPP messages
            # are small, so little ratio is lost.
            extensions.append(
                ServerPerMessageDeflateFactory(
                    server_no_context_takeover=True,
                    client_no_context_takeover=True,
                    server_max_window_bits=11,
                    client_max_window_bits=11,
                    compress_settings={"memLevel": 4},
                )
            )
        ping = self.settings.gateway_ping_interval or None
        return {
            "process_request": self.handshake,
            "select_subprotocol": self._select_subprotocol,
            "subprotocols": list(self.settings.ocpp_versions),
            "compression": None,
            "extensions": extensions,
            "max_size": self.settings.gateway_max_frame_bytes,
            "ping_interval": ping,
            "ping_timeout": ping,
            "server_header": None,
        }

    async def stop(self) -> None:
        """Drain: stop accepting, then ask stations to leave (1001) spread over
        GATEWAY_DRAIN_SECONDS, each once its in-flight CALL is answered, so they reconnect
        to other gateways gradually rather than in one storm."""
        for server in self.servers:
            server.close(close_connections=False)
        stations = self.registry.all()
        window = self.settings.gateway_drain_seconds
        log.info("draining", extra={"stations": len(stations), "seconds": window})
        started = asyncio.get_running_loop().time()

        async def leave(index: int, conn: StationConnection) -> None:
            slot = started + window * index / max(len(stations), 1)
            await asyncio.sleep(max(0.0, slot - asyncio.get_running_loop().time()))
            await conn.leave(
                "CSMS gateway shutting down; reconnect", self.settings.gateway_reply_timeout
            )

        await asyncio.gather(*(leave(i, c) for i, c in enumerate(stations)), return_exceptions=True)
        for server in self.servers:
            await server.wait_closed()
        await self.bus.close()
        log.info("drained")

    async def ready(self) -> dict[str, bool]:
        return {"rabbitmq": self.bus.connected, "listening": bool(self.servers)}

    async def handle(self, ws: ServerConnection) -> None:
        station: str = ws.station_id  # type: ignore[attr-defined]
        with bind(station):
            if ws.subprotocol is None:
                allowed = getattr(ws, "ocpp_versions", None)
                reason = refusal(self.settings.ocpp_versions, allowed)
                log.warning(
                    "closing: station offered no subprotocol it may use here",
                    extra={
                        "offered": ws.request.headers.get("Sec-WebSocket-Protocol")
                        if ws.request
                        else None,
                        "allowed": allowed,
                        "reason": reason,
                    },
                )
                await ws.close(PROTOCOL_ERROR, reason)
                return
            conn = StationConnection(ws, station, self.bus, self.settings, ws.subprotocol)
            conn.offered_profile = ws.offered_profile  # type: ignore[attr-defined]
            await self.registry.add(conn)
            metrics.CONNECTED_STATIONS.inc()
            remote = f"{ws.remote_address[0]}:{ws.remote_address[1]}" if ws.remote_address else ""
            try:
                await self.bus.claim(station, conn.connection_id)
                await self._event(
                    names.EVENT_STATION_CONNECTED,
                    station,
                    connection=conn.connection_id,
                    gateway=self.gateway_id,
                    remote=remote,
                    ocppVersion=conn.ocpp_version,
                )
                log.info(
                    "station connected",
                    extra={
                        "remote": remote,
                        "connection": conn.connection_id,
                        "ocppVersion": conn.ocpp_version,
                    },
                )
                await conn.serve()
            finally:
                metrics.CONNECTED_STATIONS.dec()
                if self.registry.remove(conn):
                    await self._quietly(self.bus.release(station))
                await self._event(
                    names.EVENT_STATION_DISCONNECTED,
                    station,
                    connection=conn.connection_id,
                    code=ws.close_code,
                    reason=ws.close_reason,
                )
                log.info(
                    "station disconnected", extra={"code": ws.close_code, "reason": ws.close_reason}
                )

    async def _event(self, event: str, station: str, **fields: Any) -> None:
        assert self.bus.events is not None
        await self._quietly(self.bus.events.publish(event, station, **fields))

    async def _quietly(self, awaitable: Any) -> None:
        try:
            await awaitable
        except Exception as exc:
            log.error("bus operation failed", extra={"error": repr(exc)})
