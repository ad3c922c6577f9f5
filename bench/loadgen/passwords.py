"""The file of CSMS-generated station passwords (``--generated-passwords``).

Registering with ``generatePassword`` is the only moment the CSMS shows a station's password,
so it is written here, readable by the owner only; later runs with ``--no-register`` read it
back, which is how a cold reconnect storm of such stations is measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def write(path: Path, passwords: dict[str, str]) -> None:
    """{station id: password} as JSON, mode 0600 (also when the file existed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(passwords, file, indent=0, sort_keys=True)


def read(path: Path) -> dict[str, str]:
    """The file's {station id: password}; ValueError when it is not such a JSON object."""
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: not a JSON object of station id -> password")
    return data
