"""The status of a Plug & Charge contract certificate chain (C07), asked of OCSP responders.

An AuthorizeRequest names the chain by ``iso15118CertificateHashData`` (up to 4 entries:
the contract certificate and its sub-CAs, each with its responder; the station verified the
chain), or else sends the ``certificate`` itself (PEM, with its sub-CAs), which the CSMS
verifies first against its trust store (CONTRACT_ROOTS_FILE, ``shared/contract_chain.py``):
only a verified chain is asked about, each certificate naming a responder with its verified
issuer. Every entry is checked at once; each is bounded by OCSP_TIMEOUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from shared import contract_chain, ocsp
from shared.contract_chain import ChainError
from shared.ocsp import OcspError

from ...context import Context, Payload

MAX_CHECKED = 4
"""AuthorizeRequest.iso15118CertificateHashData's maxItems: never more responders asked."""


@dataclass(frozen=True)
class Checked:
    status: str
    """The chain's AuthorizeCertificateStatusEnumType: Accepted only when every certificate
    is good (and, for a ``certificate``, the chain verified)."""
    responders: list[str]
    """The OCSP responders asked (none when the chain itself was refused)."""
    detail: str | None = None
    """Why a ``certificate`` chain was refused before any responder was asked."""


async def check(ctx: Context, request: Payload) -> Checked | None:
    """The presented chain's status; None when the request carries no certificate data."""
    entries: Sequence[Mapping[str, Any]] = (request.get("iso15118CertificateHashData") or [])[
        :MAX_CHECKED
    ]
    if not entries and request.get("certificate"):
        try:
            entries = hash_data(request["certificate"], ctx.contract_roots, ctx.now)
        except ChainError as exc:
            return Checked(exc.certificate_status, [], exc.detail)
    if not entries:
        return None
    outcomes = await asyncio.gather(*(_one(ctx, entry) for entry in entries))
    responders = [str(e.get("responderURL", "")) for e in entries]
    return Checked(ocsp.certificate_status(list(outcomes)), responders)


def hash_data(pem: str, roots: Sequence[x509.Certificate], now: datetime) -> list[dict[str, Any]]:
    """What to ask OCSP responders about a ``certificate`` chain, once verified: the contract
    certificate (which must name its responder) and each sub-CA that names one.

    Raises:
        ChainError: the chain is not trusted, or the contract names no responder.
    """
    chain = contract_chain.verify(pem, roots, now)
    entries = []
    for index, cert in enumerate(chain.path[:MAX_CHECKED]):
        url = ocsp.responder_url(cert)
        if url is None and index == 0:
            raise ChainError("CertChainError", "the contract certificate names no OCSP responder")
        if url is not None:
            entries.append(ocsp.request_data(cert, chain.issuer_of(index), url))
    return entries


async def _one(ctx: Context, data: Mapping[str, Any]) -> str:
    if ctx.ocsp is None:
        return "CertChainError"
    try:
        return (await ctx.ocsp.check(data, ctx.now)).certificate_status
    except OcspError as exc:
        return exc.certificate_status
