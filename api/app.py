"""The operator API application: an explicit route list, authenticated by key and role,
audited, JSON errors, MongoDB on app state."""

from __future__ import annotations

import logging

from aiohttp import web

import store
from shared import bus, health, names
from shared.commands import CommandClient
from shared.config import Settings
from shared.events import EventPublisher
from shared.gateway_notices import GatewayNotices
from shared.passwords import NO_KEY_WARNING, PasswordKeys

from . import auth, bootstrap, console, local_list_sync, openapi, tariff_push
from .errors import error_middleware, request_ids
from .keys import COMMANDS, CONNECTION, DB, EVENTS, NOTICES, PASSWORD_KEYS, SETTINGS
from .routes import (
    alerts,
    api_keys,
    audit,
    certificates,
    charging_profiles,
    commands,
    composite_schedule,
    display_messages,
    id_tokens,
    local_lists,
    monitors,
    ocpp21,
    plug_and_charge,
    provisioning,
    reservations,
    security,
    sites,
    stations,
    tariffs,
    transactions,
)


async def _ready(app: web.Application) -> dict[str, bool]:
    return {"mongodb": await store.reachable(app[DB].client), "rabbitmq": COMMANDS in app}


def build(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_ids, auth.audit, error_middleware, auth.authenticate],
        client_max_size=1024 * 1024,
    )
    app.add_routes(
        [
            *health.routes(lambda: _ready(app)),
            *openapi.ROUTES,
            *stations.ROUTES,
            *id_tokens.ROUTES,
            *local_lists.ROUTES,
            *transactions.ROUTES,
            *commands.ROUTES,
            *reservations.ROUTES,
            *charging_profiles.ROUTES,
            *composite_schedule.ROUTES,
            *display_messages.ROUTES,
            *provisioning.ROUTES,
            *security.ROUTES,
            *ocpp21.ROUTES,
            *certificates.ROUTES,
            *api_keys.ROUTES,
            *audit.ROUTES,
            *sites.ROUTES,
            *plug_and_charge.ROUTES,
            *tariffs.ROUTES,
            *monitors.ROUTES,
            *alerts.ROUTES,
            *console.ROUTES,
        ]
    )

    async def mongo(app: web.Application):  # type: ignore[no-untyped-def]
        client, app[DB] = await store.connect(settings)
        await bootstrap.first_admin_key(app[DB], settings)
        await bootstrap.local_list_members(app[DB])
        yield
        await client.close()

    async def rabbitmq(app: web.Application):  # type: ignore[no-untyped-def]
        app[CONNECTION] = connection = await bus.connect(settings.amqp_url)
        channel = await connection.channel(publisher_confirms=True)
        await bus.declare_topology(channel)
        await bus.route_takeovers(channel)
        app[EVENTS] = EventPublisher(await channel.get_exchange(names.EVENTS_EXCHANGE))
        app[NOTICES] = await GatewayNotices.on(channel)
        app[COMMANDS] = await CommandClient.start(connection)
        yield
        await connection.close()

    app[SETTINGS] = settings
    app[PASSWORD_KEYS] = PasswordKeys.from_settings(settings)
    if not app[PASSWORD_KEYS].configured:
        logging.getLogger("api").warning(NO_KEY_WARNING)
    app.cleanup_ctx.append(mongo)
    app.cleanup_ctx.append(rabbitmq)
    app.cleanup_ctx.append(console.feed_ctx)
    app.cleanup_ctx.append(local_list_sync.tasks_ctx)
    app.cleanup_ctx.append(tariff_push.tasks_ctx)
    return app
