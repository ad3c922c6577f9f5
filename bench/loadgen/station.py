"""One simulated station: its websocket, one CALL in flight at a time, open-loop pacing.

Slots come every ``settings.interval`` seconds on average (jittered) from the moment the load
window opens, whatever the CSMS does: a call that is still unanswered when the next slot comes
makes that slot *late* (sent as soon as the answer arrives), so a slow system shows up as lag
and latency instead of as less offered load. A CALL from the CSMS gets CALLERROR NotSupported.
A dropped connection is reopened after a short back-off; slots that pass meanwhile are missed.
Each station offers one subprotocol, its version (``Settings.version_of``), and speaks it.
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from dataclasses import dataclass

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from shared import ocppj, schemas

from .calls import Request
from .scenario import Scenario
from .settings import Settings
from .stats import Recorder

RECONNECT_BACKOFF = (1.0, 3.0)


@dataclass(slots=True)
class Window:
    """The load window in event-loop time; ``end`` moves up when the run is stopped early."""

    start: float
    end: float


class Disconnected(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"connection closed ({code})")
        self.code = code


Answer = tuple[ocppj.CallResult | ocppj.CallError, float]


class Station:
    def __init__(
        self,
        settings: Settings,
        index: int,
        recorder: Recorder,
        window: Window,
        password: str | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.id = settings.station_id(index)
        self.password = settings.password if password is None else password
        self.recorder = recorder
        self.window = window
        self.rng = random.Random(f"{settings.seed}/{index}")
        self.version = settings.version_of(index)
        self.scenario = Scenario.create(
            self.id,
            f"{settings.tag}-{settings.first + index}",
            settings.id_token,
            settings.evses,
            self.rng,
            settings.mix,
            self.version,
        )
        self.connected = False
        self.booted = False
        self._next_id = 0
        self._pending: tuple[str, asyncio.Future[Answer]] | None = None
        self._next_slot: float | None = None
        self._answered_at = 0.0
        self._loop = asyncio.get_running_loop()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def run(self, connect_at: float) -> None:
        await asyncio.sleep(max(connect_at - self._loop.time(), 0))
        try:
            await self._run()
        finally:
            if self._next_slot is None:  # never got to the load: all its slots are missed
                window = max(self.window.end - self.window.start, 0)
                self.recorder.missed += round(window / self.settings.interval)

    async def _run(self) -> None:
        while self._loop.time() < self.window.end:
            ws = await self._connect()
            if ws is None:
                await self._backoff()
                continue
            reader = asyncio.create_task(self._read(ws))
            try:
                if not self.booted:
                    await self._setup(ws)
                await self._load(ws)
                if self.settings.end_transactions:
                    for request in self.scenario.teardown():
                        await self._call(ws, "teardown", request)
                return
            except Disconnected:
                await self._backoff()
            finally:
                self.connected = False
                reader.cancel()
                await ws.close()

    async def _backoff(self) -> None:
        await asyncio.sleep(self.rng.uniform(*RECONNECT_BACKOFF))

    async def _connect(self) -> ClientConnection | None:
        headers = {}
        if self.password is not None:
            secret = f"{self.id}:{self.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(secret).decode()
        started = time.perf_counter()
        try:
            ws = await connect(
                self.settings.station_url(self.index),
                subprotocols=[Subprotocol(self.version)],
                additional_headers=headers,
                open_timeout=self.settings.timeout,
                ping_interval=None,  # the gateway pings; answering is automatic
                compression="deflate" if self.settings.compression else None,
                max_queue=None,
            )
        except InvalidStatus as exc:
            self.recorder.connection(None, f"connect:HTTP {exc.response.status_code}")
            return None
        except TimeoutError:
            self.recorder.connection(None, "connect:timeout")
            return None
        except (OSError, websockets.WebSocketException) as exc:
            self.recorder.connection(None, f"connect:{type(exc).__name__}")
            return None
        latency = time.perf_counter() - started
        if ws.subprotocol != self.version:
            why = f"subprotocol {ws.subprotocol}" if ws.subprotocol else "no subprotocol"
            self.recorder.connection(latency, f"connect:{why}")
            await ws.close()
            return None
        self.recorder.connection(latency, None)
        self.connected = True
        return ws

    async def _setup(self, ws: ClientConnection) -> None:
        if self.settings.reconnect:  # back after a network outage, not rebooted: no boot (B04)
            self.booted = True
            return
        await self._call(ws, "setup", self.scenario.boot())
        self.booted = True
        for request in self.scenario.initial_status():
            await self._call(ws, "setup", request)

    async def _load(self, ws: ClientConnection) -> None:
        interval = self.settings.interval
        low, high = 1 - self.settings.jitter, 1 + self.settings.jitter
        now = self._loop.time()
        if self._next_slot is None:  # a random phase, so stations do not send in step
            self._next_slot = self.window.start + self.rng.uniform(0, interval)
        while self._next_slot < now:  # slots that passed while still in setup or reconnecting
            self.recorder.missed += 1
            self._next_slot += interval
        while True:
            slot = self._next_slot
            if not await self._wait_for_slot(slot):
                break
            now = self._loop.time()
            self.recorder.slots_sent += 1
            self.recorder.lag.record(now - slot)
            if self._answered_at > slot:
                self.recorder.late += 1
                self.recorder.interval.late += 1
            self._next_slot = slot + interval * self.rng.uniform(low, high)
            await self._call(ws, "load", self.scenario.next_call())
            self._answered_at = self._loop.time()
            if self._loop.time() >= self.window.end:
                break
        while self._next_slot < self.window.end:  # queued behind a slow answer at the end
            self.recorder.missed += 1
            self._next_slot += interval

    async def _wait_for_slot(self, slot: float) -> bool:
        """Sleep until ``slot``, or until the window closes first (then False: the station stays
        connected to the end of the window, as a real one would, but no longer). Slots can be
        minutes apart (5,000 stations at 20 calls/s) and the window closes early when the run
        is stopped, so sleep in steps of at most a second."""
        while True:
            now = self._loop.time()
            if now >= self.window.end:
                return False
            if now >= slot:
                return True
            await asyncio.sleep(min(slot - now, self.window.end - now, 1.0))

    # ---- one round trip ----------------------------------------------------------------------

    async def _call(self, ws: ClientConnection, phase: str, request: Request) -> None:
        stats = self.recorder.sent(phase, request.label)
        self._next_id += 1
        # Unique across runs too: the CSMS keeps the numbers it gives 1.6 messages by id.
        message_id = f"{self.settings.tag}-{self._next_id:x}"
        future: asyncio.Future[Answer] = self._loop.create_future()
        self._pending = (message_id, future)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.timeout):
                await ws.send(ocppj.call_frame(message_id, request.action, request.payload))
                answer, received = await future
        except TimeoutError:
            self.recorder.failed(stats, "timeout")
            return
        except (Disconnected, websockets.ConnectionClosed):
            code = ws.close_code
            self.recorder.failed(stats, f"closed:{code}")
            raise Disconnected(code) from None
        finally:
            self._pending = None
        if isinstance(answer, ocppj.CallResult) and request.on_answer is not None:
            request.on_answer(answer.payload)
        self.recorder.answered(phase, stats, received - started, self._judge(request, answer))

    def _judge(self, request: Request, answer: ocppj.CallResult | ocppj.CallError) -> str | None:
        """None for a good answer, else the error kind it counts as."""
        if isinstance(answer, ocppj.CallError):
            return f"CALLERROR:{answer.code}"
        payload = answer.payload
        if self.settings.validate_responses:
            try:
                schemas.validate(request.action, "Response", payload, self.version)
            except schemas.SchemaViolation:
                return "invalid-response"
        status = payload.get("status") if request.action == "BootNotification" else None
        info = payload.get("idTokenInfo", payload.get("idTagInfo"))  # 2.0.1 and 2.1, 1.6
        if isinstance(info, dict):
            status = info.get("status")
        if status is not None and status != "Accepted":
            return f"rejected:{status}"
        return None

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                received = time.perf_counter()
                try:
                    message = ocppj.parse(text)
                except ocppj.FrameError:
                    self.recorder.generator_errors["unparsable frame from CSMS"] += 1
                    continue
                if isinstance(message, ocppj.Call):
                    self.recorder.incoming_calls += 1
                    await ws.send(
                        ocppj.error_frame(
                            message.message_id,
                            ocppj.ErrorCode.NOT_SUPPORTED,
                            "load generator station: no CSMS-initiated messages",
                        )
                    )
                    continue
                pending = self._pending
                if pending is None or pending[0] != message.message_id or pending[1].done():
                    self.recorder.stray_answers += 1
                    continue
                pending[1].set_result((message, received))
        except websockets.ConnectionClosed:
            pass
        finally:
            pending = self._pending
            if pending is not None and not pending[1].done():
                pending[1].set_exception(Disconnected(ws.close_code))
