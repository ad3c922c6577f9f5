"""Tariffs and costs (block I: I01 tariff text, I02 running cost, I03 total cost), pure.

No I/O and no binary floats in money: amounts are ``decimal.Decimal`` parsed from the
JSON numbers' text, stored as strings (FerretDB v1 has no Decimal128 guarantee), and a cost
becomes a float only at the very edge, already rounded, for the OCPP ``totalCost``
(a JSON number). The store reads and writes the documents (``store/tariffs.py``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "TARIFF_ID_PATTERN",
    "InvalidTariff",
    "Tariff",
    "as_ocpp21",
    "cost",
    "currency_decimals",
    "parse",
    "personal_message",
    "pick",
    "running_cost_message",
    "set_default_tariff",
]

TARIFF_ID_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,64}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
AMOUNTS = ("pricePerKWh", "pricePerMinute", "sessionFee")
FIELDS = ("currency", *AMOUNTS, "description", "stations", "default")
MAX_AMOUNT = Decimal("100000")
MAX_AMOUNT_DECIMALS = 4
MAX_MESSAGE = 512  # MessageContentType.content
MAX_LANGUAGES = 20
OCPP21_MAX_TARIFF_ID = 60  # TariffType.tariffId in OCPP 2.1
OCPP21_MAX_DESCRIPTIONS = 10  # TariffType.description
MAX_STATIONS = 5_000
# ISO 4217 minor units where they are not 2 (the common ones); every other code: 2.
_MINOR_UNITS = {
    **dict.fromkeys(("JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "PYG", "UGX"), 0),
    **dict.fromkeys(("BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD"), 3),
}


class InvalidTariff(ValueError):
    """A tariff body the API refuses (422), with what is wrong."""

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class Tariff:
    tariff_id: str
    currency: str
    price_per_kwh: Decimal
    price_per_minute: Decimal
    session_fee: Decimal
    description: Mapping[str, str]

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Tariff:
        """From a stored tariff (or a transaction's snapshot of one): amounts are strings."""
        return cls(
            tariff_id=str(doc.get("_id", doc.get("tariffId", ""))),
            currency=doc["currency"],
            price_per_kwh=Decimal(doc["pricePerKWh"]),
            price_per_minute=Decimal(doc["pricePerMinute"]),
            session_fee=Decimal(doc["sessionFee"]),
            description=doc.get("description") or {},
        )

    def snapshot(self) -> dict[str, str]:
        """What a transaction keeps of its tariff, so a later edit does not reprice it."""
        return {
            "tariffId": self.tariff_id,
            "currency": self.currency,
            "pricePerKWh": str(self.price_per_kwh),
            "pricePerMinute": str(self.price_per_minute),
            "sessionFee": str(self.session_fee),
        }


def _amount(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidTariff(f"{name} must be a number")
    try:
        # str() of an orjson float is its shortest repr: 0.3 -> "0.3", never 0.2999...
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidTariff(f"{name} must be a number") from None
    if not amount.is_finite():
        raise InvalidTariff(f"{name} must be a finite number")
    if amount < 0:
        raise InvalidTariff(f"{name} must not be negative")
    if amount > MAX_AMOUNT:
        raise InvalidTariff(f"{name} must be at most {MAX_AMOUNT}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_AMOUNT_DECIMALS:
        raise InvalidTariff(f"{name} has more than {MAX_AMOUNT_DECIMALS} decimals")
    return str(amount)


def _description(body: Mapping[str, Any]) -> dict[str, str]:
    texts = body.get("description", {})
    if not isinstance(texts, dict) or len(texts) > MAX_LANGUAGES:
        raise InvalidTariff(
            f"description must be an object of at most {MAX_LANGUAGES} language -> text"
        )
    for language, text in texts.items():
        if not LANGUAGE_PATTERN.fullmatch(language) or len(language) > 8:
            raise InvalidTariff("description keys must be language codes (RFC 5646)", language)
        if not isinstance(text, str) or not 0 < len(text) <= MAX_MESSAGE:
            raise InvalidTariff(f"description texts are 1 to {MAX_MESSAGE} characters", language)
    return dict(texts)


def parse(body: Mapping[str, Any], station_id: re.Pattern[str]) -> dict[str, Any]:
    """A tariff's stored fields from an API body, or InvalidTariff naming what is wrong.

    Amounts become strings of their decimal value (``0.30`` -> ``"0.30"`` is kept as
    ``"0.3"``: the value, not the text); ``station_id`` checks each listed station id."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidTariff("Unknown fields", unknown)
    currency = body.get("currency")
    if not isinstance(currency, str) or not CURRENCY_PATTERN.fullmatch(currency):
        raise InvalidTariff("currency must be an ISO 4217 code of 3 capital letters")
    stations = body.get("stations", [])
    if (
        not isinstance(stations, list)
        or len(stations) > MAX_STATIONS
        or not all(isinstance(s, str) and station_id.fullmatch(s) for s in stations)
    ):
        raise InvalidTariff(f"stations must be a list of at most {MAX_STATIONS} station ids")
    if len(set(stations)) != len(stations):
        raise InvalidTariff("stations lists a station twice")
    default = body.get("default", False)
    if not isinstance(default, bool):
        raise InvalidTariff("default must be true or false")
    return {
        "currency": currency,
        **{name: _amount(body, name) for name in AMOUNTS},
        "description": _description(body),
        "stations": stations,
        "default": default,
    }


def currency_decimals(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def cost(tariff: Tariff, energy_wh: float | Decimal, seconds: float | Decimal) -> Decimal:
    """A transaction's cost: session fee + kWh x price + minutes x price, rounded half up
    to the currency's minor unit. Negative energy or time (a meter reset, clocks) count 0.

    The meter's Wh and the seconds are floats from JSON and timestamps; they are taken by
    their shortest text, so 10000.0 Wh is exactly 10 kWh."""
    energy = max(Decimal(str(energy_wh)), Decimal(0))
    duration = max(Decimal(str(seconds)), Decimal(0))
    total = (
        tariff.session_fee
        + energy / 1000 * tariff.price_per_kwh
        + duration / 60 * tariff.price_per_minute
    )
    quantum = Decimal(1).scaleb(-currency_decimals(tariff.currency))
    return total.quantize(quantum, rounding=ROUND_HALF_UP)


def pick(own: Tariff | None, default: Tariff | None) -> Tariff | None:
    """The tariff a station charges under: its own, else the default one."""
    return own if own is not None else default


def personal_message(tariff: Tariff, language: str | None) -> dict[str, str] | None:
    """I01: the tariff's text as a MessageContentType, in ``language`` (the id token's
    ``language1``) when the tariff has it, else in its first language; None without text."""
    if not tariff.description:
        return None
    chosen = next(iter(tariff.description))
    if language is not None and language in tariff.description:
        chosen = language
    return {
        "format": "UTF8",
        "language": chosen,
        "content": tariff.description[chosen][:MAX_MESSAGE],
    }


def running_cost_message(amount: Decimal, currency: str) -> dict[str, str]:
    """I06: the running cost as the MessageContentType of a TransactionEvent answer's
    ``updatedPersonalMessage``: the amount with the currency's minor unit and its ISO code,
    ``"2.50 EUR"``. No ``language``: digits and a currency code read the same in every
    language, and the tariff's texts (I01) are the operator's, not a cost."""
    quantum = Decimal(1).scaleb(-currency_decimals(currency))
    shown = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return {"format": "UTF8", "content": f"{shown:f} {currency}"}


def ocpp21_tariff_id(tariff_id: str) -> str:
    """Our ids have up to 64 characters, 2.1's 60: a longer one keeps its first 51 and a
    hash of the whole, so two long ids that share a beginning stay apart."""
    if len(tariff_id) <= OCPP21_MAX_TARIFF_ID:
        return tariff_id
    digest = hashlib.sha256(tariff_id.encode()).hexdigest()[:8]
    return f"{tariff_id[: OCPP21_MAX_TARIFF_ID - 9]}~{digest}"


def as_ocpp21(tariff: Tariff) -> dict[str, Any]:
    """The tariff as OCPP 2.1's TariffType, for a station that computes its cost locally
    (SetDefaultTariff): a price per kWh, per minute of charging and a fixed fee per
    session, each only when not zero, with the same amounts the CSMS bills (2.1 reads them
    as excluding tax; this CSMS has no tax rates). A float only here, at the edge."""
    fields: dict[str, Any] = {
        "tariffId": ocpp21_tariff_id(tariff.tariff_id),
        "currency": tariff.currency,
    }
    texts = list(tariff.description.items())[:OCPP21_MAX_DESCRIPTIONS]
    if texts:
        fields["description"] = [
            {"format": "UTF8", "language": language, "content": text[:MAX_MESSAGE]}
            for language, text in texts
        ]
    if tariff.price_per_kwh:
        fields["energy"] = {"prices": [{"priceKwh": float(tariff.price_per_kwh)}]}
    if tariff.price_per_minute:
        fields["chargingTime"] = {"prices": [{"priceMinute": float(tariff.price_per_minute)}]}
    if tariff.session_fee:
        fields["fixedFee"] = {"prices": [{"priceFixed": float(tariff.session_fee)}]}
    return fields


def set_default_tariff(tariff: Tariff) -> dict[str, Any]:
    """The SetDefaultTariffRequest (2.1) giving a whole station (``evseId`` 0) ``tariff``."""
    return {"evseId": 0, "tariff": as_ocpp21(tariff)}
