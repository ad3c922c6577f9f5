"""--generated-passwords: register with CSMS-generated passwords, keep them in a private
file, and connect with them later (a cold storm of stations the workers check at hash
speed); the other password flags keep working as before."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bench.loadgen import passwords
from bench.loadgen.__main__ import parse_args, settings_from
from bench.loadgen.register import register
from bench.loadgen.settings import Settings
from bench.loadgen.station import Station, Window
from bench.loadgen.stats import Recorder
from shared.passwords import is_acceptable
from tests.cluster import Cluster
from tests.conftest import Api

STATIONS = ["--stations", "3", "--prefix", "GENPW-"]


def run(*argv: str) -> Settings:
    return settings_from(parse_args([*STATIONS, *argv]))


def test_registering_with_generated_passwords_sends_no_password_of_its_own(tmp_path: Path):
    settings = run("--generated-passwords", str(tmp_path / "pw.json"))

    assert settings.register and settings.password is None
    assert settings.generated_passwords == str(tmp_path / "pw.json")
    assert settings.check() == []


def test_without_the_flag_a_fresh_password_is_still_made_and_no_register_needs_none():
    registering = run()
    assert registering.generated_passwords is None and is_acceptable(registering.password or "")
    assert registering.check() == []
    assert run("--no-register").password is None and run("--no-register").check() == []
    assert run("--password", "x" * 16).password == "x" * 16


def test_a_password_and_generated_passwords_exclude_each_other(tmp_path: Path):
    settings = run("--password", "x" * 16, "--generated-passwords", str(tmp_path / "pw.json"))
    assert any("exclude each other" in problem for problem in settings.check())


def test_no_register_reads_the_file_and_refuses_a_missing_or_incomplete_one(tmp_path: Path):
    path = tmp_path / "pw.json"
    reading = run("--no-register", "--generated-passwords", str(path))
    assert any("--generated-passwords" in problem for problem in reading.check()), "no file"

    passwords.write(path, {"GENPW-00000": "a" * 32, "GENPW-00001": "b" * 32})
    (problem,) = reading.check()
    assert "1 of the stations" in problem and "GENPW-00002" in problem

    passwords.write(path, {f"GENPW-{n:05d}": f"{n}" * 32 for n in range(3)})
    assert reading.check() == []
    assert reading.station_passwords()["GENPW-00002"] == "2" * 32

    path.write_text("[1, 2]")
    assert any("not a JSON object" in problem for problem in reading.check())


def test_the_file_is_private_even_when_it_existed(tmp_path: Path):
    path = tmp_path / "pw.json"
    path.write_text("{}")
    path.chmod(0o644)

    passwords.write(path, {"S": "p" * 32})

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert passwords.read(path) == {"S": "p" * 32}


async def test_each_station_connects_with_its_own_password_else_the_common_one():
    settings = run("--password", "c" * 16)
    window = Window(0.0, 1.0)
    assert Station(settings, 0, Recorder(), window, "own-" + "p" * 12).password == "own-" + "p" * 12
    assert Station(settings, 1, Recorder(), window).password == "c" * 16


async def test_registration_keeps_the_generated_passwords_out_of_the_report(
    cluster: Cluster, api: Api, tmp_path: Path
):
    path = tmp_path / "pw.json"
    settings = run(
        "--api",
        cluster.api_url,
        f"--api-key={cluster.admin_key}",
        "--generated-passwords",
        str(path),
    )

    result = await register(settings, log=lambda line: None)

    assert result.stations == 3 and not result.failures
    assert set(result.passwords) == {f"GENPW-{n:05d}" for n in range(3)}
    assert all(is_acceptable(p) and len(p) == 32 for p in result.passwords.values())
    assert len(set(result.passwords.values())) == 3
    report = json.dumps(result.to_dict())
    assert not any(p in report for p in result.passwords.values())
    for station in result.passwords:
        _, view = await api.request("GET", f"/stations/{station}")
        assert view["passwordKeyId"] is not None, "stored as a keyed verifier"


def test_the_flag_is_in_the_help(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert "--generated-passwords FILE" in capsys.readouterr().out
