"""ChangeConfiguration answered (1.6): a value the charge point took (Accepted or
RebootRequired) becomes the key's value in the device model, as SetVariables' do."""

from __future__ import annotations

from shared import ocpp16_configuration
from store import device_model

from ...context import Context, Payload


async def handle(ctx: Context, request: Payload, response: Payload) -> None:
    setting = ocpp16_configuration.changed(request, response)
    if setting is None or setting.value is None:
        return
    values = [(setting.component, setting.variable, "Actual", setting.value)]
    await device_model.store_values(ctx.db, ctx.station, values, ctx.now)
