"""The CSMS -> station direction of one connection: commands queued in order, one CALL
outstanding at a time, each ending in exactly one ``CommandResult``.

Independent of the station -> CSMS direction (``connection.py``): OCPP lets the two cross,
so a station may send its own CALLs while it owes us an answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from websockets.exceptions import ConnectionClosed

from shared import commands, metrics, names, ocppj, schemas
from shared.command_versions import Wire, wire_form
from shared.envelope import Command, CommandResult
from shared.logs import bind
from shared.ocpp16_translation import Untranslatable
from shared.ocppj import CallError, CallResult
from shared.schemas import SchemaViolation

log = logging.getLogger("gateway.csms_calls")

Send = Callable[[str], Awaitable[None]]
Publish = Callable[[CommandResult, str | None], Awaitable[None]]


class CsmsCalls:
    def __init__(
        self,
        station: str,
        send: Send,
        publish: Publish,
        max_queued: int,
        ocpp_version: str = names.OCPP201,
    ) -> None:
        self.station = station
        self.ocpp_version = ocpp_version  # the connection's: commands must be in it
        self._send = send
        self._publish = publish
        self._queue: asyncio.Queue[tuple[Command, Wire, float]] = asyncio.Queue(max_queued)
        self._outstanding: tuple[Command, asyncio.Future[CallResult | CallError], float] | None
        self._outstanding = None

    async def submit(self, command: Command) -> None:
        """Queue the command in the connection's version (``command_versions``): one made
        for another version goes out translated, or ends ``other_version`` unsent."""
        try:
            wire = wire_form(
                command.action, command.payload, command.ocpp_version, self.ocpp_version
            )
        except Untranslatable as exc:
            description = f"The station speaks {self.ocpp_version}: {exc}"
            await self._finish(command, commands.OTHER_VERSION, error_description=description)
            return
        try:
            self._queue.put_nowait((command, wire, time.monotonic()))
        except asyncio.QueueFull:
            await self._finish(command, commands.BUSY, error_description="Too many commands queued")

    def on_answer(self, answer: CallResult | CallError) -> bool:
        """Match a station's CALLRESULT/CALLERROR to our outstanding CALL."""
        if self._outstanding is None or self._outstanding[0].command_id != answer.message_id:
            return False
        waiter = self._outstanding[1]
        if not waiter.done():
            waiter.set_result(answer)
        return True

    async def run(self) -> None:
        """Send queued commands one at a time until the connection closes; what is still
        owed then is reported by ``fail_pending``."""
        try:
            while True:
                command, wire, received = await self._queue.get()
                with bind(self.station, command.command_id):
                    await self._one(command, wire, received)
        except ConnectionClosed:
            return

    async def _one(self, command: Command, wire: Wire, received: float) -> None:
        remaining = command.timeout - (time.monotonic() - received)
        if remaining <= 0:
            await self._finish(command, commands.TIMEOUT, error_description="Expired in queue")
            return
        waiter: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
        sent_at = time.time()
        self._outstanding = (command, waiter, sent_at)
        try:
            await self._send(ocppj.call_frame(command.command_id, wire.action, wire.payload))
            log.info("sent command", extra={"action": command.action, "sent_as": wire.action})
            async with asyncio.timeout(remaining):
                answer = await waiter
        except ConnectionClosed:
            raise  # stop here: the outstanding command is reported by fail_pending()
        except TimeoutError:
            self._outstanding = None
            await self._finish(
                command,
                commands.TIMEOUT,
                sent_at=sent_at,
                error_description="Station did not answer in time",
            )
            return
        self._outstanding = None
        if isinstance(answer, CallError):
            await self._finish(
                command,
                commands.CALLERROR,
                sent_at=sent_at,
                error_code=answer.code,
                error_description=answer.description,
                error_details=answer.details,
            )
            return
        try:
            schemas.validate(wire.action, "Response", answer.payload, self.ocpp_version)
        except SchemaViolation as exc:
            await self._finish(
                command,
                commands.INVALID_RESPONSE,
                sent_at=sent_at,
                response=answer.payload,
                error_code=exc.code,
                error_description=exc.description,
                error_details={"path": exc.path},
            )
            return
        if command.ocpp_version == self.ocpp_version:
            response = answer.payload
        else:
            try:  # the answer as the command's maker reads it, in its version's schema
                response = wire.back(answer.payload)
                schemas.validate(command.action, "Response", response, command.ocpp_version)
            except (SchemaViolation, KeyError, ValueError) as exc:
                await self._finish(
                    command,
                    commands.INVALID_RESPONSE,
                    sent_at=sent_at,
                    response=answer.payload,
                    error_description=f"{wire.action} answer untranslatable: {exc}",
                )
                return
        await self._finish(command, commands.ANSWERED, sent_at=sent_at, response=response)

    async def fail_pending(self) -> None:
        """The station left: everything still owed ends as ``disconnected``, never hangs."""
        pending: list[tuple[Command, float | None]] = []
        if self._outstanding is not None:
            pending.append((self._outstanding[0], self._outstanding[2]))
            self._outstanding = None
        while not self._queue.empty():
            pending.append((self._queue.get_nowait()[0], None))  # (command, wire, received)
        for command, sent_at in pending:
            with bind(self.station, command.command_id):
                await self._finish(
                    command,
                    commands.DISCONNECTED,
                    sent_at=sent_at,
                    error_description="Station disconnected",
                )

    async def _finish(self, command: Command, status: str, **fields: object) -> None:
        result = commands.outcome(command, status, **fields)  # type: ignore[arg-type]
        metrics.COMMANDS.labels(command.action, status).inc()
        log.info(
            "command finished",
            extra={"action": command.action, "status": status, "error": result.error_code},
        )
        try:
            await self._publish(result, command.reply_to)
        except Exception as exc:
            log.error("could not publish command result", extra={"error": repr(exc)})
