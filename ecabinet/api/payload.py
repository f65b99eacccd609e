"""Reading JSON request bodies into typed values, with errors the UI can show."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request

from ecabinet.errors import Invalid

MAX_JSON_BYTES = 1024 * 1024


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or Invalid."""
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise Invalid("body_too_large")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("bad_json") from exc
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


def integer(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """An integer field (booleans refused)."""
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid("field_required", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("field_invalid", field=name)
    return value


def required_int(data: dict[str, Any], name: str) -> int:
    """An integer field that must be present."""
    value = integer(data, name)
    assert value is not None
    return value


def boolean(data: dict[str, Any], name: str, *, default: bool = False) -> bool:
    """A boolean field."""
    value = data.get(name, default)
    if not isinstance(value, bool):
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
