"""The V2G (ISO 15118-2) side of the PKI: the SECC certificates a station asks for with
SignCertificate(certificateType V2GCertificate), signed by a V2G CA that is never the
station CA (``shared.pki``), and the development V2G CA.

What a V2G CSR must be, and why:

- **Key: ECDSA on secp256r1, signed with SHA-256.** ISO 15118-2 allows no other algorithm
  in its PKI (an EV could not verify anything else), so an RSA key or another curve is
  refused, whatever OCPP's general 224-bit minimum allows.
- **CN: the station id.** ISO 15118-2 has the SECC certificate's CN carry an id the CPO
  chooses (often an EVSE id); the CSMS can vouch only for the identity it authenticated,
  the station id, as A02/A03 ask of the station certificate (CN = the station's serial
  number, which is its id here). A CSR naming anyone else is refused.
- **O: present, and the station's own.** A03 has the station put
  ``ISO15118Ctrlr.OrganizationName`` in the O RDN of the SECC certificate; when the CSMS
  knows that variable's value (from a report), the O must equal it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .pki import CsrError, Issuer, leaf_builder, new_ca, write_cert, write_key

log = logging.getLogger("pki")

CURVE = "secp256r1"


def check_csr(
    pem: str, station: str, organization: str | None = None
) -> x509.CertificateSigningRequest:
    """A V2G CSR we are willing to sign for ``station``, or CsrError saying why not.
    ``organization``: the station's ISO15118Ctrlr.OrganizationName, when known."""
    try:
        request = x509.load_pem_x509_csr(pem.encode())
    except ValueError as exc:
        raise CsrError(f"not a PEM certificate signing request: {exc}") from None
    if not request.is_signature_valid:
        raise CsrError("CSR signature does not verify")
    key = request.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise CsrError(f"{type(key).__name__}: ISO 15118-2 V2G keys are ECDSA {CURVE}")
    if key.curve.name != CURVE:
        raise CsrError(f"curve {key.curve.name}: ISO 15118-2 V2G keys are ECDSA {CURVE}")
    if not isinstance(request.signature_hash_algorithm, hashes.SHA256):
        raise CsrError("CSR not signed with ECDSA-SHA256, as ISO 15118-2 requires")
    names = request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or names[0].value != station:
        raise CsrError(f"subject CN must be the station id {station!r}")
    orgs = request.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if not orgs:
        raise CsrError("subject has no O (ISO15118Ctrlr.OrganizationName)")
    if organization is not None and orgs[0].value != organization:
        raise CsrError(
            f"subject O {orgs[0].value!r} is not the station's "
            f"ISO15118Ctrlr.OrganizationName {organization!r}"
        )
    return request


def check_issuer(issuer: Issuer) -> Issuer:
    """The V2G CA itself must sign as ISO 15118-2 wants: ECDSA secp256r1 (ValueError)."""
    key = issuer.key
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE:
        raise ValueError(f"the V2G CA key must be ECDSA {CURVE} (ISO 15118-2)")
    return issuer


def sign_csr(issuer: Issuer, request: x509.CertificateSigningRequest, days: int) -> str:
    """An SECC leaf with the CSR's subject, followed by the V2G CA and the sub-CAs above it:
    the chain CertificateSigned(V2GCertificate) carries (PEM)."""
    public_key = request.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    leaf = (
        leaf_builder(issuer, request.subject, public_key, days)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return leaf.public_bytes(serialization.Encoding.PEM).decode() + issuer.pem


def dev_ca(directory: Path) -> dict[str, Path]:
    """A development V2G CA (ECDSA secp256r1), made once in ``directory`` and then reused;
    the caller holds a lock so workers starting together agree on one."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {name: directory / f"{name}.pem" for name in ("ca", "ca-key")}
    if all(p.exists() for p in files.values()):
        return files
    log.warning(
        "generating a DEVELOPMENT V2G CA; bring your own in production",
        extra={"dir": str(directory)},
    )
    ca = new_ca("CSMS development V2G CA")
    write_cert(files["ca"], ca.certificate)
    write_key(files["ca-key"], ca.key)
    return files
