"""Which station is connected to this gateway, and on which connection.

A second connection with the same station id replaces the first (the spec's behaviour):
the old one is closed and its late answers are dropped. A connection whose credentials no
longer stand (``CredentialsChanged.ends``) is closed with 1008, and so is one speaking an
OCPP version the station is no longer allowed (``CredentialsChanged.version_refused``).
"""

from __future__ import annotations

import asyncio
import logging

from shared.envelope import CredentialsChanged, Reply

from .connection import StationConnection

log = logging.getLogger("gateway.registry")

REPLACED = (1000, "Replaced by a newer connection of the same station")
REVOKED = (1008, "Station credentials changed")


def version_refused(version: str) -> tuple[int, str]:
    """The close of a connection whose version the station's ``ocppVersions`` left out."""
    return 1008, f"OCPP version {version} no longer allowed for this station"


class Registry:
    def __init__(self) -> None:
        self._by_station: dict[str, StationConnection] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._by_station)

    def all(self) -> list[StationConnection]:
        return list(self._by_station.values())

    def get(self, station: str) -> StationConnection | None:
        return self._by_station.get(station)

    async def add(self, conn: StationConnection) -> None:
        old = self._by_station.get(conn.station)
        self._by_station[conn.station] = conn
        if old is not None:
            log.info(
                "replacing previous connection",
                extra={"station": conn.station, "old": old.connection_id},
            )
            self._close_in_background(old)

    def remove(self, conn: StationConnection) -> bool:
        """Forget ``conn``; False if a newer connection already took its place."""
        if self._by_station.get(conn.station) is conn:
            del self._by_station[conn.station]
            return True
        return False

    def deliver(self, reply: Reply) -> None:
        conn = self._by_station.get(reply.station)
        if conn is None or not conn.deliver(reply):
            log.info(
                "dropped an answer nobody waits for (station gone, timed out, or a redelivery)",
                extra={"station": reply.station, "messageId": reply.message_id},
            )

    async def take_over(self, station: str, connection_id: str) -> None:
        """Another gateway now serves ``station``: close ours unless it is the newer one."""
        conn = self._by_station.get(station)
        if conn is not None and conn.connection_id != connection_id:
            log.info("station reconnected to another gateway", extra={"station": station})
            self._close_in_background(conn)

    def revoke(self, notice: CredentialsChanged) -> None:
        """Close the station's connection if the changed credentials no longer admit it."""
        conn = self._by_station.get(notice.station)
        if conn is not None and notice.ends(conn.offered_profile):
            log.warning(
                "closing: station credentials changed",
                extra={
                    "station": notice.station,
                    "offeredProfile": conn.offered_profile,
                    "deleted": notice.deleted,
                    "passwordReplaced": notice.password_replaced,
                    "registeredProfile": notice.profile,
                },
            )
            self._close_in_background(conn, REVOKED)
        elif conn is not None and notice.version_refused(conn.ocpp_version):
            log.warning(
                "closing: OCPP version no longer allowed",
                extra={
                    "station": notice.station,
                    "ocppVersion": conn.ocpp_version,
                    "ocppVersions": notice.ocpp_versions,
                },
            )
            self._close_in_background(conn, version_refused(conn.ocpp_version))

    def _close_in_background(
        self, conn: StationConnection, why: tuple[int, str] = REPLACED
    ) -> None:
        """An unresponsive old peer must not delay the new connection by a close timeout."""
        task = asyncio.create_task(conn.ws.close(*why))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
