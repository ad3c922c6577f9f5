"""OCSP (RFC 6960) for OCPP's ``OCSPRequestDataType``: build the request, check the answer.

No I/O: ``workers/ocsp.py`` posts the bytes to the responder and caches good answers.
Used by GetCertificateStatus (M06) and Plug & Charge Authorize (C07).

OCPP names a certificate by hashes (``issuerNameHash``, ``issuerKeyHash``, hex) and its
``serialNumber`` (hex), never by the certificates themselves, so the request is built from
those hashes, and the answer can only be trusted as far as they allow:

* the answer must be ``successful`` and hold a single response for exactly the requested
  certificate id (algorithm, both hashes, serial);
* it must carry the responder's certificate, and its signature must verify with that
  certificate's key;
* that certificate is either the issuer itself, proven by its name and key hashing to the
  requested hashes (then the answer is as trustworthy as the request data), or a delegated
  responder: a certificate with the OCSPSigning extended key usage whose issuer name hashes
  to ``issuerNameHash``. The delegate's own signature cannot be checked, since OCPP does
  not give the issuer's key; that is the limit of this check;
* ``thisUpdate`` is not in the future and ``nextUpdate``, when given, not in the past (with
  ``CLOCK_SKEW`` of slack).

An answer without the responder's certificate is refused (it cannot be verified here).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

__all__ = [
    "Answer",
    "OcspError",
    "build_request",
    "cache_key",
    "certificate_status",
    "parse_response",
    "request_data",
    "responder_url",
]

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
CLOCK_SKEW = timedelta(minutes=5)

# AuthorizeCertificateStatusEnumType for each outcome (C07).
CERTIFICATE_STATUS = {
    "good": "Accepted",
    "revoked": "CertificateRevoked",
    "unknown": "CertChainError",
}


class OcspError(Exception):
    """No usable answer about the certificate.

    ``reason_code`` is a StatusInfo reason code (GetCertificateStatus Failed);
    ``certificate_status`` the AuthorizeCertificateStatusEnumType it means for Authorize."""

    def __init__(
        self,
        detail: str,
        reason_code: str = "Unspecified",
        certificate_status: str = "CertChainError",
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason_code = reason_code
        self.certificate_status = certificate_status


@dataclass(frozen=True)
class Answer:
    """A verified answer of the responder about one certificate."""

    status: str
    """``good``, ``revoked`` or ``unknown`` (RFC 6960 CertStatus)."""
    der: bytes
    """The whole OCSPResponse, DER, as the responder sent it (GetCertificateStatus' ocspResult)."""
    next_update: datetime | None
    """Until when the answer holds; None: the responder always has newer information."""

    @property
    def certificate_status(self) -> str:
        return CERTIFICATE_STATUS[self.status]

    @property
    def ocsp_result(self) -> str:
        return base64.b64encode(self.der).decode()


@dataclass(frozen=True)
class _CertId:
    algorithm: str
    name_hash: bytes
    key_hash: bytes
    serial: int


def _cert_id(data: Mapping[str, Any]) -> _CertId:
    try:
        algorithm = data["hashAlgorithm"]
        size = HASHES[algorithm]().digest_size
        name_hash = bytes.fromhex(data["issuerNameHash"])
        key_hash = bytes.fromhex(data["issuerKeyHash"])
        serial = int(data["serialNumber"], 16)
    except (KeyError, ValueError, TypeError) as exc:
        raise OcspError(f"unusable OCSP request data: {exc!r}", "InvalidValue") from None
    if len(name_hash) != size or len(key_hash) != size or serial < 0:
        raise OcspError(f"hash lengths do not fit {algorithm}", "InvalidValue")
    return _CertId(algorithm, name_hash, key_hash, serial)


def cache_key(data: Mapping[str, Any]) -> tuple[str, ...]:
    """What identifies one question to one responder (case-insensitive hex and URL)."""
    return tuple(
        str(data.get(k, "")).lower()
        for k in (
            "hashAlgorithm",
            "issuerNameHash",
            "issuerKeyHash",
            "serialNumber",
            "responderURL",
        )
    )


def build_request(data: Mapping[str, Any]) -> bytes:
    """The DER OCSPRequest for an ``OCSPRequestDataType`` (no nonce: good answers are cached
    until their nextUpdate anyway). Raises OcspError (InvalidValue) for unusable data."""
    cert_id = _cert_id(data)
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        cert_id.name_hash, cert_id.key_hash, cert_id.serial, HASHES[cert_id.algorithm]()
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


def parse_response(der: bytes, data: Mapping[str, Any], now: datetime) -> Answer:
    """Check a responder's answer to ``build_request(data)`` (see the module docstring).

    Raises:
        OcspError: the answer is not usable; ``certificate_status`` SignatureError when its
            signature or signer does not hold, else CertChainError.
    """
    cert_id = _cert_id(data)
    try:
        return _parse(der, cert_id, now)
    except OcspError:
        raise
    except Exception as exc:  # untrusted bytes: a field the library cannot read
        raise OcspError(f"the responder's answer is unreadable: {exc!r}"[:300]) from None


def _parse(der: bytes, cert_id: _CertId, now: datetime) -> Answer:
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError:
        raise OcspError("the responder's answer is not an OCSP response") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"the responder answered {response.response_status.name}")
    single = _matching(response, cert_id)
    _check_signature(response, cert_id, now)
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if this_update > now + CLOCK_SKEW:
        raise OcspError("the answer's thisUpdate is in the future")
    if next_update is not None and next_update < now - CLOCK_SKEW:
        raise OcspError("the answer is out of date (nextUpdate passed)")
    status = {
        ocsp.OCSPCertStatus.GOOD: "good",
        ocsp.OCSPCertStatus.REVOKED: "revoked",
        ocsp.OCSPCertStatus.UNKNOWN: "unknown",
    }[single.certificate_status]
    return Answer(status, der, next_update)


def _matching(response: ocsp.OCSPResponse, cert_id: _CertId) -> ocsp.OCSPSingleResponse:
    for single in response.responses:
        if (
            single.hash_algorithm.name.upper() == cert_id.algorithm
            and single.issuer_name_hash == cert_id.name_hash
            and single.issuer_key_hash == cert_id.key_hash
            and single.serial_number == cert_id.serial
        ):
            return single
    raise OcspError("the answer is about another certificate")


def _check_signature(response: ocsp.OCSPResponse, cert_id: _CertId, now: datetime) -> None:
    signer = _signer(response)
    algorithm = HASHES[cert_id.algorithm]()
    if _name_hash(signer.subject, algorithm) == cert_id.name_hash:
        if _key_hash(signer, algorithm) != cert_id.key_hash:
            raise OcspError("the signer is not the issuer", certificate_status="SignatureError")
    else:
        # A delegated responder (RFC 6960 4.2.2.2): issued by the issuer for OCSP signing.
        if _name_hash(signer.issuer, algorithm) != cert_id.name_hash:
            raise OcspError(
                "the signer was not issued by the issuer", certificate_status="SignatureError"
            )
        try:
            usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            usage = x509.ExtendedKeyUsage([])
        if ExtendedKeyUsageOID.OCSP_SIGNING not in usage:
            raise OcspError(
                "the signer may not sign OCSP answers", certificate_status="SignatureError"
            )
        if not signer.not_valid_before_utc <= now <= signer.not_valid_after_utc:
            raise OcspError(
                "the signer's certificate is not valid now", certificate_status="SignatureError"
            )
    if not _verifies(signer.public_key(), response):
        raise OcspError(
            "the answer's signature does not verify", certificate_status="SignatureError"
        )


def _signer(response: ocsp.OCSPResponse) -> x509.Certificate:
    for cert in response.certificates:
        if response.responder_name is not None and cert.subject == response.responder_name:
            return cert
        if response.responder_key_hash is not None and (
            x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
            == response.responder_key_hash
        ):
            return cert
    raise OcspError(
        "the answer does not carry its signer's certificate", certificate_status="SignatureError"
    )


def _verifies(key: Any, response: ocsp.OCSPResponse) -> bool:
    data, signature = response.tbs_response_bytes, response.signature
    algorithm = response.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _name_hash(name: x509.Name, algorithm: hashes.HashAlgorithm) -> bytes:
    return _digest(algorithm, name.public_bytes())


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """The hash of the subjectPublicKey BIT STRING's value, as in a CertID."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _, body = _der_element(spki, 0)  # SubjectPublicKeyInfo SEQUENCE
    end_of_algorithm, _ = _der_element(spki, body)  # AlgorithmIdentifier
    _, bits = _der_element(spki, end_of_algorithm)  # BIT STRING
    return _digest(algorithm, spki[bits + 1 :])  # past the unused-bits octet


def _der_element(der: bytes, at: int) -> tuple[int, int]:
    """(end of the element at ``at``, start of its contents) in a DER encoding."""
    length = der[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    return start + length, start


def responder_url(cert: x509.Certificate) -> str | None:
    """The OCSP responder a certificate names in its Authority Information Access, if any."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    return next(
        (
            str(d.access_location.value)
            for d in access
            if d.access_method == AuthorityInformationAccessOID.OCSP
        ),
        None,
    )


def request_data(cert: x509.Certificate, issuer: x509.Certificate, url: str) -> dict[str, Any]:
    """The ``OCSPRequestDataType`` (SHA256) asking ``url`` about ``cert``, whose issuer
    ``issuer`` must be: the caller verified it (``shared/contract_chain.py``)."""
    algorithm = hashes.SHA256()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": _name_hash(issuer.subject, algorithm).hex(),
        "issuerKeyHash": _key_hash(issuer, algorithm).hex(),
        "serialNumber": format(cert.serial_number, "x"),
        "responderURL": url,
    }


def certificate_status(outcomes: list[str]) -> str:
    """One AuthorizeCertificateStatusEnumType for a chain: Accepted when every certificate
    is, else the worst (a revocation first)."""
    for worst in ("CertificateRevoked", "ContractCancelled", "SignatureError", "CertChainError"):
        if worst in outcomes:
            return worst
    return next((o for o in outcomes if o != "Accepted"), "Accepted")
