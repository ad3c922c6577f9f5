"""TLS for security profiles 2 and 3 (OCPP 2.0.1 part 2, A00: TLS 1.2 or higher, no TLS
compression, and the four cipher suites the spec requires).

One context serves both an RSA and an ECDSA certificate, so ECDSA-only and RSA-only
stations both find their suites. A client certificate is optional at the TLS layer (profile
2 stations have none); when one is presented OpenSSL checks its chain and validity period
against the configured CA, and the handshake code checks that its CN is the station id.
"""

from __future__ import annotations

import ssl
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from shared import pki
from shared.config import Settings

# TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
# TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384 in OpenSSL's names.
OCPP_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    ]
)


def client_ca(settings: Settings) -> str:
    return settings.gateway_tls_client_ca or settings.ca_cert_file


def server_context(settings: Settings) -> ssl.SSLContext | None:
    """The wss:// context, or None when no server certificate is configured."""
    pairs = [
        (settings.gateway_tls_cert, settings.gateway_tls_key),
        (settings.gateway_tls_ec_cert, settings.gateway_tls_ec_key),
    ]
    pairs = [(cert, key) for cert, key in pairs if cert]
    if not pairs:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.set_ciphers(OCPP_CIPHERS)
    for cert, key in pairs:
        context.load_cert_chain(cert, key or None)
    ca = client_ca(settings)
    if ca:
        context.load_verify_locations(ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def peer_certificate(ssl_object: ssl.SSLObject | None) -> x509.Certificate | None:
    """The client certificate OpenSSL verified during the handshake, if any."""
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der) if der else None


class ProxyCertificates:
    """Client certificates forwarded by a TLS-terminating proxy (a Kubernetes ingress).

    Only trusted for connections from the configured proxy addresses; the certificate is
    checked here as OpenSSL would have: issued by the CA, within its validity period.
    """

    def __init__(self, settings: Settings) -> None:
        self.proxies = frozenset(settings.gateway_trusted_proxies)
        self.header = settings.gateway_client_cert_header
        ca = client_ca(settings)
        self._cas: list[x509.Certificate] = []
        if ca and self.proxies:
            with open(ca, "rb") as handle:
                self._cas = x509.load_pem_x509_certificates(handle.read())

    def trusted(self, remote_ip: str) -> bool:
        return remote_ip in self.proxies

    def certificate(self, header_value: str) -> x509.Certificate:
        """Raises ValueError with the reason when the forwarded certificate is not good."""
        certificate = x509.load_pem_x509_certificate(unquote(header_value).encode())
        moment = pki.now()
        if moment < certificate.not_valid_before_utc:
            raise ValueError("client certificate not yet valid")
        if moment > certificate.not_valid_after_utc:
            raise ValueError("client certificate expired")
        for ca in self._cas:
            try:
                certificate.verify_directly_issued_by(ca)
                return certificate
            except (ValueError, TypeError, InvalidSignature):
                continue
        raise ValueError("client certificate not issued by the station CA")
