"""The two CAs the CSMS signs with, kept apart (A02/A03): the station CA signs
ChargingStationCertificate CSRs, the V2G CA signs V2GCertificate (ISO 15118 SECC) CSRs.
And the roots it trusts for Plug & Charge contract chains (CONTRACT_ROOTS_FILE), which it
never signs with.

Each comes from its files in production (CA_CERT_FILE / CA_KEY_FILE, V2G_CA_CERT_FILE /
V2G_CA_KEY_FILE). Without them a development CA is generated once in DEV_PKI_DIR (the V2G
one in DEV_PKI_DIR/v2g) with a warning, under a file lock so workers starting together
agree on one CA.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from cryptography import x509

from shared import contract_chain, pki, v2g_pki
from shared.config import ConfigError, Settings

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


def load_contract_roots(settings: Settings) -> tuple[x509.Certificate, ...]:
    """The MO and V2G roots Authorize ``certificate`` chains must lead to; none (with a
    warning) without CONTRACT_ROOTS_FILE; ConfigError when the file is unusable."""
    if not settings.contract_roots_file:
        log.warning(
            "no CONTRACT_ROOTS_FILE: every Plug & Charge Authorize carrying a contract "
            "certificate is answered CertChainError"
        )
        return ()
    try:
        return contract_chain.load_roots(Path(settings.contract_roots_file).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"CONTRACT_ROOTS_FILE={settings.contract_roots_file!r}: {exc}") from exc
