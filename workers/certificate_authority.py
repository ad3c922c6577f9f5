"""The two CAs the CSMS signs with, kept apart (A02/A03): the station CA signs
ChargingStationCertificate CSRs, the V2G CA signs V2GCertificate (ISO 15118 SECC) CSRs.

Each comes from its files in production (CA_CERT_FILE / CA_KEY_FILE, V2G_CA_CERT_FILE /
V2G_CA_KEY_FILE). Without them a development CA is generated once in DEV_PKI_DIR (the V2G
one in DEV_PKI_DIR/v2g) with a warning, under a file lock so workers starting together
agree on one CA.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from shared import pki, v2g_pki
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


def load_v2g(settings: Settings) -> pki.Issuer:
    """The V2G CA; ValueError if its key is not ECDSA secp256r1 (ISO 15118-2)."""
    if settings.v2g_ca_cert_file and settings.v2g_ca_key_file:
        return v2g_pki.check_issuer(
            pki.load_issuer(Path(settings.v2g_ca_cert_file), Path(settings.v2g_ca_key_file))
        )
    directory = Path(settings.dev_pki_dir) / "v2g"
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        files = v2g_pki.dev_ca(directory)
    log.warning(
        "signing V2G certificates with the DEVELOPMENT V2G CA; set V2G_CA_CERT_FILE and "
        "V2G_CA_KEY_FILE in production",
        extra={"ca": str(files["ca"])},
    )
    return v2g_pki.check_issuer(pki.load_issuer(files["ca"], files["ca-key"]))
