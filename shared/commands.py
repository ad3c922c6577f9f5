"""Send CSMS-initiated OCPP calls to any station, from any service, over the bus.

Usage (any asyncio service with a RabbitMQ connection)::

    client = await CommandClient.start(connection)
    result = await client.send("CS001", "Reset", {"type": "Immediate"}, timeout=30)
    if result.status == ANSWERED:
        print(result.response)          # the station's ResetResponse payload

The command is published to the ``ocpp.station`` exchange with routing key = station id and
``mandatory`` set, so a station that no gateway holds fails at once with ``offline``. The
gateway holding the station sends the CALL when no other CSMS call is outstanding, and
publishes the ``CommandResult`` to this client's private queue and to ``ocpp.inbound``, where
workers record it in the ``commands`` collection, apply its effects and publish
``command.completed.<station>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from shared import envelope, names, schemas
from shared.envelope import Command, CommandResult

log = logging.getLogger("commands")

ANSWERED = "answered"  # the station answered with a valid CALLRESULT
CALLERROR = "callerror"  # the station answered with a CALLERROR
INVALID_RESPONSE = "invalid_response"  # the CALLRESULT violates the response schema
TIMEOUT = "timeout"  # no answer within the command's timeout
OFFLINE = "offline"  # no gateway holds the station
DISCONNECTED = "disconnected"  # the station went away before answering
BUSY = "busy"  # too many commands already queued for this station
OTHER_VERSION = "other_version"  # the station's connection speaks another OCPP version
PENDING = "pending"  # sent, no outcome yet (only ever stored, never a result)
STATUSES = (
    ANSWERED, CALLERROR, INVALID_RESPONSE, TIMEOUT, OFFLINE, DISCONNECTED, BUSY, OTHER_VERSION
)  # fmt: skip

RESULT_MARGIN = 5.0
"""Extra seconds the client waits beyond the command's timeout for the gateway's verdict."""


SECRET_VARIABLES = frozenset({("SecurityCtrlr", "BasicAuthPassword")})
SECRET_KEYS_16 = frozenset({"AuthorizationKey"})  # OCPP 1.6: the station's password
REDACTED = "***"


def redact(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it may be stored or logged: station passwords never are (2.0.1's
    BasicAuthPassword, 1.6's AuthorizationKey)."""
    if action == "ChangeConfiguration" and payload.get("key") in SECRET_KEYS_16:
        return {**payload, "value": REDACTED}
    if action != "SetVariables":
        return payload
    data = [
        {**item, "attributeValue": REDACTED}
        if (item["component"]["name"], item["variable"]["name"]) in SECRET_VARIABLES
        else item
        for item in payload.get("setVariableData", [])
    ]
    return {**payload, "setVariableData": data}


def new_command_id() -> str:
    """32 hex characters: a valid OCPP message id (at most 36)."""
    return uuid.uuid4().hex


def outcome(
    command: Command, status: str, *, sent_at: float | None = None, **fields: Any
) -> CommandResult:
    return CommandResult(
        command_id=command.command_id,
        station=command.station,
        action=command.action,
        status=status,
        request=command.payload,
        sent_at=sent_at,
        completed_at=time.time(),
        ocpp_version=command.ocpp_version,
        **fields,
    )


async def publish_result(
    channel: AbstractChannel, result: CommandResult, reply_to: str | None
) -> None:
    """Deliver a result to the waiting client (if any) and to the workers for the record."""
    body = envelope.pack(result)
    if reply_to:
        await channel.default_exchange.publish(
            aio_pika.Message(
                body,
                content_type=envelope.CONTENT_TYPE,
                type=names.TYPE_COMMAND_RESULT,
                correlation_id=result.command_id,
            ),
            routing_key=reply_to,
            mandatory=False,
        )
    await channel.default_exchange.publish(
        aio_pika.Message(
            body,
            content_type=envelope.CONTENT_TYPE,
            type=names.TYPE_COMMAND_RESULT,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=result.command_id,
        ),
        routing_key=names.INBOUND_QUEUE,
    )


class CommandClient:
    def __init__(
        self,
        channel: AbstractChannel,
        stations: AbstractExchange,
        queue_name: str,
        *,
        record_offline: bool = True,
    ) -> None:
        self._channel = channel
        self._stations = stations
        self.queue_name = queue_name
        self._record_offline = record_offline
        self._waiters: dict[str, asyncio.Future[CommandResult]] = {}

    @classmethod
    async def start(
        cls, connection: AbstractRobustConnection, *, record_offline: bool = True
    ) -> CommandClient:
        """Open a channel and this client's reply queue.

        ``record_offline``: also publish an ``offline`` result to ``ocpp.inbound`` for the
        command record, through the default exchange. A service whose RabbitMQ user may
        write to ``ocpp.station`` only (the command sender of deploy/README.md) passes
        False: the broker would refuse that publish and close the channel.
        """
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        queue = await channel.declare_queue(
            f"{names.COMMAND_QUEUE_PREFIX}{uuid.uuid4().hex[:12]}", exclusive=True, auto_delete=True
        )
        stations = await channel.get_exchange(names.STATION_EXCHANGE, ensure=False)
        client = cls(channel, stations, queue.name, record_offline=record_offline)
        await queue.consume(client._on_result, no_ack=True)
        return client

    async def send(
        self,
        station: str,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - travels with the command to the gateway
        wait: bool = True,
        command_id: str | None = None,
        version: str = names.OCPP201,
    ) -> CommandResult | None:
        """Send one command in ``version``; with ``wait`` return its outcome, else None once
        it is queued. The station's gateway refuses it (``OTHER_VERSION``) if the station's
        connection speaks another version.

        Raises:
            SchemaViolation: the payload is not a valid request for ``action``; nothing sent.
        """
        schemas.validate(action, "Request", payload, version)
        command = Command(
            command_id=command_id or new_command_id(),
            station=station,
            action=action,
            payload=payload,
            timeout=timeout,
            reply_to=self.queue_name if wait else None,
            created_at=time.time(),
            ocpp_version=version,
        )
        waiter: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        if wait:
            self._waiters[command.command_id] = waiter
        try:
            try:
                await self._stations.publish(
                    aio_pika.Message(
                        envelope.pack(command),
                        content_type=envelope.CONTENT_TYPE,
                        type=names.TYPE_COMMAND,
                        message_id=command.command_id,
                    ),
                    routing_key=station,
                    mandatory=True,
                )
            except aio_pika.exceptions.DeliveryError:
                result = outcome(command, OFFLINE, error_description="Station is not connected")
                if self._record_offline:
                    await publish_result(self._channel, result, None)
                return result
            if not wait:
                return None
            try:
                async with asyncio.timeout(timeout + RESULT_MARGIN):
                    return await waiter
            except TimeoutError:
                log.error(
                    "no verdict from the station's gateway",
                    extra={"station": station, "messageId": command.command_id},
                )
                return outcome(command, TIMEOUT, error_description="No result from the gateway")
        finally:
            self._waiters.pop(command.command_id, None)

    async def _on_result(self, message: AbstractIncomingMessage) -> None:
        try:
            result = envelope.unpack(CommandResult, message.body)
        except envelope.EnvelopeError:
            log.exception("dropped an undecodable command result")
            return
        waiter = self._waiters.get(result.command_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(result)
