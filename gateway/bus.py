"""The gateway's side of RabbitMQ: publish station frames, receive replies and commands.

Each gateway owns one exclusive queue, ``gateway.<id>``. Workers send answers there (the
envelope names the station and message id); other gateways send ``takeover`` notices
through the ``ocpp.station`` exchange when a station reconnects elsewhere. The queue is also
bound to the ``ocpp.gateways`` fanout exchange, which carries ``credentials.changed``
notices to every gateway at once. Notices sent while the gateway is cut off from the broker
are lost with its exclusive queue, so ``on_broker_gap`` runs when the connection drops and
again when it is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from shared import bus, envelope, names
from shared.commands import publish_result
from shared.envelope import (
    AuthRequest,
    AuthResult,
    Command,
    CommandResult,
    CredentialsChanged,
    Inbound,
    Reply,
)
from shared.events import EventPublisher
from shared.logs import Limited

log = logging.getLogger("gateway.bus")
_forged = Limited(log)

DEFAULT_EXCHANGE = ""  # how a delivery names the default exchange (permissions: amq.default)
# The exchange RabbitMQ must have delivered each kind of message from (the one it was first
# published to): commands only from ocpp.station, which gateways may not publish to, so
# neither a gateway's credentials nor the default exchange can make a gateway send one.
SOURCES = {
    names.TYPE_REPLY: DEFAULT_EXCHANGE,
    names.TYPE_AUTH_RESULT: DEFAULT_EXCHANGE,
    names.TYPE_COMMAND: names.STATION_EXCHANGE,
    names.TYPE_TAKEOVER: names.TAKEOVER_EXCHANGE,
    names.TYPE_CREDENTIALS_CHANGED: names.GATEWAYS_EXCHANGE,
}

ReplyHandler = Callable[[Reply], None]
TakeoverHandler = Callable[[str, str], Awaitable[None]]
CommandHandler = Callable[[Command], Awaitable[None]]
CredentialsHandler = Callable[[CredentialsChanged], None]


class GatewayBus:
    def __init__(self, url: str, gateway_id: str) -> None:
        self.url = url
        self.gateway_id = gateway_id
        self.queue_name = names.gateway_queue(gateway_id)
        self.on_reply: ReplyHandler = lambda reply: None
        self.on_takeover: TakeoverHandler | None = None
        self.on_command: CommandHandler | None = None
        self.on_credentials_changed: CredentialsHandler = lambda notice: None
        self.on_broker_gap: Callable[[], None] = lambda: None
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._stations: AbstractExchange | None = None
        self._takeovers: AbstractExchange | None = None
        self.events: EventPublisher | None = None
        self._auth_waiters: dict[str, asyncio.Future[AuthResult]] = {}

    async def start(self) -> None:
        self._connection = await bus.connect(self.url)
        self._connection.close_callbacks.add(lambda *_: self.on_broker_gap())
        self._connection.reconnect_callbacks.add(lambda *_: self.on_broker_gap())
        # on_return_raises: an unroutable inbound frame fails at once (InternalError to the
        # station) instead of waiting for a reply that cannot come.
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        await bus.declare_topology(self._channel)
        self._stations = await self._channel.get_exchange(names.STATION_EXCHANGE)
        self._takeovers = await self._channel.get_exchange(names.TAKEOVER_EXCHANGE)
        self.events = EventPublisher(await self._channel.get_exchange(names.EVENTS_EXCHANGE))
        self._queue = await self._channel.declare_queue(
            self.queue_name, exclusive=True, auto_delete=True
        )
        await self._queue.bind(names.GATEWAYS_EXCHANGE)
        await self._queue.consume(self._on_message, no_ack=True)
        log.info("gateway queue ready", extra={"queue": self.queue_name})

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    @property
    def channel(self) -> AbstractChannel:
        assert self._channel is not None, "GatewayBus.start() first"
        return self._channel

    async def publish_inbound(self, item: Inbound) -> None:
        """Publish one station frame and wait for the broker's confirm.

        Raises on a lost connection, an unroutable message or a nack; the caller then
        answers the station with InternalError instead of leaving it waiting.
        """
        message = aio_pika.Message(
            envelope.pack(item),
            content_type=envelope.CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=names.TYPE_INBOUND,
            message_id=item.message_id,
        )
        await self.channel.default_exchange.publish(
            message, routing_key=names.INBOUND_QUEUE, mandatory=True
        )

    async def publish_command_result(self, result: CommandResult, reply_to: str | None) -> None:
        await publish_result(self.channel, result, reply_to)

    async def auth(self, request: AuthRequest, wait: float) -> AuthResult:
        correlation = uuid.uuid4().hex
        waiter: asyncio.Future[AuthResult] = asyncio.get_running_loop().create_future()
        self._auth_waiters[correlation] = waiter
        try:
            message = aio_pika.Message(
                envelope.pack(replace(request, deadline=time.time() + wait)),
                content_type=envelope.CONTENT_TYPE,
                type=names.TYPE_AUTH,
                correlation_id=correlation,
                reply_to=self.queue_name,
                expiration=wait,
            )
            async with asyncio.timeout(wait):
                await self.channel.default_exchange.publish(message, routing_key=names.RPC_QUEUE)
                return await waiter
        finally:
            self._auth_waiters.pop(correlation, None)

    async def claim(self, station: str, connection_id: str) -> None:
        """Tell any other gateway holding this station to drop it, then route it here."""
        assert self._stations is not None and self._takeovers is not None
        assert self._queue is not None
        notice = aio_pika.Message(
            connection_id.encode(), type=names.TYPE_TAKEOVER, headers={"station": station}
        )
        await self._takeovers.publish(notice, routing_key=station, mandatory=False)
        await self._queue.bind(self._stations, routing_key=station)

    async def release(self, station: str) -> None:
        assert self._stations is not None and self._queue is not None
        await self._queue.unbind(self._stations, routing_key=station)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        expected = SOURCES.get(message.type or "")
        if expected is not None and message.exchange != expected:
            # Whoever may publish there could forge it; only its own exchange is trusted.
            _forged.warning(
                "dropped a message from an exchange that may not send it",
                type=message.type,
                exchange=message.exchange,
                expected=expected,
            )
            return
        try:
            if message.type == names.TYPE_REPLY:
                self.on_reply(envelope.unpack(Reply, message.body))
            elif message.type == names.TYPE_AUTH_RESULT:
                waiter = self._auth_waiters.get(message.correlation_id or "")
                if waiter is not None and not waiter.done():
                    waiter.set_result(envelope.unpack(AuthResult, message.body))
            elif message.type == names.TYPE_COMMAND:
                if self.on_command is not None:
                    await self.on_command(envelope.unpack(Command, message.body))
            elif message.type == names.TYPE_CREDENTIALS_CHANGED:
                self.on_credentials_changed(envelope.unpack(CredentialsChanged, message.body))
            elif message.type == names.TYPE_TAKEOVER:
                station = str((message.headers or {}).get("station", ""))
                if self.on_takeover is not None:
                    await self.on_takeover(station, message.body.decode())
            else:
                log.warning("dropped a message of unknown type", extra={"type": message.type})
        except envelope.EnvelopeError:
            log.exception("dropped an undecodable message", extra={"type": message.type})
