"""Reading MeterValueType lists: documents to store and the energy register in Wh."""

from __future__ import annotations

from typing import Any

from shared import timestamps

ENERGY_REGISTER = "Energy.Active.Import.Register"  # the default measurand (part 2, 2.45)


def to_docs(
    meter_values: list[dict[str, Any]], base: dict[str, Any], id_prefix: str
) -> list[dict[str, Any]]:
    return [
        {
            "_id": f"{id_prefix}/{i}",
            **base,
            "timestamp": timestamps.parse(mv["timestamp"]),
            "sampledValue": mv["sampledValue"],
        }
        for i, mv in enumerate(meter_values)
    ]


def energy_register_wh(meter_values: list[dict[str, Any]]) -> list[float]:
    """Every whole-meter active-import register reading, converted to Wh."""
    readings = []
    for mv in meter_values:
        for sv in mv["sampledValue"]:
            if sv.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER or "phase" in sv:
                continue
            unit = sv.get("unitOfMeasure", {})
            value = float(sv["value"]) * 10 ** unit.get("multiplier", 0)
            readings.append(value * 1000 if unit.get("unit", "Wh") == "kWh" else value)
    return readings
