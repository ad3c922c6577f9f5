"""The CA the CSMS signs station certificates with (A02/A03).

From CA_CERT_FILE / CA_KEY_FILE in production. Without them a development CA is generated
once in DEV_PKI_DIR (with a warning), under a file lock so workers starting together agree
on one CA.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from shared import pki
from shared.config import Settings

log = logging.getLogger("workers.ca")


def load(settings: Settings) -> pki.Issuer:
    if settings.ca_cert_file and settings.ca_key_file:
        return pki.load_issuer(Path(settings.ca_cert_file), Path(settings.ca_key_file))
    directory = Path(settings.dev_pki_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = pki.dev_certificates(directory, ["localhost", "127.0.0.1"])
    log.warning(
        "signing station certificates with the DEVELOPMENT CA; set CA_CERT_FILE and "
        "CA_KEY_FILE in production",
        extra={"ca": str(files["ca"])},
    )
    return pki.load_issuer(files["ca"], files["ca-key"])
