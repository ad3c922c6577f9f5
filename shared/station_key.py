"""``python -m shared.station_key FILE``: print the local STATION_PASSWORD_KEY, creating it
(32 random bytes as hex, mode 0600) the first time.

``make run`` and ``bench.stack`` share this file, so the API and every worker they start get
the same key, and stations registered in one run still connect in the next. In production
the key comes from a secret store instead (deploy/README.md).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

DEFAULT_FILE = Path(".local/station-password.key")


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
