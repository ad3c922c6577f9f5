"""One station's websocket: OCPP-J framing in, bus out, one CALL in flight from the station.

Holding the next CALL until the previous one is answered gives per-station ordering even
with competing workers. Answers to the CSMS's own CALLs (CALLRESULT/CALLERROR) are not held
back: OCPP lets the two directions cross.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from shared import metrics, names, ocppj, schemas
from shared.config import Settings
from shared.envelope import Inbound, Reply
from shared.logs import Limited, bind
from shared.ocppj import Call, CallResultError, ErrorCode, FrameError, Send
from shared.ratelimit import FrameRate, Verdict

from .bus import GatewayBus
from .csms_calls import CsmsCalls

log = logging.getLogger("gateway.connection")
# RFC 6455, 7.4.1: 1008, a message that violates the endpoint's policy. OCPP-J names none.
POLICY_VIOLATION = 1008
limited = Limited(log)  # what a station can make us log, capped per station and kind


@dataclass(slots=True)
class _QueuedCall:
    call: Call
    text: str
    received_at: float


class StationConnection:
    def __init__(
        self,
        ws: ServerConnection,
        station: str,
        bus: GatewayBus,
        settings: Settings,
        ocpp_version: str = names.OCPP201,
    ) -> None:
        self.ws = ws
        self.station = station
        # The subprotocol the handshake chose (names.OCPP_VERSIONS); every frame is
        # forwarded with it, and the workers read the frame by it.
        self.ocpp_version = ocpp_version
        # The actions a CALL is checked against before it is forwarded: its version's schemas.
        self._actions = schemas.actions(ocpp_version)
        self._unconfirmed = schemas.unconfirmed(ocpp_version)
        self.connection_id = uuid.uuid4().hex
        self._bus = bus
        self._settings = settings
        self._calls: asyncio.Queue[_QueuedCall] = asyncio.Queue(settings.gateway_max_queued_calls)
        self._in_flight: tuple[str, asyncio.Future[Reply]] | None = None
        self._queued_ids: set[str] = set()
        self._boot = ""  # what the last answer said of the boot; opaque here (Reply.boot)
        self._rate = FrameRate(
            settings.gateway_frame_rate,
            settings.gateway_frame_burst,
            settings.gateway_frame_close_after,
            time.monotonic(),
        )
        self._closing = False
        self.offered_profile = 1  # the security profile its handshake offered
        self.csms = CsmsCalls(
            station,
            ws.send,
            bus.publish_command_result,
            settings.gateway_max_queued_commands,
            ocpp_version,
        )

    # -- called by the bus --------------------------------------------------------------
    def deliver(self, reply: Reply) -> bool:
        """Hand a worker's answer to the waiting CALL; False if nobody waits for it.

        A redelivered inbound message can be answered twice; only the first answer
        reaches the station.
        """
        if self._in_flight is None or self._in_flight[0] != reply.message_id:
            return False
        waiter = self._in_flight[1]
        if waiter.done():
            return False
        waiter.set_result(reply)
        return True

    async def leave(self, reason: str, wait_for_calls: float) -> None:
        """Ask the station to go away (1001) once the CALL it has in flight is answered."""
        try:
            async with asyncio.timeout(wait_for_calls):
                await self._calls.join()
        except TimeoutError:
            log.warning("leaving with a CALL still unanswered", extra={"station": self.station})
        await self.ws.close(1001, reason)

    # -- the connection's life ----------------------------------------------------------
    async def serve(self) -> None:
        pump = asyncio.create_task(self._pump_calls(), name=f"calls:{self.station}")
        commands = asyncio.create_task(self.csms.run(), name=f"commands:{self.station}")
        try:
            async for data in self.ws:
                await self._on_frame(data)
        except ConnectionClosed:
            pass
        finally:
            pump.cancel()
            commands.cancel()
            if self._in_flight and not self._in_flight[1].done():
                self._in_flight[1].cancel()
            await self.csms.fail_pending()

    async def _on_frame(self, data: str | bytes) -> None:
        if self._closing:
            return
        verdict = self._rate.admit(time.monotonic())
        if verdict is not Verdict.PASS:
            await self._over_rate(data, verdict)
            return
        received_at = time.time()
        try:
            message = ocppj.parse(data, self.ocpp_version)
        except FrameError as exc:
            with bind(self.station, exc.message_id):
                limited.warning(
                    "invalid frame", code=exc.code, detail=exc.description, frame=_preview(data)
                )
                if exc.answerable:
                    await self._send(exc.to_frame())
            return
        text = data if isinstance(data, str) else data.decode()
        if isinstance(message, CallResultError | Send):
            with bind(self.station, message.message_id):
                await self._forward_unconfirmed(message, text, received_at)
            return
        metrics.FRAMES_IN.labels(_action_label(message, self._actions)).inc()
        with bind(self.station, message.message_id):
            if isinstance(message, Call):
                await self._accept_call(message, text, received_at)
            elif not self.csms.on_answer(message):
                limited.warning("dropped an answer to no outstanding CSMS call (late or unknown)")

    async def _forward_unconfirmed(
        self, message: CallResultError | Send, text: str, received_at: float
    ) -> None:
        """OCPP 2.1's SEND and CALLRESULTERROR go to the workers, which store them; nothing
        is answered, so a SEND of an action no station sends unconfirmed is only logged."""
        if isinstance(message, Send):
            if message.action not in self._unconfirmed:
                metrics.FRAMES_IN.labels("unknown").inc()
                limited.warning(
                    "SEND of an unknown action, not forwarded", action=message.action[:64]
                )
                return
            metrics.FRAMES_IN.labels(message.action).inc()
            kind, action = ocppj.MessageType.SEND, message.action
        else:
            metrics.FRAMES_IN.labels("callresulterror").inc()
            kind, action = ocppj.MessageType.CALLRESULTERROR, None
        try:
            await self._bus.publish_inbound(
                self._envelope(kind, message.message_id, action, text, received_at)
            )
        except Exception as exc:
            # Unconfirmed: the station will not resend it, and there is no one to tell.
            log.error(
                "could not forward an unconfirmed message to the bus", extra={"error": repr(exc)}
            )

    async def _over_rate(self, data: str | bytes, verdict: Verdict) -> None:
        """A frame beyond GATEWAY_FRAME_RATE: never forwarded nor matched to a CSMS call. A
        CALL gets RpcFrameworkError; past GATEWAY_FRAME_CLOSE_AFTER the connection closes."""
        metrics.FRAMES_LIMITED.labels(verdict.value).inc()
        rate = self._settings.gateway_frame_rate
        if verdict is Verdict.CLOSE:
            self._closing = True
            reason = f"Frame rate limit exceeded ({rate:g}/s); slow down before reconnecting"
            with bind(self.station):
                log.warning(
                    "closing: frame rate limit exceeded",
                    extra={"code": POLICY_VIOLATION, "reason": reason},
                )
            await self.ws.close(POLICY_VIOLATION, reason)
            return
        message_id = _answerable_id(data)
        with bind(self.station, message_id):
            limited.warning("frame over the rate limit, not forwarded", rate=rate)
            if message_id is not None:
                await self._send(
                    ocppj.error_frame(
                        message_id,
                        ErrorCode.RPC_FRAMEWORK_ERROR,
                        f"Frame rate limit exceeded ({rate:g}/s): not processed, slow down",
                        version=self.ocpp_version,
                    )
                )

    async def _accept_call(self, call: Call, text: str, received_at: float) -> None:
        if call.action not in self._actions:
            limited.warning("unknown action", action=call.action[:64])
            await self._send(
                ocppj.error_frame(
                    call.message_id,
                    ErrorCode.NOT_IMPLEMENTED,
                    f"Unknown action {call.action!r}",
                    version=self.ocpp_version,
                )
            )
            return
        busy = (self._in_flight and self._in_flight[0] == call.message_id) or (
            call.message_id in self._queued_ids
        )
        if busy:
            await self._send(
                ocppj.error_frame(
                    call.message_id,
                    ErrorCode.RPC_FRAMEWORK_ERROR,
                    "A CALL with this message id is already being handled",
                    version=self.ocpp_version,
                )
            )
            return
        try:
            self._calls.put_nowait(_QueuedCall(call, text, received_at))
            self._queued_ids.add(call.message_id)
        except asyncio.QueueFull:
            limited.warning("too many CALLs outstanding", action=call.action)
            await self._send(
                ocppj.error_frame(
                    call.message_id,
                    ErrorCode.RPC_FRAMEWORK_ERROR,
                    "Too many CALLs outstanding: wait for each answer before the next CALL",
                    version=self.ocpp_version,
                )
            )

    async def _pump_calls(self) -> None:
        while True:
            queued = await self._calls.get()
            self._queued_ids.discard(queued.call.message_id)
            with bind(self.station, queued.call.message_id):
                try:
                    answer = await self._round_trip(queued)
                    await self._send(answer)
                finally:
                    self._calls.task_done()

    async def _round_trip(self, queued: _QueuedCall) -> str:
        call = queued.call
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._in_flight = (call.message_id, waiter)
        publishing = time.time()
        try:
            await self._bus.publish_inbound(
                self._envelope(
                    ocppj.MessageType.CALL,
                    call.message_id,
                    call.action,
                    queued.text,
                    queued.received_at,
                )
            )
            published = time.time()
            metrics.PUBLISH.observe(published - publishing)
        except Exception as exc:
            log.error(
                "could not forward CALL to the bus",
                extra={"action": call.action, "error": repr(exc)},
            )
            self._in_flight = None
            return ocppj.error_frame(
                call.message_id,
                ErrorCode.INTERNAL_ERROR,
                "CSMS could not accept the message, retry later",
                version=self.ocpp_version,
            )
        try:
            async with asyncio.timeout(self._settings.gateway_reply_timeout):
                reply = await waiter
        except TimeoutError:
            log.error("no answer from workers in time", extra={"action": call.action})
            return ocppj.error_frame(
                call.message_id,
                ErrorCode.INTERNAL_ERROR,
                "CSMS did not answer in time",
                version=self.ocpp_version,
            )
        finally:
            self._in_flight = None
        if reply.boot:
            self._boot = reply.boot
        metrics.ROUND_TRIP.labels(call.action).observe(time.time() - queued.received_at)
        _record_hops(queued.received_at, publishing, published, reply)
        log.debug(
            "answered",
            extra={
                "action": call.action,
                "ms": round((time.time() - queued.received_at) * 1000, 2),
            },
        )
        return reply.frame

    def _envelope(
        self,
        kind: ocppj.MessageType,
        message_id: str,
        action: str | None,
        text: str,
        received_at: float,
    ) -> Inbound:
        """A frame for the workers, with what they need to know of this connection."""
        return Inbound(
            self.station,
            self._bus.queue_name,
            self.connection_id,
            kind,
            message_id,
            action,
            text,
            received_at,
            self._boot,
            self.ocpp_version,
        )

    async def _send(self, frame: str) -> None:
        if frame.startswith("[4"):
            error = ocppj.parse(frame, self.ocpp_version)
            metrics.CALL_ERRORS.labels(getattr(error, "code", "")).inc()
        metrics.FRAMES_OUT.labels("error" if frame.startswith("[4") else "answer").inc()
        try:
            await self.ws.send(frame)
        except ConnectionClosed:
            log.info("station left before its answer was sent")


def _answerable_id(data: str | bytes) -> str | None:
    """The message id to answer a refused frame with; None for answers (never answered)."""
    try:
        message = ocppj.parse(data)
    except FrameError as exc:
        return exc.message_id if exc.answerable else None
    return message.message_id if isinstance(message, Call) else None


def _action_label(message: ocppj.Message, actions: frozenset[str]) -> str:
    """A bounded label: station-chosen action names must not grow the metrics unbounded
    (``actions``: those of the connection's version)."""
    if not isinstance(message, Call):
        return "answer"
    return message.action if message.action in actions else "unknown"


def _record_hops(received: float, publishing: float, published: float, reply: Reply) -> None:
    """Where one round trip's time went, from timestamps on the envelope (``bench``'s
    "where the time goes"). Hops measured on two hosts include their clock difference."""
    now = time.time()
    metrics.HOPS.labels("gateway_queue").observe(publishing - received)
    metrics.HOPS.labels("publish_confirm").observe(published - publishing)
    if reply.started_at and reply.handled_at:
        metrics.HOPS.labels("broker_to_worker").observe(max(0.0, reply.started_at - publishing))
        metrics.HOPS.labels("worker").observe(reply.handled_at - reply.started_at)
        metrics.HOPS.labels("reply_to_gateway").observe(max(0.0, now - reply.handled_at))


def _preview(data: str | bytes, limit: int = 200) -> str:
    text = data if isinstance(data, str) else repr(data[:limit])
    return text[:limit]
