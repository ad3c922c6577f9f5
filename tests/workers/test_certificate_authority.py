"""The workers' two CAs: separate files, separate development CAs, and a V2G CA that
ISO 15118-2 could not use refused at start."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared import config, pki
from workers import certificate_authority


def test_development_cas_are_two_and_each_made_once(tmp_path: Path):
    settings = config.load({"DEV_PKI_DIR": str(tmp_path)})
    station, v2g = certificate_authority.load(settings), certificate_authority.load_v2g(settings)
    assert station.certificate != v2g.certificate
    assert (tmp_path / "v2g" / "ca.pem").exists() and (tmp_path / "ca.pem").exists()
    assert certificate_authority.load_v2g(settings).certificate == v2g.certificate
    assert isinstance(v2g.key, ec.EllipticCurvePrivateKey) and v2g.key.curve.name == "secp256r1"


def test_a_configured_v2g_ca_is_used_and_the_station_ca_is_not(tmp_path: Path):
    station, v2g = pki.new_ca("Station CA"), pki.new_ca("V2G CA")
    for name, ca in (("station", station), ("v2g", v2g)):
        pki.write_cert(tmp_path / f"{name}.pem", ca.certificate)
        pki.write_key(tmp_path / f"{name}-key.pem", ca.key)
    settings = config.load(
        {
            "CA_CERT_FILE": str(tmp_path / "station.pem"),
            "CA_KEY_FILE": str(tmp_path / "station-key.pem"),
            "V2G_CA_CERT_FILE": str(tmp_path / "v2g.pem"),
            "V2G_CA_KEY_FILE": str(tmp_path / "v2g-key.pem"),
            "DEV_PKI_DIR": str(tmp_path / "dev"),
        }
    )
    assert certificate_authority.load(settings).certificate == station.certificate
    assert certificate_authority.load_v2g(settings).certificate == v2g.certificate
    assert not (tmp_path / "dev").exists()


def test_an_rsa_v2g_ca_stops_the_worker(tmp_path: Path):
    ca = pki.new_ca("V2G CA")
    rsa_key = pki.new_key("rsa")
    pki.write_cert(tmp_path / "v2g.pem", ca.certificate)
    pki.write_key(tmp_path / "v2g-key.pem", rsa_key)
    settings = dataclasses.replace(
        config.load({}),
        v2g_ca_cert_file=str(tmp_path / "v2g.pem"),
        v2g_ca_key_file=str(tmp_path / "v2g-key.pem"),
    )
    with pytest.raises(ValueError, match="secp256r1"):
        certificate_authority.load_v2g(settings)


def test_contract_roots_are_none_by_default_and_a_bad_file_stops_the_worker(tmp_path: Path):
    assert certificate_authority.load_contract_roots(config.load({})) == ()
    mo, v2g = pki.new_ca("MO Root"), pki.new_ca("V2G Root")
    pki.write_cert(tmp_path / "roots.pem", mo.certificate, v2g.certificate)
    settings = config.load({"CONTRACT_ROOTS_FILE": str(tmp_path / "roots.pem")})
    roots = certificate_authority.load_contract_roots(settings)
    assert roots == (mo.certificate, v2g.certificate)
    leaf = pki.issue(mo, "not a root", mo.key.public_key())
    pki.write_cert(tmp_path / "leaf.pem", leaf)
    (tmp_path / "empty.pem").write_text("")
    for name in ("missing.pem", "leaf.pem", "empty.pem"):
        settings = config.load({"CONTRACT_ROOTS_FILE": str(tmp_path / name)})
        with pytest.raises(config.ConfigError, match="CONTRACT_ROOTS_FILE"):
            certificate_authority.load_contract_roots(settings)
