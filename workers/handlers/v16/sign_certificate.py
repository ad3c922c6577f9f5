"""SignCertificate (1.6 security extension): the 2.0.1 CSR signing (A02/A03) of the charge
point's own certificate, the only kind a 1.6 charge point asks for."""

from __future__ import annotations

from ...context import Context, Payload
from ..security import sign_certificate


async def handle(ctx: Context, request: Payload) -> Payload:
    answer = await sign_certificate.handle(
        ctx, {"csr": request["csr"], "certificateType": "ChargingStationCertificate"}
    )
    return {"status": answer["status"]}
