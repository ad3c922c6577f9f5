"""``python -m shared.station_key FILE``: print a local secret key, creating it (32 random
bytes as hex, mode 0600) the first time: the STATION_PASSWORD_KEY and the API_ADMIN_KEY of
a local run.

``make run`` and ``bench.stack`` share these files, so the API and every worker they start
get the same keys, stations registered in one run still connect in the next, and the load
generator finds the API key. In production the keys come from a secret store instead
(deploy/README.md).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

DEFAULT_FILE = Path(".local/station-password.key")
ADMIN_KEY_FILE = Path(".local/api-admin.key")


def ensure(path: Path = DEFAULT_FILE) -> str:
    """The key in ``path``; a new one if the file does not exist yet (never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


if __name__ == "__main__":
    print(ensure(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE))
