"""Which role each operator API route needs: one table, checked by the auth middleware and
tested route by route from itself (every route the app serves must be in it).

Commands that can take a station away from this CSMS or change what it trusts (its
network profile, certificates, firmware) are admin's, like credentials; every other
command is operator's. A read that a query parameter turns into a command (``QUERY_ROLES``:
``GET .../display-messages?refresh=true``) needs that command's role and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.names import ROLE_ADMIN, ROLE_OPERATOR, ROLE_VIEWER

PUBLIC = frozenset({"/healthz", "/readyz", "/metrics"})

# The operator console (api/console/): browser pages that authenticate by a session cookie,
# not a Bearer key, so the API's middleware lets them through and ``console.session``
# checks the role named here (None: open to anyone, as the login page must be).
CONSOLE_ROLES: dict[tuple[str, str], str | None] = {
    ("GET", "/"): None,
    ("GET", "/console/login"): None,
    ("POST", "/console/login"): None,
    ("POST", "/console/logout"): None,
    ("GET", "/console/static/{name}"): None,
    ("GET", "/console/"): ROLE_VIEWER,
    ("GET", "/console/stations"): ROLE_VIEWER,
    ("POST", "/console/stations"): ROLE_ADMIN,  # registers, as PUT /api/v1/stations/{id}
    ("GET", "/console/stations/{id}"): ROLE_VIEWER,
    ("POST", "/console/stations/{id}/command"): ROLE_OPERATOR,  # ADMIN_COMMANDS: admin
    ("GET", "/console/stations/{id}/device-model"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/security-events"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/certificates"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/charging"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/reservations"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/display-messages"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/monitors"): ROLE_VIEWER,
    ("GET", "/console/stations/{id}/ocpp21"): ROLE_VIEWER,
    ("GET", "/console/transactions"): ROLE_VIEWER,
    ("GET", "/console/transactions/{id}/{transactionId}"): ROLE_VIEWER,
    ("GET", "/console/alerts"): ROLE_VIEWER,
    ("POST", "/console/alerts/{alertId}/ack"): ROLE_OPERATOR,
    ("GET", "/console/sites"): ROLE_VIEWER,
    ("GET", "/console/sites/{siteId}"): ROLE_VIEWER,
    ("GET", "/console/events"): ROLE_VIEWER,
    # api/console/admin_pages.py: each needs what its API route needs (ROUTE_ROLES).
    ("GET", "/console/id-tokens"): ROLE_VIEWER,
    ("POST", "/console/id-tokens"): ROLE_OPERATOR,
    ("GET", "/console/id-tokens/{idToken}"): ROLE_VIEWER,
    ("POST", "/console/id-tokens/{idToken}/delete"): ROLE_OPERATOR,
    ("GET", "/console/local-lists"): ROLE_VIEWER,
    ("POST", "/console/local-lists"): ROLE_OPERATOR,
    ("GET", "/console/local-lists/{listId}"): ROLE_VIEWER,
    ("POST", "/console/local-lists/{listId}/sync"): ROLE_OPERATOR,
    ("GET", "/console/admin/api-keys"): ROLE_ADMIN,
    ("POST", "/console/admin/api-keys"): ROLE_ADMIN,
    ("POST", "/console/admin/api-keys/{keyId}/revoke"): ROLE_ADMIN,
    ("GET", "/console/admin/audit"): ROLE_ADMIN,
}
CONSOLE_ROUTES = frozenset(route for _, route in CONSOLE_ROLES)

ADMIN_COMMANDS = frozenset(
    {
        "SetNetworkProfile",
        "InstallCertificate",
        "DeleteCertificate",
        "CertificateSigned",
        "UpdateFirmware",
        # OCPP 1.6: a configuration key may be AuthorizationKey or SecurityProfile, and
        # signed firmware replaces what the station runs.
        "ChangeConfiguration",
        "SignedUpdateFirmware",
    }
)

COMMAND_ROUTE = "/api/v1/stations/{id}/ocpp/{action}"

ROUTE_ROLES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/openapi.json"): ROLE_VIEWER,
    ("GET", "/api/v1/stations"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}"): ROLE_VIEWER,
    ("PUT", "/api/v1/stations/{id}"): ROLE_ADMIN,
    ("DELETE", "/api/v1/stations/{id}"): ROLE_ADMIN,
    ("POST", "/api/v1/stations/{id}/accept"): ROLE_ADMIN,
    ("GET", "/api/v1/stations/{id}/device-model"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/reports"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/customer-information"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/password"): ROLE_ADMIN,
    ("GET", "/api/v1/stations/{id}/security-events"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/messages"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/event-streams"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/event-streams/{streamId}"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/certificates"): ROLE_VIEWER,
    # Installing a root changes what a station trusts, like InstallCertificate (admin);
    # asking what it holds changes nothing on it (operator, like the command itself).
    ("POST", "/api/v1/stations/{id}/certificates"): ROLE_ADMIN,
    ("POST", "/api/v1/stations/{id}/certificates/refresh"): ROLE_OPERATOR,
    ("POST", COMMAND_ROUTE): ROLE_OPERATOR,  # ADMIN_COMMANDS: admin
    ("GET", "/api/v1/commands"): ROLE_VIEWER,
    ("GET", "/api/v1/commands/{commandId}"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/reservations"): ROLE_OPERATOR,
    ("GET", "/api/v1/stations/{id}/reservations/{reservationId}"): ROLE_VIEWER,
    ("DELETE", "/api/v1/stations/{id}/reservations/{reservationId}"): ROLE_OPERATOR,
    ("GET", "/api/v1/reservations"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/charging-profiles"): ROLE_OPERATOR,
    ("GET", "/api/v1/stations/{id}/charging-profiles"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/charging-profiles/refresh"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/stations/{id}/charging-profiles/{profileId}"): ROLE_OPERATOR,
    ("GET", "/api/v1/stations/{id}/composite-schedule"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/display-messages"): ROLE_OPERATOR,
    ("GET", "/api/v1/stations/{id}/display-messages"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/display-messages/refresh"): ROLE_OPERATOR,
    ("PUT", "/api/v1/stations/{id}/display-messages/{messageId}"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/stations/{id}/display-messages/{messageId}"): ROLE_OPERATOR,
    ("GET", "/api/v1/id-tokens"): ROLE_VIEWER,
    ("GET", "/api/v1/id-tokens/{idToken}"): ROLE_VIEWER,
    ("PUT", "/api/v1/id-tokens/{idToken}"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/id-tokens/{idToken}"): ROLE_OPERATOR,
    ("GET", "/api/v1/local-lists/{listId}"): ROLE_VIEWER,
    ("PUT", "/api/v1/local-lists/{listId}"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/local-lists/{listId}"): ROLE_OPERATOR,
    ("GET", "/api/v1/transactions"): ROLE_VIEWER,
    ("GET", "/api/v1/transactions/{transactionId}"): ROLE_VIEWER,
    ("GET", "/api/v1/transactions/{transactionId}/meter-values"): ROLE_VIEWER,
    ("GET", "/api/v1/api-keys"): ROLE_ADMIN,
    ("POST", "/api/v1/api-keys"): ROLE_ADMIN,
    ("DELETE", "/api/v1/api-keys/{keyId}"): ROLE_ADMIN,
    ("GET", "/api/v1/audit"): ROLE_ADMIN,
    # A site's definition is the installation's (admin); its limit may change often, from
    # an energy manager or the grid operator's signal (operator).
    ("GET", "/api/v1/stations/{id}/contract-requests"): ROLE_VIEWER,
    ("GET", "/api/v1/stations/{id}/certificate-checks"): ROLE_VIEWER,
    ("GET", "/api/v1/sites"): ROLE_VIEWER,
    ("GET", "/api/v1/sites/{siteId}"): ROLE_VIEWER,
    ("PUT", "/api/v1/sites/{siteId}"): ROLE_ADMIN,
    ("DELETE", "/api/v1/sites/{siteId}"): ROLE_ADMIN,
    ("PUT", "/api/v1/sites/{siteId}/limit"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/sites/{siteId}/limit"): ROLE_OPERATOR,
    # Prices are the operator's business, like id tokens and local lists (who may charge):
    # changing them takes nothing away from the CSMS's control of a station, so not admin.
    ("GET", "/api/v1/tariffs"): ROLE_VIEWER,
    ("GET", "/api/v1/tariffs/{tariffId}"): ROLE_VIEWER,
    ("PUT", "/api/v1/tariffs/{tariffId}"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/tariffs/{tariffId}"): ROLE_OPERATOR,
    # Monitors are commands to the station like any other (operator); an alert is
    # acknowledged by whoever watches the stations, an operator, whose key is recorded.
    ("POST", "/api/v1/stations/{id}/monitors"): ROLE_OPERATOR,
    ("GET", "/api/v1/stations/{id}/monitors"): ROLE_VIEWER,
    ("POST", "/api/v1/stations/{id}/monitors/refresh"): ROLE_OPERATOR,
    ("PUT", "/api/v1/stations/{id}/monitors/base"): ROLE_OPERATOR,
    ("PUT", "/api/v1/stations/{id}/monitors/level"): ROLE_OPERATOR,
    ("DELETE", "/api/v1/stations/{id}/monitors/{monitorId}"): ROLE_OPERATOR,
    ("GET", "/api/v1/alerts"): ROLE_VIEWER,
    ("GET", "/api/v1/alerts/{alertId}"): ROLE_VIEWER,
    ("POST", "/api/v1/alerts/{alertId}/ack"): ROLE_OPERATOR,
}

QUERY_ROLES: dict[tuple[str, str, str], str] = {
    # A query parameter that turns a read into a command (and a change of the stored view):
    # the request needs this role, and is audited as a state-changing one, unless the
    # parameter is absent or "false".
    ("GET", "/api/v1/stations/{id}/display-messages", "refresh"): ROLE_OPERATOR,
}

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _query_role(method: str, route: str, query: Mapping[str, str]) -> str | None:
    for (m, r, name), role in QUERY_ROLES.items():
        if m == method.upper() and r == route and query.get(name, "false") != "false":
            return role
    return None


def needed_role(
    method: str, route: str, action: str | None = None, query: Mapping[str, str] | None = None
) -> str | None:
    """The role a request needs; None for a public route (or a console route, which
    checks its own role from ``CONSOLE_ROLES``). A route missing from the table
    needs admin, so forgetting to list one can only make it stricter."""
    if route in PUBLIC or route in CONSOLE_ROUTES:
        return None
    if route == COMMAND_ROUTE and action in ADMIN_COMMANDS:
        return ROLE_ADMIN
    by_query = _query_role(method, route, query or {})
    if by_query is not None:
        return by_query
    return ROUTE_ROLES.get((method.upper(), route), ROLE_ADMIN)


def changes_state(method: str, route: str | None, query: Mapping[str, str]) -> bool:
    """Is the request one the audit log records: a state-changing method, or a read that a
    query parameter turns into a command (``QUERY_ROLES``)."""
    if method.upper() in STATE_CHANGING:
        return True
    return route is not None and _query_role(method, route, query) is not None
