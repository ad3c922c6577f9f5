"""PullDynamicScheduleUpdate: the station asks for the latest setpoints of a Dynamic charging
profile. This CSMS sends no Dynamic profiles (its site load management sets Absolute
TxProfiles), so the profile is not one of its own: Rejected, saying so."""

from __future__ import annotations

from ...context import Context, Payload
from .kept import keep


async def handle(ctx: Context, request: Payload) -> Payload:
    await keep(ctx, request, chargingProfileId=request["chargingProfileId"])
    return {
        "status": "Rejected",
        "statusInfo": {
            "reasonCode": "UnknownProfile",
            "additionalInfo": "This CSMS sets no Dynamic charging profiles",
        },
    }
