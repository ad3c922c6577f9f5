"""The worker process's bus side: consume, handle, store, reply, then ack.

An inbound message is acked only after its effects are stored and its reply is confirmed
by the broker. A crash anywhere before that leaves the message unacked, so RabbitMQ hands
it to another worker; handlers are idempotent, and the gateway forwards only the first
answer to a CALL, so the station sees one answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from cryptography import x509
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

import store
from shared import bus, commands, envelope, names, ocppj
from shared.commands import CommandClient
from shared.config import Settings
from shared.envelope import AuthRequest, CommandResult, Inbound, Reply
from shared.events import EventPublisher, utc_now
from shared.gateway_notices import GatewayNotices
from shared.logs import Limited, bind
from shared.metrics import AUTH_CHECKS_EXPIRED
from shared.ocppj import ErrorCode, MessageType
from shared.passwords import NO_KEY_WARNING, PasswordKeys
from shared.pki import Issuer
from store import commands as command_store
from store import stations
from store.errors import is_transient

from . import (
    cert_renewal,
    certificate_authority,
    contract_provider,
    local_list_sync,
    ocsp,
    presence,
    rpc,
    sites,
)
from .context import Context, VendorHandler
from .contract_provider import NoProvider, Provider
from .cost_sweep import CostSweep
from .dispatch import dispatch, dispatch_unconfirmed
from .last_seen import LastSeen
from .ocsp import OcspClient
from .outbox import Outbox
from .routing import result_routes_for
from .site_driver import SiteDriver

log = logging.getLogger("workers.consumer")
limited = Limited(log)  # what a station can make us log, capped per station and kind

RETRY_DELAY = 1.0
CLOCK_SKEW_SECONDS = 60.0
UNCONFIRMED = frozenset({MessageType.SEND, MessageType.CALLRESULTERROR})
"""OCPP 2.1's message types that are stored, never answered."""


async def _retry_later(message: AbstractIncomingMessage, exc: Exception, what: str) -> bool:
    """Give a message back to the queue after a pause when the store is busy or away (it
    will come back, to this worker or another); False for errors a retry will not cure."""
    if not is_transient(exc):
        return False
    log.error(
        f"store busy or unavailable; {what} will be retried", extra={"error": repr(exc)[:300]}
    )
    await asyncio.sleep(RETRY_DELAY)
    await message.nack(requeue=True)
    return True


class Worker:
    def __init__(self, settings: Settings, vendors: dict[str, VendorHandler] | None = None):
        self.settings = settings
        self.vendors = vendors or {}
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._mongo: AsyncMongoClient[Any] | None = None
        self.db: AsyncDatabase[Any] | None = None
        self.events: EventPublisher | None = None
        self.outbox: Outbox | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self.notices: GatewayNotices | None = None
        self.commands: CommandClient | None = None
        self.ca: Issuer | None = None
        self.contracts: Provider = NoProvider()
        self.ocsp = OcspClient(settings.ocsp_timeout, settings.ocsp_cache_max)
        self.v2g_ca: Issuer | None = None
        self.contract_roots: tuple[x509.Certificate, ...] = ()
        self.password_keys = PasswordKeys.from_settings(settings)
        self._consumers: list[tuple[Any, str]] = []
        self._in_flight = 0
        self.last_seen: LastSeen | None = None
        self._last_seen_task: asyncio.Task[None] | None = None
        self._site_sweep_task: asyncio.Task[None] | None = None
        self._renewal_task: asyncio.Task[None] | None = None
        self._cost_sweep_task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        self.ca = certificate_authority.load(self.settings)
        self.contracts = await contract_provider.from_settings(self.settings)
        self.ocsp = ocsp.from_settings(self.settings)
        self.v2g_ca = certificate_authority.load_v2g(self.settings)
        self.contract_roots = certificate_authority.load_contract_roots(self.settings)
        if not self.password_keys.configured:
            log.warning(NO_KEY_WARNING)
        self._mongo, self.db = await store.connect(self.settings)
        self.last_seen = LastSeen(self.db, self.settings.worker_last_seen_seconds)
        self._last_seen_task = asyncio.create_task(self.last_seen.run())
        self._connection = await bus.connect(self.settings.amqp_url)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=self.settings.worker_prefetch)
        await bus.declare_topology(self._channel)
        await bus.route_takeovers(self._channel)
        await bus.route_site_limits(self._channel)
        self.events = EventPublisher(await self._channel.get_exchange(names.EVENTS_EXCHANGE))
        self.outbox = Outbox(self.db, self.events, self.settings)
        self._outbox_task = asyncio.create_task(self.outbox.run())
        self.notices = await GatewayNotices.on(self._channel)
        self.commands = await CommandClient.start(self._connection)
        site_queue = sites.SiteQueue(
            self.db, SiteDriver(self.db, self.commands, self.outbox, self.settings), self.events
        )
        self._site_sweep_task = asyncio.create_task(
            sites.sweep_forever(self.db, self.events, self.settings.site_sweep_seconds)
        )
        renewals = cert_renewal.Renewals(self.db, self.commands, self.outbox, self.settings)
        self._renewal_task = asyncio.create_task(renewals.run())
        costs = CostSweep(self.db, self.commands, self.settings)
        self._cost_sweep_task = asyncio.create_task(costs.run())
        for name, handler in (
            (names.INBOUND_QUEUE, self._on_inbound),
            (names.RPC_QUEUE, self._on_rpc),
            (names.PRESENCE_QUEUE, self._on_presence),
            (names.SITES_QUEUE, site_queue.on_message),
        ):
            queue = await self._channel.get_queue(name)
            self._consumers.append((queue, await queue.consume(self._tracked(handler))))
        log.info(
            "worker consuming",
            extra={"queue": names.INBOUND_QUEUE, "prefetch": self.settings.worker_prefetch},
        )

    def _tracked(
        self, handler: Callable[[AbstractIncomingMessage], Awaitable[None]]
    ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
        """Count messages being handled, so stop() can wait for them."""

        async def run(message: AbstractIncomingMessage) -> None:
            self._in_flight += 1
            self._idle.clear()
            try:
                await handler(message)
            finally:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

        return run

    async def ready(self) -> dict[str, bool]:
        mongo = self._mongo is not None and await store.reachable(self._mongo)
        rabbit = self._connection is not None and not self._connection.is_closed
        return {"rabbitmq": rabbit, "mongodb": mongo}

    async def stop(self, drain_timeout: float = 30.0) -> None:
        """Stop consuming, finish and ack what is held, then close: nothing is redelivered."""
        for queue, tag in self._consumers:
            try:
                await queue.cancel(tag)
            except Exception as exc:
                log.warning("could not cancel consumer", extra={"error": repr(exc)})
        held = self._in_flight
        try:
            async with asyncio.timeout(drain_timeout):
                await self._idle.wait()
        except TimeoutError:
            log.error(
                "stopping with messages still in hand; they will be redelivered",
                extra={"inFlight": self._in_flight},
            )
        log.info("worker drained", extra={"finished": held})
        if self._last_seen_task is not None and self.last_seen is not None:
            self._last_seen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._last_seen_task
            await self.last_seen.flush(everything=True)
        for task in (self._site_sweep_task, self._renewal_task, self._cost_sweep_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outbox_task
        if self._channel is not None:
            await self._channel.close()
        if self._connection is not None:
            await self._connection.close()
        if self._mongo is not None:
            await self._mongo.close()
        await self.contracts.close()
        await self.ocsp.close()

    async def _on_inbound(self, message: AbstractIncomingMessage) -> None:
        if message.type == names.TYPE_COMMAND_RESULT:
            await self._on_command_result(message)
            return
        try:
            item = envelope.unpack(Inbound, message.body)
        except envelope.EnvelopeError:
            log.exception("rejected an undecodable inbound message")
            await message.reject(requeue=False)
            return
        with bind(item.station, item.message_id):
            if message.redelivered:
                log.info(
                    "redelivered message (a worker died or gave it back)",
                    extra={"action": item.action},
                )
            if item.message_type in UNCONFIRMED:
                await self._on_unconfirmed(message, item)
                return
            if item.message_type != MessageType.CALL:
                log.warning("dropped a non-CALL inbound frame", extra={"type": item.message_type})
                await message.ack()
                return
            ctx: Context | None = None
            started_at = time.time()
            try:
                ctx = await self._context(
                    item.station, item.message_id, item.action or "", item.boot, item.ocpp_version
                )
                frame = await dispatch(ctx, item.frame)
                if item.boot == "" and item.action != "BootNotification":
                    local_list_sync.on_resumed_connection(ctx)
            except Exception as exc:
                if await _retry_later(message, exc, "message"):
                    return
                limited.exception("handler failed", action=item.action)
                frame = ocppj.error_frame(
                    item.message_id,
                    ErrorCode.INTERNAL_ERROR,
                    "CSMS failed to process the message",
                    version=item.ocpp_version,
                )
            try:
                await self._reply(item, frame, started_at, ctx.boot_status if ctx else "")
            except Exception as exc:
                log.error(
                    "could not publish reply; message will be retried", extra={"error": repr(exc)}
                )
                await message.nack(requeue=True)
                return
            await message.ack()
            for work in ctx.after_reply if ctx else ():
                try:
                    await work()
                except Exception:
                    limited.exception("follow-up work after the reply failed")

    async def _on_unconfirmed(self, message: AbstractIncomingMessage, item: Inbound) -> None:
        """A 2.1 SEND or CALLRESULTERROR: stored, never answered; acked once stored, so a
        worker that dies first leaves it to another."""
        try:
            ctx = await self._context(
                item.station, item.message_id, item.action or "", item.boot, item.ocpp_version
            )
            await dispatch_unconfirmed(ctx, item.frame)
        except Exception as exc:
            if await _retry_later(message, exc, "unconfirmed message"):
                return
            limited.exception("handler failed on an unconfirmed message", action=item.action)
        await message.ack()

    async def _context(
        self,
        station: str,
        message_id: str,
        action: str,
        boot: str = "",
        ocpp_version: str = names.OCPP201,
    ) -> Context:
        assert self.db is not None and self.outbox is not None
        doc = await self._station(station, action, boot)
        return Context(
            station=station,
            message_id=message_id,
            action=action,
            db=self.db,
            settings=self.settings,
            events=self.outbox,
            station_doc=doc,
            vendors=self.vendors,
            commands=self.commands,
            ca=self.ca,
            contracts=self.contracts,
            ocsp=self.ocsp,
            v2g_ca=self.v2g_ca,
            contract_roots=self.contract_roots,
            boot_status=str(((doc or {}).get(names.STATE_BOOT) or {}).get("status") or ""),
            ocpp_version=ocpp_version,
        )

    async def _station(self, station: str, action: str, boot: str) -> dict[str, Any] | None:
        """The station's boot state (for the boot gate and handlers); notes that it was
        heard from, written later in a batch (``last_seen``).

        ``boot`` is what this connection's previous answer said (``Inbound.boot``): while
        it is Accepted the boot gate lets everything through, so the store is not asked,
        which spares one read per message."""
        assert self.db is not None and self.last_seen is not None
        if boot == names.BOOT_ACCEPTED and action != "BootNotification":
            doc: dict[str, Any] | None = {"_id": station, names.STATE_BOOT: {"status": boot}}
        else:
            doc = await stations.for_message(self.db, station, action)
        if doc is not None:
            self.last_seen.note(station, utc_now())
        return doc

    async def _on_command_result(self, message: AbstractIncomingMessage) -> None:
        """Record how a command ended, apply what the station's answer implies, announce it."""
        assert self.db is not None and self.outbox is not None
        try:
            result = envelope.unpack(CommandResult, message.body)
        except envelope.EnvelopeError:
            log.exception("rejected an undecodable command result")
            await message.reject(requeue=False)
            return
        with bind(result.station, result.command_id):
            try:
                await command_store.record_result(self.db, result)
                try:
                    await self._apply_result(result)
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    limited.exception("applying a command result failed", action=result.action)
                await command_store.record_status(self.db, result)
            except Exception as exc:
                if await _retry_later(message, exc, "result"):
                    return
                limited.exception("recording a command result failed", action=result.action)
            try:  # confirmed or parked before the ack (workers/outbox.py)
                await self.outbox.publish(
                    names.EVENT_COMMAND_COMPLETED,
                    result.station,
                    result.command_id,
                    {
                        "commandId": result.command_id,
                        "action": result.action,
                        "status": result.status,
                        "response": result.response,
                        "errorCode": result.error_code,
                        "errorDescription": result.error_description,
                    },
                )
            except Exception as exc:  # neither confirmed nor parked: the store is away too
                log.error("could not publish command.completed", extra={"error": repr(exc)})
            log.info("command recorded", extra={"action": result.action, "status": result.status})
            await message.ack()

    async def _apply_result(self, result: CommandResult) -> None:
        """What the station's answer implies (device model, network profiles, links), read
        in the command's version: 1.6 and 2.0.1 share action names with other payloads."""
        apply = result_routes_for(result.ocpp_version).get(result.action)
        if result.status == commands.ANSWERED and apply and result.response is not None:
            ctx = await self._context(
                result.station,
                result.command_id,
                result.action,
                ocpp_version=result.ocpp_version,
            )
            await apply(ctx, result.request, result.response)

    async def _reply(self, item: Inbound, frame: str, started_at: float, boot: str) -> None:
        assert self._channel is not None
        answer = Reply(item.station, item.message_id, frame, started_at, time.time(), boot)
        reply = aio_pika.Message(
            envelope.pack(answer),
            content_type=envelope.CONTENT_TYPE,
            type=names.TYPE_REPLY,
            correlation_id=item.message_id,
        )
        # Not mandatory: a gateway that went away has no station to answer.
        await self._channel.default_exchange.publish(
            reply, routing_key=item.gateway, mandatory=False
        )

    async def _on_rpc(self, message: AbstractIncomingMessage) -> None:
        assert self.db is not None and self._channel is not None
        async with message.process(requeue=False, ignore_processed=True):
            if message.type != names.TYPE_AUTH or not message.reply_to:
                log.warning("dropped an RPC of unknown type", extra={"type": message.type})
                return
            request = envelope.unpack(AuthRequest, message.body)
            with bind(request.station):
                try:
                    result = await rpc.authenticate(
                        self.db, request, self.events, self.password_keys, self.notices
                    )
                except rpc.Expired:
                    AUTH_CHECKS_EXPIRED.inc()
                    late = time.time() - request.deadline
                    # The broker drops a check left queued past its deadline (expiration),
                    # so one that arrives minutes late means this host's clock runs ahead.
                    skewed = late > CLOCK_SKEW_SECONDS
                    log.log(
                        logging.WARNING if skewed else logging.INFO,
                        "auth check dropped: the gateway had stopped waiting"
                        + (" (is this host's clock ahead of the gateway's?)" if skewed else ""),
                        extra={"lateSeconds": round(late, 3)},
                    )
                    return
            await self._channel.default_exchange.publish(
                aio_pika.Message(
                    envelope.pack(result),
                    content_type=envelope.CONTENT_TYPE,
                    type=names.TYPE_AUTH_RESULT,
                    correlation_id=message.correlation_id,
                ),
                routing_key=message.reply_to,
                mandatory=False,
            )

    async def _on_presence(self, message: AbstractIncomingMessage) -> None:
        assert self.db is not None
        try:
            await presence.apply(self.db, message.routing_key or "", message.body)
        except Exception as exc:
            if await _retry_later(message, exc, "presence"):
                return
            log.exception("dropped a presence event that could not be applied")
        await message.ack()
