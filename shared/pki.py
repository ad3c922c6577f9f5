"""Certificates for security profiles 2 and 3 and for ISO 15118 (V2G), with the
``cryptography`` package.

Used by the workers' two CAs (station CSRs, V2G CSRs), by the API (roots to install), by
``python -m shared.pki`` to make development certificates, and by the tests. Nothing here
touches the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger("pki")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
MIN_RSA_BITS = 2048
MIN_EC_BITS = 224


class CsrError(ValueError):
    """A certificate signing request we refuse to sign; the message says why."""


@dataclass(frozen=True)
class Issuer:
    certificate: x509.Certificate
    key: PrivateKey
    above: tuple[x509.Certificate, ...] = field(default=())
    """The sub-CAs between this one and its root (not the root), sent along in a chain."""

    @property
    def pem(self) -> str:
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode()
            for c in (self.certificate, *self.above)
        )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def new_ca(common_name: str = "CSMS development CA", days: int = 3650) -> Issuer:
    key = new_key("ec")
    start = now() - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issuer(certificate, key)


def leaf_builder(
    issuer: Issuer,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    days: int,
    not_before: dt.datetime | None = None,
) -> x509.CertificateBuilder:
    """What every end-entity certificate the CSMS signs has: its subject and key, ``issuer``
    as issuer, a random serial, ``days`` of validity from five minutes ago (clocks drift),
    and no CA rights; the caller adds the extensions of its kind."""
    start = not_before or (now() - dt.timedelta(minutes=5))
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )


def issue(
    issuer: Issuer,
    common_name: str,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    server_names: list[str] | None = None,
    client: bool = False,
    not_before: dt.datetime | None = None,
    days: int = 365,
    organization: str | None = None,
) -> x509.Certificate:
    builder = leaf_builder(
        issuer, _name(common_name, organization), public_key, days, not_before
    ).add_extension(
        x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]
        ),
        critical=False,
    )
    if server_names:
        alt: list[x509.GeneralName] = []
        for name in server_names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(issuer.key, hashes.SHA256())


def csr(key: PrivateKey, common_name: str, organization: str | None = None) -> str:
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(common_name, organization))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def check_csr(pem: str, station: str) -> x509.CertificateSigningRequest:
    """A CSR we are willing to sign for ``station`` (A02/A03), or CsrError saying why not."""
    try:
        request = x509.load_pem_x509_csr(pem.encode())
    except ValueError as exc:
        raise CsrError(f"not a PEM certificate signing request: {exc}") from None
    if not request.is_signature_valid:
        raise CsrError("CSR signature does not verify")
    key = request.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrError(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} required")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise CsrError(f"EC key of {key.curve.key_size} bits; at least {MIN_EC_BITS} required")
    else:
        raise CsrError(f"unsupported key type {type(key).__name__}")
    names = request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or names[0].value != station:
        raise CsrError(f"subject CN must be the station id {station!r}")
    return request


def sign_csr(issuer: Issuer, request: x509.CertificateSigningRequest, days: int) -> str:
    """The leaf followed by the issuer: the chain CertificateSigned carries (PEM)."""
    common_name = str(request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    public_key = request.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
    leaf = issue(issuer, common_name, public_key, client=True, days=days)
    return leaf.public_bytes(serialization.Encoding.PEM).decode() + issuer.pem


def common_name(certificate: x509.Certificate) -> str | None:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


class RootError(ValueError):
    """A certificate that cannot be installed as a root; the message says why."""


def load_root(pem: str) -> x509.Certificate:
    """One PEM CA certificate (InstallCertificate, M05), or RootError saying why not."""
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise RootError(f"not a PEM certificate: {exc}") from None
    if len(certificates) != 1:
        raise RootError(f"{len(certificates)} certificates; one root certificate expected")
    (certificate,) = certificates
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        raise RootError("no basicConstraints: not a CA certificate") from None
    if not constraints.value.ca:
        raise RootError("basicConstraints CA is false: not a CA certificate")
    return certificate


def hash_data(certificate: x509.Certificate, issuer: x509.Certificate) -> dict[str, str]:
    """OCPP's CertificateHashDataType (SHA256) of ``certificate`` issued by ``issuer`` (itself,
    for a root): the hashes OCSP uses, which a station reports in GetInstalledCertificateIds."""
    request = (
        ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    )
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(certificate.serial_number, "x"),
    }


def write_key(path: Path, key: PrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def write_cert(path: Path, *certificates: x509.Certificate) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))


def load_issuer(cert_file: Path, key_file: Path) -> Issuer:
    """The CA in ``cert_file`` (its certificate first, then any sub-CAs above it)."""
    certificate, *above = x509.load_pem_x509_certificates(cert_file.read_bytes())
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return Issuer(certificate, key, tuple(above))


def dev_certificates(directory: Path, hostnames: list[str]) -> dict[str, Path]:
    """A development CA and RSA + ECDSA server certificates, made once and then reused."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        name: directory / f"{name}.pem"
        for name in ("ca", "ca-key", "server-rsa", "server-rsa-key", "server-ec", "server-ec-key")
    }
    if all(p.exists() for p in files.values()):
        return files
    log.warning(
        "generating DEVELOPMENT certificates; bring your own in production",
        extra={"dir": str(directory)},
    )
    ca = new_ca()
    write_cert(files["ca"], ca.certificate)
    write_key(files["ca-key"], ca.key)
    for kind in ("rsa", "ec"):
        key = new_key(kind)
        cert = issue(ca, hostnames[0], key.public_key(), server_names=hostnames)
        write_cert(files[f"server-{kind}"], cert, ca.certificate)
        write_key(files[f"server-{kind}-key"], key)
    return files


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Make development TLS certificates")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", action="append", default=None)
    args = parser.parse_args()
    for name, path in dev_certificates(
        args.directory, args.host or ["localhost", "127.0.0.1"]
    ).items():
        print(f"{name}: {path}")
