"""SignCertificate (A02/A03): check the station's CSR, answer, then sign it and deliver the
chain with CertificateSigned once the station has its answer.

Two CAs, never mixed: a ChargingStationCertificate CSR (PEM, RSA >= 2048 or EC >= 224 bits,
CN the station id) is signed by the station CA; a V2GCertificate CSR (ECDSA secp256r1,
CN the station id, O the station's ISO15118Ctrlr.OrganizationName: ``shared.v2g_pki``) by
the V2G CA. Anything else is answered Rejected and recorded with the reason.
"""

from __future__ import annotations

import logging

from cryptography import x509

from shared import commands, names, pki, v2g_pki
from store import certificates, device_model

from ...context import Context, Payload

log = logging.getLogger("workers.security")

STATION = "ChargingStationCertificate"
V2G = "V2GCertificate"
ORGANIZATION = ({"name": "ISO15118Ctrlr"}, {"name": "OrganizationName"})


async def handle(ctx: Context, request: Payload) -> Payload:
    kind = request.get("certificateType", STATION)
    key = ctx.record_id()
    if (ctx.ca if kind == STATION else ctx.v2g_ca) is None:
        reason = f"no CA configured for {kind}"
        await _refuse(ctx, key, kind, reason)
        return {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": reason[:512]},
        }
    try:
        if kind == V2G:
            known = await device_model.get_variable(ctx.db, ctx.station, *ORGANIZATION)
            csr = v2g_pki.check_csr(request["csr"], ctx.station, device_model.actual(known))
        else:
            csr = pki.check_csr(request["csr"], ctx.station)
    except pki.CsrError as exc:
        await _refuse(ctx, key, kind, str(exc))
        return {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": str(exc)[:512]},
        }
    ctx.after_reply.append(lambda: _sign_and_deliver(ctx, key, kind, csr))
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


def _sign(ctx: Context, kind: str, csr: x509.CertificateSigningRequest) -> str:
    """The chain for ``kind``, from that kind's CA only."""
    if kind == V2G:
        assert ctx.v2g_ca is not None
        return v2g_pki.sign_csr(ctx.v2g_ca, csr, ctx.settings.v2g_cert_validity_days)
    assert ctx.ca is not None
    return pki.sign_csr(ctx.ca, csr, ctx.settings.cert_validity_days)


async def _sign_and_deliver(
    ctx: Context, key: str, kind: str, csr: x509.CertificateSigningRequest
) -> None:
    assert ctx.commands is not None
    chain = _sign(ctx, kind, csr)
    leaf = x509.load_pem_x509_certificate(chain.encode())
    await certificates.add(
        ctx.db,
        {
            "_id": key,
            "station": ctx.station,
            "certificateType": kind,
            "serialNumber": format(leaf.serial_number, "x"),
            "commonName": pki.common_name(leaf),
            "issuer": leaf.issuer.rfc4514_string(),
            "notBefore": leaf.not_valid_before_utc,
            "notAfter": leaf.not_valid_after_utc,
            "status": "signed",
            "createdAt": ctx.now,
        },
    )
    result = await ctx.commands.send(
        ctx.station,
        "CertificateSigned",
        {"certificateChain": chain, "certificateType": kind},
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
        certificateType=kind,
        serialNumber=format(leaf.serial_number, "x"),
        commandId=result.command_id,
    )
