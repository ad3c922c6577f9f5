"""GetConfiguration answered (1.6): the charge point's keys go into the device model, where
2.0.1 reports put variables (``shared.ocpp16_configuration`` says where each key goes)."""

from __future__ import annotations

from shared import ocpp16_configuration
from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    settings = ocpp16_configuration.configuration(response)
    await device_model.store_configuration(ctx.db, ctx.station, settings, ctx.now)
