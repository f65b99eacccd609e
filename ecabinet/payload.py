"""Reading request bodies and live-action data into typed values, with errors the UI can show.

Both transports use these checks, the HTTP routes and the socket.io live actions, so a
field is refused alike whichever way it arrives.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from typing import Any

from ecabinet.errors import Invalid

MAX_JSON_BYTES = 1024 * 1024
# Every integer a client writes lands in a 32-bit INTEGER column on PostgreSQL (ids,
# sequence numbers, counts, seconds); a larger one would fail in the database driver
# rather than be refused.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Dates outside this window are typing mistakes or probes; far ones also overflow the
# conversion to UTC and make calendar arithmetic run for seconds.
YEAR_MIN, YEAR_MAX = 1970, 2200
MAX_DEPTH = 32


def parse_object(raw: bytes) -> dict[str, Any]:
    """A JSON object from raw bytes (empty means `{}`), its text cleaned, or Invalid."""
    if len(raw) > MAX_JSON_BYTES:
        raise Invalid("body_too_large")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid("bad_json") from exc
    return as_object(data)


def as_object(data: Any) -> dict[str, Any]:
    """A JSON object (a live action's data, a parsed body), its text cleaned, or Invalid."""
    if not isinstance(data, dict):
        raise Invalid("bad_json")
    cleaned = _clean(data, None, 0)
    assert isinstance(cleaned, dict)
    return cleaned


def _clean(value: Any, field: str | None, depth: int) -> Any:
    # Once, at the boundary of both transports: nothing stored or compared later has to
    # think about NUL bytes, lone surrogates (which cannot be written as UTF-8) or the
    # two Unicode spellings of one Vietnamese letter.
    if depth > MAX_DEPTH:
        raise Invalid("bad_json")
    if isinstance(value, str):
        return clean_text(value, field or "body")
    if isinstance(value, dict):
        return {clean_text(str(k), "body"): _clean(v, field or str(k), depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, field, depth + 1) for v in value]
    return value


def clean_text(value: str, field: str) -> str:
    """Text as stored: valid UTF-8 without NUL, NFC-normalised; else Invalid."""
    if "\x00" in value:
        raise Invalid("text_invalid", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Invalid("text_invalid", field=field) from exc
    return unicodedata.normalize("NFC", value)


def query_int(raw: str | None, name: str) -> int | None:
    """An integer from a query string (None when absent or empty), in the 64-bit range."""
    if raw in (None, ""):
        return None
    assert raw is not None
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 20:
        raise Invalid("field_invalid", field=name)
    return _in_range(int(raw), name)


def _in_range(value: int, name: str) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise Invalid("field_invalid", field=name)
    return value


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
    return _in_range(int(value), name)


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
    return [_in_range(int(v), name) for v in value]


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
    return parse_moment(value, name)


def parse_moment(value: str, name: str) -> datetime:
    """An ISO 8601 timestamp with a time zone, within the years the server accepts."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid("field_invalid", field=name) from exc
    if parsed.tzinfo is None:
        raise Invalid("naive_datetime")
    if not YEAR_MIN < parsed.year < YEAR_MAX:
        raise Invalid("date_out_of_range", field=name, min=YEAR_MIN + 1, max=YEAR_MAX - 1)
    return parsed


def day(data: dict[str, Any], name: str, *, required: bool = True) -> date | None:
    """A calendar date, YYYY-MM-DD, within the years the server accepts."""
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise Invalid("field_required", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid("field_invalid", field=name)
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("field_invalid", field=name) from exc
    if not YEAR_MIN < parsed.year < YEAR_MAX:
        raise Invalid("date_out_of_range", field=name, min=YEAR_MIN + 1, max=YEAR_MAX - 1)
    return parsed


def items(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A list of JSON objects (empty when absent)."""
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Invalid("field_invalid", field=name)
    return value
