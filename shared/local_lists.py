"""Local authorization lists (D01, D02): what to send a station so that it holds a list.

Pure: no I/O. Given what a station is known to hold (its list version and entries, or
nothing known) and the entries it should hold, ``plan`` returns the SendLocalListRequests
to send, in order, within the station's LocalAuthListCtrlr limits:

- nothing known (first time, after VersionMismatch or a GetLocalListVersion that did not
  answer what the CSMS expected): a Full update. A list too big for one message is sent as
  one Full request followed by Differential ones (TC_D_01_CSMS: "If the Local
  Authorization List is too big for one message, step 1 and 2 will be repeated");
- known: a Differential update of the changes only: entries with ``idTokenInfo`` add or
  replace, entries without it remove (TC_D_03_CSMS); no change, no request;
- every request has its own ``versionNumber``, strictly increasing from the known one
  (TC_D_02_CSMS: bigger than the station's). versionNumber is an OCPP integer (32 bits):
  when the next versions would pass 2^31-1 the plan starts over with a Full update at 1
  (a Full update replaces the list whatever its version; only a Differential one is
  compared with the station's version);
- at most ItemsPerMessage entries and BytesPerMessage bytes per request, measured as the
  whole OCPP-J CALL frame the gateway sends (orjson, the longest message id);
- at most Entries entries in all: the rest is left out and reported, as is an entry that
  alone would not fit in the longest request (Differential at versionNumber 2^31-1) under
  BytesPerMessage. An entry left out is never sent, and removed if the station holds it:
  a station must not keep an idTokenInfo the CSMS no longer gives it. So is an entry whose
  idToken is longer than the station's version carries (``Limits.id_token_length``: a 1.6
  idTag holds 20 characters): the others still reach the station.

Entries are ``AuthorizationData`` dicts (``idToken`` and, to add, ``idTokenInfo``), keyed
by idToken value and type. ``apply`` computes what a station holds after accepting one
request, so a driver can record progress request by request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from shared import id_token_info

ACTION = "SendLocalList"
FULL = "Full"
DIFFERENTIAL = "Differential"
MAX_VERSION = 2**31 - 1
"""The largest OCPP integer: versionNumber never goes past it."""

_FRAME_ID = "x" * 36
"""The longest OCPP-J message id (36 characters): frames are measured with it."""

Entry = dict[str, Any]
Key = tuple[str, str]


def key(entry: Entry) -> Key:
    """The identity of an entry in a list: the idToken's value and type."""
    token = entry["idToken"]
    return (token["idToken"], token["type"])


@dataclass(frozen=True)
class Limits:
    """LocalAuthListCtrlr variables; None where the station reports none."""

    items_per_message: int | None = None
    bytes_per_message: int | None = None
    entries: int | None = None
    id_token_length: int | None = None
    """The longest idToken the station's OCPP version carries (1.6's idTag: 20); None: no
    limit beyond the schema's."""


@dataclass(frozen=True)
class Plan:
    requests: list[dict[str, Any]]
    """SendLocalListRequest payloads, to send in this order, each after the previous one
    was Accepted."""
    version: int
    """The station's list version once every request was accepted."""
    entries: list[Entry]
    """What the station holds once every request was accepted (sorted by key)."""
    over_entries: list[Key] = field(default_factory=list)
    """Entries left out because the station holds at most ``Limits.entries``."""
    too_big: list[Key] = field(default_factory=list)
    """Entries left out because one alone exceeds ``Limits.bytes_per_message``."""
    too_long: list[Key] = field(default_factory=list)
    """Entries left out because their idToken is longer than ``Limits.id_token_length``."""


def frame_size(request: dict[str, Any]) -> int:
    """Bytes of the CALL frame carrying ``request``, as the gateway writes it."""
    return len(orjson.dumps([2, _FRAME_ID, ACTION, request]))


def _request(version: int, update_type: str, entries: list[Entry]) -> dict[str, Any]:
    request: dict[str, Any] = {"versionNumber": version, "updateType": update_type}
    if entries:  # the schema wants at least one item, or no list at all (TC_D_04_CSMS)
        request["localAuthorizationList"] = entries
    return request


def _fits_alone(entry: Entry, limits: Limits) -> bool:
    if limits.bytes_per_message is None:
        return True
    worst = _request(MAX_VERSION, DIFFERENTIAL, [entry])
    return frame_size(worst) <= limits.bytes_per_message


def _chunks(
    entries: list[Entry], first_version: int, first_type: str, limits: Limits
) -> list[dict[str, Any]]:
    """Pack entries greedily into requests, in order; each entry fits alone (checked)."""
    requests: list[dict[str, Any]] = []
    version, update_type = first_version, first_type
    current: list[Entry] = []
    size = 0

    def close() -> None:
        nonlocal version, update_type, current
        requests.append(_request(version, update_type, current))
        version, update_type, current = version + 1, DIFFERENTIAL, []

    for entry in entries:
        entry_size = len(orjson.dumps(entry))
        if current:
            full_items = (
                limits.items_per_message is not None and len(current) >= limits.items_per_message
            )
            full_bytes = (
                limits.bytes_per_message is not None
                and size + 1 + entry_size > limits.bytes_per_message
            )
            if full_items or full_bytes:
                close()
        if not current:
            # Size of the frame with an empty list "[]" plus this one entry.
            size = frame_size({**_request(version, update_type, []), "localAuthorizationList": []})
            size += entry_size
        else:
            size += 1 + entry_size  # the comma
        current.append(entry)
    if current or not requests:
        close()
    return requests


def _sorted(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=key)


def plan(
    version: int,
    held: list[Entry] | None,
    desired: list[Entry],
    limits: Limits = Limits(),
) -> Plan:
    """The requests that bring a station from ``held`` at ``version`` to ``desired``.

    Args:
        version: the list version the station is known to hold (0: none).
        held: the entries it holds at that version; None when not known, which asks for a
            Full update.
        desired: entries with ``idTokenInfo``; one per key (a later duplicate is ignored).
        limits: the station's LocalAuthListCtrlr limits.
    """
    wanted: dict[Key, Entry] = {}
    for entry in desired:
        wanted.setdefault(key(entry), entry)
    too_long = sorted(
        k
        for k in wanted
        if limits.id_token_length is not None and len(k[0]) > limits.id_token_length
    )
    for k in too_long:
        del wanted[k]
    too_big = sorted(k for k, e in wanted.items() if not _fits_alone(e, limits))
    for k in too_big:
        del wanted[k]
    keys = sorted(wanted)
    over: list[Key] = []
    if limits.entries is not None and len(keys) > limits.entries:
        keys, over = keys[: limits.entries], keys[limits.entries :]
    target = [wanted[k] for k in keys]

    def full(start: int) -> Plan:
        requests = _chunks(target, start, FULL, limits)
        return Plan(requests, start + len(requests) - 1, target, over, too_big, too_long)

    if held is None:
        result = full(version + 1)
    else:
        have = {key(e): e for e in held}
        changes = [e for e in target if have.get(key(e)) != e]
        changes += [{"idToken": have[k]["idToken"]} for k in sorted(set(have) - set(keys))]
        if not changes:
            return Plan([], version, target, over, too_big, too_long)
        requests = _chunks(_sorted(changes), version + 1, DIFFERENTIAL, limits)
        result = Plan(requests, version + len(requests), target, over, too_big, too_long)
    if result.version > MAX_VERSION:
        result = full(1)
    return result


def apply(held: list[Entry], request: dict[str, Any]) -> list[Entry]:
    """What a station holds after accepting ``request`` while holding ``held`` (D01)."""
    entries: dict[Key, Entry] = {}
    if request["updateType"] == DIFFERENTIAL:
        entries = {key(e): e for e in held}
    for entry in request.get("localAuthorizationList", []):
        if "idTokenInfo" in entry:
            entries[key(entry)] = entry
        else:
            entries.pop(key(entry), None)
    return _sorted(entries.values())


def entry_for(doc: dict[str, Any], now: datetime) -> Entry:
    """The AuthorizationData of an ``id_tokens`` document at ``now``: the same verdict
    Authorize gives (``shared.id_token_info``), with no cache limit of the CSMS's own, so an
    entry changes only when the token does (a limit counted from ``now`` would make every
    update resend every entry)."""
    info = id_token_info.build(doc, now)
    return {"idToken": {"idToken": doc["_id"], "type": doc["type"]}, "idTokenInfo": info}
