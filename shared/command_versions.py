"""How a command made in one OCPP version goes out on a connection of another, decided
without I/O: the gateway asks this before it sends.

* the same version: as it is;
* a 2.0.1 command on a 2.1 connection: as it is, if the 2.1 schema takes the payload (2.1
  kept 2.0.1's messages, adding fields and words);
* a 2.0.1 command on a 1.6 connection: translated (``ocpp16_commands``), its answer
  translated back;
* anything else: ``Untranslatable``, and the command ends ``other_version``, unsent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from shared import names, schemas
from shared.ocpp16_commands import translation_for
from shared.ocpp16_translation import Untranslatable
from shared.schemas import SchemaViolation

Payload = dict[str, Any]


def _same(answer: Payload) -> Payload:
    return answer


@dataclass(frozen=True)
class Wire:
    """What is sent, and how its answer reads for whoever made the command."""

    action: str
    payload: Payload
    back: Callable[[Payload], Payload] = field(default=_same)


def wire_form(action: str, payload: Payload, made_for: str, speaks: str) -> Wire:
    """Raises ``Untranslatable`` (with the reason) when the command cannot go out."""
    if made_for == speaks:
        return Wire(action, payload)
    if made_for == names.OCPP201 and speaks == names.OCPP21:
        try:
            schemas.validate(action, "Request", payload, names.OCPP21)
        except (KeyError, SchemaViolation) as exc:
            raise Untranslatable(f"{action} is not a valid OCPP 2.1 request: {exc}") from None
        return Wire(action, payload)
    if made_for == names.OCPP201 and speaks == names.OCPP16:
        translation = translation_for(action, payload)
        wire = translation.request(payload)
        return Wire(translation.action, wire, partial(_answer, translation.answer, payload))
    raise Untranslatable(f"a {made_for} command cannot go to a {speaks} connection")


def _answer(
    back: Callable[[Payload, Payload], Payload], request: Payload, answer: Payload
) -> Payload:
    return back(answer, request)
