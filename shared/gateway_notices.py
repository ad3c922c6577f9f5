"""Notices every gateway receives at once, through the ``ocpp.gateways`` fanout exchange.

Today one kind: a station's credentials or registered profile changed
(``CredentialsChanged``), so every gateway drops the handshakes it cached for the station
and ends a live connection that no longer stands. Workers send it when a connection raises
a station's profile; the API when an operator changes or deletes a station's credentials.
Always publish it after the change is stored: a gateway that re-checks on receipt must see
the new state.
"""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange

from shared import envelope, names
from shared.envelope import CredentialsChanged


class GatewayNotices:
    def __init__(self, exchange: AbstractExchange) -> None:
        self._exchange = exchange

    @classmethod
    async def on(cls, channel: AbstractChannel) -> GatewayNotices:
        """Publish on ``channel`` (with publisher confirms, so ``await`` means routed)."""
        return cls(await channel.get_exchange(names.GATEWAYS_EXCHANGE, ensure=False))

    async def credentials_changed(self, notice: CredentialsChanged) -> None:
        message = aio_pika.Message(
            envelope.pack(notice),
            content_type=envelope.CONTENT_TYPE,
            type=names.TYPE_CREDENTIALS_CHANGED,
        )
        await self._exchange.publish(message, routing_key="", mandatory=False)
