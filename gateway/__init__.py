"""Stateless websocket gateway: TLS, handshake checks, OCPP-J framing, forwarding to the bus."""
