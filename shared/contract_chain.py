"""Is a Plug & Charge contract certificate chain one the CSMS trusts? (C07/C52: an Authorize
carrying ``certificate``, "the CSMS validates the certificate"). No I/O: the workers read
the trust store (CONTRACT_ROOTS_FILE) at start and pass ``now``.

The chain an EV presents (PEM: the contract certificate, then its sub-CAs, the root usually
left out) is trusted only when:

* a path leads by issuer names from the contract certificate through the certificates sent
  along to a **trusted root**, one of the configured MO and V2G roots (a root sent in the
  chain itself counts for nothing); else CertChainError;
* every certificate on it is **signed by the next** (the last by the root); else
  SignatureError;
* every issuer on it is a CA (basicConstraints CA, keyCertSign when a key usage is given,
  its path length kept) and the contract certificate is not; else CertChainError;
* every certificate on it, the root included, is **valid now**; else CertificateExpired.

Only then are the certificates' OCSP responders asked (``shared/ocsp.py``), with issuers
taken from this verified path, never from what the request merely claims.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature

__all__ = ["Chain", "ChainError", "load_roots", "verify"]

MAX_SUB_CAS = 4
"""More sub-CAs than any ISO 15118 contract chain has (ISO 15118-2: two)."""

CERT_CHAIN_ERROR = "CertChainError"
SIGNATURE_ERROR = "SignatureError"
CERTIFICATE_EXPIRED = "CertificateExpired"


class ChainError(Exception):
    """The chain is not trusted; ``certificate_status`` is the
    AuthorizeCertificateStatusEnumType that says why, ``detail`` in words."""

    def __init__(self, certificate_status: str, detail: str) -> None:
        super().__init__(detail)
        self.certificate_status = certificate_status
        self.detail = detail


@dataclass(frozen=True)
class Chain:
    """A verified chain: ``path`` is the contract certificate, then its sub-CAs; ``root`` the
    trusted root the last of them is signed by."""

    path: tuple[x509.Certificate, ...]
    root: x509.Certificate

    def issuer_of(self, index: int) -> x509.Certificate:
        """The verified issuer of ``path[index]``."""
        return self.path[index + 1] if index + 1 < len(self.path) else self.root


def load_roots(pem: bytes) -> tuple[x509.Certificate, ...]:
    """The trust store: one or more PEM CA certificates; ValueError saying why not."""
    try:
        roots = tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as exc:
        raise ValueError(f"not PEM certificates: {exc}") from None
    for root in roots:
        if not _is_ca(root):
            raise ValueError(f"{root.subject.rfc4514_string()} is not a CA certificate")
    return roots


def verify(pem: str, roots: Sequence[x509.Certificate], now: datetime) -> Chain:
    """The verified chain of an Authorize ``certificate`` (see the module docstring).

    Raises:
        ChainError: CertChainError, SignatureError or CertificateExpired, with the reason.
    """
    try:
        leaf, *sent = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise ChainError(CERT_CHAIN_ERROR, "the certificate is not PEM") from None
    path = [leaf]
    while not any(root.subject == path[-1].issuer for root in roots):
        current = path[-1]
        issuer = next((c for c in sent if c.subject == current.issuer and c not in path), None)
        if issuer is None or len(path) > MAX_SUB_CAS:
            raise ChainError(CERT_CHAIN_ERROR, "the chain does not lead to a trusted root")
        path.append(issuer)
    for below, above in itertools.pairwise(path):
        if not _signed_by(below, above):
            raise ChainError(SIGNATURE_ERROR, f"{_name(below)}: signature does not verify")
    last = path[-1]
    root = next((r for r in roots if r.subject == last.issuer and _signed_by(last, r)), None)
    if root is None:
        raise ChainError(SIGNATURE_ERROR, f"{_name(last)}: not signed by the trusted root")
    _check_constraints(path, root)
    for cert in (*path, root):
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise ChainError(CERTIFICATE_EXPIRED, f"{_name(cert)}: not valid now")
    return Chain(tuple(path), root)


def _check_constraints(path: list[x509.Certificate], root: x509.Certificate) -> None:
    if _is_ca(path[0]):
        raise ChainError(CERT_CHAIN_ERROR, "the contract certificate is a CA certificate")
    issuers = (*path[1:], root)
    for below, issuer in enumerate(issuers):  # ``below``: sub-CAs under this issuer
        if not _is_ca(issuer):
            raise ChainError(CERT_CHAIN_ERROR, f"{_name(issuer)}: not a CA certificate")
        length = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        if length.path_length is not None and below > length.path_length:
            raise ChainError(CERT_CHAIN_ERROR, f"{_name(issuer)}: path length exceeded")
        try:
            usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if not usage.key_cert_sign:
            raise ChainError(CERT_CHAIN_ERROR, f"{_name(issuer)}: may not sign certificates")


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()[:100]
