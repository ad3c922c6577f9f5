"""shared.config: settings from environment variables, cast strictly."""

from __future__ import annotations

import base64
import dataclasses
import re
import runpy

import pytest

from shared import config
from shared.config import ConfigError, Settings, load, markdown_table, split_hostport

DEFAULTS = Settings(
    amqp_url="amqp://guest:guest@127.0.0.1:5672/",
    mongo_url="mongodb://127.0.0.1:27017/",
    mongo_db="csms",
    mongo_pool_size=10,
    gateway_listen="0.0.0.0:9000",
    gateway_id="",
    ocpp_versions=("ocpp2.1", "ocpp2.0.1", "ocpp1.6"),
    gateway_max_frame_bytes=262144,
    gateway_reply_timeout=20.0,
    gateway_auth_cache_seconds=60.0,
    gateway_auth_timeout=5.0,
    gateway_max_queued_calls=8,
    gateway_max_pending_auth=200,
    gateway_max_queued_commands=100,
    gateway_frame_rate=100.0,
    gateway_frame_burst=500,
    gateway_frame_close_after=500,
    gateway_login_failures_per_station=10,
    gateway_login_failures_per_address=100,
    gateway_login_window=60.0,
    gateway_ping_interval=60.0,
    gateway_compression=True,
    gateway_tls_listen="0.0.0.0:9443",
    gateway_tls_cert="",
    gateway_tls_key="",
    gateway_tls_ec_cert="",
    gateway_tls_ec_key="",
    gateway_tls_client_ca="",
    gateway_trusted_proxies=(),
    gateway_client_cert_header="X-Client-Cert",
    ca_cert_file="",
    ca_key_file="",
    dev_pki_dir=".local/pki",
    cert_validity_days=365,
    v2g_ca_cert_file="",
    v2g_ca_key_file="",
    v2g_cert_validity_days=60,
    cert_renewal_days=30,
    cert_renewal_sweep_seconds=300.0,
    cert_renewal_retry_seconds=900.0,
    cert_renewal_retry_max_seconds=86400.0,
    cert_renewal_alert_attempts=3,
    cert_renewal_alert_days=7,
    api_listen="0.0.0.0:8080",
    health_listen="",
    gateway_drain_seconds=10.0,
    command_timeout=30.0,
    station_password_key=b"",
    station_password_key_previous=b"",
    api_admin_key="",
    boot_request_full_inventory=False,
    worker_prefetch=64,
    event_loop="uvloop",
    worker_last_seen_seconds=60.0,
    event_publish_timeout=5.0,
    outbox_interval_seconds=2.0,
    outbox_sweep_after_seconds=10.0,
    heartbeat_interval=300,
    boot_policy="Accepted",
    boot_retry_interval=60,
    ocpp16_id_tag_type="ISO14443",
    auth_cache_seconds=86400,
    master_pass_group_id="",
    site_evse_max_current=32.0,
    site_profile_stack_level=1,
    site_retry_seconds=60.0,
    site_sweep_seconds=10.0,
    cost_update_interval=60,
    tariff_cache_seconds=30.0,
    contract_provider="none",
    contract_provider_url="",
    contract_provider_client_cert="",
    contract_provider_client_key="",
    contract_provider_ca_file="",
    contract_provider_timeout=5.0,
    contract_provider_dev_status="Accepted",
    contract_provider_dev_exi_response="",
    contract_roots_file="",
    ocsp_timeout=5.0,
    ocsp_cache_max=10000,
    log_level="INFO",
    log_format="json",
    log_limit_lines=10,
    log_limit_window=60.0,
    test_fault=(),
)


def test_empty_environment_gives_the_documented_defaults() -> None:
    settings = load({})

    assert settings == DEFAULTS
    assert type(settings.gateway_max_frame_bytes) is int
    assert type(settings.gateway_reply_timeout) is float
    assert settings.gateway_compression is True


def test_every_setting_is_read_from_its_variable() -> None:
    env = {
        "AMQP_URL": "amqp://u:p@rabbit:5672/v",
        "MONGO_URL": "mongodb://mongo:27017/",
        "MONGO_DB": "csms_test",
        "MONGO_POOL_SIZE": "4",
        "GATEWAY_LISTEN": "127.0.0.1:19000",
        "GATEWAY_ID": "gw-7",
        "OCPP_VERSIONS": " ocpp1.6 ,ocpp2.1",
        "GATEWAY_MAX_FRAME_BYTES": "65536",
        "GATEWAY_REPLY_TIMEOUT": "2.5",
        "GATEWAY_AUTH_CACHE_SECONDS": "0",
        "GATEWAY_AUTH_TIMEOUT": "1.25",
        "GATEWAY_MAX_QUEUED_CALLS": "0",
        "GATEWAY_MAX_PENDING_AUTH": "5",
        "GATEWAY_MAX_QUEUED_COMMANDS": "3",
        "COMMAND_TIMEOUT": "7.5",
        "STATION_PASSWORD_KEY": "ab" * 32,
        "STATION_PASSWORD_KEY_PREVIOUS": base64.b64encode(b"p" * 40).decode(),
        "API_ADMIN_KEY": "a" * 30,
        "BOOT_REQUEST_FULL_INVENTORY": "yes",
        "GATEWAY_PING_INTERVAL": "0",
        "GATEWAY_COMPRESSION": "off",
        "HEALTH_LISTEN": "0.0.0.0:8081",
        "GATEWAY_DRAIN_SECONDS": "2.5",
        "GATEWAY_TLS_LISTEN": "127.0.0.1:19443",
        "GATEWAY_TLS_CERT": "/tls/rsa.pem",
        "GATEWAY_TLS_KEY": "/tls/rsa-key.pem",
        "GATEWAY_TLS_EC_CERT": "/tls/ec.pem",
        "GATEWAY_TLS_EC_KEY": "/tls/ec-key.pem",
        "GATEWAY_TLS_CLIENT_CA": "/tls/stations-ca.pem",
        "GATEWAY_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
        "GATEWAY_CLIENT_CERT_HEADER": "X-SSL-Client-Cert",
        "CA_CERT_FILE": "/ca/ca.pem",
        "CA_KEY_FILE": "/ca/ca-key.pem",
        "DEV_PKI_DIR": "/tmp/pki",
        "CERT_VALIDITY_DAYS": "90",
        "V2G_CA_CERT_FILE": "/v2g/ca.pem",
        "V2G_CA_KEY_FILE": "/v2g/ca-key.pem",
        "V2G_CERT_VALIDITY_DAYS": "30",
        "CERT_RENEWAL_DAYS": "10",
        "CERT_RENEWAL_SWEEP_SECONDS": "0.5",
        "CERT_RENEWAL_RETRY_SECONDS": "2",
        "CERT_RENEWAL_RETRY_MAX_SECONDS": "60",
        "CERT_RENEWAL_ALERT_ATTEMPTS": "0",
        "CERT_RENEWAL_ALERT_DAYS": "2",
        "API_LISTEN": "[::1]:8081",
        "WORKER_PREFETCH": "1",
        "EVENT_LOOP": "asyncio",
        "WORKER_LAST_SEEN_SECONDS": "5",
        "EVENT_PUBLISH_TIMEOUT": "1.5",
        "OUTBOX_INTERVAL_SECONDS": "0.5",
        "OUTBOX_SWEEP_AFTER_SECONDS": "3",
        "HEARTBEAT_INTERVAL": "30",
        "BOOT_POLICY": "Pending",
        "BOOT_RETRY_INTERVAL": "5",
        "OCPP16_ID_TAG_TYPE": "Central",
        "AUTH_CACHE_SECONDS": "0",
        "MASTER_PASS_GROUP_ID": "POLICE",
        "SITE_EVSE_MAX_CURRENT": "16.5",
        "SITE_PROFILE_STACK_LEVEL": "0",
        "SITE_RETRY_SECONDS": "5",
        "SITE_SWEEP_SECONDS": "0.5",
        "COST_UPDATE_INTERVAL": "0",
        "TARIFF_CACHE_SECONDS": "0",
        "CONTRACT_PROVIDER": "http",
        "CONTRACT_PROVIDER_URL": "https://mo.example/contracts",
        "CONTRACT_PROVIDER_CLIENT_CERT": "/mo/client.pem",
        "CONTRACT_PROVIDER_CLIENT_KEY": "/mo/client-key.pem",
        "CONTRACT_PROVIDER_CA_FILE": "/mo/ca.pem",
        "CONTRACT_PROVIDER_TIMEOUT": "2.5",
        "CONTRACT_PROVIDER_DEV_STATUS": "Failed",
        "CONTRACT_PROVIDER_DEV_EXI_RESPONSE": "AAEC",
        "CONTRACT_ROOTS_FILE": "/mo/roots.pem",
        "OCSP_TIMEOUT": "1.5",
        "OCSP_CACHE_MAX": "0",
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "text",
        "GATEWAY_FRAME_RATE": "2.5",
        "GATEWAY_FRAME_BURST": "7",
        "GATEWAY_FRAME_CLOSE_AFTER": "9",
        "GATEWAY_LOGIN_FAILURES_PER_STATION": "3",
        "GATEWAY_LOGIN_FAILURES_PER_ADDRESS": "30",
        "GATEWAY_LOGIN_WINDOW": "15",
        "LOG_LIMIT_LINES": "4",
        "LOG_LIMIT_WINDOW": "30",
        "TEST_FAULT": "wait transaction.started CS001 /tmp/go",
    }

    assert load(env) == Settings(
        amqp_url="amqp://u:p@rabbit:5672/v",
        mongo_url="mongodb://mongo:27017/",
        mongo_db="csms_test",
        mongo_pool_size=4,
        gateway_listen="127.0.0.1:19000",
        gateway_id="gw-7",
        ocpp_versions=("ocpp1.6", "ocpp2.1"),
        gateway_max_frame_bytes=65536,
        gateway_reply_timeout=2.5,
        gateway_auth_cache_seconds=0.0,
        gateway_auth_timeout=1.25,
        gateway_max_queued_calls=0,
        gateway_max_pending_auth=5,
        gateway_max_queued_commands=3,
        command_timeout=7.5,
        station_password_key=b"\xab" * 32,
        station_password_key_previous=b"p" * 40,
        api_admin_key="a" * 30,
        boot_request_full_inventory=True,
        gateway_ping_interval=0.0,
        gateway_compression=False,
        health_listen="0.0.0.0:8081",
        gateway_drain_seconds=2.5,
        gateway_tls_listen="127.0.0.1:19443",
        gateway_tls_cert="/tls/rsa.pem",
        gateway_tls_key="/tls/rsa-key.pem",
        gateway_tls_ec_cert="/tls/ec.pem",
        gateway_tls_ec_key="/tls/ec-key.pem",
        gateway_tls_client_ca="/tls/stations-ca.pem",
        gateway_trusted_proxies=("10.0.0.1", "10.0.0.2"),
        gateway_client_cert_header="X-SSL-Client-Cert",
        ca_cert_file="/ca/ca.pem",
        ca_key_file="/ca/ca-key.pem",
        dev_pki_dir="/tmp/pki",
        cert_validity_days=90,
        v2g_ca_cert_file="/v2g/ca.pem",
        v2g_ca_key_file="/v2g/ca-key.pem",
        v2g_cert_validity_days=30,
        cert_renewal_days=10,
        cert_renewal_sweep_seconds=0.5,
        cert_renewal_retry_seconds=2.0,
        cert_renewal_retry_max_seconds=60.0,
        cert_renewal_alert_attempts=0,
        cert_renewal_alert_days=2,
        api_listen="[::1]:8081",
        worker_prefetch=1,
        event_loop="asyncio",
        worker_last_seen_seconds=5.0,
        event_publish_timeout=1.5,
        outbox_interval_seconds=0.5,
        outbox_sweep_after_seconds=3.0,
        heartbeat_interval=30,
        boot_policy="Pending",
        boot_retry_interval=5,
        ocpp16_id_tag_type="Central",
        auth_cache_seconds=0,
        master_pass_group_id="POLICE",
        site_evse_max_current=16.5,
        site_profile_stack_level=0,
        site_retry_seconds=5.0,
        site_sweep_seconds=0.5,
        cost_update_interval=0,
        tariff_cache_seconds=0.0,
        contract_provider="http",
        contract_provider_url="https://mo.example/contracts",
        contract_provider_client_cert="/mo/client.pem",
        contract_provider_client_key="/mo/client-key.pem",
        contract_provider_ca_file="/mo/ca.pem",
        contract_provider_timeout=2.5,
        contract_provider_dev_status="Failed",
        contract_provider_dev_exi_response="AAEC",
        contract_roots_file="/mo/roots.pem",
        ocsp_timeout=1.5,
        ocsp_cache_max=0,
        log_level="DEBUG",
        log_format="text",
        gateway_frame_rate=2.5,
        gateway_frame_burst=7,
        gateway_frame_close_after=9,
        gateway_login_failures_per_station=3,
        gateway_login_failures_per_address=30,
        gateway_login_window=15.0,
        log_limit_lines=4,
        log_limit_window=30.0,
        test_fault=("wait", "transaction.started", "CS001", "/tmp/go"),
    )


def test_load_without_argument_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONGO_DB", "from_os_environ")
    monkeypatch.setenv("WORKER_PREFETCH", "3")

    settings = load()

    assert settings.mongo_db == "from_os_environ"
    assert settings.worker_prefetch == 3


def test_unrelated_variables_are_ignored() -> None:
    assert load({"PATH": "/usr/bin", "HOME": "/root", "gateway_id": "lowercase"}) == DEFAULTS


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GATEWAY_MAX_FRAME_BYTES", "256k"),
        ("GATEWAY_MAX_FRAME_BYTES", "1.5"),
        ("GATEWAY_MAX_FRAME_BYTES", ""),
        ("WORKER_PREFETCH", "many"),
        ("HEARTBEAT_INTERVAL", "300s"),
        ("BOOT_RETRY_INTERVAL", "1e3"),
        ("GATEWAY_MAX_QUEUED_CALLS", "eight"),
        ("AUTH_CACHE_SECONDS", "-1"),
        ("AUTH_CACHE_SECONDS", "1.5"),
        ("MASTER_PASS_GROUP_ID", "G" * 37),
        ("MASTER_PASS_GROUP_ID", " POLICE"),
        ("SITE_EVSE_MAX_CURRENT", "0"),
        ("SITE_EVSE_MAX_CURRENT", "-6"),
        ("SITE_EVSE_MAX_CURRENT", "nan"),
        ("SITE_SWEEP_SECONDS", "inf"),
        ("CERT_RENEWAL_DAYS", "-1"),
        ("CERT_RENEWAL_SWEEP_SECONDS", "0"),
        ("SITE_PROFILE_STACK_LEVEL", "-1"),
        ("COST_UPDATE_INTERVAL", "-1"),
        ("COST_UPDATE_INTERVAL", "1.5"),
        ("TARIFF_CACHE_SECONDS", "-1"),
        ("TARIFF_CACHE_SECONDS", "inf"),
        ("CONTRACT_PROVIDER", "mo"),
        ("CONTRACT_PROVIDER_URL", "mo.example/contracts"),
        ("CONTRACT_PROVIDER_TIMEOUT", "0"),
        ("CONTRACT_PROVIDER_DEV_STATUS", "Rejected"),
        ("CONTRACT_PROVIDER_DEV_EXI_RESPONSE", "not base64!"),
        ("CONTRACT_PROVIDER_DEV_EXI_RESPONSE", "A" * 7504),
        ("OCSP_TIMEOUT", "0"),
        ("OCSP_CACHE_MAX", "-1"),
    ],
)
def test_bad_integer_raises_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load({name: value})

    assert str(info.value).startswith(f"{name}={value!r}")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GATEWAY_REPLY_TIMEOUT", "soon"),
        ("GATEWAY_PING_INTERVAL", "60s"),
        ("GATEWAY_AUTH_TIMEOUT", ""),
    ],
)
def test_bad_float_raises_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        load({name: value})


@pytest.mark.parametrize("value", ["maybe", "2", "", "enabled", "t"])
def test_bad_boolean_raises_config_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^GATEWAY_COMPRESSION="):
        load({"GATEWAY_COMPRESSION": value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" TRUE ", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("OFF", False),
    ],
)
def test_boolean_spellings_are_understood(value: str, expected: bool) -> None:
    assert load({"GATEWAY_COMPRESSION": value}).gateway_compression is expected


@pytest.mark.parametrize("value", ["Accepted", "Pending", "Rejected"])
def test_each_boot_status_is_a_valid_boot_policy(value: str) -> None:
    assert load({"BOOT_POLICY": value}).boot_policy == value


@pytest.mark.parametrize("value", ["accepted", "ACCEPTED", "Allowed", "", " Accepted"])
def test_bad_boot_policy_raises_config_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load({"BOOT_POLICY": value})

    message = str(info.value)
    assert message.startswith("BOOT_POLICY=")
    assert "Accepted, Pending, Rejected" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOG_LEVEL", "info"), ("LOG_LEVEL", "TRACE"), ("LOG_FORMAT", "JSON"), ("LOG_FORMAT", "xml")],
)
def test_bad_choice_raises_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        load({name: value})


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "expected at least one of ocpp2.1, ocpp2.0.1, ocpp1.6"),
        (" , ", "expected at least one of"),
        ("ocpp2.0.1,ocpp2.0", "unknown ocpp2.0;"),
        ("OCPP2.0.1", "unknown OCPP2.0.1;"),
        ("ocpp1.6,ocpp1.6", "a version is listed twice"),
    ],
)
def test_bad_ocpp_versions_stop_the_start_naming_the_variable(value: str, why: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(f"OCPP_VERSIONS={value!r}: ")) as info:
        load({"OCPP_VERSIONS": value})

    assert why in str(info.value)


def test_ocpp_versions_keep_the_order_given_as_the_preference() -> None:
    settings = load({"OCPP_VERSIONS": "ocpp1.6,ocpp2.0.1,ocpp2.1"})

    assert settings.ocpp_versions == ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GATEWAY_LISTEN", "9000"),
        ("GATEWAY_LISTEN", "0.0.0.0"),
        ("GATEWAY_LISTEN", "0.0.0.0:"),
        ("GATEWAY_LISTEN", "0.0.0.0:http"),
        ("API_LISTEN", "localhost:-1"),
    ],
)
def test_bad_host_port_raises_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        load({name: value})


def test_first_bad_setting_in_declaration_order_is_the_one_reported() -> None:
    with pytest.raises(ConfigError, match=r"^GATEWAY_MAX_FRAME_BYTES="):
        load({"LOG_LEVEL": "loud", "GATEWAY_MAX_FRAME_BYTES": "big"})


def test_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        load({"WORKER_PREFETCH": "x"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0.0.0:9000", ("0.0.0.0", 9000)),
        ("localhost:8080", ("localhost", 8080)),
        ("[::1]:9000", ("::1", 9000)),
        (":9000", ("", 9000)),
    ],
)
def test_split_hostport(value: str, expected: tuple[str, int]) -> None:
    assert split_hostport(value) == expected


def test_listen_address_accepted_by_load_can_be_split() -> None:
    try:
        settings = load({"GATEWAY_LISTEN": "0.0.0.0:²"})
    except ConfigError:
        return
    assert split_hostport(settings.gateway_listen)[1] >= 0


def test_settings_table_and_dataclass_declare_the_same_names() -> None:
    declared = [name.lower() for name, _default, _parse, _doc in config.SETTINGS]

    assert declared == [field.name for field in dataclasses.fields(Settings)]


def test_markdown_table_lists_every_setting_with_its_default() -> None:
    lines = markdown_table().splitlines()

    assert lines[:2] == ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    assert len(lines) == 2 + len(config.SETTINGS)
    for line, (name, default, _parse, doc) in zip(lines[2:], config.SETTINGS, strict=True):
        assert line == f"| `{name}` | `{default}` | {doc} |"
    assert any(line.startswith("| `BOOT_POLICY` | `Accepted` |") for line in lines)
    assert "| `GATEWAY_ID` | `` |" in lines[2 + 5]


@pytest.mark.filterwarnings("ignore:'shared.config' found in sys.modules:RuntimeWarning")
def test_running_the_module_prints_the_markdown_table(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_module("shared.config", run_name="__main__")

    assert capsys.readouterr().out == markdown_table() + "\n"


def test_every_default_parses() -> None:
    for name, default, parse, _doc in config.SETTINGS:
        assert parse(default) == getattr(DEFAULTS, name.lower()), name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00" * 32, bytes(32)),
        ("  " + "0F" * 40 + "\n", b"\x0f" * 40),
        (base64.b64encode(b"k" * 32).decode(), b"k" * 32),
        (base64.urlsafe_b64encode(b"\xfb\xff" * 20).decode(), b"\xfb\xff" * 20),
        ("", b""),
    ],
    ids=["hex", "hex-whitespace", "base64", "base64-urlsafe", "empty-means-none"],
)
def test_station_password_key_is_read_as_hex_or_base64(value: str, expected: bytes) -> None:
    assert load({"STATION_PASSWORD_KEY": value}).station_password_key == expected


@pytest.mark.parametrize(
    "value",
    [
        "ab" * 31,
        base64.b64encode(b"k" * 31).decode(),
        "secret-key-that-is-neither-hex-nor-base64!",
        base64.b64encode(b"k" * 32).decode().rstrip("="),
        "abc",
    ],
    ids=["hex-31-bytes", "base64-31-bytes", "neither", "base64-unpadded", "odd-hex"],
)
def test_bad_station_password_key_stops_the_start_without_echoing_it(value: str) -> None:
    for name in ("STATION_PASSWORD_KEY", "STATION_PASSWORD_KEY_PREVIOUS"):
        with pytest.raises(ConfigError) as caught:
            load({name: value})
        assert str(caught.value).startswith(f"{name}=<secret>: ")
        assert value not in str(caught.value)


def test_the_key_is_not_in_the_settings_repr() -> None:
    settings = load({"STATION_PASSWORD_KEY": "ab" * 32})
    assert "abab" not in repr(settings) and "\\xab" not in repr(settings)
