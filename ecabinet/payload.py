"""Reading request bodies and live-action data into typed values, with errors the UI can show.

Both transports use these checks, the HTTP routes and the socket.io live actions, so a
field is refused alike whichever way it arrives.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ecabinet.errors import Invalid

MAX_JSON_BYTES = 1024 * 1024


def parse_object(raw: bytes) -> dict[str, Any]:
    """A JSON object from raw bytes (empty means `{}`), or Invalid."""
    if len(raw) > MAX_JSON_BYTES:
        raise Invalid("body_too_large")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("bad_json") from exc
    if not isinstance(data, dict):
        raise Invalid("bad_json")
    return data


def as_object(data: Any) -> dict[str, Any]:
    """A live action's data, which must be a JSON object."""
    if not isinstance(data, dict):
        raise Invalid("bad_json")
    return data


def text(data: dict[str, Any], name: str, *, required: bool = True, max_length: int = 2000,
         default: str = "") -> str:
    """A string field, stripped; required ones may not be blank."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("field_required", field=name)
        return default
    if not isinstance(value, str):
        raise Invalid("field_invalid", field=name)
    if len(value) > max_length:
        raise Invalid("field_too_long", field=name, max=max_length)
    return value.strip()


def _is_int(value: Any) -> bool:
    # JSON true/false arrive as Python bools, which are ints: never accept them as numbers.
    return isinstance(value, int) and not isinstance(value, bool)


def integer(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """An integer field (booleans refused)."""
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid("field_required", field=name)
        return None
    if not _is_int(value):
        raise Invalid("field_invalid", field=name)
    return int(value)


def required_int(data: dict[str, Any], name: str) -> int:
    """An integer field that must be present."""
    value = integer(data, name)
    assert value is not None
    return value


def int_list(data: dict[str, Any], name: str) -> list[int]:
    """A list of integers that must be present (booleans refused)."""
    value = optional_int_list(data, name)
    if value is None:
        raise Invalid("field_required", field=name)
    return value


def optional_int_list(data: dict[str, Any], name: str) -> list[int] | None:
    """A list of integers (booleans refused); None when absent."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        raise Invalid("field_invalid", field=name)
    return [int(v) for v in value]


def str_list(data: dict[str, Any], name: str) -> list[str] | None:
    """A list of strings; None when absent."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("field_invalid", field=name)
    return value


def boolean(data: dict[str, Any], name: str, *, default: bool = False) -> bool:
    """A boolean field."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise Invalid("field_invalid", field=name)
    return value


def optional_bool(data: dict[str, Any], name: str) -> bool | None:
    """A boolean field that may be absent (None: leave as it is)."""
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid("field_invalid", field=name)
    return value


def moment(data: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 timestamp with a time zone."""
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise Invalid("field_required", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid("field_invalid", field=name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid("field_invalid", field=name) from exc
    if parsed.tzinfo is None:
        raise Invalid("naive_datetime")
    return parsed


def items(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A list of JSON objects (empty when absent)."""
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Invalid("field_invalid", field=name)
    return value
