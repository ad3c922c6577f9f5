"""Command line: ``python -m bench.loadgen --help``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from shared import names
from shared.station_key import ADMIN_KEY_FILE

from . import passwords, report, runner, selftest
from .register import register
from .scenario import MIXES
from .settings import MIXED_ORDER, OCPP_VERSION_CHOICES, Settings, new_password, run_tag

DEFAULT_OUT = "bench/results/loadgen-<timestamp>.json"


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults shown, except for flags and options whose default is described in words."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadgen",
        description="Simulate N OCPP stations (1.6, 2.0.1, 2.1 or a mix) over real websockets"
        " against a running CSMS and measure every round trip.",
        formatter_class=_Help,
    )
    add = parser.add_argument
    add(
        "--url",
        default="ws://127.0.0.1:9000/ocpp",
        help="gateway URL, /<stationId> is appended; comma-separated URLs spread the stations",
    )
    add(
        "--ocpp-version",
        default=names.OCPP201,
        choices=OCPP_VERSION_CHOICES,
        help="the subprotocol every station offers and speaks; mixed: station number n speaks"
        f" {' / '.join(MIXED_ORDER)} by n mod 3, a third each (the gateway's OCPP_VERSIONS must"
        " include them; ocpp2.1 is not in its default)",
    )
    add("--mix", default="fleet", choices=sorted(MIXES), help="what the stations send (README)")
    add(
        "--settle",
        type=float,
        default=0.0,
        help="seconds between ramp and window, so the window measures steady state only",
    )
    add(
        "--reconnect",
        action="store_true",
        help="stations booted by an earlier run come back without BootNotification/status",
    )
    add("--api", default="http://127.0.0.1:8080/api/v1", help="operator API base URL")
    add(
        "--api-key",
        default=None,
        help="operator API key (admin, to register stations); default: $API_KEY, else the "
        f"key `make run` and bench.stack keep in {ADMIN_KEY_FILE}",
    )
    add("--stations", type=int, default=100, help="number of simulated stations")
    add("--rate", type=float, default=50.0, help="calls/s offered across all stations")
    add("--duration", type=float, default=30.0, help="seconds of paced load (after the ramp)")
    add("--processes", type=int, default=1, help="generator processes to spread stations over")
    add(
        "--ramp",
        type=float,
        help="seconds over which stations connect before the load window opens [stations/50,"
        " at least 1]; each handshake costs the CSMS a scrypt password check (~40 ms CPU here),"
        " unless the passwords are --generated-passwords",
    )
    add("--timeout", type=float, default=30.0, help="seconds to wait for an answer or handshake")
    add("--evses", type=int, default=2, help="EVSEs (one connector each) per station")
    add("--prefix", default="loadgen-", help="station ids are <prefix><5-digit number>")
    add("--first", type=int, default=0, help="number of the first station")
    add("--password", help="Basic auth password of every station [fresh per run when registering]")
    add(
        "--generated-passwords",
        metavar="FILE",
        help="register the stations with CSMS-generated passwords (checked at hash speed when"
        " the CSMS has STATION_PASSWORD_KEY) and write {station: password} to FILE (0600); with"
        " --no-register, read the passwords from FILE",
    )
    add(
        "--no-register",
        dest="register",
        action="store_false",
        help="stations already exist with --password (or without one); do not PUT them",
    )
    add("--id-token", default="LOADGEN0001", help="ISO14443 id token used for Authorize")
    add("--jitter", type=float, default=0.5, help="slot interval varies by +- this fraction")
    add("--seed", type=int, default=1, help="random seed of the scenario")
    add("--progress", type=float, default=5.0, help="seconds between progress lines")
    add("--out", default=DEFAULT_OUT, help="JSON result file; <timestamp> is filled in")
    add("--register-concurrency", type=int, default=8, help="parallel registration requests")
    add("--validate-responses", action="store_true", help="check answers against the schemas")
    add("--no-compression", dest="compression", action="store_false", help="no permessage-deflate")
    add(
        "--keep-transactions",
        dest="end_transactions",
        action="store_false",
        help="do not end open transactions after the window",
    )
    add("--selftest", action="store_true", help="check every payload against the schemas; exit")
    return parser.parse_args(argv)


def _local_admin_key() -> str | None:
    return ADMIN_KEY_FILE.read_text().strip() if ADMIN_KEY_FILE.exists() else None


def settings_from(args: argparse.Namespace) -> Settings:
    password = args.password
    if password is None and args.register and args.generated_passwords is None:
        password = new_password()
    return Settings(
        url=args.url,
        api=args.api.rstrip("/"),
        api_key=args.api_key or os.environ.get("API_KEY") or _local_admin_key(),
        stations=args.stations,
        rate=args.rate,
        duration=args.duration,
        processes=args.processes,
        ramp=args.ramp if args.ramp is not None else max(1.0, args.stations / 50),
        timeout=args.timeout,
        evses=args.evses,
        prefix=args.prefix,
        first=args.first,
        password=password,
        register=args.register,
        generated_passwords=args.generated_passwords,
        id_token=args.id_token,
        jitter=args.jitter,
        seed=args.seed,
        progress=args.progress,
        validate_responses=args.validate_responses,
        compression=args.compression,
        end_transactions=args.end_transactions,
        register_concurrency=args.register_concurrency,
        tag=run_tag(),
        mix=args.mix,
        reconnect=args.reconnect,
        settle=args.settle,
        ocpp_version=args.ocpp_version,
    )


def log(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.selftest:
        problems = selftest.run()
        for problem in problems:
            print(f"FAIL {problem}")
        print("selftest:", "FAILED" if problems else "ok")
        return 1 if problems else 0

    settings = settings_from(args)
    problems = settings.check()
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out.replace("<timestamp>", stamp).replace("{timestamp}", stamp))

    log(
        f"loadgen: {settings.stations} stations ({settings.station_id(0)} ..."
        f" {settings.station_id(settings.stations - 1)}; {report.versions_text(settings)})"
        f" in {settings.processes} process(es),"
        f" {settings.rate:g} calls/s for {settings.duration:g} s after a {settings.ramp:g} s ramp"
        f" and {settings.settle:g} s to settle"
        f" (one call per station every {settings.interval:.2f} s on average), {settings.url}"
    )
    try:
        registration = asyncio.run(register(settings, log))
    except KeyboardInterrupt:
        return 130
    if settings.register:
        log(
            f"registered {registration.stations}/{settings.stations} stations in"
            f" {registration.seconds:.1f} s; id token {settings.id_token}: {registration.id_token}"
        )
        if registration.stations == 0:
            print(f"error: no station registered: {dict(registration.failures)}", file=sys.stderr)
            return 1
        if settings.generated_passwords is not None:
            passwords.write(Path(settings.generated_passwords), registration.passwords)
            log(
                f"generated passwords of {len(registration.passwords)} stations in"
                f" {settings.generated_passwords}"
            )

    started = time.perf_counter()
    outcome = runner.run(settings, log)
    document = report.build(settings, outcome, registration)
    print(report.render(document), flush=True)
    report.write(document, out)
    log(f"\nresult: {out} ({time.perf_counter() - started:.1f} s)")
    if outcome.failures:
        return 1
    return 130 if outcome.stopped_early else 0


if __name__ == "__main__":
    sys.exit(main())
