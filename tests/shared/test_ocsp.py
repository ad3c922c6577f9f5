"""shared.ocsp: OCSP requests from OCPP's hash data, answers checked, without a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp

from shared import ocsp
from shared.ocsp import OcspError
from tests.ocsp_responder import Authority, certificate, hash_data

URL = "http://ocsp.example/"
GOOD = x509_ocsp.OCSPCertStatus.GOOD
REVOKED = x509_ocsp.OCSPCertStatus.REVOKED


@pytest.fixture(scope="module")
def ca() -> Authority:
    return Authority.create()


def now() -> datetime:
    return datetime.now(UTC)


def test_the_request_names_the_certificate_by_the_stations_hashes(ca: Authority):
    cert = ca.issue("EMAID1")
    data = hash_data(cert, ca.cert, URL)
    request = x509_ocsp.load_der_ocsp_request(ocsp.build_request(data))
    assert request.serial_number == cert.serial_number
    assert request.issuer_name_hash.hex() == data["issuerNameHash"]
    assert request.issuer_key_hash.hex() == data["issuerKeyHash"]
    assert request.hash_algorithm.name == "sha256"


@pytest.mark.parametrize(
    "change",
    [
        {"issuerNameHash": "zz"},
        {"issuerKeyHash": "abcd"},  # too short for SHA256
        {"serialNumber": "not-hex"},
        {"hashAlgorithm": "SHA1"},
    ],
)
def test_unusable_hash_data_is_refused_before_any_request(ca: Authority, change: dict[str, str]):
    data = {**hash_data(ca.issue("X"), ca.cert, URL), **change}
    with pytest.raises(OcspError) as raised:
        ocsp.build_request(data)
    assert raised.value.reason_code == "InvalidValue"


def test_a_good_answer_signed_by_the_issuer_is_accepted_until_its_next_update(ca: Authority):
    cert = ca.issue("EMAID2")
    data = hash_data(cert, ca.cert, URL)
    der = ca.answer(cert, GOOD, next_update=timedelta(hours=2))
    answer = ocsp.parse_response(der, data, now())
    assert answer.status == "good" and answer.certificate_status == "Accepted"
    assert answer.next_update is not None
    assert timedelta(minutes=119) < answer.next_update - now() <= timedelta(hours=2)
    assert answer.der == der


def test_a_revoked_certificate_is_certificate_revoked(ca: Authority):
    cert = ca.issue("EMAID3")
    answer = ocsp.parse_response(ca.answer(cert, REVOKED), hash_data(cert, ca.cert, URL), now())
    assert answer.status == "revoked" and answer.certificate_status == "CertificateRevoked"


def test_an_unknown_certificate_is_a_chain_error(ca: Authority):
    cert = ca.issue("EMAID4")
    der = ca.answer(cert, x509_ocsp.OCSPCertStatus.UNKNOWN)
    answer = ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now())
    assert answer.certificate_status == "CertChainError"


def test_the_responder_may_be_named_by_its_name_instead_of_its_key_hash(ca: Authority):
    cert = ca.issue("EMAID2b")
    der = ca.answer(cert, GOOD, responder_id=x509_ocsp.OCSPResponderEncoding.NAME)
    assert ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now()).status == "good"


def test_an_answer_without_its_signers_certificate_cannot_be_verified(ca: Authority):
    cert = ca.issue("EMAID2c")
    der = (
        x509_ocsp.OCSPResponseBuilder()
        .add_response(
            cert=cert,
            issuer=ca.cert,
            algorithm=hashes.SHA256(),
            cert_status=GOOD,
            this_update=now(),
            next_update=now() + timedelta(hours=1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(x509_ocsp.OCSPResponderEncoding.HASH, ca.cert)
        .sign(ca.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    with pytest.raises(OcspError, match="signer's certificate") as raised:
        ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now())
    assert raised.value.certificate_status == "SignatureError"


def test_a_delegated_responder_with_ocsp_signing_is_trusted(ca: Authority):
    cert = ca.issue("EMAID5")
    delegate = certificate("OCSP signer", ca.cert, ca.key, ocsp_signing=True)
    der = ca.answer(cert, GOOD, signer=delegate)
    assert ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now()).status == "good"


def test_an_answer_about_another_certificate_is_refused(ca: Authority):
    asked, other = ca.issue("EMAID6"), ca.issue("EMAID7")
    with pytest.raises(OcspError, match="another certificate"):
        ocsp.parse_response(ca.answer(other, GOOD), hash_data(asked, ca.cert, URL), now())


def test_an_answer_signed_by_a_stranger_is_a_signature_error(ca: Authority):
    cert = ca.issue("EMAID8")
    stranger = certificate("Not the CA")  # self-signed, no OCSPSigning, other issuer
    with pytest.raises(OcspError) as raised:
        ocsp.parse_response(
            ca.answer(cert, GOOD, signer=stranger), hash_data(cert, ca.cert, URL), now()
        )
    assert raised.value.certificate_status == "SignatureError"


def test_a_forged_issuer_certificate_is_a_signature_error(ca: Authority):
    # Same subject name as the CA, but another key: the key hash gives it away.
    cert = ca.issue("EMAID9")
    forged = certificate(ca.cert.subject.rfc4514_string().removeprefix("CN="), ca=True)
    with pytest.raises(OcspError) as raised:
        ocsp.parse_response(
            ca.answer(cert, GOOD, signer=forged), hash_data(cert, ca.cert, URL), now()
        )
    assert raised.value.certificate_status == "SignatureError"


def test_a_delegate_without_ocsp_signing_is_a_signature_error(ca: Authority):
    cert = ca.issue("EMAID10")
    plain = certificate("Just a leaf", ca.cert, ca.key)
    with pytest.raises(OcspError, match="may not sign"):
        ocsp.parse_response(
            ca.answer(cert, GOOD, signer=plain), hash_data(cert, ca.cert, URL), now()
        )


def test_a_tampered_answer_does_not_verify(ca: Authority):
    cert = ca.issue("EMAID11")
    der = bytearray(ca.answer(cert, GOOD))
    signature = x509_ocsp.load_der_ocsp_response(bytes(der)).signature
    der[der.index(signature) + len(signature) - 1] ^= 0x01
    with pytest.raises(OcspError) as raised:
        ocsp.parse_response(bytes(der), hash_data(cert, ca.cert, URL), now())
    assert raised.value.certificate_status == "SignatureError"


def test_an_out_of_date_answer_is_refused(ca: Authority):
    cert = ca.issue("EMAID12")
    der = ca.answer(cert, GOOD, next_update=timedelta(hours=1))
    with pytest.raises(OcspError, match="out of date"):
        ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now() + timedelta(hours=2))


@pytest.mark.parametrize("der", [b"", b"<html>busy</html>", b"\x30\x03\x0a\x01\x00"])
def test_garbage_is_not_an_answer(ca: Authority, der: bytes):
    cert = ca.issue("EMAID13")
    with pytest.raises(OcspError) as raised:
        ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now())
    assert raised.value.certificate_status == "CertChainError"


def test_an_unsuccessful_answer_is_refused(ca: Authority):
    cert = ca.issue("EMAID14")
    der = ca.respond_to(  # the responder does not know this serial
        x509_ocsp.OCSPRequestBuilder()
        .add_certificate(certificate("elsewhere", ca.cert, ca.key)[0], ca.cert, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    with pytest.raises(OcspError, match="UNAUTHORIZED"):
        ocsp.parse_response(der, hash_data(cert, ca.cert, URL), now())


def test_hash_data_is_derived_from_a_certificate_and_its_verified_issuer(ca: Authority):
    cert = ca.issue("EMAID15", ocsp_url=URL)
    url = ocsp.responder_url(cert)
    assert url == URL
    assert ocsp.request_data(cert, ca.cert, url) == {
        **hash_data(cert, ca.cert, URL),
        "serialNumber": format(cert.serial_number, "x"),
    }
    assert ocsp.responder_url(ca.issue("EMAID16")) is None


def test_a_chain_is_as_good_as_its_worst_certificate():
    assert ocsp.certificate_status(["Accepted", "Accepted"]) == "Accepted"
    assert ocsp.certificate_status(["CertChainError", "CertificateRevoked"]) == "CertificateRevoked"
    assert ocsp.certificate_status(["Accepted", "SignatureError"]) == "SignatureError"
