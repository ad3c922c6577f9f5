"""What a translation of a 2.0.1 command into 1.6 is (``ocpp16_commands``,
``ocpp16_security_commands``), without I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]


class Untranslatable(ValueError):
    """A 2.0.1 command (or a value in it) that 1.6 has no way to say."""


@dataclass(frozen=True)
class Translation:
    action: str  # the 1.6 action
    request: Callable[[Payload], Payload]  # 2.0.1 request -> 1.6 request
    answer: Callable[[Payload, Payload], Payload]  # 1.6 answer (+ 2.0.1 request) -> 2.0.1


Pick = Callable[[Payload], Translation]
"""For a command whose 1.6 action depends on the request (TriggerMessage, UpdateFirmware)."""


def status_answer(words: dict[str, str]) -> Callable[[Payload, Payload], Payload]:
    """An answer of only a status, its 1.6 words mapped to 2.0.1's (same word if absent)."""

    def back(answer: Payload, request: Payload) -> Payload:
        return {"status": words.get(answer["status"], answer["status"])}

    return back
