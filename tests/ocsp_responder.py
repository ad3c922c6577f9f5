"""A certificate authority and a real OCSP responder for tests: certificates made here, answers
signed here with ``cryptography``'s OCSPResponseBuilder, served over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(
    cn: str,
    issuer: x509.Certificate | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    *,
    ca: bool = False,
    ocsp_signing: bool = False,
    ocsp_url: str | None = None,
    valid_for: timedelta = timedelta(days=30),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """``valid_for`` from now (negative: expired that long ago), valid from a day before."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ocsp_signing:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ocsp_url),
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key or key, hashes.SHA256()), key


def hash_data(cert: x509.Certificate, issuer: x509.Certificate, url: str) -> dict[str, Any]:
    """The OCSPRequestDataType a station sends for ``cert`` (SHA256)."""
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(cert.serial_number, "X"),
        "responderURL": url,
    }


@dataclass
class Authority:
    """A CA, its certificates' revocation states, and the responder's signing identity."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    issued: dict[int, x509.Certificate] = field(default_factory=dict)
    revoked: set[int] = field(default_factory=set)
    requests: int = 0
    parent: Authority | None = None
    """The CA above this one; None: a self-signed root."""

    @classmethod
    def create(cls, cn: str = "Test MO Sub-CA", parent: Authority | None = None) -> Authority:
        """A self-signed CA, or a sub-CA of ``parent``."""
        if parent is None:
            cert, key = certificate(cn, ca=True)
        else:
            cert, key = certificate(cn, parent.cert, parent.key, ca=True)
            parent.issued[cert.serial_number] = cert
        return cls(cert, key, parent=parent)

    def issue(
        self, cn: str, ocsp_url: str | None = None, valid_for: timedelta = timedelta(days=30)
    ) -> x509.Certificate:
        cert, _ = certificate(cn, self.cert, self.key, ocsp_url=ocsp_url, valid_for=valid_for)
        self.issued[cert.serial_number] = cert
        return cert

    def pem_chain(self, cert: x509.Certificate) -> str:
        """``cert``, this CA and the sub-CAs above it (a root only when this CA is one): what
        an EV sends in Authorize ``certificate``."""
        chain = [cert, self.cert]
        above = self.parent
        while above is not None and above.parent is not None:
            chain.append(above.cert)
            above = above.parent
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain).decode()

    def answer(
        self,
        cert: x509.Certificate,
        status: ocsp.OCSPCertStatus,
        *,
        signer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
        next_update: timedelta = timedelta(hours=1),
        responder_id: ocsp.OCSPResponderEncoding = ocsp.OCSPResponderEncoding.HASH,
    ) -> bytes:
        now = datetime.now(UTC)
        signer_cert, signer_key = signer or (self.cert, self.key)
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=cert,
                issuer=self.cert,
                algorithm=hashes.SHA256(),
                cert_status=status,
                this_update=now - timedelta(minutes=1),
                next_update=now + next_update,
                revocation_time=now - timedelta(hours=1) if revoked else None,
                revocation_reason=None,
            )
            .responder_id(responder_id, signer_cert)
            .certificates([signer_cert])
        )
        return builder.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def respond_to(self, der_request: bytes) -> bytes:
        """Answer an OCSPRequest as a responder would: good, revoked or unknown."""
        self.requests += 1
        request = ocsp.load_der_ocsp_request(der_request)
        cert = self.issued.get(request.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        status = (
            ocsp.OCSPCertStatus.REVOKED
            if cert.serial_number in self.revoked
            else ocsp.OCSPCertStatus.GOOD
        )
        return self.answer(cert, status)


@asynccontextmanager
async def responder(authority: Authority) -> AsyncIterator[str]:
    """An HTTP OCSP responder (POST application/ocsp-request) on a free port; yields its URL."""

    async def handle(request: web.Request) -> web.Response:
        body = authority.respond_to(await request.read())
        return web.Response(body=body, content_type="application/ocsp-response")

    app = web.Application()
    app.router.add_post("/ocsp", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/ocsp"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def hanging_responder() -> AsyncIterator[str]:
    """A responder that takes the request and never answers; yields its URL."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()  # until the client gives up and closes

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/ocsp"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
