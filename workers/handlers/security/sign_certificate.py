"""SignCertificate (A02/A03): check the station's CSR, answer, then sign it and deliver the
chain with CertificateSigned once the station has its answer.

The CSR must be PEM, RSA >= 2048 or EC >= 224 bits, and name the station in its CN;
anything else is answered Rejected and recorded with the reason. V2G certificates need an
ISO 15118 PKI this CSMS does not run, so they are Rejected too.
"""

from __future__ import annotations

import logging

from cryptography import x509

from shared import commands, names, pki
from store import certificates

from ...context import Context, Payload

log = logging.getLogger("workers.security")


async def handle(ctx: Context, request: Payload) -> Payload:
    kind = request.get("certificateType", "ChargingStationCertificate")
    key = ctx.record_id()
    if kind != "ChargingStationCertificate" or ctx.ca is None:
        reason = "V2G certificates are not signed by this CSMS" if ctx.ca else "no CA configured"
        await _refuse(ctx, key, kind, reason)
        return {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": reason[:512]},
        }
    try:
        csr = pki.check_csr(request["csr"], ctx.station)
    except pki.CsrError as exc:
        await _refuse(ctx, key, kind, str(exc))
        return {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": str(exc)[:512]},
        }
    ctx.after_reply.append(lambda: _sign_and_deliver(ctx, key, csr))
    return {"status": "Accepted"}


async def _refuse(ctx: Context, key: str, kind: str, reason: str) -> None:
    log.warning("certificate signing refused", extra={"reason": reason})
    await certificates.add(
        ctx.db,
        {
            "_id": key,
            "station": ctx.station,
            "certificateType": kind,
            "status": "csr_rejected",
            "error": reason,
            "createdAt": ctx.now,
        },
    )
    await ctx.emit(names.EVENT_CERTIFICATE, status="csr_rejected", error=reason)


async def _sign_and_deliver(ctx: Context, key: str, csr: x509.CertificateSigningRequest) -> None:
    assert ctx.ca is not None and ctx.commands is not None
    chain = pki.sign_csr(ctx.ca, csr, ctx.settings.cert_validity_days)
    leaf = x509.load_pem_x509_certificate(chain.encode())
    await certificates.add(
        ctx.db,
        {
            "_id": key,
            "station": ctx.station,
            "certificateType": "ChargingStationCertificate",
            "serialNumber": format(leaf.serial_number, "x"),
            "commonName": pki.common_name(leaf),
            "notBefore": leaf.not_valid_before_utc,
            "notAfter": leaf.not_valid_after_utc,
            "status": "signed",
            "createdAt": ctx.now,
        },
    )
    result = await ctx.commands.send(
        ctx.station,
        "CertificateSigned",
        {"certificateChain": chain, "certificateType": "ChargingStationCertificate"},
        timeout=ctx.settings.command_timeout,
    )
    assert result is not None
    installed = (
        result.status == commands.ANSWERED and (result.response or {}).get("status") == "Accepted"
    )
    status = "installed" if installed else "not_installed"
    await certificates.set_fields(
        ctx.db,
        key,
        {
            "status": status,
            "commandId": result.command_id,
            "error": None if installed else (result.error_description or str(result.response)),
        },
    )
    await ctx.emit(
        names.EVENT_CERTIFICATE,
        status=status,
        serialNumber=format(leaf.serial_number, "x"),
        commandId=result.command_id,
    )
