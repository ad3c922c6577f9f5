"""When workers run the local list driver (``store/local_list_sync.py``): after an answer
that tells a station it is Accepted, for a station whose list is not InSync. See the
driver's docstring for why these two triggers."""

from __future__ import annotations

from shared import names
from store.local_list_sync import sync_station

from .context import Context


async def after_accepted(ctx: Context) -> None:
    """Follow-up of an answer saying the station is Accepted (``Context.after_reply``)."""
    assert ctx.commands is not None
    await sync_station(
        ctx.db, ctx.commands, ctx.station, ctx.settings.command_timeout, unsynced_only=True
    )


def on_resumed_connection(ctx: Context) -> None:
    """Called for a message that is the first on its connection (``Inbound.boot`` empty)
    and not a BootNotification: if the station's stored boot state is Accepted, it came
    back without booting, so what it missed is sent once it has this answer."""
    if ctx.commands is not None and ctx.boot_status == names.BOOT_ACCEPTED:
        ctx.after_reply.append(lambda: after_accepted(ctx))
