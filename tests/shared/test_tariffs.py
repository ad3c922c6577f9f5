"""shared/tariffs.py: parsing tariff bodies and computing costs, without sockets."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from shared import names, tariffs
from shared.ocppj import STATION_ID_PATTERN
from shared.schemas import validate
from shared.tariffs import InvalidTariff, Tariff

EXAMPLE = orjson.loads(
    b'{"currency": "EUR", "pricePerKWh": 0.30, "pricePerMinute": 0.0, "sessionFee": 1.00,'
    b' "description": {"en": "0.30 EUR/kWh + 1.00 EUR per session"},'
    b' "stations": ["CS001"], "default": false}'
)


def tariff(**fields: object) -> Tariff:
    doc = {"_id": "T1", **tariffs.parse(EXAMPLE, STATION_ID_PATTERN), **fields}
    return Tariff.from_doc(doc)


def test_the_issue_example_is_stored_with_decimal_strings():
    fields = tariffs.parse(EXAMPLE, STATION_ID_PATTERN)
    assert fields == {
        "currency": "EUR",
        "pricePerKWh": "0.3",
        "pricePerMinute": "0.0",
        "sessionFee": "1.0",
        "description": {"en": "0.30 EUR/kWh + 1.00 EUR per session"},
        "stations": ["CS001"],
        "default": False,
    }


def test_session_fee_and_ten_kwh_at_030_cost_exactly_4_eur():
    assert tariffs.cost(tariff(), 10_000.0, 3600) == Decimal("4.00")


def test_float_sums_would_drift_but_decimals_do_not():
    # 0.1 + 0.2 in binary floats is 0.30000000000000004.
    t = tariff(pricePerKWh="0.1", sessionFee="0.2")
    assert tariffs.cost(t, 1000, 0) == Decimal("0.30")
    assert str(tariffs.cost(t, 1000, 0)) == "0.30"


def test_time_is_charged_per_minute_with_fractions():
    t = tariff(pricePerKWh="0", sessionFee="0", pricePerMinute="0.05")
    assert tariffs.cost(t, 0, 90) == Decimal("0.08")  # 0.075 rounds half up
    assert tariffs.cost(t, 0, 600) == Decimal("0.50")


@pytest.mark.parametrize(
    ("wh", "expected"),
    [(16.6, "0.00"), (16.7, "0.01"), (49.9, "0.01"), (50, "0.02"), (150, "0.05"), (0, "0.00")],
)
def test_rounding_is_half_up_to_the_cent(wh, expected):
    t = tariff(pricePerKWh="0.3", sessionFee="0")  # 50 Wh = 0.015 and 150 Wh = 0.045: halves go up
    assert tariffs.cost(t, wh, 0) == Decimal(expected)


def test_currencies_round_to_their_minor_unit():
    assert tariffs.cost(tariff(currency="JPY", sessionFee="100.5"), 0, 0) == Decimal("101")
    assert tariffs.cost(tariff(currency="KWD", sessionFee="0.0005"), 0, 0) == Decimal("0.001")


def test_negative_energy_or_time_counts_nothing():
    assert tariffs.cost(tariff(pricePerMinute="1"), -500, -60) == Decimal("1.00")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": None}, "currency"),
        ({"pricePerKWh": -0.1}, "negative"),
        ({"pricePerKWh": 0.12345}, "decimals"),
        ({"sessionFee": 1e9}, "at most"),
        ({"sessionFee": "abc"}, "number"),
        ({"sessionFee": True}, "number"),
        ({"sessionFee": "NaN"}, "finite"),
        ({"colour": "red"}, "Unknown"),
        ({"stations": "CS001"}, "stations"),
        ({"stations": ["CS001", "CS001"]}, "twice"),
        ({"default": "yes"}, "default"),
        ({"description": {"en": ""}}, "characters"),
        ({"description": {"en": "x" * 513}}, "characters"),
        ({"description": {"not a language": "x"}}, "language"),
        ({"description": ["x"]}, "description"),
    ],
)
def test_bad_bodies_say_what_is_wrong(change, words):
    with pytest.raises(InvalidTariff) as caught:
        tariffs.parse({**EXAMPLE, **change}, STATION_ID_PATTERN)
    assert words in str(caught.value)


def test_amounts_default_to_zero_and_strings_keep_their_value():
    fields = tariffs.parse({"currency": "EUR", "pricePerKWh": "0.3000"}, STATION_ID_PATTERN)
    assert fields["pricePerKWh"] == "0.3000"
    assert fields["sessionFee"] == "0"
    assert fields["stations"] == [] and fields["default"] is False


def test_a_station_uses_its_own_tariff_else_the_default():
    own, default = (
        tariff(),
        Tariff.from_doc({"_id": "D", **tariffs.parse(EXAMPLE, STATION_ID_PATTERN)}),
    )
    assert tariffs.pick(own, default) is own
    assert tariffs.pick(None, default) is default
    assert tariffs.pick(None, None) is None


def test_personal_message_in_the_tokens_language_else_the_first():
    t = tariff(description={"en": "0.30 EUR/kWh", "nl": "0,30 EUR/kWh"})
    assert tariffs.personal_message(t, "nl") == {
        "format": "UTF8",
        "language": "nl",
        "content": "0,30 EUR/kWh",
    }
    assert tariffs.personal_message(t, "de")["language"] == "en"  # type: ignore[index]
    assert tariffs.personal_message(t, None)["language"] == "en"  # type: ignore[index]
    assert tariffs.personal_message(tariff(description={}), "en") is None


def test_a_snapshot_prices_the_same_as_the_tariff():
    t = tariff()
    again = Tariff.from_doc(t.snapshot())
    assert again.tariff_id == "T1"
    assert tariffs.cost(again, 12_345, 100) == tariffs.cost(t, 12_345, 100) == Decimal("4.70")


def _tariff(**amounts: str) -> Tariff:
    fields = {"pricePerKWh": "0", "pricePerMinute": "0", "sessionFee": "0", **amounts}
    return Tariff.from_doc({"_id": "T1", "currency": "EUR", **fields})


def test_a_tariff_as_ocpp_2_1_is_a_valid_set_default_tariff():
    tariff = Tariff(
        "T1",
        "EUR",
        Decimal("0.30"),
        Decimal("0.05"),
        Decimal("1"),
        {"en": "0.30/kWh", "nl": "0,30/kWh"},
    )
    sent = tariffs.as_ocpp21(tariff)
    validate("SetDefaultTariff", "Request", tariffs.set_default_tariff(tariff), names.OCPP21)
    assert sent["energy"] == {"prices": [{"priceKwh": 0.3}]}
    assert sent["chargingTime"] == {"prices": [{"priceMinute": 0.05}]}
    assert sent["fixedFee"] == {"prices": [{"priceFixed": 1.0}]}
    assert [d["language"] for d in sent["description"]] == ["en", "nl"]


def test_a_free_tariff_has_no_price_elements():
    sent = tariffs.as_ocpp21(_tariff())
    assert sent == {"tariffId": "T1", "currency": "EUR"}
    assert tariffs.as_ocpp21(_tariff(pricePerKWh="0.25")).keys() == {
        "tariffId",
        "currency",
        "energy",
    }


def test_a_long_tariff_id_is_shortened_to_2_1s_60_characters_and_stays_unique():
    a, b = "x" * 63 + "a", "x" * 63 + "b"
    short_a, short_b = tariffs.ocpp21_tariff_id(a), tariffs.ocpp21_tariff_id(b)
    assert len(short_a) == len(short_b) == 60
    assert short_a != short_b
    assert tariffs.ocpp21_tariff_id("x" * 60) == "x" * 60


@pytest.mark.parametrize(
    ("amount", "currency", "content"),
    [
        (Decimal("2.5"), "EUR", "2.50 EUR"),
        (Decimal("4.00"), "EUR", "4.00 EUR"),
        (Decimal("1200"), "JPY", "1200 JPY"),
        (Decimal("0.125"), "KWD", "0.125 KWD"),
        (Decimal("0"), "EUR", "0.00 EUR"),
        (Decimal("1E+2"), "EUR", "100.00 EUR"),  # never scientific notation
    ],
)
def test_the_running_cost_message_is_the_amount_and_currency(
    amount: Decimal, currency: str, content: str
):
    message = tariffs.running_cost_message(amount, currency)
    assert message == {"format": "UTF8", "content": content}


def test_the_running_cost_message_fits_a_transaction_event_answer():
    answer = {"updatedPersonalMessage": tariffs.running_cost_message(Decimal("2.5"), "EUR")}
    validate("TransactionEvent", "Response", answer)
    validate("TransactionEvent", "Response", answer, names.OCPP21)
