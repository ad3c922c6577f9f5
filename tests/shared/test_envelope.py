"""shared.envelope: the msgpack codec of what travels on the bus."""

from __future__ import annotations

import msgpack
import pytest

from shared import commands
from shared.envelope import (
    CONTENT_TYPE,
    VERSION,
    AuthRequest,
    AuthResult,
    Command,
    CommandResult,
    EnvelopeError,
    Inbound,
    Reply,
    pack,
    unpack,
)

INBOUND = Inbound(
    station="CS.001",
    gateway="gw-a-1234",
    connection="conn-7",
    message_type=2,
    message_id="19223201",
    action="BootNotification",
    frame='[2,"19223201","BootNotification",{"reason":"PowerUp"}]',
    received_at=1714557600.125,
)


def test_inbound_round_trips_through_pack() -> None:
    assert unpack(Inbound, pack(INBOUND)) == INBOUND


def test_inbound_carries_the_negotiated_ocpp_version() -> None:
    item = Inbound("CS1", "gw", "c", 2, "m1", "Heartbeat", '[2,"m1","Heartbeat",{}]', 1.5)
    v16 = Inbound(
        "CS1", "gw", "c", 2, "m1", "Heartbeat", '[2,"m1","Heartbeat",{}]', 1.5, "", "ocpp1.6"
    )

    assert item.ocpp_version == "ocpp2.0.1"
    assert unpack(Inbound, pack(v16)).ocpp_version == "ocpp1.6"


def test_inbound_from_a_gateway_without_the_version_reads_as_ocpp201() -> None:
    body = msgpack.unpackb(pack(INBOUND), raw=False)
    del body["ocpp_version"]

    assert unpack(Inbound, msgpack.packb(body)).ocpp_version == "ocpp2.0.1"


def test_a_command_result_carries_its_command_s_version_back() -> None:
    command = Command("id1", "CS1", "GetConfiguration", {}, 30.0, ocpp_version="ocpp1.6")
    result = unpack(CommandResult, pack(commands.outcome(command, commands.ANSWERED)))
    assert result.ocpp_version == "ocpp1.6"

    body = msgpack.unpackb(pack(result), raw=False)
    del body["ocpp_version"]  # from a gateway that predates the field
    assert unpack(CommandResult, msgpack.packb(body)).ocpp_version == "ocpp2.0.1"


def test_inbound_without_action_round_trips_with_none() -> None:
    answer = Inbound("CS1", "gw", "c", 3, "m1", None, '[3,"m1",{}]', 1.5)

    result = unpack(Inbound, pack(answer))

    assert result == answer
    assert result.action is None


def test_inbound_frame_text_travels_byte_for_byte() -> None:
    frame = '[2, "m\\u00e9", "DataTransfer", {"data": "é ✓ \\n", "n": 1.50}]'
    item = Inbound("CS1", "gw", "c", 2, "mé", "DataTransfer", frame, 0.0)

    assert unpack(Inbound, pack(item)).frame == frame


def test_reply_round_trips_through_pack() -> None:
    reply = Reply("CS1", "m1", '[3,"m1",{"currentTime":"2024-05-01T10:00:00Z"}]')

    assert unpack(Reply, pack(reply)) == reply


def test_auth_request_round_trips_with_and_without_password() -> None:
    with_password = AuthRequest("CS1", "Test-Password-0123456789", "10.0.0.7:51234")
    without_password = AuthRequest("CS2", None, "10.0.0.8:40000")

    assert unpack(AuthRequest, pack(with_password)) == with_password
    assert unpack(AuthRequest, pack(without_password)) == without_password


def test_auth_result_round_trips_through_pack() -> None:
    result = AuthResult("unauthorized", security_profile=2, reason="bad password")

    assert unpack(AuthResult, pack(result)) == result


def test_auth_result_missing_optional_fields_gets_defaults() -> None:
    result = unpack(AuthResult, msgpack.packb({"status": "unknown"}))

    assert result == AuthResult(status="unknown", security_profile=0, reason="")
    assert result.ocpp_versions is None


def test_auth_result_carries_the_station_s_ocpp_versions() -> None:
    result = AuthResult("ok", 1, ocpp_versions=["ocpp1.6", "ocpp2.1"])

    assert unpack(AuthResult, pack(result)).ocpp_versions == ["ocpp1.6", "ocpp2.1"]


def test_packed_envelope_is_a_msgpack_map_with_version() -> None:
    body = msgpack.unpackb(pack(Reply("CS1", "m1", "[3]")), raw=False)

    assert VERSION == 1
    assert body == {
        "station": "CS1",
        "message_id": "m1",
        "frame": "[3]",
        "started_at": 0.0,
        "handled_at": 0.0,
        "boot": "",
        "v": 1,
    }
    assert CONTENT_TYPE == "application/msgpack"


def test_unknown_keys_are_ignored_on_decode() -> None:
    data = msgpack.packb(
        {"station": "CS1", "message_id": "m1", "frame": "[3]", "v": 2, "priority": "high"}
    )

    assert unpack(Reply, data) == Reply("CS1", "m1", "[3]")


def test_missing_required_field_raises_envelope_error_naming_the_kind() -> None:
    data = msgpack.packb({"station": "CS1", "frame": "[3]"})

    with pytest.raises(EnvelopeError, match="not a Reply"):
        unpack(Reply, data)


def test_inbound_missing_received_at_raises_envelope_error() -> None:
    body = msgpack.unpackb(pack(INBOUND))
    del body["received_at"]

    with pytest.raises(EnvelopeError, match="not a Inbound"):
        unpack(Inbound, msgpack.packb(body))


@pytest.mark.parametrize(
    "data",
    [b"", b"\xc1", b"\x92\x01", msgpack.packb({"status": "ok"}) + b"\x00"],
    ids=["empty", "reserved-byte", "truncated", "extra-data"],
)
def test_bytes_that_are_not_msgpack_raise_envelope_error(data: bytes) -> None:
    with pytest.raises(EnvelopeError, match="not msgpack"):
        unpack(AuthResult, data)


@pytest.mark.parametrize(
    "value", [[1, 2], "status", 7, None], ids=["array", "string", "int", "nil"]
)
def test_msgpack_that_is_not_a_map_raises_envelope_error(value: object) -> None:
    with pytest.raises(EnvelopeError, match="not a map"):
        unpack(AuthResult, msgpack.packb(value))


def test_map_with_non_string_keys_raises_envelope_error() -> None:
    with pytest.raises(EnvelopeError):
        unpack(Reply, msgpack.packb({1: "CS1"}))


def test_envelope_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        unpack(Reply, b"\xc1")
