"""Jinja2 templates rendered to HTML answers that allow only this origin's CSS and JS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from shared import api_keys

from .. import auth
from ..access import CONSOLE_ROLES
from .live import Feed
from .memo import Memo

CONSOLE_FEED = web.AppKey("console_feed", Feed)
# The dashboard's numbers, shared by every browser of this process (``memo``).
DASHBOARD_SECONDS = 5.0
DASHBOARD = web.AppKey("console_dashboard", Memo[dict[str, Any]])

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def may(identity: auth.Identity | None, method: str, route: str) -> bool:
    """Whether the identity's role reaches a console route, so a page (and the nav) offers
    only what ``session.check`` would let through."""
    role = CONSOLE_ROLES[(method, route)]
    if role is None:
        return True
    return identity is not None and api_keys.allows(identity.role, role)


_ENV.globals["may"] = may
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    identity: auth.Identity | None = None,
    csrf: str = "",
    status: int = 200,
) -> web.Response:
    text = _ENV.get_template(template).render(
        **context, identity=identity, csrf=csrf, path=request.path
    )
    return web.Response(text=text, status=status, content_type="text/html", headers=HEADERS)
