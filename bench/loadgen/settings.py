"""One run's parameters: built once from the command line, pickled to every process."""

from __future__ import annotations

import secrets
import string
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shared import names
from shared.ocppj import STATION_ID_PATTERN
from shared.passwords import is_acceptable

from . import passwords
from .scenario import MIXES

MIXED = "mixed"
# --ocpp-version: one version for every station, or ``mixed``: station number n speaks
# MIXED_ORDER[n % 3], so any run of consecutive stations is a third each.
MIXED_ORDER = (names.OCPP16, names.OCPP201, names.OCPP21)
OCPP_VERSION_CHOICES = (names.OCPP201, names.OCPP16, names.OCPP21, MIXED)
MAX_ID_TAG = 20  # 1.6's idTag is CiString20Type


def new_password() -> str:
    """16+ characters of the OCPP passwordString alphabet, fresh per run."""
    return "loadgen-" + secrets.token_hex(12)


def run_tag() -> str:
    """Six base-36 characters from the clock: keeps transaction ids apart between runs."""
    value = int(time.time() * 10) % 36**6
    digits = string.digits + string.ascii_lowercase
    tag = ""
    for _ in range(6):
        value, digit = divmod(value, 36)
        tag = digits[digit] + tag
    return tag


@dataclass(frozen=True, slots=True)
class Settings:
    url: str  # ws://host:port/ocpp, the station id is appended; several: comma-separated
    api: str  # http://host:port/api/v1
    stations: int
    rate: float  # calls/s offered across all stations during the load window
    duration: float  # seconds of load window
    processes: int = 1
    ramp: float = 1.0  # seconds over which stations connect, before the window opens
    timeout: float = 30.0  # per CALL and per websocket handshake
    evses: int = 2
    prefix: str = "loadgen-"
    first: int = 0
    password: str | None = None  # None: connect without Basic auth
    register: bool = True
    # JSON {station: password}: written when registering with CSMS-generated passwords,
    # read with --no-register. None: every station uses `password`.
    generated_passwords: str | None = None
    id_token: str = "LOADGEN0001"
    jitter: float = 0.5  # slot interval drawn from mean * [1 - jitter, 1 + jitter]
    seed: int = 1
    progress: float = 5.0
    validate_responses: bool = False
    compression: bool = True
    end_transactions: bool = True
    register_concurrency: int = 8
    api_key: str | None = None  # Bearer key for the operator API (registration)
    tag: str = "000000"
    mix: str = "fleet"  # a key of scenario.MIXES
    settle: float = 0.0  # seconds between the ramp and the window: connected, sending nothing
    reconnect: bool = False  # stations booted in an earlier run reconnect without booting
    ocpp_version: str = names.OCPP201  # one of OCPP_VERSION_CHOICES

    def version_of(self, index: int) -> str:
        """The OCPP version (subprotocol) station ``index`` of this run speaks. Mixed runs
        deal by station number, so a station keeps its version from one run to the next."""
        if self.ocpp_version == MIXED:
            return MIXED_ORDER[(self.first + index) % len(MIXED_ORDER)]
        return self.ocpp_version

    def versions(self) -> dict[str, int]:
        """How many of the run's stations speak each version, 1.6 first."""
        counts = Counter(self.version_of(index) for index in range(self.stations))
        order = [*MIXED_ORDER, *sorted(set(counts) - set(MIXED_ORDER))]
        return {version: counts[version] for version in order if counts[version]}

    @property
    def interval(self) -> float:
        """Mean seconds between two calls of one station."""
        return self.stations / self.rate

    def station_url(self, index: int) -> str:
        """Stations are dealt round-robin over the gateways given, as a load balancer would."""
        urls = self.url.split(",")
        return f"{urls[index % len(urls)].rstrip('/')}/{self.station_id(index)}"

    def station_id(self, index: int) -> str:
        return f"{self.prefix}{self.first + index:05d}"

    def station_passwords(self) -> dict[str, str]:
        """Each station's password from --generated-passwords; {} without it."""
        if self.generated_passwords is None:
            return {}
        return passwords.read(Path(self.generated_passwords))

    def _generated_problems(self) -> list[str]:
        if self.password is not None:
            return ["--password and --generated-passwords exclude each other"]
        if self.register:
            return []
        try:
            known = self.station_passwords()
        except (OSError, ValueError) as exc:
            return [f"--generated-passwords: {exc}"]
        missing = [
            self.station_id(i) for i in range(self.stations) if self.station_id(i) not in known
        ]
        if missing:
            return [
                f"--generated-passwords: no password for {len(missing)} of the stations"
                f" (first: {missing[0]}); register them with it first"
            ]
        return []

    def check(self) -> list[str]:
        problems = []
        if self.stations < 1:
            problems.append("--stations must be at least 1")
        if self.rate <= 0:
            problems.append("--rate must be positive")
        if self.duration <= 0:
            problems.append("--duration must be positive")
        if not 1 <= self.processes <= self.stations:
            problems.append("--processes must be between 1 and --stations")
        if not 0 <= self.jitter < 1:
            problems.append("--jitter must be in [0, 1)")
        if self.evses < 1:
            problems.append("--evses must be at least 1")
        for index in (0, self.stations - 1):
            if not STATION_ID_PATTERN.fullmatch(self.station_id(index)):
                problems.append(f"station id {self.station_id(index)!r} is not an identifierString")
        if self.password is not None and not is_acceptable(self.password):
            problems.append("--password: 16 to 64 characters of A-Za-z0-9*-_=:+|@.")
        if self.generated_passwords is not None:
            problems += self._generated_problems()
        elif self.register and self.password is None:
            problems.append("registering stations needs a password")
        if self.settle < 0:
            problems.append("--settle must not be negative")
        if self.mix not in MIXES:
            problems.append(f"--mix: one of {', '.join(MIXES)}")
        if self.ocpp_version not in OCPP_VERSION_CHOICES:
            problems.append(
                f"--ocpp-version: {self.ocpp_version!r} is none of"
                f" {', '.join(OCPP_VERSION_CHOICES)}"
            )
        if not 1 <= len(self.id_token) <= 36:
            problems.append("--id-token: 1 to 36 characters")
        elif names.OCPP16 in self.versions() and len(self.id_token) > MAX_ID_TAG:
            problems.append(f"--id-token: at most {MAX_ID_TAG} characters for ocpp1.6 (idTag)")
        return problems
