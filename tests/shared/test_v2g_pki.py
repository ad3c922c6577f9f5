"""The V2G side of the PKI without a network: which CSRs the V2G CA signs, what it puts in
the SECC certificate, and which roots the API lets an operator install."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from shared import pki, v2g_pki

STATION = "CS-V2G-1"
ORG = "Example Charging Ltd"


def v2g_csr(
    key: pki.PrivateKey | None = None, cn: str = STATION, org: str | None = ORG, country="NL"
) -> str:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    parts.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(parts))
        .sign(key or ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def test_a_p256_csr_naming_the_station_is_signed_by_the_v2g_ca_with_its_subject():
    ca = pki.new_ca("V2G test CA")
    chain = v2g_pki.sign_csr(ca, v2g_pki.check_csr(v2g_csr(), STATION, ORG), days=30)
    leaf, issuer = x509.load_pem_x509_certificates(chain.encode())
    assert issuer == ca.certificate
    leaf.verify_directly_issued_by(ca.certificate)
    assert leaf.subject.rfc4514_string() == f"C=NL,O={ORG},CN={STATION}"
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_agreement and not usage.key_cert_sign
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days == 30


def test_the_organisation_is_not_checked_when_the_station_did_not_report_it():
    v2g_pki.check_csr(v2g_csr(org="Anyone"), STATION, None)


@pytest.mark.parametrize(
    ("csr", "reason"),
    [
        (lambda: v2g_csr(cn="CS-OTHER"), "CN must be the station id"),
        (lambda: v2g_csr(org=None), "no O"),
        (lambda: v2g_csr(org="Someone Else"), "not the station's"),
        (
            lambda: v2g_csr(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
            "ECDSA secp256r1",
        ),
        (lambda: v2g_csr(ec.generate_private_key(ec.SECP384R1())), "curve secp384r1"),
        (lambda: pki.csr(pki.new_key("ec"), STATION, ORG).replace("M", "N", 3), "PEM"),
    ],
    ids=["other-cn", "no-o", "other-o", "rsa", "p384", "garbage"],
)
def test_a_csr_iso_15118_would_not_accept_is_refused(csr, reason):
    with pytest.raises(pki.CsrError, match=reason):
        v2g_pki.check_csr(csr(), STATION, ORG)


def test_a_v2g_ca_with_an_rsa_key_is_refused_at_start(tmp_path: Path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = pki.new_ca("RSA CA")
    with pytest.raises(ValueError, match="secp256r1"):
        v2g_pki.check_issuer(pki.Issuer(ca.certificate, key))


def test_a_v2g_ca_file_with_its_sub_ca_sends_both_in_the_chain(tmp_path: Path):
    root = pki.new_ca("V2G root")
    sub_key = pki.new_key("ec")
    sub = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CPO Sub-CA 2")]))
        .issuer_name(root.certificate.subject)
        .public_key(sub_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(root.certificate.not_valid_before_utc)
        .not_valid_after(root.certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    pki.write_cert(tmp_path / "ca.pem", sub, root.certificate)
    pki.write_key(tmp_path / "ca-key.pem", sub_key)
    issuer = v2g_pki.check_issuer(pki.load_issuer(tmp_path / "ca.pem", tmp_path / "ca-key.pem"))
    chain = v2g_pki.sign_csr(issuer, v2g_pki.check_csr(v2g_csr(), STATION), days=1)
    assert [c.subject for c in x509.load_pem_x509_certificates(chain.encode())][1:] == [
        sub.subject,
        root.certificate.subject,
    ]


def test_the_development_v2g_ca_is_made_once(tmp_path: Path):
    first = v2g_pki.dev_ca(tmp_path)
    pem = first["ca"].read_bytes()
    assert v2g_pki.dev_ca(tmp_path) == first and first["ca"].read_bytes() == pem
    v2g_pki.check_issuer(pki.load_issuer(first["ca"], first["ca-key"]))


def test_a_root_is_one_ca_certificate_and_its_hash_data_is_ocsps():
    root = pki.new_ca("MO root").certificate
    assert pki.load_root(root.public_bytes(serialization.Encoding.PEM).decode()) == root
    data = pki.hash_data(root, root)
    subject = root.subject.public_bytes()
    assert data["issuerNameHash"] == hashlib.sha256(subject).hexdigest()
    assert data["serialNumber"] == format(root.serial_number, "x")
    assert data["hashAlgorithm"] == "SHA256" and len(data["issuerKeyHash"]) == 64


@pytest.mark.parametrize("kind", ["leaf", "two", "garbage"])
def test_what_is_not_one_ca_certificate_is_not_a_root(kind: str):
    ca = pki.new_ca()
    leaf = pki.issue(ca, "leaf", pki.new_key("ec").public_key())
    pem = {
        "leaf": leaf.public_bytes(serialization.Encoding.PEM).decode(),
        "two": ca.pem + ca.pem,
        "garbage": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
    }[kind]
    with pytest.raises(pki.RootError):
        pki.load_root(pem)
