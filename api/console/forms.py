"""Command forms generated from each action's official request schema (``shared.schemas``):
strings, integers, numbers, enums and booleans, and objects of those one level deep, become
fields named by their path (``evse.id``); anything else (arrays, deeper objects) is a JSON
field. The whole request can also be given as raw JSON.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared import names
from shared.schemas import load

RAW = "_json"  # the form field that holds a whole request as JSON


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the path, dotted
    label: str
    kind: str  # string, integer, number, boolean, enum, object, json
    required: bool
    description: str = ""
    options: tuple[str, ...] = ()
    children: tuple[Field, ...] = field(default=())


class FormError(ValueError):
    pass


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    name = ref.rsplit("/", 1)[-1]
    resolved: Mapping[str, Any] = schema["definitions"][name]
    return resolved


def _field(
    schema: Mapping[str, Any], name: str, node: Mapping[str, Any], required: bool, depth: int
) -> Field:
    node = _resolve(schema, node)
    label = name.rsplit(".", 1)[-1]
    # The official schemas' descriptions hold HTML entities (``&lt;&lt;ref&gt;&gt;``); the
    # template escapes what it shows, so they are read as text here.
    description = html.unescape(str(node.get("description", ""))).strip()
    if "enum" in node:
        return Field(name, label, "enum", required, description, tuple(node["enum"]))
    kind = node.get("type")
    if kind in ("string", "integer", "number", "boolean"):
        return Field(name, label, kind, required, description)
    if kind == "object" and depth == 0:
        children = _fields(schema, node, name + ".", depth + 1)
        if all(c.kind != "json" for c in children):
            return Field(name, label, "object", required, description, children=children)
    return Field(name, label, "json", required, description)


def _fields(
    schema: Mapping[str, Any], node: Mapping[str, Any], prefix: str, depth: int
) -> tuple[Field, ...]:
    required = set(node.get("required", ()))
    return tuple(
        _field(schema, prefix + name, child, name in required, depth)
        for name, child in node.get("properties", {}).items()
        if name != "customData"
    )


def fields(action: str, version: str = names.OCPP201) -> tuple[Field, ...]:
    """The form of ``action``'s request in ``version`` (the station's)."""
    schema = load(action, "Request", version)
    return _fields(schema, schema, "", 0)


def _value(f: Field, text: str) -> Any:
    try:
        if f.kind == "integer":
            return int(text)
        if f.kind == "number":
            return float(text)
        if f.kind == "boolean":
            if text not in ("true", "false"):
                raise FormError(f"{f.name}: true or false")
            return text == "true"
        if f.kind == "json":
            return orjson.loads(text)
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise FormError(f"{f.name}: {exc}") from None
    return text


def _collect(fs: tuple[Field, ...], form: Mapping[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for f in fs:
        key = f.name.rsplit(".", 1)[-1]
        if f.kind == "object":
            nested = _collect(f.children, form)
            if nested or f.required:
                payload[key] = nested
            continue
        text = form.get(f.name, "").strip()
        if text:
            payload[key] = _value(f, text)
    return payload


def payload(action: str, form: Mapping[str, str], version: str = names.OCPP201) -> dict[str, Any]:
    """The request a submitted form describes: its raw JSON when given, else its fields
    (empty ones left out, so the schema says what is missing). Raises ``FormError``."""
    raw = form.get(RAW, "").strip()
    if raw:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise FormError(f"raw JSON: {exc}") from None
        if not isinstance(value, dict):
            raise FormError("raw JSON: an object")
        return value
    return _collect(fields(action, version), form)
