"""Typed keys for what the application holds: the database, the command client, settings."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from shared.commands import CommandClient
from shared.config import Settings

DB = web.AppKey("db", AsyncDatabase[Any])
COMMANDS = web.AppKey("commands", CommandClient)
SETTINGS = web.AppKey("settings", Settings)
