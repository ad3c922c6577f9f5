"""shared.contract_chain: a contract certificate chain verified against trusted roots, without
a network; every certificate made here with ``cryptography``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared import contract_chain
from shared.contract_chain import ChainError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Made:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def make(
    cn: str,
    issuer: Made | None = None,
    *,
    ca: bool = True,
    path_length: int | None = None,
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=30),
    key_cert_sign: bool | None = None,
) -> Made:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
    )
    if key_cert_sign is not None:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=key_cert_sign,
                crl_sign=key_cert_sign,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return Made(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def pem(*certs: x509.Certificate) -> str:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs).decode()


@pytest.fixture(scope="module")
def pki() -> dict[str, Made]:
    """An MO root, its sub-CAs 1 and 2, and a contract under sub-CA 2 (ISO 15118-2's shape)."""
    root = make("MO Root")
    sub1 = make("MO Sub-CA 1", root)
    sub2 = make("MO Sub-CA 2", sub1)
    return {"root": root, "sub1": sub1, "sub2": sub2, "contract": make("EMAID1", sub2, ca=False)}


def refusal(chain: str, roots: list[x509.Certificate], now: datetime = NOW) -> str:
    with pytest.raises(ChainError) as raised:
        contract_chain.verify(chain, roots, now)
    return raised.value.certificate_status


def test_a_chain_to_a_trusted_root_is_verified(pki: dict[str, Made]):
    root, sub1, sub2, contract = (pki[k].cert for k in ("root", "sub1", "sub2", "contract"))
    chain = contract_chain.verify(pem(contract, sub2, sub1), [root], NOW)
    assert chain.path == (contract, sub2, sub1) and chain.root == root
    assert [chain.issuer_of(i) for i in range(3)] == [sub2, sub1, root]
    # Out of order, or with the root sent along: the same chain.
    assert contract_chain.verify(pem(contract, sub1, root, sub2), [root], NOW).path == chain.path


def test_a_chain_to_a_root_not_trusted_is_a_chain_error(pki: dict[str, Made]):
    foreign = make("MO Root")  # the same name, another key: a self-made CA
    sub = make("MO Sub-CA 2", foreign)
    forged = make("EMAID1", sub, ca=False)
    assert refusal(pem(forged.cert, sub.cert, foreign.cert), [make("Other Root").cert]) == (
        "CertChainError"
    )
    assert refusal(pem(forged.cert, sub.cert), []) == "CertChainError"
    # A self-made root sent along, named like the trusted one: its signature gives it away.
    assert refusal(pem(forged.cert, sub.cert, foreign.cert), [pki["root"].cert]) == (
        "SignatureError"
    )


def test_a_chain_with_a_missing_link_is_a_chain_error(pki: dict[str, Made]):
    contract, sub2, root = pki["contract"].cert, pki["sub2"].cert, pki["root"].cert
    assert refusal(pem(contract, sub2), [root]) == "CertChainError"  # sub-CA 1 left out
    assert refusal(pem(contract), [root]) == "CertChainError"
    assert refusal("not a certificate", [root]) == "CertChainError"


def test_a_tampered_signature_is_a_signature_error(pki: dict[str, Made]):
    contract = pki["contract"].cert
    der = bytearray(contract.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature value, the last element of the certificate
    tampered = x509.load_der_x509_certificate(bytes(der))
    chain = pem(tampered, pki["sub2"].cert, pki["sub1"].cert)
    assert refusal(chain, [pki["root"].cert]) == "SignatureError"
    # A sub-CA that claims the right issuer but was signed by another key.
    impostor = make("MO Sub-CA 1", make("MO Root"))
    sub2 = make("MO Sub-CA 2", impostor)
    contract2 = make("EMAID2", sub2, ca=False)
    chain = pem(contract2.cert, sub2.cert, impostor.cert)
    assert refusal(chain, [pki["root"].cert]) == "SignatureError"


def test_a_certificate_out_of_its_dates_is_expired(pki: dict[str, Made]):
    root, sub1, sub2 = pki["root"], pki["sub1"], pki["sub2"]
    old = make("EMAID3", sub2, ca=False, not_after=NOW - timedelta(seconds=1))
    assert refusal(pem(old.cert, sub2.cert, sub1.cert), [root.cert]) == "CertificateExpired"
    early = make("EMAID4", sub2, ca=False, not_before=NOW + timedelta(hours=1))
    assert refusal(pem(early.cert, sub2.cert, sub1.cert), [root.cert]) == "CertificateExpired"
    chain = pem(pki["contract"].cert, sub2.cert, sub1.cert)
    assert refusal(chain, [root.cert], NOW + timedelta(days=31)) == "CertificateExpired"
    # An expired sub-CA expires the chain.
    old_sub = make("MO Sub-CA 2", sub1, not_after=NOW - timedelta(days=1))
    contract = make("EMAID5", old_sub, ca=False)
    assert refusal(pem(contract.cert, old_sub.cert, sub1.cert), [root.cert]) == (
        "CertificateExpired"
    )


def test_issuers_must_be_cas_within_their_path_length_and_the_contract_must_not(
    pki: dict[str, Made],
):
    root, sub1 = pki["root"], pki["sub1"]
    not_ca = make("MO Sub-CA 2", sub1, ca=False)
    contract = make("EMAID6", not_ca, ca=False)
    assert refusal(pem(contract.cert, not_ca.cert, sub1.cert), [root.cert]) == "CertChainError"
    short = make("MO Sub-CA 1", root, path_length=0)
    sub2 = make("MO Sub-CA 2", short)
    contract = make("EMAID7", sub2, ca=False)
    assert refusal(pem(contract.cert, sub2.cert, short.cert), [root.cert]) == "CertChainError"
    no_signing = make("MO Sub-CA 2", sub1, key_cert_sign=False)
    contract = make("EMAID8", no_signing, ca=False)
    chain = pem(contract.cert, no_signing.cert, sub1.cert)
    assert refusal(chain, [root.cert]) == "CertChainError"
    ca_contract = make("EMAID9", pki["sub2"])
    chain = pem(ca_contract.cert, pki["sub2"].cert, sub1.cert)
    assert refusal(chain, [root.cert]) == "CertChainError"


def test_the_trust_store_holds_ca_certificates_only(pki: dict[str, Made]):
    assert contract_chain.load_roots(pem(pki["root"].cert, pki["sub1"].cert).encode()) == (
        pki["root"].cert,
        pki["sub1"].cert,
    )
    with pytest.raises(ValueError, match="not a CA"):
        contract_chain.load_roots(pem(pki["contract"].cert).encode())
    with pytest.raises(ValueError, match="not PEM"):
        contract_chain.load_roots(b"nothing here")
