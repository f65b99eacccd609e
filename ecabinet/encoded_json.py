"""JSON encoded once and sent many times: a meeting view shared by a thousand screens is
turned into text once, and each screen's message embeds that text as it is.

`dumps` is the JSON encoder of the live channel and of the API's responses; it writes
`Encoded` values verbatim, everything else as `json.dumps` would.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

# Stands for an Encoded value while the rest is encoded; random per process, so no text
# a user typed can pass for one.
_MARK = f"ecabinet-encoded-{secrets.token_hex(8)}-"


class Encoded:
    """A JSON value held as its text."""

    __slots__ = ("text",)

    def __init__(self, value: Any) -> None:
        self.text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def value(self) -> Any:
        """The value again (for code that reads it rather than sends it)."""
        return json.loads(self.text)


def dumps(obj: Any, **options: Any) -> str:
    """`json.dumps(obj, **options)`, with each `Encoded` value written as its text."""
    texts: list[str] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, Encoded):
            raise TypeError(f"{type(value).__name__} is not JSON serialisable")
        texts.append(value.text)
        return f"{_MARK}{len(texts) - 1}"

    out = json.dumps(obj, default=placeholder, **options)
    for index, text in enumerate(texts):
        out = out.replace(f'"{_MARK}{index}"', text, 1)
    return out


def loads(text: str | bytes, **options: Any) -> Any:
    """`json.loads`, for modules that take a `json` with both functions."""
    return json.loads(text, **options)
