"""workers/handlers/tariff_cost/pricing.py: the parts that need no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.tariffs import Tariff
from workers.handlers.tariff_cost.pricing import Priced, _span, ended_fields, with_tariff_text

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TARIFF = Tariff.from_doc(
    {
        "_id": "T1",
        "currency": "EUR",
        "pricePerKWh": "0.3",
        "pricePerMinute": "0",
        "sessionFee": "1.0",
        "description": {"en": "0.30 EUR/kWh", "de": "0,30 EUR/kWh"},
    }
)


def test_energy_and_time_run_from_the_stored_start_to_this_event():
    summary = {"meterStartWh": 1000.0, "meterLastWh": 4000.0, "startedAt": T0}
    later = T0 + timedelta(minutes=30)
    assert _span(summary, later, [11_000.0]) == (10_000.0, 1800.0)
    assert _span(summary, later, []) == (3000.0, 1800.0)


def test_a_first_event_spans_only_itself():
    assert _span(None, T0, [500.0]) == (0.0, 0.0)
    assert _span(None, T0, []) == (0.0, 0.0)


def test_the_tariff_text_goes_to_accepted_tokens_without_their_own_message():
    accepted = {"status": "Accepted", "language1": "de"}
    assert with_tariff_text(accepted, TARIFF)["personalMessage"] == {
        "format": "UTF8",
        "language": "de",
        "content": "0,30 EUR/kWh",
    }
    own = {"status": "Accepted", "personalMessage": {"format": "UTF8", "content": "Hi"}}
    assert with_tariff_text(own, TARIFF) == own
    assert with_tariff_text({"status": "Blocked"}, TARIFF) == {"status": "Blocked"}
    assert with_tariff_text({"status": "Accepted"}, None) == {"status": "Accepted"}


def test_ended_events_carry_cost_and_currency_or_nulls():
    assert ended_fields(Priced(TARIFF, False, cost=Decimal("4.00"))) == {
        "cost": "4.00",
        "currency": "EUR",
    }
    assert ended_fields(Priced(TARIFF, True, cost=Decimal("4.00")))["cost"] == "4.00"
    assert ended_fields(None) == {"cost": None, "currency": None}
    assert ended_fields(Priced(None, False)) == {"cost": None, "currency": None}
