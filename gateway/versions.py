"""Which OCPP version (websocket subprotocol) a station speaks: OCPP-J part 4, section 3.2.

The deployment accepts ``OCPP_VERSIONS`` in its order of preference; a station may be
registered to fewer (its ``ocppVersions``, carried in the handshake's auth answer). Of the
subprotocols the station offers, the first the deployment prefers and the station is
allowed wins. With none, the handshake completes without a subprotocol and the gateway
closes the connection (1002) naming what it would have accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

# RFC 6455, 7.4.1: 1002, protocol error; what OCPP-J asks for without a common subprotocol.
PROTOCOL_ERROR = 1002


def acceptable(deployment: Sequence[str], allowed: Sequence[str] | None) -> tuple[str, ...]:
    """The versions this station may connect with here, the deployment's preferred first."""
    return tuple(v for v in deployment if allowed is None or v in allowed)


def choose(
    offered: Sequence[str], deployment: Sequence[str], allowed: Sequence[str] | None
) -> str | None:
    """The subprotocol to answer with: the first of ``acceptable`` the station offered."""
    return next((v for v in acceptable(deployment, allowed) if v in offered), None)


def refusal(deployment: Sequence[str], allowed: Sequence[str] | None) -> str:
    """The close reason (at most 123 bytes) when nothing offered was acceptable."""
    versions = acceptable(deployment, allowed)
    if not versions:
        return "No OCPP version this station is registered for is accepted here"
    return "OCPP subprotocol required: " + " or ".join(versions)
