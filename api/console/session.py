"""Who is using the console: the API key given at login, kept in a session cookie
(HttpOnly, SameSite=Strict, no Max-Age: gone with the browser session), checked on every
request exactly as a Bearer key is (``auth.identify``), against ``access.CONSOLE_ROLES``.

State-changing posts carry a CSRF token derived from the key, so it is tied to the session
and the same on every API replica without server-side state.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from shared import api_keys

from .. import auth
from ..access import CONSOLE_ROLES
from ..errors import ApiError

COOKIE = "csms_console"
CSRF_FIELD = "csrf"
LOGIN = "/console/login"


def csrf_token(key: str) -> str:
    return hmac.new(key.encode(), b"console csrf", hashlib.sha256).hexdigest()[:32]


def set_cookie(request: web.Request, response: web.StreamResponse, key: str) -> None:
    response.set_cookie(
        COOKIE,
        key,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    assert resource is not None
    return resource.canonical


async def check(request: web.Request, needed: str | None = None) -> tuple[auth.Identity, str]:
    """The caller's identity and CSRF token, or an answer: a page asked for without a
    session redirects to the login, anything else is a 401; a role too low is a 403, and
    so is a state-changing request without the session's CSRF token (checked by the
    caller with ``check_csrf`` once it read the form). ``needed`` overrides the route's
    role (a command that needs admin)."""
    key = request.cookies.get(COOKIE, "")
    identity = await auth.identify(request.app, key) if key else None
    if identity is None:
        if request.method == "GET" and _route(request) != "/console/events":
            raise web.HTTPSeeOther(f"{LOGIN}?next={request.rel_url}")
        raise ApiError(401, "Log in to the console first")
    request[auth.IDENTITY] = identity
    method = "GET" if request.method == "HEAD" else request.method
    role = needed or CONSOLE_ROLES[(method, _route(request))]
    if role is not None and not api_keys.allows(identity.role, role):
        raise ApiError(403, "Forbidden", f"this needs the {role} role; the key has {identity.role}")
    return identity, csrf_token(key)


def check_csrf(expected: str, form: dict[str, str] | object) -> None:
    offered = form.get(CSRF_FIELD, "") if hasattr(form, "get") else ""
    if not isinstance(offered, str) or not hmac.compare_digest(offered, expected):
        raise ApiError(403, "Missing or wrong CSRF token", "reload the page and try again")
