"""shared.station_key: the local key file of `make run` and bench.stack."""

from __future__ import annotations

import stat
from pathlib import Path

from shared import config, station_key


def test_the_key_is_created_once_private_and_valid(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "station-password.key"

    key = station_key.ensure(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(config.load({"STATION_PASSWORD_KEY": key}).station_password_key) == 32
    assert station_key.ensure(path) == key, "kept, not replaced"
    assert station_key.ensure(tmp_path / "other.key") != key
