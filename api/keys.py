"""Typed keys for what the application holds: the database, the command client, settings,
the station password keys, the notices to every gateway."""

from __future__ import annotations

from typing import Any

from aio_pika.abc import AbstractRobustConnection
from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from shared.commands import CommandClient
from shared.config import Settings
from shared.events import EventPublisher
from shared.gateway_notices import GatewayNotices
from shared.passwords import PasswordKeys

DB = web.AppKey("db", AsyncDatabase[Any])
COMMANDS = web.AppKey("commands", CommandClient)
SETTINGS = web.AppKey("settings", Settings)
PASSWORD_KEYS = web.AppKey("password_keys", PasswordKeys)
EVENTS = web.AppKey("events", EventPublisher)
NOTICES = web.AppKey("notices", GatewayNotices)
CONNECTION = web.AppKey("connection", AbstractRobustConnection)
